"""Simulate a design's recovery workflow over N requests and over simulated time.

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

import html as _html
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from . import latency as _lat
from .problems import DesignError, Problem
from .taxonomy import Category

# cause codes of one attempt on one path
OK, MISS, SKIP, ERROR, TIMEOUT, OUTAGE = 0, 1, 2, 3, 4, 5
MODE0 = 8  # injected failure mode m has code MODE0 + m
PERSISTENT = {Category.context_window.value, Category.policy_violation.value,
              Category.confidence_drop.value, Category.provider_outage.value}
NEVER_ANSWERS = {Category.latency_breach.value}
BREAKER_COUNTS = {Category.latency_breach.value, Category.resource_exhaustion.value,
                  Category.dependency_failure.value, Category.provider_outage.value, Category.other.value}
DEFAULT_CHUNK = 1 << 18

# latency histogram: log bins from 0.01 ms to ~3 h, 0.02% wide
H_MIN, H_RATIO = 0.01, 1.0002
H_LOG = math.log(H_RATIO)
H_BINS = int(math.ceil(math.log(1e7 / H_MIN) / H_LOG)) + 2
QUANTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("p99.9", 0.999))


@dataclass(frozen=True)
class Outage:
    """A window of simulated time when every call to ``path`` fails (a provider down)."""

    path: str
    start_s: float
    duration_s: float

    @classmethod
    def parse(cls, text: str) -> "Outage":
        """``primary:60m:20m`` → path primary down from minute 60 for 20 minutes (s, m, h units)."""
        parts = text.split(":")
        if len(parts) != 3:
            raise DesignError([Problem("outage", f"{text!r}: expected PATH:START:DURATION, e.g. primary:60m:20m")])
        return cls(parts[0], _seconds(parts[1], text), _seconds(parts[2], text))


def _seconds(s: str, whole: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        if s and s[-1] in units:
            return float(s[:-1]) * units[s[-1]]
        return float(s)
    except ValueError:
        raise DesignError([Problem("outage", f"{whole!r}: {s!r} is not a duration; expected e.g. 90s, 20m or 1h")]) from None


# -- compiling a design into arrays -------------------------------------------------------------
@dataclass
class _Path:
    index: int
    id: str
    name: str
    kind: str
    sampler: Any
    timeout: float
    coverage: float
    error_rate: float
    cost: float
    max_retries: int = 0
    backoff_base: float = 0.0
    backoff_cap: float = 0.0
    jitter: bool = False
    retry_on: set = field(default_factory=set)
    hedge_after: float = 0.0
    max_hedges: int = 0
    breaker: Any = None
    mode_codes: np.ndarray = None          # codes of the modes occurring here
    mode_cum: np.ndarray = None            # cumulative occurrence (first attempt)
    transient_cum: np.ndarray = None       # cumulative occurrence of transient modes only
    transient_codes: np.ndarray = None
    route: np.ndarray = None               # cause code → next path index
    retryable: np.ndarray = None           # cause code → bool
    counts_for_breaker: np.ndarray = None  # cause code → bool
    never_answers: np.ndarray = None       # cause code → bool
    outages: list = field(default_factory=list)  # [(start_s, end_s)]


@dataclass
class _Plan:
    paths: list[_Path]
    modes: list[Any]
    n_codes: int
    rate: float
    bucket_s: float
    retry_budget: float
    threshold_ms: float
    percentile: float


def _category_of_code(code: int, modes) -> str | None:
    if code == ERROR:
        return Category.dependency_failure.value
    if code == TIMEOUT:
        return Category.latency_breach.value
    if code == OUTAGE:
        return Category.provider_outage.value
    if code >= MODE0:
        return modes[code - MODE0].category
    return None


def plan_problems(design, n_requests: Any = 1, outages: Sequence[Outage] = (), rps: float | None = None,
                  bucket_s: float = 1.0, chunk_size: int = DEFAULT_CHUNK) -> list[Problem]:
    """Everything that stops a design from being simulated, as Problems (empty when fine)."""
    out: list[Problem] = []
    if (isinstance(n_requests, bool) or not isinstance(n_requests, (int, np.integer, float)) or not n_requests > 0
            or (isinstance(n_requests, float) and not n_requests.is_integer())):
        out.append(Problem("n_requests", f"is {n_requests!r}; expected a whole number of requests > 0"))
    if rps is not None and not (rps > 0):
        out.append(Problem("rps", f"is {rps!r}; expected requests per second > 0"))
    if not (bucket_s > 0):
        out.append(Problem("bucket_s", f"is {bucket_s!r}; expected seconds > 0"))
    if not (isinstance(chunk_size, (int, np.integer)) and chunk_size > 0):
        out.append(Problem("chunk_size", f"is {chunk_size!r}; expected a whole number > 0"))
    # only what simulation needs: a sound matrix and references that land (every mode routed
    # by the workflow, every mitigation path known); a design unfinished elsewhere still runs
    out += [Problem(f"matrix.{p.path}" if p.path else "matrix", p.message) for p in design.matrix.problems()]
    out += design.reference_problems()
    m = design.matrix
    order = {p.id: i for i, p in enumerate(m.paths)}
    if not m.paths:
        return out
    for i, p in enumerate(m.paths):
        out += _lat.profile_problems(p.latency, f"matrix.paths[{i}].latency")
    per_path: dict[str, float] = {}
    for i, mode in enumerate(design.taxonomy.modes):
        where = f"taxonomy.modes[{i}]"
        on = mode.occurs_on or m.paths[0].id
        if on not in order or mode.mitigation.path not in order:
            continue  # reported by design.problems()
        per_path[on] = per_path.get(on, 0.0) + mode.occurrence
        if order[mode.mitigation.path] <= order[on]:
            out.append(Problem(f"{where}.mitigation.path",
                               f"failure mode {mode.id!r} cannot be served: it occurs on {on!r} and its mitigation "
                               f"{mode.mitigation.path!r} does not come after it in the chain "
                               f"({' → '.join(order)}); expected a later path"))
        if mode.category == Category.latency_breach.value and m.paths[order[on]].timeout_ms is None:
            out.append(Problem(f"matrix.paths[{order[on]}].timeout_ms",
                               f"failure mode {mode.id!r} (latency_breach) occurs on {on!r}, which has no timeout, "
                               "so a slow call is never cut and the fallback never runs; expected a timeout_ms"))
    for pid, total in per_path.items():
        if total > 1 + 1e-12:
            out.append(Problem("taxonomy.modes", f"occurrence rates of the modes on path {pid!r} sum to {total:g}; "
                               "expected a total between 0 and 1 (they are per-request probabilities)"))
    for j, o in enumerate(outages):
        if o.path not in order:
            out.append(Problem(f"outages[{j}].path", f"unknown fallback path {o.path!r}; expected one of {sorted(order)}"))
        if not (o.start_s >= 0):
            out.append(Problem(f"outages[{j}].start_s", f"is {o.start_s!r}; expected seconds ≥ 0"))
        if not (o.duration_s > 0):
            out.append(Problem(f"outages[{j}].duration_s", f"is {o.duration_s!r}; expected seconds > 0"))
    return out


def _compile(design, outages, rps, bucket_s) -> _Plan:
    m, modes = design.matrix, list(design.taxonomy.modes)
    order = {p.id: i for i, p in enumerate(m.paths)}
    n_codes = MODE0 + len(modes)
    P = len(m.paths)
    paths = []
    for i, p in enumerate(m.paths):
        cp = _Path(index=i, id=p.id, name=p.name, kind=str(p.kind), sampler=_lat.for_latency(p.latency),
                   timeout=p.timeout_ms if p.timeout_ms is not None else math.inf,
                   coverage=p.coverage_pct / 100.0, error_rate=p.error_rate, cost=p.cost_per_1m_usd)
        if p.retry:
            cp.max_retries, cp.backoff_base, cp.backoff_cap = p.retry.max_retries, p.retry.backoff_base_ms, p.retry.backoff_max_ms
            cp.jitter, cp.retry_on = p.retry.jitter, {str(c) for c in p.retry.on}
        if p.hedge:
            cp.hedge_after, cp.max_hedges = p.hedge.after_ms, p.hedge.max_hedges
        cp.breaker = p.circuit_breaker
        here = [(k, md) for k, md in enumerate(modes) if (md.occurs_on or m.paths[0].id) == p.id]
        cp.mode_codes = np.array([MODE0 + k for k, _ in here], dtype=np.int16)
        cp.mode_cum = np.cumsum([md.occurrence for _, md in here]) if here else np.zeros(0)
        tr = [(k, md) for k, md in here if md.category not in PERSISTENT]
        cp.transient_codes = np.array([MODE0 + k for k, _ in tr], dtype=np.int16)
        cp.transient_cum = np.cumsum([md.occurrence for _, md in tr]) if tr else np.zeros(0)
        route = np.full(n_codes, i + 1, dtype=np.int16)
        for k, md in here:
            route[MODE0 + k] = order[md.mitigation.path]
        outage_modes = [md for _, md in here if md.category == Category.provider_outage.value]
        if outage_modes:
            route[OUTAGE] = route[SKIP] = order[outage_modes[0].mitigation.path]
        cp.route = np.minimum(route, P)
        cats = [_category_of_code(c, modes) for c in range(n_codes)]
        cp.retryable = np.array([c is not None and c in cp.retry_on for c in cats])
        cp.counts_for_breaker = np.array([c in BREAKER_COUNTS for c in cats])
        cp.never_answers = np.array([c in NEVER_ANSWERS for c in cats])
        cp.outages = sorted((o.start_s, o.start_s + o.duration_s) for o in outages if o.path == p.id)
        paths.append(cp)
    rate = rps if rps is not None else design.context.traffic.requests_per_day / 86400.0
    return _Plan(paths=paths, modes=modes, n_codes=n_codes, rate=float(rate), bucket_s=float(bucket_s),
                 retry_budget=m.retry_budget_pct / 100.0, threshold_ms=design.context.slo.threshold_ms,
                 percentile=design.context.slo.percentile)


# -- the simulation -------------------------------------------------------------------------------
class _Breaker:
    """Circuit-breaker state carried across buckets (and chunks)."""

    def __init__(self, cb, bucket_s: float):
        self.w = max(1, int(math.ceil(cb.window_s / bucket_s)))
        self.cool = max(1, int(math.ceil(cb.cooldown_s / bucket_s)))
        self.thr, self.min_req = cb.failure_rate_threshold, cb.min_requests
        self.calls = [0] * self.w
        self.fails = [0] * self.w
        self.sc = self.sf = 0
        self.open_until = -1
        self.trips: list[int] = []  # bucket numbers where it opened

    def run(self, b0: int, calls: list[int], fails: list[int]) -> np.ndarray:
        """Open flag per bucket b0…b0+len-1; counts of a bucket are dropped when it is open."""
        is_open = np.zeros(len(calls), dtype=bool)
        w, cc, ff = self.w, self.calls, self.fails
        sc, sf = self.sc, self.sf
        for j in range(len(calls)):
            b = b0 + j
            slot = b % w
            sc -= cc[slot]
            sf -= ff[slot]
            cc[slot] = ff[slot] = 0
            if b < self.open_until:
                is_open[j] = True
                continue
            if sc >= self.min_req and sf >= self.thr * sc:
                self.open_until = b + self.cool
                self.trips.append(b)
                is_open[j] = True
                for s in range(w):
                    cc[s] = ff[s] = 0
                sc = sf = 0
                continue
            cc[slot], ff[slot] = calls[j], fails[j]
            sc += calls[j]
            sf += fails[j]
        self.sc, self.sf = sc, sf
        return is_open


class _Acc:
    """Running totals over chunks (bounded memory)."""

    def __init__(self, plan: _Plan, timeline_s: float):
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


def _attempt_round(cp: _Path, rng, L, pre):
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


def _transient_mask(cp: _Path, codes):
    if not cp.transient_codes.size:
        return np.zeros(codes.shape, dtype=bool)
    return np.isin(codes, cp.transient_codes)


def _pre_causes(cp: _Path, rng, n, first: bool, keep=None, t=None):
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


def _run_chunk(plan: _Plan, acc: _Acc, breakers: dict, lo: int, hi: int, rng) -> None:
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
            br = breakers.setdefault(k, _Breaker(cp.breaker, plan.bucket_s))
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
        from .design import Design
        design = Design.load(design)
    outages = [Outage.parse(o) if isinstance(o, str) else o for o in outages]
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DesignError([Problem("seed", f"is {seed!r}; expected a whole number ≥ 0")])
    probs = plan_problems(design, n_requests, outages, rps, bucket_s, chunk_size)
    if probs:
        raise DesignError(probs)
    n_requests = int(n_requests)   # 1e6 is fine
    plan = _compile(design, outages, rps, bucket_s)
    acc = _Acc(plan, timeline_s)
    breakers: dict[int, _Breaker] = {}
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


# -- results ---------------------------------------------------------------------------------------
def _hist_quantile(row: np.ndarray, q: float) -> float:
    total = int(row.sum())
    if total == 0:
        return math.nan
    target = q * total
    cum = np.cumsum(row)
    b = int(np.searchsorted(cum, target, side="left"))
    if b == 0:
        return 0.0
    # geometric centre of the bin [H_MIN·r^(b-1), H_MIN·r^b)
    return H_MIN * H_RATIO ** (b - 0.5)


def _hist_cdf(row: np.ndarray, x_ms: float) -> float:
    """Share of the row with latency ≤ x_ms (to the bin's resolution)."""
    total = row.sum()
    if total == 0:
        return math.nan
    b = 0 if x_ms < H_MIN else min(H_BINS - 1, int(math.floor(math.log(x_ms / H_MIN) / H_LOG)) + 1)
    return float(row[: b + 1].sum() / total)


@dataclass
class PathResult:
    id: str
    name: str
    kind: str
    reach: float            # share of requests reaching the path
    share: float            # share of requests it served
    skipped: float          # share of requests that found its breaker open
    calls_per_request: float  # calls to this path per request (retries and hedges included)
    retries: float          # retries per request
    hedges: float           # hedged calls per request
    cost_per_1m_usd: float  # its part of the cost per 1M requests
    p50: float
    p95: float
    p99: float
    p999: float
    breaker_trips: int

    @property
    def hit_rate(self) -> float:
        """Served share of the requests that reached it and were not skipped."""
        tried = self.reach - self.skipped
        return self.share / tried if tried > 0 else math.nan


class SimulationResult:
    """What a simulation derived: shares, user-seen percentiles, cost, SLO attainment.

    Renders as a table in Jupyter; ``to_frame()``, ``to_dict()`` (JSON-ready) and
    ``matrix_view()`` (the matrix filled in, simulated vs declared) give other views.
    """

    def __init__(self, design, plan, acc, breakers, seed, outages, chunk_size, seconds):
        self.design, self.seed, self.outages, self.chunk_size, self.seconds = design, seed, outages, chunk_size, seconds
        self._plan, self._acc = plan, acc
        P = len(plan.paths)
        self.n_requests = n = acc.n
        self.slo = design.context.slo
        self.hist = acc.hist.reshape(P + 1, H_BINS)
        self.all_hist = self.hist.sum(axis=0)
        self.paths: list[PathResult] = []
        for k, cp in enumerate(plan.paths):
            row = self.hist[k + 1]
            br = breakers.get(k)
            self.paths.append(PathResult(
                id=cp.id, name=cp.name, kind=cp.kind, reach=acc.reach[k] / n, share=acc.served[k] / n,
                skipped=acc.skipped[k] / n, calls_per_request=acc.calls[k] / n, retries=acc.retries[k] / n,
                hedges=acc.hedges[k] / n,
                cost_per_1m_usd=acc.calls[k] / n * cp.cost,
                **{name.replace(".", ""): _hist_quantile(row, q) for name, q in QUANTILES},
                breaker_trips=len(br.trips) if br else 0))
        self.served = float(acc.served.sum() / n)
        self.unserved = 1.0 - self.served
        self.slo_attainment = acc.good / n
        allowed = 1 - self.slo.percentile / 100
        self.bad_share = 1 - self.slo_attainment
        #: error-budget burn rate: bad share ÷ allowed bad share (1.0 spends the budget exactly over the window)
        self.error_budget_burn = self.bad_share / allowed if allowed > 0 else math.inf
        self.cost_per_1m_usd = float(sum(p.cost_per_1m_usd for p in self.paths))
        self.retry_share = float(acc.retries.sum() / n)
        self.retry_budget = plan.retry_budget
        self.mode_hits = {md.id: int(h) for md, h in zip(plan.modes, acc.mode_hits)}
        self.percentiles = {name: _hist_quantile(self.all_hist, q) for name, q in QUANTILES}
        self.served_percentiles = {name: _hist_quantile(self.hist[1:].sum(axis=0), q) for name, q in QUANTILES}
        self.breaker_open_s = {plan.paths[k].id: len(b.trips) * b.cool * plan.bucket_s for k, b in breakers.items()}
        self.simulated_seconds = n / plan.rate

    # -- queries -----------------------------------------------------------------------------
    def path(self, path_id: str) -> PathResult:
        for p in self.paths:
            if p.id == path_id:
                return p
        raise KeyError(path_id)

    def quantile(self, q: float, path: str | None = None) -> float:
        """User-seen latency quantile over all requests (unserved at the time they gave up) or one path's served."""
        row = self.all_hist if path is None else self.hist[1 + [p.id for p in self.paths].index(path)]
        return _hist_quantile(row, q)

    def cdf(self, x_ms: float, path: str | None = None) -> float:
        """Share of requests (or of one path's served requests) with user-seen latency ≤ x_ms."""
        row = self.all_hist if path is None else self.hist[1 + [p.id for p in self.paths].index(path)]
        return _hist_cdf(row, x_ms)

    def cdf_points(self, path: str | None = None, max_points: int = 400) -> tuple[np.ndarray, np.ndarray]:
        """(latency ms, cumulative share) for plotting; thinned to ~max_points."""
        row = self.all_hist if path is None else self.hist[1 + [p.id for p in self.paths].index(path)]
        nz = np.flatnonzero(row)
        if not nz.size:
            return np.zeros(0), np.zeros(0)
        cum = np.cumsum(row[nz]) / row.sum()
        x = np.where(nz == 0, 0.0, H_MIN * H_RATIO ** (nz.astype(float) - 0.5))
        if nz.size > max_points:
            keep = np.unique(np.concatenate([np.searchsorted(cum, np.linspace(0, 1, max_points)).clip(0, nz.size - 1),
                                             [nz.size - 1]]))
            x, cum = x[keep], cum[keep]
        return x, cum

    def tail_shares(self, q: float = 0.99) -> dict[str, float]:
        """Who the slowest ``1 − q`` of requests were served by ('unserved' included); sums to 1.

        The tail is every request in or above the latency bin holding the overall ``q`` quantile.
        """
        cum = np.cumsum(self.all_hist)
        b = int(np.searchsorted(cum, q * cum[-1], side="left"))
        counts = self.hist[:, b:].sum(axis=1)
        total = counts.sum()
        names = ["unserved"] + [p.id for p in self.paths]
        return {name: float(c / total) for name, c in zip(names, counts)} if total else {}

    def timeline(self) -> list[dict]:
        """Per timeline bin (default 60 s): requests, SLO attainment, unserved and per-path shares."""
        out = []
        ids = [p.id for p in self.paths]
        for b in sorted(self._acc.timeline):
            row = self._acc.timeline[b]
            n = row[0]
            d = {"minute": b * self._acc.timeline_s / 60, "requests": int(n), "slo_attainment": row[1] / n,
                 "unserved": row[2] / n}
            d.update({f"share_{i}": row[3 + k] / n for k, i in enumerate(ids)})
            out.append(d)
        return out

    # -- views -------------------------------------------------------------------------------
    def rows(self) -> list[dict]:
        return [{"path": p.id, "kind": p.kind, "reach %": 100 * p.reach, "share %": 100 * p.share,
                 "skipped %": 100 * p.skipped, "calls/req": p.calls_per_request,
                 "p50 ms": p.p50, "p95 ms": p.p95, "p99 ms": p.p99, "p99.9 ms": p.p999,
                 "cost/1M req $": p.cost_per_1m_usd, "breaker trips": p.breaker_trips} for p in self.paths]

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.n_requests, "seed": self.seed, "simulated_hours": self.simulated_seconds / 3600,
            "slo": str(self.slo), "slo_attainment": self.slo_attainment, "error_budget_burn": self.error_budget_burn,
            "served": self.served, "unserved": self.unserved, "cost_per_1m_usd": self.cost_per_1m_usd,
            "retry_share": self.retry_share, "retry_budget": self.retry_budget,
            "latency_ms": self.percentiles, "served_latency_ms": self.served_percentiles,
        }

    def summary_lines(self) -> list[str]:
        pc = self.percentiles
        met = "meets" if self.slo_attainment >= self.slo.percentile / 100 else "misses"
        lines = [
            f"{self.n_requests:,} requests, seed {self.seed}, {self.simulated_seconds / 3600:,.1f} h of simulated traffic"
            + (f", outages: {', '.join(f'{o.path} from {o.start_s / 60:g} min for {o.duration_s / 60:g} min' for o in self.outages)}" if self.outages else ""),
            f"user-seen latency: p50 {pc['p50']:,.1f} ms, p95 {pc['p95']:,.1f} ms, p99 {pc['p99']:,.1f} ms, p99.9 {pc['p99.9']:,.1f} ms",
            f"SLO {self.slo}: attainment {100 * self.slo_attainment:.3f}% — {met} it; "
            f"error-budget burn {self.error_budget_burn:,.2f}× (1× spends the budget exactly)",
            f"served {100 * self.served:.3f}%, unserved {100 * self.unserved:.4f}%",
            f"cost: ${self.cost_per_1m_usd:,.2f} per 1M requests",
            f"retries: {100 * self.retry_share:.2f}% of requests (budget {100 * self.retry_budget:g}%)",
        ]
        for pid, s in self.breaker_open_s.items():
            if s:
                lines.append(f"circuit breaker on {pid}: opened {self.path(pid).breaker_trips}×, skipped "
                             f"{100 * self.path(pid).skipped:.3f}% of requests")
        return lines

    def to_text(self) -> str:
        from . import display
        rows = self.rows()
        return "\n".join(["Simulation (every number simulated)", display.text_table(rows, list(rows[0]))]
                         + self.summary_lines())

    def to_html(self) -> str:
        from . import display
        rows = self.rows()
        return display.section("Simulation (every number simulated)",
                               display.html_table(rows, list(rows[0])) + display.bullets(self.summary_lines()))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def __repr__(self) -> str:
        return self.to_text()

    def to_frame(self):
        """Per-path results as a pandas DataFrame indexed by path id."""
        import pandas as pd
        return pd.DataFrame(self.rows()).set_index("path")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: summary, per-path rows and the filled matrix."""
        def clean(v):
            if isinstance(v, float) and not math.isfinite(v):
                return None
            if isinstance(v, (np.floating, np.integer)):
                return clean(v.item())
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, list):
                return [clean(x) for x in v]
            return v
        return clean({"summary": self.summary(), "paths": self.rows(), "matrix": self.matrix_view().rows,
                      "mode_hits": self.mode_hits, "breaker_open_s": self.breaker_open_s})

    def matrix_view(self) -> "MatrixView":
        """The latency-budget matrix filled from this run; each number marked simulated or declared."""
        rows = []
        budget = {b.id: b for b in self.design.budget().rows}
        for p, decl in zip(self.paths, self.design.matrix.paths):
            rows.append({
                "path": p.id,
                "serves % [sim]": 100 * p.share,
                "serves % [decl]": 100 * budget[p.id].share,
                "hit rate % [sim]": 100 * p.hit_rate if math.isfinite(p.hit_rate) else None,
                "coverage % [decl]": decl.coverage_pct,
                "p50 ms [sim]": p.p50, "p99 ms [sim]": p.p99, "p99.9 ms [sim]": p.p999,
                "p50 ms [decl]": decl.latency.typical_ms, "p99 ms [decl]": decl.latency.tail_ms,
                "timeout ms [decl]": decl.timeout_ms,
                "calls/req [sim]": p.calls_per_request,
                "cost/1M calls $ [decl]": decl.cost_per_1m_usd,
                "cost/1M req $ [sim]": p.cost_per_1m_usd,
                "error rate [decl]": decl.error_rate,
            })
        notes = ["[decl] numbers are typed in the design; 'serves % [decl]' is the budget's arithmetic over them",
                 "[sim] numbers are derived by this simulation; latencies are as the user sees them "
                 "(time spent on earlier paths included)"]
        return MatrixView(rows, notes + self.summary_lines())


class MatrixView:
    """The matrix filled from a simulation; column names say [sim] (simulated) or [decl] (declared)."""

    def __init__(self, rows: list[dict], notes: list[str]):
        self.rows, self.notes = rows, notes

    def to_text(self) -> str:
        from . import display
        return ("Latency-budget matrix ([sim] = simulated by the kit, [decl] = declared in the design)\n"
                + display.text_table(self.rows, list(self.rows[0])))

    def to_html(self) -> str:
        from . import display
        cols = list(self.rows[0])
        head = "".join(f"<th class='{'sim' if '[sim]' in c else 'decl'}'>{_html.escape(c)}</th>" for c in cols)
        body = "".join("<tr>" + "".join(
            f"<td style='background:{'#e8f5e9' if '[sim]' in c else '#fff8e1'}'>{_html.escape(display.fmt(r[c]))}</td>"
            for c in cols) + "</tr>" for r in self.rows)
        legend = "<p><span style='background:#e8f5e9'>simulated</span> = derived by the kit; " \
                 "<span style='background:#fff8e1'>declared</span> = typed in the design</p>"
        return display.section("Latency-budget matrix (simulated vs declared)",
                               f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{legend}"
                               + display.bullets(self.notes))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.rows).set_index("path")

    def __repr__(self) -> str:
        return self.to_text()


# -- comparing two designs -------------------------------------------------------------------------
class Comparison:
    """Risk-reduction statements with numbers, from two simulation results."""

    def __init__(self, a: SimulationResult, b: SimulationResult, labels: tuple[str, str]):
        self.a, self.b, self.labels = a, b, labels
        self.statements = _statements(a, b, labels)

    def to_text(self) -> str:
        return "\n".join([f"{self.labels[0]} → {self.labels[1]}"] + [f"- {s}" for s in self.statements])

    def to_html(self) -> str:
        from . import display
        return display.section(f"{self.labels[0]} → {self.labels[1]}", display.bullets(self.statements))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def __repr__(self) -> str:
        return self.to_text()


def _change_phrase(a: SimulationResult, b: SimulationResult, labels) -> str:
    ia = {p.id: p for p in a.design.matrix.paths}
    ib = {p.id: p for p in b.design.matrix.paths}
    def called(p):
        return "the " + p.name[:1].lower() + p.name[1:]
    added = [called(ib[i]) for i in ib if i not in ia]
    removed = [called(ia[i]) for i in ia if i not in ib]
    if added and not removed:
        return "adding " + " and ".join(added)
    if removed and not added:
        return "removing " + " and ".join(removed)
    return f"going from {labels[0]} to {labels[1]}"


def _statements(a: SimulationResult, b: SimulationResult, labels) -> list[str]:
    what = _change_phrase(a, b, labels)
    pa, pb = a.percentiles["p99.9"], b.percentiles["p99.9"]
    dc = b.cost_per_1m_usd - a.cost_per_1m_usd
    money = f"saves ${-dc:,.2f}" if dc < 0 else f"costs ${dc:,.2f} more"
    out = [f"{what[0].upper() + what[1:]} moves p99.9 from {pa:,.1f} ms to {pb:,.1f} ms and {money} per 1M calls "
           f"(${a.cost_per_1m_usd:,.2f} → ${b.cost_per_1m_usd:,.2f})."]
    out.append(f"p99 moves from {a.percentiles['p99']:,.1f} ms to {b.percentiles['p99']:,.1f} ms; "
               f"p50 from {a.percentiles['p50']:,.1f} ms to {b.percentiles['p50']:,.1f} ms.")
    ma, mb = 1e6 * a.bad_share, 1e6 * b.bad_share
    rel = f" ({100 * (mb - ma) / ma:+.0f}%)" if ma > 0 else ""
    out.append(f"Requests missing the SLO ({a.slo.threshold_ms:g} ms): {ma:,.0f} → {mb:,.0f} per 1M{rel}; "
               f"attainment {100 * a.slo_attainment:.3f}% → {100 * b.slo_attainment:.3f}%; "
               f"error-budget burn {a.error_budget_burn:,.2f}× → {b.error_budget_burn:,.2f}×.")
    out.append(f"Unserved requests: {1e6 * a.unserved:,.0f} → {1e6 * b.unserved:,.0f} per 1M.")
    share_b = {p.id: p for p in b.paths}
    for p in a.paths:
        if p.id in share_b and abs(share_b[p.id].share - p.share) > 1e-4:
            out.append(f"{p.id} serves {100 * p.share:.2f}% → {100 * share_b[p.id].share:.2f}% of traffic.")
    for p in b.paths:
        if p.id not in {x.id for x in a.paths}:
            out.append(f"{p.id} (new) serves {100 * p.share:.2f}% of traffic, p99.9 {p.p999:,.1f} ms.")
    if a.n_requests != b.n_requests or a.seed != b.seed:
        out.append(f"Note: runs differ in N or seed ({a.n_requests:,}/{a.seed} vs {b.n_requests:,}/{b.seed}).")
    return out


def compare(a, b, labels: tuple[str, str] = ("A", "B"), **kwargs) -> Comparison:
    """Compare two designs (simulated with the same N and seed) or two results."""
    if not isinstance(a, SimulationResult):
        a = simulate(a, **kwargs)
    if not isinstance(b, SimulationResult):
        b = simulate(b, **kwargs)
    return Comparison(a, b, labels)


def sweep_coverage(design, path: str, coverages: Sequence[float], **kwargs) -> list[dict]:
    """Simulate ``design`` with ``path``'s coverage_pct set to each value: cost, p99.9, SLO attainment."""
    out = []
    for c in coverages:
        d = design.model_copy(deep=True)
        d.matrix.path(path).coverage_pct = float(c)
        r = simulate(d, **kwargs)
        out.append({"coverage_pct": float(c), "cost_per_1m_usd": r.cost_per_1m_usd,
                    "p99.9_ms": r.percentiles["p99.9"], "slo_attainment": r.slo_attainment,
                    "unserved": r.unserved, "share": r.path(path).share})
    return out


# `import fallbackkit.simulate` makes the package attribute `fallbackkit.simulate` this module
# (the import system does that), shadowing the lazily exposed function; making the module
# callable keeps `fk.simulate(design, ...)` working either way.
import sys as _sys  # noqa: E402
import types as _types  # noqa: E402


class _CallableModule(_types.ModuleType):
    def __call__(self, *args, **kwargs):
        return simulate(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
