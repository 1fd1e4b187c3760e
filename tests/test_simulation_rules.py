"""Regression tests for the simulator's five defects and its two once-open rules.

Every expected value is derived from the rules in :mod:`fallbackkit.simulation.engine`'s
docstring — a closed form, or a small per-request reference model written here — never
read back from the implementation.
"""

import math

import numpy as np
import pytest

from fallbackkit.design import Design
from fallbackkit.latency import for_latency
from fallbackkit.simulation import Outage, compare, simulate

from closedforms import PHI, Z99, binom_tol, constant


def mode(data, mode_id):
    return next(m for m in data["taxonomy"]["modes"] if m["id"] == mode_id)


# -- (a) a retry policy whose `on` is left at its default retries ---------------------------------
TRANSIENT = {"latency_breach", "resource_exhaustion", "dependency_failure", "other"}


def reference_retry_share(design: Design, n: int, seed: int) -> float:
    """Per-request model of the primary's first attempt and retries, from the stated rules."""
    m, modes = design.matrix, design.taxonomy.modes
    p = m.paths[0]
    on = set(p.retry.on)
    here = [md for md in modes if (md.occurs_on or p.id) == p.id]
    occ = np.cumsum([md.occurrence for md in here])
    trans = [md for md in here if md.category in TRANSIENT]
    occ_t = np.cumsum([md.occurrence for md in trans])
    rng = np.random.default_rng(seed)
    L = for_latency(p.latency).sample(rng, n * (1 + p.retry.max_retries)).reshape(-1, n)
    u = rng.random((2 * (1 + p.retry.max_retries), n))
    rate = design.context.traffic.requests_per_day / 86400
    beta = m.retry_budget_pct / 100
    spent: dict[int, int] = {}
    retries = 0

    def attempt(k, i, persistent):
        """Category the gateway sees for attempt k of request i (None: answered)."""
        if persistent is not None:
            md = persistent
        else:
            pool, cum = (here, occ) if k == 0 else (trans, occ_t)
            j = int(np.searchsorted(cum, u[2 * k, i], side="right"))
            md = pool[j] if j < len(pool) else None
        if md is not None and md.category in ("latency_breach", "provider_outage"):
            return md.category, md             # never answers: fails at the timeout
        if L[k, i] > p.timeout_ms:
            return "latency_breach", md        # whatever would come later is cut at the timeout
        if md is not None:
            return md.category, md
        return ("dependency_failure" if u[2 * k + 1, i] < p.error_rate else None), None

    for i in range(n):
        b = math.floor(i / rate)               # 1 s buckets
        allowance = math.floor(beta * math.ceil((b + 1) * rate) + 1e-9) - math.floor(beta * math.ceil(b * rate) + 1e-9)
        cat, md = attempt(0, i, None)
        persistent = md if md is not None and md.category not in TRANSIENT else None
        for k in range(1, p.retry.max_retries + 1):
            if cat is None or cat not in on or spent.get(b, 0) >= allowance:
                break
            spent[b] = spent.get(b, 0) + 1
            retries += 1
            cat, _ = attempt(k, i, persistent)
    return retries / n


def test_default_retry_on_retries(default_data):
    default_data["matrix"]["paths"][0]["retry"] = {"max_retries": 2}        # `on` omitted
    d = Design.from_dict(default_data)
    assert set(d.matrix.paths[0].retry.on) == {"resource_exhaustion", "dependency_failure", "latency_breach"}
    n = 200_000
    r = simulate(d, n, seed=3)
    ref = reference_retry_share(d, n, seed=99)
    assert r.path("primary").breaker_trips == 0
    assert r.retry_share == pytest.approx(ref, abs=binom_tol(ref, n, 6))
    assert r.retry_share == pytest.approx(0.074, abs=0.004)
    # writing the default out changes nothing, bit for bit
    default_data["matrix"]["paths"][0]["retry"]["on"] = ["resource_exhaustion", "dependency_failure", "latency_breach"]
    assert simulate(Design.from_dict(default_data), n, seed=3).to_dict() == r.to_dict()


# -- (b) the circuit breaker reads the whole window --------------------------------------------------
def outage_design(data, window_s, min_requests, threshold=0.6, cooldown_s=30):
    p = data["matrix"]["paths"][0]
    p["latency"] = constant(50)
    p["circuit_breaker"] = {"failure_rate_threshold": threshold, "window_s": window_s,
                            "min_requests": min_requests, "cooldown_s": cooldown_s}
    return Design.from_dict(data)


def breaker_trips(w, cool, rps, min_requests, thr, start, end):
    """Closed form: a full window of w one-second buckets, all failing, trips at its end.

    The first trip comes once ⌈thr·w⌉ failing buckets fill the window; after each trip the
    path is skipped for ``cool`` buckets and the fresh window needs w buckets again, so
    trips are ``period = cool + w`` apart while the window still holds enough failures.
    """
    assert rps * w >= min_requests
    need = math.ceil(thr * w)                 # failing buckets in a window to reach the threshold
    first = start + need
    last = end - 1 + (w - need) + 1           # latest bucket whose window still holds `need` failures
    return (last - first) // (cool + w) + 1


def test_breaker_sees_the_whole_window(quiet_data):
    rps, n = 10, 36_000                        # one hour
    d = outage_design(quiet_data, window_s=10, min_requests=100)
    r = simulate(d, n, seed=1, rps=rps, outages=[Outage("primary", 600, 1200)])
    trips = breaker_trips(10, 30, rps, 100, 0.6, 600, 1800)
    assert trips == 30
    assert r.path("primary").breaker_trips == trips
    # each trip skips exactly 30 s of traffic
    assert r.path("primary").skipped == pytest.approx(trips * 30 * rps / n, abs=1e-12)


def test_breaker_with_a_window_shorter_than_a_bucket(quiet_data):
    rps, n = 10, 36_000
    d = outage_design(quiet_data, window_s=0.5, min_requests=5)
    r = simulate(d, n, seed=1, rps=rps, outages=[Outage("primary", 600, 1200)])
    trips = breaker_trips(1, 30, rps, 5, 0.6, 600, 1800)
    assert trips == 39
    assert r.path("primary").breaker_trips == trips


def test_breaker_needs_min_requests_in_the_window(quiet_data):
    # 10 rps × 10 s = 100 calls: min_requests 101 can never be met
    d = outage_design(quiet_data, window_s=10, min_requests=101)
    r = simulate(d, 36_000, seed=1, rps=10, outages=[Outage("primary", 600, 1200)])
    assert r.path("primary").breaker_trips == 0


# -- (c) hedging decides on what has happened, not on what will -----------------------------------
def test_hedges_fire_on_the_past_only(quiet_data):
    p = quiet_data["matrix"]["paths"][0]
    p["latency"] = {"distribution": {"kind": "lognormal", "p50_ms": 30, "p99_ms": 120}}
    p["timeout_ms"] = 1000
    p["error_rate"] = 0.3
    a = 20.0
    p["hedge"] = {"after_ms": a, "max_hedges": 2}
    n = 400_000
    r = simulate(Design.from_dict(quiet_data), n, seed=2)
    sigma = math.log(4) / Z99
    F = lambda x: PHI(math.log(x / 30) / sigma) if x > 0 else 0.0
    e = 0.3
    # hedge 1 fires at a when the first attempt has not ended by a
    fire1 = 1 - F(a)
    # hedge 2 fires at 2a when no good answer has come and an attempt is still out:
    #  first ended in (a, 2a] with an error and hedge 1 still out; or first still out and
    #  hedge 1 either still out or ended with an error by 2a
    fire2 = (F(2 * a) - F(a)) * (1 - F(a)) * e + (1 - F(2 * a)) * (F(a) * e + 1 - F(a))
    calls = 1 + fire1 + fire2
    assert r.path("primary").calls_per_request == pytest.approx(calls, abs=0.004)
    assert r.path("primary").hedges == pytest.approx(fire1 + fire2, abs=0.004)


# -- (d) an injected provider outage fails at the timeout -----------------------------------------
def test_injected_provider_outage_fails_at_the_timeout(quiet_data):
    prim, cache = quiet_data["matrix"]["paths"][:2]
    prim["latency"], prim["timeout_ms"] = constant(50), 85
    cache["latency"], cache["coverage_pct"] = constant(12), 100
    mode(quiet_data, "provider-outage")["occurrence"] = 0.3       # mitigated by the cache
    r = simulate(Design.from_dict(quiet_data), 100_000, seed=1)
    assert r.path("cache").share == pytest.approx(0.3, abs=binom_tol(0.3, 100_000))
    assert r.path("cache").p50 == pytest.approx(85 + 12, rel=2e-4)
    assert r.path("cache").p999 == pytest.approx(85 + 12, rel=2e-4)
    # without a timeout it fails when the answer would have come (as an outage window does)
    prim.pop("timeout_ms")
    r = simulate(Design.from_dict(quiet_data), 20_000, seed=1)
    assert r.path("cache").p50 == pytest.approx(50 + 12, rel=2e-4)


# -- (e) cost per 1M requests, price per 1M calls --------------------------------------------------
def test_cost_is_per_1m_requests_and_named_so(quiet_data):
    p = quiet_data["matrix"]["paths"][0]
    p["latency"] = constant(40)
    p["hedge"] = {"after_ms": 10, "max_hedges": 2}                  # every request makes 3 calls
    p["timeout_ms"] = 85
    hedged = Design.from_dict(quiet_data)
    r = simulate(hedged, 10_000, seed=1)
    assert r.path("primary").calls_per_request == 3
    assert r.cost_per_1m_requests_usd == pytest.approx(3 * 1200)
    assert r.summary()["cost_per_1m_requests_usd"] == pytest.approx(3600)
    row = r.matrix_view().rows[0]
    assert row["price/1M calls $ [decl]"] == 1200 and row["cost/1M req $ [sim]"] == pytest.approx(3600)
    p.pop("hedge")
    c = compare(Design.from_dict(quiet_data), hedged, n_requests=10_000, seed=1)
    assert "costs $2,400.00 more per 1M requests ($1,200.00 → $3,600.00)" in c.statements[0]
    assert "per 1M calls" not in c.to_text()
    assert "per 1M requests" in "\n".join(hedged.budget().summary_lines())


# -- the two rules the docstring once left open -----------------------------------------------------
def test_a_rejection_after_the_timeout_is_a_timeout(quiet_data):
    prim, cache = quiet_data["matrix"]["paths"][:2]
    prim["latency"], prim["timeout_ms"] = constant(100), 85         # every answer comes too late
    cache["latency"], cache["coverage_pct"] = constant(12), 100
    mode(quiet_data, "unsafe-output")["occurrence"] = 1.0          # mitigation: the static response
    r = simulate(Design.from_dict(quiet_data), 20_000, seed=1)
    # the gateway never sees the unsafe answer: a timeout, so the next path (the cache) serves
    assert r.path("cache").share == 1.0 and r.path("static").share == 0.0
    assert r.path("cache").p50 == pytest.approx(85 + 12, rel=2e-4)
    assert r.mode_hits["unsafe-output"] == 0
    # in time, the same rejection goes to its mitigation and is counted
    prim["latency"] = constant(50)
    r = simulate(Design.from_dict(quiet_data), 20_000, seed=1)
    assert r.path("static").share == 1.0 and r.mode_hits["unsafe-output"] == 20_000


def test_mode_hits_count_only_calls_made(quiet_data):
    prim = quiet_data["matrix"]["paths"][0]
    prim["latency"], prim["error_rate"] = constant(50), 0.9          # the breaker stays open most of the time
    prim["circuit_breaker"] = {"failure_rate_threshold": 0.5, "window_s": 10, "min_requests": 20, "cooldown_s": 30}
    mode(quiet_data, "low-confidence")["occurrence"] = 0.05
    n = 100_000
    r = simulate(Design.from_dict(quiet_data), n, seed=1, rps=100)
    made = 1 - r.path("primary").skipped
    assert r.path("primary").skipped > 0.9
    assert r.mode_hits["low-confidence"] / n == pytest.approx(0.05 * made, abs=binom_tol(0.05 * made, n))


def dense_breaker(w, cool, min_req, thr, counts, horizon):
    """The rule, bucket by bucket over all time: decide at b from b−w … b−1, then count b unless open."""
    calls, fails = [0] * horizon, [0] * horizon
    is_open, trips, open_until, fresh = {}, [], -1, 0
    for b in range(horizon):
        if b < open_until:
            is_open[b] = True
            continue
        lo = max(b - w, fresh)
        sc, sf = sum(calls[lo:b]), sum(fails[lo:b])
        if sc >= min_req and sf >= thr * sc:
            trips.append(b)
            open_until, fresh = b + cool, b + cool
            is_open[b] = True
            continue
        is_open[b] = False
        if b in counts:
            calls[b], fails[b] = counts[b]
    return is_open, trips


@pytest.mark.parametrize("seed", range(6))
def test_sparse_breaker_equals_the_dense_rule(seed):
    from types import SimpleNamespace

    from fallbackkit.simulation.breaker import Breaker
    rng = np.random.default_rng(seed)
    w, cool, min_req, thr = int(rng.integers(1, 12)), int(rng.integers(1, 20)), int(rng.integers(1, 30)), 0.5
    horizon = 3000
    occupied = np.sort(rng.choice(horizon, size=int(rng.integers(50, 1500)), replace=False))
    counts = {}
    for b in occupied.tolist():
        c = int(rng.integers(1, 15))
        bad = rng.random() < 0.4 + 0.5 * ((b // 300) % 2)      # alternating calm and failing stretches
        counts[b] = (c, int(rng.binomial(c, 0.9 if bad else 0.05)))
    want_open, want_trips = dense_breaker(w, cool, min_req, thr, counts, horizon)
    br = Breaker(SimpleNamespace(window_s=w, cooldown_s=cool, min_requests=min_req, failure_rate_threshold=thr), 1.0)
    got = []
    for part in np.array_split(occupied, 4):                   # across chunks
        got += br.run(part.tolist(), [counts[b][0] for b in part.tolist()], [counts[b][1] for b in part.tolist()]).tolist()
    assert got == [want_open[b] for b in occupied.tolist()]
    assert br.trips == want_trips and len(want_trips) > 0


@pytest.mark.parametrize("pcts", [(45, 75, 250), (45, 75, 80), (40, None, 200), (None, 60, 90)])
def test_engine_draws_are_the_latency_samplers_draws(pcts):
    """The engine's faster piecewise lognormal (lines, not interpolation) draws what
    fallbackkit.latency draws from the same generator: convex, concave and two-knot profiles."""
    from types import SimpleNamespace

    from fallbackkit import latency
    from fallbackkit.simulation.draws import FastPiecewiseLogNormal, fast
    lat = SimpleNamespace(distribution=None, p50_ms=pcts[0], p95_ms=pcts[1], p99_ms=pcts[2])
    slow = latency.for_latency(lat)
    quick = fast(slow)
    assert isinstance(quick, FastPiecewiseLogNormal)
    a, b = slow.sample(np.random.default_rng(5), 200_000), quick.sample(np.random.default_rng(5), 200_000)
    assert np.allclose(a, b, rtol=1e-12, atol=0) and a.min() < min(v for v in pcts if v) < a.max()
    for q in (0.5, 0.95, 0.99):
        assert quick.quantile(q) == slow.quantile(q)


@pytest.mark.parametrize("seed", range(4))
def test_breaker_with_traffic_in_every_bucket_equals_the_dense_rule(seed):
    """The breaker's unbroken-run shortcut (every instant an event, no sort) against the rule:
    traffic in every bucket, then a gap, then every bucket again, cut into uneven chunks."""
    from types import SimpleNamespace

    from fallbackkit.simulation.breaker import Breaker
    rng = np.random.default_rng(100 + seed)
    w, cool, min_req, thr = int(rng.integers(1, 12)), int(rng.integers(1, 20)), int(rng.integers(1, 30)), 0.5
    horizon = 4000
    occupied = np.concatenate([np.arange(0, 1700), np.arange(1700 + int(rng.integers(1, 3 * w + 2)), horizon)])
    counts = {}
    for b in occupied.tolist():
        c = int(rng.integers(1, 15))
        bad = rng.random() < 0.3 + 0.6 * ((b // 250) % 2)
        counts[b] = (c, int(rng.binomial(c, 0.9 if bad else 0.05)))
    want_open, want_trips = dense_breaker(w, cool, min_req, thr, counts, horizon)
    br = Breaker(SimpleNamespace(window_s=w, cooldown_s=cool, min_requests=min_req, failure_rate_threshold=thr), 1.0)
    got = []
    cuts = np.sort(rng.choice(np.arange(1, occupied.size), size=5, replace=False))
    for part in np.split(occupied, cuts):
        got += br.run(part, np.array([counts[b][0] for b in part.tolist()]),
                      np.array([counts[b][1] for b in part.tolist()])).tolist()
    assert got == [want_open[b] for b in occupied.tolist()]
    assert br.trips == want_trips and len(want_trips) > 3


def test_a_degradation_window_holds_for_retries_after_breaker_skips(quiet_data):
    """Primary constant 50 ms, timeout 100, error_rate 0.2, one retry on timeouts and 5xx (budget
    100 %), a breaker; down from 60 s to 360 s (the breaker trips and skips), then degraded ×4
    (200 ms: every call is cut at the timeout) from 600 s to 1,200 s, all in one chunk.

    By the rules every call in the window — first attempts and retries — takes 200 ms and times
    out, so the primary serves no request arriving inside it; outside it, 0.8 + 0.2·0.8 = 0.96.
    (The skipped requests must not shift which request's window factor a retry uses.)"""
    from fallbackkit.simulation import Degradation
    d = quiet_data
    d["matrix"]["retry_budget_pct"] = 100
    prim = d["matrix"]["paths"][0]
    prim.update(latency=constant(50), timeout_ms=100, error_rate=0.2,
                retry={"max_retries": 1, "on": ["latency_breach", "dependency_failure"], "jitter": False},
                circuit_breaker={"failure_rate_threshold": 0.5, "window_s": 10, "min_requests": 20, "cooldown_s": 30})
    prim.pop("hedge", None)
    r = simulate(Design.from_dict(d), 20_000, seed=4, rps=10,
                 outages=[Outage("primary", 60, 300), Degradation("primary", 600, 600, latency_factor=4)])
    assert r.path("primary").breaker_trips > 3
    inside = [b for b in r.timeline() if 10 <= b["minute"] < 20]
    after = [b for b in r.timeline() if 21 <= b["minute"]]
    assert len(inside) == 10 and all(b["share_primary"] == 0 for b in inside)
    n_after = sum(b["requests"] for b in after)
    share_after = sum(b["share_primary"] * b["requests"] for b in after) / n_after
    assert share_after == pytest.approx(0.96, abs=binom_tol(0.96, n_after))


def test_engine_draws_of_mixtures_and_shifts_are_the_latency_samplers_draws():
    """fast() reaches into mixtures and shifts: the same draws from the same generator."""
    from fallbackkit import latency
    from fallbackkit.simulation.draws import FastPiecewiseLogNormal, fast
    slow = latency.sampler({"kind": "mixture", "components": [
        {"weight": 0.7, "dist": {"kind": "lognormal", "p50_ms": 40, "p99_ms": 200}},
        {"weight": 0.3, "dist": {"kind": "shifted", "floor_ms": 10, "base": {"kind": "lognormal", "p50_ms": 5, "p99_ms": 9}}}]})
    quick = fast(slow)
    assert isinstance(quick.parts[0], FastPiecewiseLogNormal) and isinstance(quick.parts[1].base, FastPiecewiseLogNormal)
    assert not isinstance(slow.parts[0], FastPiecewiseLogNormal)          # the original is left as it was
    a, b = slow.sample(np.random.default_rng(9), 100_000), quick.sample(np.random.default_rng(9), 100_000)
    assert np.allclose(a, b, rtol=1e-12, atol=0) and (a >= 10).sum() > 20_000


@pytest.mark.parametrize("seed", range(4))
def test_breaker_first_reached_late_or_after_a_quiet_spell_equals_the_dense_rule(seed):
    """Unbroken runs of traffic (every bucket of a run holds calls) that start after bucket 0 —
    a path reached only once an earlier path fails — and come back after gaps longer than the
    window or after the breaker was left open, each run handed over as one chunk.

    By the rule an instant before a run's first bucket sees an empty window (nothing counted
    precedes it), so nothing trips there; the breaker must not read the run's own later counts."""
    from types import SimpleNamespace

    from fallbackkit.simulation.breaker import Breaker
    rng = np.random.default_rng(200 + seed)
    w, cool, min_req, thr = int(rng.integers(1, 8)), int(rng.integers(1, 40)), int(rng.integers(1, 10)), 0.5
    runs, b = [], int(rng.integers(1, 60))
    for _ in range(12):
        length = int(rng.integers(1, 60))
        runs.append(np.arange(b, b + length))
        b += length + int(rng.integers(w + 1, 3 * w + cool + 5))   # a gap: the window empties
    horizon = int(runs[-1][-1]) + 1
    counts = {}
    for r in runs:
        for x in r.tolist():
            c = int(rng.integers(1, 15))
            counts[x] = (c, int(rng.binomial(c, 0.9 if rng.random() < 0.6 else 0.05)))
    want_open, want_trips = dense_breaker(w, cool, min_req, thr, counts, horizon)
    br = Breaker(SimpleNamespace(window_s=w, cooldown_s=cool, min_requests=min_req, failure_rate_threshold=thr), 1.0)
    got = []
    for part in runs:
        got += br.run(part, np.array([counts[x][0] for x in part.tolist()]),
                      np.array([counts[x][1] for x in part.tolist()])).tolist()
    assert got == [want_open[x] for r in runs for x in r.tolist()]
    assert br.trips == want_trips and len(want_trips) > 3


def test_breaker_on_a_path_first_reached_during_an_outage(quiet_data):
    """The cache (every call fails) has a breaker: window 10 s, min_requests 5, threshold 0.5,
    cooldown 30 s; it gets calls only while the primary is down, 100 s … 400 s, at 10 rps.

    By the rules: bucket 100 is decided on buckets 90…99 (no calls: closed), its 10 calls fail;
    at 101 the window holds 10 failed calls: it trips, skips 101…130, closes with a fresh window
    at 131 (closed, 10 failed calls), trips at 132, … — trips at 101 + 31j while ≤ 399: 10 trips,
    10 closed buckets of 10 calls, 2,900 requests skipped."""
    d = quiet_data
    prim, cache = d["matrix"]["paths"][0], d["matrix"]["paths"][1]
    prim.update(latency=constant(20), timeout_ms=50)
    cache.update(latency=constant(5), coverage_pct=100, error_rate=1.0,
                 circuit_breaker={"failure_rate_threshold": 0.5, "window_s": 10, "min_requests": 5, "cooldown_s": 30})
    for p in d["matrix"]["paths"]:
        p.pop("retry", None)
        p.pop("hedge", None)
    r = simulate(Design.from_dict(d), 5_000, seed=3, rps=10, outages=[Outage("primary", 100, 300)])
    assert r.path("cache").breaker_trips == 10
    assert r.path("cache").skipped * 5_000 == pytest.approx(2_900)
    assert r.path("cache").calls_per_request * 5_000 == pytest.approx(100)
    assert r.path("primary").share * 5_000 == pytest.approx(2_000)


def test_a_scarce_retry_budget_goes_round_by_round(quiet_data):
    """10 rps, budget 20 % → 2 retries a bucket; the primary (10 ms) always fails with a 5xx and may
    retry twice (backoff 5 ms then 10 ms, no jitter); the cache answers in 1 ms.

    By the rule (first come first served, round by round) each bucket's two retries go to the
    first retries of its first two requests, none to a second retry: 80 % take 10 + 1 = 11 ms, 20 %
    10 + 5 + 10 + 1 = 26 ms, none 46 ms (request by request, the first request would take both)."""
    d = quiet_data
    d["matrix"]["retry_budget_pct"] = 20
    for p in d["matrix"]["paths"]:
        p.pop("retry", None)
        p.pop("hedge", None)
    prim, cache = d["matrix"]["paths"][0], d["matrix"]["paths"][1]
    prim.update(latency=constant(10), error_rate=1.0,
                retry={"max_retries": 2, "on": ["dependency_failure"], "backoff_base_ms": 5, "backoff_max_ms": 100,
                       "jitter": False})
    cache.update(latency=constant(1), coverage_pct=100)
    r = simulate(Design.from_dict(d), 1_000, seed=2, rps=10)
    assert r.numbers.retry_share == pytest.approx(0.2)
    assert r.cdf(20) == pytest.approx(0.8) and r.cdf(30) == pytest.approx(1.0)
