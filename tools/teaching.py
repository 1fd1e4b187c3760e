"""Cells shared by the guided notebooks and the solution notebooks (used by the make_* tools)."""

PARAMS = '''
# Parameters: papermill overrides these (`fallbackkit run NOTEBOOK --scenario X -p name=value`).
scenario = "{scenario}"               # a bundled scenario: `fallbackkit scenarios` lists them
seed = 7                                # seed of every sampled number
n_requests = 20000                      # requests sampled where the notebook samples
slo_threshold_ms: float | None = None   # override the scenario's SLO threshold (ms)
slo_percentile: float | None = None     # override the scenario's SLO percentile
'''


def params(scenario: str, extra: str = "") -> str:
    return PARAMS.format(scenario=scenario) + extra


SETUP = '''
import fallbackkit as fk
from fallbackkit import cadence, scenarios
from fallbackkit.runner import record

design = scenarios.load(scenario, slo_threshold_ms=slo_threshold_ms, slo_percentile=slo_percentile)
design.context
'''
