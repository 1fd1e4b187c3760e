"""The critique scores designs the way a committee would, and every check has a flawed design.

Each flawed design below is the worked example with ONE deliberate flaw; it must trigger
its check at the stated field path and no blocking finding of any other check.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import fallbackkit as fk
from fallbackkit.review import (CHECKS, CRITERIA, SimulatedNumbers, critique, metric_driven,
                                  unquantified_claims)
from fallbackkit.design import Design
from mutations import drop_modes

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "fallbackkit" / "data" / "scenarios").glob("*.yaml"))
REFERENCE = [Path(fk.default_design_path())] + SCENARIOS


def design_of(data: dict) -> Design:
    return Design.from_dict(data, "flawed.yaml", check=False)


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
    # every severe incident has an action item (INC-5's is AI-6, a detect item): nothing to flag
    assert c.findings == []
    assert c.passed and not c.warnings
    texts = [e.text for e in c.score("budget").evidence]
    assert "worst-case chain 142 ms vs 150 ms (declared)" in texts
    assert "cache: 65 ms left, serves 2.08% of traffic, within budget (35 ms to spare)" in texts
    cost = [e.text for e in c.score("tradeoffs").evidence]
    assert "blended cost $1,200.64 per 1M calls (declared) vs ceiling $1,500.00" in cost


# -- one flawed design per check ----------------------------------------------------------
def path(d, pid):
    return next(p for p in d["matrix"]["paths"] if p["id"] == pid)


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
    ("incident-without-action", unlink_outage_action, "postmortem.incidents[2]"),
]


def test_every_check_has_a_flawed_design():
    # slo-missed and declared-vs-simulated need simulated numbers: tested below
    covered = {c for c, _, _ in FLAWS} | {"slo-missed", "declared-vs-simulated"}
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
    assert data["passed"] is True and len(data["scores"]) == 9 and data["findings"] == []
    unlink_outage_action(default_data)  # a warning to export
    finding = json.loads(critique(design_of(default_data)).to_json())["findings"][0]
    assert (finding["criterion"], finding["location"]) == ("loop", "postmortem.incidents[2]")
    md = c.to_markdown()
    assert "| Budget arithmetic and feasibility | **Very Strong** (5/5) |" in md
    assert "- ✓ worst-case chain 142 ms vs 150 ms (declared) (`matrix.paths`)" in md
    bundle = c._repr_mimebundle_()
    assert {"text/plain", "text/html", "text/markdown"} <= set(bundle)
    assert "<script" not in bundle["text/html"]


def test_html_escapes_design_text(default_data):
    default_data["taxonomy"]["modes"][0]["mitigation"]["note"] = "<script>x</script> is faster"
    html = critique(design_of(default_data)).to_html()
    assert "<script>x" not in html and "&lt;script&gt;" in html


def run(*args):
    proc = subprocess.run([sys.executable, "-m", "fallbackkit", *args], capture_output=True, text=True)
    return proc.returncode, proc.stdout, proc.stderr


def test_cli_default_passes_exit_0():
    code, out, err = run("critique", fk.default_design_path(), "--format", "md")
    assert code == 0, err
    assert out.startswith("# Critique of Support chat assistant (declared numbers): passes, 0 warnings")


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


# -- mock interview -----------------------------------------------------------------------
from fallbackkit.interview import NO_ANSWER, MockInterview  # noqa: E402


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_interview_asks_the_design_own_tradeoffs_with_computed_hints():
    iv = MockInterview(fk.default_design())
    qs = {q.id: q for q in iv.questions()}
    assert [s.artifact for s in iv.sessions] == ["taxonomy", "matrix", "workflow", "postmortem"]
    # the worked example has no finding, so the loop session asks its three trade-off questions only
    assert [len(s.questions) for s in iv.sessions] == [4, 4, 4, 3]
    q = qs["matrix.rule-engine-vs-llm"]
    assert q.text == "Why a rule engine over a second-stage LLM? Quantify."
    assert "p99 20 ms, $5.00 per 1M" in q.hint and "35 ms of the deadline left" in q.hint
    assert "at least 1% of calls" in qs["matrix.primary-timeout"].hint
    assert qs["matrix.primary-timeout"].text.startswith("Why cut the primary at 85 ms when its p99 is 250 ms?")
    assert "worst case without it 57 ms vs 150 ms" in qs["workflow.breaker"].hint
    assert "median 73 min, p90 1880 min, mean 672 min" in qs["postmortem.median-not-mean"].hint
    assert not any(q.source.startswith("finding:") for q in qs.values())
    # every rubric criterion is probed by some question
    assert {q.criterion for q in qs.values()} == set(CRITERIA)


def test_weakest_findings_lead_their_session(default_data):
    path(default_data, "primary").update(price_per_call_usd=0.0004)
    iv = MockInterview(design_of(default_data))
    first = iv.sessions[1].questions[0]
    assert first.source == "finding:price-inconsistent"
    assert "$400.00 per 1M calls" in first.text and "cost_per_1m_usd: 400" in first.hint


def test_scripted_interview_runs_headless_and_scores():
    iv = MockInterview(fk.default_design(), minutes_per_artifact=5)
    card = iv.run_scripted({
        "taxonomy.riskiest-mode": ("Alert on TTFT p99 > 150 ms over 5 min; paged within 5 min.", 250),
        "taxonomy.hardest-to-detect": ("A canary set every 1 min.", 240),  # past 5 minutes: late
        "matrix.rule-engine-vs-llm": "35 ms left; rule engine p99 20 ms at $5 per 1M vs an LLM at $1,200.",
        "*": "I would have to check.",
    })
    assert iv.finished
    assert card.summary() == "15/15 questions answered, 3 with a number; rubric: 9/9 criteria at least Strong"
    tax = iv.sessions[0]
    assert [a.seconds for a in tax.answers] == [250, 240, 60, 60]
    assert [a.late for a in tax.answers] == [False, True, True, True]
    assert tax.over_time and not iv.sessions[1].over_time
    rows = card.session_rows()
    assert rows[0] == {"artifact": "Failure taxonomy", "questions": 4, "answered": 4, "quantified": 2,
                       "minutes used": 10.2, "minutes allotted": 5, "on time": "no", "interviewer mark": None}
    md = card.to_markdown()
    assert "| Budget arithmetic and feasibility | **Very Strong (5/5)** | 1/1 answered, 0 with a number |" in md
    assert "_(1.0 min, late, no number)_" in md
    assert "*A strong answer cites:*" in md and "*A strong answer cites:*" not in card.to_markdown(hints=False)


def test_vague_answer_is_tagged_in_the_transcript():
    iv = MockInterview(fk.default_design(), artifacts=["matrix"])
    card = iv.run_scripted(["The rule engine is cheaper and faster."])
    assert iv.sessions[0].answers[0].vague_claims == ["The rule engine is cheaper and faster."]
    assert "_(1.0 min, no number, vague: 'The rule engine is cheaper and faster.')_" in card.to_markdown()


def test_a_severity_name_is_not_a_number():
    iv = MockInterview(fk.default_design(), artifacts=["taxonomy"])
    iv.run_scripted(["It is a P1 because p99 breaks.", "A canary every 60 s."])
    assert [a.quantified for a in iv.sessions[0].answers[:2]] == [False, True]


def test_scripted_list_and_missing_answers():
    iv = MockInterview(fk.default_design(), artifacts=["matrix"])
    card = iv.run_scripted(["The SLO is 99.9% under 150 ms."])
    assert [a.text for a in iv.sessions[0].answers] == ["The SLO is 99.9% under 150 ms."] + [NO_ANSWER] * 3
    assert card.session_rows()[0]["answered"] == 1


def test_solo_shows_hints_interviewer_hides_them_from_the_candidate():
    solo = MockInterview(fk.default_design(), mode="solo")
    solo.start()
    assert "Hint:" in solo.view("candidate")
    iv = MockInterview(fk.default_design(), mode="interviewer")
    iv.start()
    assert "Hint:" not in iv.view("candidate")
    assert "Hint: detection: primary_ttft_p99_ms > 150 ms over 5m" in iv.view("interviewer")


def test_live_flow_on_a_clock():
    clock = FakeClock()
    iv = MockInterview(fk.default_design(), mode="interviewer", minutes_per_artifact=2, clock=clock)
    iv.start()
    clock.now += 90
    a = iv.answer("Paged in 5 min via the 150 ms p99 alert", rating=4)
    assert a.seconds == 90 and a.rating == 4 and a.quantified
    assert iv.time_left_s() == 30
    assert "(0.5 min left)" in iv.view()
    clock.now += 60
    assert "over time by 0.5 min" in iv.view()
    iv.next_session()
    assert iv.session.artifact == "matrix"
    assert [x.text for x in iv.sessions[0].answers][1:] == [NO_ANSWER] * 3
    iv.rate("taxonomy.riskiest-mode", 5)
    assert iv.scorecard().session_rows()[0]["interviewer mark"] == 5
    with pytest.raises(ValueError):
        iv.answer("x", rating=9)


def test_interview_rejects_bad_settings():
    with pytest.raises(ValueError, match="expected 'solo' or 'interviewer'"):
        MockInterview(fk.default_design(), mode="panel")
    with pytest.raises(ValueError, match="unknown artifacts"):
        MockInterview(fk.default_design(), artifacts=["deck"])


@pytest.mark.parametrize("path", REFERENCE, ids=[p.stem for p in REFERENCE])
def test_interview_runs_on_every_reference_design(path, tmp_path):
    iv = MockInterview(fk.load(path))
    assert all(s.questions for s in iv.sessions)
    assert all(q.hint and q.text for q in iv.questions())
    assert len({q.id for q in iv.questions()}) == len(iv.questions())
    card = iv.run_scripted({"*": "It saves 12 ms at p99."})
    out = card.save(tmp_path / "card.md")
    assert Path(out).read_text().startswith("# Mock interview scorecard: ")
    assert json.loads(card.to_json())["sessions"][0]["answers"][0]["quantified"] is True


def test_interview_on_a_design_the_model_refuses(default_data):
    drop_modes(default_data)
    default_data["matrix"]["paths"] = default_data["matrix"]["paths"][1:]  # no primary
    card = MockInterview(design_of(default_data)).run_scripted({"*": "3 modes"})
    assert card.sessions[0].questions[0].source == "finding:too-few-modes"


def test_widget_text_form_and_roles():
    pytest.importorskip("ipywidgets")
    from fallbackkit.widgets.interview import InterviewWidget
    iv = MockInterview(fk.default_design(), mode="interviewer", clock=FakeClock())
    wdg = InterviewWidget(iv)
    bundle = wdg._repr_mimebundle_()
    assert bundle["text/plain"].startswith("Failure taxonomy — question 1 of 4 (10.0 min left)")
    assert "Hint" not in bundle["text/plain"] and wdg.hint.value == ""
    wdg.set_role("interviewer")
    assert "Hint: detection" in wdg.hint.value
    wdg.mark.value = 2
    wdg.submit("paged in 5 min")
    assert iv.sessions[0].answers[0].rating == 2 and wdg.answer_box.value == ""
    for _ in range(4):
        wdg.end_session()
    assert iv.finished and wdg.submit_button.disabled
    assert "Mock interview scorecard" in wdg.scorecard_html.value


def test_notebook_runs_headless_with_papermill(tmp_path):
    pm = pytest.importorskip("papermill")
    card = tmp_path / "card.md"
    pm.execute_notebook(str(ROOT / "notebooks" / "90_mock_interview.ipynb"), str(tmp_path / "out.ipynb"),
                        parameters={"mode": "interviewer", "scorecard_path": str(card),
                                    "scripted_answers": {"*": "p99 20 ms for $5 per 1M"}},
                        cwd=str(tmp_path), progress_bar=False, kernel_name="python3")
    text = card.read_text()
    assert "Mode: interviewer. 15/15 questions answered, 15 with a number" in text


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
    assert code == 2 and "expected a number of requests > 0" in err


def test_frames():
    pytest.importorskip("pandas")
    c = critique(fk.default_design())
    df = c.to_frame()
    assert df.loc["Learning loop and metric validity", "label"] == "Very Strong"
    assert df["warnings"].sum() == 0 and df["blocking"].sum() == 0
    assert len(c.findings_frame()) == 0


# -- interview CLI ------------------------------------------------------------------------
def test_cli_interview_list_and_scripted(tmp_path):
    code, out, err = run("interview", fk.default_design_path(), "--list")
    assert code == 0, err
    ids = [line.split("\t")[0] for line in out.splitlines()]
    assert len(ids) == 15 and "matrix.rule-engine-vs-llm" in ids
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"matrix.rule-engine-vs-llm": "20 ms at $5 per 1M", "*": "not sure"}))
    card = tmp_path / "card.md"
    code, out, err = run("interview", fk.default_design_path(), "--answers", str(answers), "--out", str(card))
    assert code == 0, err
    assert out.strip() == f"wrote {card}: 15/15 questions answered, 1 with a number; rubric: 9/9 criteria at least Strong"
    assert "**A.** 20 ms at $5 per 1M" in card.read_text()


def test_cli_interview_reads_answers_from_stdin():
    proc = subprocess.run([sys.executable, "-m", "fallbackkit", "interview", fk.default_design_path(), "--mode", "interviewer"],
                          input="Paged within 5 min\n\nnext\n", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Hint:" not in proc.stdout  # the candidate's view in interviewer mode
    assert "Mode: interviewer. 1/15 questions answered, 1 with a number" in proc.stdout


@pytest.mark.parametrize("content,fragment", [
    ("- just a list\n", "expected a mapping of fields at the top, got list"),
    ("matrix.slo: [1, 2]\n", "expected a mapping of question id to answer text"),
    ("matrix.nope: hi\n", "unknown question ids ['matrix.nope']"),
])
def test_cli_interview_bad_answers_exit_2(tmp_path, content, fragment):
    f = tmp_path / "a.yaml"
    f.write_text(content)
    code, out, err = run("interview", fk.default_design_path(), "--answers", str(f))
    assert code == 2 and fragment in err and "Traceback" not in err


def test_critique_and_interview_stay_light():
    """Analysis layer: no pandas, altair, ipywidgets, numpy or IPython on import or use."""
    code = ("import sys, json, fallbackkit as fk\n"
            "from fallbackkit.review import critique\nfrom fallbackkit.interview import MockInterview\n"
            "d = fk.default_design(); critique(d).to_markdown(); MockInterview(d).run_scripted({'*': '5 ms'}).to_markdown()\n"
            "print(json.dumps(sorted(m for m in ('pandas', 'altair', 'ipywidgets', 'numpy', 'IPython') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


def test_public_names():
    import fallbackkit.review  # noqa: F401 - a package of its own: fk.critique stays the function
    assert fk.critique(fk.default_design()).passed
    assert fk.Critique is not None and fk.MockInterview(fk.default_design()).questions()


def test_a_session_without_questions_is_passed_over():
    iv = MockInterview(fk.default_design(), artifacts=["taxonomy", "matrix"])
    iv.sessions[0].questions = []
    card = iv.run_scripted({"*": "5 ms"})
    assert iv.finished and [r["answered"] for r in card.session_rows()] == [0, 4]


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
