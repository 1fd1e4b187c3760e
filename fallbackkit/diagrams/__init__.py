"""The recovery workflow as a diagram: Mermaid text and a standalone SVG, side by side.

Both writers read the workflow through its walks (``RecoveryWorkflow.topological_order``,
``back_edges``, ``outgoing``) and share the label helpers in :mod:`.labels`::

    from fallbackkit import diagrams
    diagrams.workflow_mermaid(design.workflow)   # what workflow.to_mermaid() returns
    diagrams.workflow_svg(design)                # what ``fallbackkit export`` writes

This package is presentation: the model (``workflow.py``) reaches it only from inside its
rendering methods, so importing the model never imports a diagram writer.
"""

from .labels import esc, word_lines
from .mermaid import INIT, WRAP, escape, stable_ids, workflow_mermaid, wrap
from .svg import activity_svg, layout, workflow_svg

__all__ = ["INIT", "WRAP", "activity_svg", "esc", "escape", "layout", "stable_ids", "word_lines",
           "workflow_mermaid", "workflow_svg", "wrap"]
