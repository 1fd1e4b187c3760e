"""Benchmark: critique time per design, declared numbers vs simulated numbers supplied.

    python benchmarks/bench_critique.py             # every bundled design, 30 runs each
    python benchmarks/bench_critique.py --runs 100

The simulation itself (20,000 requests, seed 1) runs once per design outside the timing:
the critique only reads its numbers. Prints the median time per design with and without
simulated numbers, their ratio, the one-off cost of loading the LLMPerf profiles the
plausibility checks read, and the target (< 50 ms a design with simulated numbers).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import fallbackkit as fk  # noqa: E402
from fallbackkit.review import critique  # noqa: E402
from fallbackkit.review.kitdata import KitData  # noqa: E402

TARGET_MS = 50.0


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--requests", type=int, default=20_000)
    args = ap.parse_args()
    t = time.perf_counter()
    KitData.bundled()
    print(f"load LLMPerf profiles once: {(time.perf_counter() - t) * 1000:.1f} ms")
    try:
        from fallbackkit.simulation import simulate
    except ImportError:
        simulate = None
    files = [Path(fk.default_design_path())] + sorted((ROOT / "fallbackkit" / "data" / "scenarios").glob("*.yaml"))
    print(f"{'design':24s} {'declared ms':>12s} {'simulated ms':>13s} {'ratio':>6s}")
    worst = 0.0
    for f in files:
        d = fk.load(f)
        declared = median_ms(lambda: critique(d), args.runs)
        sim = simulate(d, args.requests, seed=1) if simulate else None
        simulated = median_ms(lambda: critique(d, simulation=sim), args.runs) if sim is not None else float("nan")
        worst = max(worst, simulated if sim is not None else declared)
        print(f"{f.stem:24s} {declared:12.2f} {simulated:13.2f} {simulated / declared:6.2f}")
    verdict = "within" if worst < TARGET_MS else "OVER"
    print(f"slowest design: {worst:.2f} ms with simulated numbers, {verdict} the {TARGET_MS:g} ms target "
          f"({TARGET_MS / worst:.1f}× headroom)")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
