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
# # Widgets playground: shape each artifact by hand, see the consequences at once
#
# Every widget here is a thin view over the design: it edits the model, asks the core what
# follows (`problems()`, `budget()`, `measure()`), and shows the answer. Run the notebook top to
# bottom, then play:
#
# | widget | what to try |
# |---|---|
# | `TaxonomyEditor` | raise a failure mode's severity and save; then blank its runbook steps and watch the save refused |
# | `MatrixExplorer` | push the primary timeout from 85 ms to 100 ms: the worst-case chain breaks the 150 ms SLO |
# | `WorkflowBuilder` | delete the `[else]` flow out of `check`: five failure modes lose their route |
# | `PostmortemDashboard` | log an incident detected after an hour and watch the p90 time-to-detect move |
# | `CadenceTracker` | which artifacts are done, per day of the three-day plan |
#
# The widgets edit **your** file when `design` names it (saves land in it, comments kept), else a
# copy of the worked example in a temporary folder.
# Without a browser (papermill, nbval) each widget prints its numbers as text instead.

# %% id="c01" tags=["parameters"]
# Parameters: `fallbackkit run NOTEBOOK --design my_product.yaml` (or `--scenario X`, `-p name=value`).
design: str | None = None               # YOUR design file: the widgets edit it; None: a copy of the scenario
scenario = "support-chat"               # a bundled scenario (support-chat is the worked example)
seed = 7                                # seed of the explorer's simulation
n_requests = 20000                      # requests the explorer simulates on every change
slo_threshold_ms: float | None = None   # override the scenario's SLO threshold (ms)
slo_percentile: float | None = None     # override the scenario's SLO percentile
plan_start = None                       # e.g. "2026-11-24": the first day of your three-day plan

# %% id="c02"
import datetime as dt
import os
import tempfile

import fallbackkit as fk
from fallbackkit import scenarios
from fallbackkit.widgets import CadenceTracker, MatrixExplorer, PostmortemDashboard, TaxonomyEditor, WorkflowBuilder

# FALLBACKKIT_PLAYGROUND_FILE lets a test point the widgets at a file it watches.
design_file = design or os.environ.get("FALLBACKKIT_PLAYGROUND_FILE") or os.path.join(
    tempfile.mkdtemp(prefix="fallbackkit-"), "design.yaml")
if not os.path.exists(design_file):
    scenarios.load(scenario, slo_threshold_ms=slo_threshold_ms, slo_percentile=slo_percentile).save(design_file)
print("editing", design_file)

# %% [markdown] id="c03"
# ## 1 · Failure taxonomy — `TaxonomyEditor`
# Pick **edit**, **add** or **delete**. The form is checked as you type: a problem appears under
# the field it concerns. *Save* asks the model first; an edit it refuses leaves the file exactly as
# it was. A saved edit is in the file, so it survives a kernel restart. A new failure mode must be
# routed by some workflow edge (the workflow routes every mode), so *add* asks which one.

# %% id="c04"
editor = TaxonomyEditor(design_file)
editor

# %% [markdown] id="c05"
# ## 2 · Latency-budget matrix — `MatrixExplorer`
# One row per path, in chain order: its p99 latency, its timeout, its coverage (hit rate of the
# requests that reach it) and its cost per 1M calls. Each change re-evaluates the design twice:
# the **declared** budget arithmetic (each path's worst case against the deadline left) and a
# seeded **simulation** of 50,000 requests (SLO attainment, p99.9, cost). The headline is the
# simulated SLO verdict; the declared one sits under it, and the two charts show both.
# *Save matrix* writes the explored numbers into the design file.

# %% id="c06"
explorer = MatrixExplorer(design_file, n_requests=n_requests, seed=seed)
explorer

# %% [markdown] id="c07"
# The same numbers without the sliders, for the first path that has a timeout: its timeout as
# written, then 20% and 40% longer. Declared arithmetic is a worst case: it can call a longer
# timeout over budget while the simulation, which knows how rarely a request pays every timeout
# in the chain, still meets the SLO.

# %% id="c08" tags=["nbval-check-output"]
from fallbackkit.widgets.edits import with_path_value
from fallbackkit.widgets.matrix_explorer import evaluate

base = scenarios.open_design(design_file)
timed = next((p for p in base.matrix.paths if p.timeout_ms), None) if base.matrix else None
for factor in (1.0, 1.2, 1.4) if timed else ():
    timeout = round(timed.timeout_ms * factor)
    ev = evaluate(with_path_value(base, timed.id, "timeout_ms", timeout))
    print(f"{timed.id} timeout {timeout:,} ms")
    print(f"  declared:  {ev.declared_verdict}")
    print(f"  {ev.verdict}")
if timed is None:
    print("no path has a timeout yet: the matrix (Day 1) gives each model path one")

# %% [markdown] id="c09"
# ## 3 · Recovery workflow — `WorkflowBuilder`
# Select a node or a flow to load it into the form; add, update or delete. The UML activity
# diagram re-renders after each change, and the rules are checked: one initial node, guards on
# every flow out of a decision with exactly one `[else]`, every node reachable, every failure mode
# routed. *Save* writes the file only when every rule holds.

# %% id="c10"
builder = WorkflowBuilder(design_file)
builder

# %% [markdown] id="c11"
# ## 4 · Post-mortem loop — `PostmortemDashboard`
# The incident log in; the loop's metrics out, as median and p90 against their targets, with the
# trend of each metric across incidents.

# %% id="c12"
dashboard = PostmortemDashboard(design_file)
dashboard

# %% [markdown] id="c13"
# ## 5 · Three-day cadence — `CadenceTracker`
# Day 1 taxonomy and matrix, Day 2 workflow, Day 3 post-mortem loop. An artifact is done when the
# model finds no problem in it. *Re-check* re-reads the design file after you edit it above.

# %% id="c14"
tracker = CadenceTracker(design_file, start=dt.date.fromisoformat(plan_start) if plan_start else None)
tracker

# %% id="c15" tags=["nbval-check-output"]
print(CadenceTracker(design_file, start=dt.date(2026, 11, 24), today=dt.date(2026, 11, 25)).to_text())
