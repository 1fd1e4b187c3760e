"""The simulator against closed forms: exact CDFs, injected rates, retries, hedging, breaker."""

import json
import math
import subprocess
import sys

import pytest

from fallbackkit.design import Design
from fallbackkit.problems import DesignError
from fallbackkit.simulation import Outage, compare, simulate, sweep_coverage

from closedforms import PHI, Z99, binom_tol


def chain(data, primary_dist, timeout=85.0, fallback_ms=10.0):
    """primary (given distribution, cut at `timeout`) → a constant fallback that always answers."""
    p, c = data["matrix"]["paths"][0], data["matrix"]["paths"][1]
    p["latency"] = {"distribution": primary_dist}
    p["timeout_ms"] = timeout
    c["latency"] = {"distribution": {"kind": "constant", "ms": fallback_ms}}
    c["coverage_pct"] = 100
    return Design.from_dict(data)


def test_timeout_then_constant_fallback_has_the_exact_cdf(quiet_data):
    # primary ~ lognormal(p50 60, p99 200) cut at 85 ms, then a constant 10 ms fallback:
    # X = L if L ≤ 85 else 95, so F(x) = Φ(ln(x/60)/σ) for x < 85, Φ(z85) on [85, 95), 1 from 95.
    d = chain(quiet_data, {"kind": "lognormal", "p50_ms": 60, "p99_ms": 200})
    n = 400_000
    r = simulate(d, n, seed=11)
    sigma = math.log(200 / 60) / Z99
    F = lambda x: PHI(math.log(x / 60) / sigma)
    p85 = F(85)
    assert r.path("primary").share == pytest.approx(p85, abs=binom_tol(p85, n))
    assert r.path("cache").share == pytest.approx(1 - p85, abs=binom_tol(p85, n))
    for x in (20, 40, 60, 80, 84):
        assert r.cdf(x) == pytest.approx(F(x), abs=binom_tol(F(x), n) + 2e-4 * x * 0.05)
    assert r.cdf(94) == pytest.approx(p85, abs=binom_tol(p85, n))
    assert r.cdf(95.1) == 1.0
    # served by the fallback: exactly timeout + constant
    assert r.path("cache").p50 == pytest.approx(95, rel=2e-4)
    assert r.path("cache").p999 == pytest.approx(95, rel=2e-4)
    # below the timeout, user-seen quantiles are the lognormal's
    assert r.quantile(0.5) == pytest.approx(60, rel=0.01)
    assert r.unserved == 0 and r.slo_attainment == 1.0
    # cost: every request calls the primary, the missed share also the fallback
    assert r.cost_per_1m_requests_usd == pytest.approx(1200 + 20 * r.path("cache").reach)


def test_served_shares_equal_injected_rates(quiet_data):
    rates = {"latency-breach": 0.05, "rate-limited": 0.005, "provider-5xx": 0.01, "provider-outage": 0.0005,
             "context-overflow": 0.002, "unsafe-output": 0.001, "low-confidence": 0.02}
    for m in quiet_data["taxonomy"]["modes"]:
        m["occurrence"] = rates[m["id"]]
    p = quiet_data["matrix"]["paths"]
    p[0]["latency"] = {"distribution": {"kind": "constant", "ms": 50}}
    p[1]["coverage_pct"] = 100
    p[1]["latency"] = {"distribution": {"kind": "constant", "ms": 12}}   # no cache timeouts
    d = Design.from_dict(quiet_data)
    n = 400_000
    r = simulate(d, n, seed=5)
    expect = {"cache": 0.05 + 0.005 + 0.01 + 0.0005 + 0.02, "rule_engine": 0.002, "static": 0.001}
    expect["primary"] = 1 - sum(expect.values())
    for pid, share in expect.items():
        assert r.path(pid).share == pytest.approx(share, abs=binom_tol(share, n)), pid
    for mid, rate in rates.items():
        assert r.mode_hits[mid] / n == pytest.approx(rate, abs=binom_tol(rate, n)), mid
    # unsafe answers skip the cache and rule engine: they arrive at 50 ms, then the static 2 ms
    assert r.path("static").p50 == pytest.approx(52, rel=2e-4)
    # a latency breach waits out the 85 ms timeout before the cache answers: 85 + 12 ms
    assert r.path("cache").p99 == pytest.approx(97, rel=2e-4)
    # a context overflow skips the cache: it is rejected at 50 ms, then the rule engine answers
    assert r.path("rule_engine").p50 < 85


def test_monte_carlo_error_shrinks_like_one_over_sqrt_n(quiet_data):
    d = chain(quiet_data, {"kind": "lognormal", "p50_ms": 60, "p99_ms": 200})
    truth = PHI(math.log(85 / 60) / (math.log(200 / 60) / Z99))

    def rms(n, seeds):
        errs = [simulate(d, n, seed=s).path("primary").share - truth for s in seeds]
        return math.sqrt(sum(e * e for e in errs) / len(errs))

    small, large = rms(1_000, range(40)), rms(100_000, range(40))
    # binomial theory: sqrt(p(1-p)/N)
    assert small == pytest.approx(math.sqrt(truth * (1 - truth) / 1_000), rel=0.35)
    assert 6 < small / large < 16   # √(100) = 10


def test_retries_inside_the_budget(quiet_data):
    p = quiet_data["matrix"]["paths"][0]
    p["latency"] = {"distribution": {"kind": "constant", "ms": 10}}
    p["error_rate"] = 0.2
    p["retry"] = {"max_retries": 1, "backoff_base_ms": 40, "backoff_max_ms": 40, "jitter": False,
                  "on": ["dependency_failure"]}
    quiet_data["matrix"]["retry_budget_pct"] = 100
    d = Design.from_dict(quiet_data)
    n = 200_000
    r = simulate(d, n, seed=3, rps=1000)
    # two independent tries: served by the primary with probability 1 − 0.2²
    assert r.path("primary").share == pytest.approx(0.96, abs=binom_tol(0.96, n))
    assert r.path("primary").calls_per_request == pytest.approx(1.2, abs=binom_tol(0.2, n))
    # a retried answer costs 10 + 40 (backoff, no jitter) + 10 ms
    assert r.path("primary").p99 == pytest.approx(60, rel=2e-4)
    # with a 10% retry budget, at most 10% of requests get a retry
    quiet_data["matrix"]["retry_budget_pct"] = 10
    r = simulate(Design.from_dict(quiet_data), n, seed=3)
    assert 0.09 < r.retry_share <= 0.1 + 1e-9
    assert r.path("primary").share == pytest.approx(0.8 + 0.8 * r.retry_share, abs=binom_tol(0.9, n))


def test_jittered_backoff_is_uniform_up_to_the_cap(quiet_data):
    p = quiet_data["matrix"]["paths"][0]
    p["latency"] = {"distribution": {"kind": "constant", "ms": 10}}
    p["error_rate"] = 0.5
    p["retry"] = {"max_retries": 3, "backoff_base_ms": 20, "backoff_max_ms": 30, "jitter": True,
                  "on": ["dependency_failure"]}
    p["timeout_ms"] = 500
    quiet_data["matrix"]["retry_budget_pct"] = 100
    # at 1000 rps a bucket's wanted retries (87.5% of arrivals) never exceed its 100% budget
    r = simulate(Design.from_dict(quiet_data), 100_000, seed=1, rps=1000)
    # served on the 2nd try: 10 + U(0, 20) + 10 ms, so between 20 and 40 ms; never above 10·4 + 20 + 30 + 30
    assert r.path("primary").p99 <= 120 * (1 + 2e-4)
    assert r.path("primary").share == pytest.approx(1 - 0.5 ** 4, abs=binom_tol(0.9375, 100_000))


def test_hedging_matches_the_min_of_two_draws(quiet_data):
    d = quiet_data
    p = d["matrix"]["paths"][0]
    p["latency"] = {"distribution": {"kind": "lognormal", "p50_ms": 30, "p99_ms": 120}}
    p["timeout_ms"] = 1000
    p["hedge"] = {"after_ms": 50, "max_hedges": 1}
    r = simulate(Design.from_dict(d), 300_000, seed=2)
    sigma = math.log(4) / Z99
    F = lambda x: PHI(math.log(x / 30) / sigma) if x > 0 else 0.0
    # X = min(L1, 50 + L2): P(X ≤ x) = 1 − (1 − F(x))(1 − F(x − 50)) for x ≥ 50
    for x in (40, 60, 80, 100):
        exact = 1 - (1 - F(x)) * (1 - F(x - 50))
        assert r.cdf(x) == pytest.approx(exact, abs=binom_tol(exact, 300_000) + 1e-3)
    # the hedge is sent for the share still waiting at 50 ms, and paid
    assert r.path("primary").calls_per_request == pytest.approx(2 - F(50), abs=0.003)
    assert r.path("primary").hedges == pytest.approx(1 - F(50), abs=0.003)


def test_outage_window_and_circuit_breaker(quiet_data):
    p = quiet_data["matrix"]["paths"][0]
    p["latency"] = {"distribution": {"kind": "constant", "ms": 50}}
    p["circuit_breaker"] = {"failure_rate_threshold": 0.5, "window_s": 10, "min_requests": 20, "cooldown_s": 30}
    d = Design.from_dict(quiet_data)
    n = 360_000   # one hour at 100 rps
    r = simulate(d, n, seed=4, rps=100, outages=[Outage("primary", 600, 1200)])
    outage_share = 1200 / 3600
    prim = r.path("primary")
    # after the outage ends the breaker may still be open for up to one 30 s cooldown
    assert 1 - outage_share - 30 / 3600 < prim.share < 1 - outage_share
    # the breaker trips about once per cooldown and skips most of the outage
    assert 35 <= prim.breaker_trips <= 40
    assert 0.9 * outage_share < prim.skipped < outage_share
    # skipped requests go straight to the cache: no 85 ms timeout on the way
    no_breaker = quiet_data
    no_breaker["matrix"]["paths"][0].pop("circuit_breaker")
    r2 = simulate(Design.from_dict(no_breaker), n, seed=4, rps=100, outages=["primary:10m:20m"])
    assert r2.path("primary").skipped == 0
    assert r2.path("cache").p50 > 85 > r.path("cache").p50
    assert r2.cost_per_1m_requests_usd > r.cost_per_1m_requests_usd   # every outage call to the primary is paid without a breaker
    tl = r.timeline()
    assert len(tl) == 60 and tl[15]["share_primary"] < 0.1 < tl[5]["share_primary"]


def test_same_seed_same_numbers_and_chunking_is_bounded(default_data):
    d = Design.from_dict(default_data)
    a = simulate(d, 50_000, seed=9, outages=["primary:5m:3m"])
    b = simulate(d, 50_000, seed=9, outages=["primary:5m:3m"])
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    c = simulate(d, 50_000, seed=10)
    assert c.to_dict() != a.to_dict()
    small = simulate(d, 200_000, seed=1, chunk_size=7_000)
    big = simulate(d, 200_000, seed=1)
    assert small.n_requests == 200_000 == int(small.hist.sum())
    assert small.path("primary").share == pytest.approx(big.path("primary").share, abs=binom_tol(0.7, 200_000) * 1.5)


@pytest.fixture(scope="module")
def default_run(default_data_master):
    return simulate(Design.from_dict(default_data_master), 200_000, seed=1)


def test_default_design_simulated_numbers(default_run):
    r = default_run
    # declared p95 75 / p99 250 ms: log-latency is linear in the normal score between the
    # knots, so the 85 ms timeout sits at z = z95 + (ln 85/75)/(ln 250/75)·(z99 − z95)
    z95, z99 = 1.6448536269514722, 2.3263478740408408
    cut = PHI(z95 + math.log(85 / 75) / math.log(250 / 75) * (z99 - z95))
    modes = 0.02 + 0.005 + 0.01 + 0.0005 + 0.002 + 0.001 + 0.02
    assert r.path("primary").share == pytest.approx((1 - modes) * 0.98 * cut, abs=0.004)
    assert r.slo_attainment == 1.0   # worst chain 85 + 30 + 25 + 2 = 142 ms < 150 ms
    assert r.percentiles["p99.9"] < 142


def test_simulated_views_mark_simulated_and_declared_columns(default_run):
    r = default_run
    text = r.to_text()
    assert "p99.9" in text and "cost" in text
    mv = r.matrix_view()
    assert any("[sim]" in c for c in mv.rows[0]) and any("[decl]" in c for c in mv.rows[0])
    assert mv.rows[0]["timeout ms [decl]"] == 85
    assert "<table>" in r._repr_mimebundle_()["text/html"]
    frame = r.to_frame()
    assert list(frame.index) == ["primary", "cache", "rule_engine", "static"]


def test_compare_states_the_risk_reduction(default_data):
    with_cache = Design.from_dict(default_data)
    data = default_data
    data["matrix"]["paths"] = [p for p in data["matrix"]["paths"] if p["id"] != "cache"]
    for m in data["taxonomy"]["modes"]:
        if m["mitigation"]["path"] == "cache":
            m["mitigation"]["path"] = "rule_engine"
    for n in data["workflow"]["nodes"]:
        if n.get("path") == "cache":
            n.pop("path")
    without = Design.from_dict(data)
    c = compare(without, with_cache, labels=("no cache", "cache"), n_requests=50_000, seed=1)
    first = c.statements[0]
    assert first.startswith("Adding the semantic response cache moves p99.9 from")
    assert "per 1M requests" in first and "per 1M calls" not in first
    a, b = c.a, c.b
    assert f"{a.percentiles['p99.9']:,.1f} ms to {b.percentiles['p99.9']:,.1f} ms" in first
    assert b.cost_per_1m_requests_usd > a.cost_per_1m_requests_usd and "costs $" in first


def test_bad_inputs_are_problems(default_data):
    d = Design.from_dict(default_data)
    assert simulate(d, 1e3).n_requests == 1000
    for n in (0, -5, 1.5, "many"):
        with pytest.raises(DesignError) as err:
            simulate(d, n)
        assert err.value.problems[0].path == "n_requests"
    # a mitigation before the path where the mode occurs cannot serve it
    data = default_data
    data["taxonomy"]["modes"][0]["occurs_on"] = "cache"
    data["taxonomy"]["modes"][0]["mitigation"]["path"] = "primary"
    with pytest.raises(DesignError) as err:
        simulate(Design.from_dict(data), 100)
    assert "cannot be served" in str(err.value) and "taxonomy.modes[0].mitigation.path" in str(err.value)


def test_latency_breach_needs_a_timeout_and_rates_must_sum_below_one(default_data):
    data = default_data
    data["matrix"]["paths"][0].pop("timeout_ms")
    for m in data["taxonomy"]["modes"]:
        m["occurrence"] = 0.3
    with pytest.raises(DesignError) as err:  # check=False: validate refuses the rates too (issue 16)
        simulate(Design.from_dict(data, check=False), 100)
    msgs = str(err.value)
    assert "matrix.paths[0].timeout_ms" in msgs and "never cut" in msgs
    assert "sum to 2.1" in msgs


def test_unknown_profile_in_a_design(default_data):
    default_data["matrix"]["paths"][0]["latency"] = {"distribution": {"kind": "profile", "name": "nope_70b_ttft"}}
    with pytest.raises(DesignError) as err:
        simulate(Design.from_dict(default_data), 100)
    assert err.value.problems[0].path == "matrix.paths[0].latency.distribution.name"


def test_real_profile_drives_a_path(default_data):
    default_data["matrix"]["paths"][0]["latency"] = {"distribution": {"kind": "profile", "name": "groq_70b_ttft",
                                                                     "scale": 0.3}}
    r = simulate(Design.from_dict(default_data), 50_000, seed=1)
    assert 0.3 * 172.0 <= r.path("primary").p50 <= 85


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "fallbackkit", *args], capture_output=True, text=True)


def test_cli_simulate(write_design, default_data):
    path = write_design(default_data)
    out = run_cli("simulate", str(path), "--requests", "2e4", "--seed", "3", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    again = json.loads(run_cli("simulate", str(path), "-n", "20000", "--seed", "3", "--json").stdout)
    assert data == again
    assert data["summary"]["requests"] == 20_000
    assert [p["path"] for p in data["paths"]] == ["primary", "cache", "rule_engine", "static"]


def test_cli_simulate_bad_input_exits_2_naming_it(write_design, default_data):
    path = write_design(default_data)
    bad = run_cli("simulate", str(path), "--requests", "0")
    assert bad.returncode == 2 and "expected a whole number of requests > 0" in bad.stderr
    assert "Traceback" not in bad.stderr
    default_data["taxonomy"]["modes"][0]["occurrence"] = 1.5
    bad = run_cli("simulate", str(write_design(default_data, "bad.yaml")))
    assert bad.returncode == 2 and "taxonomy.modes[0].occurrence" in bad.stderr and "Traceback" not in bad.stderr
    bad = run_cli("simulate", str(path), "--outage", "nowhere:1m:2m")
    assert bad.returncode == 2 and "unknown fallback path 'nowhere'" in bad.stderr


def test_the_slowest_percent_is_served_by_the_fallbacks(default_data):
    r = simulate(Design.from_dict(default_data), 30_000, seed=1)
    # the tail: who serves the slowest 1% — shares sum to 1; primary answers within 85 ms, never in the tail
    shares = r.tail_shares(0.99)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["primary"] == 0.0 and shares["rule_engine"] > 0.5


def test_a_full_cache_saves_the_rule_engine_calls_and_their_time(default_data):
    rows = sweep_coverage(Design.from_dict(default_data), "cache", [0, 100], n_requests=20_000, seed=1)
    # a miss costs a cache call too, so a full cache saves the rule-engine calls and their time
    assert rows[0]["share"] == 0 and rows[1]["cost_per_1m_requests_usd"] < rows[0]["cost_per_1m_requests_usd"]
    assert rows[1]["p99.9_ms"] < rows[0]["p99.9_ms"]


def test_simulate_is_a_function_whatever_was_imported_first():
    code = ("import fallbackkit.simulation, fallbackkit.simulation.engine, fallbackkit.simulation.comparison\n"
            "from fallbackkit import simulate, compare\n"
            "import fallbackkit as fk, types\n"
            "assert isinstance(simulate, types.FunctionType) and isinstance(compare, types.FunctionType)\n"
            "assert fk.simulate is simulate and fk.simulation.simulate is simulate\n"
            "import importlib.util\n"
            "assert importlib.util.find_spec('fallbackkit.simulate') is None\n")
    subprocess.run([sys.executable, "-c", code], check=True)
