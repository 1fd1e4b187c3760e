"""Charts of simulation results (Altair), rendered offline.

    from fallbackkit import charts
    charts.enable_offline()                 # once per notebook: JupyterLab renders with no CDN
    charts.latency_cdf(result)              # CDF per path against the SLO line
    charts.cost_vs_coverage(design, "cache")
    charts.tail_share(result)               # who serves the slowest 1%
    charts.svg(chart)                       # a static SVG (vl-convert), for exports and tests

Altair's default renderer loads vega from a CDN ("Error loading script" offline), so
:func:`enable_offline` switches to the JupyterChart renderer with its JavaScript bundled,
and :func:`svg` renders through vl-convert, which needs no browser and no network.
Data are inlined as plain values (no pandas needed).
"""

from __future__ import annotations

from typing import Any, Sequence


def _alt():
    import altair as alt
    return alt


def enable_offline() -> str:
    """Render Altair charts in JupyterLab with no network: JupyterChart with bundled JS.

    Falls back to static SVG (vl-convert) when the anywidget-based renderer is unavailable.
    Returns the name of the renderer enabled.
    """
    alt = _alt()
    try:
        alt.renderers.enable("jupyter", offline=True)
        return "jupyter (offline)"
    except Exception:  # noqa: BLE001 - any failure here means: use static SVG instead
        alt.renderers.enable("svg")
        return "svg"


def svg(chart) -> str:
    """The chart as SVG text, rendered locally by vl-convert (no browser, no network)."""
    import vl_convert as vlc
    return vlc.vegalite_to_svg(chart.to_dict())


class StaticChart:
    """An SVG rendering of a chart that displays in Jupyter and saves to a file."""

    def __init__(self, chart):
        self.chart, self.text = chart, svg(chart)

    def _repr_svg_(self) -> str:
        return self.text

    def save(self, path) -> str:
        from .files import atomic_write_text
        return str(atomic_write_text(path, self.text))


def static(chart) -> StaticChart:
    return StaticChart(chart)


def latency_cdf(result, paths: Sequence[str] | None = None, max_points: int = 300):
    """User-seen latency CDF per serving path and over all requests, against the SLO threshold.

    The x axis is logarithmic; the red rule is the SLO threshold, the dashed one its percentile.
    """
    alt = _alt()
    rows: list[dict[str, Any]] = []
    ids = [p.id for p in result.paths] if paths is None else list(paths)
    series = [("all requests", None)] + [(pid, pid) for pid in ids if result.path(pid).share > 0]
    for label, pid in series:
        x, y = result.cdf_points(pid, max_points=max_points)
        rows += [{"latency_ms": max(float(a), 0.01), "share": float(b), "path": label} for a, b in zip(x, y)]
    slo = result.slo
    base = alt.Chart(alt.Data(values=rows)).mark_line(interpolate="step-after").encode(
        x=alt.X("latency_ms:Q", scale=alt.Scale(type="log"), title="latency as the user sees it (ms)"),
        y=alt.Y("share:Q", title="share of requests at or below", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("path:N", sort=[s[0] for s in series], title="served by"),
        tooltip=["path:N", alt.Tooltip("latency_ms:Q", format=",.1f"), alt.Tooltip("share:Q", format=".4f")])
    rule = alt.Chart(alt.Data(values=[{"threshold_ms": slo.threshold_ms,
                                       "label": f"SLO {slo.threshold_ms:g} ms"}])).mark_rule(
        color="#b00020", strokeWidth=2).encode(x="threshold_ms:Q", tooltip=["label:N"])
    target = alt.Chart(alt.Data(values=[{"p": slo.percentile / 100}])).mark_rule(
        color="#b00020", strokeDash=[4, 4]).encode(y="p:Q")
    return (base + rule + target).properties(
        width=520, height=300,
        title=f"Latency CDF per path vs SLO ({slo.percentile:g}% < {slo.threshold_ms:g} ms), "
              f"{result.n_requests:,} requests")


def cost_vs_coverage(design_or_rows, path: str = "cache", coverages: Sequence[float] = tuple(range(0, 101, 10)),
                     n_requests: int = 50_000, seed: int = 0, **kwargs):
    """Cost per 1M requests and p99.9 as ``path``'s coverage (hit rate) varies; simulated.

    Pass a design (it is simulated at each coverage) or rows from
    :func:`fallbackkit.simulation.sweep_coverage`.
    """
    alt = _alt()
    if isinstance(design_or_rows, list):
        rows = design_or_rows
    else:
        from .simulation import sweep_coverage
        rows = sweep_coverage(design_or_rows, path, coverages, n_requests=n_requests, seed=seed, **kwargs)
    data = alt.Data(values=[{**r, "p999_ms": r["p99.9_ms"]} for r in rows])
    x = alt.X("coverage_pct:Q", title=f"{path} coverage (% of requests reaching it)")
    tip = [alt.Tooltip("coverage_pct:Q"), alt.Tooltip("cost_per_1m_requests_usd:Q", format="$,.2f"),
           alt.Tooltip("p999_ms:Q", format=",.1f"), alt.Tooltip("slo_attainment:Q", format=".5f")]
    cost = alt.Chart(data).mark_line(point=True).encode(
        x=x, y=alt.Y("cost_per_1m_requests_usd:Q", title="cost per 1M requests ($)", scale=alt.Scale(zero=False)),
        tooltip=tip).properties(width=300, height=240, title="cost vs coverage")
    tail = alt.Chart(data).mark_line(point=True, color="#b00020").encode(
        x=x, y=alt.Y("p999_ms:Q", title="p99.9 latency (ms)", scale=alt.Scale(zero=False)),
        tooltip=tip).properties(width=300, height=240, title="p99.9 vs coverage")
    return alt.hconcat(cost, tail)


def tail_share(result, q: float = 0.99):
    """Which path served the slowest ``1 − q`` of requests (unserved included)."""
    alt = _alt()
    shares = result.tail_shares(q)
    rows = [{"path": k, "share": v} for k, v in shares.items() if v > 0]
    return alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title=f"share of the slowest {100 * (1 - q):g}% of requests"),
        y=alt.Y("path:N", sort="-x", title="served by"),
        tooltip=["path:N", alt.Tooltip("share:Q", format=".2%")]).properties(
        width=420, height=30 * max(1, len(rows)), title=f"Who serves the tail (above the overall p{100 * q:g})")
