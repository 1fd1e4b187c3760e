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
from .problems import DesignError, Problem
from .taxonomy import Category, DetectionSignal, FailureMode, FailureTaxonomy, Severity
from .workflow import Edge, Node, RecoveryWorkflow

__version__ = "0.1.0"

__all__ = [
    "SLO", "ProductContext", "Traffic", "Design", "default_design", "default_design_path", "load",
    "Budget", "FallbackPath", "LatencyBudgetMatrix", "LatencySpec", "PathKind",
    "ActionItem", "IncidentRecord", "PostMortemLoop", "DesignError", "Problem",
    "Category", "DetectionSignal", "FailureMode", "FailureTaxonomy", "Severity",
    "Edge", "Node", "RecoveryWorkflow",
]
