"""Write the solution notebooks (the single source of the exercises). Run from the repo root:

    .venv/bin/python tools/make_solution_notebooks.py
    .venv/bin/python -m fallbackkit exercises build

The solutions are package data (fallbackkit/data/solutions/): `fallbackkit exercises check`
finds them wherever a learner's copy lives, and they are out of the learner's file browser.
Every cell also carries nbgrader metadata (grade_id, points, solution/grade/locked), derived
from the markers by `fallbackkit.exercises.annotate`.

Conventions (nbgrader's): answers between `### BEGIN SOLUTION` / `### END SOLUTION`; a test
cell starts with `# TEST <id> (<n> points)`; hidden tests sit between
`### BEGIN HIDDEN TESTS` / `### END HIDDEN TESTS`.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from nb import notebook, write  # noqa: E402
from teaching import SETUP, params  # noqa: E402

HOWTO = """
**How this works.** Get your own copy with `fallbackkit exercises start {ex} DIR` and work
there. Write your answer in each cell marked `# YOUR CODE HERE` (delete the
`raise NotImplementedError` line), then run the test cell below it. Visible tests give quick
feedback; hidden tests run when you grade your copy, wherever it lives:

    fallbackkit exercises check DIR/{path}
"""

# ---------------------------------------------------------------------------------------------
ex1 = [
("md", """
# Exercise 1 · Failure taxonomy (Day 1)
The scenario's taxonomy below has lost its **dependency failure** modes and its severity levels
are to be rewritten. Restore them, then size the modes by traffic.
""" + HOWTO.format(ex="ex1", path="ex1_failure_taxonomy.ipynb")),
("code", params("rag-search")),
("code", SETUP + '''
given = design.taxonomy.model_copy(update={"modes": [m for m in design.taxonomy.modes if m.category != "dependency_failure"]})
fallback_ids = [p.id for p in design.matrix.paths if p.kind != "primary"]
print(f"{len(given.modes)} modes left; fallback paths: {fallback_ids}")
'''),
("md", """
## Q1 · A dependency failure mode (3 points)
Write `dependency_mode`, a `fk.FailureMode` of category `dependency_failure` for a downstream
dependency of the primary path failing (the model provider's 5xx, or a store the primary reads).
Give it a detection signal (metric, comparator, threshold, unit, window), a severity, the share
of requests it hits (`occurrence`), a mitigation naming a **fallback** path, a runbook entry with
at least one step, and an owner.
"""),
("code", '''
### BEGIN SOLUTION
dependency_mode = fk.FailureMode.model_validate({
    "id": "dependency-5xx", "name": "Downstream dependency errors", "category": "dependency_failure",
    "trigger": "the model provider or a store the primary reads returns 5xx",
    "detection": {"metric": "dependency_5xx_rate", "comparator": ">", "threshold": 2, "unit": "%", "window": "5m"},
    "severity": "P1", "occurrence": 0.005,
    "mitigation": {"path": fallback_ids[0], "note": "the first fallback does not call the failing dependency"},
    "runbook": {"id": "RB-DEP", "title": "Dependency 5xx errors",
                "steps": ["Check the dependency's status page; confirm the circuit breaker opened if > 10% for 5 min."]},
    "owner": "Platform on-call",
})
### END SOLUTION
'''),
("code", '''
# TEST q1-dependency-mode (3 points)
assert isinstance(dependency_mode, fk.FailureMode), "dependency_mode should be a fk.FailureMode: fk.FailureMode.model_validate({...})"
assert dependency_mode.category == "dependency_failure", f"category is {dependency_mode.category!r}; expected 'dependency_failure'"
assert dependency_mode.mitigation.path in fallback_ids, \\
    f"mitigation.path {dependency_mode.mitigation.path!r} should name a fallback path: one of {fallback_ids}"
### BEGIN HIDDEN TESTS
full = given.model_copy(update={"modes": given.modes + [dependency_mode]})
assert not full.problems(), "the taxonomy with your mode breaks a rule: " + "; ".join(map(str, full.problems()))
assert 0 < dependency_mode.occurrence <= 0.05, \\
    f"occurrence {dependency_mode.occurrence:g} is the share of requests hit; expected > 0 and at most 0.05 (more is an outage)"
assert dependency_mode.detection.unit, "the detection threshold needs a unit (%, ms, count...) so the alert can be read"
### END HIDDEN TESTS
'''),
("md", """
## Q2 · Severity levels defined by metrics (2 points)
Write `severity_levels`: a dict with keys `"P0"`…`"P3"`, each `{"criterion": ..., "response": ...}`.
Every criterion must contain a number and a unit or a comparison (an SLO attainment, a share of
requests, a burn rate over a window); every response says who acts and how fast.
"""),
("code", '''
slo = design.context.slo
### BEGIN SOLUTION
severity_levels = {
    "P0": {"criterion": "SLO attainment < 95% over 10 min, or > 20% of requests unserved over 5 min",
           "response": "page on-call now; incident commander named within 5 min"},
    "P1": {"criterion": f"SLO attainment < {slo.percentile:g}% over 1 h",
           "response": "page on-call; acknowledge within 15 min"},
    "P2": {"criterion": "error-budget burn rate > 2x over 6 h",
           "response": "ticket for the owning team, next business day"},
    "P3": {"criterion": "error-budget burn rate > 1x over 3 days",
           "response": "backlog; discussed at the weekly review"},
}
### END SOLUTION
'''),
("code", '''
# TEST q2-severity-levels (2 points)
import re
assert sorted(severity_levels) == ["P0", "P1", "P2", "P3"], f"keys are {sorted(severity_levels)}; expected P0, P1, P2, P3"
for level, d in severity_levels.items():
    assert re.search(r"\\d", d["criterion"]), f"{level}: criterion {d['criterion']!r} has no number; say what is measured and the threshold"
### BEGIN HIDDEN TESTS
for level, d in severity_levels.items():
    assert re.search(r"%|ms|min|\\bh\\b|hour|day|[<>]|\\dx\\b", d["criterion"]), \\
        f"{level}: criterion {d['criterion']!r} needs a unit or a comparison (%, ms, min, <, >)"
    assert d.get("response", "").strip(), f"{level}: say who responds and how fast"
tax = fk.FailureTaxonomy.model_validate({"severity_levels": severity_levels, "modes": [m.model_dump() for m in design.taxonomy.modes]})
assert not tax.problems(), "; ".join(map(str, tax.problems()))
### END HIDDEN TESTS
'''),
("md", """
## Q3 · Size the modes (2 points)
Write `busiest`: the ids of the three modes of `design.taxonomy` that hit the most requests a
day (largest first), and `busiest_per_day`: how many requests a day the first one hits.
"""),
("code", '''
### BEGIN SOLUTION
per_day = design.context.traffic.requests_per_day
ranked = sorted(design.taxonomy.modes, key=lambda m: -m.occurrence)
busiest = [m.id for m in ranked[:3]]
busiest_per_day = ranked[0].occurrence * per_day
### END SOLUTION
print(busiest, f"{busiest_per_day:,.0f} requests/day")
'''),
("code", '''
# TEST q3-size-modes (2 points)
assert len(busiest) == 3, f"busiest has {len(busiest)} ids; expected 3"
assert all(b in design.taxonomy.ids for b in busiest), "every id in busiest must be a mode of design.taxonomy"
### BEGIN HIDDEN TESTS
want = [m.id for m in sorted(design.taxonomy.modes, key=lambda m: -m.occurrence)[:3]]
assert busiest == want, "busiest is not ordered by occurrence x requests/day, largest first"
top = design.taxonomy.mode(want[0])
assert abs(busiest_per_day - top.occurrence * design.context.traffic.requests_per_day) < 1, \\
    "busiest_per_day should be occurrence x requests_per_day of the busiest mode"
### END HIDDEN TESTS
'''),
]

# ---------------------------------------------------------------------------------------------
ex2 = [
("md", """
# Exercise 2 · Latency-budget matrix (Day 1)
A colleague raised the primary's timeout to 95% of the SLO threshold "so fewer requests fall
back". Work out what that does to the chain, fix it, and price the chain.
""" + HOWTO.format(ex="ex2", path="ex2_latency_budget_matrix.ipynb")),
("code", params("code-assistant")),
("code", SETUP + '''
slo = design.context.slo
budget = design.budget()
primary = design.matrix.primary

def with_timeout(matrix, path_id, ms):
    """A copy of the matrix with one path's timeout changed."""
    m = matrix.model_copy(deep=True)
    m.path(path_id).timeout_ms = ms
    return m

broken = with_timeout(design.matrix, primary.id, 0.95 * slo.threshold_ms)
print("reference:", budget.verdict)
print("broken:   ", broken.budget(slo).verdict)
'''),
("md", """
## Q1 · The deadline left for the first fallback (2 points)
In the **reference** matrix, how many milliseconds of the SLO are left when the second path
starts? Compute `deadline_left_ms` by hand from the SLO threshold and the primary's timeout,
retries and backoff (the worst case: every attempt times out).
"""),
("code", '''
### BEGIN SOLUTION
retries = primary.retry.max_retries if primary.retry else 0
backoff = sum(primary.retry.delay_ms(k) for k in range(1, retries + 1)) if primary.retry else 0.0
deadline_left_ms = slo.threshold_ms - (primary.timeout_ms * (1 + retries) + backoff)
### END SOLUTION
print(f"{deadline_left_ms:,.0f} ms left")
'''),
("code", '''
# TEST q1-deadline-left (2 points)
assert isinstance(deadline_left_ms, (int, float)), "deadline_left_ms should be a number of milliseconds"
assert 0 < deadline_left_ms < slo.threshold_ms, f"{deadline_left_ms} ms is not between 0 and the {slo.threshold_ms:g} ms threshold"
### BEGIN HIDDEN TESTS
assert abs(deadline_left_ms - budget.rows[1].deadline_left_ms) < 0.5, \\
    "not the deadline the budget computes: threshold - timeout x (1 + retries) - the backoff waits"
### END HIDDEN TESTS
'''),
("md", """
## Q2 · Fix the timeout (3 points)
Find `new_timeout_ms`: the **largest** whole-millisecond timeout for the primary of `broken`
with which the worst-case chain still fits the SLO. Use the budget, not a guess
(`with_timeout(broken, primary.id, t).budget(slo).worst_case_ms`).
"""),
("code", '''
### BEGIN SOLUTION
def fits(t):
    return with_timeout(broken, primary.id, t).budget(slo).worst_case_ms <= slo.threshold_ms

lo, hi = 1, int(slo.threshold_ms)
while lo < hi:               # bisection: fits() is true up to some timeout, false after
    mid = (lo + hi + 1) // 2
    lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
new_timeout_ms = lo
### END SOLUTION
print(f"new primary timeout: {new_timeout_ms} ms ->", with_timeout(broken, primary.id, new_timeout_ms).budget(slo).verdict)
'''),
("code", '''
# TEST q2-fix-timeout (3 points)
fixed_budget = with_timeout(broken, primary.id, new_timeout_ms).budget(slo)
assert fixed_budget.worst_case_ms <= slo.threshold_ms, f"still {fixed_budget.verdict}"
### BEGIN HIDDEN TESTS
assert with_timeout(broken, primary.id, new_timeout_ms + 10).budget(slo).worst_case_ms > slo.threshold_ms, \\
    "a timeout 10 ms longer still fits: the budget allows more time for the primary"
assert new_timeout_ms >= primary.latency.p50_ms, \\
    f"a timeout below the primary's p50 ({primary.latency.p50_ms:g} ms) sends more than half the traffic to fallbacks"
### END HIDDEN TESTS
'''),
("md", """
## Q3 · Price the chain (2 points)
Write `cost_per_year_usd`: what the **reference** chain costs a year at the scenario's traffic,
from the budget's blended cost per 1M calls.
"""),
("code", '''
### BEGIN SOLUTION
cost_per_year_usd = budget.blended_cost_per_1m_usd * design.context.traffic.requests_per_day * 365 / 1e6
### END SOLUTION
print(f"${cost_per_year_usd:,.0f} a year")
'''),
("code", '''
# TEST q3-cost-per-year (2 points)
assert cost_per_year_usd > 0, "a chain that calls a paid model costs more than $0 a year"
### BEGIN HIDDEN TESTS
want = budget.blended_cost_per_1m_usd * design.context.traffic.requests_per_day * 365 / 1e6
assert abs(cost_per_year_usd - want) <= max(1, 0.001 * want), \\
    "not blended cost per 1M calls x requests per day x 365 / 1,000,000"
### END HIDDEN TESTS
'''),
]

# ---------------------------------------------------------------------------------------------
ex3 = [
("md", """
# Exercise 3 · Recovery workflow (Day 2)
Someone edited the workflow and one failure mode is no longer routed; someone else reordered
the matrix. Put both right.
""" + HOWTO.format(ex="ex3", path="ex3_recovery_workflow.ipynb")),
("code", params("regulated-claims")),
("code", SETUP + '''
policy = [m for m in design.taxonomy.modes if m.category == "policy_violation"]
dropped = (policy or design.taxonomy.modes)[0].id
broken = design.workflow.model_copy(deep=True)
for e in broken.edges:
    e.handles = [h for h in e.handles if h != dropped]
for p in design.model_copy(update={"workflow": broken}).problems():
    print(p)
design.model_copy(update={"workflow": broken}).workflow
'''),
("md", """
## Q1 · Route the mode again (3 points)
Write `fixed`: a copy of `broken` in which the dropped mode is handled by an edge **from which its
mitigation path can be reached** (look at the diagram, or use `workflow.paths_after(node_id)`). Do not remove nodes.
"""),
("code", '''
### BEGIN SOLUTION
target_path = design.taxonomy.mode(dropped).mitigation.path
fixed = broken.model_copy(deep=True)
guarded = [e for e in fixed.edges if e.guard and e.guard != "else"]
edge = next(e for e in guarded + fixed.edges if fixed.paths_after(e.target)[:1] == [target_path])
edge.handles = edge.handles + [dropped]
### END SOLUTION
'''),
("code", '''
# TEST q1-route-mode (3 points)
problems = design.model_copy(update={"workflow": fixed}).problems()
assert not problems, "the design with your workflow still has problems: " + "; ".join(map(str, problems))
### BEGIN HIDDEN TESTS
mitigation = design.taxonomy.mode(dropped).mitigation.path
for e in fixed.edges:
    if dropped in e.handles:
        assert mitigation in fixed.paths_after(e.target), \\
            f"the edge {e.source} -> {e.target} routes {dropped!r}, but its mitigation path {mitigation!r} cannot be reached from there"
assert {n.id for n in fixed.nodes} == {n.id for n in broken.nodes}, "keep every node; route the mode with an edge's `handles`"
### END HIDDEN TESTS
'''),
("md", """
## Q2 · The matrix in the workflow's order (2 points)
`shuffled` has two fallback paths swapped. The budget assumes the chain order a request meets,
so write `matrix_in_order`: `shuffled` with its paths in `design.workflow.path_order()`.
"""),
("code", '''
shuffled = design.matrix.model_copy(deep=True)
shuffled.paths = [shuffled.paths[0], shuffled.paths[2], shuffled.paths[1]] + shuffled.paths[3:]
print("shuffled:", shuffled.ids, "->", shuffled.budget(design.context.slo).verdict)
### BEGIN SOLUTION
matrix_in_order = shuffled.model_copy(update={"paths": [shuffled.path(i) for i in design.workflow.path_order()]})
### END SOLUTION
'''),
("code", '''
# TEST q2-chain-order (2 points)
assert matrix_in_order.ids == design.workflow.path_order(), \\
    f"order {matrix_in_order.ids}; the workflow meets the paths as {design.workflow.path_order()}"
### BEGIN HIDDEN TESTS
assert sorted(matrix_in_order.ids) == sorted(shuffled.ids), "keep every path of the matrix"
assert matrix_in_order.budget(design.context.slo).verdict == design.budget().verdict, \\
    "the reordered chain should give the reference design's budget"
### END HIDDEN TESTS
'''),
]

# ---------------------------------------------------------------------------------------------
ex4 = [
("md", """
# Exercise 4 · Post-mortem loop (Day 3)
Measure the loop by hand, then add the action item the slowest detection calls for.
""" + HOWTO.format(ex="ex4", path="ex4_postmortem_loop.ipynb")),
("code", params("batch-summarisation")),
("code", SETUP + '''
loop = design.postmortem
for i in loop.incidents:
    print(f"{i.id:10s} {i.severity} {i.failure_mode:22s} started {i.started:%Y-%m-%d %H:%M}  resolved {i.resolved:%Y-%m-%d %H:%M}")
'''),
("md", """
## Q1 · Time to resolve, median and p90 (3 points)
Compute `ttr_median_min` and `ttr_p90_min` — minutes from `started` to `resolved` over the
incidents that have both — with linear interpolation between ranks (numpy's default), without
`loop.measure()`.
"""),
("code", '''
### BEGIN SOLUTION
ttr = sorted((i.resolved - i.started).total_seconds() / 60 for i in loop.incidents if i.resolved)

def pct(xs, q):
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)

ttr_median_min, ttr_p90_min = pct(ttr, 50), pct(ttr, 90)
### END SOLUTION
print(f"time to resolve: median {ttr_median_min:,.1f} min, p90 {ttr_p90_min:,.1f} min")
'''),
("code", '''
# TEST q1-time-to-resolve (3 points)
assert 0 < ttr_median_min <= ttr_p90_min, "expected 0 < median <= p90 (minutes)"
### BEGIN HIDDEN TESTS
from fallbackkit.postmortem import percentile
vals = [i.minutes("time_to_resolve") for i in loop.incidents if i.minutes("time_to_resolve") is not None]
assert abs(ttr_median_min - percentile(vals, 50)) < 0.01, "median is off: minutes from started to resolved, middle value"
assert abs(ttr_p90_min - percentile(vals, 90)) < 0.01, "p90 is off: interpolate linearly between the ranks around 0.9 x (n - 1)"
### END HIDDEN TESTS
'''),
("md", """
## Q2 · The action item the slowest detection calls for (2 points)
Write `new_item`: a `fk.ActionItem` of type `detect` for the incident with the **longest time to
detect**, naming that incident and its failure mode, with an owner and a due date after the
incident was resolved.
"""),
("code", '''
### BEGIN SOLUTION
slowest = max(loop.incidents, key=lambda i: i.minutes("time_to_detect") or 0)
new_item = fk.ActionItem(id="AI-NEW", type="detect", title=f"Alert on the signal that would have caught {slowest.id} sooner",
                         owner=loop.owner, due=slowest.resolved.date() + __import__("datetime").timedelta(days=14),
                         failure_mode=slowest.failure_mode, incident=slowest.id)
### END SOLUTION
'''),
("code", '''
# TEST q2-action-item (2 points)
assert isinstance(new_item, fk.ActionItem), "new_item should be a fk.ActionItem(...)"
assert new_item.type == "detect", f"type is {new_item.type!r}; a slow detection calls for a 'detect' item"
### BEGIN HIDDEN TESTS
want = max(loop.incidents, key=lambda i: i.minutes("time_to_detect") or 0)
assert new_item.incident == want.id, "the item should name the incident with the longest time to detect"
assert new_item.failure_mode == want.failure_mode, "the item should name that incident's failure mode"
assert new_item.due >= want.resolved.date(), "the due date should come after the incident was resolved"
extended = loop.model_copy(update={"action_items": loop.action_items + [new_item]})
assert not extended.problems(), "; ".join(map(str, extended.problems()))
### END HIDDEN TESTS
'''),
("md", """
## Q3 · Why not the mean? (1 point)
Write `mean_over_median`: the mean time to detect divided by the median time to detect.
"""),
("code", '''
### BEGIN SOLUTION
ttd = [i.minutes("time_to_detect") for i in loop.incidents if i.minutes("time_to_detect") is not None]
mean_over_median = (sum(ttd) / len(ttd)) / pct(sorted(ttd), 50)
### END SOLUTION
print(f"the mean time to detect is {mean_over_median:.1f}x the median")
'''),
("code", '''
# TEST q3-mean-over-median (1 point)
assert mean_over_median > 0, "a ratio of two positive durations"
### BEGIN HIDDEN TESTS
ttd_stats = next(s for s in loop.measure().metrics if s.name == "time_to_detect")
assert abs(mean_over_median - ttd_stats.mean / ttd_stats.median) < 0.01, "mean / median of time to detect"
### END HIDDEN TESTS
'''),
]

# ---------------------------------------------------------------------------------------------
ex5 = [
("md", """
# Exercise 5 · Capstone: a full design for a product you have not seen
The worked example is a support chat. Your product is below — its **context only** (traffic,
SLO, cost ceiling). Adapt the worked example into a complete, valid design for it: price the
primary model from token prices, fit the chain into the SLO and the cost ceiling, and add at
least one failure mode the worked example does not have, routed by the workflow. (Do not
open the scenario's reference design: that is the answer key.)
""" + HOWTO.format(ex="ex5", path="ex5_capstone.ipynb")),
("code", params("voice-assistant")),
("code", '''
import json

import fallbackkit as fk
from fallbackkit import cadence, scenarios
from fallbackkit.review.kitdata import KitData, size_class
from fallbackkit.runner import record

target = scenarios.load(scenario, slo_threshold_ms=slo_threshold_ms, slo_percentile=slo_percentile).context
worked = fk.default_design()
# Public list prices, USD per 1M tokens (input, output), and tokens per request for each product.
PRICES = {"openai/gpt-4o-mini": (0.15, 0.60), "mistral/mistral-small-latest": (0.10, 0.30),
          "groq/llama-3.3-70b-versatile": (0.59, 0.79), "openai/gpt-4o": (2.50, 10.00),
          "anthropic/claude-sonnet-4": (3.00, 15.00)}
TOKENS = {"support-chat": (4000, 1000), "code-assistant": (3000, 300), "voice-assistant": (800, 100),
          "rag-search": (4000, 300), "regulated-claims": (2000, 300), "batch-summarisation": (1500, 150)}
target
'''),
("md", """
## Q1 · Price the primary (2 points)
Write `primary_model` (a key of `PRICES`) and `primary_cost_per_1m_usd`: the model's cost per
1M calls at this product's tokens per request. Pick the most capable (most expensive) model
that leaves at least 10% of the cost ceiling for the fallbacks.
"""),
("code", '''
### BEGIN SOLUTION
in_tokens, out_tokens = TOKENS[scenario]

def cost_per_1m_calls(model):
    usd_in, usd_out = PRICES[model]        # per 1M tokens, so per 1M calls it is tokens x price
    return in_tokens * usd_in + out_tokens * usd_out

affordable = {m: cost_per_1m_calls(m) for m in PRICES if cost_per_1m_calls(m) <= 0.9 * target.cost_ceiling_per_1m_usd}
primary_model = max(affordable, key=affordable.get)
primary_cost_per_1m_usd = affordable[primary_model]
### END SOLUTION
print(f"{primary_model}: ${primary_cost_per_1m_usd:,.2f} per 1M calls (ceiling ${target.cost_ceiling_per_1m_usd:,.0f})")
'''),
("code", '''
# TEST q1-price-primary (2 points)
assert primary_model in PRICES, f"primary_model should be one of {list(PRICES)}"
assert primary_cost_per_1m_usd <= 0.9 * target.cost_ceiling_per_1m_usd, "leave at least 10% of the ceiling for the fallbacks"
### BEGIN HIDDEN TESTS
i, o = TOKENS[scenario]
pin, pout = PRICES[primary_model]
assert abs(primary_cost_per_1m_usd - (i * pin + o * pout)) < 0.01, \\
    "cost per 1M calls = input tokens x input price + output tokens x output price (prices are per 1M tokens)"
better = [m for m in PRICES if i * PRICES[m][0] + o * PRICES[m][1] <= 0.9 * target.cost_ceiling_per_1m_usd
          and i * PRICES[m][0] + o * PRICES[m][1] > primary_cost_per_1m_usd]
assert not better, f"{better[0]} also fits the budget and is more capable"
### END HIDDEN TESTS
'''),
("md", """
## Q2 · The design, artifact by artifact (8 points)
Build the design the way you would on the job: one artifact at a time, each checked before the
next. You end with a `fk.Design` with **this product's context**, the primary priced as in Q1,
every rule met, the worst-case chain within the SLO, the blended cost under the ceiling — and at
least one failure mode that the worked example does not have, routed by the workflow. A
committee reads it last: the kit's critique (`fk.critique(design)`) must find nothing blocking
and score every criterion at least Strong.

**Step 1 · The matrix.** Write `matrix`: the worked example's matrix with the primary priced as
in Q1 (`model`, `cost_per_1m_usd`, and a `price_per_call_usd` that agrees with it). Where the kit
has measured real API latencies for that model's size (`fallbackkit.review.kitdata`), declare
those and a timeout that fits this product's SLO, and let every note and label say the same
timeout (the critique reads them).
"""),
("code", '''
### BEGIN SOLUTION
timeout = worked.matrix.paths[0].timeout_ms

def retimed(artifact):
    """The artifact with every "85 ms" the worked example writes replaced by this design's timeout."""
    text = json.dumps(artifact.model_dump(mode="json")).replace("85 ms", f"{timeout:g} ms")
    return type(artifact).model_validate(json.loads(text))

primary = worked.matrix.paths[0].model_dump(mode="json")
primary.update(model=primary_model, cost_per_1m_usd=primary_cost_per_1m_usd,
               price_per_call_usd=primary_cost_per_1m_usd / 1e6)
size = size_class(primary_model)
if size:  # real API latencies were measured for this model size: declare those, not the worked example's
    p50, p95, p99 = (KitData.bundled().fastest(size, q).value_ms for q in (0.5, 0.95, 0.99))
    timeout = min(p95, target.slo.threshold_ms - 100)   # leaves the cache, rules and static answer 100 ms
    primary.update(latency={"p50_ms": p50, "p95_ms": p95, "p99_ms": p99}, timeout_ms=timeout)
matrix = retimed(worked.matrix.model_copy(update={"paths": [fk.FallbackPath.model_validate(primary)] + worked.matrix.paths[1:]}))
### END SOLUTION
matrix.budget(target.slo)
'''),
("md", """
**Step 2 · The taxonomy.** Write `taxonomy`: the worked example's failure taxonomy plus at least
one failure mode this product has and the worked example does not (`fk.FailureMode`), with a
detection window and a mitigation naming one of the paths of your matrix.
"""),
("code", '''
ceiling = target.cost_ceiling_per_1m_usd
print("paths you can mitigate with:", matrix.ids)
### BEGIN SOLUTION
rules_cost = matrix.path("rule_engine").cost_per_1m_usd
own_mode = fk.FailureMode.model_validate({
    "id": "spend-over-ceiling", "name": "Spend above the cost ceiling", "category": "other",
    "trigger": "a price change or a retry storm pushes the blended cost past the ceiling",
    "detection": {"metric": "blended_cost_per_1m_usd", "comparator": ">", "threshold": ceiling, "unit": "USD", "window": "1d"},
    "severity": "P2", "occurrence": 0.0001,
    "mitigation": {"path": "rule_engine", "note": f"answer from rules (${rules_cost:g} per 1M) until the cost is back under ${ceiling:,.0f} per 1M"},
    "runbook": {"id": "RB-COST", "title": "Spend above ceiling", "steps": ["Compare the price table and the retry share with last week's."]},
    "owner": "SRE lead",
})
taxonomy = retimed(worked.taxonomy.model_copy(update={"modes": worked.taxonomy.modes + [own_mode]}))
### END SOLUTION
taxonomy
'''),
("md", """
**Step 3 · The workflow.** Write `workflow`: the worked example's workflow with your new mode
routed by an edge from which its mitigation path can be reached (`workflow.paths_after(node_id)`).
"""),
("code", '''
### BEGIN SOLUTION
workflow = retimed(worked.workflow)
else_edge = next(e for e in workflow.edges if e.source == "check" and e.guard == "else")
else_edge.handles = else_edge.handles + [m.id for m in taxonomy.modes if m.id not in worked.taxonomy.ids]
### END SOLUTION
workflow
'''),
("md", """
**Step 4 · The design.** The cell below puts your three artifacts together with the product's
context and the worked example's post-mortem loop; the tests after it grade the whole.
"""),
("code", '''
design = fk.Design(context=target, taxonomy=taxonomy, matrix=matrix, workflow=workflow, postmortem=worked.postmortem)
for problem in design.problems():
    print(problem)
design.budget()
'''),
("code", '''
# TEST q2-design-valid (2 points)
assert isinstance(design, fk.Design), "design should be a fk.Design: run the cell that builds it from your artifacts"
assert design.context == target, "use this product's context, unchanged: traffic, SLO and ceiling are the brief"
assert not design.problems(), "; ".join(map(str, design.problems()))
### BEGIN HIDDEN TESTS
assert cadence.track(design).completed == len(cadence.DAY_OF), cadence.track(design).to_text()
### END HIDDEN TESTS
'''),
("code", '''
# TEST q2-budget-and-cost (2 points)
b = design.budget()
assert b.worst_case_ms <= target.slo.threshold_ms, b.verdict
assert b.blended_cost_per_1m_usd <= target.cost_ceiling_per_1m_usd, \\
    f"blended ${b.blended_cost_per_1m_usd:,.2f} per 1M calls is over the ${target.cost_ceiling_per_1m_usd:,.0f} ceiling"
### BEGIN HIDDEN TESTS
p = design.matrix.primary
assert p.model == primary_model and abs(p.cost_per_1m_usd - primary_cost_per_1m_usd) < 0.01, \\
    "the primary path should carry the model and cost you priced in Q1"
assert p.price_per_call_usd is not None and abs(p.price_per_call_usd * 1e6 - p.cost_per_1m_usd) < 0.01, \\
    "price_per_call_usd x 1,000,000 should equal cost_per_1m_usd"
assert all(r.timeout_fits for r in b.rows), "every timeout should fit the deadline left when its path starts"
sim = fk.simulate(design, n_requests=n_requests, seed=seed)   # failure modes injected, routed to their mitigations
assert sim.slo_attainment >= target.slo.percentile / 100, \
    "simulated, the design misses its SLO: " + sim.summary_lines()[2]
assert sim.cost_per_1m_usd <= target.cost_ceiling_per_1m_usd, \
    f"simulated, the design costs ${sim.cost_per_1m_usd:,.2f} per 1M requests, over the ceiling"
### END HIDDEN TESTS
'''),
("code", '''
# TEST q2-own-failure-mode (2 points)
new_modes = [m for m in design.taxonomy.ids if m not in worked.taxonomy.ids]
assert new_modes, "add at least one failure mode this product has and the worked example does not"
### BEGIN HIDDEN TESTS
for mid in new_modes:
    assert mid in design.workflow.handled_modes, f"{mid!r} is not routed by any workflow edge"
    assert design.taxonomy.mode(mid).detection.window, f"{mid!r} needs a detection window"
### END HIDDEN TESTS
'''),
("code", '''
# TEST q2-committee-ready (2 points)
# Graded by the kit's critique, the way a hiring committee reads the set.
review = fk.critique(design)
print(review.summary())
### BEGIN HIDDEN TESTS
assert review.passed, "the critique has blocking findings:\\n" + "\\n".join(map(str, review.blocking))
weak = [f"{sc.name}: {sc.label}" for sc in review.scores if not sc.at_least_strong]
assert not weak, ("every criterion should score at least Strong; below it: " + "; ".join(weak)
                  + ". Findings: " + ("; ".join(map(str, review.findings)) or "none (read review.to_text() for the evidence)"))
### END HIDDEN TESTS
'''),
("code", '''
record(scenario=scenario, primary_model=primary_model, worst_case_ms=design.budget().worst_case_ms,
       blended_cost_per_1m_usd=round(design.budget().blended_cost_per_1m_usd, 2), modes=len(design.taxonomy.modes),
       critique_passed=review.passed, critique_min_score=min(sc.score for sc in review.scores))
'''),
]

SOLUTIONS = {
    "solutions/ex1_failure_taxonomy.ipynb": ex1,
    "solutions/ex2_latency_budget_matrix.ipynb": ex2,
    "solutions/ex3_recovery_workflow.ipynb": ex3,
    "solutions/ex4_postmortem_loop.ipynb": ex4,
    "solutions/ex5_capstone.ipynb": ex5,
}

if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from fallbackkit.exercises import annotate  # noqa: E402
    for path, cells in SOLUTIONS.items():
        nb = notebook(cells, tags={1: ["parameters"]})
        annotate(nb)
        write(nb, os.path.join("fallbackkit", "data", path))
        print("wrote", os.path.join("fallbackkit", "data", path))
