"""Budget arithmetic: every path bounded, the chain inside the SLO, timeouts inside the deadline left."""

from __future__ import annotations

from ..display import ms0, pct
from .context import Review
from .registry import checker
from .vocabulary import SHARE_GAP

check = checker("budget")


@check("path-without-budget", "blocking", "budget_arithmetic", "path whose latency cannot be bounded")
@check("chain-over-budget", "blocking", "budget_arithmetic", "a served request can miss the SLO threshold")
@check("timeout-exceeds-deadline", "blocking", "budget_arithmetic", "timeout longer than the deadline left")
@check("slo-missed", "blocking", "budget_arithmetic", "simulated attainment below the SLO percentile")
@check("declared-vs-simulated", "warning", "budget_arithmetic", "a path's simulated share differs from the declared arithmetic")
def budget(ctx: Review) -> None:
    d, budget, sim, col = ctx.design, ctx.budget, ctx.sim, ctx
    slo = d.context.slo
    if budget is None:
        col.ev("budget", False, "the budget arithmetic cannot run on this matrix", "matrix.paths")
        return
    unknown = 0
    over, late = [], []
    for i, (p, r) in enumerate(zip(d.matrix.paths, budget.rows)):
        loc = f"matrix.paths[{i}]"
        sim_p99 = sim.path_p99_ms.get(p.id) if sim else None
        if r.served_tail_ms is None and sim_p99 is None:
            unknown += 1
            col.find("path-without-budget", f"{loc}.latency",
                     f"path {p.id!r} states no p99 and no timeout: its latency cannot be held against the {slo.threshold_ms:g} ms SLO",
                     "state latency.p99_ms (or a distribution) and a timeout_ms that fits the deadline left")
        if r.over_by_ms is not None and r.over_by_ms > 0:
            over.append((i, p, r))
        if not r.timeout_fits:
            late.append((i, p, r))
    # One root cause, one finding: later paths squeezed by the same spent deadline are named in it.
    if over:
        _over(col, d, budget, over)
    if late:
        _late(col, d, budget, late)
    n = len(budget.rows)
    col.ev("budget", unknown == 0, f"{n - unknown}/{n} paths have a latency budget", "matrix.paths[*].latency")
    worst = budget.worst_case_ms
    col.ev("budget", worst is not None and worst <= slo.threshold_ms,
           f"worst-case chain {ms0(worst)} vs {slo.threshold_ms:g} ms (declared)", "matrix.paths")
    fits = sum(r.timeout_fits for r in budget.rows)
    col.ev("budget", fits == n, f"{fits}/{n} timeouts fit the deadline left", "matrix.paths[*].timeout_ms")
    for r in budget.rows:
        served = f"serves {pct(r.share)} of traffic"
        if sim is not None and r.id in sim.path_share:
            served = f"serves {pct(sim.path_share[r.id])} of traffic (simulated; declared {pct(r.share)})"
        if sim is not None and r.id in sim.path_p99_ms:
            served += f", users see p99 {ms0(sim.path_p99_ms[r.id])} (simulated)"
        col.ev("budget", r.over_by_ms is not None and r.over_by_ms <= 0,
               f"{r.id}: {ms0(r.deadline_left_ms)} left, {served}, {r.verdict}",
               f"matrix.paths[{d.matrix.ids.index(r.id)}]")
    if sim is not None:
        _simulated(col, d, budget, sim)


def _over(col: Review, d, budget, over) -> None:
    """One root cause, one finding: the first path the chain pushes past the SLO, at the decision that spent the
    deadline (an earlier path's retry policy) when that alone explains it."""
    slo = d.context.slo
    i, p, r = over[0]
    also = f"; so are {', '.join(repr(x[1].id) for x in over[1:])}" if len(over) > 1 else ""
    cause = _overrun_cause(d, i, r.over_by_ms)
    relief = _relief(d, budget, i, r.over_by_ms, f"{p.id!r} has {ms0(max(r.deadline_left_ms, 0))} left and needs "
                                                 f"{ms0(r.served_tail_ms)}")
    col.find("chain-over-budget", cause[0] if cause else f"matrix.paths[{i}].latency",
             f"a request served by {p.id!r} can take {ms0(r.served_tail_ms + slo.threshold_ms - r.deadline_left_ms)}, "
             f"{r.over_by_ms:,.0f} ms over the {slo.threshold_ms:g} ms SLO{also}" + (cause[1] if cause else ""),
             f"drop the retry on {cause[2]!r} (or retry only inside the deadline); otherwise {relief}"
             if cause else relief)


def _overrun_cause(d, k: int, over_ms: float) -> tuple[str, str, str] | None:
    """Where the decision that breaks the chain is written: the retry policy of the earlier path whose retries
    alone spend the overrun (without them path ``k`` would fit), the words that say so and the path's id; else None (the
    finding stays at path ``k``'s own latency)."""
    best = None
    for j, p in enumerate(d.matrix.paths[:k]):
        if not (p.retry and p.retry.max_retries):
            continue
        per = p.timeout_ms if p.timeout_ms is not None else p.latency.tail_ms
        if per is None:
            continue
        saved = per * p.retry.max_retries + sum(p.retry.delay_ms(n) for n in range(1, p.retry.max_retries + 1))
        if saved >= over_ms and (best is None or saved > best[1]):
            best = (j, saved, p)
    if best is None:
        return None
    j, saved, p = best
    n = p.retry.max_retries
    return (f"matrix.paths[{j}].retry", f": {p.id!r} spends {saved:,.0f} ms of the deadline on {n} "
            f"retr{'y' if n == 1 else 'ies'}, and without {'it' if n == 1 else 'them'} the chain fits", p.id)


def _late(col: Review, d, budget, late) -> None:
    """Timeouts longer than the deadline left: the first one names the later paths it starves."""
    i, p, r = late[0]
    also = [x for x in late[1:] if x[2].deadline_left_ms <= 0]
    tail = f"; {', '.join(repr(x[1].id) for x in also)} start with no deadline left at all" if also else ""
    if r.deadline_left_ms > 0:
        fix = f"set timeout_ms ≤ {r.deadline_left_ms:,.0f} (what is left after the paths before it)"
    else:
        fix = _relief(d, budget, i, r.timeout_ms - r.deadline_left_ms, f"{p.id!r} starts after the deadline")
    col.find("timeout-exceeds-deadline", f"matrix.paths[{i}].timeout_ms",
             f"timeout {r.timeout_ms:g} ms on {p.id!r} is longer than the {r.deadline_left_ms:,.0f} ms left of the deadline{tail}",
             fix)
    for i2, p2, r2 in late[1:]:
        if r2.deadline_left_ms > 0:
            col.find("timeout-exceeds-deadline", f"matrix.paths[{i2}].timeout_ms",
                     f"timeout {r2.timeout_ms:g} ms on {p2.id!r} is longer than the {r2.deadline_left_ms:,.0f} ms left of the deadline",
                     f"set timeout_ms ≤ {r2.deadline_left_ms:,.0f} (what is left after the paths before it)")


def _simulated(col: Review, d, budget, sim) -> None:
    """The simulation against the declared arithmetic: shares that drift, attainment below the SLO."""
    slo = d.context.slo
    for r in budget.rows:
        if r.id not in sim.path_share:
            continue
        gap = sim.path_share[r.id] - r.share
        if abs(gap) > SHARE_GAP:
            col.find("declared-vs-simulated", f"matrix.paths[{d.matrix.ids.index(r.id)}]",
                     f"{r.id} serves {pct(sim.path_share[r.id])} of traffic simulated but {pct(r.share)} by the declared "
                     f"arithmetic ({100 * gap:+.1f} points): the matrix's numbers do not describe the system",
                     "restate the declared latency percentiles, coverage and error rate so the arithmetic matches the "
                     "simulation (which also injects the taxonomy's failure modes at their occurrence rates), and quote "
                     "the simulated figure in the interview")
    if sim.slo_attainment is not None:
        target = slo.percentile / 100
        ok = sim.slo_attainment >= target
        col.ev("budget", ok, f"simulated attainment {100 * sim.slo_attainment:.3f}% vs {slo.percentile:g}% target", "context.slo")
        if not ok:
            col.find("slo-missed", "context.slo.percentile",
                     f"simulated: {100 * sim.slo_attainment:.3f}% of requests within {slo.threshold_ms:g} ms, below the {slo.percentile:g}% target",
                     "tighten the primary timeout or add a faster fallback; re-simulate until attainment ≥ target")


def _relief(d, budget, k: int, need_ms: float, why: str) -> str:
    """A feasible fix: which earlier path to cut, and to what, so path ``k`` fits (never 'timeout ≤ 0')."""
    earlier = [(p, p.give_up_ms() or 0.0) for p in d.matrix.paths[:k]]
    if not earlier:
        return f"{why}: cut this path's latency by {need_ms:,.0f} ms (a faster model or a smaller prompt)"
    p, spent = max(earlier, key=lambda t: t[1])
    attempts = 1 + (p.retry.max_retries if p.retry else 0)
    per = p.timeout_ms if p.timeout_ms is not None else p.latency.tail_ms or 0.0
    target = per - need_ms / attempts
    typ = p.latency.typical_ms
    if target > 0 and (typ is None or target >= typ):
        return (f"{why}: cut the timeout of {p.id!r} from {per:,.0f} ms to {target:,.0f} ms"
                + (f" (its {attempts} attempts spend {spent:,.0f} ms)" if attempts > 1 else "")
                + f", or move {d.matrix.paths[k].id!r} before it")
    return (f"{why}: {p.id!r} spends {spent:,.0f} ms of the {d.context.slo.threshold_ms:g} ms SLO; drop its retries, "
            f"move {d.matrix.paths[k].id!r} before it, or raise the threshold by {need_ms:,.0f} ms")
