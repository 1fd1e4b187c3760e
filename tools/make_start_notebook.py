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
# Parameters (papermill can override these).
design_path = None  # None: the bundled worked example; or a path to your design YAML
"""),
("code", """
import fallbackkit as fk

design = fk.load(design_path) if design_path else fk.default_design()
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
## Next
- `fallbackkit new "My product"` writes your own design file from this example;
  `fallbackkit validate my_product.yaml` checks it.
- Each artifact saves on its own: `design.taxonomy.save("taxonomy.yaml")`.
"""),
]
write(notebook(cells, tags={1: ["parameters"]}), "notebooks/00_start_here.ipynb")
