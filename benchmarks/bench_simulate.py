"""Benchmark: the vectorised simulator against the same workflow as a SimPy discrete-event model.

    python benchmarks/bench_simulate.py                 # 1M requests + SimPy on 20k, scaled
    python benchmarks/bench_simulate.py --big           # also 1e8 requests, chunked (bounded memory)

The workflow: the worked example's four paths (primary → cache → rule engine → static),
the primary with one retry on 429/5xx inside the 10% retry budget, a hedge after 60 ms and
a circuit breaker, and a 20-minute primary outage. Everything runs pinned to one core. Prints the times,
the speed-up ratio and peak memory (tracemalloc, in a separate run, and max RSS).
"""

from __future__ import annotations

import argparse
import bisect
import collections
import math
import os
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from statistics import NormalDist

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import fallbackkit as fk  # noqa: E402
from fallbackkit.simulation import Outage, simulate  # noqa: E402

OUTAGE = Outage("primary", start_s=3600, duration_s=1200)


def workflow() -> fk.Design:
    d = fk.default_design()
    prim = d.matrix.path("primary")
    prim.retry = fk.matrix.RetryPolicy(max_retries=1, backoff_base_ms=5, backoff_max_ms=20, jitter=True,
                                       on=["resource_exhaustion", "dependency_failure"])
    prim.hedge = fk.matrix.HedgePolicy(after_ms=60, max_hedges=1)
    assert prim.circuit_breaker is not None and len(d.matrix.paths) == 4
    return d


# -- the same workflow, one request at a time, in SimPy ---------------------------------------------
def simpy_run(design: fk.Design, n: int, seed: int, outage: Outage = OUTAGE) -> dict:
    import simpy

    rnd = random.Random(seed)
    z = {0.5: 0.0, 0.95: NormalDist().inv_cdf(0.95), 0.99: NormalDist().inv_cdf(0.99)}
    paths = design.matrix.paths

    def sampler(p):
        lat = p.latency
        if lat.distribution is not None:          # the static path: a constant
            ms = lat.distribution.ms
            return lambda: ms
        knots = [(z[q], math.log(v)) for q, v in ((0.5, lat.p50_ms), (0.95, lat.p95_ms), (0.99, lat.p99_ms)) if v]
        zs = [k[0] for k in knots]
        lo_slope = (knots[1][1] - knots[0][1]) / (knots[1][0] - knots[0][0])
        hi_slope = (knots[-1][1] - knots[-2][1]) / (knots[-1][0] - knots[-2][0])

        def draw():
            g = rnd.gauss(0, 1)
            if g <= zs[0]:
                return math.exp(knots[0][1] + (g - zs[0]) * lo_slope)
            if g >= zs[-1]:
                return math.exp(knots[-1][1] + (g - zs[-1]) * hi_slope)
            i = bisect.bisect(zs, g)
            (z0, l0), (z1, l1) = knots[i - 1], knots[i]
            return math.exp(l0 + (g - z0) * (l1 - l0) / (z1 - z0))
        return draw

    draws = [sampler(p) for p in paths]
    index = {p.id: i for i, p in enumerate(paths)}
    modes = [(m.occurrence, m.category, index[m.mitigation.path]) for m in design.taxonomy.modes]
    rate = design.context.traffic.requests_per_day / 86400
    cb = paths[0].circuit_breaker
    window = collections.deque()                    # (time, failed) of primary first attempts
    state = {"open_until": -1.0, "retry_tokens": 0.0, "bucket": -1}
    retry = paths[0].retry
    latencies, served = [], [0] * len(paths)
    env = simpy.Environment()

    def breaker_open(now):
        while window and window[0][0] < now - cb.window_s:
            window.popleft()
        if now < state["open_until"]:
            return True
        fails = sum(f for _, f in window)
        if len(window) >= cb.min_requests and fails >= cb.failure_rate_threshold * len(window):
            state["open_until"] = now + cb.cooldown_s
            window.clear()
            return True
        return False

    hedge = paths[0].hedge
    never = ("latency_breach", "provider_outage")          # these never answer: they fail at the timeout

    def one(k, now, cat=None):
        """One call on path k: (ms until it ends, cause) — cause None when it answers well."""
        p = paths[k]
        timeout = p.timeout_ms or math.inf
        if k == 0 and outage.start_s <= now < outage.start_s + outage.duration_s:
            cat = "provider_outage"
        if cat in never:
            return math.inf, cat
        lat = draws[k]()
        if cat is None and rnd.random() >= p.coverage_pct / 100:
            cat = "miss"
        if cat is None and rnd.random() < p.error_rate:
            cat = "dependency_failure"
        if lat > timeout:
            return lat, "latency_breach"                      # whatever comes later is cut at the timeout
        return lat, cat

    def call(k, now, cat=None, persistent=False):
        """One round on path k (with its hedge on the primary): (ms spent, cause, mode shown?).

        All attempts failed: the round ends with the last failure (its time and cause), or at the
        timeout as a timeout when one is still out (what never answers keeps its cause)."""
        timeout = paths[k].timeout_ms or math.inf
        f1, c1 = one(k, now, cat)
        shown = cat is not None and c1 == cat       # the first attempt showed the mode (not cut)
        if k == 0 and hedge is not None and hedge.after_ms < timeout and f1 > hedge.after_ms:
            f2, c2 = one(k, now, cat if persistent else None)
            f2 += hedge.after_ms
            good = [f for f, c in ((f1, c1), (f2, c2)) if c is None and f <= timeout]
            if good:
                return min(good), None, shown
            if max(f1, f2) > timeout:
                return timeout, c1 if f1 == math.inf else "latency_breach", shown
            return max(f1, f2), c2 if f2 > f1 else c1, shown
        return min(f1, timeout), c1, shown

    def request(env, i):
        now = env.now
        b = int(now)
        if b != state["bucket"]:
            state["bucket"], state["retry_tokens"] = b, design.matrix.retry_budget_pct / 100 * rate
        spent, k = 0.0, 0
        while k < len(paths):
            if k == 0 and breaker_open(now):
                k = 1
                continue
            u, mode_next, cat = rnd.random(), None, None
            if k == 0:
                acc = 0.0
                for occ, category, target in modes:
                    acc += occ
                    if u < acc:
                        cat, mode_next = category, target
                        break
            persistent = cat in ("context_window", "policy_violation", "confidence_drop", "provider_outage")
            t, cause, shown = call(k, now, cat, persistent)
            if not shown:
                mode_next = None           # cut by the timeout first: the next path, not the mode's mitigation
            yield env.timeout(t / 1000)
            spent += t
            if k == 0:
                window.append((now, cause in ("latency_breach", "dependency_failure", "resource_exhaustion",
                                              "provider_outage")))
                attempt = 1
                while cause in retry.on and attempt <= retry.max_retries and state["retry_tokens"] >= 1:
                    state["retry_tokens"] -= 1
                    wait = rnd.random() * min(retry.backoff_base_ms * 2 ** (attempt - 1), retry.backoff_max_ms)
                    t, cause, _ = call(0, now, cat if persistent else None, persistent)
                    yield env.timeout((wait + t) / 1000)
                    spent += wait + t
                    attempt += 1
            if cause is None:
                served[k] += 1
                break
            k = mode_next if mode_next is not None else k + 1
        latencies.append(spent)

    def arrivals(env):
        for i in range(n):
            env.process(request(env, i))
            yield env.timeout(1 / rate)

    env.process(arrivals(env))
    env.run()
    latencies.sort()
    return {"p99.9": latencies[int(0.999 * (len(latencies) - 1))], "shares": [s / n for s in served]}


# -- measurements ---------------------------------------------------------------------------------
CPU: list[float] = []   # process CPU seconds of each timed call: fairer than wall time on a shared machine


def timed(fn, *a, **k):
    t, c = time.perf_counter(), time.process_time()
    out = fn(*a, **k)
    CPU.append(time.process_time() - c)
    return time.perf_counter() - t, out


def peak_traced(fn, *a, **k) -> int:
    tracemalloc.start()
    fn(*a, **k)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=float, default=1e6)
    ap.add_argument("--simpy-requests", type=float, default=20_000)
    ap.add_argument("--big", action="store_true", help="also run 1e8 requests chunked (a few minutes)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})   # one core
    n, n_simpy = int(args.requests), int(args.simpy_requests)
    d = workflow()
    simulate(d, 10_000, seed=0, outages=[OUTAGE])                      # warm-up (imports, profile cache)

    runs = [timed(simulate, d, n, seed=1, outages=[OUTAGE])[0] for _ in range(3)]
    t_vec, c_vec = min(runs), min(CPU[-3:])
    r = simulate(d, n, seed=1, outages=[OUTAGE])
    peak = peak_traced(simulate, d, n, seed=1, outages=[OUTAGE])
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores; "
          "timings mean something on an idle core only)")
    print(f"vectorised: {n:,} requests, 4 paths, retries + hedge + breaker + 20 min outage: "
          f"{t_vec:.3f} s (best of 3; runs {', '.join(f'{x:.3f}' for x in runs)}), "
          f"{n / t_vec / 1e6:.2f} M requests/s on one core")
    print(f"  peak traced memory {peak / 2**20:.0f} MB; shares "
          + ", ".join(f"{p.id} {100 * p.share:.2f}%" for p in r.paths)
          + f"; p99.9 {r.percentiles['p99.9']:.1f} ms; breaker trips {r.path('primary').breaker_trips}")

    print(f"  CPU time of this process: {c_vec:.3f} s (best of 3)")
    t_simpy, s = timed(simpy_run, d, n_simpy, 1)
    c_simpy = CPU[-1]
    # the first n_simpy requests come before the outage; requests inside it (the breaker skipping
    # the primary) are cheaper, so scale by the full run's mix of normal and outage time
    t_out, _ = timed(simpy_run, d, n_simpy, 1, Outage("primary", 0, 1e9))
    c_out = CPU[-1]
    f = min(1.0, OUTAGE.duration_s / (n / (d.context.traffic.requests_per_day / 86400)))
    per_req = ((1 - f) * t_simpy + f * t_out) / n_simpy
    scaled = per_req * n
    print(f"SimPy:      {n_simpy:,} requests in {t_simpy:.2f} s ({t_simpy / n_simpy * 1e6:.0f} µs a request); "
          f"inside an outage {t_out:.2f} s ({t_out / n_simpy * 1e6:.0f} µs); shares "
          + ", ".join(f"{100 * x:.2f}%" for x in s["shares"]) + f"; p99.9 {s['p99.9']:.1f} ms")
    print(f"  scaled to {n:,} requests ({100 * f:.1f}% of them inside the outage): {scaled:.1f} s")
    c_scaled = ((1 - f) * c_simpy + f * c_out) / n_simpy * n
    print(f"ratio: vectorised is {scaled / t_vec:.0f}× faster than SimPy in wall time, {c_scaled / c_vec:.0f}× in CPU time "
          f"(target ≥ 100×; 1M requests ≤ 0.15 s on an idle core)")

    sizes = [10**6, 10**7] + ([10**8] if args.big else [])
    for size in sizes:
        if size == 10**8:
            t, rb = timed(simulate, d, size, seed=1, outages=[OUTAGE])
            print(f"chunked {size:.0e}: {t:.1f} s, max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
                  f"p99.9 {rb.percentiles['p99.9']:.1f} ms")
        else:
            pk = peak_traced(simulate, d, size, seed=1, outages=[OUTAGE])
            print(f"chunked {size:.0e}: peak traced memory {pk / 2**20:.0f} MB")
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
