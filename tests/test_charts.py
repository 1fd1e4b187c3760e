"""fallbackkit.charts: the simulation's charts, rendered offline (no CDN, no network)."""

import pytest

import fallbackkit as fk
from fallbackkit import charts
from fallbackkit.simulation import simulate, sweep_coverage


@pytest.fixture(scope="module")
def result():
    return simulate(fk.default_design(), 30_000, seed=1)


def test_charts_render_offline(result):
    cdf = charts.latency_cdf(result).to_dict()
    rule = [layer for layer in cdf["layer"] if layer["mark"]["type"] == "rule"]
    assert any(v.get("threshold_ms") == 150 for layer in rule for v in layer["data"]["values"])
    paths = {v["path"] for v in cdf["layer"][0]["data"]["values"]}
    assert paths == {"all requests", "primary", "cache", "rule_engine", "static"}
    text = charts.svg(charts.latency_cdf(result))
    assert text.startswith("<svg") and "http" not in text.replace("http://www.w3.org", "")


def test_tail_chart_draws_each_path_that_serves_the_tail(result):
    shares = result.tail_shares(0.99)
    bars = charts.tail_share(result).to_dict()
    assert {v["path"] for v in bars["data"]["values"]} == {p for p, share in shares.items() if share > 0}


def test_cost_vs_coverage_is_two_charts_side_by_side():
    rows = sweep_coverage(fk.default_design(), "cache", [0, 100], n_requests=20_000, seed=1)
    cc = charts.cost_vs_coverage(rows, "cache").to_dict()
    assert len(cc["hconcat"]) == 2
