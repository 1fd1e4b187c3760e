"""The recovery workflow: a UML activity diagram of detection, routing and recovery.

Nodes are UML activity nodes (initial, action, decision, merge, fork, join, activity
final, flow final), grouped in partitions (swimlanes). Edges out of a decision carry
guards that exclude each other, one of them ``else``. An edge may name the failure modes
it handles (``handles: [rate-limit]``), which is how the taxonomy is routed; an action
may name the fallback path it invokes (``path: cache``). Renders as Mermaid.
"""

from __future__ import annotations

from collections import defaultdict, deque
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from .artifact import Artifact, Id, Model, duplicate_ids
from .problems import Problem


class NodeKind(StrEnum):
    initial = "initial"
    action = "action"
    decision = "decision"
    merge = "merge"
    fork = "fork"
    join = "join"
    activity_final = "activity_final"
    flow_final = "flow_final"


FINAL_KINDS = {NodeKind.activity_final.value, NodeKind.flow_final.value}
ELSE = "else"


def _closure(starts: set[str], neighbours) -> set[str]:
    """Every id reachable from ``starts`` through ``neighbours(id)`` (breadth first)."""
    seen, queue = set(starts), deque(starts)
    while queue:
        for nxt in neighbours(queue.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


class Partition(Model):
    id: Id
    label: Annotated[str, Field(min_length=1)]


class Node(Model):
    id: Id
    kind: NodeKind
    label: str = ""
    partition: Id | None = None
    path: Id | None = Field(None, description="fallback path this action invokes")


class Edge(Model):
    source: Id
    target: Id
    guard: str | None = Field(None, description="decision guard, e.g. 'latency > 90 ms' or 'else'")
    handles: list[Id] = Field([], description="failure-mode ids routed along this edge")

    @property
    def guard_text(self) -> str:
        """The guard without its brackets (``[hit]`` → ``hit``); empty when there is none."""
        return (self.guard or "").strip().strip("[] ")

    @property
    def is_else(self) -> bool:
        return self.guard_text.lower() == ELSE

    @property
    def label(self) -> str:
        """What a diagram writes on the flow: ``[guard] / mode-a, mode-b``."""
        parts = [f"[{self.guard_text}]"] if self.guard_text else []
        if self.handles:
            parts.append("/ " + ", ".join(self.handles))
        return " ".join(parts)


class RecoveryWorkflow(Artifact):
    """A UML activity graph. Stands alone; names paths and failure modes by id only."""

    title = "recovery workflow"

    partitions: list[Partition] = []
    nodes: list[Node]
    edges: list[Edge]

    # -- structure ---------------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def outgoing(self) -> dict[str, list[Edge]]:
        out: dict[str, list[Edge]] = defaultdict(list)
        for e in self.edges:
            out[e.source].append(e)
        return out

    def incoming(self) -> dict[str, list[Edge]]:
        inc: dict[str, list[Edge]] = defaultdict(list)
        for e in self.edges:
            inc[e.target].append(e)
        return inc

    @property
    def initial(self) -> Node | None:
        found = [n for n in self.nodes if n.kind == NodeKind.initial.value]
        return found[0] if len(found) == 1 else None

    def reachable(self) -> set[str]:
        """Ids reachable from the initial node."""
        start = self.initial
        if start is None:
            return set()
        out = self.outgoing()
        return _closure({start.id}, lambda nid: (e.target for e in out[nid]))

    def can_finish(self) -> set[str]:
        """Ids from which some path reaches a final node (reverse search from finals)."""
        inc = self.incoming()
        finals = {n.id for n in self.nodes if n.kind in FINAL_KINDS}
        return _closure(finals, lambda nid: (e.source for e in inc[nid]))

    def failure_walk(self, start: str | None = None) -> list[str]:
        """Fallback-path ids met walking from ``start`` (default: the initial node) when every
        check fails: only the ``[else]`` flow out of each decision, every flow out of a fork."""
        if start is None:
            if self.initial is None:
                return []
            start = self.initial.id
        out, by_id = self.outgoing(), {n.id: n for n in self.nodes}
        order: list[str] = []
        seen: set[str] = set()
        stack = [start]
        while stack:
            nid = stack.pop()
            if nid in seen or nid not in by_id:
                continue
            seen.add(nid)
            node = by_id[nid]
            if node.path and node.path not in order:
                order.append(node.path)
            edges = out[nid]
            if node.kind == NodeKind.decision.value:
                edges = [e for e in edges if e.is_else]
            stack.extend(e.target for e in reversed(edges))  # first flow explored first
        return order

    def paths_after(self, node_id: str) -> list[str]:
        """Fallback-path ids reachable from ``node_id`` along any flow, in breadth-first order."""
        out, by_id = self.outgoing(), {n.id: n for n in self.nodes}
        order: list[str] = []
        seen, queue = {node_id}, deque([node_id])
        while queue:
            nid = queue.popleft()
            node = by_id.get(nid)
            if node is not None and node.path and node.path not in order:
                order.append(node.path)
            for e in out[nid]:
                if e.target not in seen:
                    seen.add(e.target)
                    queue.append(e.target)
        return order

    def mode_route(self, mode_id: str) -> list[str]:
        """Paths a request meets after failure mode ``mode_id``: the failure walk from the
        flow that handles it (empty when no flow routes the mode)."""
        for e in self.edges:
            if mode_id in e.handles:
                return self.failure_walk(e.target)
        return []

    def path_order(self) -> list[str]:
        """Fallback-path ids in topological order of the flow (loops cut at their back edge).

        This is the order a request can meet the paths in, which the matrix's chain
        order should follow.
        """
        start = self.initial
        if start is None:
            return []
        out = self.outgoing()
        # Iterative DFS; edges into a node still on the stack (retry loops) are skipped.
        state, stack = {}, [(start.id, iter(out[start.id]))]
        state[start.id] = 1
        post: list[str] = []
        while stack:
            nid, it = stack[-1]
            e = next(it, None)
            if e is None:
                state[nid] = 2
                post.append(nid)
                stack.pop()
            elif e.target not in state:
                state[e.target] = 1
                stack.append((e.target, iter(out[e.target])))
        by_id = {n.id: n for n in self.nodes}
        order = []
        for nid in reversed(post):  # reverse post-order of a DFS = a topological order
            node = by_id.get(nid)
            if node is not None and node.path and node.path not in order:
                order.append(node.path)
        return order

    @property
    def handled_modes(self) -> set[str]:
        return {m for e in self.edges for m in e.handles}

    @property
    def invoked_paths(self) -> set[str]:
        return {n.path for n in self.nodes if n.path}

    # -- rules ----------------------------------------------------------------------------
    def problems(self) -> list[Problem]:
        out = duplicate_ids(self.nodes, "nodes") + duplicate_ids(self.partitions, "partitions")
        ids = {n.id for n in self.nodes}
        part_ids = {p.id for p in self.partitions}
        index = {n.id: i for i, n in enumerate(self.nodes)}
        for i, n in enumerate(self.nodes):
            if n.partition is not None and n.partition not in part_ids:
                out.append(Problem(f"nodes[{i}].partition", f"unknown partition {n.partition!r}; expected one of {sorted(part_ids)}"))
        for i, e in enumerate(self.edges):
            for end in ("source", "target"):
                if getattr(e, end) not in ids:
                    out.append(Problem(f"edges[{i}].{end}", f"unknown node {getattr(e, end)!r}; expected a node id"))
        initials = [n for n in self.nodes if n.kind == NodeKind.initial.value]
        if len(initials) != 1:
            out.append(Problem("nodes", f"has {len(initials)} initial nodes; expected exactly one"))
        if not any(n.kind in FINAL_KINDS for n in self.nodes):
            out.append(Problem("nodes", "has no final node; expected an activity_final or flow_final"))
        out += self._degree_problems(index)
        if len(initials) == 1 and not out:
            reach, finish = self.reachable(), self.can_finish()
            for n in self.nodes:
                if n.id not in reach:
                    out.append(Problem(f"nodes[{index[n.id]}]", f"node {n.id!r} is unreachable from the initial node"))
            trapped = [n.id for n in self.nodes if n.id in reach and n.id not in finish]
            if trapped:
                out.append(Problem("nodes", f"nodes {trapped} never reach a final node (a cycle with no exit?); "
                                            "expected every path to end in a final node"))
        return out

    def _degree_problems(self, index: dict[str, int]) -> list[Problem]:
        out, outs, ins = [], self.outgoing(), self.incoming()
        for n in self.nodes:
            where = f"nodes[{index[n.id]}]"
            o, i = len(outs[n.id]), len(ins[n.id])
            k = n.kind
            if k == NodeKind.initial.value and (i or o != 1):
                out.append(Problem(where, f"initial node {n.id!r} has {i} incoming and {o} outgoing flows; expected 0 and 1"))
            elif k in FINAL_KINDS and o:
                out.append(Problem(where, f"final node {n.id!r} has {o} outgoing flows; expected none"))
            elif k in (NodeKind.action.value, NodeKind.merge.value, NodeKind.join.value) and o != 1:
                out.append(Problem(where, f"{k} node {n.id!r} has {o} outgoing flows; expected exactly 1 (use a decision or fork to branch)"))
            elif k == NodeKind.decision.value:
                out += self._guard_problems(n, where)
            elif k == NodeKind.fork.value and o < 2:
                out.append(Problem(where, f"fork {n.id!r} has {o} outgoing flows; expected at least 2"))
            if k == NodeKind.merge.value and i < 2:
                out.append(Problem(where, f"merge {n.id!r} has {i} incoming flows; expected at least 2"))
            if k == NodeKind.join.value and i < 2:
                out.append(Problem(where, f"join {n.id!r} has {i} incoming flows; expected at least 2"))
            if k == NodeKind.action.value and not n.label:
                out.append(Problem(f"{where}.label", f"action {n.id!r} has no label; expected what it does"))
        return out

    def _guard_problems(self, n: Node, where: str) -> list[Problem]:
        outs = [(i, e) for i, e in enumerate(self.edges) if e.source == n.id]
        if len(outs) < 2:
            return [Problem(where, f"decision {n.id!r} has {len(outs)} outgoing flows; expected at least 2 guarded flows")]
        probs, seen = [], {}
        for i, e in outs:
            g = e.guard_text.lower()
            if not g:
                probs.append(Problem(f"edges[{i}].guard", f"flow out of decision {n.id!r} has no guard; expected a guard on every flow"))
            elif g in seen and g != ELSE:
                probs.append(Problem(f"edges[{i}].guard", f"guard {e.guard!r} repeats edges[{seen[g]}]; expected mutually exclusive guards"))
            seen.setdefault(g, i)
        n_else = sum(1 for _, e in outs if e.is_else)
        if n_else != 1:
            probs.append(Problem(where, f"decision {n.id!r} has {n_else} [else] guards; expected exactly one so the guards cover every case"))
        return probs

    # -- rendering ----------------------------------------------------------------------
    def to_mermaid(self) -> str:
        from . import diagrams
        return diagrams.workflow_mermaid(self)

    def to_text(self) -> str:
        lines = [f"Recovery workflow: {len(self.nodes)} nodes, {len(self.edges)} flows"]
        labels = {n.id: (n.label or n.kind) for n in self.nodes}
        for e in self.edges:
            guard = f" [{e.guard_text}]" if e.guard_text else ""
            handles = f"  (handles {', '.join(e.handles)})" if e.handles else ""
            lines.append(f"  {labels.get(e.source, e.source)} -->{guard} {labels.get(e.target, e.target)}{handles}")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        return f"```mermaid\n{self.to_mermaid()}\n```\n"

    def to_html(self) -> str:
        from .display import esc_html
        return f"<pre class='mermaid'>{esc_html(self.to_mermaid())}</pre>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        # JupyterLab ≥ 4.1 renders text/vnd.mermaid natively and offline; no HTML here,
        # because JupyterLab would prefer it over the diagram.
        return {"text/plain": self.to_text(), "text/vnd.mermaid": self.to_mermaid()}
