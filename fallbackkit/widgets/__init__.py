"""Interactive views of every artifact, for JupyterLab (ipywidgets 8).

Each widget is a thin view over the core model: it edits a :class:`~fallbackkit.Design`,
asks the core what follows (``design.problems()``, ``design.budget()``,
``postmortem.measure()``), and shows it. Every widget also prints a useful text form,
so papermill and nbval runs (no browser attached) still show the numbers::

    from fallbackkit.widgets import MatrixExplorer
    MatrixExplorer(fk.default_design())

Importing this package loads no widget library; a widget's module (and ipywidgets)
loads the first time the widget's name is used.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> module under fallbackkit.widgets. One module per widget; a new widget
#: adds one line here.
WIDGETS: dict[str, str] = {
    "TaxonomyEditor": "taxonomy_editor",
    "MatrixExplorer": "matrix_explorer",
    "WorkflowBuilder": "workflow_builder",
    "PostmortemDashboard": "postmortem_dashboard",
    "CadenceTracker": "cadence_tracker",
    "InterviewWidget": "interview",
    "GuidedStart": "guided_start",
}

__all__ = sorted(WIDGETS)


def __getattr__(name: str) -> Any:
    module = WIDGETS.get(name)
    if module is None:
        raise AttributeError(f"module 'fallbackkit.widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(WIDGETS))
