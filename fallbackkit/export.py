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
print CSS. The workflow diagram is drawn as SVG (``diagrams.svg``) rather than by Mermaid in
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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from .diagrams.labels import esc
from .diagrams.svg import workflow_svg
from .export_folder import MARKER, check_target, with_markers, write_folder
from .export_folder import OutputExists as OutputExists  # re-exported: the CLI catches export.OutputExists
from .problems import DesignError

if TYPE_CHECKING:  # pragma: no cover
    from .design import Design


@dataclass
class ExportResult:
    out: Path
    files: list[str]          # relative paths written, sorted
    dropped: dict[str, list[str]]  # router → what its config could not express

    def __str__(self) -> str:
        return f"wrote {len(self.files)} files to {self.out}"


# -- escaping (HTML and SVG text: ``diagrams.labels.esc``) --------------------------------------
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


def export(design: "Design", out: str | os.PathLike, force: bool = False,
           protect: Iterable[str | os.PathLike] = ()) -> ExportResult:
    """Write the standalone deliverables of ``design`` into the folder ``out``.

    Refuses an invalid design (DesignError) and an existing ``out`` unless ``force``
    (OutputExists). Even with ``force`` an existing folder is replaced only when an earlier
    export wrote it (its :data:`MARKER` lists every file in it), never when it is or holds the
    current folder or a path in ``protect`` (the CLI passes the design file). Files go to a
    temporary sibling folder first and are renamed into place at the end, so an error leaves
    neither a partial folder nor a damaged old one (:mod:`fallbackkit.export_folder`).
    """
    problems = design.problems()
    if problems:
        raise DesignError(problems)
    out = Path(out)
    check_target(out, force, protect)
    files = with_markers(render(design))  # before touching the disk: a rendering error writes nothing
    write_folder(out, files)
    from . import routers
    return ExportResult(out=out, files=sorted(f for f in files if Path(f).name != MARKER),
                        dropped={"LiteLLM": routers.litellm_config(design).dropped,
                                 "Portkey": routers.portkey_config(design).dropped})
