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
  come first served; whole retries a bucket leaves unspent expire with it (Finagle's deposits
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
from typing import Any, Callable, Sequence

import numpy as np

from ..problems import DesignError, Problem
from .breaker import Breaker
from .histogram import H_BINS, H_LOG, H_MIN
from .plan import (DEFAULT_CHUNK, ERROR, MISS, MODE0, OK, OUTAGE, SKIP, TIMEOUT, Degradation, Outage, Plan, PathPlan,
                   compile_plan, plan_problems)
from .result import SimulationResult


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


def _hist_bins(ms: np.ndarray) -> np.ndarray:
    """Histogram bin of each latency (bin 0 below H_MIN, the last bin holds ≥ 10^7 ms and ∞)."""
    # float32 is safe here: its log is off by < 1e-6, half a percent of one 0.02%-wide bin
    x = np.maximum(ms, H_MIN * 0.5).astype(np.float32)
    x *= np.float32(1 / H_MIN)
    np.log(x, out=x)
    x *= np.float32(1 / H_LOG)
    np.minimum(x, np.float32(H_BINS), out=x)   # ∞ (a stream nobody cuts) lands in the overflow bin
    np.floor(x, out=x)
    hb = x.astype(np.int64)
    hb += 1
    np.clip(hb, 0, H_BINS - 1, out=hb)
    return hb


def _attempt_round(cp: PathPlan, rng, L, pre, hold, deg=None):
    """One round on a path (a first attempt or a retry, plus its hedges).

    ``pre``: cause decided before the call (0, MISS, ERROR, OUTAGE or a mode code); ``hold``: the
    request's persistent cause on this path (a coverage miss, an outage, a persistent mode; OK if
    none), which its hedges inherit — a transient mode on the first attempt does not.
    Returns (time spent ms, cause, route, hedged): ``cause`` the round's outcome (OK, or the
    failure it ended with), ``route`` the code that routes the request on (``cause``, or the
    mode its first attempt showed), ``hedged`` the position of every hedge sent (one per call).
    """
    T = cp.timeout
    nv = np.flatnonzero(cp.never_answers[pre])
    finish = L.copy()
    finish[nv] = np.inf
    # the first attempt alone: its answer or failure — a timeout when either would come after it
    spent = np.minimum(finish, T)
    cause = pre.copy()
    np.putmask(cause, finish > T, TIMEOUT)
    cause[nv] = pre[nv]                 # what never answers keeps its cause
    if not (cp.max_hedges and cp.hedge_after < T):
        return spent, cause, cause, nv[:0]
    k = np.flatnonzero(finish > cp.hedge_after)   # hedge 1 is sent iff the first attempt is still out
    if not k.size:
        return spent, cause, cause, k
    s_k, c_k, r_k, hedged = _hedges(cp, rng, k, finish[k], pre[k], cause[k] == OK, hold[k], deg)
    spent[k] = s_k
    cause[k] = c_k
    route = cause.copy()
    route[k] = r_k
    return spent, cause, route, k[hedged]


def _hedges(cp: PathPlan, rng, k, f0, p0, good0, hold, deg):
    """The rounds whose first attempt (ending at ``f0``, cause ``p0``) was still out at the first hedge.

    Hedge ``j`` is sent at ``j·after_ms`` (before the timeout) when, at that instant, no good
    answer has arrived and some attempt is still outstanding; it depends only on what has
    happened by then, never on how an outstanding attempt will end. The first good answer
    wins; else the round ends with its last failure (cause and time), or — an attempt still
    out — at the timeout, as a timeout (an attempt that never answers keeps its cause). A mode
    the first attempt showed before the timeout still routes the request to its mitigation.
    Returns (spent, cause, route, position of each hedge sent) over these rounds.
    """
    T = cp.timeout
    best = np.where(good0, f0, np.inf)            # earliest good answer so far
    latest = f0.copy()                            # when the last attempt sent ends (good or bad)
    seen = ~good0 & (f0 <= T)
    last_t = np.where(seen, f0, -np.inf)          # the last failure seen before the timeout: when …
    last_c = p0.copy()                            # … and its cause
    sub, sent = np.arange(k.size), []
    for j in range(1, cp.max_hedges + 1):
        s = j * cp.hedge_after
        if s >= T:
            break
        if j > 1:   # whoever gets hedge j got hedge j−1: nothing else changed since
            sub = sub[(best[sub] > s) & (latest[sub] > s)]
            if not sub.size:
                break
        sent.append(sub)
        Lh = cp.sampler.sample(rng, sub.size)
        if deg is not None:
            Lh *= deg[0][k[sub]]
        Lh += s
        ph = hold[sub].copy()
        if cp.error_rate > 0:
            ph = np.where((ph == OK) & (rng.random(sub.size) < cp.error_rate), ERROR, ph)
        if deg is not None:
            ph = np.where((ph == OK) & (rng.random(sub.size) < deg[1][k[sub]]), ERROR, ph)
        fh = np.where(cp.never_answers[ph], np.inf, Lh)
        okh = (ph == OK) & (fh <= T)
        best[sub] = np.minimum(best[sub], np.where(okh, fh, np.inf))
        latest[sub] = np.maximum(latest[sub], fh)
        later = ~okh & (fh <= T) & (fh > last_t[sub])      # ties: the earlier attempt stays the last
        last_t[sub[later]] = fh[later]
        last_c[sub[later]] = ph[later]
    # best holds only good answers (each ≤ the timeout); ∞ means none came — also when the
    # path has no timeout, so ∞ ≤ ∞ must not count as one
    good = np.isfinite(best)
    cut = ~good & (latest > T)
    spent = np.where(good, best, np.where(cut, T, latest))
    cause = np.where(good, OK, np.where(cut, np.where(cp.never_answers[p0], p0, TIMEOUT), last_c)).astype(np.int16)
    shown = (p0 >= MODE0) & (cp.never_answers[p0] | (f0 <= T))
    route = np.where(~good & shown, p0, cause).astype(np.int16)
    return spent, cause, route, np.concatenate(sent) if sent else sub[:0]


def _degradation(cp: PathPlan, t):
    """(latency multiplier, extra error probability) per request from degradation windows, or None."""
    if not cp.degradations:
        return None
    lf, ok = np.ones(t.size), np.ones(t.size)
    for a, b, err, f in cp.degradations:
        i, j = _inside(t, a, b)
        lf[i:j] *= f
        ok[i:j] *= 1 - err
    return lf, 1 - ok


def _inside(t, a, b) -> tuple[int, int]:
    """The index range of the sorted arrival times ``t`` with a ≤ t < b."""
    i, j = np.searchsorted(t, (a, b), side="left").tolist()
    return i, j


def _pre_causes(cp: PathPlan, rng, n, first: bool, keep=None, t=None, deg=None):
    """Cause decided before the call: an injected mode, a coverage miss, an error, an outage.

    ``t``: the requests' arrival times, non-decreasing. Returns (cause, uncovered): on a first attempt ``uncovered`` marks the requests outside the
    path's coverage (drawn independently of the modes; a mode observed on the first attempt shows
    instead of the miss, but the miss stays the request's for its hedges and retries), else None.
    """
    cum, codes = (cp.first_cum, cp.first_codes) if first else (cp.retry_cum, cp.retry_codes)
    pre = np.zeros(n, dtype=np.int16)
    if cum[-1] > 0:
        # past the last threshold the call is OK (most are): look up only the draws below it
        u = rng.random(n)
        hit = np.flatnonzero(u < cum[-1])
        pre[hit] = codes[np.searchsorted(cum, u[hit], side="right")]
    uncovered = None
    if first and cp.coverage < 1:
        uncovered = rng.random(n) >= cp.coverage
        pre[uncovered & (pre < MODE0)] = MISS   # an uncovered request errs no other way
    if keep is not None:   # persistent causes of earlier rounds stay
        pre = np.where(keep != OK, keep, pre)
    if deg is not None:   # a degraded provider: an extra error chance while the window lasts
        hit = np.flatnonzero((pre == OK) & (deg[1] > 0))
        if hit.size:
            pre[hit[rng.random(hit.size) < deg[1][hit]]] = ERROR
    if cp.outages and t is not None:   # t is sorted (arrival order): a window is an index range
        for a, b in cp.outages:
            i, j = _inside(t, a, b)
            pre[i:j] = OUTAGE
    return pre, uncovered


def _occupied(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct sorted keys, index of each element's key) for a non-decreasing array."""
    change = np.empty(keys.size, dtype=bool)
    change[0] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    return keys[change], np.cumsum(change) - 1


def _runs(key_at: Callable[[np.ndarray], np.ndarray], n: int, guess: Callable[[np.ndarray], np.ndarray]):
    """:func:`_occupied` of the non-decreasing keys ``key_at(0..n-1)``, without computing every key.

    ``guess(K)`` estimates where key K starts (e.g. from the arrival rate); each start is
    checked exactly (the key before it is smaller, the key at it is not), one step either
    way is allowed, and when that does not hold — or keys are sparser than the elements —
    every key is computed. The same arrays :func:`_occupied` returns, from O(keys) work.
    """
    k0, k1 = key_at(np.array([0, n - 1])).tolist()
    if k1 - k0 + 1 > n // 4 + 1:
        return _occupied(key_at(np.arange(n)))
    K = np.arange(k0 + 1, k1 + 1, dtype=np.int64)
    s = np.clip(guess(K), 1, n - 1).astype(np.int64)
    for _ in range(3):   # check, and move a wrong start one step, twice at most
        up, down = key_at(s) < K, key_at(s - 1) >= K
        if not (up.any() or down.any()):
            break
        s = np.clip(s + up - down, 1, n - 1)
    else:
        return _occupied(key_at(np.arange(n)))
    starts = np.concatenate(([0], s))
    counts = np.diff(np.append(starts, n))
    keep = counts > 0
    keys = np.concatenate(([k0], K))[keep]
    return keys, np.repeat(np.arange(keys.size), counts[keep])


def _run_path(plan: Plan, acc: Accumulator, breakers: dict, k: int, idx, t_arr, ub, bl, retry_left, rng):
    """Every request routed to path k: first round, breaker, retries.

    Returns (idx, idx skipped, spent, route): ``route`` OK for the served, else the code that routes on.
    """
    cp = plan.paths[k]
    full = idx.size == t_arr.size      # every request of the chunk (the first path): no gathers
    t = t_arr if full else t_arr[idx]
    deg = _degradation(cp, t)
    pre, uncovered = _pre_causes(cp, rng, idx.size, True, t=t, deg=deg)
    # the request's persistent cause on this path, for its hedges and retries: an outage or a
    # persistent mode as drawn, else a coverage miss (coverage belongs to the request, not the call)
    persistent = pre * cp.persistent[pre]
    if uncovered is not None:
        persistent[uncovered & (persistent == OK)] = MISS
    L = cp.sampler.sample(rng, idx.size)
    if deg is not None:
        L *= deg[0]
    spent, cause, route, hedged = _attempt_round(cp, rng, L, pre, persistent, deg)
    n_hedges = hedged.size
    if cp.breaker is not None:
        # circuit breaker: decided per bucket from first attempts of earlier buckets; counts of
        # open buckets are discarded by the breaker, so one pass over the occupied buckets is exact
        br = breakers.setdefault(k, Breaker(cp.breaker, plan.bucket_s))
        bk = bl if full else bl[idx]
        c_counts = np.bincount(bk, minlength=ub.size)
        f_counts = np.bincount(bk[np.flatnonzero(cp.counts_for_breaker[cause])], minlength=ub.size)
        keep_b = np.flatnonzero(c_counts)
        is_open = np.zeros(ub.size, dtype=bool)
        is_open[keep_b] = br.run(ub[keep_b], c_counts[keep_b], f_counts[keep_b])
        skip = is_open[bk]
        if skip.any():
            keep = ~skip
            acc.skipped[k] += int(skip.sum())
            idx_skip = idx[skip]
            n_hedges -= int(np.count_nonzero(skip[hedged]))     # a skipped request made no call
            idx, t, pre, spent, cause, route, L, persistent = (idx[keep], t[keep], pre[keep], spent[keep],
                                                               cause[keep], route[keep], L[keep], persistent[keep])
            if deg is not None:
                deg = (deg[0][keep], deg[1][keep])
        else:
            idx_skip = idx[:0]
    else:
        idx_skip = idx[:0]
    if cp.mode_codes.size:
        # a mode hits a first attempt that was made (not skipped) and not cut first by the timeout
        m = np.flatnonzero(pre >= MODE0)
        pm = pre[m]
        seen = cp.never_answers[pm] | (L[m] <= cp.timeout)
        if seen.any():
            acc.mode_hits += np.bincount(pm[seen] - MODE0, minlength=len(plan.modes))
    route = route.copy() if route is cause else route        # retries write both
    total_calls = idx.size + n_hedges
    first_calls, n_retries = idx.size, 0
    cur = np.arange(idx.size)
    for r in range(1, cp.max_retries + 1):
        # retries inside the retry budget, first come first served within a bucket
        want = np.flatnonzero(cp.retryable[cause]) if r == 1 else cur[cp.retryable[cause[cur]]]
        if not want.size:
            break
        wb = bl[idx[want]]
        cnt = np.bincount(wb, minlength=ub.size)
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
        pre_r, _ = _pre_causes(cp, rng, cur.size, False, keep=persistent[cur], t=t[cur], deg=deg_r)
        L2 = cp.sampler.sample(rng, cur.size)
        if deg_r is not None:
            L2 *= deg_r[0]
        s2, c2, r2, h2 = _attempt_round(cp, rng, L2, pre_r, persistent[cur], deg_r)
        spent[cur] += wait + s2
        cause[cur] = c2
        route[cur] = r2
        total_calls += cur.size + h2.size
    acc.calls[k] += total_calls
    acc.retries[k] += n_retries
    acc.hedges[k] += total_calls - first_calls - n_retries
    return idx, idx_skip, spent, route


def _run_streams(plan: Plan, acc: Accumulator, rng, elapsed, served_by):
    """After the first token: mid-stream errors and stalls, partial answers, continuations.

    Returns (time to last token or to the end of the user's stream, complete answer?).
    """
    ttlt = elapsed.copy()
    complete = served_by >= 0
    for k, cp in enumerate(plan.paths):
        if cp.stream is None:
            continue
        st = cp.stream
        idx = np.flatnonzero(served_by == k)
        acc.streamed[k] += idx.size
        if not idx.size:
            continue
        G = st.sampler.sample(rng, idx.size)
        ttlt[idx] += G
        if st.error_rate + st.stall_rate <= 0:
            continue
        u = rng.random(idx.size)
        broken = np.flatnonzero(u < st.error_rate + st.stall_rate)
        if not broken.size:
            continue
        acc.broken[k] += broken.size
        b = idx[broken]
        f = rng.random(broken.size)                          # share of the answer streamed before it broke
        stalled = u[broken] >= st.error_rate
        # the user's stream ends at the last token; an error is seen at once, a stall after the stall timeout
        end = elapsed[b] + f * G[broken] + np.where(stalled, st.stall_timeout, 0.0)
        # a continuation: re-request the rest on the same path (one more call, a new first token)
        cont = end + cp.sampler.sample(rng, b.size) + (1 - f) * G[broken]
        # it fails like a first attempt (error_rate); a continuation that started then breaks at the
        # mid-stream rates, which are shares of *started* streams: P(complete) = (1 − e)(1 − m)
        v = rng.random(b.size)
        fail_share = cp.error_rate + (1 - cp.error_rate) * (st.error_rate + st.stall_rate)
        cont_ok = (v >= fail_share) & np.isfinite(end)
        acc.cont_hist += np.bincount(_hist_bins(cont[cont_ok]), minlength=H_BINS)
        seen = int(np.isfinite(end).sum())     # a stall nobody cuts never ends: nothing to continue
        acc.continuable[k] += seen
        if st.continuation:
            acc.continuations[k] += seen
            acc.calls[k] += seen
            ttlt[b] = np.where(cont_ok, cont, end)
            complete[b] = cont_ok
        else:
            ttlt[b] = end
            complete[b] = False
        acc.partial[k] += int((~complete[b]).sum())
    return ttlt, complete


def _run_chunk(plan: Plan, acc: Accumulator, breakers: dict, lo: int, hi: int, rng) -> None:
    P = len(plan.paths)
    n = hi - lo
    per_bucket = plan.rate * plan.bucket_s
    ids = np.arange(lo, hi, dtype=np.int64)
    t_arr = ids / plan.rate                                       # arrival time, s
    # only buckets holding requests exist: memory grows with requests, never with simulated time
    ub, bl = _runs(lambda i: np.floor((i + lo) / per_bucket).astype(np.int64), n,
                   lambda K: np.ceil(K * per_bucket) - lo)
    # retries each bucket may spend (the token bucket of the docstring): floor(β·A(b+1)) − floor(β·A(b)),
    # A = requests arrived before bucket b (a short last bucket deposits only for the requests in it);
    # integer per bucket, the fraction carried, exactly β of all requests in the long run, independent of chunking
    arrived = np.minimum(np.ceil(np.stack([ub, ub + 1]).astype(float) * per_bucket), hi)
    retry_left = np.diff(np.floor(plan.retry_budget * arrived + 1e-9), axis=0)[0].astype(np.int64)
    elapsed = np.zeros(n)
    nxt = np.zeros(n, dtype=np.int16)
    served_by = np.full(n, -1, dtype=np.int16)
    for k, cp in enumerate(plan.paths):
        idx = ids - lo if k == 0 else np.flatnonzero(nxt == k)      # every request starts on the first path
        acc.reach[k] += idx.size
        if not idx.size:
            continue
        idx, idx_skip, spent, cause = _run_path(plan, acc, breakers, k, idx, t_arr, ub, bl, retry_left, rng)
        nxt[idx_skip] = cp.route[SKIP]
        ok = cause == OK
        to = cp.route[cause]
        to[ok] = P + 1
        if idx.size == n:   # every request of the chunk: no scatters
            elapsed += spent
            served_by[ok] = k
            nxt[:] = to
        else:
            elapsed[idx] += spent
            served_by[idx[ok]] = k
            nxt[idx] = to
        acc.served[k] += int(np.count_nonzero(ok))
    ttlt, complete = _run_streams(plan, acc, rng, elapsed, served_by) if plan.streams else (elapsed, None)
    _record(plan, acc, t_arr, elapsed, served_by, ttlt, complete)


def _add_hist(hist: np.ndarray, bins: np.ndarray, rows: np.ndarray, n_rows: int) -> None:
    """Add counts to the flat (n_rows × H_BINS) histogram, touching only the bins in use."""
    h = hist.reshape(n_rows, H_BINS)
    if not bins.size:
        return
    lo, hi = int(bins.min()), int(bins.max())
    span = hi - lo + 1
    if n_rows == 1 or n_rows * span <= 4 * bins.size:
        # one count over (row, bin) pairs of the bins in use: one pass, no per-row masks
        key = rows * span if n_rows > 1 else np.zeros(bins.size, dtype=np.int64)
        key += bins
        key -= lo
        h[:, lo:hi + 1] += np.bincount(key, minlength=n_rows * span).reshape(n_rows, span)
        return
    for r in range(n_rows):   # latencies spread wide (e.g. ∞ beside ms): per row, its own span
        b = bins[rows == r]
        if b.size:
            r_lo = int(b.min())
            c = np.bincount(b - r_lo)
            h[r, r_lo:r_lo + c.size] += c


def _record(plan: Plan, acc: Accumulator, t_arr, elapsed, served_by, ttlt, complete) -> None:
    """Histograms, SLO counts and the timeline of one chunk."""
    P = len(plan.paths)
    row = served_by.astype(np.int64) + 1
    _add_hist(acc.hist, _hist_bins(elapsed), row, P + 1)
    good_ttft = (served_by >= 0) & (elapsed < plan.threshold_ms)
    if plan.streams:
        _add_hist(acc.ttlt_hist, _hist_bins(ttlt), np.where(complete, row, 0), P + 1)
        good_ttlt = complete & (ttlt < plan.threshold_ms)
    else:   # nothing streams: the last token is the first, the same numbers (the result shares the histogram)
        good_ttlt = good_ttft
    acc.good_ttft += int(good_ttft.sum())
    acc.good_ttlt += int(good_ttlt.sum())
    good = good_ttft if plan.slo_metric == "time_to_first_token" else good_ttlt
    acc.good += int(good.sum())
    acc.n += t_arr.size
    # timeline: per occupied timeline bin, counts of requests, good, unserved and served by each path
    lo, ts = int(acc.n - t_arr.size), acc.timeline_s
    ut, tbl = _runs(lambda i: ((i + lo) / plan.rate // ts).astype(np.int64), t_arr.size,
                    lambda K: np.ceil(K * ts * plan.rate) - lo)
    m = ut.size
    key = tbl * (P + 1)
    key += served_by
    key += 1
    by = np.bincount(key, minlength=m * (P + 1)).reshape(m, P + 1)
    rows = np.empty((m, 3 + P))
    rows[:, 0] = by.sum(axis=1)
    rows[:, 1] = np.bincount(tbl[good], minlength=m)
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
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DesignError([Problem("seed", f"is {seed!r}; expected a whole number ≥ 0")])
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
