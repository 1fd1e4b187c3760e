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

# %% [markdown] id="intro"
# # Day 3 · Defend your design
#
# Thursday you defend four artifacts about **your** product. This notebook runs the defence on
# your own file, end to end: the critique a committee would write, the simulation behind every
# number you quote, one variant you must be ready to argue against, the deliverables you hand
# over, and a rehearsal of the questions. Set `design` to your file in the parameters cell (or
# `fallbackkit run notebooks/06_day3_defend_your_design.ipynb --design my_product.yaml`).

# %% id="parameters" tags=["parameters"]
# Parameters: `fallbackkit run NOTEBOOK --design my_product.yaml` (or `--scenario X`, `-p name=value`).
design: str | None = None               # a path to YOUR design YAML; None: the bundled scenario below
scenario = "support-chat"               # a bundled scenario: `fallbackkit scenarios` lists them
seed = 7                                # seed of every sampled number
n_requests = 20000                      # requests simulated
export_dir: str | None = None           # where the deliverables go; None: a temporary folder
slo_threshold_ms: float | None = None   # override the SLO threshold (ms)
slo_percentile: float | None = None     # override the SLO percentile

# %% id="setup"
import fallbackkit as fk
from fallbackkit import scenarios, teaching

design = scenarios.open_design(design, scenario, slo_threshold_ms=slo_threshold_ms, slo_percentile=slo_percentile)
design.require()   # Day 3 needs every artifact; a missing one is named with its day
design.context

# %% [markdown] id="simulate-intro"
# ## 1 · The numbers you will quote, simulated
# Declared numbers are what you typed; the simulator draws every request, injects every failure
# mode at its occurrence and routes it, and reports what users see. Quote these.

# %% id="simulate" tags=["nbval-check-output"]
sim = fk.simulate(design, n_requests=n_requests, seed=seed)
print("\n".join(sim.summary_lines()))

# %% [markdown] id="critique-intro"
# ## 2 · The critique a committee would write
# Nine criteria, Very Weak to Very Strong, with the evidence behind each and every finding's
# field and fix. A **blocking** finding is one the committee would reject the design for: fix
# those first, in your YAML, and rerun.

# %% id="critique" tags=["nbval-check-output"]
review = fk.critique(design, sim)
print(review.to_text())

# %% [markdown] id="variant-intro"
# ## 3 · A variant you must be ready to argue against
# "Why not cut the primary sooner?" Run the variant with the same requests and seed and say,
# with numbers, what it buys and what it costs.

# %% id="variant" tags=["nbval-check-output"]
variant, change = teaching.primary_timeout_variant(design, factor=0.8)
print(change)
print(fk.compare(design, variant, labels=("yours", "shorter timeout"), n_requests=n_requests, seed=seed).to_text())

# %% [markdown] id="export-intro"
# ## 4 · The deliverables
# One standalone document per artifact (HTML and Markdown, diagrams drawn offline), each for its
# own reviewer, plus the critique. `fallbackkit export my_product.yaml --out review/` does the same.

# %% id="export"
import tempfile
from fallbackkit.export import export

result = export(design, export_dir or tempfile.mkdtemp(prefix="defence-") + "/review", force=True)
print(f"{len(result.files)} files in {result.out.name}/: " + ", ".join(result.files))

# %% [markdown] id="rehearse-intro"
# ## 5 · Rehearse the questions
# The mock interview asks from your findings first, then your own trade-offs; every hint is
# computed from your file. Answer aloud, with a number in every answer.

# %% id="rehearse" tags=["nbval-check-output"]
interview = fk.MockInterview(design, questions_per_artifact=3)
for q in interview.questions():
    print(f"[{q.artifact}] {q.text}")

# %% [markdown] id="close"
# ## 6 · Close
# Sixty seconds to close: who owns the loop, how it is measured, and what the critique says.

# %% id="pitch"
teaching.loop_pitch(design, review)
