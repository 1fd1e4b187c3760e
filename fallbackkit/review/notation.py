"""Workflow notation: the recovery workflow reads as a UML activity diagram."""

from __future__ import annotations

from .context import Review
from .registry import checker

check = checker("notation")


@check("notation", "blocking", "workflow_notation", "UML activity-diagram notation error")
def notation(ctx: Review) -> None:
    d, col = ctx.design, ctx
    wf = d.workflow
    probs = wf.problems()
    for p in probs:
        col.find("notation", f"workflow.{p.path}" if p.path else "workflow", p.message, _notation_fix(p.message))
    col.ev("notation", not probs, f"{len(probs)} structural UML problems (initial, finals, guards, reachability)", "workflow")
    ins = wf.incoming()
    kinds = {n.id: n.kind for n in wf.nodes}
    index = {n.id: i for i, n in enumerate(wf.nodes)}
    multi = 0
    for n in wf.nodes:
        k, i = kinds[n.id], len(ins[n.id])
        if k in ("action", "activity_final", "flow_final", "fork") and i > 1:
            multi += 1
            col.find("notation", f"workflow.nodes[{index[n.id]}]",
                     f"{k} {n.id!r} has {i} incoming flows; in UML an action with several incoming flows waits for all "
                     f"of them (an implicit join), so this flow deadlocks",
                     f"add a merge node: point the {i} flows at it and one flow from it to {n.id!r}")
        if k == "decision" and i > 1:
            col.find("notation", f"workflow.nodes[{index[n.id]}]",
                     f"decision {n.id!r} has {i} incoming flows; merge and decide in separate nodes",
                     f"add a merge node before {n.id!r}", severity="warning")
    col.ev("notation", multi == 0, "every action, final and fork has one incoming flow (merges do the merging)", "workflow.edges")
    forks = sum(kinds[n] == "fork" for n in kinds)
    joins = sum(kinds[n] == "join" for n in kinds)
    if joins and not forks:
        col.find("notation", "workflow.nodes", f"{joins} join node(s) but no fork: a join waits for concurrent flows that never start",
                 "replace the join with a merge, or fork the flows it joins")
    col.ev("notation", not (joins and not forks), f"{forks} fork(s), {joins} join(s)", "workflow.nodes")
    parted = [n for n in wf.nodes if n.partition]
    col.ev("notation", len(parted) == len(wf.nodes), f"{len(parted)}/{len(wf.nodes)} nodes sit in a swimlane", "workflow.nodes[*].partition")


def _notation_fix(message: str) -> str:
    if "else" in message:
        return "give exactly one flow out of the decision the guard [else]"
    if "guard" in message:
        return "guard every flow out of a decision; guards must exclude each other"
    if "unreachable" in message:
        return "connect the node to the flow, or delete it"
    if "final" in message:
        return "end every path in an activity_final (request done) or flow_final (side flow done)"
    if "outgoing" in message:
        return "actions, merges and joins have one outgoing flow; branch with a decision or fork"
    if "initial" in message:
        return "one initial node with a single outgoing flow"
    return "fix the diagram so it reads as a UML activity diagram"
