"""How fast a MatrixExplorer change updates its verdict and charts, measured in the callback.

Target: ≤ 150 ms per change for the default design (issue 5). A change is one slider move
(the primary timeout, cycling 70…130 ms) handled by the widget's own observer: edit the
design, evaluate it (declared budget + a seeded 50,000-request simulation), refill both
charts, rewrite the verdict and the table. Alternatives timed in the same run:

* declared only      no simulation (what the explorer did before the simulator existed)
* Altair per change  rebuild both charts with Altair (to_dict) on each change, which is what
                     setting ``JupyterChart.chart`` does — the explorer refills datasets instead
* SVG per change     render both charts to SVG with vl-convert into an HTML widget

No browser is attached, so the comm send is not in these times; the JSON encoding of the
chart specs that the send would carry is timed separately.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import fallbackkit as fk
from fallbackkit.widgets import MatrixExplorer
from fallbackkit.widgets.matrix_explorer import _cdf_template, _chain_template, cdf_rows, chain_rows

TARGET_MS = 150.0
TIMEOUTS = [70, 80, 90, 100, 110, 120, 130, 120, 110, 100, 90, 80] * 3


def run(explorer: MatrixExplorer, values=TIMEOUTS, extra=None) -> list[float]:
    """Per change: the callback's own measurement (plus ``extra``'s time, if given)."""
    out = []
    slider = explorer.controls[("primary", "timeout_ms")]
    for v in values:
        slider.value = float(v)
        ms = explorer.last_update_ms
        if extra is not None:
            t = time.perf_counter()
            extra(explorer)
            ms += (time.perf_counter() - t) * 1000
        out.append(ms)
    return out


def altair_rebuild(explorer: MatrixExplorer) -> None:
    ev = explorer.evaluation
    chain = _chain_template().to_dict()
    chain["datasets"] = {"chain": chain_rows(ev.budget)}
    if ev.simulated is not None:
        cdf = _cdf_template().to_dict()
        cdf["datasets"] = {"cdf": cdf_rows(ev.simulated)}


def stats(name: str, xs: list[float], ref: float | None = None) -> str:
    xs_sorted = sorted(xs)
    p90 = xs_sorted[int(0.9 * (len(xs) - 1))]
    line = (f"{name:<22} median {statistics.median(xs):7.1f} ms   p90 {p90:7.1f} ms   max {max(xs):7.1f} ms"
            f"   ({len(xs)} changes)")
    if ref is not None:
        line += f"   ×{statistics.median(xs) / ref:.1f} the explorer"
    return line


def main() -> int:
    design = fk.default_design()
    t = time.perf_counter()
    explorer = MatrixExplorer(design)
    build_s = time.perf_counter() - t
    first = run(explorer, [95])[0]       # first change: warms numpy paths and caches
    main_times = run(explorer)
    ref = statistics.median(main_times)
    simulated = explorer.evaluation.simulated is not None

    declared = run(MatrixExplorer(design, simulate=False))
    rebuilt = run(MatrixExplorer(design), extra=altair_rebuild)
    svg = run(MatrixExplorer(design, chart="svg"), TIMEOUTS[:8])

    t = time.perf_counter()
    payload = len(json.dumps(explorer.chart.spec)) + len(json.dumps(explorer.cdf_chart.spec))
    encode_ms = (time.perf_counter() - t) * 1000

    print(f"MatrixExplorer on the default design ({'declared + simulated' if simulated else 'declared only'}); "
          f"widget built in {build_s:.2f} s; first change {first:.1f} ms")
    print(stats("explorer (datasets)", main_times))
    print(stats("declared only", declared, ref))
    print(stats("Altair per change", rebuilt, ref))
    print(stats("SVG per change", svg, ref))
    print(f"chart specs sent per change: {payload / 1024:.1f} KiB, JSON-encoded in {encode_ms:.2f} ms")
    p90 = sorted(main_times)[int(0.9 * (len(main_times) - 1))]
    ok = p90 <= TARGET_MS
    print(f"target: a change in ≤ {TARGET_MS:.0f} ms → p90 {p90:.1f} ms: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
