"""Streaming, the typed numbers and bounded memory, against the rules stated in the engine.

Expected values are closed forms of the stated rules: time to last token = time to first
token + duration; a stream that breaks after the first token cannot fall back; an error is
seen at once, a stall after the stall timeout; a continuation is one more call.
"""

import dataclasses
import json
import math
import subprocess
import sys

import pytest

from fallbackkit.design import Design
from fallbackkit.simulation import simulate
from fallbackkit.simulation.figures import Percentiles, SimulationNumbers

from closedforms import PHI, Z99, binom_tol


def streaming(data, duration, *, ttft=40.0, metric="end_to_end", threshold=600.0, **stream):
    """Only the primary answers (a constant first token), and it streams."""
    p = data["matrix"]["paths"][0]
    p["latency"] = {"distribution": {"kind": "constant", "ms": ttft}}
    p["stream"] = {"duration": duration, **stream}
    data["context"]["slo"]["metric"] = metric
    data["context"]["slo"]["threshold_ms"] = threshold
    return Design.from_dict(data)


def test_time_to_last_token_is_first_token_plus_duration(quiet_data):
    d = streaming(quiet_data, {"p50_ms": 500, "p99_ms": 1500}, threshold=1000)
    n = 200_000
    r = simulate(d, n, seed=1)
    sigma = math.log(3) / Z99
    G = lambda x: PHI(math.log(x / 500) / sigma)
    # the end-to-end SLO counts a request good when its last token comes before 1000 ms
    want = G(1000 - 40)
    assert r.slo_attainment == pytest.approx(want, abs=binom_tol(want, n))
    assert r.numbers.slo_attainment_ttlt == r.slo_attainment
    assert r.numbers.slo_attainment_ttft == 1.0
    assert r.numbers.ttft_ms.p99 == pytest.approx(40, rel=2e-4)
    assert r.numbers.ttlt_ms.p50 == pytest.approx(540, rel=0.01)
    assert r.percentiles == r.ttlt_percentiles            # the SLO's metric
    assert r.cdf(40 + 500) == pytest.approx(0.5, abs=0.005)
    # the same run under a first-token SLO
    quiet_data["context"]["slo"]["metric"] = "time_to_first_token"
    r2 = simulate(Design.from_dict(quiet_data), n, seed=1)
    assert r2.slo_attainment == 1.0 and r2.percentiles == r2.ttft_percentiles


def test_a_stream_that_breaks_leaves_a_partial_answer(quiet_data):
    e, s, T = 0.02, 0.03, 2000.0
    d = streaming(quiet_data, {"distribution": {"kind": "constant", "ms": 500}},
                  midstream_error_rate=e, stall_rate=s, stall_timeout_ms=T)
    n = 200_000
    r = simulate(d, n, seed=2)
    num = r.numbers
    # no fallback after the first token: the primary served everyone, a share e + s partially
    assert r.path("primary").share == 1.0 and r.path("cache").reach == 0
    assert num.partial_share == pytest.approx(e + s, abs=binom_tol(e + s, n))
    assert num.streaming.broken_share == num.partial_share
    # end-to-end SLO at 600 ms: only complete answers count, however early a partial one ends
    assert r.slo_attainment == pytest.approx(1 - num.partial_share, abs=1e-12)
    # errors end uniformly in [40, 540] ms, stalls in [2040, 2540] ms (the stall timeout later)
    broken_before_540 = e
    q = 0.99
    below = (1 - e - s) + broken_before_540
    assert num.ttlt_ms.p99 == pytest.approx(40 + T + 500 * (q - below) / s, rel=0.01)
    # a continuation would cost one call per broken stream, at the primary's price
    st = num.streaming
    assert not st.continuation
    assert st.continuation_calls_per_request == pytest.approx(e + s, abs=binom_tol(e + s, n))
    assert st.continuation_cost_per_1m_requests_usd == pytest.approx(1200 * st.continuation_calls_per_request)
    assert r.cost_per_1m_requests_usd == pytest.approx(1200)     # not spent: continuation is off
    # … and finish them at the same 580 ms (error: 40 + f·500 + 40 + (1 − f)·500) or 2580 ms (stall),
    # complete unless the continuation breaks too (probability e + s)
    assert st.continuation_complete_share == pytest.approx(1 - e - s, abs=0.01)
    assert st.continuation_ttlt_ms.p50 == pytest.approx(2580, rel=2e-4)   # 60% of broken streams stalled
    assert st.continuation_ttlt_ms.p95 == pytest.approx(2580, rel=2e-4)
    text = r.to_text()
    assert "left with a partial answer" in text and "would cost $" in text


def test_continuation_on_costs_a_call_and_completes_most(quiet_data):
    e, s = 0.02, 0.03
    d = streaming(quiet_data, {"distribution": {"kind": "constant", "ms": 500}},
                  midstream_error_rate=e, stall_rate=s, stall_timeout_ms=2000, continuation=True)
    n = 200_000
    r = simulate(d, n, seed=3)
    broken = r.numbers.streaming.broken_share
    assert broken == pytest.approx(e + s, abs=binom_tol(e + s, n))
    assert r.path("primary").calls_per_request == pytest.approx(1 + broken, abs=1e-12)
    assert r.cost_per_1m_requests_usd == pytest.approx(1200 * (1 + broken))
    # left partial only when the continuation breaks as well
    assert r.partial_share == pytest.approx((e + s) ** 2, abs=binom_tol((e + s) ** 2, n))
    # an error continued finishes at exactly 580 ms: inside a 600 ms end-to-end SLO
    assert r.slo_attainment == pytest.approx(1 - s - r.partial_share + s * (e + s), abs=binom_tol(s, n))


def test_a_stall_nobody_cuts_never_ends(quiet_data):
    d = streaming(quiet_data, {"distribution": {"kind": "constant", "ms": 500}}, stall_rate=0.01)
    r = simulate(d, 100_000, seed=4)
    assert r.numbers.ttlt_ms.p999 == math.inf
    assert r.numbers.streaming.continuation_calls_per_request == 0     # nothing to continue from
    assert json.dumps(r.to_dict())                                      # ∞ becomes null


def test_numbers_are_typed_frozen_and_consistent(default_data):
    r = simulate(Design.from_dict(default_data), 50_000, seed=1)
    n = r.numbers
    assert isinstance(n, SimulationNumbers) and isinstance(n.latency_ms, Percentiles)
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.slo_attainment = 0.5
    with pytest.raises(TypeError):
        n.share_by_path["primary"] = 1.0
    assert n.latency_ms.as_dict() == r.percentiles
    assert n.slo_metric == "time_to_first_token" and n.streaming is None and n.partial_share == 0
    assert sum(n.share_by_path.values()) == pytest.approx(n.served)
    assert n.calls_per_request == pytest.approx(sum(p.calls_per_request for p in r.paths))
    assert n.cost_per_1m_requests_usd == pytest.approx(sum(n.calls_by_path[p.id] * p.cost_per_1m_usd
                                                           for p in r.design.matrix.paths))
    assert n.error_budget_burn == pytest.approx((1 - n.slo_attainment) / 0.001)
    assert n.path("cache").share == r.path("cache").share
    assert dict(n.mode_hits) == r.mode_hits
    json.dumps(n.as_dict())


def test_memory_is_bounded_by_requests_not_simulated_time():
    # 10,000 requests at 10 a day span 1,000 days: per-second state for all of it would be GBs
    code = ("import tracemalloc, fallbackkit as fk\n"
            "from fallbackkit.simulation import simulate\n"
            "d = fk.default_design(); simulate(d, 100, seed=0)\n"
            "tracemalloc.start()\n"
            "r = simulate(d, 10_000, seed=1, rps=10 / 86400, outages=['primary:100h:30m'])\n"
            "print(tracemalloc.get_traced_memory()[1], r.simulated_seconds, r.n_requests)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    peak, span, n = map(float, out.stdout.split())
    assert n == 10_000 and span == pytest.approx(1000 * 86400)
    assert peak < 200e6
