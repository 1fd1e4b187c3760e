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
# # Start here: the fallback system of an LLM product, defended with numbers
#
# A **fallback system** is the safety net that takes over when the primary model breaks one of
# its limits — it is too slow, not confident enough, or says something it must not. In a
# Staff-level interview you are judged on three things:
#
# 1. **SLA alignment** — is every path held against the product's SLO, stated the SRE way
#    ("99.9% of requests in < 150 ms, measured at the gateway, over 28 days")?
# 2. **Measurable trade-offs** — does every choice come with a number ("the cache answers 70% of
#    fallback traffic at 30 ms"), never "improves reliability"?
# 3. **An operational loop** — who learns from incidents, how often, measured how?
#
# You answer with **four standalone artifacts**, each reviewable by a different team:
#
# | artifact | reviewer | this kit's object |
# |---|---|---|
# | Failure taxonomy | incident response | `design.taxonomy` |
# | Latency-budget matrix | SRE, product | `design.matrix`, `design.budget()` |
# | Recovery workflow (UML activity diagram) | gateway / platform team | `design.workflow` |
# | Post-mortem loop | SRE lead | `design.postmortem` |
#
# **Three-day cadence:** Day 1 taxonomy and matrix · Day 2 workflow · Day 3 post-mortem loop, polish, critique.
#
# **Bring your own product.** Every notebook runs on *your* design file: set `design` in the
# parameters cell below (or `fallbackkit run NOTEBOOK --design my_product.yaml`). Left at `None`,
# the notebooks tour the bundled worked example. Every number is *computed* from the design file.

# %% id="c01" tags=["parameters"]
# Parameters: `fallbackkit run NOTEBOOK --design my_product.yaml` (or `--scenario X`, `-p name=value`).
design: str | None = None               # a path to YOUR design YAML; None: the bundled scenario below
scenario = "support-chat"               # a bundled scenario (support-chat is the worked example)
seed = 7                                # seed of every sampled number
n_requests = 20000                      # requests sampled where a notebook samples
slo_threshold_ms: float | None = None   # override the scenario's SLO threshold (ms)
slo_percentile: float | None = None     # override the scenario's SLO percentile

# %% [markdown] id="guided-start-intro"
# ## 0 · Guided start: your product, your file
# Fill the form and press **Write**: it asks what the product is, its traffic, its SLO, its cost
# ceiling and its providers, and writes a starter design (the same file as
# `fallbackkit new --interactive` in a terminal). A number left at zero is reported as
# *not yet written*, never as wrong. Then set `design = "my_design.yaml"` in the parameters cell
# of each notebook (here too, before you press Write, to name the file) and run it again.

# %% id="guided-start"
from fallbackkit.widgets import GuidedStart

GuidedStart(design or "my_design.yaml")   # writes the file `design` names (never overwrites one)

# %% id="c02"
import fallbackkit as fk
from fallbackkit import scenarios, teaching

design = scenarios.open_design(design, scenario, slo_threshold_ms=slo_threshold_ms, slo_percentile=slo_percentile)
teaching.part(design, "context")

# %% [markdown] id="c03"
# ## 1 · Failure taxonomy
# At least five failure modes. Each has a severity **defined by metrics** (what makes a P0 a P0),
# a detection signal you could alert on, a mitigation that names a fallback path of the matrix
# (by id — the taxonomy stands alone), a runbook entry and an owner.

# %% id="c04"
teaching.part(design, "taxonomy")

# %% [markdown] id="c05"
# ## 2 · Latency-budget matrix
# Paths are listed in chain order. `coverage_pct` is the share of the requests *reaching* a path
# that it answers (a cache's hit rate), so the share of all traffic each path serves is derived.
# `budget()` holds the chain against the SLO: the deadline left at each path, whether each
# timeout fits it, the worst-case chain latency, the retry share against the retry budget and the
# blended cost per 1M calls. These numbers come from the *declared* values; the simulator replaces
# them with *simulated* ones.

# %% id="c06"
teaching.part(design, "matrix")

# %% id="c07" tags=["nbval-check-output"]
print(teaching.budget_lines(design).to_text())

# %% [markdown] id="c08"
# ## 3 · Recovery workflow
# A UML activity diagram: one initial node, actions, decisions whose guards exclude each other
# (one is `[else]`), merges, a fork that raises the failure signal while recovery goes on, a flow
# final and an activity final, in swimlanes. Every failure mode of the taxonomy is routed by some
# edge (the `/ mode-id` labels). JupyterLab draws it from the `text/vnd.mermaid` output, offline.

# %% id="c09"
teaching.part(design, "workflow")

# %% [markdown] id="c10"
# ## 4 · Post-mortem loop
# Cadence, owner and typed action items — and the metrics measured on incidents, as **median and
# p90**: one slow detection drags the mean far above the median, which a mean alone would hide.
# No incidents yet is normal before launch: the kit then shows the bundled public incident
# history of LLM providers as the baseline to hold your targets against.

# %% id="c11"
teaching.part(design, "postmortem")

# %% id="c12" tags=["nbval-check-output"]
print(teaching.loop_metrics(design).to_text())

# %% [markdown] id="c13"
# ## 5 · Bad input gets a clear message
# Break the design and the kit names the field path and what it expected — one line per problem.

# %% id="c14" tags=["nbval-check-output"]
print(teaching.broken_example(design))   # the first failure mode now names a path that does not exist

# %% [markdown] id="c15"
# ## 6 · Six products, six constraints
# The same four artifacts, for products whose constraints pull the design in different
# directions. Each is a complete reference design; set `scenario` in the parameters cell (or
# `fallbackkit run NOTEBOOK --scenario NAME`) to run any notebook on it. Every number below is
# computed from the scenario's file.

# %% id="c16"
teaching.scenario_library(design)

# %% [markdown] id="c17"
# ## 7 · The three-day plan
# Day 1: failure taxonomy (`01_day1_failure_taxonomy`) and latency-budget matrix
# (`02_day1_latency_budget_matrix`). Day 2: recovery workflow (`03_day2_recovery_workflow`).
# Day 3: post-mortem loop, polish and critique (`04_day3_postmortem_loop_and_critique`).
# Each day has an exercise in `exercises/` (graded by `fallbackkit exercises check NOTEBOOK`),
# and `ex5_capstone` asks for a full design for a product you have not seen. The tracker
# counts artifacts completed per day, which is how progress is measured:

# %% id="c18" tags=["nbval-check-output"]
print(teaching.progress(design, day=3).to_text())
print(teaching.next_day(design))

# %% [markdown] id="c19"
# ## Next
# - `fallbackkit new "My product"` writes a starter file (`--interactive` asks the questions,
#   `--from SCENARIO` copies a bundled design to rework); `fallbackkit validate my_product.yaml`
#   checks what is written and lists what is not yet, by day.
# - Each artifact saves on its own: `design.taxonomy.save("taxonomy.yaml")`.
# - `fallbackkit run-all --designs my_product.yaml --out runs/` runs every guided notebook on your
#   design (`--scenarios all` on every bundled one) and writes `runs/summary.csv` and `.html`.
# - Day 3: `06_day3_defend_your_design` critiques, simulates, compares a variant, exports and
#   rehearses — on your file.
