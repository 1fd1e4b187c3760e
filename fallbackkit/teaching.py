"""What the guided notebooks call, so a learner cell stays one or two lines over *their* design.

Every function takes the one design the notebook opened (``scenarios.open_design``) and copes
with a design that is still growing: a part not written yet shows as *not yet written (Day N)*,
a post-mortem loop with no incidents says so and offers the bundled public incident history
as the baseline. Nothing here reloads a bundled scenario::

    from fallbackkit import teaching
    teaching.part(design, "workflow")        # the workflow, or "workflow: not yet written (Day 2)"
    teaching.loop_metrics(design)            # median/p90 per metric, or the no-incidents baseline
"""

from __future__ import annotations

from .design import DAY_WRITTEN, Design, not_yet_written
from .display import Bullets, Heading, Rendered, Shown, Text, ms, num, usd
from .problems import DesignError


class Note(Rendered):
    """A short titled message that renders like every other object (text, HTML, Markdown)."""

    def __init__(self, title: str, lines: list[str]):
        self.title, self.lines, self._blocks = title, list(lines), None

    @classmethod
    def blocks(cls, blocks: list) -> "Note":
        note = cls(str(blocks[0]), [])
        note._blocks = blocks
        return note

    def describe(self) -> list:
        if self._blocks is not None:
            return self._blocks
        return [Heading(self.title), Bullets(self.lines)] if len(self.lines) > 1 else [Heading(self.title), Text(self.lines[0])]

    def __repr__(self) -> str:
        return self.to_text()


def show(obj) -> Shown:
    """Any object's rich view with money escaped (``$`` never typeset as maths)."""
    return Shown(obj)


def part(design: Design, name: str):
    """One part of the design, or a note that it is not written yet (with the day it is due)."""
    if name == "budget":
        if design.context is None or design.matrix is None:
            return Note("Budget", ["needs the context and the matrix: " + not_yet_written("matrix")])
        return design.budget()
    art = getattr(design, name)
    if art is None:
        return Note(name.capitalize(), [f"{name}: {not_yet_written(name)}; `fallbackkit validate` lists what is written"])
    return art


def budget_lines(design: Design) -> Note:
    """The budget's verdict lines (worst case vs SLO, coverage, retries, blended cost)."""
    b = part(design, "budget")
    return b if isinstance(b, Note) else Note("Budget against the SLO", b.summary_lines())


def loop_metrics(design: Design) -> Note:
    """Median and p90 per loop metric; with no incidents yet, the public baseline instead."""
    if design.postmortem is None:
        return Note("Post-mortem loop", [f"postmortem: {not_yet_written('postmortem')}"])
    m = design.postmortem.measure()
    if m.has_incidents:
        return Note("Loop metrics, from your incidents", m.lines())
    return Note("Loop metrics", m.lines() + baseline_lines())


def baseline_lines() -> list[str]:
    """Time to resolve on the bundled public incident history: median and p90 per provider."""
    from .incidents import IncidentLog
    log = IncidentLog.bundled()
    rows = log.metrics(by="provider", metrics=["time_to_resolve"]).rows()
    out = [f"baseline until your own incidents arrive: {len(log)} public incidents of LLM providers"]
    out += [f"{r['group']}: time to resolve median {num(r['median'])} min, p90 {num(r['p90'])} min "
            f"over {r['count']} incidents"
            for r in rows if r.get("count")]
    return out


def broken_example(design: Design) -> str:
    """The messages the kit gives when the first failure mode names a path that does not exist."""
    if design.taxonomy is None:
        return f"taxonomy: {not_yet_written('taxonomy')}: nothing to break yet"
    data = design.to_dict()
    data["taxonomy"]["modes"][0]["mitigation"]["path"] = "gpu-cluster"
    try:
        Design.from_dict(data, filename="my_design.yaml", partial=True)
    except DesignError as err:
        return str(err)
    return "no problem found"  # pragma: no cover - the rule above always fires


def tighter_slo(design: Design, factor: float = 0.8) -> Note:
    """The same design held to an SLO threshold ``factor`` × as tight: what no longer fits."""
    b = part(design, "budget")
    if isinstance(b, Note):
        return b
    threshold = factor * design.context.slo.threshold_ms
    tb = design.with_slo(threshold_ms=threshold).budget()
    lines = [tb.verdict] + [f"{r.id}: {r.verdict}" for r in tb.over_budget]
    return Note(f"Held to {ms(threshold)} instead of {ms(design.context.slo.threshold_ms)}", lines)


def yearly_cost(design: Design) -> Note:
    """The blended cost per 1M requests, a year of the product's traffic, and the ceiling."""
    b = part(design, "budget")
    if isinstance(b, Note):
        return b
    per_year = design.context.traffic.requests_per_day * 365 / 1e6
    cost = b.blended_cost_per_1m_usd
    return Note("Cost", [f"chain: {usd(cost)} per 1M requests = {usd(cost * per_year)} a year at "
                         f"{design.context.traffic.requests_per_day:,.0f} requests/day",
                         f"ceiling: {usd(design.context.cost_ceiling_per_1m_usd)} per 1M requests"])


def second_llm_instead(design: Design) -> Note:
    """The template's cost argument on this design: put a second-stage LLM (p50 180 ms, p99
    300 ms, $600 per 1M calls) where the deterministic path (rule engine, else cache) is."""
    b = part(design, "budget")
    if isinstance(b, Note):
        return b
    from .matrix import LatencySpec
    kinds = [p.kind for p in design.matrix.paths]
    cheap = "rule_engine" if "rule_engine" in kinds else ("cache" if "cache" in kinds else None)
    if cheap is None:
        return Note("A second LLM instead?", ["no deterministic path (rule engine or cache) in this chain to compare with a second LLM"])
    i = kinds.index(cheap)
    swap = design.matrix.model_copy(deep=True)
    swap.paths[i] = swap.paths[i].model_copy(update={
        "id": "second_llm", "name": "Second-stage LLM", "kind": "alternate_model",
        "latency": LatencySpec(p50_ms=180, p95_ms=260, p99_ms=300), "timeout_ms": 300,
        "cost_per_1m_usd": 600, "coverage_pct": 100})
    sb = swap.budget(design.context.slo)
    per_year = design.context.traffic.requests_per_day * 365 / 1e6
    delta = (sb.blended_cost_per_1m_usd - b.blended_cost_per_1m_usd) * per_year
    return Note("A second LLM instead?", [
        f"with a second LLM instead of {design.matrix.paths[i].id}: {sb.verdict}",
        f"{usd(sb.blended_cost_per_1m_usd)} per 1M requests ({'+' if delta >= 0 else '-'}{usd(abs(delta))} a year)"])


def scenario_library(design: Design):
    """The bundled scenarios (computed numbers) when touring them; on the learner's own design,
    only where to find them, so nothing about someone else's product lands in their outputs."""
    from . import scenarios
    if design.source and not design.source.startswith("scenario:"):
        return Note("Other products", ["`fallbackkit scenarios` lists the bundled reference designs; "
                                       "this run is on your design, so they are not shown here"])
    return scenarios.catalog_table()


def slowest_incidents(design: Design, metric: str = "time_to_detect", n: int = 2) -> Note:
    """The incidents that drive the tail of ``metric`` (none yet: says so)."""
    incs = design.postmortem.incidents if design.postmortem is not None else []
    timed = [i for i in incs if i.minutes(metric) is not None]
    if not timed:
        return Note(f"Slowest {metric.replace('_', ' ')}", ["no incidents yet: the tail comes from the public baseline below"])
    worst = sorted(timed, key=lambda i: -i.minutes(metric))[:n]
    return Note(f"Slowest {metric.replace('_', ' ')}",
                [f"{i.id}: {i.title} — {num(i.minutes(metric))} min ({i.failure_mode or 'no mode named'})" for i in worst])


def mean_vs_median(design: Design, metric: str = "time_to_resolve") -> Note:
    """The classic mistake ("MTTR" as one mean) against median and p90, on the design's own
    incidents, or on the public baseline while there are none."""
    s = None
    if design.postmortem is not None:
        s = next((x for x in design.postmortem.measure().metrics if x.name == metric and x.count), None)
    if s is None:
        from .incidents import IncidentLog
        log = IncidentLog.bundled()
        st = log.metrics(metrics=["time_to_resolve"]).stats[0]
        where, mean, median, p90, count = "the public baseline (no incidents of yours yet)", st.mean, st.median, st.p90, st.count
    else:
        where, mean, median, p90, count = "your incidents", s.mean, s.median, s.p90, s.count
    return Note(f"{metric.replace('_', ' ')}: one mean vs median and p90, on {where}", [
        f"vague:  mean {metric.replace('_', ' ')} {num(mean)} min",
        f"better: median {num(median)} min, p90 {num(p90)} min over {count} incidents "
        f"(the mean is {mean / median:.1f}x the median: the tail, not the typical incident, moves it)"])


def flawed_variant(design: Design) -> Design:
    """A copy with three classic mistakes: an unquantified mitigation note, a per-call price
    that is really per 1,000 calls, and time to resolve reported only as a mean."""
    data = design.to_dict()
    data["taxonomy"]["modes"][0]["mitigation"]["note"] = "the fallback improves reliability"
    primary = data["matrix"]["paths"][0]
    primary["price_per_call_usd"] = primary["cost_per_1m_usd"] / 1000
    for metric in data["postmortem"]["metrics"]:
        if metric["name"] == "time_to_resolve":
            metric["statistics"] = ["mean"]
    return Design.from_dict(data, filename="my_design-flawed.yaml", check=False)


def compare_reviews(reference, other, names: tuple[str, str] = ("yours", "flawed")):
    """Two critiques side by side: each criterion's label, and the other's blocking findings."""
    from .display import Column, Table
    rows = [{"criterion": a.name, names[0]: a.label, names[1]: b.label,
             "moved": "lower" if b.score < a.score else ("higher" if b.score > a.score else "")}
            for a, b in zip(reference.scores, other.scores)]
    blocking = [f"{f.location}: {f.message} — fix: {f.fix}" for f in other.blocking]
    return Note.blocks([Heading("Critique, side by side"), Table(rows, [Column("criterion"), Column(names[0]),
                       Column(names[1]), Column("moved")]),
                       Text(f"{names[0]}: {len(reference.blocking)} blocking; {names[1]}: {len(other.blocking)} blocking"),
                       Bullets(blocking or ["no blocking finding"])])


def loop_pitch(design: Design, review=None) -> Note:
    """The 60-second close of Day 3: owner, cadence, measured loop (or the baseline), critique."""
    pm = design.postmortem
    if pm is None:
        return Note("Present it aloud", [f"postmortem: {not_yet_written('postmortem')}"])
    done = [a.title for a in pm.action_items if a.status == "done"]
    lines = [f"The loop is owned by the {pm.owner}. A post-mortem is due within {pm.cadence.per_incident_within_days} "
             f"days of resolution, triggered by: {'; '.join(pm.triggers)}. We review every {pm.cadence.weekly_review}."]
    lines += loop_metrics(design).lines
    lines.append(f"{len(pm.action_items)} action items, {len(done)} done" + (": " + "; ".join(done) if done else "") + ".")
    if review is not None:
        strong = sum(sc.at_least_strong for sc in review.scores)
        lines.append(f"The kit's critique scores {strong} of {len(review.scores)} criteria at least Strong, with "
                     f"{len(review.blocking)} blocking findings and {len(review.warnings)} warnings.")
    return Note("Present it aloud", lines)


def answers_for(design: Design, scripted: dict[str, str], written_for: str = "support-chat") -> dict[str, str]:
    """Scripted interview answers that fit the design: the given ones when the design is the
    scenario they were written for, else answers that quote only this design's own numbers."""
    name = design.context.name if design.context is not None else None
    if scripted.get("design", None) == name or (name is None and design.source == f"scenario:{written_for}"):
        return dict(scripted)
    out = {"*": scripted.get("*", "(no answer)"), "design": name or ""}
    if design.context is not None:
        slo = design.context.slo
        miss = design.context.traffic.requests_per_day * slo.error_budget
        out["matrix.slo"] = f"{slo}: {num(miss)} requests a day may miss."
    if design.context is not None and design.matrix is not None:
        out["matrix.primary-timeout"] = design.budget().verdict + "."
    return out


def primary_timeout_variant(design: Design, factor: float = 0.8) -> tuple[Design, str]:
    """A variant to defend against: the primary path's timeout ``factor`` × as long (a path
    without a timeout gets one at ``factor`` × its p99). Returns (variant, what changed)."""
    design.require("matrix")
    v = design.model_copy(deep=True)
    p = v.matrix.paths[0]
    old = p.timeout_ms if p.timeout_ms is not None else p.latency.tail_ms
    p.timeout_ms = round(factor * old, 1)
    return v, f"{p.id} timeout {ms(old)} → {ms(p.timeout_ms)}"


def severity_rigour(design: Design, vague: dict[str, str]) -> Note:
    """The critique's severity check on the design, and on a copy whose levels say ``vague``.

    The critique reads a whole design; on a Day-1 design it says when it will run instead."""
    if not design.is_complete:
        return Note("Severity rigour, as the critique scores it", [
            f"the critique reads the whole design; {next_day(design)}. Run this cell again on Day 3."])
    from .review import critique
    data = design.to_dict()
    for level, text in vague.items():
        data["taxonomy"]["severity_levels"][level]["criterion"] = text
    vague_review = critique(Design.from_dict(data, filename="my_design.yaml", check=False))
    lines = [f"{name}: severity rigour {r.score('severity').label}, "
             f"{len(r.by_check('severity-not-metric'))} severity findings"
             for name, r in [("vague levels", vague_review), ("your levels", critique(design))]]
    f = vague_review.by_check("severity-not-metric")[0]
    lines += [f"[{f.severity}] field {f.location}", f"why: {f.message}", f"fix: {f.fix}"]
    return Note("Severity rigour, as the critique scores it", lines)


def progress(design: Design, day: int):
    """The three-day tracker for the parts written so far (the rest: not yet written)."""
    from . import cadence
    return cadence.track(design, day=day)


def next_day(design: Design) -> str:
    """Which day's work comes next for this design."""
    if not design.missing:
        return "every part is written: Day 3 is critique, rehearse and export"
    first = design.missing[0]
    return f"next: {first} ({not_yet_written(first)})"


__all__ = ["Note", "show", "part", "budget_lines", "loop_metrics", "baseline_lines", "broken_example", "tighter_slo",
           "yearly_cost", "slowest_incidents", "mean_vs_median", "flawed_variant", "compare_reviews", "loop_pitch", "scenario_library", "severity_rigour", "answers_for", "primary_timeout_variant", "second_llm_instead", "progress", "next_day", "DAY_WRITTEN"]
