"""Fault tolerance: retries that cannot storm, timeouts, breakers, a last resort."""

from __future__ import annotations

from ..display import pct
from ..matrix import PathKind
from ..design import Design
from .context import Review
from .registry import checker
from .vocabulary import DETERMINISTIC_KINDS, NON_RETRYABLE, PROVIDER_KINDS

check = checker("fault_tolerance")


@check("retry-storm", "blocking", "operational_arithmetic", "retries multiply beyond the cap or the retry budget")
@check("retry-non-retryable", "blocking", "severity_weighting", "retry on a failure a retry cannot fix")
@check("no-timeout", "warning", "budget_arithmetic", "a path followed by fallbacks has no timeout")
@check("no-circuit-breaker", "warning", "operational_arithmetic", "provider path without a circuit breaker")
def fault_tolerance(ctx: Review) -> None:
    d, budget, sim, col, cap = ctx.design, ctx.budget, ctx.sim, ctx, ctx.max_calls_per_request
    paths = d.matrix.paths
    chain_calls = sum(_calls(p) for p in paths)
    routed = _worst_route(d)
    # The workflow says which paths one request can meet; without a usable one, assume the whole chain.
    calls, route = routed if routed is not None else (chain_calls, [p.id for p in paths if _calls(p)])
    _path_policies(col, paths)
    via = f" via {' → '.join(route)}" if route else ""
    col.ev("fault_tolerance", calls <= cap, f"at most {calls} provider call(s) per request{via} (cap {cap})",
           "matrix.paths[*].retry")
    if calls > cap:
        col.find("retry-storm", "matrix.paths",
                 f"one request can cause {calls} provider calls{via} (retries × hedges × fallbacks); an outage "
                 f"multiplies load {calls}×",
                 f"cap the total at {cap}: fewer max_retries, retry only on 429/5xx, and let the fallbacks absorb the rest")
    if budget is not None:
        share = sim.retry_share if sim is not None and sim.retry_share is not None else budget.retry_share
        src = "simulated" if sim is not None and sim.retry_share is not None else "declared"
        ok = share <= budget.retry_budget
        col.ev("fault_tolerance", ok, f"retry share {pct(share)} ({src}) vs retry budget {pct(budget.retry_budget)}",
               "matrix.retry_budget_pct")
        if not ok:
            col.find("retry-storm", "matrix.retry_budget_pct",
                     f"retries add {pct(share)} of requests ({src}), above the {pct(budget.retry_budget)} retry budget",
                     "lower max_retries or the error rates that trigger them, or fall back instead of retrying")
    _chain_evidence(col, d, paths)


def _path_policies(col: Review, paths) -> None:
    """Each path's own policies: retries that cannot help or lack jitter, no timeout, no breaker."""
    for i, p in enumerate(paths):
        loc = f"matrix.paths[{i}]"
        if p.retry:
            bad = sorted(set(p.retry.on) & NON_RETRYABLE)
            if bad:
                col.find("retry-non-retryable", f"{loc}.retry.on",
                         f"{p.id!r} retries on {', '.join(bad)}: the same prompt fails the same way again",
                         f"drop {', '.join(bad)} from retry.on and route those modes to a fallback path")
            if p.retry.max_retries and not p.retry.jitter:
                col.find("retry-non-retryable", f"{loc}.retry.jitter",
                         f"{p.id!r} retries without jitter: synchronised retries hit the provider together",
                         "set retry.jitter: true", severity="warning")
        if i < len(paths) - 1 and p.timeout_ms is None:
            col.find("no-timeout", f"{loc}.timeout_ms",
                     f"{p.id!r} is followed by fallbacks but has no timeout: a slow call holds the request for its whole tail",
                     "set timeout_ms so the later paths keep their share of the deadline")
        if p.kind == PathKind.primary.value and p.circuit_breaker is None:
            col.find("no-circuit-breaker", f"{loc}.circuit_breaker",
                     f"primary {p.id!r} has no circuit breaker: in an outage every request pays the full timeout first",
                     "add circuit_breaker: {failure_rate_threshold: 0.5, window_s: 10, min_requests: 20, cooldown_s: 30}")


def _chain_evidence(col: Review, d: Design, paths) -> None:
    """Evidence lines on the chain: timeouts, the primary's breaker and tail, degradation, last resort, jitter."""
    timed = [p for p in paths[:-1] if p.timeout_ms is not None]
    col.ev("fault_tolerance", len(timed) == len(paths[:-1]), f"{len(timed)}/{max(len(paths) - 1, 0)} non-final paths have a timeout",
           "matrix.paths[*].timeout_ms")
    prim = [(i, p) for i, p in enumerate(paths) if p.kind == PathKind.primary.value]
    if prim:
        i, p = prim[0]
        col.ev("fault_tolerance", p.circuit_breaker is not None,
               "primary has a circuit breaker" + (f" (opens at {p.circuit_breaker.failure_rate_threshold:.0%} failures, "
                                                  f"{p.circuit_breaker.cooldown_s:g} s cooldown)" if p.circuit_breaker else ""),
               f"matrix.paths[{i}].circuit_breaker")
        tail, typ = p.latency.tail_ms, p.latency.typical_ms
        if tail and typ and tail > 3 * typ:
            cut = (p.timeout_ms is not None and p.timeout_ms < tail) or p.hedge is not None
            fits = tail <= d.context.slo.threshold_ms
            col.ev("fault_tolerance", cut or fits, f"primary's heavy tail (p99 {tail:g} ms vs p50 {typ:g} ms) is "
                   + ("cut by a timeout or hedge" if cut else "inside the SLO threshold" if fits
                      else "neither cut nor hedged, and past the SLO threshold"), f"matrix.paths[{i}].timeout_ms")
    degrade = [p.id for p in paths if p.kind in DETERMINISTIC_KINDS]
    col.ev("fault_tolerance", bool(degrade), f"deterministic degradation paths: {', '.join(degrade) or 'none'}", "matrix.paths[*].kind")
    if paths:
        last = paths[-1]
        col.ev("fault_tolerance", last.coverage_pct >= 100 and last.error_rate == 0,
               f"last resort {last.id!r} answers {last.coverage_pct:g}% with error rate {last.error_rate:g}",
               f"matrix.paths[{len(paths) - 1}]")
    retried = [p for p in paths if p.retry and p.retry.max_retries]
    if retried:
        jit = [p for p in retried if p.retry.jitter]
        col.ev("fault_tolerance", len(jit) == len(retried), f"{len(jit)}/{len(retried)} retry policies use backoff with jitter",
               "matrix.paths[*].retry")


def _calls(p) -> int:
    """Worst-case provider calls one visit to path ``p`` makes: attempts × (1 + hedges)."""
    if p.kind not in PROVIDER_KINDS:
        return 0
    return (1 + (p.retry.max_retries if p.retry else 0)) * (1 + (p.hedge.max_hedges if p.hedge else 0))


def _worst_route(d: Design) -> tuple[int, list[str]] | None:
    """The most provider calls along one route of the workflow (loops cut at their back edge).

    A request meets only the paths on its route: a decision that sends policy violations to
    one provider and overflows to another does not add the two. None if there is no route.
    """
    wf = d.workflow
    start = wf.initial
    if start is None:
        return None
    by_path = {p.id: p for p in d.matrix.paths}
    weight = {n.id: (_calls(by_path[n.path]) if n.path in by_path else 0) for n in wf.nodes}
    label = {n.id: n.path for n in wf.nodes}
    out, back = wf.outgoing(), {id(e) for e in wf.back_edges()}
    best: dict[str, tuple[int, list[str]]] = {}
    for nid in reversed(wf.topological_order()):  # successors first: each fills best[] from theirs
        tails = [best[e.target] for e in out[nid] if id(e) not in back and e.target in best]
        tail = max(tails, key=lambda t: t[0]) if tails else (0, [])
        w = weight[nid]
        best[nid] = (w + tail[0], ([label[nid]] if w else []) + tail[1])
    return best.get(start.id)
