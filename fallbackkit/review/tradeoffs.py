"""Cost and coverage: traffic served, prices consistent, the ceiling held, trade-offs stated."""

from __future__ import annotations

from ..display import ms0, pct
from ..matrix import PathKind
from .context import Review
from .registry import checker
from .vocabulary import DETERMINISTIC_KINDS

check = checker("tradeoffs")


@check("unserved-traffic", "blocking", "cost_coverage", "coverage leaves traffic unserved")
@check("price-inconsistent", "blocking", "cost_coverage", "cost per 1M calls disagrees with the per-call price")
@check("cost-over-ceiling", "blocking", "cost_coverage", "blended cost above the product's ceiling")
@check("tradeoff-unstated", "warning", "cost_coverage", "fallback path without its quality or effort trade-off")
def tradeoffs(ctx: Review) -> None:
    d, budget, sim, col = ctx.design, ctx.budget, ctx.sim, ctx
    slo = d.context.slo
    paths = d.matrix.paths
    if budget is not None:
        unserved = sim.unserved if sim is not None and sim.unserved is not None else budget.unserved
        src = "simulated" if sim is not None and sim.unserved is not None else "declared"
        ok = unserved <= slo.error_budget
        col.ev("tradeoffs", ok, f"{pct(1 - unserved)} of requests served, {pct(unserved)} unserved ({src}) "
               f"vs error budget {pct(slo.error_budget)}", "matrix.paths[*].coverage_pct")
        if not ok:
            last = len(paths) - 1
            col.find("unserved-traffic", f"matrix.paths[{last}].coverage_pct" if paths else "matrix.paths",
                     f"{pct(unserved)} of requests are answered by no path ({src}), more than the SLO's "
                     f"{pct(slo.error_budget)} error budget",
                     "end the chain with a path that answers everything (a static safe response, coverage_pct: 100), "
                     "or raise the coverage of the fallbacks")
        cost = sim.cost_per_1m_usd if sim is not None and sim.cost_per_1m_usd is not None else budget.blended_cost_per_1m_usd
        csrc = "simulated" if sim is not None and sim.cost_per_1m_usd is not None else "declared"
        ceiling = d.context.cost_ceiling_per_1m_usd
        col.ev("tradeoffs", cost <= ceiling, f"blended cost ${cost:,.2f} per 1M calls ({csrc}) vs ceiling ${ceiling:,.2f}",
               "context.cost_ceiling_per_1m_usd")
        if cost > ceiling:
            col.find("cost-over-ceiling", "context.cost_ceiling_per_1m_usd",
                     f"blended cost ${cost:,.2f} per 1M calls ({csrc}) is above the ${ceiling:,.2f} ceiling",
                     "move traffic to cheaper paths (cache hit rate, a smaller primary) or justify a higher ceiling with a number")
        for r in budget.rows:
            if r.kind in DETERMINISTIC_KINDS and r.share > 0:
                p = paths[d.matrix.ids.index(r.id)]
                col.ev("tradeoffs", True, f"{r.id} serves {pct(r.share)} of traffic at p99 {ms0(r.served_tail_ms)} "
                       f"for ${p.cost_per_1m_usd:,.2f}/1M, quality {p.quality_delta:+.2f}", f"matrix.paths[{d.matrix.ids.index(r.id)}]")
    priced = 0
    for i, p in enumerate(paths):
        if p.price_per_call_usd is None:
            continue
        implied = p.price_per_call_usd * 1_000_000
        if abs(implied - p.cost_per_1m_usd) > 0.01 * max(implied, p.cost_per_1m_usd, 1e-9):
            col.find("price-inconsistent", f"matrix.paths[{i}].cost_per_1m_usd",
                     f"price_per_call_usd ${p.price_per_call_usd:g} is ${implied:,.2f} per 1M calls, "
                     f"but cost_per_1m_usd says ${p.cost_per_1m_usd:,.2f}",
                     f"set cost_per_1m_usd: {implied:g} (price per call × 1,000,000), or correct the price")
        else:
            priced += 1
    stated = sum(1 for p in paths if p.price_per_call_usd is not None)
    if stated:
        col.ev("tradeoffs", priced == stated, f"{priced}/{stated} per-call prices agree with cost per 1M (×1,000,000)",
               "matrix.paths[*].price_per_call_usd")
    fallbacks = [(i, p) for i, p in enumerate(paths) if p.kind != PathKind.primary.value]
    explained = 0
    for i, p in fallbacks:
        if p.effort and (p.quality_delta != 0 or p.kind == PathKind.retry.value):
            explained += 1
        else:
            col.find("tradeoff-unstated", f"matrix.paths[{i}]",
                     f"fallback {p.id!r} states no {'effort' if not p.effort else 'quality cost (quality_delta)'}",
                     "state what the path costs besides money: quality_delta vs the primary and the engineering effort to keep it")
    col.ev("tradeoffs", explained == len(fallbacks),
           f"{explained}/{len(fallbacks)} fallbacks state their quality and effort trade-off", "matrix.paths[*].effort")
