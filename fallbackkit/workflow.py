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
from typing import Annotated, Callable, Iterable

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

    # -- walks: every traversal of the flow goes through these -------------------------------
    def reachable_from(self, starts: str | Iterable[str], *, backward: bool = False,
                       follow: Callable[[Edge], bool] | None = None, depth_first: bool = False) -> list[str]:
        """Ids reachable from ``starts`` (the starts first), in the order a walk meets them.

        Breadth first by default; ``depth_first`` gives the pre-order of a depth-first walk.
        Either way a node's flows are taken in file order, so the order is deterministic.
        ``backward`` walks against the flows (from a node to those with a flow into it);
        ``follow(edge)`` chooses which flows to take (default: all). ``starts`` is one node id
        or several; an id that names no node is listed as given, with nothing reached from it.

        In the worked example, ``wf.reachable_from(["check"])[:4]`` is
        ``['check', 'to_answer', 'to_static', 'to_fallback']``.
        """
        step = self.incoming() if backward else self.outgoing()

        def nexts(nid: str) -> list[str]:
            return [e.source if backward else e.target for e in step[nid] if follow is None or follow(e)]

        starts = [starts] if isinstance(starts, str) else list(dict.fromkeys(starts))
        if depth_first:
            order, seen, stack = [], set(), starts[::-1]
            while stack:
                nid = stack.pop()
                if nid not in seen:
                    seen.add(nid)
                    order.append(nid)
                    stack.extend(reversed(nexts(nid)))  # first flow explored first
            return order
        order, seen, queue = list(starts), set(starts), deque(starts)
        while queue:
            for nxt in nexts(queue.popleft()):
                if nxt not in seen:
                    seen.add(nxt)
                    order.append(nxt)
                    queue.append(nxt)
        return order

    def _depth_first(self, roots: Iterable[str], known: set[str] | None = None) -> tuple[list[str], list[Edge]]:
        """Post-order of a depth-first walk from each of ``roots`` in turn, and its back edges:
        the flows into a node still on the walk's stack (the flow that closes a loop).
        With ``known``, flows into any other id (a node the workflow lacks) are not taken."""
        out = self.outgoing()
        state: dict[str, int] = {}  # 1: on the stack, 2: done
        post: list[str] = []
        back: list[Edge] = []
        for root in roots:
            if root in state:
                continue
            state[root] = 1
            stack = [(root, iter(out[root]))]
            while stack:
                nid, it = stack[-1]
                e = next(it, None)
                if e is None:
                    state[nid] = 2
                    post.append(nid)
                    stack.pop()
                elif known is not None and e.target not in known:
                    continue
                elif e.target not in state:
                    state[e.target] = 1
                    stack.append((e.target, iter(out[e.target])))
                elif state[e.target] == 1:
                    back.append(e)
        return post, back

    def _roots(self) -> list[str]:
        """Where whole-graph walks start: the initial node, then every node in file order."""
        ids = [n.id for n in self.nodes]
        return ([self.initial.id] if self.initial else []) + ids

    def back_edges(self) -> list[Edge]:
        """The flows that close a loop, in file order: a retry going back to the call it repeats
        (``retry → call_primary``) is one; the worked example has none. Found by a depth-first
        walk from the initial node, then from each node it missed in file order, taking each
        node's flows in file order (flows naming unknown nodes are not walked): a back edge leads
        into a node still on the walk's stack. Without them the flow is acyclic.
        """
        back = {id(e) for e in self._depth_first(self._roots(), {n.id for n in self.nodes})[1]}
        return [e for e in self.edges if id(e) in back]

    def topological_order(self) -> list[str]:
        """Every node id, each after all nodes with a flow into it once loops are cut at their
        :meth:`back_edges` (Kahn's algorithm: a node comes as soon as its last predecessor has,
        ties in file order). Flows naming unknown nodes are ignored. Deterministic: the same
        workflow always gives the same order; it is the order the SVG diagram lays rows in."""
        ids = [n.id for n in self.nodes]
        known, back = set(ids), {id(e) for e in self.back_edges()}
        indeg: dict[str, int] = defaultdict(int)
        succ: dict[str, list[str]] = defaultdict(list)
        for e in self.edges:
            if id(e) not in back and e.source in known and e.target in known:
                indeg[e.target] += 1
                succ[e.source].append(e.target)
        queue = deque(i for i in ids if indeg[i] == 0)
        order: list[str] = []
        while queue:
            nid = queue.popleft()
            order.append(nid)
            for t in succ[nid]:
                indeg[t] -= 1
                if indeg[t] == 0:
                    queue.append(t)
        return order

    def _paths_of(self, ids: Iterable[str]) -> list[str]:
        """The fallback paths the nodes ``ids`` invoke, each once, in that order."""
        by_id = {n.id: n for n in self.nodes}
        return list(dict.fromkeys(by_id[i].path for i in ids if i in by_id and by_id[i].path))

    # -- what the walks answer ---------------------------------------------------------------
    def reachable(self) -> set[str]:
        """Ids reachable from the initial node."""
        start = self.initial
        return set(self.reachable_from([start.id])) if start is not None else set()

    def can_finish(self) -> set[str]:
        """Ids from which some path reaches a final node (reverse search from finals)."""
        return set(self.reachable_from([n.id for n in self.nodes if n.kind in FINAL_KINDS], backward=True))

    def failure_walk(self, start: str | None = None) -> list[str]:
        """Fallback-path ids met walking from ``start`` (default: the initial node) when every
        check fails: only the ``[else]`` flow out of each decision, every flow out of a fork."""
        if start is None:
            if self.initial is None:
                return []
            start = self.initial.id
        by_id = {n.id: n for n in self.nodes}

        def failing(e: Edge) -> bool:
            node = by_id.get(e.source)
            return node is not None and (node.kind != NodeKind.decision.value or e.is_else)

        return self._paths_of(self.reachable_from([start], follow=failing, depth_first=True))

    def paths_after(self, node_id: str) -> list[str]:
        """Fallback-path ids reachable from ``node_id`` along any flow, in breadth-first order."""
        return self._paths_of(self.reachable_from([node_id]))

    def mode_route(self, mode_id: str) -> list[str]:
        """Paths a request meets after failure mode ``mode_id``: the failure walk from the
        flow that handles it (empty when no flow routes the mode)."""
        for e in self.edges:
            if mode_id in e.handles:
                return self.failure_walk(e.target)
        return []

    def path_order(self) -> list[str]:
        """Fallback-path ids in the order a request can meet them, which the matrix's chain
        order should follow: the reverse post-order of the depth-first walk from the initial
        node that :meth:`back_edges` cuts loops with (a topological order of the flow).

        Not :meth:`topological_order`: on sibling branches the two may list paths differently,
        and this order is the one critiques and notebooks have always quoted.
        """
        start = self.initial
        if start is None:
            return []
        post, _ = self._depth_first([start.id])
        return self._paths_of(reversed(post))

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
        # Presentation is imported here, not at module top: the model never imports a diagram
        # writer just to load a workflow, and diagrams/ may import the model freely.
        from .diagrams.mermaid import workflow_mermaid
        return workflow_mermaid(self)

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
