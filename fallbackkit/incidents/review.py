"""The weekly review of the loop: a week's incidents, post-mortems and action items due, metric trends."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .lifecycle import DURATIONS, IMPACT_NAMES, NO_COMPONENT, _impact_int, _impact_name, _json_row, _num
from .stats import MetricStats, MetricTable

if TYPE_CHECKING:
    from .log import IncidentLog


class WeeklyReview:
    """One week of the loop: incidents started, action items due or overdue, metric trends."""

    def __init__(self, log: IncidentLog, start, end, this: IncidentLog, prior: IncidentLog, trend_weeks: int, loop=None):
        self.log, self.start, self.end, self.this, self.prior = log, start, end, this, prior
        self.trend_weeks, self.loop = trend_weeks, loop

    @property
    def incidents(self) -> list[dict]:
        d = self.this.durations()
        return [{"id": rid, "provider": r["provider"], "impact": _impact_name(r["impact"]),
                 "category": r["category"], "components": ", ".join(r["components"]) or NO_COMPONENT,
                 "start": r["start"].strftime("%Y-%m-%d %H:%M"), "time_to_resolve": _num(d.loc[rid, "time_to_resolve"]),
                 "postmortem": "published" if r["postmortem"] == r["postmortem"] else "", "title": r["title"]}
                for rid, r in self.this.frame.sort_values("start").iterrows()]

    def action_items(self) -> list[dict]:
        """Items due this week, and open items already overdue at the week's end."""
        if self.loop is None:
            return []
        first, last = self.start.date(), (self.end - dt.timedelta(days=1)).date()
        out = []
        for a in self.loop.action_items:
            open_ = a.status in ("open", "in_progress")
            if first <= a.due <= last:
                why = "due this week"
            elif open_ and a.due < first:
                why = f"overdue by {(last - a.due).days} days"
            else:
                continue
            out.append({"id": a.id, "type": a.type, "owner": a.owner, "due": a.due.isoformat(),
                        "status": a.status, "why": why, "title": a.title})
        return out

    def trends(self) -> list[dict]:
        """Each duration's median this week vs the previous ``trend_weeks`` weeks and all history."""
        rows = []
        this, prior, allm = (x.metrics(metrics=list(DURATIONS)) for x in (self.this, self.prior, self.log))
        for m in DURATIONS:
            a, b, c = (_get(t, m) for t in (this, prior, allm))
            trend = ""
            if a and b and a.median is not None and b.median is not None:
                trend = "worse" if a.median > b.median else ("better" if a.median < b.median else "same")
            rows.append({"metric": m, "this week n": a.count if a else 0, "this week median": a.median if a else None,
                         f"prior {self.trend_weeks} wk n": b.count if b else 0,
                         f"prior {self.trend_weeks} wk median": b.median if b else None,
                         "all median": c.median if c else None, "trend": trend})
        return rows

    def postmortems_due(self) -> list[dict]:
        """Incidents this week meeting a post-mortem trigger (impact major or critical):
        due date from the loop's cadence, and whether the provider published one."""
        days = self.loop.cadence.per_incident_within_days if self.loop is not None else 5
        import pandas as pd
        out = []
        for rid, r in self.this.frame.iterrows():
            if _impact_int(r["impact"]) not in (2, 3):
                continue
            due = (r["resolved"] + pd.Timedelta(days=days)).date().isoformat() if pd.notna(r["resolved"]) else "unresolved"
            pub = r["postmortem"].date().isoformat() if pd.notna(r["postmortem"]) else ""
            late = pd.notna(r["postmortem"]) and pd.notna(r["resolved"]) and r["postmortem"] > r["resolved"] + pd.Timedelta(days=days)
            out.append({"id": rid, "impact": IMPACT_NAMES[int(r["impact"])], "due": due,
                        "published": pub or "no", "on time": ("late" if late else "yes") if pub else "", "title": r["title"]})
        return out

    def to_dict(self) -> dict:
        return {"week": self.start.date().isoformat(), "incidents": self.incidents,
                "action_items": self.action_items(), "trends": [_json_row(r) for r in self.trends()],
                "postmortems_due": self.postmortems_due()}

    def _heading(self) -> str:
        last = (self.end - dt.timedelta(days=1)).date()
        day = f", reviewed on {self.loop.cadence.weekly_review}" if self.loop is not None else ""
        return f"Weekly review {self.start.date()} – {last} (UTC){day}: {len(self.this)} incidents"

    def to_text(self) -> str:
        from .. import display
        trends = self.trends()
        parts = [self._heading(),
                 display.text_table(self.incidents, ["id", "provider", "impact", "category", "start", "time_to_resolve", "postmortem", "title"]),
                 "Post-mortems due", display.text_table(self.postmortems_due(), ["id", "impact", "due", "published", "on time", "title"]),
                 "Action items due or overdue", display.text_table(self.action_items(), ["id", "type", "owner", "due", "status", "why", "title"]),
                 "Metric trends (median minutes)", display.text_table(trends, list(trends[0]))]
        return "\n".join(parts)

    def to_html(self) -> str:
        from .. import display
        trends = self.trends()
        body = (display.html_table(self.incidents, ["id", "provider", "impact", "category", "components", "start", "time_to_resolve", "postmortem", "title"])
                + "<h4>Post-mortems due</h4>" + display.html_table(self.postmortems_due(), ["id", "impact", "due", "published", "on time", "title"])
                + "<h4>Action items due or overdue</h4>" + display.html_table(self.action_items(), ["id", "type", "owner", "due", "status", "why", "title"])
                + "<h4>Metric trends (median minutes)</h4>" + display.html_table(trends, list(trends[0])))
        return display.section(self._heading(), body)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}


def _get(table: MetricTable, metric: str) -> MetricStats | None:
    try:
        return table.get("all", metric)
    except KeyError:
        return None
