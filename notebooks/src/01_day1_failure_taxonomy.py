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
# # Day 1 · The failure taxonomy
#
# **Cadence:** Day 1 — taxonomy and latency-budget matrix · Day 2 — recovery workflow ·
# Day 3 — post-mortem loop, polish, critique. This notebook is the first half of Day 1.
#
# ## Why the committee cares
# The taxonomy is the page an incident responder opens at 3 a.m. A committee reads it for
# three things:
#
# 1. **Is every failure mode tied to the SLA?** A severity is defined by a metric ("SLO attainment
#    < 99% over 10 min"), not by an adjective ("very bad").
# 2. **Is every mode actionable?** A detection signal you could alert on, a mitigation that names
#    a fallback path of the matrix, a runbook entry and an owner.
# 3. **Is it sized?** How many requests a day each mode hits — the number that tells you which
#    mitigation matters most.
#
# Change `scenario` in the parameters cell to study another product (`fallbackkit scenarios`
# lists them); the prose stays true, the numbers follow the scenario.

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
design.require("context", "taxonomy")   # what this day needs; a part still to write is named with its day
design.context

# %% [markdown] id="c03"
# ## Build it with the kit
# A taxonomy is data: severity levels, then at least five modes. It renders as a table, has a
# pandas view, and validates on its own. Here is the scenario's reference taxonomy.

# %% id="c04"
design.taxonomy

# %% [markdown] id="c05"
# Every severity level is a **criterion with a number** and a **response with a clock**:

# %% id="c06"
for level, d in sorted(design.taxonomy.severity_levels.items()):
    print(f"{level}: {d.criterion}\n    -> {d.response}")

# %% [markdown] id="c07"
# Writing a mode in code is the same as writing it in YAML: a validated model, so a typo is a
# message, not a silent default.

# %% id="c08"
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

# %% [markdown] id="c09"
# ## Worked example: size every mode
# `occurrence` is the share of requests a mode hits; multiplied by the traffic it becomes the
# number a committee remembers. Sorted, it tells you where the fallback chain earns its keep.

# %% id="c10" tags=["nbval-check-output"]
per_day = design.context.traffic.requests_per_day
sized = sorted(design.taxonomy.modes, key=lambda m: -m.occurrence)
for m in sized:
    print(f"{m.id:22s} {m.severity}  {m.occurrence:>7.2%}  {m.occurrence * per_day:>9,.0f} requests/day  -> {m.mitigation.path}")

# %% [markdown] id="c11"
# ## Classic mistakes, side by side with the better version
#
# ### 1 · A severity without a number
# "P0: very bad" cannot page anyone: nobody can tell whether it is happening. The better version
# names a metric, a threshold and a window. A quick check: does every criterion contain a number?

# %% id="c12" tags=["nbval-check-output"]
import re

vague = {"P0": "the product is down", "P1": "major degradation", "P2": "minor issue", "P3": "cosmetic"}
better = {k: v.criterion for k, v in sorted(design.taxonomy.severity_levels.items())}

def has_number(text):
    return bool(re.search(r"\d", text))

for level in ["P0", "P1", "P2", "P3"]:
    print(f"{level}  has a number?  vague {vague[level]!r}: {has_number(vague[level])}  |  metric-defined: {has_number(better[level])}")

# %% [markdown] id="c13"
# The kit's critique runs the same check the way a committee would, and says **where** and
# **how to fix it**: each finding names the field path, why it fails, and a concrete fix.
# (`check=False` lets the critique read a design that validation would refuse.)

# %% id="c14" tags=["nbval-check-output"]
print(teaching.severity_rigour(design, vague).to_text())

# %% [markdown] id="c15"
# ### 2 · "The fallback improves reliability" vs a number
# The unquantified claim says nothing a committee can check. The better version is computed
# from the taxonomy and the traffic:

# %% id="c16"
top = sized[0]
claim_vague = "Our fallback improves reliability."
claim_better = (f"{top.name} hits {top.occurrence:.1%} of requests — {top.occurrence * per_day:,.0f} a day; "
                f"every one is answered by the {top.mitigation.path!r} path instead of failing.")
print("vague: ", claim_vague)
print("better:", claim_better)

# %% [markdown] id="c17"
# ### 3 · One monolithic document vs a standalone artifact
# A ten-page document mixing taxonomy, budget and diagrams hides the signal, and the incident
# team must read all of it to find its part. The taxonomy saves, loads and validates **on its
# own**; it names fallback paths by id only.

# %% id="c18" tags=["nbval-check-output"]
import tempfile, pathlib

tmp = pathlib.Path(tempfile.mkdtemp())
design.save(tmp / "design.yaml")
design.taxonomy.save(tmp / "taxonomy.yaml")
alone = fk.FailureTaxonomy.load(tmp / "taxonomy.yaml")
lines = lambda p: len(p.read_text().splitlines())
print(f"whole design: {lines(tmp / 'design.yaml')} lines; taxonomy alone: {lines(tmp / 'taxonomy.yaml')} lines, "
      f"{len(alone.modes)} modes, valid: {alone.is_valid}")

# %% [markdown] id="c19"
# ### 4 · A mitigation that points nowhere
# A mode whose mitigation names a path the matrix does not have is a promise nobody keeps. The
# design catches it and says where:

# %% id="c20" tags=["nbval-check-output"]
print(teaching.broken_example(design))   # the first mode's mitigation names a path the matrix lacks

# %% [markdown] id="c21"
# ## Present it aloud (about 60 seconds)
# Say the numbers, in this order: how many modes, what a P0 is, the two largest modes by volume
# and where they go, and who owns the runbooks. The script below is written from the data, so it
# stays true when the design changes.

# %% id="c22"
p0 = design.taxonomy.severity_levels["P0"].criterion
owners = sorted({m.owner for m in design.taxonomy.modes})
print(f"{design.context.name} has {len(design.taxonomy.modes)} failure modes. A P0 means: {p0}.")
for m in sized[:2]:
    print(f"{m.name}: {m.occurrence:.1%} of requests, {m.occurrence * per_day:,.0f} a day, detected when "
          f"{m.detection}, mitigated by the {m.mitigation.path!r} path (runbook {m.runbook.id}).")
print(f"Runbooks are owned by {', '.join(owners)}.")

# %% [markdown] id="c23"
# ## Where you are in the cadence
# The tracker checks each artifact against the bar of its day. After this notebook the taxonomy
# is done; the matrix is the other half of Day 1.

# %% id="c24" tags=["nbval-check-output"]
progress = cadence.track(taxonomy=design.taxonomy, day=1)
print(progress.to_text())

# %% id="c25" tags=["fallbackkit-record"]
from fallbackkit.runner import record  # key results for `fallbackkit run-all` (not part of the lesson)
record(modes=len(design.taxonomy.modes), top_mode=top.id,
       top_mode_requests_per_day=round(top.occurrence * per_day), taxonomy_valid=design.taxonomy.is_valid)

# %% [markdown] id="c26"
# **Next:** `02_day1_latency_budget_matrix.ipynb`. Exercise: `exercises/ex1_failure_taxonomy.ipynb`
# (grade it with `fallbackkit exercises check exercises/ex1_failure_taxonomy.ipynb`).
