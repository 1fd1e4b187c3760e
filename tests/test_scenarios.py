"""The scenario library: every reference design valid, within its SLO and ceiling, with the
numbers each one is built around (the cadence tracker: tests/test_cadence.py)."""

import ast
import json
import re
from importlib import resources

import pytest

import fallbackkit as fk
from fallbackkit import cadence, scenarios

# scenario -> (worst-case chain ms, SLO threshold ms, blended $ per 1M calls)
EXPECTED = {
    "support-chat": (142, 150, 1200.64),
    "code-assistant": (905, 1000, 13507.55),
    "voice-assistant": (385, 400, 552.45),
    "rag-search": (2355, 2500, 850.49),
    "regulated-claims": (1855, 2000, 11622.40),
    "batch-summarisation": (42200, 60000, 315.63),
}
VAGUE = re.compile(r"\b(improv\w*|better|robust\w*|reliab\w*|seamless\w*|low cost)\b", re.I)


@pytest.fixture(scope="module", params=scenarios.names())
def loaded(request):
    return request.param, scenarios.load(request.param)


def test_library_has_the_six_products():
    assert scenarios.names() == list(EXPECTED)
    assert scenarios.CAPSTONE in scenarios.names()


def test_reference_design_is_valid_and_within_slo_and_ceiling(loaded):
    name, d = loaded
    assert d.problems() == []
    b = d.budget()
    worst, threshold, cost = EXPECTED[name]
    assert b.worst_case_ms == pytest.approx(worst)
    assert d.context.slo.threshold_ms == threshold
    assert b.blended_cost_per_1m_usd == pytest.approx(cost, abs=0.01)
    assert b.blended_cost_per_1m_usd <= d.context.cost_ceiling_per_1m_usd
    assert not b.over_budget
    assert all(r.timeout_fits for r in b.rows)
    assert b.unserved < 1e-9
    assert b.retry_share <= b.retry_budget


def test_simulated_design_meets_its_slo_and_ceiling(loaded):
    # the simulator injects every failure mode at its occurrence and routes it to its mitigation
    name, d = loaded
    r = fk.simulate(d, n_requests=100_000, seed=7)
    assert r.slo_attainment >= d.context.slo.percentile / 100, name
    assert r.cost_per_1m_usd <= d.context.cost_ceiling_per_1m_usd, name
    # a last path's tail past its timeout may leave a handful in 10^5 unserved (batch: extractive, 200 → 500 ms)
    assert r.unserved <= 5e-5, name
    assert r.retry_share <= r.retry_budget


def test_numbers_are_consistent(loaded):
    name, d = loaded
    for p in d.matrix.paths:
        if p.price_per_call_usd is not None:
            assert p.price_per_call_usd * 1e6 == pytest.approx(p.cost_per_1m_usd), p.id
        if p.timeout_ms is not None and p.latency.p50_ms is not None:
            assert p.timeout_ms >= p.latency.p50_ms, f"{p.id}: a timeout under p50 cuts half the traffic"
    assert d.workflow.path_order() == d.matrix.ids
    assert set(d.matrix.ids) == d.workflow.invoked_paths
    assert d.taxonomy.modes and all(m.id in d.workflow.handled_modes for m in d.taxonomy.modes)


def test_severities_metric_defined_and_free_text_quantified(loaded):
    _, d = loaded
    assert sorted(d.taxonomy.severity_levels) == ["P0", "P1", "P2", "P3"]
    for level, s in d.taxonomy.severity_levels.items():
        assert re.search(r"\d", s.criterion), level
    texts = [d.context.description] + [p.effort for p in d.matrix.paths] \
        + [m.user_effect for m in d.taxonomy.modes] + [m.mitigation.note for m in d.taxonomy.modes]
    assert [t for t in texts if VAGUE.search(t or "")] == []


def test_loop_measures_time_to_resolve_as_median_and_p90(loaded):
    _, d = loaded
    ttr = next(m for m in d.postmortem.metrics if m.name == "time_to_resolve")
    assert {"median", "p90"} <= set(ttr.statistics)
    s = next(x for x in d.postmortem.measure().metrics if x.name == "time_to_resolve")
    assert s.count >= 5 and s.median <= s.p90
    assert cadence.track(d, day=3).completed == 5


def test_each_scenario_has_its_constraint():
    code = scenarios.load("code-assistant")
    assert code.context.slo.metric == "time_to_first_token"
    voice = scenarios.load("voice-assistant")
    assert voice.context.slo.threshold_ms == 400 and all(p.retry is None for p in voice.matrix.paths)
    # the primary declares groq 70B's TTFT as LLMPerf measured it (p50 222, p95 304, p99 350 ms)
    lat = voice.matrix.primary.latency
    assert (lat.p50_ms, lat.p95_ms, lat.p99_ms) == (222, 304, 350)
    rag = scenarios.load("rag-search")
    store = rag.taxonomy.mode("vector-store-down")
    assert store.category == "dependency_failure" and store.mitigation.path != rag.matrix.primary.id
    reg = scenarios.load("regulated-claims")
    human = [p for p in reg.matrix.paths if p.kind == "human"]
    assert len(human) == 1
    for m in reg.taxonomy.modes:
        if m.category == "policy_violation":
            assert m.mitigation.path == human[0].id
    # the description states the declared and the simulated cost; keep the prose true
    assert f"${reg.budget().blended_cost_per_1m_usd:,.0f}" in reg.context.description
    sim = fk.simulate(reg, n_requests=200_000, seed=7)
    assert f"${sim.cost_per_1m_usd:,.0f}" in reg.context.description
    assert f"{100 * sim.path('licensed_agent').share:.1f}% of requests" in reg.context.description
    batch = scenarios.load("batch-summarisation")
    b = batch.budget()
    assert batch.matrix.primary.retry.max_retries == 2
    assert b.retry_share == pytest.approx(0.002 + 0.002 ** 2, abs=1e-9)
    # cost dominates: the chain costs 6% of what a large model ($5,250 per 1M) would
    assert b.blended_cost_per_1m_usd / 5250 == pytest.approx(0.0601, abs=1e-4)


def test_slo_override_replaces_only_the_context_slo():
    d = scenarios.load("support-chat", slo_threshold_ms=120)
    assert d.context.slo.threshold_ms == 120 and d.context.slo.percentile == 99.9
    assert d.budget().verdict == "over budget: worst-case chain 142 ms vs 120 ms (by 22 ms)"
    assert scenarios.load("support-chat").context.slo.threshold_ms == 150
    d = scenarios.load("rag-search", slo_percentile=99.5)
    assert d.context.slo.percentile == 99.5


def test_bad_override_and_unknown_name_are_clear():
    with pytest.raises(fk.DesignError) as err:
        scenarios.load("support-chat", slo_percentile=150)
    assert "context.slo.percentile" in str(err.value) and "less than 100" in str(err.value)
    with pytest.raises(scenarios.UnknownScenarioError) as err:
        scenarios.load("support_chat")
    assert "unknown scenario 'support_chat'; expected one of: support-chat, code-assistant" in str(err.value)


def test_catalog_rows_are_computed():
    rows = {r["scenario"]: r for r in scenarios.catalog()}
    assert rows["voice-assistant"]["worst-case ms"] == 385
    assert rows["regulated-claims"]["blended $/1M"] == 11622.4
    assert "batch-summarisation" in scenarios.catalog_text()


# -- the capstone exercise runs on every scenario ------------------------------------------------
def capstone_tables() -> tuple[dict, dict]:
    """PRICES (model -> $ per 1M input, output tokens) and TOKENS (scenario -> tokens per request)
    as the packaged capstone defines them (tools/make_solution_notebooks.py writes that cell)."""
    nb = json.loads((resources.files("fallbackkit") / "data" / "solutions" / "ex5_capstone.ipynb").read_text())
    tables = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] in (["PRICES"], ["TOKENS"]):
                tables[node.targets[0].id] = ast.literal_eval(node.value)
    return tables["PRICES"], tables["TOKENS"]


@pytest.mark.parametrize("name", scenarios.names())
def test_the_capstone_can_price_every_scenario(name):
    # ex5 Q1 prices the primary at the scenario's tokens per request and picks the most capable model
    # that leaves 10% of the cost ceiling: a scenario missing from TOKENS, or one whose ceiling no model
    # fits, breaks `fallbackkit run ex5_capstone.ipynb --scenario NAME` (and run-all --scenarios all)
    prices, tokens = capstone_tables()
    assert name in tokens, f"add {name!r} to TOKENS in tools/make_solution_notebooks.py, then `make solutions exercises`"
    i, o = tokens[name]
    ceiling = scenarios.load(name).context.cost_ceiling_per_1m_usd
    cheapest = min(i * a + o * b for a, b in prices.values())
    assert cheapest <= 0.9 * ceiling, (f"{name}: the cheapest capstone model costs ${cheapest:,.2f} per 1M calls at "
                                       f"{i}+{o} tokens, over 90% of the ${ceiling:,.0f} ceiling")
