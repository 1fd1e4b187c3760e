"""MatrixExplorer: move a path's latency, timeout, coverage or cost and see the SLO
verdict, the chain chart and the cost change at once.

    MatrixExplorer(fk.default_design())

Every change goes through one function, :func:`evaluate`: today the matrix's declared
arithmetic (``design.budget()``); when ``fallbackkit.simulation`` exists it also runs a
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
from ._base import CSS, FkWidget, as_design, chart_view, error_problems, problems_html

#: requests per simulated evaluation: enough for a p99.9 from 50 tail requests, small
#: enough for a ≤ 150 ms update; seeded, so a slider moved back gives back the same numbers.
SIMULATE_REQUESTS = 50_000
SIMULATE_SEED = 7


@dataclass
class Evaluation:
    """What one evaluation of a design says: the declared budget, and a simulation when available."""

    design: Design
    budget: Budget
    simulated: Any = None
    simulate_error: str | None = None

    @property
    def declared_verdict(self) -> str:
        return self.budget.verdict

    @property
    def declared_within(self) -> bool:
        worst = self.budget.worst_case_ms
        return worst is not None and worst <= self.budget.slo.threshold_ms

    @property
    def meets_slo(self) -> bool:
        """Simulated attainment against the SLO when simulated, else the declared worst case."""
        if self.simulated is not None:
            return self.simulated.slo_attainment >= self.budget.slo.percentile / 100
        return self.declared_within

    @property
    def verdict(self) -> str:
        """The headline: simulated SLO attainment when the kit can simulate, else the budget's verdict."""
        r, slo = self.simulated, self.budget.slo
        if r is None:
            return self.declared_verdict
        word = "SLO met" if self.meets_slo else "SLO missed"
        return (f"{word} (simulated): {100 * r.slo_attainment:.3f}% of requests < {slo.threshold_ms:g} ms "
                f"vs a {slo.percentile:g}% target; p99.9 {r.percentiles['p99.9']:,.0f} ms")

    def lines(self) -> list[str]:
        ceiling = self.design.context.cost_ceiling_per_1m_usd
        b, r = self.budget, self.simulated
        out = [self.verdict]
        if r is not None:
            out.append(f"declared: {self.declared_verdict}")
            out.append(f"simulated: served {100 * r.served:.3f}%, cost ${r.cost_per_1m_requests_usd:,.2f} per 1M requests, "
                       f"retries {100 * r.retry_share:.2f}%, error-budget burn {r.error_budget_burn:,.2f}× "
                       f"({r.n_requests:,} requests, seed {r.seed})")
        cost = b.blended_cost_per_1m_usd
        out += [f"declared: served {100 * b.served:.3f}% · unserved {100 * b.unserved:.3f}%",
                f"declared: blended cost ${cost:,.2f} per 1M requests"
                + (f" (ceiling ${ceiling:,.0f}: {'over' if cost > ceiling else 'within'})" if ceiling else ""),
                f"declared: retry share {100 * b.retry_share:.2f}% (budget {100 * b.retry_budget:g}%)"]
        out += [f"{x.id}: timeout {x.timeout_ms:g} ms exceeds the {x.deadline_left_ms:,.0f} ms left of the deadline"
                for x in b.rows if not x.timeout_fits]
        if self.simulate_error:
            out.append(f"simulation unavailable: {self.simulate_error}")
        return out


def evaluate(design: Design, simulate: bool | None = None,
             n_requests: int = SIMULATE_REQUESTS, seed: int = SIMULATE_SEED) -> Evaluation:
    """The single place the explorer asks what a design's numbers are.

    The declared budget always; a seeded simulation of ``n_requests`` too unless
    ``simulate=False``. A design the simulator refuses keeps its budget and says why.
    """
    ev = Evaluation(design, design.budget())
    if simulate is not False:
        from ..simulation import simulate as run
        try:
            ev.simulated = run(design, n_requests, seed)
        except DesignError as exc:
            ev.simulate_error = "; ".join(f"{p.path}: {p.message}" for p in exc.problems[:3])
    return ev


# -- charts: built once with Altair, then only their data change ------------------------------
# Re-running Altair's to_dict on every slider move costs 35–130 ms here; a Vega-Lite spec
# whose data are named datasets costs nothing to refill, so a change swaps the datasets.
_TEMPLATES: dict[str, dict] = {}


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


def _chain_template():
    import altair as alt
    bars = alt.Chart(alt.Data(name="chain")).mark_bar(height=18).encode(
        y=alt.Y("path:N", sort=alt.SortField("order"), title=None),
        x=alt.X("start_ms:Q", title="ms since the request arrived (declared worst case)"),
        x2="end_ms:Q",
        color=alt.Color("verdict:N", scale=alt.Scale(domain=["within budget", "over budget"], range=["#2e7d32", "#c62828"]),
                        legend=alt.Legend(orient="bottom", title=None)),
        tooltip=["path:N", "start_ms:Q", "end_ms:Q", "serves_pct:Q"])
    rule = alt.Chart(alt.Data(name="slo")).mark_rule(color="black", strokeDash=[4, 3]).encode(x="slo_ms:Q")
    label = alt.Chart(alt.Data(name="slo")).mark_text(align="left", dx=3, dy=-4, baseline="bottom").encode(
        x="slo_ms:Q", y=alt.value(0), text="label:N")
    return (bars + rule + label).properties(width=420, height=150, title="Declared: each path's worst case vs the SLO")


def _cdf_template():
    import altair as alt
    line = alt.Chart(alt.Data(name="cdf")).mark_line(interpolate="step-after").encode(
        x=alt.X("latency_ms:Q", scale=alt.Scale(type="log"), title="latency as the user sees it (ms, log)"),
        y=alt.Y("share:Q", title="share of requests at or below", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("path:N", title="served by", legend=alt.Legend(orient="bottom")),
        tooltip=["path:N", alt.Tooltip("latency_ms:Q", format=",.1f"), alt.Tooltip("share:Q", format=".4f")])
    rule = alt.Chart(alt.Data(name="slo")).mark_rule(color="#b00020", strokeWidth=2).encode(x="slo_ms:Q")
    target = alt.Chart(alt.Data(name="slo")).mark_rule(color="#b00020", strokeDash=[4, 4]).encode(y="target:Q")
    return (line + rule + target).properties(width=420, height=150, title="Simulated: latency CDF per path vs the SLO")


def template(name: str):
    """(altair chart, its Vega-Lite dict) for ``'chain'`` or ``'cdf'``; built once per process."""
    if name not in _TEMPLATES:
        chart = {"chain": _chain_template, "cdf": _cdf_template}[name]()
        _TEMPLATES[name] = (chart, chart.to_dict())
    return _TEMPLATES[name]


def _slo_rows(budget: Budget) -> list[dict]:
    slo = budget.slo
    return [{"slo_ms": slo.threshold_ms, "target": slo.percentile / 100, "label": f"SLO {slo.threshold_ms:g} ms"}]


def chain_spec(budget: Budget) -> dict:
    return {**template("chain")[1], "datasets": {"chain": chain_rows(budget), "slo": _slo_rows(budget)}}


def cdf_rows(result, max_points: int = 120) -> list[dict]:
    rows: list[dict] = []
    series = [("all requests", None)] + [(p.id, p.id) for p in result.paths if p.share > 0]
    for label, pid in series:
        x, y = result.cdf_points(pid, max_points=max_points)
        rows += [{"latency_ms": max(float(a), 0.01), "share": round(float(b), 6), "path": label} for a, b in zip(x, y)]
    return rows


def cdf_spec(ev: Evaluation) -> dict:
    rows = cdf_rows(ev.simulated) if ev.simulated is not None else []
    return {**template("cdf")[1], "datasets": {"cdf": rows, "slo": _slo_rows(ev.budget)}}


class MatrixExplorer(FkWidget):
    """Sliders per path; verdict, chart and numbers re-evaluated on every change."""

    css_class = "fbk-matrix-explorer"

    def __init__(self, design: Design | str | None = None, chart: str = "jupyter", simulate: bool | None = None,
                 path: str | None = None, n_requests: int = SIMULATE_REQUESTS, seed: int = SIMULATE_SEED):
        super().__init__()
        self.design, self.path = as_design(design, path)
        self.original = self.design
        self.simulate = simulate
        self.n_requests, self.seed = n_requests, seed
        self.last_update_ms: float | None = None
        self.updates = 0
        self.controls: dict[tuple[str, str], W.Widget] = {}
        self.evaluation = evaluate(self.design, simulate, n_requests, seed)

        self.verdict = W.HTML("")
        self.verdict.add_class("fbk-verdict")
        self.problems = W.HTML("")
        self.timing = W.HTML("")
        self.timing.add_class("fbk-timing")
        self.chart_mode = chart
        self.chart = self._chart_view("chain")
        self.cdf_chart = self._chart_view("cdf")
        if simulate is False:
            self.cdf_chart.layout.display = "none"
        self.table = W.HTML("")
        self.reset = W.Button(description="Reset", icon="undo")
        self.reset.on_click(lambda _b: self.set_design(self.original))
        self.save_button = W.Button(description="Save matrix", icon="save", disabled=self.path is None,
                                    tooltip="" if self.path else "no file: pass a design file path to save")
        self.save_button.add_class("fbk-save")
        self.save_button.on_click(lambda _b: self.save())
        self.message = W.HTML("")
        self.children = [W.HTML(CSS + f"<b>Latency-budget matrix explorer</b> — SLO: {html.escape(str(self.design.context.slo))}"),
                         self._grid(), W.HBox([self.reset, self.save_button, self.timing]), self.message, self.verdict, self.problems,
                         W.HBox([self.chart, self.cdf_chart]), self.table]
        self._show(self.evaluation)

    # -- controls ---------------------------------------------------------------------------
    def _grid(self) -> W.GridBox:
        slo = self.design.context.slo.threshold_ms
        # spelled out and never cut: a header wraps inside its column instead of overflowing it
        head = [W.HTML(f"<b style='white-space:normal'>{h}</b>", layout=W.Layout(overflow="visible"))
                for h in ("path", "p99 latency ms", "timeout ms", "coverage %", "price per 1M calls (USD)")]
        cells: list[W.Widget] = list(head)
        for p in self.design.matrix.paths:
            cells.append(W.HTML(f"{html.escape(p.id)}<br><small>{html.escape(p.kind)}</small>"))
            p99 = edits.path_p99(p)
            top = max(2 * slo, 2 * (p99 or 0), 2 * (p.timeout_ms or 0))
            lat = W.FloatSlider(value=p99 or 0, min=0, max=top, step=1, continuous_update=False,
                                disabled=p99 is None, readout_format=".0f", layout=W.Layout(width="220px"))
            tmo = W.FloatSlider(value=p.timeout_ms or 0, min=1, max=top, step=1, continuous_update=False,
                                disabled=p.timeout_ms is None, readout_format=".0f", layout=W.Layout(width="220px"),
                                tooltip="no timeout stated" if p.timeout_ms is None else "")
            cov = W.FloatSlider(value=p.coverage_pct, min=0, max=100, step=0.5, continuous_update=False,
                                readout_format=".1f", layout=W.Layout(width="220px"))
            cost = W.BoundedFloatText(value=p.cost_per_1m_usd, min=0, max=1e9, step=1, layout=W.Layout(width="120px"))
            for field, w in zip(edits.PATH_FIELDS, (lat, tmo, cov, cost)):
                if w.disabled:  # nothing stated to move (no timeout, or latency only as a profile)
                    cells.append(W.HTML(f"<small>{'no timeout' if field == 'timeout_ms' else 'from a profile'}</small>"))
                    continue
                w.add_class(f"fbk-{p.id}-{field.replace('_', '-')}")
                w.add_class(f"fbk-ctl-{field.replace('_', '-')}")
                self.controls[(p.id, field)] = w
                w.observe(self._on_change(p.id, field), "value")
                cells.append(w)
        return W.GridBox(cells, layout=W.Layout(grid_template_columns="140px 240px 240px 240px 150px", overflow="auto",
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
        ev = evaluate(new, self.simulate, self.n_requests, self.seed)
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
                    if v is not None and (p.id, field) in self.controls:
                        self.controls[(p.id, field)].value = v
        finally:
            self._syncing = False
        self._show(evaluate(design, self.simulate, self.n_requests, self.seed))

    def _show(self, ev: Evaluation) -> None:
        self.evaluation = ev
        cls = "ok" if ev.meets_slo else "over"
        first, *rest = ev.lines()
        items = "".join(f"<li>{html.escape(x)}</li>" for x in rest)
        self.verdict.value = (f"<div class='fbk-verdict-text {cls}' style='font-size:14px'>{html.escape(ev.verdict)}</div>"
                              f"<ul style='margin:2px 0'>{items}</ul>")
        self.problems.value = "" if ev.simulate_error is None else problems_html(error_problems(ValueError(
            f"simulation unavailable ({ev.simulate_error}); showing the declared arithmetic")))
        self._set_spec(self.chart, chain_spec(ev.budget))
        if ev.simulated is not None:
            self._set_spec(self.cdf_chart, cdf_spec(ev))
        self.table.value = ev.budget.to_html()

    def save(self) -> bool:
        """Save the explored matrix into the design file: only the matrix is replaced, in the file
        as it is on disk now; "Not saved: <reason>" when refused."""
        return self._save_artifact("matrix", self.design.matrix) is not None

    def _chart_view(self, name: str) -> W.Widget:
        chart = template(name)[0]
        if self.chart_mode == "svg":
            view = W.HTML("")
            view.add_class("fbk-chart")
            return view
        return chart_view(chart)

    def _set_spec(self, view: W.Widget, spec: dict) -> None:
        if isinstance(view, W.HTML):
            import vl_convert as vlc
            view.value = vlc.vegalite_to_svg(spec)
        else:
            view.spec = spec

    def to_text(self) -> str:
        return "\n".join(["MatrixExplorer", *self.evaluation.lines(), "", self.evaluation.budget.to_text()])
