"""Plausibility: declared numbers held against what real calls measured (the kit's LLMPerf profiles).

A declared median faster than the fastest request any measured provider of that model size
served, a tail better than the best provider's p90, a timeout below every measured sample
of the path's own profile, a human who answers in milliseconds, an SLO that no measured
provider meets while the design relies on the model to meet it.
"""

from __future__ import annotations

import re

from ..display import ms0, pct
from ..distributions import Profile as ProfileSpec, Shifted
from ..matrix import PathKind
from .context import Review
from .kitdata import size_class
from .providers import provider_of
from .registry import checker
from .vocabulary import PROVIDER_KINDS

check = checker("budget")
#: a person reads and answers in minutes; a human path faster than this is a hand-off message
HUMAN_MIN_MS = 60_000
#: the one honest reading of a fast human path: its latency is the hand-off message's, said in so many words
_HANDOFF = re.compile(r"\b(hand-?off|hand(ed)? over|handover)\b", re.IGNORECASE)


@check("faster-than-measured", "blocking", "plausibility",
       "declared latency below what any measured provider of that model size achieves",
       "a budget built on impossible latency passes on paper and fails in production")
@check("timeout-below-samples", "blocking", "plausibility",
       "timeout below every measured sample of the path's latency",
       "every call times out: the path never answers, and the arithmetic that assumes it does is wrong")
@check("human-in-ms", "blocking", "plausibility",
       "a human path answering in milliseconds",
       "people answer in minutes; a budget that counts them in milliseconds hides where the time goes")
@check("slo-unmeetable", "blocking", "plausibility",
       "an SLO no measured provider of the primary's size meets",
       "the design relies on the primary for the SLO, and the measured percentile says it cannot")
@check("metric-mismatch", "blocking", "budget_arithmetic",
       "a path's latency measures another quantity than the SLO",
       "end-to-end times held against a first-token SLO (or the reverse) make every budget line wrong")
@check("profile-too-small", "note", "small_samples",
       "an SLO percentile read off a profile with fewer requests than it needs",
       "with n measured requests, any quantile above 1 − 1/n is just the largest one measured")
def plausibility(ctx: Review) -> None:
    d = ctx.design
    metric = d.context.slo.metric
    checked = 0
    for i, p in enumerate(d.matrix.paths):
        if p.kind in PROVIDER_KINDS:
            checked += _llm_path(ctx, i, p, metric)
        elif p.kind == PathKind.human.value:
            _human_path(ctx, i, p)
        _timeout_vs_profile(ctx, i, p)
    if checked:
        ctx.ev("budget", not any(f.check == "faster-than-measured" for f in ctx.findings),
               f"{checked} model path(s) held against the measured LLMPerf profiles of their size", "matrix.paths[*].latency")
    _slo_vs_measured(ctx)


def _llm_path(ctx: Review, i: int, p, metric: str) -> int:
    size = size_class(p.model, p.name)
    if size is None or not _hosted(p):
        return 0
    kit = ctx.kit
    fastest = kit.fastest(size, 0.0)           # first token can never beat this
    p90 = kit.fastest(size, 0.90, "time_to_first_token")
    if fastest is None:
        return 0
    lat = p.latency
    typ, tail = lat.typical_ms, lat.tail_ms
    if p.timeout_ms is not None and p.timeout_ms < fastest.value_ms and lat.distribution is None:
        ctx.find("timeout-below-samples", f"matrix.paths[{i}].timeout_ms",
                 f"timeout {p.timeout_ms:g} ms on {p.id!r} ({size.upper()}-class model) is below the fastest first token "
                 f"any measured {size.upper()} provider served, {fastest}: every call times out",
                 f"set timeout_ms ≥ {ms0(kit.fastest(size, 0.95).value_ms)} (best measured p95) or use a smaller model")
    if metric == "end_to_end":
        e2e = kit.fastest(size, 0.0, "end_to_end")
        if e2e is not None and typ is not None and typ < e2e.value_ms and typ >= fastest.value_ms:
            ctx.find("faster-than-measured", f"matrix.paths[{i}].latency",
                     f"{p.id!r} ({size.upper()}-class model) declares a median end-to-end latency of {ms0(typ)}; the "
                     f"fastest complete answer any measured {size.upper()} provider returned took {e2e}",
                     f"declare at least the measured median, p50 ≥ {ms0(kit.fastest(size, 0.5, 'end_to_end').value_ms)}, "
                     "or hold the SLO to time to first token")
            return 1
    if typ is not None and typ < fastest.value_ms:
        ctx.find("faster-than-measured", f"matrix.paths[{i}].latency",
                 f"{p.id!r} ({size.upper()}-class model) declares a median of {ms0(typ)}; the fastest first token any "
                 f"measured {size.upper()} provider served was {fastest}",
                 f"declare at least the measured numbers: p50 ≥ {ms0(kit.fastest(size, 0.5).value_ms)} "
                 f"(best measured median, {kit.fastest(size, 0.5).profile}), p99 ≥ {ms0(kit.fastest(size, 0.99).value_ms)}")
    elif tail is not None and p90 is not None and tail < p90.value_ms:
        ctx.find("faster-than-measured", f"matrix.paths[{i}].latency",
                 f"{p.id!r} ({size.upper()}-class model) declares a p99 of {ms0(tail)}, better than the best measured "
                 f"provider's p90 first token, {p90}",
                 f"declare p99 ≥ {ms0(kit.fastest(size, 0.99).value_ms)} (best measured p99, "
                 f"{kit.fastest(size, 0.99).profile}) and size the timeout and the fallbacks to it")
    return 1


def _human_path(ctx: Review, i: int, p) -> None:
    typ = p.latency.typical_ms or p.latency.tail_ms
    if typ is None or typ >= HUMAN_MIN_MS or _HANDOFF.search(f"{p.name} {p.effort}"):
        return
    ctx.find("human-in-ms", f"matrix.paths[{i}].latency",
             f"human path {p.id!r} answers in {ms0(typ)} by its latency: no person reads and replies that fast",
             "state the human's real reply time (minutes, e.g. p50_ms: 360000 for 6 min) and hold it to its own "
             "target, or say the latency is the hand-off message's and name the reply-time target elsewhere")


def _timeout_vs_profile(ctx: Review, i: int, p) -> None:
    if p.timeout_ms is None or p.latency.distribution is None:
        return
    dist, floor = p.latency.distribution, 0.0
    if isinstance(dist, Shifted):
        floor, dist = dist.floor_ms, dist.base
    if not isinstance(dist, ProfileSpec):
        return
    prof = ctx.kit.profile(dist.name)
    if prof is None:
        return
    slo = ctx.design.context.slo
    measures = "end_to_end" if dist.name.endswith("_e2e") else "time_to_first_token"
    if measures != slo.metric:
        other = dist.name.rsplit("_", 1)[0] + ("_ttft" if slo.metric == "time_to_first_token" else "_e2e")
        ctx.find("metric-mismatch", f"matrix.paths[{i}].latency.distribution",
                 f"{p.id!r} draws its latency from {dist.name} ({measures.replace('_', ' ')}), but the SLO is on "
                 f"{slo.metric.replace('_', ' ')}: the budget compares different quantities",
                 f"use the profile {other}, which measures what the SLO does")
    need = 1 / (1 - slo.percentile / 100)
    if prof.n < need:
        ctx.find("profile-too-small", f"matrix.paths[{i}].latency.distribution",
                 f"{p.id!r} draws from {dist.name}: {prof.n} measured requests, so its p{slo.percentile:g} is the "
                 f"largest of them, not a measured p{slo.percentile:g} (that needs about {need:,.0f})",
                 f"say n={prof.n} when quoting its tail, or hold the path to a percentile it can support "
                 f"(p{100 * (1 - 1 / prof.n):.1f} at most)")
    _timeout_vs_samples(ctx, i, p, dist, floor, prof)


def _timeout_vs_samples(ctx: Review, i: int, p, dist, floor: float, prof) -> None:
    """A timeout below the profile's measured samples times out every call (or most of them)."""
    scale = getattr(dist, "scale", 1.0) or 1.0
    values = prof.e2e_ms if dist.name.endswith("_e2e") else prof.ttft_ms
    lo = floor + values[0] * scale
    cut = sum(floor + v * scale > p.timeout_ms for v in values) / len(values)
    if p.timeout_ms < lo:
        severity = None
        message = (f"timeout {p.timeout_ms:g} ms on {p.id!r} is below every one of the {len(values)} measured samples of "
                   f"{dist.name} (fastest {ms0(lo)}): every call times out")
        fix = (f"set timeout_ms ≥ {ms0(floor + prof.quantile(0.95, 'end_to_end' if dist.name.endswith('_e2e') else 'time_to_first_token') * scale)} "
               f"(the profile's p95) or choose a faster profile for this path")
    elif cut > 0.5:
        severity = "warning"
        message = (f"timeout {p.timeout_ms:g} ms on {p.id!r} cuts {pct(cut)} of the measured samples of {dist.name}: "
                   "the path mostly times out, which the declared arithmetic does not count")
        fix = f"set timeout_ms near the profile's p95, {ms0(floor + values[int(0.95 * (len(values) - 1))] * scale)}"
    else:
        return
    ctx.find("timeout-below-samples", f"matrix.paths[{i}].timeout_ms", message, fix, severity=severity)


def _slo_vs_measured(ctx: Review) -> None:
    d, budget = ctx.design, ctx.budget
    slo = d.context.slo
    prim = next((p for p in d.matrix.paths if p.kind == PathKind.primary.value), None)
    if prim is None or budget is None:
        return
    size = size_class(prim.model, prim.name)
    if size is None or not _hosted(prim):
        return
    q = slo.percentile / 100
    best = ctx.kit.fastest(size, q, slo.metric)
    row = next((r for r in budget.rows if r.id == prim.id), None)
    if best is None or row is None:
        return
    # The design relies on models for the SLO when model paths serve more than the SLO's share: the
    # declared percentiles (faster than measured) are what keep that share high.
    llm_share = sum(r.share for r in budget.rows if r.kind in PROVIDER_KINDS)
    relies = llm_share > q
    n_note = f"; with {best.n} requests that is the {'max' if q * best.n > best.n - 1 else 'order statistic'} measured"
    if relies and best.value_ms > slo.threshold_ms:
        ctx.find("slo-unmeetable", "context.slo.threshold_ms",
                 f"the SLO asks p{slo.percentile:g} {slo.metric.replace('_', ' ')} < {slo.threshold_ms:g} ms of a "
                 f"{size.upper()}-class primary serving {pct(row.share)} of traffic; the best measured provider's "
                 f"p{slo.percentile:g} is {best}{n_note}",
                 f"cut the primary at a timeout below {slo.threshold_ms:g} ms and let a fast fallback serve the tail, or "
                 f"set the threshold ≥ {ms0(best.value_ms)} (measured)")


def _hosted(p) -> bool:
    """The profiles measure hosted APIs over the network; a model on the product's own GPUs is not held to them."""
    prov, _ = provider_of(p)
    return prov is not None and prov != "self-hosted"
