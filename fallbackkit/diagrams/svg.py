"""The recovery workflow drawn as a standalone SVG UML activity diagram.

No script and no fonts to fetch: the SVG prints, diffs and opens anywhere. Columns are the
partitions (swimlanes); rows follow the flow in :meth:`RecoveryWorkflow.topological_order`,
with loops cut at :meth:`RecoveryWorkflow.back_edges` and drawn up a channel on the right.
Every user string is escaped with :func:`labels.esc`.

    svg = workflow_svg(design)        # what ``fallbackkit export`` writes as workflow.svg
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .labels import esc, word_lines

if TYPE_CHECKING:  # pragma: no cover
    from ..design import Design
    from ..workflow import Edge, Node, RecoveryWorkflow

CELL_W, ROW_H, TOP, LEFT = 224, 62, 34, 10
ACT_W, ACT_H = 168, 38
#: Half the height and half the width of each node kind's shape, in px.
HALF_H = {"action": ACT_H / 2, "decision": 13, "merge": 13, "fork": 3, "join": 3,
          "initial": 9, "activity_final": 11, "flow_final": 10}
HALF_W = {"action": ACT_W / 2, "decision": 13, "merge": 13, "fork": 60, "join": 60,
          "initial": 9, "activity_final": 11, "flow_final": 10}


def _wrap(text: str, width: int = 27, lines: int = 3) -> list[str]:
    """At most ``lines`` lines of ~``width`` characters; the last ends in … when text is cut."""
    out = word_lines(text, width)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out or [""]


# -- ranks and columns ----------------------------------------------------------------------------
@dataclass
class Layout:
    """Where each node sits: its (row, column) cell; columns are partitions (lanes)."""

    pos: dict[str, tuple[int, int]]
    lanes: list[str]                     # partition ids with a node; "" for nodes in none
    back: set[int]                       # id() of each flow that closes a loop
    kinds: dict[str, str]                # node id → kind
    occupied: set[tuple[int, int]] = field(init=False)

    def __post_init__(self) -> None:
        self.occupied = set(self.pos.values())

    @property
    def width(self) -> int:
        return LEFT * 2 + CELL_W * max(1, len(self.lanes)) + 14 + 7 * len(self.back)

    @property
    def height(self) -> int:
        return TOP + ROW_H * (max((r for r, _ in self.pos.values()), default=0) + 1) + 16

    def center(self, nid: str) -> tuple[float, float]:
        r, c = self.pos[nid]
        return LEFT + c * CELL_W + CELL_W / 2, TOP + r * ROW_H + ROW_H / 2

    def half_h(self, nid: str) -> float:
        return HALF_H[self.kinds[nid]]

    def half_w(self, nid: str) -> float:
        return HALF_W[self.kinds[nid]]


def layout(wf: "RecoveryWorkflow") -> Layout:
    """Rows follow the flow (a node one row below its lowest predecessor, loops cut; the next
    free row when its cell is taken), in topological order; columns are partitions."""
    back = {id(e) for e in wf.back_edges()}
    preds: dict[str, list[str]] = defaultdict(list)
    for e in wf.edges:
        if id(e) not in back:
            preds[e.target].append(e.source)
    lanes = [p.id for p in wf.partitions if any(n.partition == p.id for n in wf.nodes)]
    lane_of = {n.id: (lanes.index(n.partition) if n.partition in lanes else len(lanes)) for n in wf.nodes}
    if any(c == len(lanes) for c in lane_of.values()):
        lanes.append("")
    taken: set[tuple[int, int]] = set()
    pos: dict[str, tuple[int, int]] = {}
    for nid in wf.topological_order():
        row = max([pos[p][0] + 1 for p in preds[nid] if p in pos] or [0])
        col = lane_of[nid]
        while (row, col) in taken:
            row += 1
        taken.add((row, col))
        pos[nid] = (row, col)
    return Layout(pos, lanes, back, {n.id: n.kind for n in wf.nodes})


# -- swimlanes ------------------------------------------------------------------------------------
def _lanes_svg(lay: Layout, labels: dict[str, str]) -> list[str]:
    parts = []
    for i, lane in enumerate(lay.lanes):
        x = LEFT + i * CELL_W
        parts.append(f'<rect x="{x}" y="4" width="{CELL_W}" height="{lay.height - 8}" fill="{"#fafafa" if i % 2 else "#ffffff"}" '
                     f'stroke="#9e9e9e" stroke-width="0.8"/>')
        parts.append(f'<text x="{x + CELL_W / 2}" y="20" text-anchor="middle" font-weight="bold" font-size="12">'
                     f'{esc(labels.get(lane, lane) or "(no partition)")}</text>')
        parts.append(f'<line x1="{x}" y1="27" x2="{x + CELL_W}" y2="27" stroke="#9e9e9e" stroke-width="0.8"/>')
    return parts


# -- flows ----------------------------------------------------------------------------------------
Point = tuple[float, float]
Anchor = tuple[float, float, str, int]  # label x, y, text-anchor, most lines


@dataclass
class _Exits:
    """What one node's flows have used so far: the bottom, and how many left each side."""

    bottom_used: bool = False
    sides: dict[str, int] = field(default_factory=lambda: {"left": 0, "right": 0})


class _Router:
    """Routes every flow: out of the bottom when the target is straight below, else out of a
    side and down a gutter channel of the target's column, so lines never cross a node box;
    loops go up a channel right of the lanes."""

    def __init__(self, lay: Layout):
        self.lay = lay
        self.gut_used: dict[tuple[int, str], int] = defaultdict(int)
        self.back_k = 0

    def gutter(self, col: int, side: str) -> float:
        k = self.gut_used[(col, side)]
        self.gut_used[(col, side)] += 1
        base = LEFT + col * CELL_W
        return base + 5 + 4 * k if side == "left" else base + CELL_W - 5 - 4 * k

    def route(self, nid: str, e: "Edge", exits: _Exits) -> tuple[list[Point], Anchor]:
        lay = self.lay
        sr, sc = lay.pos[nid]
        tr, tc = lay.pos[e.target]
        kind = lay.kinds[nid]
        blocked = any((r, tc) in lay.occupied for r in range(sr + 1, tr))
        if id(e) in lay.back or tr <= sr:
            return self._loop(nid, e.target)
        if kind in ("fork", "join") or (not blocked and tc == sc and not exits.bottom_used) or kind not in ("decision", "merge"):
            return self._down(nid, e.target, blocked, exits)
        return self._side(nid, e.target, blocked, exits)

    def _loop(self, nid: str, target: str) -> tuple[list[Point], Anchor]:
        lay = self.lay
        (sx, sy), (tx, ty) = lay.center(nid), lay.center(target)
        self.back_k += 1
        gx = LEFT + CELL_W * len(lay.lanes) + 7 * self.back_k
        pts = [(sx + lay.half_w(nid), sy), (gx, sy), (gx, ty), (tx + lay.half_w(target), ty)]
        return pts, (gx - 3, (sy + ty) / 2, "end", 2)

    def _down(self, nid: str, target: str, blocked: bool, exits: _Exits) -> tuple[list[Point], Anchor]:
        """Out of the bottom (a bar: straight above the target where the bar reaches)."""
        lay = self.lay
        (sx, sy), (tx, ty) = lay.center(nid), lay.center(target)
        sr, sc = lay.pos[nid]
        tc = lay.pos[target][1]
        kind = lay.kinds[nid]
        y_top = ty - lay.half_h(target)
        x0 = min(max(tx, sx - 55), sx + 55) if kind in ("fork", "join") else sx
        y0 = sy + lay.half_h(nid)
        exits.bottom_used = exits.bottom_used or tc == sc
        mid = TOP + sr * ROW_H + ROW_H - 8 if kind != "action" else y0 + 8
        if not blocked and abs(x0 - tx) < 0.5:
            pts = [(x0, y0), (tx, y_top)]
        elif not blocked:
            pts = [(x0, y0), (x0, mid), (tx, mid), (tx, y_top)]
        else:
            gx = self.gutter(tc, "right")
            yt = ty - ROW_H / 2 + 4
            pts = [(x0, y0), (x0, mid), (gx, mid), (gx, yt), (tx, yt), (tx, y_top)]
        return pts, (x0 + 5, y0 + 10, "start", 2)

    def _side(self, nid: str, target: str, blocked: bool, exits: _Exits) -> tuple[list[Point], Anchor]:
        """Out of a side of the diamond; each exit leaves it at its own height."""
        lay = self.lay
        (sx, sy), (tx, ty) = lay.center(nid), lay.center(target)
        sc, tc = lay.pos[nid][1], lay.pos[target][1]
        y_top = ty - lay.half_h(target)
        if tc != sc:
            side = "right" if tc > sc else "left"
        else:
            side = "right" if exits.sides["right"] <= exits.sides["left"] else "left"
        k = exits.sides[side]
        exits.sides[side] += 1
        dy = (0, 9, -9, 12, -12)[min(k, 4)]
        px = sx + (13 - abs(dy)) * (1 if side == "right" else -1)
        py = sy + dy
        if tc != sc and not blocked:
            pts = [(px, py), (tx, py), (tx, y_top)]
        else:
            gx = self.gutter(tc, side if tc == sc else ("left" if side == "right" else "right"))
            yt = ty - ROW_H / 2 + 4
            pts = [(px, py), (gx, py), (gx, yt), (tx, yt), (tx, y_top)]
        return pts, (px + (4 if side == "right" else -4), py - 2, "start" if side == "right" else "end", 1)


def _flow_svg(pts: list[Point], label: str, lab: Anchor) -> list[str]:
    """One flow: its arrow, and its guard text (side exits get one line; the routing table has it all)."""
    d = " ".join(f"{'M' if k == 0 else 'L'}{x:.1f},{y:.1f}" for k, (x, y) in enumerate(pts))
    parts = [f'<path d="{d}" fill="none" stroke="#37474f" stroke-width="1.1" marker-end="url(#arrow)"/>']
    if label:
        lx, ly, anchor, n_lines = lab
        for k, line in enumerate(_wrap(label, 34 if n_lines > 1 else 40, n_lines)):
            parts.append(f'<text x="{lx:.1f}" y="{ly + 10 * k:.1f}" text-anchor="{anchor}" font-size="8.5" '
                         f'fill="#0d47a1" class="guard" stroke="#fff" stroke-width="2.5" paint-order="stroke">'
                         f'{esc(line)}</text>')
    return parts


def _flows_svg(wf: "RecoveryWorkflow", lay: Layout) -> list[str]:
    router, parts = _Router(lay), []
    for nid, edges in wf.outgoing().items():
        if nid not in lay.pos:
            continue
        exits = _Exits()
        for e in edges:
            if e.target in lay.pos:
                pts, lab = router.route(nid, e, exits)
                parts += _flow_svg(pts, e.label, lab)
    return parts


# -- nodes ----------------------------------------------------------------------------------------
def _node_svg(n: "Node", x: float, y: float) -> list[str]:
    """One node in UML notation, centred on (x, y)."""
    k = n.kind
    if k == "initial":
        return [f'<circle cx="{x}" cy="{y}" r="9" fill="#000"/>']
    if k == "activity_final":
        return [f'<circle cx="{x}" cy="{y}" r="11" fill="#fff" stroke="#000" stroke-width="1.5"/>'
                f'<circle cx="{x}" cy="{y}" r="6.5" fill="#000"/>']
    if k == "flow_final":
        return [f'<circle cx="{x}" cy="{y}" r="10" fill="#fff" stroke="#000" stroke-width="1.5"/>'
                f'<path d="M{x - 7},{y - 7} L{x + 7},{y + 7} M{x + 7},{y - 7} L{x - 7},{y + 7}" stroke="#000" stroke-width="1.5"/>']
    if k in ("fork", "join"):
        return [f'<rect x="{x - 60}" y="{y - 3}" width="120" height="6" fill="#000"/>']
    if k in ("decision", "merge"):
        parts = [f'<path d="M{x},{y - 13} L{x + 13},{y} L{x},{y + 13} L{x - 13},{y} Z" fill="#fff" stroke="#000" stroke-width="1.3"/>']
        q = _wrap(n.label, 26, 2) if n.label else []
        for j, line in enumerate(q):  # the question sits above-left: guards leave to the right and below
            parts.append(f'<text x="{x - 15}" y="{y - 14 - 10 * (len(q) - 1 - j)}" text-anchor="end" '
                         f'font-size="9.5" font-style="italic">{esc(line)}</text>')
        return parts
    lines = _wrap(n.label or n.id)
    parts = [f'<rect x="{x - ACT_W / 2}" y="{y - ACT_H / 2}" width="{ACT_W}" height="{ACT_H}" rx="10" '
             f'fill="{"#e3f2fd" if n.path else "#fff"}" stroke="#000" stroke-width="1.2"/>']
    y0 = y - (len(lines) - 1) * 6 + 3.5
    for j, line in enumerate(lines):
        parts.append(f'<text x="{x}" y="{y0 + 12 * j:.1f}" text-anchor="middle" font-size="10">{esc(line)}</text>')
    return parts


# -- the whole diagram ----------------------------------------------------------------------------
_ARROW = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
          'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#37474f"/></marker></defs>')


def workflow_svg(design: "Design") -> str:
    """The recovery workflow of ``design`` as a standalone SVG UML activity diagram (no script,
    no fonts to fetch), titled with the product's name."""
    return activity_svg(design.workflow, f"Recovery workflow of {design.context.name}")


def activity_svg(wf: "RecoveryWorkflow", title: str) -> str:
    """Any recovery workflow as a standalone SVG UML activity diagram, with ``title`` for
    screen readers and tooltips."""
    lay = layout(wf)
    parts = _lanes_svg(lay, {p.id: p.label for p in wf.partitions}) + _flows_svg(wf, lay)
    for nid, n in {n.id: n for n in wf.nodes}.items():
        if nid in lay.pos:
            parts += _node_svg(n, *lay.center(nid))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" width="{lay.width:.0f}" '
            f'height="{lay.height:.0f}" font-family="Helvetica, Arial, sans-serif" role="img">'
            f'<title>{esc(title)}</title>' + _ARROW + "".join(parts) + "</svg>")
