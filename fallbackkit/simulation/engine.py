"""The engine: simulate a design's recovery workflow over N requests and over simulated time.

The latency-budget matrix *declares* numbers; this module *derives* them::

    import fallbackkit as fk
    r = fk.simulate(fk.default_design(), n_requests=1_000_000, seed=7)
    r                     # per-path share, p50/p95/p99/p99.9 as the user sees it, cost per 1M requests
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
  miss: the lookup costs its latency and a call), *fail*, or be *served*. Coverage is a
  property of the request, drawn once per path independently of the failure modes: an
  uncovered request misses on every hedge and retry too (a mode seen on its first attempt
  shows instead of the miss and routes as that mode, but does not make the request covered).
* Failure modes are injected on their ``occurs_on`` path (default: the first) at their
  ``occurrence`` rate; on one path the modes are mutually exclusive, so their rates must
  sum to ≤ 1. Effects by category: ``latency_breach`` never answers before the timeout
  (the path needs a ``timeout_ms``); ``resource_exhaustion`` (429), ``dependency_failure``
  (5xx), ``other`` and the path's own ``error_rate`` fail when the answer would have come;
  ``context_window``, ``policy_violation`` and ``confidence_drop`` arrive and are rejected;
  ``provider_outage`` fails like an outage window (below): at the path's timeout. The first
  four are *transient* (a retry draws again); the last four are *persistent* for that request.
* **The timeout comes first.** Whatever would arrive after ``timeout_ms`` — an answer, a 429
  or 5xx, a cache miss, a content rejection — is never seen: the call is cut at the timeout
  and handled as a timeout (category ``latency_breach``: retried when that is in
  ``retry.on``, then the next path in the chain — not the mode's mitigation, since the
  gateway never learnt the content would be rejected).
* **Routing.** A request failed by an injected mode goes straight to the mode's
  ``mitigation.path`` (it may skip intermediate paths: an unsafe answer goes to the
  static response, not to the cache); the mitigation path must come later in the chain.
  Any other miss, error, timeout or open breaker moves to the next path in the chain —
  except that an outage window or open breaker follows the path's ``provider_outage``
  mode's mitigation when it has one. A request that falls off the end is *unserved*.
* **Retries** happen on the same path when the failure's category is in ``retry.on``, up
  to ``max_retries``, after ``min(base·2^(k-1), cap)`` ms — with full jitter (uniform
  0…that) when ``jitter`` is on — and only while the matrix's ``retry_budget_pct`` (β)
  allows. The budget is a token bucket in the manner of Finagle's ``RetryBudget``: every
  arriving request deposits β of a retry, fractions carried over from bucket to bucket, and
  a bucket may spend the whole retries deposited by then and not yet granted to an earlier
  bucket — ``⌊β·A(b+1)⌋ − ⌊β·A(b)⌋`` for ``A(b)`` requests arrived before bucket b — first
  come first served (path by path in chain order, and on a path round by round: every first
  retry its bucket's requests want, in arrival order, before any second retry); whole retries a
  bucket leaves unspent expire with it (Finagle's deposits
  expire after a ``ttl``; here the ttl is one bucket, and there is no minimum reserve). So
  10 % at 5 requests a bucket allows 0, 1, 0, 1, … retries (0.1 a request when demand is
  high), and in the long run retries never exceed β of the requests, whatever the chunking.
* **Mode hits.** ``mode_hits[m]`` counts first attempts on which mode ``m`` was observed:
  calls actually made (a request its path's open breaker skipped never calls it, so no mode
  can hit it) whose failure was not cut first by the timeout (above). A mode occurring
  everywhere at rate q therefore hits q × (calls made, not timed out) requests, not q × N.
* **Hedging**: hedge ``j`` is sent at ``j·after_ms`` after the round started (up to
  ``max_hedges``, only before the timeout) when, at that instant, no good answer has arrived
  and at least one attempt is still outstanding — it never depends on how an outstanding
  attempt will end. The first good answer wins; when every attempt has failed the round ends
  with its last failure — at the time it arrives and with its cause, which retries and the
  breaker act on (on a tie the earlier attempt's) — or, an attempt still out at the timeout,
  at the timeout as a timeout (an outage or latency breach on the first attempt keeps its
  cause). A mode the first attempt showed before the timeout still routes the request to its
  mitigation: the gateway saw it. Every call sent is paid. A hedge draws its own latency and
  ``error_rate``; injected modes hit the first attempt of a round only (persistent causes —
  a miss, an outage, a persistent mode — hold for its hedges too).
* **Circuit breaker**: per path, decided at the start of each bucket b over the
  ``w = ⌈window_s/bucket_s⌉`` buckets b−w … b−1 (the last ``window_s``) of first attempts
  (retries do not count twice): once they hold ≥ ``min_requests`` calls and the failed share
  is ≥ the threshold (429,
  5xx, timeouts, outages — not content rejections), the path is skipped for
  ``cooldown_s``; then it closes with a fresh window and trips again if it must.
* **Outage windows** (``outages=[Outage("primary", start_s=3600, duration_s=1200)]``): every
  call to the path fails, at its timeout (or its drawn latency without one).
  **Degradation windows** (``Degradation("primary", 3600, 1200, error_rate=0.3,
  latency_factor=2)`` in the same list): every call to the path — first attempts, retries,
  hedges — fails with that extra probability (a 5xx when the answer would have come) and its
  latency is multiplied by the factor. Windows on one path compound.
* **Streaming** (a path with ``stream:``): its ``latency`` is the time to the *first* token;
  the time to the last token adds ``stream.duration``. Once the first token is sent the
  gateway cannot fall back: the request is served by that path whatever follows. A started
  stream errors after the first token with ``midstream_error_rate`` (seen at once) or stalls
  with ``stall_rate`` (seen ``stall_timeout_ms`` after the last token; never, without one),
  at a point uniform over its duration. The user is left with a *partial* answer — unless
  ``continuation`` re-requests the rest on the same path: one more call (paid), a new first
  token from the path's latency, then the remaining share of the duration; it fails like a
  first attempt (``error_rate``) or, once started, breaks again (the mid-stream rates, shares
  of started streams: it completes with (1 − error_rate)(1 − midstream − stall)), leaving the
  answer partial. Whether or not it is on, the result reports what it would cost.
* **The SLO's metric** (``context.slo.metric``): ``time_to_first_token`` counts a request good
  when it is served and its first token comes before ``threshold_ms`` (a partial answer can
  be good); ``end_to_end`` when its *complete* answer does (a partial answer never is).
  Paths that do not stream answer whole, so the two agree on them.
* Latency "as the user sees it" is the sum of time spent on every path tried (attempts,
  backoffs, timeouts); percentiles come from a log-binned histogram with 0.02% relative
  resolution, so 10^8 requests run in bounded memory, chunk by chunk; unserved requests are
  bad. Only buckets that hold requests exist, so memory grows with the requests simulated,
  never with the simulated time they span (10,000 requests over 1,000 days: ~16 MB).
* Same seed, same chunk size → the same numbers, bit for bit.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ..problems import DesignError
from .attempts import attempt_round, degradation, pre_causes
from .breaker import Breaker
from . import limits
from .buckets import runs
from .histogram import H_BINS, add_hist, hist_bins
from .plan import DEFAULT_CHUNK, MISS, MODE0, OK, SKIP, Degradation, Outage, Plan, compile_plan, plan_problems
from .result import SimulationResult
from .streams import run_streams


class Accumulator:
    """Running totals over chunks: memory bounded by the paths and histogram bins, never by N or time."""

    def __init__(self, plan: Plan, timeline_s: float):
        P = len(plan.paths)
        self.hist = np.zeros((P + 1) * H_BINS, dtype=np.int64)   # answer (first token) time; row 0: unserved
        # time to last token (row 0: incomplete); the same array as `hist` when no path streams
        self.ttlt_hist = np.zeros((P + 1) * H_BINS, dtype=np.int64) if plan.streams else self.hist
        self.cont_hist = np.zeros(H_BINS, dtype=np.int64)        # time to last token had the rest been re-requested
        self.reach = np.zeros(P, np.int64)
        self.skipped = np.zeros(P, np.int64)
        self.calls = np.zeros(P, np.int64)
        self.retries = np.zeros(P, np.int64)
        self.hedges = np.zeros(P, np.int64)
        self.served = np.zeros(P, np.int64)
        self.streamed = np.zeros(P, np.int64)       # served by a streaming path
        self.broken = np.zeros(P, np.int64)         # streams that errored or stalled after the first token
        self.partial = np.zeros(P, np.int64)        # users left with a partial answer
        self.continuable = np.zeros(P, np.int64)    # broken streams whose end the gateway saw (a continuation could run)
        self.continuations = np.zeros(P, np.int64)  # continuation calls made (continuation on)
        self.mode_hits = np.zeros(len(plan.modes), np.int64)
        self.good = 0          # good by the SLO's metric
        self.good_ttft = 0
        self.good_ttlt = 0
        self.n = 0
        self.timeline_s = timeline_s
        self.timeline: dict[int, np.ndarray] = {}  # occupied bin → [n, good, unserved, served by each path]


@dataclass
class Chunk:
    """One chunk's requests: arrival times, occupied buckets, and the retries each bucket may still spend."""

    t_arr: np.ndarray        # arrival time of each request, s
    ub: np.ndarray           # the occupied buckets, increasing
    bl: np.ndarray           # each request's bucket, as an index into ub
    bc: np.ndarray           # requests in each occupied bucket
    retry_left: np.ndarray   # retries each bucket may still spend (the retry budget's token bucket)


def _run_path(plan: Plan, acc: Accumulator, breakers: dict, k: int, idx, ch: Chunk, rng):
    """Every request routed to path k: first round, breaker, retries.

    Returns (idx, idx skipped, spent, route, failed): ``route`` OK for the served, else the code
    that routes on; ``failed`` the positions in ``idx`` not served.
    """
    cp = plan.paths[k]
    full = idx.size == ch.t_arr.size      # every request of the chunk (the first path): no gathers
    t = ch.t_arr if full else ch.t_arr[idx]
    deg = degradation(cp, t)
    pre, uncovered, nz = pre_causes(cp, rng, idx.size, True, t=t, deg=deg)
    # the request's persistent cause on this path, for its hedges and retries: an outage or a
    # persistent mode as drawn, else a coverage miss (coverage belongs to the request, not the call)
    # calls with a cause decided before them: few (a bool mask is searched several times faster
    # than int16 codes)
    nz = np.flatnonzero(pre != OK) if nz is None else nz
    persistent = np.zeros(idx.size, dtype=np.int16)
    persistent[nz] = pre[nz] * cp.persistent[pre[nz]]
    if uncovered is not None:
        persistent[uncovered & (persistent == OK)] = MISS
    L = cp.sampler.sample(rng, idx.size)
    if deg is not None:
        L *= deg[0]
    spent, cause, route, hedged = attempt_round(cp, rng, L, pre, persistent, deg, nz)
    n_hedges = hedged.size
    fail = np.flatnonzero(cause != OK)   # first rounds that did not go well: few
    skip = None if cp.breaker is None else _breaker_skips(plan, breakers, k, ch, None if full else idx, cause, fail)
    idx_skip = idx[:0]
    if skip is not None:
        keep = ~skip
        acc.skipped[k] += int(np.count_nonzero(skip))
        idx_skip = idx[skip]
        n_hedges -= int(np.count_nonzero(skip[hedged]))     # a skipped request made no call
        idx, t, pre, spent, cause, route, L, persistent = (idx[keep], t[keep], pre[keep], spent[keep],
                                                           cause[keep], route[keep], L[keep], persistent[keep])
        if deg is not None:
            deg = (deg[0][keep], deg[1][keep])
        nz, fail = np.flatnonzero(pre != OK), np.flatnonzero(cause != OK)
    if cp.mode_codes.size:
        # a mode hits a first attempt that was made (not skipped) and not cut first by the timeout
        m = nz[pre[nz] >= MODE0]
        pm = pre[m]
        seen = cp.never_answers[pm] | (L[m] <= cp.timeout)
        if seen.any():
            acc.mode_hits += np.bincount(pm[seen] - MODE0, minlength=len(plan.modes))
    n_retries = retry_calls = 0
    if cp.max_retries:
        route = route.copy() if route is cause else route        # retries write both
        n_retries, retry_calls = _retries(cp, rng, idx, ch, t, deg, persistent, spent, cause, route, fail)
    acc.calls[k] += idx.size + n_hedges + retry_calls
    acc.retries[k] += n_retries
    acc.hedges[k] += n_hedges + retry_calls - n_retries
    return idx, idx_skip, spent, route, fail[route[fail] != OK]   # retries only turn failures good


def _breaker_skips(plan: Plan, breakers: dict, k: int, ch: Chunk, idx, cause, fail):
    """Which requests path k's circuit breaker skips (None: none), from the first rounds' causes.

    Decided per bucket from first attempts of earlier buckets; counts of open buckets are
    discarded by the breaker, so one pass over the occupied buckets is exact. ``idx`` None:
    every request of the chunk; ``fail``: where ``cause`` is not OK.
    """
    cp = plan.paths[k]
    br = breakers.setdefault(k, Breaker(cp.breaker, plan.bucket_s))
    bk = ch.bl if idx is None else ch.bl[idx]
    f_counts = np.bincount(bk[fail[cp.counts_for_breaker[cause[fail]]]], minlength=ch.ub.size)
    if idx is None:   # every bucket of the chunk holds calls
        is_open = br.run(ch.ub, ch.bc, f_counts)
    else:
        c_counts = np.bincount(bk, minlength=ch.ub.size)
        keep_b = np.flatnonzero(c_counts)
        is_open = np.zeros(ch.ub.size, dtype=bool)
        is_open[keep_b] = br.run(ch.ub[keep_b], c_counts[keep_b], f_counts[keep_b])
    return is_open[bk] if is_open.any() else None


def _retries(cp, rng, idx, ch: Chunk, t, deg, persistent, spent, cause, route, fail) -> tuple[int, int]:
    """Retries inside the retry budget, first come first served within a bucket; updates
    ``spent``, ``cause`` and ``route`` in place (``fail``: where ``cause`` is not OK).
    Returns (retries, calls they made)."""
    bl, retry_left = ch.bl, ch.retry_left
    n_retries = calls = 0
    cur = None
    for r in range(1, cp.max_retries + 1):
        if cur is None:
            want = fail[cp.retryable[cause[fail]]]
        else:
            want = cur[cp.retryable[cause[cur]]]
        if not want.size:
            break
        wb = bl[idx[want]]
        cnt = np.bincount(wb, minlength=ch.ub.size)
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
        deg_r = None if deg is None else (deg[0][cur], deg[1][cur])
        pre_r, _, _ = pre_causes(cp, rng, cur.size, False, keep=persistent[cur], t=t[cur], deg=deg_r)
        L2 = cp.sampler.sample(rng, cur.size)
        if deg_r is not None:
            L2 *= deg_r[0]
        s2, c2, r2, h2 = attempt_round(cp, rng, L2, pre_r, persistent[cur], deg_r)
        spent[cur] += wait + s2
        cause[cur] = c2
        route[cur] = r2
        calls += cur.size + h2.size
    return n_retries, calls


def _run_chunk(plan: Plan, acc: Accumulator, breakers: dict, lo: int, hi: int, rng) -> None:
    P = len(plan.paths)
    n = hi - lo
    per_bucket = plan.rate * plan.bucket_s
    ids = np.arange(lo, hi, dtype=np.int64)
    t_arr = ids / plan.rate                                       # arrival time, s
    # only buckets holding requests exist: memory grows with requests, never with simulated time
    ub, bl, bc = runs(lambda i: np.floor((i + lo) / per_bucket).astype(np.int64), n,
                      lambda K: np.ceil(K * per_bucket) - lo)
    # retries each bucket may spend (the token bucket of the docstring): floor(β·A(b+1)) − floor(β·A(b)),
    # A = requests arrived before bucket b (a short last bucket deposits only for the requests in it);
    # integer per bucket, the fraction carried, exactly β of all requests in the long run, independent of chunking
    arrived = np.minimum(np.ceil(np.stack([ub, ub + 1]).astype(float) * per_bucket), hi)
    retry_left = np.diff(np.floor(plan.retry_budget * arrived + 1e-9), axis=0)[0].astype(np.int64)
    ch = Chunk(t_arr, ub, bl, bc, retry_left)
    elapsed = np.zeros(n)                       # time spent so far
    nxt = np.zeros(n, dtype=np.int16)           # the path each request goes to next (P: none left, P + 1: served)
    served_by = np.full(n, -1, dtype=np.int16)
    rest = None
    for k, cp in enumerate(plan.paths):
        if k == 0:
            idx = np.arange(n)                  # every request starts on the first path
        else:   # requests only move down the chain: look among those the first path did not serve
            rest = np.flatnonzero(nxt < P) if rest is None else rest
            idx = rest[nxt[rest] == k]
        acc.reach[k] += idx.size
        if not idx.size:
            continue
        idx, idx_skip, spent, route, bad = _run_path(plan, acc, breakers, k, idx, ch, rng)
        nxt[idx_skip] = cp.route[SKIP]
        if idx.size == n:   # every request of the chunk: no scatters; the few not served are routed on
            if k == 0:
                elapsed = spent
            else:
                elapsed += spent
            served_by.fill(k)
            served_by[bad] = -1
            nxt = np.full(n, P + 1, dtype=np.int16)
            nxt[bad] = cp.route[route[bad]]
            rest = bad[nxt[bad] < P]
        else:
            elapsed[idx] += spent
            served_by[idx] = k
            served_by[idx[bad]] = -1
            nxt[idx] = P + 1
            nxt[idx[bad]] = cp.route[route[bad]]
        acc.served[k] += idx.size - bad.size
    ttlt, complete = run_streams(plan, acc, rng, elapsed, served_by) if plan.streams else (elapsed, None)
    _record(plan, acc, t_arr, elapsed, served_by, ttlt, complete)


def _record(plan: Plan, acc: Accumulator, t_arr, elapsed, served_by, ttlt, complete) -> None:
    """Histograms, SLO counts and the timeline of one chunk."""
    P = len(plan.paths)
    row = served_by.astype(np.int64) + 1
    add_hist(acc.hist, hist_bins(elapsed), row, P + 1)
    good_ttft = (served_by >= 0) & (elapsed < plan.threshold_ms)
    if plan.streams:
        add_hist(acc.ttlt_hist, hist_bins(ttlt), np.where(complete, row, 0), P + 1)
        good_ttlt = complete & (ttlt < plan.threshold_ms)
    else:   # nothing streams: the last token is the first, the same numbers (the result shares the histogram)
        good_ttlt = good_ttft
    acc.good_ttft += int(np.count_nonzero(good_ttft))
    acc.good_ttlt += int(np.count_nonzero(good_ttlt))
    good = good_ttft if plan.slo_metric == "time_to_first_token" else good_ttlt
    acc.good += int(np.count_nonzero(good))
    acc.n += t_arr.size
    # timeline: per occupied timeline bin, counts of requests, good, unserved and served by each path
    lo, ts = int(acc.n - t_arr.size), acc.timeline_s
    ut, tbl, tc = runs(lambda i: ((i + lo) / plan.rate // ts).astype(np.int64), t_arr.size,
                       lambda K: np.ceil(K * ts * plan.rate) - lo)
    m = ut.size
    key = tbl * (P + 1)
    key += row
    by = np.bincount(key, minlength=m * (P + 1)).reshape(m, P + 1)
    rows = np.empty((m, 3 + P))
    rows[:, 0] = by.sum(axis=1)
    rows[:, 1] = np.add.reduceat(good, np.cumsum(tc) - tc, dtype=np.int64)
    rows[:, 2:] = by
    for key, r in zip(ut.tolist(), rows):   # only a chunk's first bin can be in the timeline already
        old = acc.timeline.get(key)
        if old is None:
            acc.timeline[key] = r
        else:
            old += r


def simulate(design, n_requests: int = 100_000, seed: int = 0, *, outages: Sequence[Outage | Degradation | str] = (),
             rps: float | None = None, bucket_s: float = 1.0, chunk_size: int = DEFAULT_CHUNK,
             timeline_s: float = 60.0, progress: bool | Callable[[int], Any] | None = None) -> "SimulationResult":
    """Simulate ``n_requests`` through ``design``'s recovery workflow; seeded, vectorised, chunked.

    ``outages``: windows when a path is down, e.g. ``["primary:60m:20m"]`` or
    ``[Outage("primary", 3600, 1200)]``, and :class:`Degradation` windows. ``rps``: the arrival
    rate (default: the design's traffic); request i arrives at i/rps s. ``progress``:
    True for a tqdm bar, or a callable receiving the number of requests done per chunk.
    Raises :class:`DesignError` listing every problem (N ≤ 0, a mode no path can serve, …).
    """
    if isinstance(design, (str, os.PathLike)):
        from ..design import Design
        design = Design.load(design)
    outages = [Outage.parse(o) if isinstance(o, str) else o for o in outages]
    bad_seed = limits.SEED.problem(seed)     # the rule --seed and replay() hold it to
    if bad_seed is not None:
        raise DesignError([bad_seed])
    probs = plan_problems(design, n_requests, outages, rps, bucket_s, chunk_size, timeline_s)
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
