"""The engine: simulate a design's recovery workflow over N requests and over simulated time.

The latency-budget matrix *declares* numbers; this module *derives* them::

    import fallbackkit as fk
    r = fk.simulate(fk.default_design(), n_requests=1_000_000, seed=7)
    r                     # per-path share, p50/p95/p99/p99.9 as the user sees it, cost per 1M
    r.matrix_view()       # the matrix filled in, every number marked simulated or declared
    fk.compare(r_without_cache, r)   # "adding the cache moves p99.9 from X ms to Y ms ..."

How a request flows (the rules, stated once)
-------------------------------------------
* Requests arrive evenly at the design's average rate (``traffic.requests_per_day``/86,400,
  or ``rps=``); simulated time is cut into buckets (``bucket_s``, 1 s). Everything that
  couples requests — circuit breakers, the retry budget, outage windows — is decided per
  bucket from the counts of the buckets before it, so the rest stays vectorised (numpy).
* Paths are tried in the matrix's **chain order**. On each path a request may be
  *skipped* (its circuit breaker is open), *missed* (outside ``coverage_pct``, e.g. a cache
  miss: the lookup costs its latency and a call), *fail*, or be *served*.
* Failure modes are injected on their ``occurs_on`` path (default: the first) at their
  ``occurrence`` rate; on one path the modes are mutually exclusive, so their rates must
  sum to ≤ 1. Effects by category: ``latency_breach`` never answers before the timeout
  (the path needs a ``timeout_ms``); ``resource_exhaustion`` (429), ``dependency_failure``
  (5xx), ``other`` and the path's own ``error_rate`` fail when the answer would have come;
  ``context_window``, ``policy_violation`` and ``confidence_drop`` arrive and are rejected;
  ``provider_outage`` fails like an outage window (below). The first four are *transient*
  (a retry draws again); the last four are *persistent* for that request.
  An answer slower than ``timeout_ms`` is cut at the timeout (a ``latency_breach``).
* **Routing.** A request failed by an injected mode goes straight to the mode's
  ``mitigation.path`` (it may skip intermediate paths: an unsafe answer goes to the
  static response, not to the cache); the mitigation path must come later in the chain.
  Any other miss, error, timeout or open breaker moves to the next path in the chain —
  except that an outage window or open breaker follows the path's ``provider_outage``
  mode's mitigation when it has one. A request that falls off the end is *unserved*.
* **Retries** happen on the same path when the failure's category is in ``retry.on``, up
  to ``max_retries``, after ``min(base·2^(k-1), cap)`` ms — with full jitter (uniform
  0…that) when ``jitter`` is on — and only while the matrix's ``retry_budget_pct`` allows:
  each bucket may spend retries up to that share of the requests arriving in it, first
  come first served (Finagle/gRPC-style retry budget, per bucket).
* **Hedging**: when an attempt has not answered after ``after_ms``, another is sent (up to
  ``max_hedges``); the first good answer wins, every call sent is paid. A hedge draws its
  own latency and ``error_rate``; injected modes hit the first attempt of a round only.
* **Circuit breaker**: per path, over the last ``window_s`` of first attempts (retries do
  not count twice), once at least ``min_requests`` calls failed at ≥ the threshold (429,
  5xx, timeouts, outages — not content rejections), the path is skipped for
  ``cooldown_s``; then it closes with a fresh window and trips again if it must.
* **Outage windows** (``outages=[Outage("primary", start_s=3600, duration_s=1200)]``): every
  call to the path fails, at its timeout (or its drawn latency without one).
* Latency "as the user sees it" is the sum of time spent on every path tried (attempts,
  backoffs, timeouts); percentiles come from a log-binned histogram with 0.02% relative
  resolution, so 10^8 requests run in bounded memory, chunk by chunk. The SLO counts
  a request good when it is served in < ``threshold_ms``; unserved requests are bad.
* Same seed, same chunk size → the same numbers, bit for bit.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any, Callable, Sequence

import numpy as np

from ..problems import DesignError, Problem
from .breaker import Breaker
from .histogram import H_BINS, H_LOG, H_MIN
from .plan import (DEFAULT_CHUNK, ERROR, MISS, MODE0, OK, OUTAGE, SKIP, TIMEOUT, Outage, Plan, PathPlan,
                   compile_plan, plan_problems)
from .result import SimulationResult


class Accumulator:
    """Running totals over chunks (bounded memory)."""

    def __init__(self, plan: Plan, timeline_s: float):
        P = len(plan.paths)
        self.hist = np.zeros((P + 1) * H_BINS, dtype=np.int64)   # row 0: unserved, row k+1: served by k
        self.reach = np.zeros(P, np.int64)
        self.skipped = np.zeros(P, np.int64)
        self.calls = np.zeros(P, np.int64)
        self.retries = np.zeros(P, np.int64)
        self.hedges = np.zeros(P, np.int64)
        self.served = np.zeros(P, np.int64)
        self.mode_hits = np.zeros(len(plan.modes), np.int64)
        self.good = 0
        self.n = 0
        self.timeline_s = timeline_s
        self.timeline: dict[int, np.ndarray] = {}  # bin → counts [n, good, unserved, served by each path, calls by each path]


def _attempt_round(cp: PathPlan, rng, L, pre):
    """One round on a path (a first attempt or a retry, plus its hedges).

    ``pre``: cause decided before the call (0, MISS, ERROR, OUTAGE or a mode code).
    Returns (time spent ms, cause code after the round, calls made).
    """
    never = cp.never_answers[pre] | (pre == OUTAGE) & np.isfinite(cp.timeout)
    finish = np.where(never, np.inf, L)
    ok = (pre == OK) & (finish <= cp.timeout)
    calls = np.ones(L.size, dtype=np.int8)
    if cp.max_hedges and cp.hedge_after < cp.timeout:
        resolved = finish.copy()                      # when the request knows its fate so far
        best_ok = np.where(ok, finish, np.inf)
        persistent = (pre == MISS) | (pre == OUTAGE) | ((pre >= MODE0) & ~_transient_mask(cp, pre))
        for j in range(1, cp.max_hedges + 1):
            s = j * cp.hedge_after
            if s >= cp.timeout:
                break
            fire = (resolved > s) & (best_ok > s)
            k = np.flatnonzero(fire)
            if not k.size:
                break
            calls[k] += 1
            Lh = s + cp.sampler.sample(rng, k.size)
            pre_h = np.where(persistent[k], pre[k], OK)
            if cp.error_rate > 0:
                pre_h = np.where((pre_h == OK) & (rng.random(k.size) < cp.error_rate), ERROR, pre_h)
            nev = cp.never_answers[pre_h] | (pre_h == OUTAGE) & np.isfinite(cp.timeout)
            fh = np.where(nev, np.inf, Lh)
            okh = (pre_h == OK) & (fh <= cp.timeout)
            best_ok[k] = np.minimum(best_ok[k], np.where(okh, fh, np.inf))
            # the group is resolved as failed only once every attempt sent has failed
            resolved[k] = np.where(okh, np.minimum(resolved[k], fh), np.maximum(resolved[k], fh))
        ok = np.isfinite(best_ok) & (best_ok <= cp.timeout)
        spent = np.where(ok, best_ok, np.minimum(resolved, cp.timeout))
    else:
        spent = np.minimum(finish, cp.timeout)
    late = ~ok & (finish > cp.timeout) & (pre < OUTAGE)   # a generic error or miss that came too late
    cause = np.where(ok, OK, np.where(late, TIMEOUT, np.where(pre == OK, TIMEOUT, pre))).astype(np.int16)
    return spent, cause, calls


def _transient_mask(cp: PathPlan, codes):
    if not cp.transient_codes.size:
        return np.zeros(codes.shape, dtype=bool)
    return np.isin(codes, cp.transient_codes)


def _pre_causes(cp: PathPlan, rng, n, first: bool, keep=None, t=None):
    """Cause decided before the call: an injected mode, a coverage miss, an error, an outage."""
    pre = np.zeros(n, dtype=np.int16)
    cum, codes = (cp.mode_cum, cp.mode_codes) if first else (cp.transient_cum, cp.transient_codes)
    if cum.size and cum[-1] > 0:
        which = np.searchsorted(cum, rng.random(n), side="right")
        hit = which < cum.size
        pre[hit] = codes[which[hit]]
    if keep is not None:   # persistent causes of earlier rounds stay
        pre = np.where(keep != OK, keep, pre)
    if (first and cp.coverage < 1) or cp.error_rate > 0:
        u = rng.random(n)
        miss_p = 1 - cp.coverage
        if first:
            pre = np.where((pre == OK) & (u < miss_p), MISS, pre)
            pre = np.where((pre == OK) & (u >= miss_p) & (u < miss_p + cp.coverage * cp.error_rate), ERROR, pre)
        else:  # a retry: the coverage verdict stands, the error is drawn again
            pre = np.where((pre == OK) & (u < cp.error_rate), ERROR, pre)
    if cp.outages and t is not None:
        down = np.zeros(n, dtype=bool)
        for a, b in cp.outages:
            down |= (t >= a) & (t < b)
        pre = np.where(down, OUTAGE, pre)
    return pre


def _run_chunk(plan: Plan, acc: Accumulator, breakers: dict, lo: int, hi: int, rng) -> None:
    P = len(plan.paths)
    n = hi - lo
    per_bucket = plan.rate * plan.bucket_s
    ids = np.arange(lo, hi, dtype=np.int64)
    t_arr = ids / plan.rate                                       # arrival time, s
    bucket = np.floor(ids / per_bucket).astype(np.int64)
    b0 = int(bucket[0])
    bl = bucket - b0
    nb = int(bl[-1]) + 1
    # retries each bucket may spend: floor(β·A(b+1)) − floor(β·A(b)), A = requests before bucket b;
    # integer per bucket, exactly β of all requests in the long run, independent of chunking
    firsts = np.ceil(np.arange(b0, b0 + nb + 1) * per_bucket)
    retry_left = np.diff(np.floor(plan.retry_budget * firsts + 1e-9)).astype(np.int64)
    elapsed = np.zeros(n)
    nxt = np.zeros(n, dtype=np.int16)
    served_by = np.full(n, -1, dtype=np.int16)
    for k, cp in enumerate(plan.paths):
        idx = np.flatnonzero(nxt == k)
        acc.reach[k] += idx.size
        if not idx.size:
            continue
        t = t_arr[idx]
        pre = _pre_causes(cp, rng, idx.size, True, t=t)
        if cp.mode_codes.size:
            hits = pre[pre >= MODE0] - MODE0
            if hits.size:
                acc.mode_hits += np.bincount(hits, minlength=len(plan.modes))
        L = cp.sampler.sample(rng, idx.size)
        spent, cause, calls = _attempt_round(cp, rng, L, pre)
        # circuit breaker: decided per bucket from first attempts of earlier buckets
        if cp.breaker is not None:
            br = breakers.setdefault(k, Breaker(cp.breaker, plan.bucket_s))
            bk = bl[idx]
            c_counts = np.bincount(bk, minlength=nb).tolist()
            f_counts = np.bincount(bk, weights=cp.counts_for_breaker[cause], minlength=nb).astype(np.int64).tolist()
            # open buckets: counts are discarded by the breaker, so a single pass is exact
            is_open = br.run(b0, c_counts, f_counts)
            skip = is_open[bk]
            if skip.any():
                keep = ~skip
                acc.skipped[k] += int(skip.sum())
                nxt[idx[skip]] = cp.route[SKIP]
                idx, t, pre, spent, cause, calls = idx[keep], t[keep], pre[keep], spent[keep], cause[keep], calls[keep]
        total_calls = int(calls.sum())
        first_calls, n_retries = idx.size, 0
        # retries inside the retry budget
        persistent = np.where((pre == MISS) | (pre == OUTAGE) | ((pre >= MODE0) & ~_transient_mask(cp, pre)), pre, OK)
        cur = np.arange(idx.size)
        for r in range(1, cp.max_retries + 1):
            want = cur[cp.retryable[cause[cur]]]
            if not want.size:
                break
            wb = bl[idx[want]]
            cnt = np.bincount(wb, minlength=nb)
            start = np.concatenate(([0], np.cumsum(cnt)[:-1]))
            rank = np.arange(want.size) - start[wb]
            allowed = rank < retry_left[wb]
            retry_left -= np.minimum(cnt, retry_left)
            cur = want[allowed]
            if not cur.size:
                break
            n_retries += cur.size
            d = min(cp.backoff_base * 2 ** (r - 1), cp.backoff_cap)
            wait = rng.random(cur.size) * d if cp.jitter else np.full(cur.size, d)
            pre_r = _pre_causes(cp, rng, cur.size, False, keep=persistent[cur], t=t[cur])
            L = cp.sampler.sample(rng, cur.size)
            s2, c2, k2 = _attempt_round(cp, rng, L, pre_r)
            spent[cur] += wait + s2
            cause[cur] = c2
            total_calls += int(k2.sum())
        acc.calls[k] += total_calls
        acc.retries[k] += n_retries
        acc.hedges[k] += total_calls - first_calls - n_retries
        elapsed[idx] += spent
        ok = cause == OK
        served_by[idx[ok]] = k
        nxt[idx] = np.where(ok, P + 1, cp.route[cause])
        acc.served[k] += int(ok.sum())
    # histogram of latency as the user sees it, by the path that served (row 0: unserved)
    with np.errstate(divide="ignore"):
        hb = np.log(np.maximum(elapsed, H_MIN * 0.5) / H_MIN) / H_LOG
    hb = np.clip(np.floor(hb) + 1, 0, H_BINS - 1).astype(np.int64)
    hb += (served_by.astype(np.int64) + 1) * H_BINS
    acc.hist += np.bincount(hb, minlength=(P + 1) * H_BINS)
    good = (served_by >= 0) & (elapsed < plan.threshold_ms)
    acc.good += int(good.sum())
    acc.n += n
    # timeline: per timeline bin, counts of requests, good, unserved and served by each path
    tb = (t_arr // acc.timeline_s).astype(np.int64)
    tb0 = int(tb[0])
    tbl = tb - tb0
    m = int(tbl[-1]) + 1
    by = np.bincount(tbl * (P + 1) + served_by + 1, minlength=m * (P + 1)).reshape(m, P + 1)
    g = np.bincount(tbl[good], minlength=m)
    for j in range(m):
        row = acc.timeline.setdefault(tb0 + j, np.zeros(3 + P))
        row[0] += by[j].sum()
        row[1] += g[j]
        row[2:] += by[j]


def simulate(design, n_requests: int = 100_000, seed: int = 0, *, outages: Sequence[Outage | str] = (),
             rps: float | None = None, bucket_s: float = 1.0, chunk_size: int = DEFAULT_CHUNK,
             timeline_s: float = 60.0, progress: bool | Callable[[int], Any] | None = None) -> "SimulationResult":
    """Simulate ``n_requests`` through ``design``'s recovery workflow; seeded, vectorised, chunked.

    ``outages``: windows when a path is down, e.g. ``["primary:60m:20m"]``. ``progress``:
    True for a tqdm bar, or a callable receiving the number of requests done per chunk.
    Raises :class:`DesignError` listing every problem (N ≤ 0, a mode no path can serve, …).
    """
    if isinstance(design, (str, os.PathLike)):
        from ..design import Design
        design = Design.load(design)
    outages = [Outage.parse(o) if isinstance(o, str) else o for o in outages]
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DesignError([Problem("seed", f"is {seed!r}; expected a whole number ≥ 0")])
    probs = plan_problems(design, n_requests, outages, rps, bucket_s, chunk_size)
    if probs:
        raise DesignError(probs)
    n_requests = int(n_requests)   # 1e6 is fine
    plan = compile_plan(design, outages, rps, bucket_s)
    acc = Accumulator(plan, timeline_s)
    breakers: dict[int, Breaker] = {}
    per_bucket = plan.rate * plan.bucket_s
    bar = None
    if progress is True:
        from tqdm.auto import tqdm
        bar = tqdm(total=int(n_requests), unit="req", unit_scale=True, desc="simulating")
        progress = bar.update
    t0 = time.perf_counter()
    lo, chunk_no = 0, 0
    while lo < n_requests:
        # chunks end on bucket boundaries so a bucket's counts are complete when the breaker reads them
        target = min(int(n_requests), lo + int(chunk_size))
        if target < n_requests:
            b_end = max(math.floor(target / per_bucket), math.floor(lo / per_bucket) + 1)
            target = min(int(n_requests), max(lo + 1, math.ceil(b_end * per_bucket)))
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), chunk_no]))
        _run_chunk(plan, acc, breakers, lo, target, rng)
        if progress:
            progress(target - lo)
        lo, chunk_no = target, chunk_no + 1
    if bar is not None:
        bar.close()
    return SimulationResult(design=design, plan=plan, acc=acc, breakers=breakers, seed=int(seed),
                            outages=list(outages), chunk_size=int(chunk_size),
                            seconds=time.perf_counter() - t0)
