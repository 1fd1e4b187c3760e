"""Latency models against closed forms, and the bundled real profiles."""

import math

import numpy as np
import pytest

import fallbackkit as fk
from fallbackkit import latency
from fallbackkit.problems import DesignError

Z99 = 2.3263478740408408
Z999 = 3.090232306167813


def test_fit_lognormal_closed_form():
    mu, sigma = latency.fit_lognormal(40, 180)
    assert mu == pytest.approx(math.log(40))
    assert sigma == pytest.approx(math.log(180 / 40) / Z99)
    # the p99.9 follows from the fit: 40·(180/40)^(z99.9/z99)
    assert latency.lognormal_quantile(40, 180, 0.999) == pytest.approx(40 * 4.5 ** (Z999 / Z99), rel=1e-9)
    assert latency.lognormal_quantile(40, 180, 0.999) == pytest.approx(294.96, abs=0.01)


def test_lognormal_samples_hit_their_percentiles():
    s = latency.sampler({"kind": "lognormal", "p50_ms": 40, "p99_ms": 180})
    x = s.sample(np.random.default_rng(1), 400_000)
    p50, p99 = np.percentile(x, [50, 99])
    assert p50 == pytest.approx(40, rel=0.01)
    assert p99 == pytest.approx(180, rel=0.02)
    assert s.quantile(0.99) == pytest.approx(180)


def test_declared_percentiles_are_reproduced_exactly():
    lat = fk.LatencySpec(p50_ms=70, p95_ms=110, p99_ms=400)
    s = latency.for_latency(lat)
    assert s.quantile(0.5) == pytest.approx(70)
    assert s.quantile(0.95) == pytest.approx(110)
    assert s.quantile(0.99) == pytest.approx(400)
    x = s.sample(np.random.default_rng(2), 400_000)
    assert np.percentile(x, 95) == pytest.approx(110, rel=0.01)
    assert np.percentile(x, 99) == pytest.approx(400, rel=0.03)
    # two declared percentiles give exactly the lognormal through them
    two = latency.for_latency(fk.LatencySpec(p50_ms=40, p99_ms=180))
    assert two.quantile(0.999) == pytest.approx(latency.lognormal_quantile(40, 180, 0.999))
    assert latency.for_latency(fk.LatencySpec(p99_ms=12)).quantile(0.3) == 12


def test_shifted_and_mixture():
    s = latency.sampler({"kind": "shifted", "floor_ms": 20,
                         "base": {"kind": "lognormal", "p50_ms": 10, "p99_ms": 60}})
    assert s.quantile(0.99) == pytest.approx(80)
    x = s.sample(np.random.default_rng(0), 10_000)
    assert x.min() > 20
    m = latency.sampler({"kind": "mixture", "components": [
        {"weight": 0.9, "dist": {"kind": "constant", "ms": 5}},
        {"weight": 0.1, "dist": {"kind": "constant", "ms": 500}}]})
    y = m.sample(np.random.default_rng(0), 100_000)
    assert set(np.unique(y)) == {5.0, 500.0}
    assert (y == 500).mean() == pytest.approx(0.1, abs=0.004)   # 4 sigma of a binomial share


def test_profiles_are_real_measurements():
    names = latency.profiles()
    assert "groq_70b_ttft" in names and "replicate_70b_e2e" in names
    assert len(names) == 38   # 19 provider/size runs × (ttft, e2e)
    raw = latency.load_profile("groq_70b_ttft")
    assert len(raw) == 150 and np.all(np.diff(raw) >= 0)
    assert np.median(raw) == pytest.approx(221.9, abs=0.5)   # llmperf summary: p50 ttft 0.2219 s
    s = latency.sampler({"kind": "profile", "name": "groq_70b_ttft", "scale": 0.5})
    x = s.sample(np.random.default_rng(0), 50_000)
    assert x.min() >= raw.min() * 0.5 and x.max() <= raw.max() * 0.5
    assert np.median(x) == pytest.approx(np.median(raw) * 0.5, rel=0.02)
    info = latency.profile_info("bedrock_13b_e2e")
    assert info["errors"] == 97 and "Apache-2.0" in info["source"]


def test_profile_attribution_ships_beside_the_data():
    from importlib import resources
    folder = resources.files("fallbackkit") / "data" / "profiles"
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "llmperf-leaderboard" in (folder / "NOTICE").read_text()


def test_unknown_profile_name_is_a_problem():
    with pytest.raises(DesignError) as err:
        latency.sampler({"kind": "profile", "name": "groq_7b_ttft"})
    msg = str(err.value)
    assert "unknown latency profile 'groq_7b_ttft'" in msg and "groq_70b_ttft" in msg


def test_p99_below_p50_is_a_problem():
    with pytest.raises(DesignError) as err:
        latency.fit_lognormal(100, 50)
    assert err.value.problems[0].path == "p99_ms"
    assert "below p50_ms" in err.value.problems[0].message
    with pytest.raises(DesignError) as err:
        latency.sampler({"kind": "lognormal", "p50_ms": 100, "p99_ms": 50})
    assert "p99_ms (50) is below p50_ms (100)" in str(err.value)
