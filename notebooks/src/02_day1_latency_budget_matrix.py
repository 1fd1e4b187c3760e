# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: id,tags,jupyter
#     notebook_metadata_filter: kernelspec
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.17.3
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] id="c00"
# # Day 1 · The latency-budget matrix
#
# ## Why the committee cares
# The SLO is a promise in the SRE form: *99.9% of requests in < 150 ms, measured at the gateway,
# over 28 days*. A fallback chain only keeps it if **every path fits the time left when it
# starts**. The matrix lists each path with its latency, timeout, error rate, cost per 1M calls
# and coverage; the budget is the arithmetic that holds the chain against the SLO. Committees
# look for: a budget per path (not one latency for "the system"), timeouts that fit the
# deadline left, a blended cost, and a stated trade-off (latency vs coverage, cost vs safety).

# %% id="c01" tags=["parameters"]
# Parameters: `fallbackkit run NOTEBOOK --design my_product.yaml` (or `--scenario X`, `-p name=value`).
design: str | None = None               # a path to YOUR design YAML; None: the bundled scenario below
scenario = "support-chat"               # a bundled scenario: `fallbackkit scenarios` lists them
seed = 7                                # seed of every sampled number
n_requests = 20000                      # requests sampled where the notebook samples
slo_threshold_ms: float | None = None   # override the scenario's SLO threshold (ms)
slo_percentile: float | None = None     # override the scenario's SLO percentile

# %% id="c02"
import fallbackkit as fk
from fallbackkit import cadence, scenarios, teaching

design = scenarios.open_design(design, scenario, slo_threshold_ms=slo_threshold_ms, slo_percentile=slo_percentile)
design.require("context", "matrix")   # what this day needs; a part still to write is named with its day
design.context

# %% [markdown] id="c03"
# ## Build it with the kit
# Paths are in **chain order**. `coverage_pct` is the share of the requests *reaching* a path that
# it answers (a cache's hit rate), so each path's share of all traffic is computed, not typed.

# %% id="c04"
design.matrix

# %% id="c05"
budget = design.budget()
budget

# %% [markdown] id="c06"
# How to read it: **reach** is the share of all requests that get to the path, **serves** the
# share it answers, **deadline left** the SLO threshold minus the worst time spent on earlier
# paths (every attempt timing out). A path fits when its served tail fits the deadline left.

# %% id="c07" tags=["nbval-check-output"]
for line in budget.summary_lines():
    print(line)

# %% [markdown] id="c08"
# ## Worked example, path by path
# The same numbers, read as sentences: this is what "a budget per path" means.

# %% id="c09" tags=["nbval-check-output"]
slo = design.context.slo
for r in budget.rows:
    cut = f"cut at {r.timeout_ms:g} ms" if r.timeout_ms else "no timeout"
    print(f"{r.id}: reached by {r.reach:.3%}, answers {r.share:.3%} of all requests, {cut}; "
          f"{r.deadline_left_ms:,.0f} ms of {slo.threshold_ms:,.0f} left when it starts -> {r.verdict}")

# %% [markdown] id="c10"
# ### Check the arithmetic by sampling
# The budget multiplies probabilities. Sampling `n_requests` requests through the chain with the
# same probabilities (seeded) should land on the same shares; a mismatch would mean the
# arithmetic is wrong. (The simulator replaces this with sampled *latencies*, timeouts and
# breakers.)

# %% id="c11" tags=["nbval-check-output"]
import random

rng = random.Random(seed)
served = {p.id: 0 for p in design.matrix.paths}
for _ in range(n_requests):
    for p in design.matrix.paths:
        tries = 1 + (p.retry.max_retries if p.retry else 0)
        if any(rng.random() < p.serve_probability for _ in range(tries)):
            served[p.id] += 1
            break
print(f"{'path':14s} {'declared':>9s} {'sampled':>9s}   (n = {n_requests:,}, seed {seed})")
for r in budget.rows:
    print(f"{r.id:14s} {r.share:9.2%} {served[r.id] / n_requests:9.2%}")

# %% [markdown] id="c12"
# ### Simulate it: declared vs simulated
# The budget is arithmetic over *declared* numbers and ignores the failure modes. The simulator
# draws every request's latency from each path's percentiles, injects every failure mode of the
# taxonomy at its `occurrence` and routes it to its mitigation, applies timeouts, retries and
# breakers, and reports what a user would see. Same seed, same numbers.

# %% id="c13" tags=["nbval-check-output"]
sim = fk.simulate(design, n_requests=n_requests, seed=seed)
for line in sim.summary_lines():
    print(line)
print(f"{'path':14s} {'serves (declared)':>18s} {'serves (simulated)':>19s}")
for r, p in zip(budget.rows, sim.paths):
    print(f"{r.id:14s} {r.share:18.2%} {p.share:19.2%}")

# %% id="c14"
teaching.show(sim.matrix_view())   # simulated and declared columns, side by side

# %% [markdown] id="c15"
# Where declared and simulated shares differ, the difference is the taxonomy: the budget counts
# only each path's own error rate and timeout, the simulation also injects every failure mode and
# sends it to its mitigation. Quote the simulated numbers; fix the declared ones that drift.

# %% [markdown] id="c16"
# ## Classic mistakes, side by side with the better version
#
# ### 1 · No latency budget vs a budget per path
# "We have a cache and a rule engine behind the model" sounds safe. Without a timeout on the
# primary, a request waits for the primary's tail before the cache even starts:

# %% id="c17" tags=["nbval-check-output"]
no_budget = design.matrix.model_copy(deep=True)
no_budget.paths[0].timeout_ms = None
print("without a primary timeout:", no_budget.budget(slo).verdict)
print("with a budget per path:   ", budget.verdict)

# %% [markdown] id="c18"
# ### 2 · "The cache improves latency" vs a number

# %% id="c19"
fallbacks = budget.rows[1:]
best = max(fallbacks, key=lambda r: r.share)
print(f"vague:  The {best.id} path improves latency.")
price = design.matrix.paths[budget.rows.index(best)].cost_per_1m_usd
print(f"better: {best.id} answers {best.share:.2%} of all requests within {best.served_tail_ms:,.0f} ms, "
      f"{-best.over_by_ms:,.0f} ms inside the {slo.threshold_ms:,.0f} ms SLO; its price is ${price:,.2f} per 1M calls "
      f"and it adds ${best.cost_per_1m_usd:,.2f} per 1M requests (it is called for {best.reach:.2%} of them).")

# %% [markdown] id="c20"
# ### 3 · A price that does not match its cost per 1M calls
# A unit price of $0.0004 per call is **$400 per 1M calls**, not $40. Check every stated price
# against its cost per 1M calls:

# %% id="c21" tags=["nbval-check-output"]
for p in design.matrix.paths:
    if p.price_per_call_usd is not None:
        implied = p.price_per_call_usd * 1_000_000
        ok = abs(implied - p.cost_per_1m_usd) < 0.01
        print(f"{p.id:14s} ${p.price_per_call_usd:g} a call = ${implied:,.2f} per 1M; stated ${p.cost_per_1m_usd:,.2f} -> {'consistent' if ok else 'INCONSISTENT'}")
print(f"template's example: $0.0004 a call = ${0.0004 * 1_000_000:,.0f} per 1M calls")

# %% [markdown] id="c22"
# ### 4 · A chain that fits today's SLO only
# Product tightens the SLO by 20%. Which paths still fit? (Set `slo_threshold_ms` in the
# parameters cell to run the whole notebook against another SLO.)

# %% id="c23" tags=["nbval-check-output"]
teaching.tighter_slo(design, factor=0.8)   # your design, held to an SLO 20% tighter

# %% [markdown] id="c24"
# ## Cost-aware: what the chain costs a year, and what a second LLM would cost
# The template's second worked example: a rule engine adding ~10 ms and costing very little,
# chosen over a second-stage LLM. Put the LLM in the rule engine's place and compare.

# %% id="c25" tags=["nbval-check-output"]
print(teaching.yearly_cost(design).to_text())
print(teaching.second_llm_instead(design).to_text())

# %% [markdown] id="c26"
# ## Present it aloud (about 90 seconds)
# State the SLO the SRE way, then walk the chain with its numbers, then the trade-off.

# %% id="c27"
print(f"The SLO: {slo}.")
for r, p in zip(budget.rows, design.matrix.paths):
    print(f"- {p.name}: answers {r.share:.2%} of requests; tail {r.served_tail_ms:g} ms with "
          f"{r.deadline_left_ms:,.0f} ms left; ${p.cost_per_1m_usd:,.2f} per 1M calls.")
print(f"Worst case {budget.worst_case_ms:,.0f} ms against {slo.threshold_ms:g} ms; "
      f"blended ${budget.blended_cost_per_1m_usd:,.2f} per 1M calls against a ${design.context.cost_ceiling_per_1m_usd:,.0f} ceiling.")

# %% [markdown] id="c28"
# ## Where you are in the cadence
# Both Day 1 artifacts: the taxonomy and the matrix (held against the SLO and the cost ceiling).

# %% id="c29" tags=["nbval-check-output"]
print(cadence.track(taxonomy=design.taxonomy, matrix=design.matrix, context=design.context, day=1).summary())

# %% id="c30" tags=["fallbackkit-record"]
from fallbackkit.runner import record  # key results for `fallbackkit run-all` (not part of the lesson)
record(worst_case_ms=budget.worst_case_ms, threshold_ms=slo.threshold_ms,
       within_budget=not budget.over_budget and budget.worst_case_ms <= slo.threshold_ms,
       simulated_p99_ms=round(sim.percentiles["p99"], 1), simulated_attainment_pct=round(100 * sim.slo_attainment, 3),
       simulated_cost_per_1m_usd=round(sim.cost_per_1m_usd, 2),
       blended_cost_per_1m_usd=round(budget.blended_cost_per_1m_usd, 2),
       cost_per_year_usd=round(budget.blended_cost_per_1m_usd * design.context.traffic.requests_per_day * 365 / 1e6))

# %% [markdown] id="c31"
# **Next:** `03_day2_recovery_workflow.ipynb`. Exercise: `exercises/ex2_latency_budget_matrix.ipynb`.
