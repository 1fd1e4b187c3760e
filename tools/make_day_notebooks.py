"""Write the guided notebooks of the three-day cadence (01–04). Run from the repo root:

    .venv/bin/python tools/make_day_notebooks.py && .venv/bin/python tools/nbref.py notebooks/0[1-4]*.ipynb
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from nb import notebook, write  # noqa: E402
from teaching import SETUP, params  # noqa: E402

# ---------------------------------------------------------------------------------------------
day1_taxonomy = [
("md", """
# Day 1 · The failure taxonomy

**Cadence:** Day 1 — taxonomy and latency-budget matrix · Day 2 — recovery workflow ·
Day 3 — post-mortem loop, polish, critique. This notebook is the first half of Day 1.

## Why the committee cares
The taxonomy is the page an incident responder opens at 3 a.m. A committee reads it for
three things:

1. **Is every failure mode tied to the SLA?** A severity is defined by a metric ("SLO attainment
   < 99% over 10 min"), not by an adjective ("very bad").
2. **Is every mode actionable?** A detection signal you could alert on, a mitigation that names
   a fallback path of the matrix, a runbook entry and an owner.
3. **Is it sized?** How many requests a day each mode hits — the number that tells you which
   mitigation matters most.

Change `scenario` in the parameters cell to study another product (`fallbackkit scenarios`
lists them); the prose stays true, the numbers follow the scenario.
"""),
("code", params("support-chat")),
("code", SETUP),
("md", """
## Build it with the kit
A taxonomy is data: severity levels, then at least five modes. It renders as a table, has a
pandas view, and validates on its own. Here is the scenario's reference taxonomy.
"""),
("code", "design.taxonomy"),
("md", """
Every severity level is a **criterion with a number** and a **response with a clock**:
"""),
("code", """
for level, d in sorted(design.taxonomy.severity_levels.items()):
    print(f"{level}: {d.criterion}\\n    -> {d.response}")
"""),
("md", """
Writing a mode in code is the same as writing it in YAML: a validated model, so a typo is a
message, not a silent default.
"""),
("code", """
mode = fk.FailureMode.model_validate({
    "id": "quota-exhausted", "name": "Monthly token quota exhausted", "category": "resource_exhaustion",
    "trigger": "the provider's monthly token quota runs out before month end",
    "detection": {"metric": "quota_remaining_pct", "comparator": "<", "threshold": 5, "unit": "%", "window": "1h"},
    "severity": "P1", "occurrence": 0.001,
    "mitigation": {"path": design.matrix.paths[1].id, "note": "answer from the first fallback until the quota resets"},
    "runbook": {"id": "RB-Q", "title": "Quota exhausted", "steps": ["Raise the quota; move batch traffic to another key."]},
    "owner": "LLM platform on-call",
})
print(mode.detection)
"""),
("md", """
## Worked example: size every mode
`occurrence` is the share of requests a mode hits; multiplied by the traffic it becomes the
number a committee remembers. Sorted, it tells you where the fallback chain earns its keep.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
per_day = design.context.traffic.requests_per_day
sized = sorted(design.taxonomy.modes, key=lambda m: -m.occurrence)
for m in sized:
    print(f"{m.id:22s} {m.severity}  {m.occurrence:>7.2%}  {m.occurrence * per_day:>9,.0f} requests/day  -> {m.mitigation.path}")
"""),
("md", """
## Classic mistakes, side by side with the better version

### 1 · A severity without a number
"P0: very bad" cannot page anyone: nobody can tell whether it is happening. The better version
names a metric, a threshold and a window. A quick check: does every criterion contain a number?
"""),
("code", """
# NBVAL_CHECK_OUTPUT
import re

vague = {"P0": "the product is down", "P1": "major degradation", "P2": "minor issue", "P3": "cosmetic"}
better = {k: v.criterion for k, v in sorted(design.taxonomy.severity_levels.items())}

def has_number(text):
    return bool(re.search(r"\\d", text))

for level in ["P0", "P1", "P2", "P3"]:
    print(f"{level}  has a number?  vague {vague[level]!r}: {has_number(vague[level])}  |  metric-defined: {has_number(better[level])}")
"""),
("md", """
The kit's critique runs the same check the way a committee would, and says **where** and
**how to fix it**: each finding names the field path, why it fails, and a concrete fix.
(`check=False` lets the critique read a design that validation would refuse.)
"""),
("code", """
# NBVAL_CHECK_OUTPUT
from fallbackkit.review import critique

vague_data = design.to_dict()
for level, text in vague.items():
    vague_data["taxonomy"]["severity_levels"][level]["criterion"] = text
vague_review = critique(fk.Design.from_dict(vague_data, filename=f"{scenario}.yaml", check=False))
better_review = critique(design)
for name, r in [("vague levels", vague_review), ("metric-defined", better_review)]:
    print(f"{name:15s} severity rigour: {r.score('severity').label:11s} "
          f"{len(r.by_check('severity-not-metric'))} severity findings")
finding = vague_review.by_check("severity-not-metric")[0]
print(f"\\n[{finding.severity}] field {finding.location}")
print(f"  why: {finding.message}")
print(f"  fix: {finding.fix}")
"""),
("md", """
### 2 · "The fallback improves reliability" vs a number
The unquantified claim says nothing a committee can check. The better version is computed
from the taxonomy and the traffic:
"""),
("code", """
top = sized[0]
claim_vague = "Our fallback improves reliability."
claim_better = (f"{top.name} hits {top.occurrence:.1%} of requests — {top.occurrence * per_day:,.0f} a day; "
                f"every one is answered by the {top.mitigation.path!r} path instead of failing.")
print("vague: ", claim_vague)
print("better:", claim_better)
"""),
("md", """
### 3 · One monolithic document vs a standalone artifact
A ten-page document mixing taxonomy, budget and diagrams hides the signal, and the incident
team must read all of it to find its part. The taxonomy saves, loads and validates **on its
own**; it names fallback paths by id only.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
import tempfile, pathlib

tmp = pathlib.Path(tempfile.mkdtemp())
design.save(tmp / "design.yaml")
design.taxonomy.save(tmp / "taxonomy.yaml")
alone = fk.FailureTaxonomy.load(tmp / "taxonomy.yaml")
lines = lambda p: len(p.read_text().splitlines())
print(f"whole design: {lines(tmp / 'design.yaml')} lines; taxonomy alone: {lines(tmp / 'taxonomy.yaml')} lines, "
      f"{len(alone.modes)} modes, valid: {alone.is_valid}")
"""),
("md", """
### 4 · A mitigation that points nowhere
A mode whose mitigation names a path the matrix does not have is a promise nobody keeps. The
design catches it and says where:
"""),
("code", """
# NBVAL_CHECK_OUTPUT
broken = design.to_dict()
broken["taxonomy"]["modes"][0]["mitigation"]["path"] = "second-llm"
try:
    fk.Design.from_dict(broken, filename=f"{scenario}.yaml")
except fk.DesignError as err:
    print(err)
"""),
("md", """
## Present it aloud (about 60 seconds)
Say the numbers, in this order: how many modes, what a P0 is, the two largest modes by volume
and where they go, and who owns the runbooks. The script below is written from the data, so it
stays true when the design changes.
"""),
("code", """
p0 = design.taxonomy.severity_levels["P0"].criterion
owners = sorted({m.owner for m in design.taxonomy.modes})
print(f"{design.context.name} has {len(design.taxonomy.modes)} failure modes. A P0 means: {p0}.")
for m in sized[:2]:
    print(f"{m.name}: {m.occurrence:.1%} of requests, {m.occurrence * per_day:,.0f} a day, detected when "
          f"{m.detection}, mitigated by the {m.mitigation.path!r} path (runbook {m.runbook.id}).")
print(f"Runbooks are owned by {', '.join(owners)}.")
"""),
("md", """
## Where you are in the cadence
The tracker checks each artifact against the bar of its day. After this notebook the taxonomy
is done; the matrix is the other half of Day 1.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
progress = cadence.track(taxonomy=design.taxonomy, day=1)
print(progress.to_text())
"""),
("code", """
record(scenario=scenario, modes=len(design.taxonomy.modes), top_mode=top.id,
       top_mode_requests_per_day=round(top.occurrence * per_day), taxonomy_valid=design.taxonomy.is_valid)
"""),
("md", """
**Next:** `02_day1_latency_budget_matrix.ipynb`. Exercise: `exercises/ex1_failure_taxonomy.ipynb`
(grade it with `fallbackkit exercises check exercises/ex1_failure_taxonomy.ipynb`).
"""),
]

# ---------------------------------------------------------------------------------------------
day1_matrix = [
("md", """
# Day 1 · The latency-budget matrix

## Why the committee cares
The SLO is a promise in the SRE form: *99.9% of requests in < 150 ms, measured at the gateway,
over 28 days*. A fallback chain only keeps it if **every path fits the time left when it
starts**. The matrix lists each path with its latency, timeout, error rate, cost per 1M calls
and coverage; the budget is the arithmetic that holds the chain against the SLO. Committees
look for: a budget per path (not one latency for "the system"), timeouts that fit the
deadline left, a blended cost, and a stated trade-off (latency vs coverage, cost vs safety).
"""),
("code", params("support-chat")),
("code", SETUP),
("md", """
## Build it with the kit
Paths are in **chain order**. `coverage_pct` is the share of the requests *reaching* a path that
it answers (a cache's hit rate), so each path's share of all traffic is computed, not typed.
"""),
("code", "design.matrix"),
("code", """
budget = design.budget()
budget
"""),
("md", """
How to read it: **reach** is the share of all requests that get to the path, **serves** the
share it answers, **deadline left** the SLO threshold minus the worst time spent on earlier
paths (every attempt timing out). A path fits when its served tail fits the deadline left.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
for line in budget.summary_lines():
    print(line)
"""),
("md", """
## Worked example, path by path
The same numbers, read as sentences: this is what "a budget per path" means.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
slo = design.context.slo
for r in budget.rows:
    cut = f"cut at {r.timeout_ms:g} ms" if r.timeout_ms else "no timeout"
    print(f"{r.id}: reached by {r.reach:.3%}, answers {r.share:.3%} of all requests, {cut}; "
          f"{r.deadline_left_ms:,.0f} ms of {slo.threshold_ms:,.0f} left when it starts -> {r.verdict}")
"""),
("md", """
### Check the arithmetic by sampling
The budget multiplies probabilities. Sampling `n_requests` requests through the chain with the
same probabilities (seeded) should land on the same shares; a mismatch would mean the
arithmetic is wrong. (The simulator replaces this with sampled *latencies*, timeouts and
breakers.)
"""),
("code", """
# NBVAL_CHECK_OUTPUT
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
"""),
("md", """
### Simulate it: declared vs simulated
The budget is arithmetic over *declared* numbers and ignores the failure modes. The simulator
draws every request's latency from each path's percentiles, injects every failure mode of the
taxonomy at its `occurrence` and routes it to its mitigation, applies timeouts, retries and
breakers, and reports what a user would see. Same seed, same numbers.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
sim = fk.simulate(design, n_requests=n_requests, seed=seed)
for line in sim.summary_lines():
    print(line)
print(f"{'path':14s} {'serves (declared)':>18s} {'serves (simulated)':>19s}")
for r, p in zip(budget.rows, sim.paths):
    print(f"{r.id:14s} {r.share:18.2%} {p.share:19.2%}")
"""),
("code", "sim.matrix_view()"),
("md", """
Where declared and simulated shares differ, the difference is the taxonomy: the budget counts
only each path's own error rate and timeout, the simulation also injects every failure mode and
sends it to its mitigation. Quote the simulated numbers; fix the declared ones that drift.
"""),
("md", """
## Classic mistakes, side by side with the better version

### 1 · No latency budget vs a budget per path
"We have a cache and a rule engine behind the model" sounds safe. Without a timeout on the
primary, a request waits for the primary's tail before the cache even starts:
"""),
("code", """
# NBVAL_CHECK_OUTPUT
no_budget = design.matrix.model_copy(deep=True)
no_budget.paths[0].timeout_ms = None
print("without a primary timeout:", no_budget.budget(slo).verdict)
print("with a budget per path:   ", budget.verdict)
"""),
("md", """
### 2 · "The cache improves latency" vs a number
"""),
("code", """
fallbacks = budget.rows[1:]
best = max(fallbacks, key=lambda r: r.share)
print(f"vague:  The {best.id} path improves latency.")
print(f"better: {best.id} answers {best.share:.2%} of all requests within {best.served_tail_ms:g} ms, "
      f"{-best.over_by_ms:,.0f} ms inside the {slo.threshold_ms:g} ms SLO, for ${best.cost_per_1m_usd:,.2f} per 1M calls.")
"""),
("md", """
### 3 · A price that does not match its cost per 1M calls
A unit price of $0.0004 per call is **$400 per 1M calls**, not $40. Check every stated price
against its cost per 1M calls:
"""),
("code", """
# NBVAL_CHECK_OUTPUT
for p in design.matrix.paths:
    if p.price_per_call_usd is not None:
        implied = p.price_per_call_usd * 1_000_000
        ok = abs(implied - p.cost_per_1m_usd) < 0.01
        print(f"{p.id:14s} ${p.price_per_call_usd:g} a call = ${implied:,.2f} per 1M; stated ${p.cost_per_1m_usd:,.2f} -> {'consistent' if ok else 'INCONSISTENT'}")
print(f"template's example: $0.0004 a call = ${0.0004 * 1_000_000:,.0f} per 1M calls")
"""),
("md", """
### 4 · A chain that fits today's SLO only
Product tightens the SLO by 20%. Which paths still fit? (Set `slo_threshold_ms` in the
parameters cell to run the whole notebook against another SLO.)
"""),
("code", """
# NBVAL_CHECK_OUTPUT
tighter = scenarios.load(scenario, slo_threshold_ms=0.8 * slo.threshold_ms)
tb = tighter.budget()
print(tb.verdict)
for r in tb.over_budget:
    print(f"  {r.id}: {r.verdict}")
"""),
("md", """
## Cost-aware: what the chain costs a year, and what a second LLM would cost
The template's second worked example: a rule engine adding ~10 ms and costing very little,
chosen over a second-stage LLM. Put the LLM in the rule engine's place and compare.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
per_year = design.context.traffic.requests_per_day * 365 / 1e6
print(f"chain: ${budget.blended_cost_per_1m_usd:,.2f} per 1M calls = ${budget.blended_cost_per_1m_usd * per_year:,.0f} a year "
      f"(ceiling ${design.context.cost_ceiling_per_1m_usd:,.0f} per 1M)")
kinds = [p.kind for p in design.matrix.paths]
cheap = "rule_engine" if "rule_engine" in kinds else ("cache" if "cache" in kinds else None)
if cheap is None:
    print("no deterministic path (rule engine or cache) in this chain to compare with a second LLM")
else:
    i = kinds.index(cheap)
    swap = design.matrix.model_copy(deep=True)
    swap.paths[i] = swap.paths[i].model_copy(update={
        "id": "second_llm", "name": "Second-stage LLM", "kind": "alternate_model",
        "latency": fk.LatencySpec(p50_ms=180, p95_ms=260, p99_ms=300), "timeout_ms": 300,
        "cost_per_1m_usd": 600, "coverage_pct": 100})
    sb = swap.budget(slo)
    delta = (sb.blended_cost_per_1m_usd - budget.blended_cost_per_1m_usd) * per_year
    print(f"with a second LLM instead of {design.matrix.paths[i].id}: {sb.verdict}; "
          f"${sb.blended_cost_per_1m_usd:,.2f} per 1M ({'+' if delta >= 0 else '-'}${abs(delta):,.0f} a year)")
"""),
("md", """
## Present it aloud (about 90 seconds)
State the SLO the SRE way, then walk the chain with its numbers, then the trade-off.
"""),
("code", """
print(f"The SLO: {slo}.")
for r, p in zip(budget.rows, design.matrix.paths):
    print(f"- {p.name}: answers {r.share:.2%} of requests; tail {r.served_tail_ms:g} ms with "
          f"{r.deadline_left_ms:,.0f} ms left; ${p.cost_per_1m_usd:,.2f} per 1M calls.")
print(f"Worst case {budget.worst_case_ms:,.0f} ms against {slo.threshold_ms:g} ms; "
      f"blended ${budget.blended_cost_per_1m_usd:,.2f} per 1M calls against a ${design.context.cost_ceiling_per_1m_usd:,.0f} ceiling.")
"""),
("md", """
## Where you are in the cadence
Both Day 1 artifacts: the taxonomy and the matrix (held against the SLO and the cost ceiling).
"""),
("code", """
# NBVAL_CHECK_OUTPUT
print(cadence.track(taxonomy=design.taxonomy, matrix=design.matrix, context=design.context, day=1).summary())
"""),
("code", """
record(scenario=scenario, worst_case_ms=budget.worst_case_ms, threshold_ms=slo.threshold_ms,
       within_budget=not budget.over_budget and budget.worst_case_ms <= slo.threshold_ms,
       simulated_p99_ms=round(sim.percentiles["p99"], 1), simulated_attainment_pct=round(100 * sim.slo_attainment, 3),
       simulated_cost_per_1m_usd=round(sim.cost_per_1m_usd, 2),
       blended_cost_per_1m_usd=round(budget.blended_cost_per_1m_usd, 2),
       cost_per_year_usd=round(budget.blended_cost_per_1m_usd * per_year))
"""),
("md", """
**Next:** `03_day2_recovery_workflow.ipynb`. Exercise: `exercises/ex2_latency_budget_matrix.ipynb`.
"""),
]

# ---------------------------------------------------------------------------------------------
day2_workflow = [
("md", """
# Day 2 · The recovery workflow

## Why the committee cares
The workflow is what the gateway team builds. A committee wants a **UML activity diagram**, not
a sketch of boxes: one initial node, actions, decisions whose guards exclude each other (one of
them `[else]`), merges, a fork where the failure signal leaves for monitoring while recovery
goes on, and final nodes — in swimlanes that say who does what. Two checks matter most:
**every failure mode of the taxonomy is routed** by some edge, and **the order in which a
request meets the paths is the matrix's chain order** (otherwise the budget describes another
system).
"""),
("code", params("support-chat")),
("code", SETUP),
("md", """
## Build it with the kit
The workflow is nodes and edges; it renders as a diagram in JupyterLab (Mermaid, offline) and
as text in a terminal.
"""),
("code", "design.workflow"),
("code", """
from collections import Counter
print(design.workflow.to_text())
print(dict(Counter(n.kind for n in design.workflow.nodes)))
"""),
("md", """
## Worked example: where does each failure mode go?
For every mode: the guard of the edge that routes it, and the fallback paths a request can reach
from there, in order. The mode's declared mitigation must be among them.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
for m in design.taxonomy.modes:
    edge = next(e for e in design.workflow.edges if m.id in e.handles)
    reach = design.workflow.paths_after(edge.target)
    print(f"{m.id:22s} [{edge.guard}] -> {' > '.join(reach)}   mitigation {m.mitigation.path!r} reachable: {m.mitigation.path in reach}")
"""),
("code", """
# NBVAL_CHECK_OUTPUT
print("workflow order:", design.workflow.path_order())
print("matrix order:  ", design.matrix.ids)
print("same order:", design.workflow.path_order() == design.matrix.ids)
"""),
("md", """
## Classic mistakes, side by side with the better version

### 1 · Boxes and arrows without guards
A hand sketch has a diamond with two unlabeled arrows. In UML every flow out of a decision has
a guard, the guards exclude each other, and exactly one is `[else]` so every case is covered:
"""),
("code", """
# NBVAL_CHECK_OUTPUT
sketch = design.workflow.to_dict()
for e in sketch["edges"]:
    if e.get("guard") == "else":
        e["guard"] = None
try:
    fk.RecoveryWorkflow.from_dict(sketch, filename="workflow.yaml")
except fk.DesignError as err:
    print(err)
"""),
("md", """
### 2 · A failure mode nobody routes
The taxonomy says a mode exists; if no edge handles it, the gateway has no branch for it.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
dropped = design.taxonomy.modes[-1].id
unrouted = design.to_dict()
for e in unrouted["workflow"]["edges"]:
    e["handles"] = [h for h in e.get("handles", []) if h != dropped]
try:
    fk.Design.from_dict(unrouted, filename=f"{scenario}.yaml")
except fk.DesignError as err:
    print(err)
"""),
("md", """
### 3 · A retry loop with no way out
"Retry until it works" draws a cycle. The better version bounds it (a decision on retries left
with an `[else]` exit towards the next fallback); the kit finds loops that never reach a final
node.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
loop = fk.RecoveryWorkflow.model_validate({
    "nodes": [{"id": "start", "kind": "initial"},
              {"id": "call", "kind": "action", "label": "Call the model"},
              {"id": "ok", "kind": "decision", "label": "Answered?"},
              {"id": "again", "kind": "action", "label": "Retry"},
              {"id": "done", "kind": "activity_final"}],
    "edges": [{"source": "start", "target": "call"}, {"source": "call", "target": "ok"},
              {"source": "ok", "target": "done", "guard": "answered"},
              {"source": "ok", "target": "again", "guard": "else"},
              {"source": "again", "target": "call"}]})
print("bounded by an answer edge:", loop.is_valid)
trap = loop.model_copy(update={"edges": [e for e in loop.edges if e.guard != "answered"]
                               + [fk.Edge(source="ok", target="again", guard="timeout")]})
for p in trap.problems():
    print(p)
"""),
("md", """
### 4 · One diagram for everything vs a standalone workflow
The workflow names paths and failure modes by id only, so the gateway team reviews it alone —
as a file, or as the Mermaid text any Markdown viewer draws.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
import tempfile, pathlib
tmp = pathlib.Path(tempfile.mkdtemp())
design.workflow.save(tmp / "workflow.yaml")
alone = fk.RecoveryWorkflow.load(tmp / "workflow.yaml")
mermaid = alone.to_mermaid()
print(f"standalone workflow: {len(alone.nodes)} nodes, {len(alone.edges)} flows, "
      f"{len(alone.partitions)} swimlanes, valid: {alone.is_valid}; Mermaid: {len(mermaid.splitlines())} lines")
"""),
("md", """
## Present it aloud (about 90 seconds)
Walk one request through the happy path, then one failure through the fallback, naming the
guard at each decision and the timeout of each action.
"""),
("code", """
labels = {n.id: n.label for n in design.workflow.nodes}
decisions = [n for n in design.workflow.nodes if n.kind == "decision"]
print(f"{len(design.workflow.nodes)} nodes in {len(design.workflow.partitions)} swimlanes; {len(decisions)} decisions:")
for d in decisions:
    guards = [e.guard for e in design.workflow.edges if e.source == d.id]
    print(f"- {d.label} -> " + " | ".join(f"[{g}]" for g in guards))
print("Every one of the", len(design.taxonomy.modes), "failure modes is routed; paths are met in the matrix's order:",
      " > ".join(design.workflow.path_order()))
"""),
("code", """
# NBVAL_CHECK_OUTPUT
print(cadence.track(taxonomy=design.taxonomy, matrix=design.matrix, workflow=design.workflow,
                    context=design.context, day=2).summary())
"""),
("code", """
record(scenario=scenario, nodes=len(design.workflow.nodes), decisions=len(decisions),
       modes_routed=sum(m.id in design.workflow.handled_modes for m in design.taxonomy.modes),
       modes=len(design.taxonomy.modes), order_matches_matrix=design.workflow.path_order() == design.matrix.ids)
"""),
("md", """
**Next:** `04_day3_postmortem_loop_and_critique.ipynb`. Exercise: `exercises/ex3_recovery_workflow.ipynb`.
"""),
]

# ---------------------------------------------------------------------------------------------
day3_loop = [
("md", """
# Day 3 · The post-mortem loop, polish and critique

## Why the committee cares
The third thing a committee checks is an **operational feedback loop**: who learns from
incidents, how often, and whether it is working — measured. The loop names an owner, the
triggers that demand a post-mortem, a cadence (within N days of each incident, a weekly
review), typed action items with owners and due dates, and metrics measured on the incident
records: time to detect and time to resolve as **median and p90**, because one slow incident
hides inside a mean.

Day 3 also measures the loop on **real incident data** (542 public incidents of three LLM
providers), feeds what it learns back into the taxonomy, and polishes the set: each artifact
stands alone, the kit's critique scores it the way a committee would, and the cadence tracker
shows all four done.
"""),
("code", params("support-chat", 'review_date = "2026-12-05"              # the day of the weekly review (YYYY-MM-DD)\n')),
("code", SETUP),
("md", """
## Build it with the kit
"""),
("code", "design.postmortem"),
("md", """
## Worked example: measure the loop
"""),
("code", """
# NBVAL_CHECK_OUTPUT
m = design.postmortem.measure()
for s in m.metrics:
    target = f"target median {s.target_median:g} / p90 {s.target_p90:g}" if s.target_median else ""
    print(f"{s.name:20s} n={s.count}  median {s.median:7.1f} min  p90 {s.p90:7.1f} min  mean {s.mean:7.1f} min  {target}")
"""),
("md", """
Which incident drives the tail? The p90 comes from the slowest one or two records; name them.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
slowest = sorted(design.postmortem.incidents, key=lambda i: -(i.minutes("time_to_detect") or 0))[:2]
for inc in slowest:
    print(f"{inc.id}: {inc.title} — detected after {inc.minutes('time_to_detect'):,.0f} min ({inc.failure_mode})")
"""),
("code", """
# NBVAL_CHECK_OUTPUT
import datetime as dt
from collections import Counter

today = dt.date.fromisoformat(review_date)
items = design.postmortem.action_items
print("action items by type:", dict(sorted(Counter(a.type for a in items).items())))
print(f"open on {today}: {len(design.postmortem.open_items())}; overdue: "
      + (", ".join(f"{a.id} (due {a.due})" for a in design.postmortem.overdue(today)) or "none"))
"""),
("md", """
## Classic mistakes, side by side with the better version

### 1 · "MTTR" as one mean vs median and p90
"""),
("code", """
# NBVAL_CHECK_OUTPUT
ttr = next(s for s in m.metrics if s.name == "time_to_resolve")
print(f"vague:  mean time to resolve {ttr.mean:,.0f} min")
print(f"better: median {ttr.median:,.0f} min, p90 {ttr.p90:,.0f} min over {ttr.count} incidents "
      f"(the mean is {ttr.mean / ttr.median:.1f}x the median: the tail, not the typical incident, moves it)")
"""),
("md", """
### 2 · An action item nobody owns
"Improve monitoring" with no owner, type or date never closes. The loop requires a type
(investigate, mitigate, repair, detect, prevent), an owner and a due date:
"""),
("code", """
# NBVAL_CHECK_OUTPUT
loose = design.postmortem.to_dict()
loose["action_items"].append({"id": "AI-X", "title": "Improve monitoring"})
try:
    fk.PostMortemLoop.from_dict(loose, filename="postmortem.yaml")
except fk.DesignError as err:
    print(err)
"""),
("md", """
### 3 · One monolithic document vs four standalone artifacts
Each artifact goes to its own reviewer: the taxonomy to incident response, the matrix to SRE
and product, the workflow to the gateway team, the loop to the SRE lead. Each file loads and
validates alone.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
import tempfile, pathlib
from fallbackkit.design import Design

tmp = pathlib.Path(tempfile.mkdtemp())
for name, cls in [("taxonomy", fk.FailureTaxonomy), ("matrix", fk.LatencyBudgetMatrix),
                  ("workflow", fk.RecoveryWorkflow), ("postmortem", fk.PostMortemLoop)]:
    path = tmp / f"{name}.yaml"
    design.standalone(name).save(path)
    alone = cls.load(path)
    print(f"{name:10s} {len(path.read_text().splitlines()):4d} lines, valid alone: {alone.is_valid}")
"""),
("md", """
## Real incidents: the loop measured on 542 provider outages
The worked example has five incident records; a committee will ask whether the numbers hold
on real data. The kit bundles the public incident histories of OpenAI, Anthropic and
Character.AI (542 incidents, February 2021 – August 2024, scraped from their status pages;
source: *An Empirical Characterization of Outages and Incidents in Public Services for Large
Language Models*, ICPE 2025, repository `atlarge-research/llm-service-analysis`). Each
incident carries the Statuspage lifecycle: investigating → identified → monitoring → resolved.

Time to resolve per provider, **median and p90 against the mean**: the mean is the number
that moves when one incident runs for a day.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
from fallbackkit.incidents import IncidentLog

log = IncidentLog.bundled()
print(f"{len(log)} incidents: " + ", ".join(f"{p} {n}" for p, n in sorted(log.providers.items())))
ttr_real = log.metrics(by="provider", metrics=["time_to_resolve"])
print(f"{'provider':10s} {'n':>4s} {'median':>7s} {'p90':>7s} {'mean':>7s}  (minutes)")
for st in ttr_real.stats:
    print(f"{st.group:10s} {st.count:4d} {st.median:7.0f} {st.p90:7.0f} {st.mean:7.0f}  {st.warning}")
"""),
("md", """
Real data is messy, and a number is only as good as the rows behind it. The kit reads every
row, counts what is odd and says how it handled it — nothing is dropped silently. Quote the
`n` and the missing count with the median.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
q = log.quality
print(f"data quality: {q.rows} rows, {q.incidents} incidents kept, {q.findings} with a finding")
for row in q.rows_table()[1:]:
    if row["count"]:
        print(f"  {row['check']:48s} {row['count']:4d}  {row['handling']}")
"""),
("md", """
The ECDF shows the whole distribution (log scale): where each provider's curve crosses 50%
is its median, and the long flat tail on the right is what drags the mean. The chart carries
its data inline and renders offline.
"""),
("code", """
from fallbackkit import charts, incident_charts

charts.enable_offline()
incident_charts.ttr_ecdf(log)
"""),
("md", """
### Feed it back into the taxonomy
The incidents are classified by title (elevated errors, outage, latency, login, rate limit,
degraded model…) and matched against the scenario's taxonomy: categories with no mode become
**proposed modes**; modes whose category never occurred are **flagged** (keep them only with
other evidence, e.g. your own gateway logs); a declared occurrence below the observed share is
called out.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
feedback = log.taxonomy_feedback(design.taxonomy)
print(f"{feedback.n} incidents over {feedback.span_weeks:.0f} weeks vs the {len(design.taxonomy.modes)} modes of {scenario!r}")
print("modes never observed:")
for r in feedback.never_occurred:
    print(f"  {r['mode']} ({r['category']}, declared {r['declared']:g}): {r['note']}")
print("declared occurrence below what was observed:")
for r in feedback.categories:
    if r["verdict"].startswith("declared"):
        print(f"  {r['category']}: {r['incidents']} incidents, {r['time_share']:.4%} of the time -> {r['verdict']}")
print("proposed modes:")
for r in feedback.proposed:
    print(f"  {r['id']} ({r['category']}, {r['severity']}, occurrence {r['occurrence']:g}): {r['evidence']}")
"""),
("md", """
## Polish: a self-review with the critique
Before anyone else reads the set, score it the way a committee would. `fk.critique(design)`
rates nine criteria from Very Weak to Very Strong, with evidence lines that point at design
fields, and lists every finding with its severity, location and a concrete fix. A
**blocking** finding is one a committee would reject the design for.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
review = fk.critique(design)
print(review.summary())
for sc in review.scores:
    print(f"  {sc.name:42s} {sc.label:11s} ({sc.score}/5)")
print("findings:", "none" if not review.findings else "")
for f in review.findings:
    print(f"  {f}")
"""),
("md", """
The same scorecard exports as Markdown, to paste into the design review or the interview
notes (and as JSON with `review.to_json()`; `fallbackkit critique FILE --format md` does it
from the command line and exits 1 on a blocking finding).
"""),
("code", """
# NBVAL_CHECK_OUTPUT
import tempfile, pathlib

scorecard = pathlib.Path(tempfile.mkdtemp()) / f"critique-{scenario}.md"
scorecard.write_text(review.to_markdown())
md_lines = scorecard.read_text().splitlines()
print(f"{scorecard.name}: {len(md_lines)} lines")
print("\\n".join(md_lines[:8]))
"""),
("md", """
### A deliberately flawed variant, side by side
Three classic mistakes in one copy of the design: an unquantified claim in a mitigation note,
a per-call price that is really a price per 1,000 calls, and time to resolve reported only as a
mean. Each is a blocking finding on its own criterion; the rest of the rubric does not move.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
flawed = design.to_dict()
flawed["taxonomy"]["modes"][0]["mitigation"]["note"] = "the fallback improves reliability"
primary = flawed["matrix"]["paths"][0]
primary["price_per_call_usd"] = primary["cost_per_1m_usd"] / 1000   # a price per 1k calls typed as per call
for metric in flawed["postmortem"]["metrics"]:
    if metric["name"] == "time_to_resolve":
        metric["statistics"] = ["mean"]
flawed_review = fk.critique(fk.Design.from_dict(flawed, filename=f"{scenario}-flawed.yaml", check=False))

print(f"{'criterion':42s} {'reference':>12s} {'flawed':>12s}")
for ref, bad in zip(review.scores, flawed_review.scores):
    mark = "  <-" if bad.score < ref.score else ""
    print(f"{ref.name:42s} {ref.label:>12s} {bad.label:>12s}{mark}")
print(f"\\nreference: {len(review.blocking)} blocking; flawed: {len(flawed_review.blocking)} blocking")
for f in flawed_review.blocking:
    print(f"- {f.location}: {f.message}\\n    fix: {f.fix}")
"""),
("md", """
## Where you are in the cadence: all three days
"""),
("code", """
# NBVAL_CHECK_OUTPUT
progress = cadence.track(design, day=3)
print(progress.to_text())
"""),
("md", """
## Present it aloud (about 60 seconds), then take questions
Close with the loop: who owns it, how often it meets, how it is measured and what it changed.
"""),
("code", """
pm = design.postmortem
done = [a for a in pm.action_items if a.status == "done"]
print(f"The loop is owned by the {pm.owner}. A post-mortem is due within {pm.cadence.per_incident_within_days} days "
      f"of resolution, triggered by: {'; '.join(pm.triggers)}. We review every {pm.cadence.weekly_review}.")
ttd = next(s for s in m.metrics if s.name == "time_to_detect")
print(f"Over {len(pm.incidents)} incidents, time to detect was {ttd.median:,.0f} min at the median and "
      f"{ttd.p90:,.0f} min at p90; time to resolve {ttr.median:,.0f} and {ttr.p90:,.0f} min.")
print(f"{len(pm.action_items)} action items, {len(done)} done: " + "; ".join(a.title for a in done) + ".")
fastest, slowest = (sorted(ttr_real.stats, key=lambda st: st.median)[i] for i in (0, -1))
print(f"For scale: over {len(log)} public incidents of three LLM providers, time to resolve was "
      f"{fastest.median:,.0f}–{slowest.median:,.0f} min at the median and up to {max(st.p90 for st in ttr_real.stats):,.0f} min "
      f"at p90; ours is {ttr.median:,.0f} min at the median.")
strong = sum(sc.at_least_strong for sc in review.scores)
print(f"The kit's critique scores {strong} of {len(review.scores)} criteria at least Strong, with "
      f"{len(review.blocking)} blocking findings and {len(review.warnings)} warnings.")
"""),
("code", """
record(scenario=scenario, ttd_median_min=ttd.median, ttd_p90_min=ttd.p90,
       ttr_median_min=ttr.median, ttr_p90_min=ttr.p90,
       critique_passed=review.passed, critique_blocking=len(review.blocking), critique_warnings=len(review.warnings),
       critique_min_score=min(sc.score for sc in review.scores),
       flawed_blocking=len(flawed_review.blocking),
       real_incidents=len(log), **{f"real_ttr_median_min_{st.group}": st.median for st in ttr_real.stats},
       modes_never_observed=len(feedback.never_occurred), modes_proposed=len(feedback.proposed),
       artifacts_complete=progress.completed)
"""),
("md", """
**Next:** the exercises (`exercises/`), then the capstone: a full design for a product you have
not seen (`exercises/ex5_capstone.ipynb`).
"""),
]

NOTEBOOKS = {
    "notebooks/01_day1_failure_taxonomy.ipynb": day1_taxonomy,
    "notebooks/02_day1_latency_budget_matrix.ipynb": day1_matrix,
    "notebooks/03_day2_recovery_workflow.ipynb": day2_workflow,
    "notebooks/04_day3_postmortem_loop_and_critique.ipynb": day3_loop,
}

if __name__ == "__main__":
    for path, cells in NOTEBOOKS.items():
        write(notebook(cells, tags={1: ["parameters"]}), path)
        print("wrote", path)
