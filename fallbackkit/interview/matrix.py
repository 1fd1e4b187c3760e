"""Matrix questions: the rule engine vs an LLM, the SLO, the primary's timeout, the cache, cost per year."""

from __future__ import annotations

from ..display import pct
from ..matrix import PathKind
from .questions import Draft


def questions(q: Draft) -> None:
    """Add this artifact's trade-off questions to ``q``."""
    d, budget, rows, paths, slo, add = q.design, q.budget, q.rows, q.paths, q.slo, q.add
    prim = next((p for p in paths if p.kind == PathKind.primary.value), None)
    rule = next((p for p in paths if p.kind == PathKind.rule_engine.value), None)
    second = next((p for p in paths if p.kind == PathKind.alternate_model.value), None)
    if rule is not None and rule.id in rows:
        r = rows[rule.id]
        llm = second or prim
        llm_txt = (f"a second LLM call would need its p99 ({llm.latency.tail_ms:g} ms for {llm.id}) inside those "
                   f"{r.deadline_left_ms:,.0f} ms and cost about ${llm.cost_per_1m_usd:,.0f} per 1M") if llm and llm.latency.tail_ms else ""
        add("matrix.rule-engine-vs-llm", "Why a rule engine over a second-stage LLM? Quantify.",
            f"{rule.id}: p99 {rule.latency.tail_ms:g} ms, ${rule.cost_per_1m_usd:,.2f} per 1M, quality {rule.quality_delta:+.2f}, "
            f"serves {pct(r.share)} of traffic with {r.deadline_left_ms:,.0f} ms of the deadline left; {llm_txt}.", "tradeoffs")
    elif second is not None and second.id in rows:
        r = rows[second.id]
        add("matrix.llm-vs-rule-engine", "Why a second-stage LLM over a deterministic rule engine? Quantify.",
            f"{second.id}: p99 {second.latency.tail_ms:g} ms, ${second.cost_per_1m_usd:,.2f} per 1M, quality {second.quality_delta:+.2f}, "
            f"{r.deadline_left_ms:,.0f} ms of deadline left when it starts.", "tradeoffs")
    add("matrix.slo", "State the SLO the matrix is held to, the way an SRE would, and its error budget per day.",
        f"{slo}; error budget {pct(slo.error_budget)} = {slo.error_budget * d.context.traffic.requests_per_day:,.0f} "
        "requests a day may miss.", "slo")

    if prim is not None and prim.timeout_ms is not None and prim.latency.tail_ms and prim.id in rows:
        r = rows[prim.id]
        if prim.timeout_ms < prim.latency.tail_ms:
            add("matrix.primary-timeout",
                f"Why cut the primary at {prim.timeout_ms:,.0f} ms when its p99 is {prim.latency.tail_ms:,.0f} ms? "
                "What share of calls does that cut, and where do they go?",
                f"the timeout cuts at least {pct(prim.timeout_miss)} of calls (declared percentiles); the primary serves "
                f"{pct(r.share)}, {pct(1 - r.share)} fall through to the fallbacks; worst-case chain "
                f"{budget.worst_case_ms:,.0f} ms vs {slo.threshold_ms:g} ms.", "budget")
        else:
            add("matrix.primary-timeout",
                f"Your primary's timeout ({prim.timeout_ms:,.0f} ms) is above its p99 ({prim.latency.tail_ms:,.0f} ms). "
                "What does a hung call cost the rest of the chain?",
                f"a timed-out primary spends {prim.give_up_ms():,.0f} ms (retries included) before the first fallback, "
                f"which then has {rows[paths[1].id].deadline_left_ms if len(paths) > 1 and paths[1].id in rows else 0:,.0f} ms "
                f"left; worst-case chain {budget.worst_case_ms:,.0f} ms vs {slo.threshold_ms:g} ms.", "budget")
    _cache_question(q)
    if budget is not None:
        per_year = budget.blended_cost_per_1m_usd * d.context.traffic.requests_per_day * 365 / 1e6
        fb = sum(r.cost_per_1m_usd for r in budget.rows if r.kind != PathKind.primary.value)
        add("matrix.cost-per-year",
            f"What does the whole chain cost per year at {d.context.traffic.requests_per_day:,.0f} requests a day, "
            "and how much of it is the fallbacks?",
            f"${budget.blended_cost_per_1m_usd:,.2f} per 1M × {d.context.traffic.requests_per_day * 365 / 1e6:,.0f}M calls a year "
            f"= ${per_year:,.0f}; fallbacks ${fb:,.2f} per 1M of it; ceiling ${d.context.cost_ceiling_per_1m_usd:,.2f} per 1M.",
            "tradeoffs")


def _cache_question(q: Draft) -> None:
    """What a halved cache hit rate does to every later path's share and to the blended cost."""
    d, budget, rows, slo, add = q.design, q.budget, q.rows, q.slo, q.add
    cache = next((p for p in q.paths if p.kind == PathKind.cache.value), None)
    if cache is None or budget is None or cache.id not in rows:
        return
    halved = d.matrix.model_copy(deep=True)
    halved.path(cache.id).coverage_pct = cache.coverage_pct / 2
    hb = halved.budget(slo)
    hrows = {r.id: r for r in hb.rows}
    after = [r for r in hb.rows if d.matrix.ids.index(r.id) > d.matrix.ids.index(cache.id)]
    shift = ", ".join(f"{r.id} {pct(rows[r.id].share)} → {pct(r.share)}" for r in after)
    add("matrix.cache-hit-rate",
        f"Your cache answers {cache.coverage_pct:g}% of the requests that reach it. What if the hit rate halves?",
        f"cache serves {pct(rows[cache.id].share)} → {pct(hrows[cache.id].share)} of traffic; {shift}; "
        f"blended cost ${budget.blended_cost_per_1m_usd:,.2f} → ${hb.blended_cost_per_1m_usd:,.2f} per 1M; "
        f"worst case stays {hb.worst_case_ms:,.0f} ms.", "tradeoffs")
