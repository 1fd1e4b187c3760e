"""The model's arithmetic and views on the worked example, checked against hand arithmetic."""


import pytest

import fallbackkit as fk
from fallbackkit.matrix import LatencySpec, RetryPolicy


@pytest.fixture(scope="module")
def design():
    return fk.default_design()


def test_default_design_is_valid_and_complete(design):
    assert design.problems() == []
    assert len(design.taxonomy.modes) >= 5
    assert {m.severity for m in design.taxonomy.modes} <= {"P0", "P1", "P2", "P3"}
    assert str(design.context.slo) == ("99.9% of time to first token in < 150 ms, "
                                       "measured at the API gateway, over 28 days")
    assert design.context.slo.error_budget == pytest.approx(0.001)


def test_budget_arithmetic_matches_hand_computation(design):
    b = design.budget()
    rows = {r.id: r for r in b.rows}
    # primary: timeout 85 ms sits between p95 (75) and p99 (250) → at least 1% cut; 2% errors
    p_serve = 1.0 * (1 - 0.02) * (1 - 0.01)
    assert rows["primary"].share == pytest.approx(p_serve)
    reach_cache = 1 - p_serve
    assert rows["cache"].reach == pytest.approx(reach_cache)
    assert rows["cache"].share == pytest.approx(reach_cache * 0.70 * (1 - 0.001))
    # deadlines: 150 − 85 = 65 ms left for the cache, 65 − 30 = 35 for the rule engine
    assert rows["cache"].deadline_left_ms == 65
    assert rows["rule_engine"].deadline_left_ms == 35
    assert rows["static"].deadline_left_ms == 10
    # worst case: 85 + 30 + 25 + 2 = 142 ms
    assert b.worst_case_ms == 142
    assert b.verdict == "within budget: worst-case chain 142 ms vs 150 ms"
    assert rows["rule_engine"].verdict == "within budget (15 ms to spare)"
    assert b.served == pytest.approx(1.0)
    cost = 1200 + reach_cache * 20 + rows["rule_engine"].reach * 5 + rows["static"].reach * 0.1
    assert b.blended_cost_per_1m_usd == pytest.approx(cost)
    assert b.retry_share == 0


def test_timeout_beyond_deadline_and_over_budget_verdicts(design):
    m = design.matrix.model_copy(deep=True)
    m.paths[0].timeout_ms = 140  # leaves 10 ms for a 30 ms cache
    b = m.budget(design.context.slo)
    rows = {r.id: r for r in b.rows}
    assert not rows["cache"].timeout_fits
    assert rows["cache"].over_by_ms == 140 + 30 - 150
    assert rows["cache"].verdict == "over budget by 20 ms"
    assert b.verdict.startswith("over budget: worst-case chain 197 ms")
    assert any("cache: timeout 30 ms exceeds the 10 ms left" in s for s in b.summary_lines())


def test_retries_count_against_the_retry_budget(design):
    m = design.matrix.model_copy(deep=True)
    m.paths[0].retry = RetryPolicy(max_retries=2, backoff_base_ms=10, backoff_max_ms=15)
    b = m.budget(design.context.slo)
    miss = 1 - 0.98 * 0.99
    assert b.retry_share == pytest.approx(miss + miss ** 2)
    # give-up time of the primary: 3 attempts × 85 ms + backoff 10 + 15 (capped)
    assert m.paths[0].give_up_ms() == 3 * 85 + 10 + 15
    assert b.rows[1].deadline_left_ms == 150 - 280
    m.retry_budget_pct = 2
    assert m.budget(design.context.slo).retry_share > 0.02
    assert "(over budget)" in "\n".join(m.budget(design.context.slo).summary_lines())


def test_latency_spec_tail_from_distributions():
    spec = LatencySpec(distribution={"kind": "shifted", "floor_ms": 20,
                                     "base": {"kind": "lognormal", "p50_ms": 10, "p99_ms": 60}})
    assert spec.tail_ms == 80
    mix = LatencySpec(distribution={"kind": "mixture", "components": [
        {"weight": 0.9, "dist": {"kind": "constant", "ms": 5}},
        {"weight": 0.1, "dist": {"kind": "constant", "ms": 500}}]})
    assert mix.tail_ms == 500
    assert LatencySpec(distribution={"kind": "profile", "name": "x"}).tail_ms is None


def test_postmortem_metrics_median_and_p90(design):
    m = {s.name: s for s in design.postmortem.measure().metrics}
    ttr = m["time_to_resolve"]
    # resolve minutes of INC-1..5: 73, 65, 22, 3000, 200
    assert ttr.count == 5
    assert ttr.median == 73
    assert ttr.p90 == pytest.approx(200 + 0.6 * (3000 - 200))
    assert ttr.mean == pytest.approx((73 + 65 + 22 + 3000 + 200) / 5)
    assert ttr.meets_target is False
    # INC-5 has no mitigation stamp: missing, never zero
    assert m["time_to_mitigate"].count == 4 and m["time_to_mitigate"].missing == 1


def test_views_text_html_and_frame(design):
    assert "latency-breach" in str(design.taxonomy)
    frame = design.taxonomy.to_frame()
    assert list(frame.index)[:2] == ["latency-breach", "rate-limited"]
    assert design.matrix.to_frame().loc["cache", "coverage %"] == 70
    assert "<table>" in design.matrix._repr_mimebundle_()["text/html"]
    # the workflow's Mermaid view and path order: tests/test_diagrams.py, tests/test_workflow.py


def test_user_text_is_escaped_in_html(design):
    d = design.model_copy(deep=True)
    d.taxonomy.modes[0].name = "<script>alert(1)</script>"
    assert "<script>" not in d.taxonomy.to_html()
    assert "&lt;script&gt;" in d.taxonomy.to_html()
    # the same in Mermaid labels: tests/test_diagrams.py


def test_standalone_matrix_carries_the_slo(design, tmp_path):
    m = design.standalone("matrix")
    assert m.slo == design.context.slo
    m.save(tmp_path / "matrix.yaml")
    again = fk.LatencyBudgetMatrix.load(tmp_path / "matrix.yaml")
    assert again.budget().worst_case_ms == 142
    with pytest.raises(KeyError):
        design.standalone("deck")


@pytest.mark.parametrize("name,cls", [("taxonomy", fk.FailureTaxonomy), ("workflow", fk.RecoveryWorkflow),
                                      ("postmortem", fk.PostMortemLoop), ("context", fk.ProductContext)])
def test_each_artifact_saves_and_loads_alone(design, tmp_path, name, cls):
    art = design.standalone(name)
    for ext in ("yaml", "json"):
        path = tmp_path / f"{name}.{ext}"
        art.save(path)
        assert cls.load(path) == art
