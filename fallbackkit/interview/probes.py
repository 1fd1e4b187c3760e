"""Questions from the classes of flaw a design comes close to, before any finding fires.

A committee probes where a design is near the edge: a P0 alert that already spends a few
percent of the error budget, a primary median faster than any API the kit measured, an
outage that leaves no model on another provider, a p90 over a handful of incidents. Each
probe's hint carries the numbers the kit computed; none repeats a flawed field as a model
answer (a flagged field is replaced by what its finding says to do).
"""

from __future__ import annotations

from ..display import pct
from ..matrix import PathKind
from ..review import detection
from ..review.kitdata import KitData, nearest_rank, size_class
from ..review.mitigation import unsafe
from ..review.providers import provider_of
from ..review.vocabulary import PROVIDER_KINDS, sev_rank
from .questions import Draft

#: a probe fires when the design is within this share of a check's limit
NEAR = 0.25


def probes(q: Draft, findings) -> None:
    """Add 'close:<flaw class>' questions to ``q`` for each class the design comes close to."""
    fired = {f.flaw_class for f in findings}
    for cls, build in ((("plausibility", "matrix"), _plausibility), (("correlated_failure", "matrix"), _correlated),
                       (("detection_budget", "taxonomy"), _detection), (("severity_weighting", "taxonomy"), _p0),
                       (("mitigation_semantics", "workflow"), _mitigation), (("operational_arithmetic", "workflow"), _ops),
                       (("small_samples", "postmortem"), _samples)):
        name, artifact = cls
        if name in fired:
            continue   # the finding's own question asks it
        q.artifact, q.source = artifact, f"close:{name}"
        build(q, findings)
    q.source = "trade-off"


def _flagged(findings, location: str, value: str) -> str:
    """``value``, or the fix when a finding flags ``location``: a hint never offers the flaw as the answer."""
    f = next((f for f in findings if f.location == location or f.location.startswith(location + ".")), None)
    return value if f is None else f"(flagged: {f.fix})"


def _plausibility(q: Draft, findings) -> None:
    p = q.primary
    if p is None or p.latency.typical_ms is None:
        return
    kit = KitData.bundled()
    size = size_class(p.model, p.name)
    sizes = [size] if size else ["7b", "13b", "70b"]
    fastest = min((kit.fastest(s, 0.0) for s in sizes), key=lambda m: m.value_ms)
    median = min((kit.fastest(s, 0.5) for s in sizes), key=lambda m: m.value_ms)
    typ = p.latency.typical_ms
    if typ >= median.value_ms * (1 + NEAR):
        return
    what = f"{size.upper()}-class" if size else "LLM"
    q.add("matrix.close-plausibility",
          f"Your primary's median is {typ:,.0f} ms. The fastest {what} API the kit has measured answered its median "
          f"request in {median.value_ms:,.0f} ms. Where does {typ:,.0f} ms come from?",
          f"measured (LLMPerf, Dec 2023): fastest single first token {fastest}, best median {median}; a strong answer "
          "names its own measurement: n requests, which percentile, where measured, when.", "budget")


def _correlated(q: Draft, findings) -> None:
    d, p = q.design, q.primary
    if p is None:
        return
    prov, _ = provider_of(p)
    outage = next((m for m in d.taxonomy.modes if m.category == "provider_outage"), None)
    route = [outage.mitigation.path] + d.workflow.mode_route(outage.id) if outage else [x.id for x in q.paths[1:]]
    by_id = {x.id: x for x in q.paths}
    other = [pid for pid in dict.fromkeys(route) if pid in by_id and by_id[pid].kind in PROVIDER_KINDS
             and provider_of(by_id[pid])[0] not in (None, prov)]
    if other:
        return
    rows = q.rows
    served = "; ".join(f"{pid}: coverage {by_id[pid].coverage_pct:g}%, quality {by_id[pid].quality_delta:+.2f}"
                       for pid in dict.fromkeys(route) if pid in by_id)
    q.add("matrix.close-correlated",
          f"{prov or 'Your primary provider'} is down for 30 minutes. No model on another provider is on the outage "
          "route: what does a user get, and at what quality?",
          f"outage route: {served or 'none'}; the primary serves {pct(rows[p.id].share) if p.id in rows else '?'} of "
          "traffic today; a model fallback on another provider (and region) is what keeps answers generated.",
          "fault_tolerance")


def _detection(q: Draft, findings) -> None:
    d = q.design
    b_min = detection.budget_minutes(d.context.slo)
    worst = None
    for i, m in enumerate(d.taxonomy.modes):
        w = detection.minutes(m.detection.window)
        if w is None or sev_rank(m.severity) > 1 or b_min <= 0:
            continue
        impact = 1.0 if (m.category == "provider_outage" or sev_rank(m.severity) == 0) else m.occurrence
        burnt = w * impact / b_min
        if worst is None or burnt > worst[0]:
            worst = (burnt, m, w, impact)
    if worst is None or worst[0] < detection.PAGE_SHARE * NEAR:
        return
    burnt, m, w, impact = worst
    q.add("taxonomy.close-detection",
          f"'{m.name}' alerts over {m.detection.window}. How much of the month's error budget is gone before that alert "
          "can fire?",
          f"budget {d.context.slo.window_days} × 1440 × {pct(d.context.slo.error_budget)} = {b_min:,.1f} min; "
          f"{w:g} min × {pct(impact)} of requests = {pct(burnt)} of it; the SRE Workbook pages at 14.4× over 1 h "
          "(5 min short window) = 2%, or 6× over 6 h = 5%.", "severity")


def _p0(q: Draft, findings) -> None:
    d = q.design
    p0 = [(i, m) for i, m in enumerate(d.taxonomy.modes) if sev_rank(m.severity) == 0]
    if not p0:
        return
    i, m = p0[0]
    lvl = d.taxonomy.severity_levels.get("P0")
    owner = _flagged(findings, f"taxonomy.modes[{i}].owner", m.owner)
    response = _flagged(findings, "taxonomy.severity_levels.P0.response", lvl.response if lvl else "")
    q.add("taxonomy.close-p0", f"'{m.name}' is a P0. Who is paged, on which signal, and within how many minutes?",
          f"owner {owner}; signal {m.detection}; P0 response: {response or 'none stated'}.", "severity")


def _mitigation(q: Draft, findings) -> None:
    d = q.design
    cache = next((p for p in q.paths if p.kind == PathKind.cache.value), None)
    flagged = next(((i, m) for i, m in enumerate(d.taxonomy.modes) if unsafe(m)), None)
    if cache is None or flagged is None:
        return
    i, m = flagged
    target = _flagged(findings, f"taxonomy.modes[{i}].mitigation.path", m.mitigation.path)
    q.add("workflow.close-mitigation",
          f"A conversation trips '{m.name}'. Why does it not go to the cache '{cache.id}', which is faster?",
          f"it goes to {target}; the cache answers {cache.coverage_pct:g}% of what reaches it by similarity to past "
          "prompts, not by what is safe to say now, so a flagged conversation must get a vetted answer.",
          "fault_tolerance")


def _ops(q: Draft, findings) -> None:
    d, p = q.design, q.primary
    if p is None or p.circuit_breaker is None:
        return
    cb, tr = p.circuit_breaker, d.context.traffic
    seen = tr.peak_rps * cb.window_s
    avg = tr.requests_per_day / 86400
    quiet = avg * cb.window_s
    if quiet >= cb.min_requests / NEAR:
        return
    q.add("workflow.close-breaker-traffic",
          f"Your breaker needs {cb.min_requests} requests in {cb.window_s:g} s. Does it open at 3 a.m.?",
          f"at peak it sees {tr.peak_rps:g} rps × {cb.window_s:g} s = {seen:,.0f} requests; at the daily average "
          f"({avg:,.1f} rps) {quiet:,.0f}; below {cb.min_requests} it never opens and every request pays the timeout.",
          "fault_tolerance")


def _samples(q: Draft, findings) -> None:
    pm = q.design.postmortem
    n = len(pm.incidents)
    if not 0 < n < 10:
        return
    vals = sorted(v for v in (i.minutes("time_to_detect") for i in pm.incidents) if v is not None)
    if not vals:
        return
    q.add("postmortem.close-samples",
          f"You have {n} incidents. What does a p90 of time to detect tell you, and what does it not?",
          f"n={len(vals)}: the nearest-rank p90 is the {len(vals)}th value, {nearest_rank(vals, 0.9):,.0f} min (the "
          f"longest); the median is {nearest_rank(vals, 0.5):,.0f} min; a p90 needs about 10 incidents, a trend about "
          "10 with 5 on each side of the change.", "loop")
