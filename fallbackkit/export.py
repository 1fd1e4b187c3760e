"""Write each artifact as a standalone deliverable for the team that reviews it.

``fallbackkit export design.yaml --out review/`` writes::

    review/
      index.html, index.md            what is here, for whom, and the budget verdict
      taxonomy.html, taxonomy.md      incident response: modes, severities, runbooks (~1 page)
      matrix.html, matrix.md,         SRE and product: paths, budget, cost (~2 pages)
      matrix.csv, matrix.svg            the numbers for a spreadsheet; the budget chart
      workflow.html, workflow.md,     SRE and on-call: the UML activity diagram (~3 pages)
      workflow.svg                      drawn here as SVG; the Markdown carries Mermaid
      postmortem.html, postmortem.md  SRE lead: cadence, owner, measured MTTD/MTTR (~1 page)
      routers/litellm.yaml,           the workflow as router configs, with what each drops
      routers/portkey.json

Every HTML file is self-contained (CSS and SVG inline, no scripts, no network) and has
print CSS. The workflow diagram is drawn as SVG by this module rather than by Mermaid in
the browser: Mermaid needs a 3 MB script per page and JavaScript to show anything, while
an SVG prints, diffs and opens anywhere; the Markdown keeps the Mermaid text for tools
that render it. User text is escaped for each target: HTML entities in HTML and SVG,
entities plus backslashes in Markdown, Mermaid entity codes in Mermaid, and a leading
quote for CSV cells a spreadsheet would run as a formula.

The folder is written to a temporary sibling and renamed into place, so an error leaves
no partial export, and an existing folder is replaced only with ``force=True``.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import shutil
import tempfile
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from .problems import DesignError

if TYPE_CHECKING:  # pragma: no cover
    from .design import Design
    from .workflow import RecoveryWorkflow


class OutputExists(Exception):
    """The output folder exists and ``force`` was not given."""


@dataclass
class ExportResult:
    out: Path
    files: list[str]          # relative paths written, sorted
    dropped: dict[str, list[str]]  # router → what its config could not express

    def __str__(self) -> str:
        return f"wrote {len(self.files)} files to {self.out}"


# -- escaping -------------------------------------------------------------------------------------
#: Characters XML (so SVG, and HTML parsed as XML) does not allow even as text: C0 controls
#: other than tab and line breaks, lone surrogates and the two non-characters U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(text) -> str:
    """HTML/SVG text: every user string goes through here (``display.esc_html``: entities,
    ``$`` never maths), and characters XML refuses become U+FFFD so an SVG stays well-formed."""
    from .display import esc_html
    return _NOT_XML.sub("\ufffd", esc_html("" if text is None else text))


def md(text) -> str:
    """Markdown inline text (``display.esc_md``): entities for ``& < >``, a backslash before
    markup characters and ``$``, so ``<script>`` and ``|`` show as text, also inside table
    cells. One line; nothing at its start reads as a heading, a list or a rule."""
    from .display import esc_md
    s = " ".join(esc_md("" if text is None else text).split())
    s = re.sub(r"^(\d{1,9})([.)])(?=\s|$)", r"\1\\\2", s)
    return re.sub(r"^([-=](?=\s|$))", r"\\\1", s)


#: Line breaks of every kind a spreadsheet (or Python's splitlines) would start a new row at.
_LINE_BREAKS = re.compile("[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def csv_cell(value):
    r"""A CSV cell: numbers as they are; text on one line (a bare ``\r`` would start a new row
    in a spreadsheet), and text a spreadsheet would run as a formula gets a leading quote
    (OWASP CSV injection: ``= + - @``, tab and carriage return, also after leading spaces)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value)
    s = _LINE_BREAKS.sub(" ", str(value))
    return "'" + s if s[:1] in ("\t", "\r") or s.lstrip()[:1] in ("=", "+", "-", "@") else s


def fmt(value) -> str:
    from . import display
    return display.fmt(value)


# -- page frame -----------------------------------------------------------------------------------
CSS = """
:root{--ink:#1a1a1a;--mute:#555;--line:#c8c8c8;--head:#f0f0f0;--bad:#b00020;--good:#1b5e20}
*{box-sizing:border-box}
body{font:13px/1.4 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);
     max-width:1100px;margin:24px auto;padding:0 20px}
h1{font-size:21px;margin:0 0 2px}h2{font-size:16px;margin:18px 0 6px;border-bottom:1px solid var(--line)}
h3{font-size:13px;margin:12px 0 4px}
.sub{color:var(--mute);margin:0 0 10px}
table{border-collapse:collapse;width:100%;margin:4px 0 8px;font-size:11.5px}
th,td{border:1px solid var(--line);padding:3px 5px;text-align:left;vertical-align:top}
th{background:var(--head)}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.over{color:var(--bad);font-weight:600}.ok{color:var(--good)}
ul{margin:4px 0 8px;padding-left:20px}li{margin:1px 0}
ol.steps{margin:0;padding-left:18px}
.kv th{width:170px}
.figure svg{max-width:100%;height:auto}
.diagram{border:1px solid var(--line);padding:6px}
footer{color:var(--mute);font-size:11px;margin-top:16px;border-top:1px solid var(--line);padding-top:4px}
a{color:#0b57d0}
@page{size:A4;margin:12mm}
@media print{
  body{margin:0;max-width:none;padding:0;font-size:10.5px}
  table{font-size:9.5px}th,td{padding:2px 4px}
  tr,li,.figure{break-inside:avoid}h2,h3{break-after:avoid}
  .diagram svg{max-height:255mm;width:auto;max-width:100%}
  .pagebreak{break-before:page}
  a{color:inherit;text-decoration:none}
  .noprint{display:none}
}
"""


def page(title: str, subtitle: str, body: str, design: "Design", nav: bool = True) -> str:
    ctx = design.context
    back = "<p class=\"noprint\"><a href=\"index.html\">← all artifacts</a></p>\n" if nav else ""
    return (f"<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(title)} — {esc(ctx.name)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"{back}<h1>{esc(title)}</h1>\n<p class=\"sub\">{esc(ctx.name)} · {esc(subtitle)}</p>\n{body}\n"
            f"<footer>Generated by fallbackkit from the design file; edit the design, not this page. "
            f"SLO: {esc(ctx.slo)}.</footer>\n</body>\n</html>\n")


def table(rows: Sequence[dict], columns: Sequence[str], numeric: Iterable[str] = (), raw: Iterable[str] = ()) -> str:
    """An HTML table; cells escaped unless their column is in ``raw`` (already-escaped HTML)."""
    numeric, raw = set(numeric), set(raw)
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    for r in rows:
        cells = []
        for c in columns:
            v = r.get(c)
            text = v if c in raw else esc(fmt(v))
            cls = " class=\"n\"" if c in numeric else ""
            if isinstance(v, str) and c not in raw and v.startswith("over"):
                cls = " class=\"over\""
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def md_table(rows: Sequence[dict], columns: Sequence[str]) -> str:
    out = ["| " + " | ".join(md(c) for c in columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    out += ["| " + " | ".join(md(fmt(r.get(c))) for c in columns) + " |" for r in rows]
    return "\n".join(out)


def bullets(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


# -- taxonomy (incident response, ~1 page) -------------------------------------------------------
def _taxonomy_rows(design: "Design") -> list[dict]:
    return [{"id": m.id, "name": m.name, "severity": m.severity, "category": m.category,
             "detection": str(m.detection), "occurrence": m.occurrence,
             "mitigation": m.mitigation.path + (f" — {m.mitigation.note}" if m.mitigation.note else ""),
             "runbook": m.runbook.id, "owner": m.owner} for m in design.taxonomy.modes]


TAXONOMY_COLS = ["id", "name", "severity", "category", "detection", "occurrence", "mitigation", "runbook", "owner"]


def taxonomy_html(design: "Design") -> str:
    tx = design.taxonomy
    levels = [{"severity": k, "criterion": v.criterion, "response": v.response} for k, v in sorted(tx.severity_levels.items())]
    runbooks = "".join(
        f"<tr><td>{esc(m.runbook.id)}</td><td>{esc(m.runbook.title)}<br><small>{esc(m.name)} · {esc(m.owner)}</small></td>"
        f"<td><ol class=\"steps\">{''.join(f'<li>{esc(s)}</li>' for s in m.runbook.steps)}</ol></td></tr>"
        for m in tx.modes)
    body = (f"<h2>Failure modes</h2>"
            f"<p>{len(tx.modes)} modes; occurrence is the share of requests hit. Each names the fallback path "
            f"that mitigates it and the runbook entry the on-call follows.</p>"
            + table(_taxonomy_rows(design), TAXONOMY_COLS, numeric=["occurrence"])
            + "<h2>Severity levels</h2>" + table(levels, ["severity", "criterion", "response"])
            + "<h2>Runbook entries</h2><table><thead><tr><th>id</th><th>title</th><th>steps</th></tr></thead>"
            f"<tbody>{runbooks}</tbody></table>")
    return page("Failure taxonomy", "for incident response", body, design)


def taxonomy_md(design: "Design") -> str:
    tx = design.taxonomy
    levels = [{"severity": k, "criterion": v.criterion, "response": v.response} for k, v in sorted(tx.severity_levels.items())]
    parts = [f"# Failure taxonomy — {md(design.context.name)}", "",
             "For incident response. Occurrence is the share of requests hit.", "",
             md_table(_taxonomy_rows(design), TAXONOMY_COLS), "", "## Severity levels", "",
             md_table(levels, ["severity", "criterion", "response"]), "", "## Runbook entries", ""]
    for m in tx.modes:
        parts.append(f"**{md(m.runbook.id)} — {md(m.runbook.title)}** ({md(m.name)}; owner: {md(m.owner)})")
        parts += [f"{k}. {md(s)}" for k, s in enumerate(m.runbook.steps, 1)] + [""]
    return "\n".join(parts)


# -- matrix (SRE and product, ~2 pages) -------------------------------------------------------------
def _policy_text(p) -> str:
    out = []
    if p.retry:
        out.append(f"retry ×{p.retry.max_retries} on {', '.join(p.retry.on)}")
    if p.hedge:
        out.append(f"hedge after {p.hedge.after_ms:g} ms")
    if p.circuit_breaker:
        cb = p.circuit_breaker
        out.append(f"breaker at {cb.failure_rate_threshold:.0%} over {cb.window_s:g} s, cooldown {cb.cooldown_s:g} s")
    return "; ".join(out)


def _matrix_rows(design: "Design") -> list[dict]:
    return [{"id": p.id, "name": p.name, "kind": p.kind, "p50 ms": p.latency.typical_ms, "p95 ms": p.latency.p95_ms,
             "p99 ms": p.latency.tail_ms, "timeout ms": p.timeout_ms, "cost/1M $": p.cost_per_1m_usd,
             "coverage %": p.coverage_pct, "error rate": p.error_rate, "quality Δ": p.quality_delta,
             "model": p.model or "", "policies": _policy_text(p), "effort": p.effort} for p in design.matrix.paths]


MATRIX_NUMERIC = ["p50 ms", "p95 ms", "p99 ms", "timeout ms", "cost/1M $", "coverage %", "error rate", "quality Δ"]


def _annual_cost(design: "Design") -> float:
    per_year = design.context.traffic.requests_per_day * 365 / 1e6
    return design.budget().blended_cost_per_1m_usd * per_year


def matrix_csv(design: "Design") -> str:
    """One row per path: the declared numbers exactly as in the design, then the budget."""
    budget = {r.id: r for r in design.budget().rows}
    cols = ["id", "name", "kind", "model", "p50_ms", "p95_ms", "p99_ms", "timeout_ms", "cost_per_1m_usd",
            "price_per_call_usd", "coverage_pct", "error_rate", "quality_delta", "max_retries",
            "reach_pct", "serves_pct", "attempts", "deadline_left_ms", "served_tail_ms",
            "blended_cost_per_1m_usd", "verdict", "effort"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for p in design.matrix.paths:
        b = budget[p.id]
        w.writerow([csv_cell(v) for v in [
            p.id, p.name, p.kind, p.model, p.latency.p50_ms, p.latency.p95_ms, p.latency.p99_ms, p.timeout_ms,
            p.cost_per_1m_usd, p.price_per_call_usd, p.coverage_pct, p.error_rate, p.quality_delta,
            p.retry.max_retries if p.retry else 0, 100 * b.reach, 100 * b.share, b.attempts, b.deadline_left_ms,
            b.served_tail_ms, b.cost_per_1m_usd, b.verdict, p.effort]])
    return buf.getvalue()


BEFORE, OWN = "time spent on earlier paths (all timed out)", "the path's own p99 (cut by its timeout)"


def matrix_chart_spec(design: "Design") -> dict:
    """Vega-Lite: per path, time spent before it plus its own tail, against the SLO threshold."""
    b = design.budget()
    slo = b.slo.threshold_ms
    values = []
    for r in b.rows:
        before = slo - r.deadline_left_ms
        if not math.isfinite(before):
            continue
        values.append({"path": r.id, "part": BEFORE, "ms": round(before, 1), "order": 1})
        if r.served_tail_ms is not None:
            values.append({"path": r.id, "part": OWN,
                           "ms": round(r.served_tail_ms, 1), "order": 2})
    order = [r.id for r in b.rows]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": f"Worst-case latency of an answer from each path vs the {slo:g} ms SLO",
                  "fontSize": 12, "anchor": "start"},
        "width": 560, "height": {"step": 26}, "background": "white",
        "layer": [
            {"data": {"values": values}, "mark": {"type": "bar"},
             "encoding": {"y": {"field": "path", "type": "nominal", "sort": order, "title": None},
                          "x": {"field": "ms", "type": "quantitative", "stack": "zero", "title": "milliseconds"},
                          "color": {"field": "part", "type": "nominal", "title": None,
                                    "scale": {"domain": [BEFORE, OWN], "range": ["#b0bec5", "#1565c0"]},
                                    "legend": {"orient": "bottom", "labelLimit": 500}},
                          "order": {"field": "order"}}},
            {"data": {"values": [{"slo": slo}]}, "mark": {"type": "rule", "color": "#b00020", "strokeWidth": 2},
             "encoding": {"x": {"field": "slo", "type": "quantitative"}}},
        ],
    }


def matrix_svg(design: "Design") -> str:
    import vl_convert as vlc  # offline: vega is bundled in the wheel
    return vlc.vegalite_to_svg(matrix_chart_spec(design))


def _budget_rows(design: "Design") -> list[dict]:
    return design.budget().rows_as_dicts()


def matrix_html(design: "Design", chart_svg: str) -> str:
    b = design.budget()
    rows = _budget_rows(design)
    annual = _annual_cost(design)
    summary = b.summary_lines() + [
        f"at {design.context.traffic.requests_per_day:,.0f} requests/day: ${annual:,.0f} a year "
        f"(ceiling ${design.context.cost_ceiling_per_1m_usd:,.2f} per 1M requests)"]
    body = ("<h2>Fallback paths, in chain order (declared)</h2>"
            "<p>A request tries each path in turn; coverage is the share of the requests reaching a path "
            "that it answers.</p>"
            + table(_matrix_rows(design), ["id", "name", "kind", "p50 ms", "p95 ms", "p99 ms", "timeout ms",
                                           "cost/1M $", "coverage %", "error rate", "quality Δ"], numeric=MATRIX_NUMERIC)
            + table(_matrix_rows(design), ["id", "model", "policies", "effort"])
            + f"<h2>Budget against the SLO</h2><p>{esc(b.slo)}. Every number below is arithmetic over the "
              "declared figures above.</p>"
            + table(rows, list(rows[0]) if rows else [], numeric=[c for c in (rows[0] if rows else {}) if c not in ("path", "kind", "verdict")])
            + bullets(summary)
            + f"<div class=\"figure\">{chart_svg}</div>")
    return page("Latency-budget matrix", "for SRE and product", body, design)


def matrix_md(design: "Design") -> str:
    b = design.budget()
    rows = _budget_rows(design)
    cols = ["id", "name", "kind", "p50 ms", "p95 ms", "p99 ms", "timeout ms", "cost/1M $", "coverage %",
            "error rate", "quality Δ", "policies"]
    annual = _annual_cost(design)
    return "\n".join([
        f"# Latency-budget matrix — {md(design.context.name)}", "",
        f"For SRE and product. SLO: {md(b.slo)}.", "", "## Fallback paths, in chain order (declared)", "",
        md_table(_matrix_rows(design), cols), "", "## Budget against the SLO", "",
        md_table(rows, list(rows[0]) if rows else []), "",
        *[f"- {md(s)}" for s in b.summary_lines()],
        f"- {md(f'${annual:,.0f} a year at {design.context.traffic.requests_per_day:,.0f} requests/day')}", "",
        "![Worst-case latency per path](matrix.svg)", "", "Numbers for a spreadsheet: [matrix.csv](matrix.csv).", ""])


# -- workflow (SRE and on-call, ~3 pages, diagram within two) ------------------------------------
def routing_rows(design: "Design") -> list[dict]:
    out = []
    for m in design.taxonomy.modes:
        edge = next((e for e in design.workflow.edges if m.id in e.handles), None)
        guard = (edge.guard or "") if edge else ""
        chain = design.workflow.mode_route(m.id)
        out.append({"failure mode": m.id, "severity": m.severity, "routed at": edge.source if edge else "",
                    "guard": guard, "then tries": " → ".join(chain)})
    return out


def _node_rows(design: "Design") -> list[dict]:
    parts = {p.id: p.label for p in design.workflow.partitions}
    return [{"id": n.id, "kind": n.kind, "label": n.label, "partition": parts.get(n.partition, n.partition or ""),
             "path": n.path or ""} for n in design.workflow.nodes]


def workflow_html(design: "Design", svg: str) -> str:
    walk = design.workflow.failure_walk()
    body = (f"<div class=\"figure diagram\">{svg}</div>"
            "<p>UML activity notation: filled circle = start, rounded box = action, diamond = decision or merge, "
            "black bar = fork/join, ringed circle = end of the activity, crossed circle = end of one flow; "
            "columns are partitions (who acts). Guards are in [brackets]; “/ ids” name the failure modes "
            "routed along a flow.</p>"
            "<h2 class=\"pagebreak\">Routing of each failure mode</h2>"
            f"<p>When every check fails, a request meets the paths in this order: {esc(' → '.join(walk))}.</p>"
            + table(routing_rows(design), ["failure mode", "severity", "routed at", "guard", "then tries"])
            + "<h2>Nodes</h2>" + table(_node_rows(design), ["id", "kind", "label", "partition", "path"]))
    return page("Recovery workflow", "for SRE and on-call", body, design)


def workflow_md(design: "Design") -> str:
    return "\n".join([
        f"# Recovery workflow — {md(design.context.name)}", "",
        "For SRE and on-call. UML activity diagram (Mermaid; the same diagram as SVG: [workflow.svg](workflow.svg)).", "",
        "```mermaid", design.workflow.to_mermaid(), "```", "",
        "## Routing of each failure mode", "",
        f"When every check fails, a request meets the paths in this order: {md(' → '.join(design.workflow.failure_walk()))}.", "",
        md_table(routing_rows(design), ["failure mode", "severity", "routed at", "guard", "then tries"]), "",
        "## Nodes", "", md_table(_node_rows(design), ["id", "kind", "label", "partition", "path"]), ""])


# -- the workflow drawn as SVG ----------------------------------------------------------------
CELL_W, ROW_H, TOP, LEFT = 224, 62, 34, 10
ACT_W, ACT_H = 168, 38


def _wrap(text: str, width: int = 27, lines: int = 3) -> list[str]:
    words, out, cur = " ".join(str(text).split()).split(" "), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            out.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        out.append(cur)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out or [""]


def _layout(wf: "RecoveryWorkflow") -> tuple[dict[str, tuple[int, int]], set[int], list[str]]:
    """Rows and columns: columns are partitions; rows follow the flow (back edges cut)."""
    ids = [n.id for n in wf.nodes]
    out = wf.outgoing()
    start = wf.initial.id if wf.initial else (ids[0] if ids else None)
    # Back edges: edges into a node still on the DFS stack.
    back: set[int] = set()
    edge_index = {id(e): i for i, e in enumerate(wf.edges)}
    state: dict[str, int] = {}
    roots = ([start] if start else []) + ids
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
                stack.pop()
            elif e.target not in state:
                state[e.target] = 1
                stack.append((e.target, iter(out[e.target])))
            elif state[e.target] == 1:
                back.add(edge_index[id(e)])
    forward = [e for i, e in enumerate(wf.edges) if i not in back and e.source in state and e.target in state]
    indeg = defaultdict(int)
    succ = defaultdict(list)
    preds = defaultdict(list)
    for e in forward:
        indeg[e.target] += 1
        succ[e.source].append(e.target)
        preds[e.target].append(e.source)
    queue = deque([i for i in ids if indeg[i] == 0])
    topo = []
    while queue:
        nid = queue.popleft()
        topo.append(nid)
        for t in succ[nid]:
            indeg[t] -= 1
            if indeg[t] == 0:
                queue.append(t)
    topo += [i for i in ids if i not in topo]
    lanes = [p.id for p in wf.partitions if any(n.partition == p.id for n in wf.nodes)]
    lane_of = {n.id: (lanes.index(n.partition) if n.partition in lanes else len(lanes)) for n in wf.nodes}
    if any(c == len(lanes) for c in lane_of.values()):
        lanes.append("")
    taken: set[tuple[int, int]] = set()
    pos: dict[str, tuple[int, int]] = {}
    for nid in topo:
        row = max([pos[p][0] + 1 for p in preds[nid] if p in pos] or [0])
        col = lane_of[nid]
        while (row, col) in taken:
            row += 1
        taken.add((row, col))
        pos[nid] = (row, col)
    return pos, back, lanes


def workflow_svg(design: "Design") -> str:
    """The recovery workflow as a standalone SVG UML activity diagram (no script, no fonts to fetch)."""
    wf = design.workflow
    pos, back, lanes = _layout(wf)
    labels = {p.id: p.label for p in wf.partitions}
    nodes = {n.id: n for n in wf.nodes}
    n_rows = max((r for r, _ in pos.values()), default=0) + 1
    gutter = 14 + 7 * sum(1 for i in back)
    width = LEFT * 2 + CELL_W * max(1, len(lanes)) + gutter
    height = TOP + ROW_H * n_rows + 16

    def center(nid):
        r, c = pos[nid]
        return LEFT + c * CELL_W + CELL_W / 2, TOP + r * ROW_H + ROW_H / 2

    def half_h(nid):
        k = nodes[nid].kind
        return {"action": ACT_H / 2, "decision": 13, "merge": 13, "fork": 3, "join": 3,
                "initial": 9, "activity_final": 11, "flow_final": 10}[k]

    def half_w(nid):
        k = nodes[nid].kind
        return {"action": ACT_W / 2, "decision": 13, "merge": 13, "fork": 60, "join": 60,
                "initial": 9, "activity_final": 11, "flow_final": 10}[k]

    occupied = {(pos[n][0], pos[n][1]) for n in pos}
    parts: list[str] = []
    # swimlanes
    for i, lane in enumerate(lanes):
        x = LEFT + i * CELL_W
        parts.append(f'<rect x="{x}" y="4" width="{CELL_W}" height="{height - 8}" fill="{"#fafafa" if i % 2 else "#ffffff"}" '
                     f'stroke="#9e9e9e" stroke-width="0.8"/>')
        parts.append(f'<text x="{x + CELL_W / 2}" y="20" text-anchor="middle" font-weight="bold" font-size="12">'
                     f'{esc(labels.get(lane, lane) or "(no partition)")}</text>')
        parts.append(f'<line x1="{x}" y1="27" x2="{x + CELL_W}" y2="27" stroke="#9e9e9e" stroke-width="0.8"/>')
    # edges: out of the bottom when the target is straight below, else out of a side and
    # down a gutter channel of the target's column, so lines never cross a node box
    gut_used: dict[tuple[int, str], int] = defaultdict(int)

    def gutter(col: int, side: str) -> float:
        k = gut_used[(col, side)]
        gut_used[(col, side)] += 1
        base = LEFT + col * CELL_W
        return base + 5 + 4 * k if side == "left" else base + CELL_W - 5 - 4 * k

    back_k = 0
    out_edges = wf.outgoing()
    for nid, edges in out_edges.items():
        if nid not in pos:
            continue
        sides = {"left": 0, "right": 0}
        bottom_used = False
        sx, sy = center(nid)
        sr, sc = pos[nid]
        src_kind = nodes[nid].kind
        for e in edges:
            if e.target not in pos:
                continue
            i = wf.edges.index(e)
            tx, ty = center(e.target)
            tr, tc = pos[e.target]
            y_top = ty - half_h(e.target)
            label = e.label
            blocked = any((r, tc) in occupied for r in range(sr + 1, tr))
            lab = None  # (x, y, anchor)
            if i in back or tr <= sr:
                back_k += 1
                gx = LEFT + CELL_W * len(lanes) + 7 * back_k
                pts = [(sx + half_w(nid), sy), (gx, sy), (gx, ty), (tx + half_w(e.target), ty)]
                lab = (gx - 3, (sy + ty) / 2, "end", 2)
            elif src_kind in ("fork", "join") or (not blocked and tc == sc and not bottom_used) or src_kind not in ("decision", "merge"):
                # out of the bottom (a bar: straight above the target where the bar reaches)
                x0 = min(max(tx, sx - 55), sx + 55) if src_kind in ("fork", "join") else sx
                y0 = sy + half_h(nid)
                bottom_used = bottom_used or tc == sc
                mid = TOP + sr * ROW_H + ROW_H - 8 if src_kind != "action" else y0 + 8
                if not blocked and abs(x0 - tx) < 0.5:
                    pts = [(x0, y0), (tx, y_top)]
                elif not blocked:
                    pts = [(x0, y0), (x0, mid), (tx, mid), (tx, y_top)]
                else:
                    gx = gutter(tc, "right")
                    yt = ty - ROW_H / 2 + 4
                    pts = [(x0, y0), (x0, mid), (gx, mid), (gx, yt), (tx, yt), (tx, y_top)]
                lab = (x0 + 5, y0 + 10, "start", 2)
            else:
                # out of a side of the diamond
                if tc != sc:
                    side = "right" if tc > sc else "left"
                else:
                    side = "right" if sides["right"] <= sides["left"] else "left"
                k = sides[side]
                sides[side] += 1
                dy = (0, 9, -9, 12, -12)[min(k, 4)]  # each exit leaves the diamond at its own height
                px = sx + (13 - abs(dy)) * (1 if side == "right" else -1)
                py = sy + dy
                if tc != sc and not blocked:
                    pts = [(px, py), (tx, py), (tx, y_top)]
                else:
                    gx = gutter(tc, side if tc == sc else ("left" if side == "right" else "right"))
                    yt = ty - ROW_H / 2 + 4
                    pts = [(px, py), (gx, py), (gx, yt), (tx, yt), (tx, y_top)]
                lab = (px + (4 if side == "right" else -4), py - 2, "start" if side == "right" else "end", 1)
            d = " ".join(f"{'M' if k == 0 else 'L'}{x:.1f},{y:.1f}" for k, (x, y) in enumerate(pts))
            parts.append(f'<path d="{d}" fill="none" stroke="#37474f" stroke-width="1.1" marker-end="url(#arrow)"/>')
            if label and lab:
                lx, ly, anchor, n_lines = lab  # side exits get one line; the routing table has it all
                for k2, line in enumerate(_wrap(label, 34 if n_lines > 1 else 40, n_lines)):
                    parts.append(f'<text x="{lx:.1f}" y="{ly + 10 * k2:.1f}" text-anchor="{anchor}" font-size="8.5" '
                                 f'fill="#0d47a1" class="guard" stroke="#fff" stroke-width="2.5" paint-order="stroke">'
                                 f'{esc(line)}</text>')
    # nodes
    for nid, n in nodes.items():
        if nid not in pos:
            continue
        x, y = center(nid)
        k = n.kind
        if k == "initial":
            parts.append(f'<circle cx="{x}" cy="{y}" r="9" fill="#000"/>')
        elif k == "activity_final":
            parts.append(f'<circle cx="{x}" cy="{y}" r="11" fill="#fff" stroke="#000" stroke-width="1.5"/>'
                         f'<circle cx="{x}" cy="{y}" r="6.5" fill="#000"/>')
        elif k == "flow_final":
            parts.append(f'<circle cx="{x}" cy="{y}" r="10" fill="#fff" stroke="#000" stroke-width="1.5"/>'
                         f'<path d="M{x - 7},{y - 7} L{x + 7},{y + 7} M{x + 7},{y - 7} L{x - 7},{y + 7}" stroke="#000" stroke-width="1.5"/>')
        elif k in ("fork", "join"):
            parts.append(f'<rect x="{x - 60}" y="{y - 3}" width="120" height="6" fill="#000"/>')
        elif k in ("decision", "merge"):
            parts.append(f'<path d="M{x},{y - 13} L{x + 13},{y} L{x},{y + 13} L{x - 13},{y} Z" fill="#fff" stroke="#000" stroke-width="1.3"/>')
            if n.label:
                # the question sits above-left: guards leave to the right and below
                q = _wrap(n.label, 26, 2)
                for j, line in enumerate(q):
                    parts.append(f'<text x="{x - 15}" y="{y - 14 - 10 * (len(q) - 1 - j)}" text-anchor="end" '
                                 f'font-size="9.5" font-style="italic">{esc(line)}</text>')
        else:
            lines = _wrap(n.label or n.id)
            parts.append(f'<rect x="{x - ACT_W / 2}" y="{y - ACT_H / 2}" width="{ACT_W}" height="{ACT_H}" rx="10" '
                         f'fill="{"#e3f2fd" if n.path else "#fff"}" stroke="#000" stroke-width="1.2"/>')
            y0 = y - (len(lines) - 1) * 6 + 3.5
            for j, line in enumerate(lines):
                parts.append(f'<text x="{x}" y="{y0 + 12 * j:.1f}" text-anchor="middle" font-size="10">{esc(line)}</text>')
    title = f"Recovery workflow of {design.context.name}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
            f'height="{height:.0f}" font-family="Helvetica, Arial, sans-serif" role="img">'
            f'<title>{esc(title)}</title>'
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#37474f"/></marker></defs>'
            + "".join(parts) + "</svg>")


# -- post-mortem loop (SRE lead, ~1 page) ---------------------------------------------------------
def _pm_parts(design: "Design"):
    pm = design.postmortem
    meas = pm.measure().rows()
    items = [{"id": a.id, "type": a.type, "title": a.title, "owner": a.owner, "due": a.due.isoformat(),
              "status": a.status, "failure mode": a.failure_mode or "", "incident": a.incident or ""} for a in pm.action_items]
    incidents = [{"id": i.id, "severity": i.severity, "title": i.title, "failure mode": i.failure_mode or "",
                  "detect min": i.minutes("time_to_detect"), "resolve min": i.minutes("time_to_resolve")}
                 for i in pm.incidents]
    facts = [f"Owner: {pm.owner}",
             f"Post-mortem written within {pm.cadence.per_incident_within_days} days of resolution; "
             f"weekly review on {pm.cadence.weekly_review}",
             "Triggers: " + "; ".join(pm.triggers),
             "Template: " + ", ".join(pm.template)]
    return facts, meas, items, incidents


def postmortem_html(design: "Design") -> str:
    facts, meas, items, incidents = _pm_parts(design)
    body = ("<h2>Cadence and ownership</h2>" + bullets(facts)
            + "<h2>Loop metrics, measured on the incident records (minutes)</h2>"
            + table(meas, list(meas[0]) if meas else [], numeric=[c for c in (meas[0] if meas else {}) if c != "metric"])
            + "<h2>Action items</h2>" + table(items, list(items[0]) if items else [])
            + "<h2>Incidents</h2>" + table(incidents, list(incidents[0]) if incidents else [], numeric=["detect min", "resolve min"]))
    return page("Post-mortem loop", "for the SRE lead", body, design)


def postmortem_md(design: "Design") -> str:
    facts, meas, items, incidents = _pm_parts(design)
    return "\n".join([f"# Post-mortem loop — {md(design.context.name)}", "", "For the SRE lead.", "",
                      *[f"- {md(f)}" for f in facts], "", "## Loop metrics (minutes, measured)", "",
                      md_table(meas, list(meas[0]) if meas else []), "", "## Action items", "",
                      md_table(items, list(items[0]) if items else []), "", "## Incidents", "",
                      md_table(incidents, list(incidents[0]) if incidents else []), ""])


# -- index -------------------------------------------------------------------------------------
DELIVERABLES = [
    ("Failure taxonomy", "incident response", "about 1 page", ["taxonomy.html", "taxonomy.md"]),
    ("Latency-budget matrix", "SRE and product", "about 2 pages", ["matrix.html", "matrix.md", "matrix.csv", "matrix.svg"]),
    ("Recovery workflow", "SRE and on-call", "about 3 pages", ["workflow.html", "workflow.md", "workflow.svg"]),
    ("Post-mortem loop", "SRE lead", "about 1 page", ["postmortem.html", "postmortem.md"]),
    ("Router configs", "platform team", "config files", ["routers/litellm.yaml", "routers/portkey.json"]),
]


def index_html(design: "Design", dropped: dict[str, list[str]]) -> str:
    rows = "".join(
        f"<tr><td><a href=\"{files[0]}\">{esc(name)}</a></td><td>{esc(who)}</td><td>{esc(size)}</td>"
        f"<td>{' · '.join(f'<a href={chr(34)}{f}{chr(34)}>{esc(f)}</a>' for f in files)}</td></tr>"
        for name, who, size, files in DELIVERABLES)
    drops = "".join(f"<h3>{esc(r)}: {len(d)} dropped</h3>" + bullets(d) for r, d in dropped.items())
    b = design.budget()
    body = ("<h2>Product</h2>" + table([{"": "SLO", "value": str(design.context.slo)},
                                        {"": "Budget", "value": b.verdict},
                                        {"": "Blended cost", "value": f"${b.blended_cost_per_1m_requests_usd:,.2f} per 1M requests"}],
                                       ["", "value"])
            + "<h2>Deliverables</h2><p>Each artifact stands alone: send each team its own page.</p>"
            "<table><thead><tr><th>artifact</th><th>for</th><th>length</th><th>files</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            "<h2>What the router configs leave out</h2>"
            "<p>Routers cannot express every part of the workflow; these stay in the application.</p>" + drops)
    return page("Fallback design", "index of the standalone artifacts", body, design, nav=False)


def index_md(design: "Design", dropped: dict[str, list[str]]) -> str:
    b = design.budget()
    lines = [f"# Fallback design — {md(design.context.name)}", "", f"- SLO: {md(design.context.slo)}",
             f"- Budget: {md(b.verdict)}", "", "| artifact | for | length | files |", "|---|---|---|---|"]
    lines += [f"| {md(n)} | {md(w)} | {md(s)} | " + ", ".join(f"[{md(f)}]({f})" for f in files) + " |"
              for n, w, s, files in DELIVERABLES]
    for r, d in dropped.items():
        lines += ["", f"## {md(r)}: dropped from the router config", ""] + [f"- {md(x)}" for x in d]
    return "\n".join(lines) + "\n"


# -- writing -----------------------------------------------------------------------------------
def render(design: "Design") -> dict[str, str]:
    """Every file of the export, by relative path (nothing is written)."""
    from . import routers
    lite, port = routers.litellm_config(design), routers.portkey_config(design)
    dropped = {"LiteLLM": lite.dropped, "Portkey": port.dropped}
    chart = matrix_svg(design)
    wsvg = workflow_svg(design)
    return {
        "index.html": index_html(design, dropped), "index.md": index_md(design, dropped),
        "taxonomy.html": taxonomy_html(design), "taxonomy.md": taxonomy_md(design),
        "matrix.html": matrix_html(design, chart), "matrix.md": matrix_md(design),
        "matrix.csv": matrix_csv(design), "matrix.svg": chart,
        "workflow.html": workflow_html(design, wsvg), "workflow.md": workflow_md(design), "workflow.svg": wsvg,
        "postmortem.html": postmortem_html(design), "postmortem.md": postmortem_md(design),
        "routers/litellm.yaml": lite.to_text(), "routers/portkey.json": port.to_text(),
    }


#: Written into every folder an export creates: ``--force`` replaces only a folder carrying it,
#: and only when everything in it is listed there (so nothing the kit did not write is lost).
MARKER = ".fallbackkit-export"
_MARKER_HEAD = ("# Written by `fallbackkit export`. `fallbackkit export --force` may replace this folder\n"
                "# only while it holds nothing but the files listed below.\n")


def _with_markers(files: dict[str, str]) -> dict[str, str]:
    folders = {str(Path(rel).parent) for rel in files} | {"."}
    out = dict(files)
    for folder in sorted(folders):
        rel = MARKER if folder == "." else f"{folder}/{MARKER}"
        listed = sorted(files) if folder == "." else sorted(f for f in files if f.startswith(folder + "/"))
        out[rel] = _MARKER_HEAD + "".join(f"{f}\n" for f in listed)
    return out


def _refusal(out: Path, protect: Iterable[str | os.PathLike]) -> str | None:
    """Why ``--force`` may not replace the existing folder ``out`` (None: it may)."""
    real = out.resolve()
    here = Path.cwd().resolve()
    if real == here or real in here.parents:
        return f"{out}: is the current folder or contains it; choose another --out"
    for p in protect:
        p_real = Path(p).resolve()
        if p_real == real or real in p_real.parents:
            return f"{out}: holds {p}, the design being exported; --force never replaces it; choose another --out"
    entries = [Path(root, name).relative_to(out).as_posix()
               for root, dirs, names in os.walk(out) for name in names + [d for d in dirs if Path(root, d).is_symlink()]]
    if not entries:
        return None  # an empty folder: nothing to lose
    marker = out / MARKER
    if not marker.is_file():
        return (f"{out}: was not written by fallbackkit export (it has no {MARKER} file), so --force will not "
                "replace it; move it away or choose another --out")
    try:
        listed = {line.strip() for line in marker.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")}
    except (OSError, UnicodeDecodeError) as exc:
        return f"{out}: its {MARKER} file cannot be read ({exc}); --force will not replace the folder"
    extra = sorted(e for e in entries if e not in listed and Path(e).name != MARKER)
    if extra:
        shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
        return (f"{out}: holds files an export did not write ({shown}), so --force will not replace it; "
                "move them away or choose another --out")
    return None


def export(design: "Design", out: str | os.PathLike, force: bool = False,
           protect: Iterable[str | os.PathLike] = ()) -> ExportResult:
    """Write the standalone deliverables of ``design`` into the folder ``out``.

    Refuses an invalid design (DesignError) and an existing ``out`` unless ``force``
    (OutputExists). Even with ``force`` an existing folder is replaced only when an earlier
    export wrote it (its :data:`MARKER` lists every file in it), never when it is or holds the
    current folder or a path in ``protect`` (the CLI passes the design file). Files go to a
    temporary sibling folder first and are renamed into place at the end, so an error leaves
    neither a partial folder nor a damaged old one.
    """
    problems = design.problems()
    if problems:
        raise DesignError(problems)
    out = Path(out)
    if out.exists() or out.is_symlink():
        if not out.is_dir() or out.is_symlink():
            raise OutputExists(f"{out}: exists and is not a folder; choose another --out")
        if not force:
            raise OutputExists(f"{out}: already exists; pass --force to replace it")
        why = _refusal(out, protect)
        if why:
            raise OutputExists(why)
    files = _with_markers(render(design))  # before touching the disk: a rendering error writes nothing
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    old: Path | None = None
    try:
        for rel, text in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o755)  # mkdtemp makes it owner-only; an export is meant to be shared
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.rename(out, old / "x")
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and (old / "x").exists() and not out.exists():
            os.rename(old / "x", out)  # put the previous export back
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    from . import routers
    return ExportResult(out=out, files=sorted(f for f in files if Path(f).name != MARKER),
                        dropped={"LiteLLM": routers.litellm_config(design).dropped,
                                 "Portkey": routers.portkey_config(design).dropped})
