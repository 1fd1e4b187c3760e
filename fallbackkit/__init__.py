"""fallbackkit: design the fallback system of an LLM product and defend it with numbers.

    import fallbackkit as fk
    design = fk.default_design()   # the template's worked example, all four artifacts
    design.budget()                # the latency-budget arithmetic against the SLO
    design.workflow                # renders as a UML activity diagram in JupyterLab

Heavy view libraries (pandas, altair, ipywidgets) load only when a view needs them.
"""

from .context import SLO, ProductContext, Traffic
from .design import Design, default_design, default_design_path, load
from .matrix import Budget, FallbackPath, LatencyBudgetMatrix, LatencySpec, PathKind
from .postmortem import ActionItem, IncidentRecord, PostMortemLoop
from .problems import DesignError, Problem, locate
from .taxonomy import Category, DetectionSignal, FailureMode, FailureTaxonomy, Severity
from .workflow import Edge, Node, RecoveryWorkflow

__version__ = "0.1.0"

#: analysis entry points loaded on first use, so `import fallbackkit` never imports numpy
_LAZY = {"simulate": ("simulation", "simulate"), "compare": ("simulation", "compare"),
         "SimulationResult": ("simulation", "SimulationResult"), "Outage": ("simulation", "Outage"),
         "replay": ("simulation.replay", "replay"), "ReplayResult": ("simulation", "ReplayResult"),
         "latency": ("latency", None),
         "critique": ("review", "critique"), "Critique": ("review", "Critique"),
         "MockInterview": ("interview", "MockInterview"),
         "sweep": ("grid", "sweep")}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        module, attr = _LAZY[name]
        mod = importlib.import_module(f".{module}", __name__)
        value = mod if attr is None else getattr(mod, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'fallbackkit' has no attribute {name!r}")

__all__ = [
    "SLO", "ProductContext", "Traffic", "Design", "default_design", "default_design_path", "load",
    "Budget", "FallbackPath", "LatencyBudgetMatrix", "LatencySpec", "PathKind",
    "ActionItem", "IncidentRecord", "PostMortemLoop", "DesignError", "Problem", "locate",
    "Category", "DetectionSignal", "FailureMode", "FailureTaxonomy", "Severity",
    "Edge", "Node", "RecoveryWorkflow",
]
