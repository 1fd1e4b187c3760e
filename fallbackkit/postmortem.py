"""The post-mortem loop: when a post-mortem is written, who owns it, how the loop is
measured, and the action items it produces.

Metrics are measured on the loop's incident records and reported as median and p90
(a mean alone hides the long tail that incidents always have)::

    loop.measure().to_frame()   # count, median, p90, mean per metric, in minutes
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from .artifact import Artifact, Id, Model, duplicate_ids, Number, Count
from .problems import Problem
from .display import Column, Heading, Pairs, Rendered, Table, Text, num
from .taxonomy import Severity

SRE_TEMPLATE = ["summary", "impact", "root_causes", "trigger", "resolution", "detection",
                "action_items", "lessons_learned", "timeline"]

#: metric name → (from stamp, to stamp); durations in minutes between two incident stamps.
METRICS: dict[str, tuple[str, str]] = {
    "time_to_detect": ("started", "detected"),
    "time_to_acknowledge": ("detected", "acknowledged"),
    "time_to_mitigate": ("started", "mitigated"),
    "time_to_resolve": ("started", "resolved"),
}
STAMPS = ["started", "detected", "acknowledged", "mitigated", "resolved"]


class ActionType(StrEnum):
    investigate = "investigate"
    mitigate = "mitigate"
    repair = "repair"
    detect = "detect"
    prevent = "prevent"


class ActionStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    wont_fix = "wont_fix"


class Cadence(Model):
    per_incident_within_days: Annotated[Count, Field(ge=1, le=30, description="post-mortem due N days after resolution")]
    weekly_review: Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"] = "Tuesday"


class LoopMetric(Model):
    name: Literal["time_to_detect", "time_to_acknowledge", "time_to_mitigate", "time_to_resolve"]
    statistics: list[Literal["median", "p90", "p99", "mean"]] = ["median", "p90"]
    target_median_min: Annotated[Number, Field(gt=0)] | None = None
    target_p90_min: Annotated[Number, Field(gt=0)] | None = None


class ActionItem(Model):
    id: Id
    type: ActionType
    title: Annotated[str, Field(min_length=1)]
    owner: Annotated[str, Field(min_length=1)]
    due: dt.date
    status: ActionStatus = ActionStatus.open
    failure_mode: Id | None = None
    incident: Id | None = None


class TimelineEntry(Model):
    at: AwareDatetime
    event: Annotated[str, Field(min_length=1)]


class IncidentRecord(Model):
    """One incident with the stamps the loop measures and the SRE template's fields."""

    id: Id
    title: Annotated[str, Field(min_length=1)]
    severity: Severity
    failure_mode: Id | None = None
    started: AwareDatetime
    detected: AwareDatetime | None = None
    acknowledged: AwareDatetime | None = None
    mitigated: AwareDatetime | None = None
    resolved: AwareDatetime | None = None
    summary: str = ""
    impact: str = ""
    root_causes: list[str] = []
    trigger: str = ""
    resolution: str = ""
    detection: str = ""
    lessons_learned: list[str] = []
    timeline: list[TimelineEntry] = []

    def minutes(self, metric: str) -> float | None:
        """Duration of ``metric`` in minutes, or None when a stamp is missing (never 0)."""
        a, b = METRICS[metric]
        start, end = getattr(self, a), getattr(self, b)
        if start is None or end is None:
            return None
        return (end - start).total_seconds() / 60


@dataclass
class MetricSummary:
    name: str
    count: int
    missing: int
    median: float | None
    p90: float | None
    mean: float | None
    target_median: float | None = None
    target_p90: float | None = None

    @property
    def meets_target(self) -> bool | None:
        checks = [(v, t) for v, t in ((self.median, self.target_median), (self.p90, self.target_p90)) if t is not None]
        if not checks or any(v is None for v, _ in checks):
            return None
        return all(v <= t for v, t in checks)


NO_INCIDENTS = ("no incidents yet: nothing to measure. That is normal before launch; the bundled public "
                "incident history of real LLM-provider incidents (`IncidentLog.bundled()`) is the baseline to "
                "hold the targets against until your own arrive")


@dataclass
class LoopMeasurement(Rendered):
    metrics: list[MetricSummary]

    @property
    def has_incidents(self) -> bool:
        return any(m.count for m in self.metrics)

    COLUMNS = [Column("metric"), Column("incidents", "count"), Column("missing", "count"),
               Column("median min", "ms"), Column("p90 min", "ms"), Column("mean min", "ms"),
               Column("target median min", "ms", "target median"), Column("target p90 min", "ms", "target p90"),
               Column("meets target")]

    def describe(self) -> list:
        blocks: list = [Heading("Post-mortem loop metrics (minutes)")]
        if not self.has_incidents:
            return blocks + [Text(NO_INCIDENTS)]
        return blocks + [Table(self.rows(), self.COLUMNS)]

    def lines(self) -> list[str]:
        """One sentence per metric, safe when there are no incidents (never formats None)."""
        if not self.has_incidents:
            return [NO_INCIDENTS]
        out = []
        for s in self.metrics:
            if not s.count:
                out.append(f"{s.name}: no incident has both stamps yet")
                continue
            target = (f"; target median {num(s.target_median)} / p90 {num(s.target_p90)} min"
                      if s.target_median is not None and s.target_p90 is not None else "")
            out.append(f"{s.name}: n={s.count}, median {num(s.median, 1)} min, p90 {num(s.p90, 1)} min, "
                       f"mean {num(s.mean, 1)} min{target}")
        return out

    def rows(self) -> list[dict]:
        return [{"metric": m.name, "incidents": m.count, "missing": m.missing,
                 "median min": m.median, "p90 min": m.p90, "mean min": m.mean,
                 "target median": m.target_median, "target p90": m.target_p90,
                 "meets target": {True: "yes", False: "no", None: ""}[m.meets_target]} for m in self.metrics]

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.rows()).set_index("metric")



def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), without importing numpy."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


class PostMortemLoop(Rendered, Artifact):
    """Cadence, owner, measured metrics and typed action items. Stands alone."""

    title = "post-mortem loop"

    owner: Annotated[str, Field(min_length=1)]
    triggers: Annotated[list[str], Field(min_length=1, description="what makes an incident need a post-mortem")]
    cadence: Cadence
    metrics: Annotated[list[LoopMetric], Field(min_length=1)]
    template: list[Literal["summary", "impact", "root_causes", "trigger", "resolution", "detection",
                           "action_items", "lessons_learned", "timeline"]] = list(SRE_TEMPLATE)
    action_items: list[ActionItem] = []
    incidents: list[IncidentRecord] = []

    def problems(self) -> list[Problem]:
        out = duplicate_ids(self.action_items, "action_items") + duplicate_ids(self.incidents, "incidents")
        incident_ids = {i.id for i in self.incidents}
        for k, a in enumerate(self.action_items):
            if a.incident is not None and a.incident not in incident_ids:
                out.append(Problem(f"action_items[{k}].incident", f"unknown incident {a.incident!r}; expected one of {sorted(incident_ids)}"))
        for k, inc in enumerate(self.incidents):
            present = [(s, getattr(inc, s)) for s in STAMPS if getattr(inc, s) is not None]
            for (a, ta), (b, tb) in zip(present, present[1:]):
                if tb < ta:
                    out.append(Problem(f"incidents[{k}].{b}", f"{b} ({tb.isoformat()}) is before {a} ({ta.isoformat()}); expected stamps in order {' ≤ '.join(STAMPS)}"))
        names = [m.name for m in self.metrics]
        for name in sorted({n for n in names if names.count(n) > 1}):
            out.append(Problem("metrics", f"metric {name!r} is listed twice"))
        return out

    def measure(self) -> LoopMeasurement:
        """Each metric over the incident records: count, median, p90, mean (minutes)."""
        out = []
        for m in self.metrics:
            vals = [v for v in (i.minutes(m.name) for i in self.incidents) if v is not None]
            out.append(MetricSummary(
                name=m.name, count=len(vals), missing=len(self.incidents) - len(vals),
                median=percentile(vals, 50), p90=percentile(vals, 90),
                mean=sum(vals) / len(vals) if vals else None,
                target_median=m.target_median_min, target_p90=m.target_p90_min))
        return LoopMeasurement(out)

    def open_items(self, today: dt.date | None = None) -> list[ActionItem]:
        return [a for a in self.action_items if a.status in (ActionStatus.open.value, ActionStatus.in_progress.value)]

    def overdue(self, today: dt.date) -> list[ActionItem]:
        return [a for a in self.open_items() if a.due < today]

    def describe(self) -> list:
        items = [{"id": a.id, "type": a.type, "owner": a.owner, "due": a.due.isoformat(), "status": a.status, "title": a.title}
                 for a in self.action_items]
        m = self.measure()
        metrics = Table(m.rows(), LoopMeasurement.COLUMNS, title="Metrics (minutes)") if m.has_incidents \
            else Text("Metrics: " + NO_INCIDENTS)
        return [Heading("Post-mortem loop"),
                Pairs([("owner", self.owner),
                       ("cadence", f"post-mortem within {self.cadence.per_incident_within_days} days of resolution; "
                                   f"weekly review on {self.cadence.weekly_review}"),
                       ("triggers", "; ".join(self.triggers)), ("template", ", ".join(self.template))]),
                metrics,
                Table(items, ["id", "type", "owner", "due", "status", "title"], title="Action items")]


class ActionTracker:
    """The post-mortem loop's action items as a tracker: overdue, by owner, by failure mode.

        tracker = ActionTracker(design.postmortem, today=dt.date(2026, 12, 5))
        tracker.overdue; tracker.completion; tracker.close("AI-1")
    """

    def __init__(self, loop, today: dt.date | None = None):
        self.loop = loop
        self.today = today or dt.date.today()

    def rows(self) -> list[dict]:
        out = []
        for a in self.loop.action_items:
            open_ = a.status in ("open", "in_progress")
            days = (a.due - self.today).days
            state = "closed" if not open_ else ("overdue" if days < 0 else ("due this week" if days <= 7 else "scheduled"))
            out.append({"id": a.id, "type": a.type, "owner": a.owner, "due": a.due.isoformat(), "status": a.status,
                        "days_to_due": days if open_ else None, "state": state,
                        "failure_mode": a.failure_mode or "", "incident": a.incident or "", "title": a.title})
        return out

    @property
    def overdue(self) -> list[str]:
        return [r["id"] for r in self.rows() if r["state"] == "overdue"]

    @property
    def completion(self) -> float | None:
        """Share of action items done or won't-fix (None when there are none)."""
        items = self.loop.action_items
        return sum(a.status in ("done", "wont_fix") for a in items) / len(items) if items else None

    def by(self, key: str) -> dict[str, dict[str, int]]:
        """Counts of open / overdue / closed items per owner, type or failure_mode."""
        out: dict[str, Counter] = {}
        for r in self.rows():
            k = r[key] or "(none)"
            c = out.setdefault(k, Counter())
            c["open" if r["state"] != "closed" else "closed"] += 1
            if r["state"] == "overdue":
                c["overdue"] += 1
        return {k: {"open": v["open"], "overdue": v["overdue"], "closed": v["closed"]} for k, v in sorted(out.items())}

    def incidents_without_items(self) -> list[str]:
        """Loop incidents that no action item points to: a post-mortem with no follow-up."""
        pointed = {a.incident for a in self.loop.action_items if a.incident}
        return [i.id for i in self.loop.incidents if i.id not in pointed]

    def close(self, item_id: str, status: str = "done") -> None:
        """Mark an item done (or wont_fix); the loop's own validation checks the status."""
        for a in self.loop.action_items:
            if a.id == item_id:
                a.status = status
                return
        raise KeyError(f"no action item {item_id!r}")

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.rows()).set_index("id")

    def _summary(self) -> str:
        comp = self.completion
        return (f"Action items on {self.today}: {len(self.loop.action_items)} total, {len(self.overdue)} overdue, "
                f"{'n/a' if comp is None else f'{comp:.0%}'} closed; incidents without an item: "
                f"{', '.join(self.incidents_without_items()) or 'none'}")

    def to_text(self) -> str:
        from . import display
        return self._summary() + "\n" + display.text_table(
            self.rows(), ["id", "type", "owner", "due", "status", "state", "failure_mode", "title"])

    def to_html(self) -> str:
        from . import display
        return display.section("Action-item tracker", f"<p>{display.esc_html(self._summary())}</p>" + display.html_table(
            self.rows(), ["id", "type", "owner", "due", "status", "state", "days_to_due", "failure_mode", "incident", "title"]))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}
