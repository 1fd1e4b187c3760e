"""The classes of flaw a hiring committee catches, each planted in designs written here.

Bases: the worked example, variations of the bundled scenarios, and five small designs for
products none of them resemble (tests/designs.py: a travel-booking agent with tool calls, a
batch contract pipeline, a phone IVR, a medical triage assistant, a pull-request review bot).
Each base is clean; each flaw is one mutation, and must be caught at its field path with its
flaw class, with no blocking finding of another class.
"""

from pathlib import Path

import pytest
import yaml

import fallbackkit as fk
from fallbackkit.design import Design
from fallbackkit.review import CHECKS, FLAW_CLASSES, critique
from designs import PRODUCTS

ROOT = Path(__file__).resolve().parent.parent
SCEN = ROOT / "fallbackkit" / "data" / "scenarios"


def base(name: str) -> dict:
    if name == "default":
        return yaml.safe_load(Path(fk.default_design_path()).read_text())
    if name in PRODUCTS:
        return PRODUCTS[name]()
    return yaml.safe_load((SCEN / f"{name}.yaml").read_text())


def design_of(data: dict) -> Design:
    return Design.from_dict(data, "flawed.yaml", check=False)


def P(d, pid):
    return next(p for p in d["matrix"]["paths"] if p["id"] == pid)


def M(d, mid):
    return next(m for m in d["taxonomy"]["modes"] if m["id"] == mid)


def seq(*fns):
    def run(d):
        for f in fns:
            f(d)
    return run


def slo(**kw):
    return lambda d: d["context"]["slo"].update(kw)


# -- the good bases -------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(PRODUCTS))
def test_new_products_are_clean(name):
    d = design_of(base(name))
    assert not d.problems(), d.problems()
    c = critique(d)
    assert c.findings == [], "\n".join(map(str, c.findings))
    assert all(s.score == 5 for s in c.scores)


# -- one flaw each: (base, check, mutation, location) -----------------------------------------
def unsafe_mode(d):
    return next(i for i, m in enumerate(d["taxonomy"]["modes"]) if m["category"] == "policy_violation")


def add_nurse(d):
    P(d, "backup").update(kind="human", name="Nurse on call answers", model=None, region=None,
                          latency={"p50_ms": 800, "p95_ms": 1200, "p99_ms": 1500}, timeout_ms=1500,
                          effort="four nurses per shift")


def add_idle_rules(d):
    P(d, "backup")["error_rate"] = 0.001
    d["matrix"]["paths"].insert(2, {"id": "rules", "name": "Intent rules", "kind": "rule_engine",
                                    "latency": {"p50_ms": 5, "p95_ms": 8, "p99_ms": 10}, "timeout_ms": 10,
                                    "cost_per_1m_usd": 5, "coverage_pct": 100, "quality_delta": -0.3,
                                    "effort": "30 rules kept by the IVR team"})
    d["workflow"]["nodes"].append({"id": "rules", "kind": "action", "label": "Match intent rules",
                                   "partition": "gateway", "path": "rules"})
    e = next(e for e in d["workflow"]["edges"] if e["source"] == "ok2" and e["guard"] == "else")
    e["target"] = "rules"
    d["workflow"]["edges"].append({"source": "rules", "target": "static"})


def profile_primary(d):
    P(d, "primary").update(latency={"distribution": {"kind": "profile", "name": "groq_70b_ttft"}}, timeout_ms=150)


def cache_instead_of_backup(d):
    P(d, "backup").update(kind="cache", name="Answer cache", model=None, region=None,
                          latency={"p50_ms": 2, "p95_ms": 3, "p99_ms": 4}, timeout_ms=5, effort="nightly refresh")


CLASS_FLAWS = [
    # correlated failure --------------------------------------------------------------------
    ("travel-agent", "shared-provider", lambda d: P(d, "backup").update(model="openai/gpt-4o-mini"),
     "matrix.paths[1].model"),
    ("code-review-bot", "shared-provider", lambda d: P(d, "backup").update(provider="Anthropic", model="claude-3-haiku"),
     "matrix.paths[1].provider"),
    ("document-pipeline", "shared-provider", lambda d: (P(d, "primary").update(model="gpt-4o"),
                                                        P(d, "backup").update(model="gpt-4o-mini")),
     "matrix.paths[1].model"),
    ("medical-triage", "shared-region", lambda d: P(d, "backup").update(region="EastUS"), "matrix.paths[1].region"),
    ("code-assistant", "shared-provider", lambda d: d["matrix"]["paths"][1].update(model="anthropic/claude-3-5-haiku"),
     "matrix.paths[1].model"),
    # what a mitigation means ---------------------------------------------------------------
    ("default", "unsafe-to-cache", lambda d: M(d, "unsafe-output")["mitigation"].update(path="cache"),
     "taxonomy.modes[5].mitigation.path"),
    ("voice-assistant", "unsafe-to-cache", lambda d: M(d, "unsafe-instruction")["mitigation"].update(path="intent_cache"),
     "taxonomy.modes[5].mitigation.path"),
    ("document-pipeline", "mitigation-on-failing-path", lambda d: M(d, "slow")["mitigation"].update(path="primary"),
     "taxonomy.modes[0].mitigation.path"),
    ("travel-agent", "side-effect-retried", seq(slo(threshold_ms=12000), lambda d: P(d, "primary").update(
        idempotent=None, timeout_ms=3000, retry={"max_retries": 1, "on": ["latency_breach", "dependency_failure"]})),
     "matrix.paths[0].retry"),
    ("travel-agent", "side-effect-retried", lambda d: P(d, "primary").update(idempotent=False, hedge={"after_ms": 4000}),
     "matrix.paths[0].hedge"),
    ("travel-agent", "side-effect-retried", seq(slo(threshold_ms=12000), lambda d: (
        P(d, "primary").update(side_effects=False, idempotent=None, name="Planner model", timeout_ms=3000,
                               retry={"max_retries": 1, "on": ["latency_breach"]}),
        d["postmortem"]["incidents"][1].update(title="Customers charged twice after a timed-out booking was retried"))),
     "matrix.paths[0].retry"),
    ("travel-agent", "side-effects-unmodelled", lambda d: P(d, "primary").update(side_effects=False, idempotent=None),
     "matrix.paths[0].side_effects"),
    # plausibility against the kit's measured profiles --------------------------------------
    ("voice-ivr", "faster-than-measured", lambda d: P(d, "primary").update(latency={"p50_ms": 90, "p95_ms": 150, "p99_ms": 200}),
     "matrix.paths[0].latency"),
    ("voice-ivr", "faster-than-measured", lambda d: P(d, "primary").update(latency={"p50_ms": 200, "p95_ms": 230, "p99_ms": 240}),
     "matrix.paths[0].latency"),
    ("voice-ivr", "timeout-below-samples", profile_primary, "matrix.paths[0].timeout_ms"),
    ("voice-ivr", "timeout-below-samples", lambda d: P(d, "primary").update(
        latency={"p50_ms": 250, "p95_ms": 350, "p99_ms": 480}, timeout_ms=120), "matrix.paths[0].timeout_ms"),
    ("travel-agent", "faster-than-measured", lambda d: P(d, "backup").update(
        model="together/llama-3-70b", latency={"p50_ms": 400, "p95_ms": 700, "p99_ms": 900}, timeout_ms=1000),
     "matrix.paths[1].latency"),
    ("medical-triage", "human-in-ms", add_nurse, "matrix.paths[1].latency"),
    ("voice-ivr", "metric-mismatch", lambda d: P(d, "primary").update(
        latency={"distribution": {"kind": "profile", "name": "groq_70b_e2e"}}, timeout_ms=900), "matrix.paths[0].latency.distribution"),
    ("regulated-claims", "human-in-ms", lambda d: P(d, "licensed_agent").update(name="Licensed agent answers",
                                                                                  effort="14 licensed agents"),
     "matrix.paths[2].latency"),
    ("voice-ivr", "slo-unmeetable", seq(slo(threshold_ms=300), cache_instead_of_backup, lambda d: P(d, "primary").update(
        latency={"p50_ms": 230, "p95_ms": 270, "p99_ms": 290}, timeout_ms=None, error_rate=0.001)),
     "context.slo.threshold_ms"),
    # detection against the error budget ----------------------------------------------------
    ("default", "detection-too-slow", lambda d: M(d, "provider-outage")["detection"].update(window="1h"),
     "taxonomy.modes[3].detection.window"),
    ("medical-triage", "detection-too-slow", lambda d: M(d, "errors")["detection"].update(window="12h"),
     "taxonomy.modes[2].detection.window"),
    ("voice-assistant", "detection-too-slow", lambda d: M(d, "provider-outage")["detection"].update(window="30m"),
     "taxonomy.modes[3].detection.window"),
    ("document-pipeline", "burn-rate-off-policy", lambda d: d["taxonomy"]["severity_levels"]["P1"].update(
        criterion="error-budget burn rate > 2x over 3 days"), "taxonomy.severity_levels.P1.criterion"),
    ("travel-agent", "burn-rate-off-policy", lambda d: d["taxonomy"]["severity_levels"]["P2"].update(
        criterion="error-budget burn rate > 14.4x over 1 h"), "taxonomy.severity_levels.P2.criterion"),
    ("medical-triage", "burn-rate-off-policy", lambda d: d["taxonomy"]["severity_levels"]["P0"].update(
        criterion="SLO attainment < 90% over 12 h"), "taxonomy.severity_levels.P0.criterion"),
    ("travel-agent", "burn-rate-off-policy", lambda d: d["taxonomy"]["severity_levels"]["P1"].update(
        criterion="error-budget burn rate > 1x over 1 h"), "taxonomy.severity_levels.P1.criterion"),
    ("code-review-bot", "severity-not-burn", lambda d: [lvl.update(criterion=f"p99 latency > {k} s over 10 min")
                                                        for k, lvl in enumerate(d["taxonomy"]["severity_levels"].values())],
     "taxonomy.severity_levels"),
    ("default", "threshold-blind-to-burn", lambda d: M(d, "provider-5xx")["detection"].update(threshold=20),
     "taxonomy.modes[2].detection.threshold"),
    ("medical-triage", "detection-too-slow", lambda d: M(d, "slow")["detection"].update(window="2d"),
     "taxonomy.modes[0].detection.window"),
    ("default", "detection-too-slow", lambda d: M(d, "provider-outage")["detection"].update(window="6h / 30m"),
     "taxonomy.modes[3].detection.window"),
    ("default", "detect-target-over-budget", lambda d: d["postmortem"]["metrics"][0].update(target_p90_min=30),
     "postmortem.metrics[0].target_p90_min"),
    # operational arithmetic ----------------------------------------------------------------
    ("default", "breaker-cannot-fire", lambda d: P(d, "primary")["circuit_breaker"].update(min_requests=1000),
     "matrix.paths[0].circuit_breaker.min_requests"),
    ("batch-summarisation", "breaker-cannot-fire", lambda d: d["matrix"]["paths"][0]["circuit_breaker"].update(window_s=0.2),
     "matrix.paths[0].circuit_breaker.min_requests"),
    ("code-review-bot", "peak-below-average", lambda d: d["context"]["traffic"].update(peak_rps=0.2),
     "context.traffic.peak_rps"),
    ("travel-agent", "no-retry-budget", seq(slo(threshold_ms=16000), lambda d: (
        d["matrix"].update(retry_budget_pct=100), P(d, "primary").update(retry={"max_retries": 1, "on": ["dependency_failure"]}))),
     "matrix.retry_budget_pct"),
    ("document-pipeline", "hedge-before-median", lambda d: P(d, "primary").update(hedge={"after_ms": 2000}),
     "matrix.paths[0].hedge.after_ms"),
    ("voice-ivr", "idle-path", add_idle_rules, "matrix.paths[2]"),
    # prose against numbers -----------------------------------------------------------------
    ("default", "prose-number-mismatch", lambda d: M(d, "latency-breach")["mitigation"].update(
        note="cut at 95 ms; cache then rule engine answer within 150 ms"), "taxonomy.modes[0].mitigation.note"),
    ("travel-agent", "prose-number-mismatch", lambda d: P(d, "primary").update(effort="managed API at $900 per 1M calls"),
     "matrix.paths[0].effort"),
    ("default", "prose-number-mismatch", lambda d: d["context"].update(
        description="Support chat; the whole chain costs $900 per 1M calls."), "context.description"),
    ("code-review-bot", "prose-number-mismatch", lambda d: P(d, "backup").update(effort="serves 40% of reviews"),
     "matrix.paths[1].effort"),
    ("medical-triage", "unquantified-claim", lambda d: M(d, "errors")["mitigation"].update(note="seamless failover"),
     "taxonomy.modes[2].mitigation.note"),
    # severity as a committee weighs it -----------------------------------------------------
    ("document-pipeline", "slo-on-median", slo(percentile=50), "context.slo.percentile"),
    ("code-review-bot", "slo-on-median", lambda d: d["context"].update(description="Average latency under 60 s."),
     "context.slo"),
    ("medical-triage", "retry-non-retryable", seq(slo(threshold_ms=8000), lambda d: P(d, "primary").update(
        retry={"max_retries": 1, "on": ["dependency_failure", "policy_violation"]})), "matrix.paths[0].retry.on"),
    ("code-review-bot", "p0-unowned", lambda d: M(d, "outage").update(owner="TBD"), "taxonomy.modes[3].owner"),
    ("travel-agent", "p0-unowned", lambda d: d["taxonomy"]["severity_levels"]["P0"].update(response="ticket, next business day"),
     "taxonomy.severity_levels.P0.response"),
    ("medical-triage", "p0-incident-without-action", lambda d: d["postmortem"]["action_items"][0].pop("incident"),
     "postmortem.incidents[0]"),
    # small samples -------------------------------------------------------------------------
    ("voice-ivr", "percentile-of-few", lambda d: [m.update(statistics=["median", "p90"]) for m in d["postmortem"]["metrics"]],
     "postmortem.metrics"),
    ("document-pipeline", "percentile-of-few", lambda d: d["postmortem"]["metrics"][1].update(statistics=["median", "p99"]),
     "postmortem.metrics[1].statistics"),
    ("voice-ivr", "profile-too-small", seq(slo(percentile=99.9, threshold_ms=1500), lambda d: P(d, "primary").update(
        latency={"distribution": {"kind": "profile", "name": "groq_70b_ttft"}}, timeout_ms=500)),
     "matrix.paths[0].latency.distribution"),
    ("code-review-bot", "trend-from-few", lambda d: d["postmortem"]["incidents"][0].update(
        lessons_learned=["time to detect fell 40% after the new alert"]), "postmortem.incidents[0].lessons_learned[0]"),
]


@pytest.mark.parametrize("base_name,check,mutate,location", CLASS_FLAWS,
                         ids=[f"{b}-{c}-{i}" for i, (b, c, _, _) in enumerate(CLASS_FLAWS)])
def test_flaw_is_caught_at_its_field_with_its_class(base_name, check, mutate, location):
    data = base(base_name)
    mutate(data)
    c = critique(design_of(data))
    found = [f for f in c.by_check(check) if f.location == location]
    assert found, f"{check} not at {location}:\n" + "\n".join(map(str, c.findings))
    f = found[0]
    assert f.flaw_class == CHECKS[check].flaw_class and f.flaw_class in FLAW_CLASSES
    assert f.message and f.fix and "≤ 0" not in f.fix and "≤ -" not in f.fix
    unrelated = [x for x in c.blocking if x.flaw_class != f.flaw_class]
    assert not unrelated, "\n".join(map(str, unrelated))


def test_every_class_of_flaw_has_planted_designs():
    classes = {CHECKS[c].flaw_class for _, c, _, _ in CLASS_FLAWS}
    assert {"correlated_failure", "mitigation_semantics", "plausibility", "detection_budget", "operational_arithmetic",
            "prose_numbers", "severity_weighting", "small_samples"} <= classes
    assert len({b for b, *_ in CLASS_FLAWS} & set(PRODUCTS)) == 5


# -- the numbers in the messages and fixes are the kit's -----------------------------------
def mutated(name, fn):
    d = base(name)
    fn(d)
    return critique(design_of(d))


def test_plausibility_quotes_the_measured_profile():
    c = mutated("voice-ivr", lambda d: P(d, "primary").update(latency={"p50_ms": 90, "p95_ms": 150, "p99_ms": 200}))
    [f] = c.by_check("faster-than-measured")
    assert "the fastest first token any measured 70B provider served was 172 ms (groq_70b, 150 requests)" in f.message
    assert "p50 ≥ 211 ms" in f.fix and "p99 ≥ 360 ms" in f.fix and f.blocking


def test_timeout_below_every_sample_counts_them():
    [f] = mutated("voice-ivr", profile_primary).by_check("timeout-below-samples")
    assert "below every one of the 150 measured samples of groq_70b_ttft (fastest 172 ms)" in f.message


def test_slo_no_provider_meets_names_the_percentile():
    c = mutated("voice-ivr", CLASS_FLAWS[[x[1] for x in CLASS_FLAWS].index("slo-unmeetable")][2])
    [f] = c.by_check("slo-unmeetable")
    assert "best measured provider's p99 is 360 ms (groq_70b, 150 requests)" in f.message


def test_detection_window_against_the_budget_minutes():
    c = mutated("default", lambda d: M(d, "provider-outage")["detection"].update(window="1h"))
    [f] = c.by_check("detection-too-slow")
    # 28 days × 1440 × 0.1% = 40.3 minutes; a 1 h window at full impact burns 149% of it
    assert "burns 149% of the 40.3-minute error budget" in f.message
    assert "at most 2 min" in f.fix
    ev = [e.text for e in c.score("severity").evidence]
    assert "error budget 40.3 min of total outage over 28 days (28 × 1440 × 0.1%)" in ev


def test_burn_rate_policy_in_burn_hours():
    c = mutated("document-pipeline", lambda d: d["taxonomy"]["severity_levels"]["P1"].update(
        criterion="error-budget burn rate > 2x over 3 days"))
    [f] = c.by_check("burn-rate-off-policy")
    assert "21.4% of the 28-day budget burns before this page fires (Workbook: 5%)" in f.message


def test_breaker_arithmetic_and_feasible_fix():
    [f] = mutated("default", lambda d: P(d, "primary")["circuit_breaker"].update(min_requests=1000)).by_check(
        "breaker-cannot-fire")
    assert "at peak it sees 600 (60 rps × 10 s)" in f.message and "min_requests ≤ 300" in f.fix


def test_hedge_cost_is_priced():
    [f] = mutated("document-pipeline", lambda d: P(d, "primary").update(hedge={"after_ms": 2000})).by_check(
        "hedge-before-median")
    assert "at least $1,500.00 per 1M requests" in f.message and "15000 ms" in f.fix


def test_one_root_cause_is_reported_once():
    # a 140 ms primary timeout leaves 10 ms: cache, rule engine and static all miss the deadline
    c = mutated("default", lambda d: P(d, "primary").update(timeout_ms=140))
    over = c.by_check("chain-over-budget")
    assert len(over) == 1 and "so are 'rule_engine', 'static'" in over[0].message
    assert "cut the timeout of 'primary' from 140 ms to" in over[0].fix


def test_no_deadline_left_gets_a_feasible_fix():
    c = mutated("default", lambda d: P(d, "primary").update(timeout_ms=150))
    late = c.by_check("timeout-exceeds-deadline")
    assert len(late) == 1 and "≤ 0" not in late[0].fix and "cut the timeout of 'primary' from 150 ms" in late[0].fix


def test_a_share_is_held_to_the_path_the_sentence_names():
    # 97% is a share the design has (the primary's), but not the cache's hit rate (70%), share or error rate
    c = mutated("default", lambda d: M(d, "rate-limited")["mitigation"].update(note="the cache answers 97% of what reaches it"))
    [f] = c.by_check("prose-number-mismatch")
    assert f.location == "taxonomy.modes[1].mitigation.note" and "'97%'" in f.message
    ok = mutated("default", lambda d: M(d, "rate-limited")["mitigation"].update(note="the cache answers 70% of what reaches it"))
    assert not ok.by_check("prose-number-mismatch")


def test_a_name_is_not_a_claim():
    c = mutated("default", lambda d: M(d, "latency-breach").update(name="Translation slower than the timeout"))
    assert not c.by_check("unquantified-claim")


def test_simulated_claims_wait_for_the_simulation():
    c = mutated("default", lambda d: d["context"].update(description="Simulated, it costs $1,111 per 1M calls."))
    assert not c.by_check("prose-number-mismatch")


def test_bundled_scenarios_have_no_blocking_finding():
    for f in [Path(fk.default_design_path())] + sorted(SCEN.glob("*.yaml")):
        c = critique(fk.load(f))
        assert c.passed, f"{f.name}: " + "\n".join(map(str, c.blocking))


def test_missed_loop_target_is_a_cross():
    c = critique(fk.default_design())
    ev = {e.text: e for e in c.score("loop").evidence}
    line = next(t for t in ev if t.startswith("time_to_detect:"))
    assert line.endswith("misses target") and not ev[line].ok and not ev[line].scored
    assert "- ✗ time\\_to\\_detect: median" in c.to_markdown()


def test_critique_with_the_simulator_numbers():
    sim_mod = pytest.importorskip("fallbackkit.simulation")
    d = design_of(base("document-pipeline"))
    r = sim_mod.simulate(d, 5000, seed=3)
    c = critique(d, simulation=r)
    assert c.numbers == "simulated" and c.passed


@pytest.mark.parametrize("window,minutes", [("5m", 5), ("1 hour", 60), ("3 days", 4320), ("1h/5m", 5),
                                            ("6h and 30m", 30), ("rolling", None)])
def test_alert_windows_in_minutes(window, minutes):
    from fallbackkit.review.detection import minutes as parse
    assert parse(window) == minutes
