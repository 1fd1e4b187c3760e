"""PostmortemDashboard: incident records in; the loop's metrics (median and p90 against
targets) and their trend out.

    PostmortemDashboard(design)            # or a design file path: added incidents are saved
    dash.add_incident(id="INC-6", title="...", severity="P2", started="2026-11-10T09:00:00Z", ...)

The numbers are ``PostMortemLoop.measure()``; the dashboard only shows them.
"""

from __future__ import annotations

import html
import os

import ipywidgets as W

from ..design import Design
from ..postmortem import METRICS, STAMPS
from ..problems import DesignError
from ..taxonomy import Severity
from . import edits
from ._base import (CSS, FkWidget, as_design, chart_view, error_problems, message_html, not_saved_html, problems_html,
                    set_chart, stamp)

NONE = "(none)"


def trend_rows(design: Design) -> list[dict]:
    """One row per incident and metric: when it started, how many minutes it took."""
    loop = design.postmortem
    rows = []
    for inc in sorted(loop.incidents, key=lambda i: i.started):
        for m in loop.metrics:
            v = inc.minutes(m.name)
            if v is not None:
                rows.append({"incident": inc.id, "started": inc.started.isoformat(), "metric": m.name,
                             "minutes": round(v, 2), "severity": inc.severity})
    return rows


def trend_lines(design: Design) -> list[str]:
    """Per metric: median of the newer half of the incidents against the older half."""
    from ..postmortem import percentile
    loop = design.postmortem
    incs = sorted(loop.incidents, key=lambda i: i.started)
    if len(incs) < 4:
        return [f"trend: needs at least 4 incidents, has {len(incs)}"]
    old, new = incs[: len(incs) // 2], incs[len(incs) // 2:]
    out = []
    for m in loop.metrics:
        a = percentile([v for v in (i.minutes(m.name) for i in old) if v is not None], 50)
        b = percentile([v for v in (i.minutes(m.name) for i in new) if v is not None], 50)
        if a is None or b is None:
            out.append(f"{m.name}: not enough stamps for a trend")
            continue
        word = "improving" if b < a else "worsening" if b > a else "flat"
        out.append(f"{m.name}: median {a:,.1f} → {b:,.1f} min ({word}; older {len(old)} vs newer {len(new)} incidents)")
    return out


def trend_chart(design: Design):
    """Minutes per incident and metric over time, log scale (incidents span minutes to days)."""
    import altair as alt
    rows = trend_rows(design)
    base = alt.Chart(alt.Data(values=rows or [{"incident": "", "started": None, "metric": "", "minutes": None}]))
    line = base.mark_line(point=True).encode(
        x=alt.X("started:T", title="incident start"),
        y=alt.Y("minutes:Q", scale=alt.Scale(type="log"), title="minutes (log scale)"),
        color=alt.Color("metric:N", sort=list(METRICS), legend=alt.Legend(orient="bottom", title=None, columns=2)),
        tooltip=["incident:N", "metric:N", "minutes:Q", "severity:N"])
    targets = [{"metric": m.name, "target": m.target_median_min} for m in design.postmortem.metrics if m.target_median_min]
    rules = alt.Chart(alt.Data(values=targets)).mark_rule(strokeDash=[4, 3], opacity=0.6).encode(
        y="target:Q", color=alt.Color("metric:N", sort=list(METRICS)))
    return (line + rules).properties(width=460, height=220, title="Loop metrics per incident (dashed: median target)")


class PostmortemDashboard(FkWidget):
    css_class = "fbk-postmortem-dashboard"

    def __init__(self, design: Design | str | os.PathLike | None = None, path: str | os.PathLike | None = None):
        super().__init__()
        self.design, self.path = as_design(design, path)
        st, lay = {"description_width": "110px"}, W.Layout(width="360px")
        self.inputs = {
            "id": W.Text(description="id", style=st, layout=lay),
            "title": W.Text(description="title", style=st, layout=lay),
            "severity": W.Dropdown(options=[s.value for s in Severity], value="P2", description="severity", style=st, layout=lay),
            "failure_mode": W.Dropdown(description="failure mode", style=st, layout=lay),
        }
        for s in STAMPS:
            self.inputs[s] = W.Text(description=s, placeholder="2026-11-10T09:00:00Z", style=st, layout=lay)
        self.add_button = W.Button(description="Add incident", icon="plus", button_style="primary")
        self.add_button.add_class("fbk-add-incident")
        self.add_button.on_click(lambda _b: self.add_incident())
        self.paste = W.Textarea(placeholder="or paste a YAML/JSON list of incident records", rows=4,
                                layout=W.Layout(width="360px"))
        self.import_button = W.Button(description="Import records", icon="upload")
        self.import_button.on_click(lambda _b: self.import_text(self.paste.value))
        self.message = W.HTML("")
        self.message.add_class("fbk-message")
        self.metrics = W.HTML("")
        self.metrics.add_class("fbk-metrics")
        self.incident_log = W.HTML("")
        self.chart = chart_view(trend_chart(self.design))
        where = f"saves to <code>{html.escape(self.path)}</code>" if self.path else "no file: incidents stay in memory"
        form = W.VBox([W.HTML("<b>Log an incident</b> (times in ISO 8601 with a zone)"), *self.inputs.values(),
                       self.add_button, self.paste, self.import_button, self.message],
                      layout=W.Layout(min_width="380px", flex="0 0 380px"))
        self.children = [W.HTML(CSS + f"<b>Post-mortem dashboard</b> — owner {html.escape(self.design.postmortem.owner)}; {where}"),
                         W.HBox([form, W.VBox([self.metrics, self.chart],
                                              layout=W.Layout(overflow="auto", min_width="0", flex="1 1 auto"))]),
                         self.incident_log]
        # tables scroll inside their box rather than lose columns at the edge
        for view in (self.metrics, self.incident_log):
            view.layout.overflow = "auto"
        self._refresh()

    def _refresh(self) -> None:
        loop = self.design.postmortem
        self.inputs["failure_mode"].options = [NONE] + self.design.taxonomy.ids
        from ..display import bullets
        measured = loop.measure()
        baseline = ""
        if not measured.has_incidents:   # normal before launch: the public history is the baseline
            from ..teaching import baseline_lines
            baseline = "<b>Baseline</b>" + bullets(baseline_lines())
        self.metrics.value = measured.to_html() + baseline + "<b>Trend</b>" + bullets(trend_lines(self.design))
        rows = [{"id": i.id, "severity": i.severity, "failure mode": i.failure_mode or "",
                 "started": i.started.isoformat(), **{m: i.minutes(m) for m in METRICS}, "title": i.title}
                for i in sorted(loop.incidents, key=lambda i: i.started)]
        from ..display import html_table, section
        self.incident_log.value = section(f"Incident log ({len(rows)})", html_table(rows, ["id", "severity", "failure mode", "started", *METRICS, "title"]))
        set_chart(self.chart, trend_chart(self.design))

    def add_incident(self, **record) -> bool:
        """Add one incident record (from keyword fields, else from the form); validated by the model."""
        if not record:
            record = {k: (w.value.strip() if isinstance(w.value, str) else w.value) for k, w in self.inputs.items()}
            if record.get("failure_mode") == NONE:
                record["failure_mode"] = None
        return self.add_incidents([record])

    def import_text(self, text: str) -> bool:
        """Add every record of a pasted YAML/JSON list, or none."""
        try:
            records = edits.parse_incidents(text)
        except DesignError as exc:
            self._refuse(exc)
            return False
        return self.add_incidents(records)

    def add_incidents(self, records: list[dict]) -> bool:
        """Add incident records, all or none; saved atomically when the dashboard has a file."""
        def add(design: Design) -> Design:
            try:
                return edits.add_incidents(design, records, self.path)
            except DesignError as exc:
                raise _Refused(exc.problems) from None
        try:  # added to the file as it is now: other editors' changes stay
            new = Design.edit_file(self.path, add, start=self.design) if self.path else add(self.design)
        except _Refused as exc:
            self._refuse(exc)
            return False
        except (DesignError, OSError) as exc:  # the file: read-only, changed, unreadable
            self.message.value = not_saved_html(exc) if isinstance(exc, DesignError) else \
                message_html(f"Not saved: {exc.strerror or exc}", "error")
            return False
        self.design = new
        self._refresh()
        ids = ", ".join(repr(r.get("id")) for r in records)
        self.message.value = message_html(f"{stamp()} added {ids}" + (f" to {self.path}" if self.path else ""), "ok")
        return True

    def _refuse(self, exc: DesignError) -> None:
        self.message.value = message_html("Not added: the model refused these records; nothing changed.", "error") + \
            problems_html([p.__class__(p.path.replace("postmortem.", ""), p.message) for p in error_problems(exc)])

    def to_text(self) -> str:
        loop = self.design.postmortem
        return "\n".join([f"PostmortemDashboard — {len(loop.incidents)} incidents, owner {loop.owner}",
                          "Metrics (minutes)", loop.measure().to_text(), "Trend", *trend_lines(self.design)])


class _Refused(DesignError):
    """The model refused the records themselves (not the file)."""
