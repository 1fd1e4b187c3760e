"""The recovery workflow as a diagram: Mermaid text and a standalone SVG, side by side.

Both read the workflow's graph API and share the label helpers in :mod:`.labels`. The SVG
lays rows out in ``RecoveryWorkflow.topological_order()`` and draws its ``back_edges()`` as
loops; the Mermaid text lists nodes and flows in file order, because Mermaid lays the graph out
itself (and a file-order listing keeps the text diffable)::

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
