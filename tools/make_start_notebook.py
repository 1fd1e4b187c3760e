import sys; sys.path.insert(0, __import__("os").path.dirname(__file__))
from nb import notebook, write
cells = [
("md", """
# Start here: the fallback system of an LLM product, defended with numbers

A **fallback system** is the safety net that takes over when the primary model breaks one of
its limits — it is too slow, not confident enough, or says something it must not. In a
Staff-level interview you are judged on three things:

1. **SLA alignment** — is every path held against the product's SLO, stated the SRE way
   ("99.9% of requests in < 150 ms, measured at the gateway, over 28 days")?
2. **Measurable trade-offs** — does every choice come with a number ("the cache answers 70% of
   fallback traffic at 30 ms"), never "improves reliability"?
3. **An operational loop** — who learns from incidents, how often, measured how?

You answer with **four standalone artifacts**, each reviewable by a different team:

| artifact | reviewer | this kit's object |
|---|---|---|
| Failure taxonomy | incident response | `design.taxonomy` |
| Latency-budget matrix | SRE, product | `design.matrix`, `design.budget()` |
| Recovery workflow (UML activity diagram) | gateway / platform team | `design.workflow` |
| Post-mortem loop | SRE lead | `design.postmortem` |

**Three-day cadence:** Day 1 taxonomy and matrix · Day 2 workflow · Day 3 post-mortem loop, polish, critique.

This notebook tours the bundled worked example. Every number below is *computed* from the design file.
"""),
("code", """
# Parameters: papermill overrides these (`fallbackkit run NOTEBOOK --scenario X -p name=value`).
design_path = None                      # None: a bundled scenario; or a path to your design YAML
scenario = "support-chat"               # a bundled scenario (support-chat is the worked example)
seed = 7                                # seed of every sampled number
n_requests = 20000                      # requests sampled where a notebook samples
slo_threshold_ms: float | None = None   # override the scenario's SLO threshold (ms)
slo_percentile: float | None = None     # override the scenario's SLO percentile
"""),
("code", """
import fallbackkit as fk
from fallbackkit import cadence, scenarios

design = (fk.load(design_path) if design_path
          else scenarios.load(scenario, slo_threshold_ms=slo_threshold_ms, slo_percentile=slo_percentile))
design.context
"""),
("md", """
## 1 · Failure taxonomy
At least five failure modes. Each has a severity **defined by metrics** (what makes a P0 a P0),
a detection signal you could alert on, a mitigation that names a fallback path of the matrix
(by id — the taxonomy stands alone), a runbook entry and an owner.
"""),
("code", "design.taxonomy"),
("md", """
## 2 · Latency-budget matrix
Paths are listed in chain order. `coverage_pct` is the share of the requests *reaching* a path
that it answers (a cache's hit rate), so the share of all traffic each path serves is derived.
`budget()` holds the chain against the SLO: the deadline left at each path, whether each
timeout fits it, the worst-case chain latency, the retry share against the retry budget and the
blended cost per 1M calls. These numbers come from the *declared* values; the simulator replaces
them with *simulated* ones.
"""),
("code", "design.matrix"),
("code", """
# NBVAL_CHECK_OUTPUT
budget = design.budget()
for line in budget.summary_lines():
    print(line)
"""),
("md", """
## 3 · Recovery workflow
A UML activity diagram: one initial node, actions, decisions whose guards exclude each other
(one is `[else]`), merges, a fork that raises the failure signal while recovery goes on, a flow
final and an activity final, in swimlanes. Every failure mode of the taxonomy is routed by some
edge (the `/ mode-id` labels). JupyterLab draws it from the `text/vnd.mermaid` output, offline.
"""),
("code", "design.workflow"),
("md", """
## 4 · Post-mortem loop
Cadence, owner and typed action items — and the metrics measured on incidents, as **median and
p90**: one slow detection (INC-4, a stale cache nobody alerted on) drags the mean far above the
median, which a mean alone would hide.
"""),
("code", "design.postmortem"),
("code", """
# NBVAL_CHECK_OUTPUT
m = design.postmortem.measure()
for s in m.metrics:
    print(f"{s.name:20s} median {s.median:7.1f} min   p90 {s.p90:7.1f} min   mean {s.mean:7.1f} min")
"""),
("md", """
## 5 · Bad input gets a clear message
Break the design and the kit names the field path and what it expected — one line per problem.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
broken = design.to_dict()
broken["taxonomy"]["modes"][0]["mitigation"]["path"] = "gpu-cluster"
broken["workflow"]["edges"][2]["handles"] = []   # the breaker edge no longer routes the outage
try:
    fk.Design.from_dict(broken, filename="my_design.yaml")
except fk.DesignError as err:
    print(err)
"""),
("md", """
## 6 · Six products, six constraints
The same four artifacts, for products whose constraints pull the design in different
directions. Each is a complete reference design; set `scenario` in the parameters cell (or
`fallbackkit run NOTEBOOK --scenario NAME`) to run any notebook on it. Every number below is
computed from the scenario's file.
"""),
("code", """
# NBVAL_CHECK_OUTPUT
print(scenarios.catalog_text())
"""),
("md", """
## 7 · The three-day plan
Day 1: failure taxonomy (`01_day1_failure_taxonomy`) and latency-budget matrix
(`02_day1_latency_budget_matrix`). Day 2: recovery workflow (`03_day2_recovery_workflow`).
Day 3: post-mortem loop, polish and critique (`04_day3_postmortem_loop_and_critique`).
Each day has an exercise in `exercises/` (graded by `fallbackkit exercises check NOTEBOOK`),
and `ex5_capstone` asks for a full design for a product you have not seen. The tracker
counts artifacts completed per day, which is how progress is measured:
"""),
("code", """
# NBVAL_CHECK_OUTPUT
print(cadence.track(design, day=3).to_text())
"""),
("md", """
## Next
- `fallbackkit new "My product"` writes your own design file from this example;
  `fallbackkit validate my_product.yaml` checks it.
- Each artifact saves on its own: `design.taxonomy.save("taxonomy.yaml")`.
- `fallbackkit run-all --scenarios all --out runs/` runs every guided notebook on every scenario
  and writes `runs/summary.csv` and `runs/summary.html`.
"""),
]
write(notebook(cells, tags={1: ["parameters"]}), "notebooks/00_start_here.ipynb")
