"""Consistency and clarity: claims with numbers, references that land, one order of paths."""

from __future__ import annotations

import re

from ..design import Design
from .context import Review
from .registry import checker
from .text import INTERNAL, MAX_WORDS, unquantified_claims

check = checker("consistency")
_NAME_FIELD = re.compile(r"\.(name|title|runbook\.title)$")


@check("unquantified-claim", "blocking", "prose_numbers", "claim in free text with no number")
@check("not-standalone", "blocking", "consistency", "artifact reaches into another's internals")
@check("monolithic-text", "warning", "consistency", "a wall of prose mixing artifacts")
@check("dangling-reference", "blocking", "consistency", "reference by id that lands nowhere")
@check("order-mismatch", "blocking", "consistency", "matrix chain order differs from the workflow")
@check("path-not-in-workflow", "warning", "consistency", "matrix path no workflow action invokes")
@check("label-mismatch", "warning", "prose_numbers", "workflow label states a number the matrix contradicts")
def consistency(ctx: Review) -> None:
    d, col = ctx.design, ctx
    _free_text(col)
    refs = d.reference_problems()
    for p in refs:
        col.find("dangling-reference", p.path, p.message, "point the reference at an existing id, or add what it names")
    col.ev("consistency", not refs, f"{len(refs)} cross-artifact references that land nowhere", "(references)")
    _workflow_agreement(col, d)
    for name in ("taxonomy", "matrix", "workflow", "postmortem"):
        try:
            art = d.standalone(name)
            ok = not art.problems()
        except Exception:  # noqa: BLE001
            ok = False
        col.ev("consistency", ok, f"{name} validates on its own", name)


def _free_text(col: Review) -> None:
    """Each free-text field: claims without numbers, reaches into other artifacts, walls of prose."""
    claims = 0
    internal = 0
    for loc, text in col.texts:
        # A name is not a claim: a mode named "Translation slower than the timeout" says what it is.
        for s in ([] if _NAME_FIELD.search(loc) else unquantified_claims(text)):
            claims += 1
            # An incident record narrates what happened; a vague line there weakens the record but is
            # not a design claim, so it warns instead of blocking.
            col.find("unquantified-claim", loc, f"claim with no number: {s!r}",
                     "state the risk reduction it buys in numbers, e.g. 'moves p99.9 from 400 ms to 142 ms' or "
                     "'serves 70% of fallback traffic at 30 ms for $20 per 1M calls'",
                     severity="warning" if loc.startswith("postmortem.incidents") else None)
        if INTERNAL.search(text):
            internal += 1
            col.find("not-standalone", loc, f"refers to another artifact's internals: {INTERNAL.search(text).group(0)!r}",
                     "refer to other artifacts by id only (a path id, a mode id); restate the number or drop it, so "
                     "the artifact can be reviewed on its own")
        words = len(text.split())
        if words > MAX_WORDS:
            col.find("monolithic-text", loc, f"{words} words of prose in one field: a reviewer cannot find the signal",
                     "split it: numbers go in fields of the artifact they belong to, prose stays under "
                     f"{MAX_WORDS} words")
    col.ev("consistency", claims == 0, f"{claims} unquantified claims in free text", "(free text)")
    col.ev("consistency", internal == 0, f"{internal} references into another artifact's internals", "(free text)")


def _workflow_agreement(col: Review, d: Design) -> None:
    """The workflow and the matrix tell one story: chain order, every path invoked, labels' timeouts."""
    order = [pid for pid in d.workflow.path_order() if pid in d.matrix.ids]
    inverted = _forced_inversions(d)
    col.ev("consistency", not inverted,
           f"workflow meets paths in the matrix's chain order ({' → '.join(order) or 'none'})", "matrix.paths")
    if inverted:
        pairs = ", ".join(f"{b} before {a}" for a, b in inverted)
        col.find("order-mismatch", "matrix.paths",
                 f"the matrix lists {' → '.join(d.matrix.ids)} but the workflow always tries {pairs}: the budget "
                 "arithmetic follows the wrong chain",
                 f"list matrix.paths in the workflow's order: {', '.join(order)}")
    invoked = d.workflow.invoked_paths
    for i, p in enumerate(d.matrix.paths):
        if p.id not in invoked:
            col.find("path-not-in-workflow", f"matrix.paths[{i}]", f"no workflow action invokes path {p.id!r}",
                     f"add an action with path: {p.id} where the flow tries it, or drop it from the matrix")
    col.ev("consistency", all(p.id in invoked for p in d.matrix.paths),
           f"{sum(p.id in invoked for p in d.matrix.paths)}/{len(d.matrix.paths)} matrix paths invoked by a workflow action",
           "workflow.nodes[*].path")
    mism = 0
    by_id = {p.id: p for p in d.matrix.paths}
    for i, n in enumerate(d.workflow.nodes):
        p = by_id.get(n.path or "")
        if p is None or p.timeout_ms is None:
            continue
        stated = _label_timeouts(n.label)
        for v in stated:
            if abs(v - p.timeout_ms) > 1e-9:
                mism += 1
                col.find("label-mismatch", f"workflow.nodes[{i}].label",
                         f"label says a {v:g} ms timeout; matrix path {p.id!r} has timeout_ms {p.timeout_ms:g}",
                         f"make the label say {p.timeout_ms:g} ms, or derive it from the matrix")
    col.ev("consistency", mism == 0, f"{mism} workflow labels contradict the matrix's timeouts", "workflow.nodes[*].label")


_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
_LABEL_TIMEOUT = [re.compile(_NUM + r"\s*(ms|s)\s+timeout", re.IGNORECASE),
                  re.compile(r"timeout\s+(?:of\s+)?" + _NUM + r"\s*(ms|s)\b", re.IGNORECASE)]


def _forced_inversions(d: Design) -> list[tuple[str, str]]:
    """Pairs (a, b) the matrix lists a-then-b but the workflow can only meet b-then-a.

    Paths on sibling branches of a decision (policy violations to one provider, overflows to
    another) have no order between them, so only a flow that leads from b to a and never
    from a to b counts.
    """
    wf = d.workflow
    nodes_of: dict[str, set[str]] = {}
    for n in wf.nodes:
        if n.path:
            nodes_of.setdefault(n.path, set()).add(n.id)
    ids = [pid for pid in d.matrix.ids if pid in nodes_of]
    # a node invokes one path, so a path's own nodes never count as reaching another's
    reached = {pid: set(wf.reachable_from(sorted(nodes_of[pid]))) for pid in ids}
    out_pairs = []
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            b_to_a = bool(reached[b] & nodes_of[a])
            a_to_b = bool(reached[a] & nodes_of[b])
            if b_to_a and not a_to_b:
                out_pairs.append((a, b))
    return out_pairs


def _label_timeouts(label: str) -> list[float]:
    """Timeouts a workflow label states, in ms: 'with a 1,900 ms timeout', 'a 10 s timeout'."""
    out = []
    for pat in _LABEL_TIMEOUT:
        for whole, frac, unit in pat.findall(label or ""):
            v = float(whole.replace(",", "") + (f".{frac}" if frac else ""))
            out.append(v * 1000 if unit.lower() == "s" else v)
    return out
