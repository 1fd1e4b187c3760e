"""The three-day cadence tracker: which artifacts are complete and valid, per day of the plan.

Day 1 is the failure taxonomy and the latency-budget matrix, Day 2 the recovery workflow,
Day 3 the post-mortem loop and the polish that joins them (every cross-reference lands,
the budget fits the SLO and the cost ceiling). Progress is measured in artifacts
completed, not hours spent::

    from fallbackkit import cadence
    report = cadence.track(design, day=2)          # a whole Design ...
    report = cadence.track(taxonomy=t, matrix=m)   # ... or the artifacts you have so far
    report.complete_on(1)                           # True when Day 1's artifacts are done
    report.on_track                                 # every artifact due by `day` is done

An artifact is *complete* when it exists, breaks no rule, and meets the bar the day sets
for it (listed in ``reasons`` when it does not). A widget can draw ``report.rows()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .design import not_yet_written
from .display import Heading, Rendered, Table, Text, ms, pct, usd

PLAN: dict[int, tuple[str, ...]] = {1: ("taxonomy", "matrix"), 2: ("workflow",), 3: ("postmortem", "design")}
DAY_OF = {a: d for d, arts in PLAN.items() for a in arts}
REQUIRED_LOOP_METRICS = ("time_to_detect", "time_to_resolve")

COMPLETE, INCOMPLETE, MISSING = "complete", "incomplete", "missing"


@dataclass
class ArtifactStatus:
    day: int
    artifact: str
    status: str
    reasons: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.status == COMPLETE


@dataclass
class CadenceReport(Rendered):
    items: list[ArtifactStatus]
    day: int | None = None

    def item(self, artifact: str) -> ArtifactStatus:
        return next(i for i in self.items if i.artifact == artifact)

    def complete_on(self, day: int) -> bool:
        """True when every artifact planned for ``day`` is complete."""
        return all(i.complete for i in self.items if i.day == day)

    @property
    def completed(self) -> int:
        return sum(i.complete for i in self.items)

    def per_day(self) -> dict[int, tuple[int, int]]:
        """Day → (artifacts complete, artifacts planned)."""
        return {d: (sum(self.item(a).complete for a in arts), len(arts)) for d, arts in PLAN.items()}

    @property
    def due(self) -> list[ArtifactStatus]:
        """Artifacts planned up to ``day`` that are not complete yet."""
        if self.day is None:
            return []
        return [i for i in self.items if i.day <= self.day and not i.complete]

    @property
    def on_track(self) -> bool | None:
        return None if self.day is None else not self.due

    def rows(self) -> list[dict]:
        return [{"day": i.day, "artifact": i.artifact, "status": i.status,
                 "first gap": i.reasons[0] if i.reasons else ""} for i in self.items]

    def summary(self) -> str:
        parts = [f"Day {d}: {c}/{n}" for d, (c, n) in self.per_day().items()]
        line = f"{self.completed}/{len(self.items)} artifacts complete — " + ", ".join(parts)
        if self.day is not None:
            line += (f"; on track for day {self.day}" if self.on_track
                     else f"; behind on day {self.day}: " + ", ".join(i.artifact for i in self.due))
        return line

    def describe(self) -> list:
        return [Heading("Three-day cadence"), Table(self.rows(), ["day", "artifact", "status", "first gap"]),
                Text(self.summary())]


def track(design=None, *, context=None, taxonomy=None, matrix=None, workflow=None, postmortem=None,
          day: int | None = None) -> CadenceReport:
    """Which artifacts are complete, per day of the plan. Pass a Design or the artifacts you have."""
    if day is not None and day not in PLAN:
        raise ValueError(f"day {day!r}; expected one of {sorted(PLAN)}")
    if design is not None:
        context, taxonomy, matrix = design.context, design.taxonomy, design.matrix
        workflow, postmortem = design.workflow, design.postmortem
    checks = {
        "taxonomy": (taxonomy, lambda: _taxonomy_gaps(taxonomy)),
        "matrix": (matrix, lambda: _matrix_gaps(matrix, context)),
        "workflow": (workflow, lambda: _workflow_gaps(workflow, taxonomy, matrix)),
        "postmortem": (postmortem, lambda: _postmortem_gaps(postmortem)),
        "design": (design, lambda: _design_gaps(design)),
    }
    items = []
    for d, arts in PLAN.items():
        for a in arts:
            obj, gaps = checks[a]
            if obj is None:
                why = "pass a whole Design to check the joins" if a == "design" else not_yet_written(a)
                items.append(ArtifactStatus(d, a, MISSING, [why]))
                continue
            reasons = gaps()
            items.append(ArtifactStatus(d, a, INCOMPLETE if reasons else COMPLETE, reasons))
    report = CadenceReport(items, day)
    if design is not None and design.context is None:
        it = report.item("matrix")
        if it.status != MISSING:
            it.status, it.reasons = INCOMPLETE, ["context: " + not_yet_written("context") + "; the budget needs its SLO"]
    if design is not None and not all(i.complete for i in items if i.artifact != "design"):
        it = report.item("design")
        it.status, it.reasons = INCOMPLETE, ["finish the other artifacts first"] + it.reasons
    return report


def _rules(art) -> list[str]:
    return [f"{p.path}: {p.message}" if p.path else p.message for p in art.problems()]


def _taxonomy_gaps(t) -> list[str]:
    return _rules(t)


def _matrix_gaps(m, context) -> list[str]:
    out = _rules(m)
    slo = m.slo or (context.slo if context is not None else None)
    if slo is None:
        return out + ["no SLO to hold the budget against: set matrix.slo or pass the context"]
    if out:
        return out
    b = m.budget(slo)
    if b.worst_case_ms is None or b.worst_case_ms > slo.threshold_ms:
        out.append(b.verdict)
    out += [f"{r.id}: timeout {ms(r.timeout_ms)} exceeds the {ms(r.deadline_left_ms)} left"
            for r in b.rows if not r.timeout_fits]
    if b.retry_share > b.retry_budget:
        out.append(f"retry share {pct(b.retry_share)} is over the {pct(b.retry_budget)} retry budget")
    if b.unserved > 1e-9:
        out.append(f"{100 * b.unserved:.3f}% of requests reach no path that answers them; end the chain with a path that always answers")
    if context is not None and b.blended_cost_per_1m_usd > context.cost_ceiling_per_1m_usd:
        out.append(f"blended cost {usd(b.blended_cost_per_1m_usd)} per 1M requests is over the "
                   f"{usd(context.cost_ceiling_per_1m_usd)} ceiling")
    return out


def _workflow_gaps(w, taxonomy, matrix) -> list[str]:
    out = _rules(w)
    if taxonomy is not None:
        unrouted = [m for m in taxonomy.ids if m not in w.handled_modes]
        if unrouted:
            out.append(f"failure modes not routed by any edge: {', '.join(unrouted)}")
    if matrix is not None:
        unused = [p for p in matrix.ids if p not in w.invoked_paths]
        if unused:
            out.append(f"fallback paths no action invokes: {', '.join(unused)}")
    return out


def _postmortem_gaps(p) -> list[str]:
    out = _rules(p)
    stats = {m.name: set(m.statistics) for m in p.metrics}
    for name in REQUIRED_LOOP_METRICS:
        if name not in stats:
            out.append(f"no {name} metric; measure it as median and p90")
        elif not {"median", "p90"} <= stats[name]:
            out.append(f"{name} reports {sorted(stats[name])}; expected median and p90 (a mean hides the tail)")
    if not p.action_items:
        out.append("no action items; a loop that produces none closes nothing")
    return out


def _design_gaps(d) -> list[str]:
    return [f"{p.path}: {p.message}" for p in d.reference_problems()]
