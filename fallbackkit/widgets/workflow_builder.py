"""WorkflowBuilder: edit the recovery workflow's nodes and guarded flows; the UML
activity diagram re-renders and the rules are checked on every change.

    WorkflowBuilder(design)               # edits in memory
    WorkflowBuilder("my_design.yaml")     # 'Save' writes the file (only when valid)

A graph under construction breaks rules (a new node is unreachable until a flow leads
to it), so rule problems are shown, not refused; a field the model cannot hold (an id
with spaces) is refused. The diagram is Mermaid text that JupyterLab ≥ 4.1 renders
itself, offline.
"""

from __future__ import annotations

import html
import os

import ipywidgets as W

from ..design import Design
from ..problems import DesignError, Problem
from ..workflow import NodeKind, RecoveryWorkflow
from . import edits
from ._base import (CSS, FkWidget, as_design, error_problems, mermaid_output, message_html,
                    problems_html, stamp)

NONE = "(none)"


class WorkflowBuilder(FkWidget):
    css_class = "fbk-workflow-builder"

    def __init__(self, design: Design | str | os.PathLike | None = None, path: str | os.PathLike | None = None):
        super().__init__()
        self.design, self.path = as_design(design, path)
        self.workflow: RecoveryWorkflow = self.design.workflow
        self.problems: list[Problem] = []
        self.renders = 0
        st, lay = {"description_width": "70px"}, W.Layout(width="330px")

        # nodes
        self.node_list = W.Select(rows=8, layout=W.Layout(width="330px"))
        self.node_id = W.Text(description="id", style=st, layout=lay)
        self.node_kind = W.Dropdown(options=[k.value for k in NodeKind], description="kind", style=st, layout=lay)
        self.node_label = W.Text(description="label", style=st, layout=lay)
        self.node_partition = W.Dropdown(description="partition", style=st, layout=lay)
        self.node_path = W.Dropdown(description="path", style=st, layout=lay)
        self.node_buttons = [W.Button(description=d, layout=W.Layout(width="105px")) for d in ("Add node", "Update node", "Delete node")]
        # edges
        self.edge_list = W.Select(rows=8, layout=W.Layout(width="420px"))
        self.edge_source = W.Dropdown(description="from", style=st, layout=lay)
        self.edge_target = W.Dropdown(description="to", style=st, layout=lay)
        self.edge_guard = W.Text(description="guard", placeholder="e.g. hit, else", style=st, layout=lay)
        self.edge_handles = W.SelectMultiple(description="handles", rows=4, style=st, layout=lay)
        self.edge_buttons = [W.Button(description=d, layout=W.Layout(width="105px")) for d in ("Add flow", "Update flow", "Delete flow")]
        for b, f in zip(self.node_buttons, (self.add_node, self.update_node, self.delete_node)):
            b.on_click(lambda _b, f=f: f())
        for b, f in zip(self.edge_buttons, (self.add_edge, self.update_edge, self.delete_edge)):
            b.on_click(lambda _b, f=f: f())
        self.save_button = W.Button(description="Save workflow", icon="save", button_style="primary",
                                    disabled=self.path is None, tooltip="" if self.path else "no file to save to")
        self.save_button.add_class("fbk-save")
        self.save_button.on_click(lambda _b: self.save())

        self.message = W.HTML("")
        self.message.add_class("fbk-message")
        self.problem_view = W.HTML("")
        self.problem_view.add_class("fbk-problems-view")
        self.diagram = W.Output(layout=W.Layout(border="1px solid #ddd", min_height="200px",
                                                 max_height="640px", overflow="auto"))
        self.diagram.add_class("fbk-diagram")

        node_box = W.VBox([W.HTML("<b>Nodes</b>"), self.node_list, self.node_id, self.node_kind, self.node_label,
                           self.node_partition, self.node_path, W.HBox(self.node_buttons)])
        edge_box = W.VBox([W.HTML("<b>Flows (edges)</b>"), self.edge_list, self.edge_source, self.edge_target,
                           self.edge_guard, self.edge_handles, W.HBox(self.edge_buttons)])
        where = f"saves to <code>{html.escape(self.path)}</code>" if self.path else "no file: edits stay in memory"
        self.children = [W.HTML(CSS + f"<b>Recovery workflow builder</b> — {where}"),
                         W.HBox([node_box, edge_box]), W.HBox([self.save_button]), self.message,
                         self.problem_view, self.diagram]
        self.node_list.observe(self._on_node_pick, "value")
        self.edge_list.observe(self._on_edge_pick, "value")
        self._refresh()

    # -- views ---------------------------------------------------------------------------
    def _refresh(self) -> None:
        wf = self.workflow
        ids = [n.id for n in wf.nodes]
        keep_node, keep_edge = self.node_list.value, self.edge_list.value
        self.node_list.options = [(f"{n.id} · {n.kind}" + (f" · {n.label}" if n.label else ""), n.id) for n in wf.nodes]
        self.node_partition.options = [NONE] + [p.id for p in wf.partitions]
        self.node_path.options = [NONE] + self.design.matrix.ids
        self.edge_list.options = [(_edge_label(e), i) for i, e in enumerate(wf.edges)]
        self.edge_source.options = ids
        self.edge_target.options = ids
        self.edge_handles.options = self.design.taxonomy.ids
        # ipywidgets 8 clears a selection when its options change: pick again, so the forms
        # always show a node and a flow (the one edited, or the first)
        self.node_list.value = keep_node if keep_node in ids else (ids[0] if ids else None)
        self.edge_list.value = keep_edge if keep_edge is not None and keep_edge < len(wf.edges) else (0 if wf.edges else None)
        self.problems = edits.workflow_problems(self.design, wf)
        self.problem_view.value = problems_html(self.problems, "workflow valid: every rule holds and every failure mode is routed")
        self.diagram.outputs = mermaid_output(wf.to_mermaid(), wf.to_text())
        self.renders += 1

    def _on_node_pick(self, change):
        if change["new"] is None:
            return
        n = self.workflow.node(change["new"])
        self.node_id.value, self.node_kind.value, self.node_label.value = n.id, n.kind, n.label
        self.node_partition.value = n.partition or NONE
        self.node_path.value = n.path if n.path in self.design.matrix.ids else NONE

    def _on_edge_pick(self, change):
        if change["new"] is None:
            return
        e = self.workflow.edges[change["new"]]
        self.edge_source.value, self.edge_target.value = e.source, e.target
        self.edge_guard.value = e.guard or ""
        self.edge_handles.value = tuple(h for h in e.handles if h in self.design.taxonomy.ids)

    # -- edits ---------------------------------------------------------------------------
    def _node_form(self) -> dict:
        return {"id": self.node_id.value.strip(), "kind": self.node_kind.value, "label": self.node_label.value.strip(),
                "partition": None if self.node_partition.value == NONE else self.node_partition.value,
                "path": None if self.node_path.value == NONE else self.node_path.value}

    def _edge_form(self) -> dict:
        return {"source": self.edge_source.value, "target": self.edge_target.value,
                "guard": self.edge_guard.value.strip() or None, "handles": list(self.edge_handles.value)}

    def _apply(self, fn, what: str) -> bool:
        try:
            wf = fn()
        except (DesignError, ValueError, KeyError, IndexError) as exc:
            self.message.value = message_html(f"Refused: {what}", "error") + problems_html(error_problems(exc))
            return False
        self.workflow = wf
        self.design = self.design.model_copy(update={"workflow": wf})
        self._refresh()
        self.message.value = message_html(f"{stamp()} {what}", "ok")
        return True

    def add_node(self, **node) -> bool:
        data = node or self._node_form()
        return self._apply(lambda: edits.upsert_node(self.workflow, data, None, self.path), f"added node {data.get('id')!r}")

    def update_node(self, node_id: str | None = None, **node) -> bool:
        target = node_id or self.node_list.value
        data = node or self._node_form()
        return self._apply(lambda: edits.upsert_node(self.workflow, data, target, self.path), f"updated node {target!r}")

    def delete_node(self, node_id: str | None = None) -> bool:
        target = node_id or self.node_list.value
        return self._apply(lambda: edits.delete_node(self.workflow, target, self.path), f"deleted node {target!r} and its flows")

    def add_edge(self, **edge) -> bool:
        data = edge or self._edge_form()
        return self._apply(lambda: edits.upsert_edge(self.workflow, data, None, self.path),
                           f"added flow {data.get('source')} → {data.get('target')}")

    def update_edge(self, index: int | None = None, **edge) -> bool:
        i = self.edge_list.value if index is None else index
        data = edge or self._edge_form()
        return self._apply(lambda: edits.upsert_edge(self.workflow, data, i, self.path), f"updated flow {i}")

    def delete_edge(self, index: int | None = None) -> bool:
        i = self.edge_list.value if index is None else index
        return self._apply(lambda: edits.delete_edge(self.workflow, i, self.path), f"deleted flow {i}")

    def save(self) -> bool:
        """Write the design with this workflow, atomically; refused while any rule is broken."""
        new = self._save_artifact("workflow", self.workflow)
        if new is None:
            return False
        self.design = new
        return True

    def to_text(self) -> str:
        lines = [f"WorkflowBuilder — {self.path or '(in memory)'}", self.workflow.to_text()]
        lines += ["", "Problems:" if self.problems else "No problems: every rule holds and every failure mode is routed."]
        lines += [f"  {p.path}: {p.message}" for p in self.problems]
        return "\n".join(lines)


def _edge_label(e) -> str:
    guard = f" [{e.guard}]" if e.guard else ""
    handles = f" / {', '.join(e.handles)}" if e.handles else ""
    return f"{e.source} → {e.target}{guard}{handles}"
