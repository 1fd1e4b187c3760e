"""Benchmark: replaying a year of one provider's real incidents at the design's traffic.

    python benchmarks/bench_replay.py            # a year of OpenAI at 2M requests/day (730M requests),
                                                 # then stratified vs brute force on 30 days at 200k/day
    python benchmarks/bench_replay.py --year     # also the whole year at 200k/day both ways (~2 min)
    python benchmarks/bench_replay.py --full     # also brute force on the full year at 2M/day (slow: every request)

The design is the worked example with its SLO threshold tightened to 110 ms, so an outage's
timeout-then-fallback requests are bad and attainment has something to measure. Runs pinned
to one core. Prints the time of the stratified replay, the requests it actually simulated,
and for each comparison the two estimates, their Monte-Carlo standard errors and the
difference in combined standard errors (|z| < 3 is agreement).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import fallbackkit as fk  # noqa: E402
from fallbackkit.incidents import IncidentLog  # noqa: E402
from fallbackkit.simulation.replay import replay  # noqa: E402
from fallbackkit.simulation.strata import bin_of  # noqa: E402


def design() -> fk.Design:
    d = fk.default_design()
    d.context.slo.threshold_ms = 110
    return d


def compare(label: str, s, b) -> None:
    se = math.hypot(s.mc["attainment_se"], b.mc["attainment_se"])
    z_att = (s.attainment - b.attainment) / se if se else math.nan
    x = b.percentiles["p99.9"]
    f_s = float(np.cumsum(s.hist)[bin_of(x)] / s.hist.sum())
    se_f = math.hypot(s.mc["cdf_se_at_p99.9"], b.mc["cdf_se_at_p99.9"])
    z_q = (f_s - 0.999) / se_f if se_f else math.nan
    print(f"\n{label}")
    print(f"  stratified: {s.seconds:6.2f} s, {s.simulated_requests:>12,} requests simulated, "
          f"attainment {s.attainment:.6f} ± {s.mc['attainment_se']:.1e}, p99.9 {s.percentiles['p99.9']:.2f} ms")
    print(f"  brute force: {b.seconds:5.2f} s, {b.simulated_requests:>12,} requests simulated, "
          f"attainment {b.attainment:.6f} ± {b.mc['attainment_se']:.1e}, p99.9 {x:.2f} ms")
    print(f"  speed-up {b.seconds / s.seconds:,.1f}×; attainment differs by {z_att:+.2f} s.e.; "
          f"stratified CDF at the brute-force p99.9 = {f_s:.6f} (0.999 {z_q:+.2f} s.e.)")
    print(f"  incident-minutes {s.incident_minutes:,.0f} vs {b.incident_minutes:,.0f}; "
          f"exposed {s.exposed_minutes:,.0f} vs {b.exposed_minutes:,.0f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--year", action="store_true", help="also the whole year at 200k/day, stratified vs brute force")
    ap.add_argument("--full", action="store_true", help="also brute force on the full year at 2M/day (every request)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})   # one core
    t = time.perf_counter()
    log = IncidentLog.bundled()
    print(f"loading the 542 bundled incidents: {time.perf_counter() - t:.2f} s (once; not in the replay times)")
    d = design()
    year = dict(since="2023-09-01", until="2024-09-01")
    s = replay(d, log, "openai", **year)
    print(f"\nA year of OpenAI incidents ({len(s.plan.intervals)} on the API) at "
          f"{s.rps * 86400:,.0f} requests/day = {s.n_requests:,.0f} requests")
    print(f"  stratified replay: {s.seconds:.2f} s on one core (target ≤ 10 s), "
          f"{s.simulated_requests:,} requests simulated in {s.calls} engine calls "
          f"({s.n_requests / s.simulated_requests:,.0f}× fewer than brute force)")
    print(f"  attainment {s.attainment:.6f} ± {s.mc['attainment_se']:.1e} (1 s.e.), p99.9 {s.percentiles['p99.9']:.2f} ms, "
          f"worst 28-day window {s.worst_window['window']}: {s.worst_window['attainment']:.6f}")
    small = dict(since="2023-11-01", until="2023-12-01", rps=200_000 / 86400)
    compare("30 days (Nov 2023) at 200k requests/day: stratified vs brute force",
            replay(d, log, "openai", **small), replay(d, log, "openai", method="brute", **small))
    if args.year:
        lo = dict(year, rps=200_000 / 86400)
        b = replay(d, log, "openai", method="brute", **lo)
        compare("The whole year at 200k requests/day (73M requests): stratified vs brute force",
                replay(d, log, "openai", **lo), b)
        # one seed can sit 2 s.e. off; over seeds the stratified mean is the brute-force value
        runs = [replay(d, log, "openai", seed=k, **lo) for k in range(1, 7)]
        att = np.array([r.attainment for r in runs])
        print(f"  6 more seeds: stratified attainment mean {att.mean():.6f} (brute {b.attainment:.6f}, "
              f"difference {(att.mean() - b.attainment) / (att.std(ddof=1) / math.sqrt(len(att))):+.2f} s.e. of the mean); "
              f"spread across seeds {att.std(ddof=1):.1e} vs stated s.e. {runs[0].mc['attainment_se']:.1e}")
    if args.full:
        compare("The full year at 2M requests/day: stratified vs brute force", s,
                replay(d, log, "openai", method="brute", **year))


if __name__ == "__main__":
    main()
