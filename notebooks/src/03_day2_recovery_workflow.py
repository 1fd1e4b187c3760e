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
# # Day 2 · The recovery workflow
#
# ## Why the committee cares
# The workflow is what the gateway team builds. A committee wants a **UML activity diagram**, not
# a sketch of boxes: one initial node, actions, decisions whose guards exclude each other (one of
# them `[else]`), merges, a fork where the failure signal leaves for monitoring while recovery
# goes on, and final nodes — in swimlanes that say who does what. Two checks matter most:
# **every failure mode of the taxonomy is routed** by some edge, and **the order in which a
# request meets the paths is the matrix's chain order** (otherwise the budget describes another
# system).

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
from fallbackkit import cadence, scenarios

design = scenarios.open_design(design, scenario, slo_threshold_ms=slo_threshold_ms, slo_percentile=slo_percentile)
design.require("context", "taxonomy", "matrix", "workflow")   # what this day needs; a part still to write is named with its day
design.context

# %% [markdown] id="c03"
# ## Build it with the kit
# The workflow is nodes and edges; it renders as a diagram in JupyterLab (Mermaid, offline) and
# as text in a terminal.

# %% id="c04"
design.workflow

# %% id="c05"
from collections import Counter
print(design.workflow.to_text())
print(dict(Counter(n.kind for n in design.workflow.nodes)))

# %% [markdown] id="c06"
# ## Worked example: where does each failure mode go?
# For every mode: the guard of the edge that routes it, and the fallback paths a request can reach
# from there, in order. The mode's declared mitigation must be among them.

# %% id="c07" tags=["nbval-check-output"]
for m in design.taxonomy.modes:
    edge = next(e for e in design.workflow.edges if m.id in e.handles)
    reach = design.workflow.paths_after(edge.target)
    print(f"{m.id:22s} [{edge.guard}] -> {' > '.join(reach)}   mitigation {m.mitigation.path!r} reachable: {m.mitigation.path in reach}")

# %% id="c08" tags=["nbval-check-output"]
print("workflow order:", design.workflow.path_order())
print("matrix order:  ", design.matrix.ids)
print("same order:", design.workflow.path_order() == design.matrix.ids)

# %% [markdown] id="c09"
# ## Classic mistakes, side by side with the better version
#
# ### 1 · Boxes and arrows without guards
# A hand sketch has a diamond with two unlabeled arrows. In UML every flow out of a decision has
# a guard, the guards exclude each other, and exactly one is `[else]` so every case is covered:

# %% id="c10" tags=["nbval-check-output"]
sketch = design.workflow.to_dict()
for e in sketch["edges"]:
    if e.get("guard") == "else":
        e["guard"] = None
try:
    fk.RecoveryWorkflow.from_dict(sketch, filename="workflow.yaml")
except fk.DesignError as err:
    print(err)

# %% [markdown] id="c11"
# ### 2 · A failure mode nobody routes
# The taxonomy says a mode exists; if no edge handles it, the gateway has no branch for it.

# %% id="c12" tags=["nbval-check-output"]
dropped = design.taxonomy.modes[-1].id
unrouted = design.to_dict()
for e in unrouted["workflow"]["edges"]:
    e["handles"] = [h for h in e.get("handles", []) if h != dropped]
try:
    fk.Design.from_dict(unrouted, filename="my_design.yaml")
except fk.DesignError as err:
    print(err)

# %% [markdown] id="c13"
# ### 3 · A retry loop with no way out
# "Retry until it works" draws a cycle. The better version bounds it (a decision on retries left
# with an `[else]` exit towards the next fallback); the kit finds loops that never reach a final
# node.

# %% id="c14" tags=["nbval-check-output"]
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

# %% [markdown] id="c15"
# ### 4 · One diagram for everything vs a standalone workflow
# The workflow names paths and failure modes by id only, so the gateway team reviews it alone —
# as a file, or as the Mermaid text any Markdown viewer draws.

# %% id="c16" tags=["nbval-check-output"]
import tempfile, pathlib
tmp = pathlib.Path(tempfile.mkdtemp())
design.workflow.save(tmp / "workflow.yaml")
alone = fk.RecoveryWorkflow.load(tmp / "workflow.yaml")
mermaid = alone.to_mermaid()
print(f"standalone workflow: {len(alone.nodes)} nodes, {len(alone.edges)} flows, "
      f"{len(alone.partitions)} swimlanes, valid: {alone.is_valid}; Mermaid: {len(mermaid.splitlines())} lines")

# %% [markdown] id="c17"
# ## Present it aloud (about 90 seconds)
# Walk one request through the happy path, then one failure through the fallback, naming the
# guard at each decision and the timeout of each action.

# %% id="c18"
labels = {n.id: n.label for n in design.workflow.nodes}
decisions = [n for n in design.workflow.nodes if n.kind == "decision"]
print(f"{len(design.workflow.nodes)} nodes in {len(design.workflow.partitions)} swimlanes; {len(decisions)} decisions:")
for d in decisions:
    guards = [e.guard for e in design.workflow.edges if e.source == d.id]
    print(f"- {d.label} -> " + " | ".join(f"[{g}]" for g in guards))
print("Every one of the", len(design.taxonomy.modes), "failure modes is routed; paths are met in the matrix's order:",
      " > ".join(design.workflow.path_order()))

# %% id="c19" tags=["nbval-check-output"]
print(cadence.track(taxonomy=design.taxonomy, matrix=design.matrix, workflow=design.workflow,
                    context=design.context, day=2).summary())

# %% id="c20" tags=["fallbackkit-record"]
from fallbackkit.runner import record  # key results for `fallbackkit run-all` (not part of the lesson)
record(nodes=len(design.workflow.nodes), decisions=len(decisions),
       modes_routed=sum(m.id in design.workflow.handled_modes for m in design.taxonomy.modes),
       modes=len(design.taxonomy.modes), order_matches_matrix=design.workflow.path_order() == design.matrix.ids)

# %% [markdown] id="c21"
# **Next:** `04_day3_postmortem_loop_and_critique.ipynb`. Exercise: `exercises/ex3_recovery_workflow.ipynb`.
