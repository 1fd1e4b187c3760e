"""MatrixExplorer: move a path's latency, timeout, coverage or cost and see the SLO
verdict, the chain chart and the cost change at once.

    MatrixExplorer(fk.default_design())

Every change goes through one function, :func:`evaluate`: today the matrix's declared
arithmetic (``design.budget()``); when ``fallbackkit.simulate`` exists it also runs a
small seeded simulation, and the explorer shows both, each labelled.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from typing import Any

import ipywidgets as W

from ..design import Design
from ..matrix import Budget
from ..problems import DesignError
from . import edits
from ._base import CSS, FkWidget, as_design, chart_view, error_problems, problems_html, set_chart, svg_view

#: requests per simulated evaluation: small enough for a ≤ 150 ms update, seeded so a
#: slider moved back gives back the same numbers.
SIMULATE_REQUESTS = 20_000
SIMULATE_SEED = 7


@dataclass
class Evaluation:
    """What one evaluation of a design says: the budget, and a simulation when available."""

    design: Design
    budget: Budget
    simulated: Any = None
    simulate_error: str | None = None

    @property
    def verdict(self) -> str:
        return self.budget.verdict

    @property
    def within(self) -> bool:
        worst = self.budget.worst_case_ms
        return worst is not None and worst <= self.budget.slo.threshold_ms

    def lines(self) -> list[str]:
        ceiling = self.design.context.cost_ceiling_per_1m_usd
        cost = self.budget.blended_cost_per_1m_usd
        out = [f"declared: {self.verdict}",
               f"served {100 * self.budget.served:.3f}% · unserved {100 * self.budget.unserved:.3f}%",
               f"blended cost ${cost:,.2f} per 1M calls"
               + (f" (ceiling ${ceiling:,.0f}: {'over' if cost > ceiling else 'within'})" if ceiling else ""),
               f"retry share {100 * self.budget.retry_share:.2f}% (budget {100 * self.budget.retry_budget:g}%)"]
        out += [f"{r.id}: timeout {r.timeout_ms:g} ms exceeds the {r.deadline_left_ms:,.0f} ms left"
                for r in self.budget.rows if not r.timeout_fits]
        if self.simulated is not None:
            out.append(f"simulated ({SIMULATE_REQUESTS:,} requests, seed {SIMULATE_SEED}): {_sim_summary(self.simulated)}")
        return out


def _simulator():
    """fallbackkit.simulate.simulate when that module exists, else None."""
    try:
        from ..simulate import simulate  # type: ignore[import-not-found]
    except ImportError:
        return None
    return simulate


def _sim_summary(result: Any) -> str:
    for name in ("verdict", "summary"):
        v = getattr(result, name, None)
        if v is not None:
            return str(v() if callable(v) else v).splitlines()[0]
    att = getattr(result, "slo_attainment", None)
    return f"SLO attainment {att:.4%}" if isinstance(att, float) else str(result).splitlines()[0]


def evaluate(design: Design, simulate: bool | None = None) -> Evaluation:
    """The single place the explorer asks what a design's numbers are."""
    ev = Evaluation(design, design.budget())
    sim = _simulator() if simulate is not False else None
    if sim is not None:
        try:
            ev.simulated = sim(design, SIMULATE_REQUESTS, SIMULATE_SEED)
        except Exception as exc:  # the simulator is optional here; the budget still stands
            ev.simulate_error = f"{type(exc).__name__}: {exc}"
    return ev


def chain_rows(budget: Budget) -> list[dict]:
    """One bar per path: when a request reaches it (time spent before) to its served tail."""
    rows = []
    for i, r in enumerate(budget.rows):
        start = budget.slo.threshold_ms - r.deadline_left_ms
        tail = r.served_tail_ms if r.served_tail_ms is not None else 0.0
        over = r.over_by_ms is not None and r.over_by_ms > 0
        rows.append({"order": i, "path": r.id, "start_ms": round(start, 3), "end_ms": round(start + tail, 3),
                     "serves_pct": round(100 * r.share, 3), "verdict": "over budget" if over else "within budget"})
    return rows


def chain_chart(budget: Budget):
    """The fallback chain against the SLO threshold (Altair, data inline)."""
    import altair as alt
    rows = chain_rows(budget)
    slo = budget.slo.threshold_ms
    top = max([slo] + [r["end_ms"] for r in rows if r["end_ms"] == r["end_ms"]]) * 1.1
    bars = alt.Chart(alt.Data(values=rows)).mark_bar(height=18).encode(
        y=alt.Y("path:N", sort=alt.SortField("order"), title=None),
        x=alt.X("start_ms:Q", title="ms since the request arrived (worst case)", scale=alt.Scale(domain=[0, top])),
        x2="end_ms:Q",
        color=alt.Color("verdict:N", scale=alt.Scale(domain=["within budget", "over budget"], range=["#2e7d32", "#c62828"]),
                        legend=alt.Legend(orient="bottom", title=None)),
        tooltip=["path:N", "start_ms:Q", "end_ms:Q", "serves_pct:Q"])
    rule = alt.Chart(alt.Data(values=[{"slo_ms": slo, "label": f"SLO {slo:g} ms"}])).mark_rule(
        color="black", strokeDash=[4, 3]).encode(x="slo_ms:Q")
    label = alt.Chart(alt.Data(values=[{"slo_ms": slo, "label": f"SLO {slo:g} ms"}])).mark_text(
        align="left", dx=3, dy=-4, baseline="bottom").encode(x="slo_ms:Q", y=alt.value(0), text="label:N")
    return (bars + rule + label).properties(width=460, height=30 * max(1, len(rows)),
                                           title="Worst case per path: reached at … answered by")


class MatrixExplorer(FkWidget):
    """Sliders per path; verdict, chart and numbers re-evaluated on every change."""

    css_class = "fbk-matrix-explorer"

    def __init__(self, design: Design | str | None = None, chart: str = "jupyter", simulate: bool | None = None):
        super().__init__()
        self.design, self.path = as_design(design, None)
        self.original = self.design
        self.simulate = simulate
        self.last_update_ms: float | None = None
        self.updates = 0
        self.controls: dict[tuple[str, str], W.Widget] = {}
        self.evaluation = evaluate(self.design, simulate)

        self.verdict = W.HTML("")
        self.verdict.add_class("fbk-verdict")
        self.problems = W.HTML("")
        self.timing = W.HTML("")
        self.timing.add_class("fbk-timing")
        chart_obj = chain_chart(self.evaluation.budget)
        self.chart = svg_view(chart_obj) if chart == "svg" else chart_view(chart_obj)
        self.table = W.HTML("")
        self.reset = W.Button(description="Reset", icon="undo")
        self.reset.on_click(lambda _b: self.set_design(self.original))
        self.children = [W.HTML(CSS + f"<b>Latency-budget matrix explorer</b> — SLO: {html.escape(str(self.design.context.slo))}"),
                         self._grid(), W.HBox([self.reset, self.timing]), self.verdict, self.problems,
                         self.chart, self.table]
        self._show(self.evaluation)

    # -- controls ---------------------------------------------------------------------------
    def _grid(self) -> W.GridBox:
        slo = self.design.context.slo.threshold_ms
        head = [W.HTML(f"<b>{h}</b>") for h in ("path", "p99 latency ms", "timeout ms", "coverage %", "cost $/1M calls")]
        cells: list[W.Widget] = list(head)
        for p in self.design.matrix.paths:
            cells.append(W.HTML(f"{html.escape(p.id)}<br><small>{html.escape(p.kind)}</small>"))
            p99 = edits.path_p99(p)
            top = max(2 * slo, 2 * (p99 or 0), 2 * (p.timeout_ms or 0))
            lat = W.FloatSlider(value=p99 or 0, min=0, max=top, step=1, continuous_update=False,
                                disabled=p99 is None, readout_format=".0f", layout=W.Layout(width="220px"))
            tmo = W.FloatSlider(value=p.timeout_ms or 0, min=1, max=top, step=1, continuous_update=False,
                                disabled=p.timeout_ms is None, readout_format=".0f", layout=W.Layout(width="220px"),
                                description_tooltip="no timeout stated" if p.timeout_ms is None else "")
            cov = W.FloatSlider(value=p.coverage_pct, min=0, max=100, step=0.5, continuous_update=False,
                                readout_format=".1f", layout=W.Layout(width="220px"))
            cost = W.BoundedFloatText(value=p.cost_per_1m_usd, min=0, max=1e9, step=1, layout=W.Layout(width="120px"))
            for field, w in zip(edits.PATH_FIELDS, (lat, tmo, cov, cost)):
                w.add_class(f"fbk-{p.id}-{field.replace('_', '-')}")
                w.add_class(f"fbk-ctl-{field.replace('_', '-')}")
                self.controls[(p.id, field)] = w
                w.observe(self._on_change(p.id, field), "value")
                cells.append(w)
        return W.GridBox(cells, layout=W.Layout(grid_template_columns="140px 240px 240px 240px 130px",
                                                 grid_gap="2px 6px", align_items="center"))

    def _on_change(self, path_id: str, field: str):
        def handler(change):
            if self._syncing:
                return
            self.change(path_id, field, change["new"])
        return handler

    _syncing = False

    # -- the API ---------------------------------------------------------------------------
    def change(self, path_id: str, field: str, value: float | None) -> Evaluation | None:
        """Set one number of one path and re-evaluate; the time it takes is `last_update_ms`."""
        t0 = time.perf_counter()
        try:
            new = edits.with_path_value(self.design, path_id, field, value)
        except (DesignError, ValueError) as exc:
            self.problems.value = problems_html(error_problems(exc))
            return None
        self.design = new
        ev = evaluate(new, self.simulate)
        self._show(ev)
        self.last_update_ms = (time.perf_counter() - t0) * 1000
        self.updates += 1
        self.timing.value = f"<small>updated in {self.last_update_ms:.0f} ms</small>"
        return ev

    def set_design(self, design: Design) -> None:
        self.design = design
        self._syncing = True
        try:
            for p in design.matrix.paths:
                vals = dict(zip(edits.PATH_FIELDS, (edits.path_p99(p), p.timeout_ms, p.coverage_pct, p.cost_per_1m_usd)))
                for field, v in vals.items():
                    if v is not None:
                        self.controls[(p.id, field)].value = v
        finally:
            self._syncing = False
        self._show(evaluate(design, self.simulate))

    def _show(self, ev: Evaluation) -> None:
        self.evaluation = ev
        cls = "ok" if ev.within else "over"
        first, *rest = ev.lines()
        items = "".join(f"<li>{html.escape(x)}</li>" for x in rest)
        self.verdict.value = (f"<div class='fbk-verdict-text {cls}' style='font-size:14px'>{html.escape(ev.verdict)}</div>"
                              f"<ul style='margin:2px 0'>{items}</ul>")
        self.problems.value = "" if ev.simulate_error is None else problems_html(error_problems(ValueError(
            f"simulation unavailable ({ev.simulate_error}); showing the declared arithmetic")))
        set_chart(self.chart, chain_chart(ev.budget))
        self.table.value = ev.budget.to_html()

    def to_text(self) -> str:
        return "\n".join(["MatrixExplorer", *self.evaluation.lines(), "", self.evaluation.budget.to_text()])
