"""TaxonomyEditor: add, edit and delete failure modes; every save is validated by the
model and written atomically to the design file.

    editor = TaxonomyEditor("my_design.yaml")
    editor.select("rate-limited"); editor.set_field("severity", "P1"); editor.save()

An edit the model refuses (a bad id, a missing runbook step, a mode no workflow edge
routes) shows its problems next to the fields and leaves the file as it was.
"""

from __future__ import annotations

import html
import os

import ipywidgets as W

from ..design import Design
from ..problems import DesignError, Problem
from ..taxonomy import Category, Severity
from . import edits
from ._base import (CSS, FkWidget, as_design, error_problems, field_message_widget,
                    message_html, problems_html, stamp)

LABELS = {
    "id": "id", "name": "name", "category": "category", "severity": "severity",
    "occurrence": "occurrence (0–1)", "detectability": "detectability (1–10)", "trigger": "trigger",
    "detection.metric": "detect: metric", "detection.comparator": "detect: comparator",
    "detection.threshold": "detect: threshold", "detection.unit": "detect: unit",
    "detection.window": "detect: window", "user_effect": "user effect",
    "mitigation.path": "mitigation path", "mitigation.note": "mitigation note",
    "runbook.id": "runbook id", "runbook.title": "runbook title",
    "runbook.steps": "runbook steps (one per line)", "owner": "owner",
}
MODES = ("edit", "add", "delete")


class TaxonomyEditor(FkWidget):
    """Edit the failure taxonomy of a design file, one failure mode at a time."""

    css_class = "fbk-taxonomy-editor"

    def __init__(self, design: Design | str | os.PathLike | None = None, path: str | os.PathLike | None = None):
        super().__init__()
        self.design, self.path = as_design(design, path)
        self._filling = False
        self.last_problems: list[Problem] = []
        self.saves = 0

        self.mode_picker = W.ToggleButtons(options=MODES, value="edit", description="mode")
        self.mode_picker.add_class("fbk-mode-picker")
        self.selector = W.Dropdown(description="failure mode", layout=W.Layout(width="420px"))
        self.selector.add_class("fbk-mode-select")
        self.route = W.Dropdown(description="routed by", layout=W.Layout(width="420px"),
                                tooltip="the workflow edge that routes a new failure mode")
        self.fields: dict[str, W.Widget] = {}
        self.field_msgs: dict[str, W.HTML] = {}
        rows = []
        for key in edits.MODE_FIELDS:
            w = self._make_input(key)
            w.add_class("fbk-field-" + key.replace(".", "-").replace("_", "-"))
            self.fields[key] = w
            self.field_msgs[key] = field_message_widget()
            rows.append(W.VBox([w, self.field_msgs[key]], layout=W.Layout(margin="0")))
        self.form = W.GridBox(rows, layout=W.Layout(grid_template_columns="repeat(2, 430px)", grid_gap="0 12px"))
        self.action = W.Button(description="Save changes", button_style="primary", icon="save")
        self.action.add_class("fbk-save")
        self.message = W.HTML("")
        self.message.add_class("fbk-message")
        self.table = W.HTML("")
        self.table.add_class("fbk-table")
        where = f"saves to <code>{self.path}</code>" if self.path else "no file: edits stay in memory"
        self.children = [W.HTML(CSS + f"<b>Failure taxonomy editor</b> — {where}"),
                         self.mode_picker, self.selector, self.route, self.form,
                         self.action, self.message, self.table]

        self.mode_picker.observe(self._on_mode, "value")
        self.selector.observe(self._on_select, "value")
        for w in self.fields.values():
            w.observe(self._on_field, "value")
        self.action.on_click(lambda _b: self.save())
        self._refresh_lists()
        self._on_mode()

    # -- building -------------------------------------------------------------------------
    def _make_input(self, key: str) -> W.Widget:
        label, style, layout = LABELS[key], {"description_width": "150px"}, W.Layout(width="420px")
        if key == "category":
            return W.Dropdown(options=[c.value for c in Category], description=label, style=style, layout=layout)
        if key == "severity":
            return W.Dropdown(options=[s.value for s in Severity], description=label, style=style, layout=layout)
        if key == "mitigation.path":
            return W.Dropdown(options=self.design.matrix.ids, description=label, style=style, layout=layout)
        if key in ("occurrence", "detection.threshold"):
            return W.FloatText(description=label, style=style, layout=layout)
        if key == "detectability":
            return W.IntText(description=label, style=style, layout=layout)
        if key == "runbook.steps":
            return W.Textarea(description=label, style=style, layout=W.Layout(width="420px", height="70px"))
        return W.Text(description=label, style=style, layout=layout, continuous_update=False)

    def _refresh_lists(self) -> None:
        keep = self.selector.value
        self._filling = True
        try:
            self.selector.options = [(f"{m.id} · {m.severity} · {m.name}", m.id) for m in self.design.taxonomy.modes]
            ids = self.design.taxonomy.ids
            # ipywidgets 8 leaves a Dropdown empty when its options change; keep a mode picked
            self.selector.value = keep if keep in ids else (ids[0] if ids else None)
            self.fields["mitigation.path"].options = self.design.matrix.ids
            self.route.options = [(label, i) for i, label in edits.routing_edges(self.design)]
        finally:
            self._filling = False
        self.table.value = self.design.taxonomy.to_html()

    def _fill(self, data: dict) -> None:
        self._filling = True
        try:
            for key, value in edits.mode_form(data).items():
                w = self.fields[key]
                if isinstance(w, W.Dropdown) and value not in [o if not isinstance(o, tuple) else o[1] for o in w.options]:
                    continue
                if isinstance(w, (W.IntText, W.FloatText)) and value == "":
                    continue
                w.value = value
        finally:
            self._filling = False
        for m in self.field_msgs.values():
            m.value = ""

    # -- events --------------------------------------------------------------------------
    def _on_mode(self, *_):
        mode = self.mode_picker.value
        self.selector.layout.display = "none" if mode == "add" else None
        self.route.layout.display = None if mode == "add" else "none"
        self.action.description = {"edit": "Save changes", "add": "Add failure mode", "delete": "Delete failure mode"}[mode]
        self.action.button_style = "danger" if mode == "delete" else "primary"
        for w in self.fields.values():
            w.disabled = mode == "delete"
        if mode == "add":
            tpl = edits.new_mode_template(self.design)
            self._fill(tpl)
            route = edits.default_route(self.design, tpl["mitigation"]["path"])
            if route is not None:
                self.route.value = route
        else:
            self._on_select()
        self.message.value = ""

    def _on_select(self, *_):
        if self._filling or self.mode_picker.value == "add" or self.selector.value is None:
            return
        self._fill(self.design.taxonomy.mode(self.selector.value).model_dump(mode="json"))

    def _on_field(self, change):
        if self._filling or self.mode_picker.value == "delete":
            return
        self.validate()

    # -- the API the buttons use (and tests, and notebooks) -------------------------------
    def select(self, mode_id: str, mode: str = "edit") -> "TaxonomyEditor":
        self.mode_picker.value = mode
        if mode != "add":
            self.selector.value = mode_id
        return self

    def set_field(self, key: str, value) -> "TaxonomyEditor":
        self.fields[key].value = value
        return self

    def form_values(self) -> dict:
        return {k: w.value for k, w in self.fields.items()}

    def _candidate(self, design: Design) -> Design:
        mode = self.mode_picker.value
        if mode != "add" and self.selector.value is None:
            raise DesignError([Problem("taxonomy.modes", "no failure mode picked; pick one in the list")])
        if mode == "delete":
            return edits.delete_mode(design, self.selector.value, self.path)
        if mode == "add":
            return edits.upsert_mode(design, edits.mode_data(self.form_values()), None, self.route.value, self.path)
        base = design.taxonomy.mode(self.selector.value).model_dump(mode="json", exclude_defaults=True)
        return edits.upsert_mode(design, edits.mode_data(self.form_values(), base), self.selector.value, None, self.path)

    def _edit(self, design: Design) -> Design:
        try:
            return self._candidate(design)
        except (KeyError, ValueError) as exc:
            if isinstance(exc, DesignError):
                self._show(exc.problems)
                raise
            raise DesignError(error_problems(exc)) from None

    def validate(self) -> list[Problem]:
        """Problems the current form would cause, shown next to their fields."""
        try:
            self._candidate(self.design)
            probs: list[Problem] = []
        except DesignError as exc:
            probs = exc.problems
        except (KeyError, ValueError) as exc:
            probs = error_problems(exc)
        self._show(probs)
        return probs

    def _show(self, probs: list[Problem]) -> None:
        self.last_problems = probs
        index = self._mode_index()
        prefix = f"taxonomy.modes[{index}]." if index is not None else None
        loose, by_field = [], {}
        for p in probs:
            key = p.path[len(prefix):] if prefix and p.path.startswith(prefix) else None
            key = _field_key(key)
            if key:
                by_field.setdefault(key, []).append(p.message)
            else:
                loose.append(p)
        for k, m in self.field_msgs.items():
            m.value = "<br>".join(html.escape(x) for x in by_field.get(k, []))
        shown = loose + [Problem(f"{k}", "; ".join(v)) for k, v in by_field.items()]
        self.message.value = problems_html(shown) if probs else ""

    def _mode_index(self) -> int | None:
        mode = self.mode_picker.value
        if mode == "add":
            return len(self.design.taxonomy.modes)
        try:
            return self.design.taxonomy.ids.index(self.selector.value)
        except ValueError:
            return None

    def save(self) -> bool:
        """Apply the form (edit, add or delete) and save it through the one save.

        Returns False, with the problems shown, when the model refuses the edit; the
        file is then untouched. The edit is applied, under the file's lock, to the design
        as it is on disk at that moment (another editor's or a text editor's changes
        included), validated whole, and only what it changes is written.
        """
        what = self.mode_picker.value
        subject = self.selector.value if what != "add" else self.fields["id"].value
        if self.path:
            new = self._save_with(lambda: Design.edit_file(self.path, self._edit, start=self.design))
        else:
            new = self._save_with(lambda: self._edit(self.design))
        if new is None:
            return False
        self.design = new
        self.saves += 1
        verb = {"edit": "saved", "add": "added", "delete": "deleted"}[what]
        self._refresh_lists()
        if what == "delete":
            self.mode_picker.value = "edit"
        elif what == "add":
            self.mode_picker.value = "edit"
            self.selector.value = subject
        self._show([])
        target = f" to {self.path}" if self.path else " (in memory)"
        self.message.value = message_html(f"{stamp()} {verb} {subject!r}{target}", "ok")
        return True

    def to_text(self) -> str:
        where = self.path or "(in memory)"
        lines = [f"TaxonomyEditor — {where}", self.design.taxonomy.to_text()]
        if self.last_problems:
            lines += ["", "Problems in the current edit:"] + [f"  {p.path}: {p.message}" for p in self.last_problems]
        return "\n".join(lines)


def _field_key(suffix: str | None) -> str | None:
    if not suffix:
        return None
    parts = suffix.split(".")
    for n in (2, 1):
        key = ".".join(parts[:n])
        key = key.split("[")[0]
        if key in LABELS:
            return key
    return None
