"""A slow, per-request reference simulator, written from the simulator's STATED rules only.

Written from the docstrings of :mod:`fallbackkit.simulation` (engine, breaker, figures), the
matrix/taxonomy field descriptions and issue #13 — never from the engine's code. One request
at a time, in arrival order, with the events of each request in the order the rules give:

    breaker check → first round (attempt, hedges) → retries (backoff, retry budget) → routing

so that every number can be recomputed by hand. It is ~1,000× slower than the engine: use it
on a few thousand requests. Rules the docstrings leave open are avoided by the test designs
(see ``tests/test_simulation_reference.py``); where the reference has to pick, it says so.

Rules encoded (quoted from the engine's docstring unless noted):

* arrivals evenly at ``rps``: request i arrives at i/rps, in bucket ⌊i/(rps·bucket_s)⌋;
* paths in chain order; a path's breaker open → *skipped* (no call, no time, not counted);
* modes on their ``occurs_on`` path (default: first), mutually exclusive on one path;
  ``latency_breach`` never answers before the timeout; 429/5xx/other and ``error_rate`` fail
  when the answer would have come; content modes arrive and are rejected; ``provider_outage``
  fails at the timeout; the first four are transient (a retry draws again), the last four
  persistent for that request;
* the timeout comes first: anything arriving after ``timeout_ms`` is a timeout
  (``latency_breach``), routed to the next path, not to the mode's mitigation;
* a request failed by an injected mode goes to the mode's ``mitigation.path`` — also when a
  hedge is still out at the timeout after the first attempt's rejection was seen, or a hedge
  failed later some other way (the engine's "Hedging" rule: the mode a round's first attempt
  showed routes; the last failure's cause decides retries and the breaker); a miss, error,
  timeout or open breaker goes to the next path — an outage window or open breaker follows the
  path's ``provider_outage`` mode's mitigation when it has one;
* retries when the category is in ``retry.on``, after min(base·2^(k−1), cap) ms, full jitter
  U(0, that), while the arrival bucket has spent fewer retries than its share of the budget's
  token bucket: ⌊β·A(b+1)⌋ − ⌊β·A(b)⌋ (β = budget_pct/100, A(b) = requests arrived before
  bucket b; every request deposits β of a retry, the fraction carried to later buckets, whole
  retries left unspent expire with their bucket), first come first served;
* hedge j at j·after_ms (< timeout) when no good answer has arrived and some attempt is still
  outstanding *at that instant*; first good answer wins; else the round ends with the last
  failure — its time and its cause (the failure that arrived last, the earlier attempt on a tie)
  — or at the timeout, as a timeout, when an attempt is still outstanding; a hedge draws its own
  latency and error_rate; injected modes hit a round's first attempt only; persistent causes
  hold for hedges;
* breaker per path, at the start of each bucket b over buckets b−w … b−1 (w = ⌈window_s /
  bucket_s⌉) of first rounds: ≥ min_requests calls and failed share ≥ threshold (429, 5xx,
  timeouts, outages; not content rejections, not misses) → skipped for cooldown_s, then a
  fresh window;
* outage windows: every call fails at the timeout (at the drawn latency without one);
* degradation windows (plan.Degradation): every call in the window (first attempts, retries,
  hedges) also fails with the window's ``error_rate`` (a 5xx when the answer would have come) and
  its latency is multiplied by ``latency_factor``; windows on one path compound (the reference
  multiplies factors and survival probabilities — "compound" is read that way);
* the window a request is in is decided by its arrival time;
* mode_hits[m]: first attempts on which m was observed and not cut by the timeout first;
* cost per 1M requests = Σ calls per request × price per 1M calls;
* streaming (StreamSpec and the engine's "Streaming" rule): time to last token = time to first
  token + duration; a share ``midstream_error_rate`` errors (seen at once) and ``stall_rate``
  stalls (seen ``stall_timeout_ms`` later; never without one) at a point uniform over the
  duration, leaving a partial answer — unless ``continuation``: one more paid call, a new first
  token after the path's latency, then the rest of the duration; it fails like a first attempt
  (error_rate) or breaks again, leaving the answer partial.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

TRANSIENT = {"latency_breach", "resource_exhaustion", "dependency_failure", "other"}
CONTENT = {"context_window", "policy_violation", "confidence_drop"}
AT_TIMEOUT = {"latency_breach", "provider_outage"}           # modes that never answer
BREAKER_FAILS = {"resource_exhaustion", "dependency_failure", "latency_breach", "provider_outage", "other"}
ERROR = "dependency_failure"        # the category of a path's own error_rate (a 5xx); see the report


# -- latency: sampled from the design's distribution spec, independently of fallbackkit.latency --
def sample(spec, rng) -> float:
    """One draw, ms, from a constant / lognormal(p50, p99) / shifted / mixture spec."""
    kind = spec.kind
    if kind == "constant":
        return float(spec.ms)
    if kind == "lognormal":
        z99 = 2.3263478740408408
        sigma = math.log(spec.p99_ms / spec.p50_ms) / z99
        return float(spec.p50_ms * math.exp(sigma * rng.standard_normal()))
    if kind == "shifted":
        return float(spec.floor_ms) + sample(spec.base, rng)
    if kind == "mixture":
        u, acc = rng.random(), 0.0
        for c in spec.components:
            acc += c.weight
            if u < acc:
                return sample(c.dist, rng)
        return sample(spec.components[-1].dist, rng)
    raise ValueError(f"the reference does not sample {kind!r} latencies")


@dataclass
class Outcome:
    t: float            # arrival time of the attempt relative to the round's start (inf: never)
    cause: str | None   # None: a good answer; "miss"; else a category


@dataclass
class Breaker:
    threshold: float
    w: int
    min_requests: int
    cool: int
    counts: dict = field(default_factory=dict)    # bucket -> [calls, failures]
    open_until: int = -1                           # open for buckets < open_until
    fresh_from: int = 0
    trips: list = field(default_factory=list)

    def start_bucket(self, b: int) -> None:
        """The decision at the start of bucket b, from buckets b−w … b−1 (after the fresh start)."""
        if b < self.open_until:
            return
        if b == self.open_until:
            self.fresh_from = b
        lo = max(b - self.w, self.fresh_from)
        calls = sum(self.counts.get(x, (0, 0))[0] for x in range(lo, b))
        fails = sum(self.counts.get(x, (0, 0))[1] for x in range(lo, b))
        if calls >= self.min_requests and fails >= self.threshold * calls:
            self.trips.append(b)
            self.open_until = b + self.cool

    def is_open(self, b: int) -> bool:
        return b < self.open_until

    def count(self, b: int, failed: bool) -> None:
        c = self.counts.setdefault(b, [0, 0])
        c[0] += 1
        c[1] += int(failed)


@dataclass
class RefResult:
    n: int
    ids: list
    reach: np.ndarray
    skipped: np.ndarray
    served: np.ndarray
    calls: np.ndarray
    retries: np.ndarray
    hedges: np.ndarray
    latency: np.ndarray         # user-seen time to first token (or to giving up), per request
    ttlt: np.ndarray            # time to last token (inf for a stall nobody cuts; nan unserved)
    served_by: np.ndarray       # path index, −1 unserved
    partial: np.ndarray
    broken: np.ndarray
    cont_calls: np.ndarray
    cont_done: np.ndarray
    trips: dict
    mode_hits: dict
    cost_per_1m: np.ndarray     # price per 1M calls, per path

    def share(self, pid):
        return self.served[self.ids.index(pid)] / self.n

    def calls_per_request(self, pid=None):
        return (self.calls.sum() if pid is None else self.calls[self.ids.index(pid)]) / self.n

    @property
    def cost_per_1m_requests(self) -> float:
        return float((self.calls / self.n * self.cost_per_1m).sum())

    def path_latency(self, pid):
        return self.latency[self.served_by == self.ids.index(pid)]


class Reference:
    """Per-request simulation of ``design`` (see the module docstring for the rules)."""

    def __init__(self, design, *, rps=None, bucket_s=1.0, outages=()):
        self.design = design
        self.paths = list(design.matrix.paths)
        self.ids = [p.id for p in self.paths]
        self.rps = rps if rps is not None else design.context.traffic.requests_per_day / 86400
        self.bucket_s = bucket_s
        self.per_bucket = self.rps * bucket_s
        self.beta = design.matrix.retry_budget_pct / 100
        down = [o for o in outages if not hasattr(o, "latency_factor")]
        self.outages = [(self.ids.index(o.path), o.start_s, o.start_s + o.duration_s) for o in down]
        self.degradations = [(self.ids.index(o.path), o.start_s, o.start_s + o.duration_s, o.error_rate,
                              o.latency_factor) for o in outages if hasattr(o, "latency_factor")]
        self._deg = (1.0, 0.0)
        self.modes_on = {k: [] for k in range(len(self.paths))}
        for m in design.taxonomy.modes:
            if m.occurrence > 0:
                self.modes_on[self.ids.index(m.occurs_on or self.ids[0])].append(m)
        self.outage_route = {}
        for m in design.taxonomy.modes:
            if m.category == "provider_outage" and m.mitigation.path:
                self.outage_route.setdefault(self.ids.index(m.occurs_on or self.ids[0]), self.ids.index(m.mitigation.path))

    # -- one call --------------------------------------------------------------------------
    def _attempt(self, p, pre, sent, rng) -> Outcome:
        """One call sent at ``sent`` ms into the round, with persistent/injected cause ``pre``."""
        factor, extra = self._deg
        lat = sample(p.latency.distribution, rng) * factor
        err = rng.random() < 1 - (1 - p.error_rate) * (1 - extra)
        if pre in ("outage", "provider_outage") or pre == "latency_breach":
            if p.timeout_ms is None:                    # an outage without a timeout: at the drawn latency
                return Outcome(sent + lat, "provider_outage")
            return Outcome(math.inf, pre if pre != "outage" else "provider_outage")
        t = sent + lat
        if pre == "miss":
            return Outcome(t, "miss")
        if pre is not None:                             # 429 / 5xx / other / a content rejection
            return Outcome(t, pre)
        return Outcome(t, ERROR if err else None)

    def _round(self, p, first_pre, hedge_pre, rng):
        """A first attempt or retry plus hedges. Returns (time ms, cause, calls, first-attempt cut?)."""
        T = p.timeout_ms if p.timeout_ms is not None else math.inf
        tries = [self._attempt(p, first_pre, 0.0, rng)]
        if p.hedge:
            for j in range(1, p.hedge.max_hedges + 1):
                f = j * p.hedge.after_ms
                if f >= T:
                    break
                if any(o.cause is None and o.t <= f for o in tries):
                    break                               # a good answer has arrived
                if not any(o.t > f for o in tries):
                    break                               # nothing outstanding: the round has ended
                tries.append(self._attempt(p, hedge_pre, f, rng))
        good = [o.t for o in tries if o.cause is None and o.t <= T]
        first_cut = tries[0].t > T and first_pre not in ("outage", "provider_outage", "latency_breach")
        if good:
            return min(good), None, len(tries), first_cut
        if any(o.t > T for o in tries):
            at_t = [o.cause for o in tries if o.t > T and o.cause in ("provider_outage", "latency_breach")
                    and math.isinf(o.t)]
            cause = "provider_outage" if "provider_outage" in at_t else "latency_breach"
            return T, cause, len(tries), first_cut
        last = max(tries, key=lambda o: o.t)
        return last.t, last.cause, len(tries), first_cut

    def _draw_mode(self, modes, rng):
        u, acc = rng.random(), 0.0
        for m in modes:
            acc += m.occurrence
            if u < acc:
                return m
        return None

    # -- one request on one path -----------------------------------------------------------
    def _path(self, k, t_arr, b, rng, st):
        """Returns (time spent, served?, next path index or None)."""
        p = self.paths[k]
        st.reach[k] += 1
        br = st.breakers.get(k)
        if br is not None and br.is_open(b):
            st.skipped[k] += 1
            return 0.0, False, self.outage_route.get(k, k + 1)
        down = any(pk == k and s <= t_arr < e for pk, s, e in self.outages)
        factor, survive = 1.0, 1.0                      # degradation windows compound
        for pk, s, e, err, f in self.degradations:
            if pk == k and s <= t_arr < e:
                factor, survive = factor * f, survive * (1 - err)
        self._deg = (factor, 1 - survive)
        mode = self._draw_mode(self.modes_on[k], rng)
        covered = rng.random() < p.coverage_pct / 100
        persistent = "outage" if down else (mode.category if mode is not None and mode.category not in TRANSIENT
                                            else (None if covered else "miss"))
        first = "outage" if down else (mode.category if mode is not None else ("miss" if not covered else None))
        spent, cause, calls, cut = self._round(p, first, persistent, rng)
        st.calls[k] += calls
        st.hedges[k] += calls - 1
        if mode is not None and not down and not cut:
            st.mode_hits[mode.id] += 1
        if br is not None:
            br.count(b, cause in BREAKER_FAILS)
        # routed by the mode when its effect was seen: the first attempt's failure arrived before the
        # timeout (a hedge still out when the round is cut does not hide a rejection already seen —
        # the docstring's reason for "timeouts go to the next path" is that the gateway never learnt)
        last_mode = mode if mode is not None and cause is not None and not cut and not down else None
        retries_done = 0
        while (cause is not None and cause != "miss" and p.retry and retries_done < p.retry.max_retries
               and cause in set(p.retry.on)):
            if st.budget_used.get(b, 0) >= st.budget_cap(b):
                break
            st.budget_used[b] = st.budget_used.get(b, 0) + 1
            retries_done += 1
            d = min(p.retry.backoff_base_ms * 2 ** (retries_done - 1), p.retry.backoff_max_ms)
            spent += rng.uniform(0.0, d) if p.retry.jitter else d
            m2 = None if persistent is not None else self._draw_mode(
                [m for m in self.modes_on[k] if m.category in TRANSIENT], rng)
            pre = persistent if persistent is not None else (m2.category if m2 is not None else None)
            dt, cause, calls, cut = self._round(p, pre, persistent, rng)
            spent += dt
            st.calls[k] += calls
            st.hedges[k] += calls - 1
            st.retries[k] += 1
            # the mode this round's first attempt showed (drawn now, or the request's persistent mode),
            # unless the timeout cut it first: it routes, whatever failure the round ended with
            shown = m2 if m2 is not None else (mode if mode is not None and persistent == mode.category else None)
            last_mode = shown if shown is not None and cause is not None and not cut else None
        if cause is None:
            return spent, True, None
        if last_mode is not None and last_mode.mitigation.path:
            return spent, False, self.ids.index(last_mode.mitigation.path)
        if down or cause == "provider_outage":
            return spent, False, self.outage_route.get(k, k + 1)
        return spent, False, k + 1

    def _stream(self, k, ttft, rng, st):
        """After the first token on a streaming path: (time to last token or end of the stream, complete?).

        A break (error, seen at once; stall, seen stall_timeout_ms later, never without one) comes
        at a point uniform over the duration; a continuation is one more paid call: a new first
        token after the path's latency (or a failure, error_rate), then the remaining share of the
        duration, which may break again (then the answer stays partial).
        """
        p = self.paths[k]
        s = getattr(p, "stream", None)
        if s is None:
            return ttft, True
        dur = sample(s.duration.distribution, rng)

        def brk():
            u = rng.random()
            if u < s.midstream_error_rate:
                return "error"
            return "stall" if u < s.midstream_error_rate + s.stall_rate else None

        kind = brk()
        st.streamed[k] += 1
        if kind is None:
            return ttft + dur, True
        st.broken[k] += 1
        x = rng.random()
        seen = ttft + x * dur
        if kind == "stall":
            seen = seen + s.stall_timeout_ms if s.stall_timeout_ms is not None else math.inf
        if not s.continuation or math.isinf(seen):
            st.partial[k] += 1
            return seen, False
        st.calls[k] += 1
        st.cont_calls[k] += 1
        lat = sample(p.latency.distribution, rng)
        if rng.random() < p.error_rate or brk() is not None:
            st.partial[k] += 1
            return math.nan, False                      # when the second try ends is not compared
        st.cont_done[k] += 1
        return seen + lat + (1 - x) * dur, True

    # -- the run ---------------------------------------------------------------------------
    def run(self, n: int, seed: int) -> RefResult:
        P = len(self.paths)
        rng = np.random.default_rng(seed)
        z = lambda: np.zeros(P)  # noqa: E731
        st = _State(reach=z(), skipped=z(), served=z(), calls=z(), retries=z(), hedges=z(), partial=z(),
                    streamed=z(), broken=z(), cont_calls=z(), cont_done=z(),
                    mode_hits={m.id: 0 for m in self.design.taxonomy.modes}, budget_used={},
                    breakers={}, per_bucket=self.per_bucket, beta=self.beta, n=n)
        for k, p in enumerate(self.paths):
            cb = p.circuit_breaker
            if cb is not None:
                st.breakers[k] = Breaker(cb.failure_rate_threshold, math.ceil(cb.window_s / self.bucket_s - 1e-9),
                                         cb.min_requests, math.ceil(cb.cooldown_s / self.bucket_s - 1e-9))
        latency = np.empty(n)
        ttlt = np.empty(n)
        served_by = np.full(n, -1)
        bucket_prev = -1
        for i in range(n):
            b = math.floor(i / self.per_bucket + 1e-9)
            for bb in range(bucket_prev + 1, b + 1):    # every bucket starts, calls or not
                for br in st.breakers.values():
                    br.start_bucket(bb)
            bucket_prev = b
            t_arr = i / self.rps
            spent, k = 0.0, 0
            while k is not None and k < P:
                dt, ok, nxt = self._path(k, t_arr, b, rng, st)
                spent += dt
                if ok:
                    st.served[k] += 1
                    served_by[i] = k
                    latency[i] = spent
                    ttlt[i], _ = self._stream(k, spent, rng, st)
                    break
                k = nxt
            else:
                latency[i] = spent
                ttlt[i] = math.nan
        return RefResult(n=n, ids=self.ids, reach=st.reach, skipped=st.skipped, served=st.served, calls=st.calls,
                         retries=st.retries, hedges=st.hedges, latency=latency, ttlt=ttlt, served_by=served_by,
                         partial=st.partial, broken=st.broken, cont_calls=st.cont_calls, cont_done=st.cont_done,
                         trips={self.ids[k]: list(b.trips) for k, b in st.breakers.items()},
                         mode_hits=st.mode_hits, cost_per_1m=np.array([p.cost_per_1m_usd for p in self.paths]))


@dataclass
class _State:
    reach: np.ndarray
    skipped: np.ndarray
    served: np.ndarray
    calls: np.ndarray
    retries: np.ndarray
    hedges: np.ndarray
    partial: np.ndarray
    streamed: np.ndarray
    broken: np.ndarray
    cont_calls: np.ndarray
    cont_done: np.ndarray
    mode_hits: dict
    budget_used: dict
    breakers: dict
    per_bucket: float
    beta: float
    n: int

    def budget_cap(self, b: int) -> int:
        """Retries bucket b may spend: ⌊β·A(b+1)⌋ − ⌊β·A(b)⌋, A(b) = requests arrived before bucket b
        (β deposited per request, the fraction carried over; the last bucket may be short)."""
        def arrived(x):
            return min(self.n, math.ceil(x * self.per_bucket - 1e-9))
        return math.floor(self.beta * arrived(b + 1) + 1e-9) - math.floor(self.beta * arrived(b) + 1e-9)


def reference(design, n, seed, **kw) -> RefResult:
    return Reference(design, **kw).run(n, seed)
