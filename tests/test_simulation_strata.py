"""Degradation windows and strata: closed forms of the stated rules, and strata against a full run."""

import pytest

import fallbackkit as fk
from fallbackkit.design import Design
from fallbackkit.problems import DesignError
from fallbackkit.simulation import Degradation, Outage, combine, simulate

from closedforms import binom_tol


def two_paths(data):
    """primary: a constant 50 ms, timeout 85 → cache: a constant 12 ms that always answers."""
    prim, cache = data["matrix"]["paths"][:2]
    prim["latency"], prim["timeout_ms"] = {"distribution": {"kind": "constant", "ms": 50}}, 85
    cache["latency"], cache["coverage_pct"] = {"distribution": {"kind": "constant", "ms": 12}}, 100
    return Design.from_dict(data)


def test_a_degradation_adds_errors_and_slows_calls(quiet_data):
    d = two_paths(quiet_data)
    n = 100_000                                    # 1,000 s at 100 rps; the window covers the first half
    r = simulate(d, n, seed=1, rps=100, outages=[Degradation("primary", 0, 500, error_rate=0.2, latency_factor=1.5)])
    # inside: 80% answered at 75 ms, 20% fail at 75 ms and the cache answers at 87 ms; outside: 50 ms
    assert r.path("primary").share == pytest.approx(0.5 + 0.5 * 0.8, abs=binom_tol(0.4, n))
    assert r.path("cache").p50 == pytest.approx(75 + 12, rel=2e-4)
    assert r.cdf(50.5) == pytest.approx(0.5, abs=1e-9)
    assert r.cdf(75.5) == pytest.approx(r.path("primary").share, abs=1e-9)
    # twice as slow: 100 ms > the 85 ms timeout, so every call in the window times out
    r = simulate(d, n, seed=1, rps=100, outages=[Degradation("primary", 0, 500, latency_factor=2)])
    assert r.path("cache").share == pytest.approx(0.5, abs=1e-9)
    assert r.path("cache").p999 == pytest.approx(85 + 12, rel=2e-4)


def test_a_degradation_reaches_retries(quiet_data):
    quiet_data["matrix"]["paths"][0]["retry"] = {"max_retries": 1, "backoff_base_ms": 0, "backoff_max_ms": 0,
                                                   "jitter": False, "on": ["dependency_failure"]}
    quiet_data["matrix"]["retry_budget_pct"] = 100
    d = two_paths(quiet_data)
    n = 100_000
    r = simulate(d, n, seed=2, rps=1000, outages=[Degradation("primary", 0, 1e6, error_rate=0.3)])
    # two tries, each failing with 0.3: the cache serves 0.09
    assert r.path("cache").share == pytest.approx(0.09, abs=binom_tol(0.09, n))


def test_bad_degradations_are_problems():
    with pytest.raises(DesignError) as err:
        simulate(fk.default_design(), 100, outages=[Degradation("primary", 0, 60, error_rate=2, latency_factor=0)])
    assert [p.path for p in err.value.problems] == ["outages[0].error_rate", "outages[0].latency_factor"]


def test_strata_agree_with_the_full_run():
    d = fk.default_design()
    rps, span = 100, 3600
    full = simulate(d, rps * span, seed=1, rps=rps, outages=[Outage("primary", 600, 1200)]).numbers
    # the outage stratum: the window with a minute either side (the breaker fills, then cools down)
    storm_s = 1200 + 120
    quiet = simulate(d, 200_000, seed=2, rps=rps)
    storm = simulate(d, rps * storm_s, seed=3, rps=rps, outages=[Outage("primary", 60, 1200)])
    c = combine([quiet, storm], [span - storm_s, storm_s], n_requests=rps * span)
    assert c.n_requests == full.n_requests and c.simulated_seconds == pytest.approx(full.simulated_seconds)
    for pid, share in full.share_by_path.items():
        assert c.share_by_path[pid] == pytest.approx(share, abs=binom_tol(max(share, 1e-3), 200_000, 6)), pid
    assert c.slo_attainment == pytest.approx(full.slo_attainment, abs=2e-4)
    assert c.cost_per_1m_requests_usd == pytest.approx(full.cost_per_1m_requests_usd, rel=0.005)
    assert c.latency_ms.p99 == pytest.approx(full.latency_ms.p99, rel=0.01)
    assert c.latency_ms.p999 == pytest.approx(full.latency_ms.p999, rel=0.03)
    assert c.path("primary").breaker_trips == full.path("primary").breaker_trips
    with pytest.raises(ValueError):
        combine([quiet], [1, 2])
