"""The critique's rubric: reference designs score well, and every rubric check has a flawed design.

Each flawed design below is the worked example with ONE deliberate flaw; it must trigger
its check at the stated field path and no blocking finding of any other check.
"""

import json
from pathlib import Path

import pytest

import fallbackkit as fk
from fallbackkit.review import (CHECKS, CRITERIA, SimulatedNumbers, critique, metric_driven,
                                  unquantified_claims)

from cli_run import run
from mutations import REFERENCE, design_of, drop_modes, path

ROOT = Path(__file__).resolve().parent.parent


# -- reference designs ----------------------------------------------------------------------
@pytest.mark.parametrize("path", REFERENCE, ids=[p.stem for p in REFERENCE])
def test_reference_design_scores_at_least_strong_everywhere(path):
    c = critique(fk.load(path))
    weak = {s.name: s.label for s in c.scores if s.score < 4}
    assert not weak, f"{path.name}: below Strong on {weak}\n{c.to_text()}"
    assert c.passed, "\n".join(map(str, c.blocking))
    assert [s.id for s in c.scores] == list(CRITERIA)


def test_worked_example_values():
    c = critique(fk.default_design())
    assert c.numbers == "declared"
    assert {s.id: s.score for s in c.scores} == {
        "slo": 5, "taxonomy": 5, "severity": 5, "budget": 5, "tradeoffs": 5,
        "notation": 5, "fault_tolerance": 5, "loop": 5, "consistency": 5}
    # every severe incident has an action item (INC-5's is AI-6, a detect item); the one note is that a
    # p90 of five incidents is an interpolation (order statistic: the longest of the five)
    assert [(f.check, f.severity, f.location) for f in c.findings] == [("percentile-of-few", "note", "postmortem.metrics")]
    assert "the 5th of 5 (1,650 min, the longest)" in c.findings[0].fix
    assert c.passed and not c.warnings
    texts = [e.text for e in c.score("budget").evidence]
    assert "worst-case chain 142 ms vs 150 ms (declared)" in texts
    assert "cache: 65 ms left, serves 2.08% of traffic, within budget (35 ms to spare)" in texts
    cost = [e.text for e in c.score("tradeoffs").evidence]
    assert "blended cost $1,200.64 per 1M calls (declared) vs ceiling $1,500.00" in cost


# -- one flawed design per check ----------------------------------------------------------
def node(d, nid):
    return next(n for n in d["workflow"]["nodes"] if n["id"] == nid)


def loose_slo_and(fn):
    """Retries on the primary cannot fit 150 ms; give the retry cases a 1 s SLO."""
    def mutate(d):
        d["context"]["slo"]["threshold_ms"] = 1000
        fn(d)
    return mutate


def add_last_path(d):
    d["matrix"]["paths"].append({"id": "apology", "name": "Apology page", "kind": "static_response",
                                 "latency": {"p99_ms": 1}, "cost_per_1m_usd": 0, "coverage_pct": 100,
                                 "quality_delta": -0.9, "effort": "one page"})


def swap_cache_and_rules(d):
    p = d["matrix"]["paths"]
    p[1], p[2] = p[2], p[1]


def unlink_outage_action(d):
    d["postmortem"]["action_items"][3].pop("incident")


LONG = " ".join(["The chat answers billing, account and shipping questions for 40 locales at 60 rps."] * 8)

FLAWS = [
    # (check, mutate, location of the finding)
    ("unquantified-claim", lambda d: d["taxonomy"]["modes"][0]["mitigation"].update(note="the cache fallback improves reliability"),
     "taxonomy.modes[0].mitigation.note"),
    ("not-standalone", lambda d: d["taxonomy"]["modes"][1]["mitigation"].update(note="timeout as in matrix.paths[0], 85 ms"),
     "taxonomy.modes[1].mitigation.note"),
    ("monolithic-text", lambda d: d["context"].update(description=LONG), "context.description"),
    ("dangling-reference", lambda d: d["taxonomy"]["modes"][0]["mitigation"].update(path="gpu"),
     "taxonomy.modes[0].mitigation.path"),
    ("order-mismatch", swap_cache_and_rules, "matrix.paths"),
    ("path-not-in-workflow", add_last_path, "matrix.paths[4]"),
    ("label-mismatch", lambda d: node(d, "call_primary").update(label="Call primary LLM with a 100 ms timeout"),
     "workflow.nodes[3].label"),
    ("slo-vague", lambda d: d["context"]["slo"].update(measurement_point="TBD"), "context.slo.measurement_point"),
    ("too-few-modes", drop_modes, "taxonomy.modes"),
    ("category-gap", lambda d: d["taxonomy"]["modes"][6].update(category="other"), "taxonomy.modes"),
    ("severity-not-metric", lambda d: d["taxonomy"]["severity_levels"]["P2"].update(criterion="noticeable customer impact"),
     "taxonomy.severity_levels.P2.criterion"),
    ("mode-missing-ops", lambda d: d["taxonomy"]["modes"][2]["runbook"].update(steps=[]), "taxonomy.modes[2].runbook.steps"),
    ("mode-missing-ops", lambda d: d["taxonomy"]["modes"][4].update(owner="TBD"), "taxonomy.modes[4].owner"),
    ("mode-missing-ops", lambda d: d["taxonomy"]["modes"][5]["detection"].update(metric="n/a"), "taxonomy.modes[5].detection"),
    ("weak-detection", lambda d: d["taxonomy"]["modes"][0].update(detectability=9), "taxonomy.modes[0].detectability"),
    ("path-without-budget", lambda d: path(d, "static").update(latency={"p50_ms": 2}), "matrix.paths[3].latency"),
    ("chain-over-budget", lambda d: path(d, "static").update(latency={"distribution": {"kind": "constant", "ms": 20}}),
     "matrix.paths[3].latency"),
    ("timeout-exceeds-deadline", lambda d: path(d, "static").update(timeout_ms=50), "matrix.paths[3].timeout_ms"),
    ("unserved-traffic", lambda d: (path(d, "rule_engine").update(coverage_pct=50), path(d, "static").update(coverage_pct=0)),
     "matrix.paths[3].coverage_pct"),
    ("price-inconsistent", lambda d: path(d, "primary").update(price_per_call_usd=0.0004), "matrix.paths[0].cost_per_1m_usd"),
    ("cost-over-ceiling", lambda d: d["context"].update(cost_ceiling_per_1m_usd=1000), "context.cost_ceiling_per_1m_usd"),
    ("tradeoff-unstated", lambda d: path(d, "cache").update(effort=""), "matrix.paths[1]"),
    ("notation", lambda d: d["workflow"]["edges"][13].update(target="respond"), "workflow.nodes[16]"),
    ("retry-storm", loose_slo_and(lambda d: path(d, "primary").update(
        retry={"max_retries": 4, "on": ["resource_exhaustion", "dependency_failure"]})), "matrix.paths"),
    ("retry-non-retryable", loose_slo_and(lambda d: path(d, "primary").update(
        retry={"max_retries": 1, "on": ["dependency_failure", "policy_violation"]})), "matrix.paths[0].retry.on"),
    ("no-timeout", lambda d: path(d, "cache").pop("timeout_ms"), "matrix.paths[1].timeout_ms"),
    ("no-circuit-breaker", lambda d: path(d, "primary").pop("circuit_breaker"), "matrix.paths[0].circuit_breaker"),
    ("mean-only", lambda d: d["postmortem"]["metrics"][3].update(statistics=["mean"]), "postmortem.metrics[3].statistics"),
    ("loop-metric-missing", lambda d: d["postmortem"]["metrics"].pop(0), "postmortem.metrics"),
    ("loop-no-targets", lambda d: [(m.pop("target_median_min"), m.pop("target_p90_min")) for m in d["postmortem"]["metrics"]],
     "postmortem.metrics"),
    ("p0-incident-without-action", unlink_outage_action, "postmortem.incidents[2]"),
    ("incident-without-action", lambda d: d["postmortem"]["action_items"][0].pop("incident") and
     d["postmortem"]["action_items"][1].pop("incident"), "postmortem.incidents[0]"),
]


def test_every_rubric_check_has_a_flawed_design():
    # slo-missed and declared-vs-simulated need simulated numbers: tested below; the classes of flaw a
    # committee catches beyond the rubric have their own designs in test_review_flaws.py
    from test_review_flaws import CLASS_FLAWS
    covered = {c for c, _, _ in FLAWS} | {"slo-missed", "declared-vs-simulated"} | {f[1] for f in CLASS_FLAWS}
    assert covered == set(CHECKS)


@pytest.mark.parametrize("check,mutate,location", FLAWS, ids=[f[0] for f in FLAWS])
def test_flaw_triggers_its_finding_and_no_unrelated_blocking(default_data, check, mutate, location):
    mutate(default_data)
    c = critique(design_of(default_data))
    found = c.by_check(check)
    assert location in [f.location for f in found], f"{check} not at {location}:\n" + "\n".join(map(str, c.findings))
    unrelated = [f for f in c.blocking if f.check != check]
    assert not unrelated, "\n".join(map(str, unrelated))
    f = next(f for f in found if f.location == location)
    assert f.fix and f.message
    assert f.severity == CHECKS[check].severity or check in ("notation", "retry-non-retryable", "unquantified-claim")
    assert f.flaw_class == CHECKS[check].flaw_class
    crit = c.score(CHECKS[check].criterion)
    assert f in crit.findings
    assert crit.score <= (2 if f.blocking else 4), crit
    assert c.passed == (not any(x.blocking for x in found))


def test_retry_share_over_budget_is_a_storm(default_data):
    # one retry on the primary: 2.98% of requests retry (declared), above a 2% budget
    loose_slo_and(lambda d: path(d, "primary").update(retry={"max_retries": 1, "on": ["dependency_failure"]}))(default_data)
    default_data["matrix"]["retry_budget_pct"] = 2
    c = critique(design_of(default_data))
    storm = c.by_check("retry-storm")
    assert [f.location for f in storm] == ["matrix.retry_budget_pct"]
    assert "retries add 2.98% of requests (declared), above the 2% retry budget" in storm[0].message
    assert [f.check for f in c.blocking] == ["retry-storm"]


def test_vague_incident_narrative_warns_but_does_not_block(default_data):
    default_data["postmortem"]["incidents"][0]["resolution"] = "switched to a faster model"
    c = critique(design_of(default_data))
    [f] = c.by_check("unquantified-claim")
    assert f.location == "postmortem.incidents[0].resolution" and not f.blocking and c.passed


def test_price_finding_states_the_right_arithmetic(default_data):
    path(default_data, "primary").update(price_per_call_usd=0.0004)
    f = critique(design_of(default_data)).by_check("price-inconsistent")[0]
    assert "$0.0004 is $400.00 per 1M calls, but cost_per_1m_usd says $1,200.00" in f.message
    assert "cost_per_1m_usd: 400" in f.fix


def test_timeout_finding_names_the_deadline_left(default_data):
    path(default_data, "static").update(timeout_ms=50)
    f = critique(design_of(default_data)).by_check("timeout-exceeds-deadline")[0]
    assert "timeout 50 ms on 'static' is longer than the 10 ms left of the deadline" in f.message
    assert "timeout_ms ≤ 10" in f.fix


def test_action_with_several_incoming_flows_needs_a_merge(default_data):
    default_data["workflow"]["edges"][13]["target"] = "respond"
    c = critique(design_of(default_data))
    f = [f for f in c.by_check("notation") if f.location == "workflow.nodes[16]"][0]
    assert "action 'respond' has 2 incoming flows" in f.message and "merge" in f.fix
    assert c.score("notation").score == 2


# -- simulated numbers --------------------------------------------------------------------
class FakeSimulation:
    """Shaped like a plausible simulator result: attributes, percent shares, per-path rows."""

    def __init__(self, attainment, unserved=0.0):
        self.slo_attainment = attainment
        self.unserved_share = unserved
        self.cost_per_1m_usd = 1190.0
        self.retry_share = 0.0
        self.paths = [{"id": "primary", "share": 93.0, "p99_ms": 85.0}, {"id": "static", "share": 0.001, "p99_ms": 2.0}]


def test_simulated_attainment_below_target_is_slo_missed():
    c = critique(fk.default_design(), simulation=FakeSimulation(99.5))
    assert c.numbers == "simulated"
    assert [f.check for f in c.blocking] == ["slo-missed"]
    assert "simulated: 99.500% of requests within 150 ms, below the 99.9% target" in c.blocking[0].message
    assert c.score("budget").score == 2


def test_simulated_share_far_from_declared_is_flagged():
    sim = SimulatedNumbers(slo_attainment=0.9999, path_share={"primary": 0.883, "cache": 0.0785, "rule_engine": 0.0374})
    c = critique(fk.default_design(), simulation=sim)
    found = c.by_check("declared-vs-simulated")
    assert [f.location for f in found] == ["matrix.paths[0]", "matrix.paths[1]"]  # rule_engine: +2.8 points, under 5
    assert "primary serves 88.3% of traffic simulated but 97% by the declared arithmetic (-8.7 points)" in found[0].message
    assert c.passed and c.score("budget").score == 4


def test_simulated_numbers_replace_declared_ones():
    c = critique(fk.default_design(), simulation=FakeSimulation(0.9995, unserved=0.02))
    assert [f.check for f in c.blocking] == ["unserved-traffic"]
    assert "(simulated)" in c.blocking[0].message
    ev = [e.text for e in c.score("tradeoffs").evidence]
    assert "blended cost $1,190.00 per 1M calls (simulated) vs ceiling $1,500.00" in ev
    assert "simulated attainment 99.950% vs 99.9% target" in [e.text for e in c.score("budget").evidence]


def test_simulated_numbers_from_dict_and_percent():
    s = SimulatedNumbers.from_result({"attainment": 99.95, "unserved": 2.0, "per_path": {"cache": {"share": 4.8, "p99": 30}}})
    assert s.slo_attainment == pytest.approx(0.9995)
    assert s.unserved == pytest.approx(0.02)  # > 1 reads as percent
    assert s.path_share == {"cache": pytest.approx(0.048)} and s.path_p99_ms == {"cache": 30.0}


def test_simulated_p99_gives_a_path_its_budget(default_data):
    path(default_data, "static").update(latency={"p50_ms": 2})
    c = critique(design_of(default_data), simulation=SimulatedNumbers(path_p99_ms={"static": 2.0}))
    assert not c.by_check("path-without-budget")


# -- robustness: designs the model would refuse -------------------------------------------
def test_critique_survives_a_badly_broken_design(default_data):
    drop_modes(default_data)
    default_data["matrix"]["paths"][0]["kind"] = "cache"          # no primary at all
    default_data["workflow"]["nodes"] = [n for n in default_data["workflow"]["nodes"] if n["kind"] != "initial"]
    default_data["taxonomy"]["severity_levels"] = {}
    default_data["postmortem"]["metrics"] = [{"name": "time_to_resolve", "statistics": ["mean"]}]
    c = critique(design_of(default_data))
    assert not c.passed
    assert {"too-few-modes", "notation", "severity-not-metric", "mean-only"} <= c.checks_triggered
    assert min(s.score for s in c.scores) == 1
    json.loads(c.to_json())


def test_empty_matrix_does_not_crash(default_data):
    default_data["matrix"]["paths"] = []
    c = critique(design_of(default_data))
    assert not c.passed


# -- text analysis ------------------------------------------------------------------------
@pytest.mark.parametrize("text,claims", [
    ("Fallback improves reliability.", 1),
    ("The rule engine is cheaper and faster.", 1),
    ("The rule engine is 10 ms faster and costs $5 per 1M calls.", 0),
    ("Reduces out-of-budget latency from 250 ms to 120 ms in 95% of calls.", 0),
    ("Cache then rule engine answer within 150 ms; highly available.", 1),
    ("Trim conversation history to 6 turns before each call", 0),
    ("Hedging the P1 path improves latency at p99.", 1),  # 'P1' and 'p99' are names, not numbers
    ("", 0),
])
def test_unquantified_claims(text, claims):
    assert len(unquantified_claims(text)) == claims


@pytest.mark.parametrize("criterion,ok", [
    ("SLO attainment < 99% over 10 min", True),
    ("error-budget burn rate > 2x over 6 h", True),
    ("any unsafe answer served to a user", True),
    ("major customer impact", False),
    ("P1", False),
])
def test_metric_driven(criterion, ok):
    assert metric_driven(criterion) is ok


@pytest.mark.parametrize("label,ms", [
    ("Call primary LLM with an 85 ms timeout", [85]),
    ("Retrieve and generate with a 1,900 ms timeout", [1900]),
    ("Call the primary with a 10 s timeout", [10000]),
    ("Query the index, timeout of 2.5 s", [2500]),
    ("Receive request; start the 150 ms deadline", []),
])
def test_label_timeouts(label, ms):
    from fallbackkit.review.consistency import _label_timeouts
    assert _label_timeouts(label) == ms


def test_label_stating_seconds_matches_the_matrix(default_data):
    path(default_data, "primary")["timeout_ms"] = 1900
    default_data["context"]["slo"]["threshold_ms"] = 2500
    node(default_data, "call_primary")["label"] = "Call primary LLM with a 1,900 ms timeout"
    assert not critique(design_of(default_data)).by_check("label-mismatch")
    node(default_data, "call_primary")["label"] = "Call primary LLM with a 1.9 s timeout"
    assert not critique(design_of(default_data)).by_check("label-mismatch")


# -- exports and CLI ----------------------------------------------------------------------
def test_exports_round_trip(default_data):
    c = critique(fk.default_design())
    data = json.loads(c.to_json())
    assert data["passed"] is True and len(data["scores"]) == 9
    assert [f["severity"] for f in data["findings"]] == ["note"]
    unlink_outage_action(default_data)  # a warning to export
    finding = json.loads(critique(design_of(default_data)).to_json())["findings"][0]
    assert (finding["criterion"], finding["location"], finding["flaw_class"]) == ("loop", "postmortem.incidents[2]",
                                                                                   "severity_weighting")
    md = c.to_markdown()
    assert "| Budget arithmetic and feasibility | **Very Strong** (5/5) |" in md
    assert "- ✓ worst-case chain 142 ms vs 150 ms \\(declared\\) (`matrix.paths`)" in md
    bundle = c._repr_mimebundle_()
    assert {"text/plain", "text/html", "text/markdown"} <= set(bundle)
    assert "<script" not in bundle["text/html"]


def test_markdown_escapes_design_text(default_data):
    default_data["context"]["name"] = "Chat <b>$5</b>"
    default_data["taxonomy"]["modes"][0]["mitigation"]["note"] = "<script>x</script> is faster | *really*"
    md = critique(design_of(default_data)).to_markdown()
    assert "<script" not in md and "<b>" not in md and "&lt;script&gt;" in md
    assert md.startswith("# Critique of Chat &lt;b&gt;\\$5&lt;/b&gt; (declared numbers)")
    assert "\\| \\*really\\*" in md


def test_html_escapes_design_text(default_data):
    default_data["taxonomy"]["modes"][0]["mitigation"]["note"] = "<script>x</script> is faster"
    html = critique(design_of(default_data)).to_html()
    assert "<script>x" not in html and "&lt;script&gt;" in html


def test_cli_default_passes_exit_0():
    code, out, err = run("critique", fk.default_design_path(), "--format", "md")
    assert code == 0, err
    assert out.startswith("# Critique of Support chat assistant (declared numbers): passes, 0 warnings, 1 note")


def test_cli_blocking_finding_exit_1(default_data, write_design):
    path(default_data, "primary").update(price_per_call_usd=0.0004)
    default_data["taxonomy"]["modes"] = default_data["taxonomy"]["modes"][:4]  # validation would refuse this
    drop_modes(default_data)
    code, out, err = run("critique", str(write_design(default_data)), "--format", "json")
    assert code == 1, err
    data = json.loads(out)
    assert data["passed"] is False
    assert {f["check"] for f in data["findings"] if f["severity"] == "blocking"} == {"price-inconsistent", "too-few-modes"}


def test_cli_unreadable_exit_2(default_data, write_design):
    default_data["matrix"]["paths"][0]["timeout_ms"] = "fast"
    code, out, err = run("critique", str(write_design(default_data)))
    assert code == 2
    assert "matrix.paths[0].timeout_ms" in err and "Traceback" not in err


def test_critique_with_the_real_simulator():
    """Runs once the simulator (fallbackkit.simulation) is merged; skipped before."""
    sim_mod = pytest.importorskip("fallbackkit.simulation")
    d = fk.default_design()
    result = sim_mod.simulate(d, 20_000, seed=1)
    nums = SimulatedNumbers.from_result(result)
    assert set(nums.path_share) == set(d.matrix.ids) == set(nums.path_p99_ms)
    assert nums.slo_attainment == pytest.approx(result.slo_attainment)
    assert sum(nums.path_share.values()) == pytest.approx(1 - result.unserved)
    c = critique(d, simulation=result)
    assert c.numbers == "simulated" and c.passed
    assert all(s.at_least_strong for s in c.scores)
    # the declared arithmetic only bounds the primary's timeout cut from below; the simulator sizes it
    assert [f.location for f in c.by_check("declared-vs-simulated")][0] == "matrix.paths[0]"
    assert any("(simulated)" in e.text for e in c.score("tradeoffs").evidence)
    assert SimulatedNumbers.from_result(result.to_dict()).path_share == pytest.approx(nums.path_share)
    # the simulator's typed numbers are read directly, and agree with the dict form
    typed = SimulatedNumbers.from_result(result.numbers)
    assert typed.path_share == nums.path_share and typed.requests == 20_000


def test_cli_simulate_option():
    try:
        import fallbackkit.simulation  # noqa: F401
        has_sim = True
    except ImportError:
        has_sim = False
    code, out, err = run("critique", fk.default_design_path(), "--simulate", "20000", "--seed", "1", "--format", "json")
    if has_sim:
        assert code == 0, err
        assert json.loads(out)["numbers"] == "simulated"
    else:
        assert code == 2 and "--simulate needs the simulator" in err and "Traceback" not in err
    code, out, err = run("critique", fk.default_design_path(), "--simulate", "0")
    assert code == 2 and "expected a whole number of requests > 0" in err


def test_frames():
    pytest.importorskip("pandas")
    c = critique(fk.default_design())
    df = c.to_frame()
    assert df.loc["Learning loop and metric validity", "label"] == "Very Strong"
    assert df["warnings"].sum() == 0 and df["blocking"].sum() == 0 and df["notes"].sum() == 1
    assert list(c.findings_frame()["check"]) == ["percentile-of-few"]


def test_sibling_branches_have_no_order_and_calls_follow_one_route():
    """A decision routing policy violations, overflows and errors to different providers: a request
    meets one of them, so neither their matrix order nor the sum of their calls is held against it."""
    f = ROOT / "tests" / "data" / "router_design.yaml"
    if not f.exists():
        pytest.skip("router test design not present")
    c = critique(fk.load(f))
    assert not c.by_check("order-mismatch")
    [storm] = c.by_check("retry-storm")
    # primary: 3 attempts × 2 (hedged) = 6, then backup: 2 attempts; the other branches are not on that route
    assert "one request can cause 8 provider calls via primary → backup" in storm.message


def test_retry_storm_names_its_route(default_data):
    loose_slo_and(lambda d: path(d, "primary").update(retry={"max_retries": 4, "on": ["dependency_failure"]}))(default_data)
    [f] = critique(design_of(default_data)).by_check("retry-storm")
    assert f.message.startswith("one request can cause 5 provider calls via primary ")
