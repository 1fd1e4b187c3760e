"""Operational arithmetic: the numbers only work at the product's real traffic.

A breaker that needs more requests in its window than peak traffic brings never opens; a
peak below the daily average is not a peak; a 100% retry budget is no budget; a hedge
fired before the median doubles most calls and their cost; a path that serves almost
nothing adds a component, not depth.
"""

from __future__ import annotations

from ..display import pct, usd
from ..matrix import PathKind
from .context import Review
from .registry import checker

check = checker("fault_tolerance")
#: a path serving less than this share of traffic, and routed to by no mode, is decoration
IDLE_SHARE = 1e-4


@check("breaker-cannot-fire", "blocking", "operational_arithmetic",
       "a circuit breaker that cannot open at the product's traffic",
       "min_requests above what the window ever sees means the breaker never trips, so every request pays the timeout")
@check("peak-below-average", "blocking", "operational_arithmetic",
       "peak requests per second below the daily average",
       "capacity, breakers and rate limits sized to a peak lower than the average are undersized all day")
@check("no-retry-budget", "warning", "operational_arithmetic",
       "a retry budget of 100%: retries are not budgeted at all",
       "with no budget an outage doubles the load on a struggling provider")
@check("hedge-before-median", "warning", "operational_arithmetic",
       "hedges fired before the path's median, their doubled cost unpriced",
       "a hedge below p50 duplicates most calls; the blended cost the design quotes leaves that out")
@check("idle-path", "warning", "operational_arithmetic",
       "a fallback path serving almost no traffic",
       "more components is not more depth: each one must earn its upkeep with the share it serves")
@check("unreachable-path", "warning", "operational_arithmetic",
       "a path placed after one that answers every request reaching it",
       "nothing falls through a path that always answers: what comes after it serves 0% by construction")
def operations(ctx: Review) -> None:
    d = ctx.design
    tr = d.context.traffic
    avg = tr.requests_per_day / 86400
    ctx.ev("fault_tolerance", tr.peak_rps >= avg, f"peak {tr.peak_rps:g} rps vs daily average {avg:,.1f} rps",
           "context.traffic.peak_rps")
    if tr.peak_rps < avg:
        ctx.find("peak-below-average", "context.traffic.peak_rps",
                 f"peak_rps {tr.peak_rps:g} is below the daily average of {avg:,.1f} rps "
                 f"({tr.requests_per_day:,.0f} requests / 86,400 s)",
                 f"set peak_rps to the measured peak, at least {avg * 2:,.0f} (2× the average is a common first guess)")
    rows = {r.id: r for r in ctx.budget.rows} if ctx.budget else {}
    for i, p in enumerate(d.matrix.paths):
        cb = p.circuit_breaker
        if cb is not None:
            reach = rows[p.id].reach if p.id in rows else 1.0
            seen = tr.peak_rps * cb.window_s * reach
            if cb.min_requests > seen:
                ctx.find("breaker-cannot-fire", f"matrix.paths[{i}].circuit_breaker.min_requests",
                         f"{p.id!r}'s breaker needs {cb.min_requests} requests in {cb.window_s:g} s, but at peak it sees "
                         f"{seen:,.0f} ({tr.peak_rps:g} rps × {cb.window_s:g} s"
                         + (f" × {pct(reach)} reaching it" if reach < 1 else "") + "): it can never open",
                         f"set min_requests ≤ {max(1, int(seen * 0.5)):,} (half the peak window) or widen window_s to "
                         f"{cb.min_requests / max(tr.peak_rps * reach, 1e-9) * 2:,.0f} s")
        if p.hedge is not None:
            _hedge(ctx, i, p, rows)
    if d.matrix.retry_budget_pct >= 100:
        retried = any(p.retry and p.retry.max_retries for p in d.matrix.paths)
        ctx.find("no-retry-budget", "matrix.retry_budget_pct",
                 f"retry_budget_pct {d.matrix.retry_budget_pct:g}: retries may double the traffic, which is no budget",
                 "cap retries at 10% of requests (retry_budget_pct: 10), the usual gateway default",
                 severity="blocking" if retried else None)
    _idle(ctx, rows)


def _hedge(ctx: Review, i: int, p, rows) -> None:
    typ = p.latency.typical_ms
    if typ is None or p.hedge.after_ms >= typ:
        return
    sim = ctx.sim
    reach = rows[p.id].reach if p.id in rows else 1.0
    extra = reach * 0.5 * p.hedge.max_hedges * p.cost_per_1m_usd  # at least half the calls pass p50 unanswered
    priced = sim is not None and p.id in sim.path_hedges
    ceiling = ctx.design.context.cost_ceiling_per_1m_usd
    base = ctx.budget.blended_cost_per_1m_usd if ctx.budget else 0.0
    over = not priced and base + extra > ceiling
    ctx.find("hedge-before-median", f"matrix.paths[{i}].hedge.after_ms",
             f"{p.id!r} hedges after {p.hedge.after_ms:g} ms, before its {typ:g} ms median: more than half its calls "
             f"are sent twice, at least {usd(extra)} per 1M requests the declared cost leaves out"
             + (f", which takes the blended cost to {usd(base + extra)}, over the {usd(ceiling)} ceiling" if over else ""),
             f"hedge at the path's p95 ({p.latency.p95_ms:g} ms) so about 5% of calls are duplicated"
             if p.latency.p95_ms else "hedge at the path's p95, not below its median, and price the duplicated calls",
             severity="blocking" if over else None)


def _answers_all(d, p) -> bool:
    """The path answers every request that reaches it: full coverage, no errors, no timeout to cut it, no
    breaker to skip it, and no failure mode that occurs on it. Nothing falls through to the next path."""
    return (p.serve_probability >= 1 and p.timeout_ms is None and p.circuit_breaker is None
            and not any(m.occurs_on == p.id for m in d.taxonomy.modes))


def _idle(ctx: Review, rows) -> None:
    d = ctx.design
    sim = ctx.sim
    routed = {m.mitigation.path for m in d.taxonomy.modes}
    for m in d.taxonomy.modes:
        routed.update(d.workflow.mode_route(m.id)[:1])
    paths = d.matrix.paths
    unreachable = set()
    for i, p in enumerate(paths):
        wall = next((q for q in paths[:i] if _answers_all(d, q)), None)
        if wall is not None and p.id not in routed:
            unreachable.add(p.id)
            ctx.find("unreachable-path", f"matrix.paths[{i}]",
                     f"{p.id!r} comes after {wall.id!r}, which answers every request that reaches it (coverage "
                     f"{wall.coverage_pct:g}%, no errors, no timeout) and no failure mode is routed to {p.id!r}: it "
                     "serves 0% of traffic by construction, a component to run for no request",
                     f"drop {p.id!r}, or place it before {wall.id!r} (where the chain still misses), or route the "
                     "failure mode it is for to it")
    for i, p in enumerate(paths[:-1]):
        if p.kind == PathKind.primary.value or p.id in routed or p.id not in rows or p.id in unreachable:
            continue
        share = sim.path_share.get(p.id, rows[p.id].share) if sim else rows[p.id].share
        if share < IDLE_SHARE:
            ctx.find("idle-path", f"matrix.paths[{i}]",
                     f"{p.id!r} serves {pct(share)} of traffic and no failure mode is routed to it: a component to run, "
                     "monitor and keep correct for almost no requests",
                     f"drop {p.id!r}, or route the modes it is for to it and show the share it then serves")
