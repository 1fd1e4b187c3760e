"""The SLO and the taxonomy as Prometheus rules: promtool accepts them and they fire on time.

``promtool`` comes from Debian's ``prometheus`` package (``make test`` installs it); without it
these tests skip, and under ``CI`` they fail. Synthetic series (10,000 requests a minute,
scraped every minute) stand for two incidents, computed from each design:

- a full outage of the primary from minute 60: the fast-burn SLO alert pages when the 1 h
  error ratio passes 14.4 × the error budget, and a P0 failure mode's own rule pages after its
  ``for:`` window; one of them must page within the design's time-to-detect target, or the kit
  must say it does not (``alerts.page_delay_min`` / ``alerts.warnings``);
- a slow burn at 1.5 × the budget for 3 days: a ticket, never a page.
"""

from __future__ import annotations

import math
import shutil
import subprocess

import pytest
import yaml

import fallbackkit as fk
from fallbackkit import alerts

from gateway_mock import DESIGNS

SCENARIOS = [n for n in DESIGNS if n != "router_design"]
RPM = 10000
T0 = 60  # the outage starts after minute 60


@pytest.fixture(scope="module")
def promtool(unavailable):
    exe = shutil.which("promtool")
    if exe is None:
        unavailable("promtool is not installed (apt-get install prometheus; `make test` installs it)")
    return exe


def run(promtool, *args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def write_rules(tmp_path, design):
    path = tmp_path / "rules.yml"
    path.write_text(alerts.rules_text(design))
    return path


def expected(rule: dict) -> list[dict]:
    return [{"exp_labels": {"alertname": rule["alert"], **rule["labels"]}, "exp_annotations": rule["annotations"]}]


def rule(design, name: str) -> dict:
    for group in alerts.prometheus_rules(design)["groups"]:
        for r in group["rules"]:
            if r.get("alert") == name:
                return r
    raise KeyError(name)


def series(design, good: str, bad: str, entry_ok: str | None = None, entry_bad: str | None = None) -> list[dict]:
    slo, name = design.context.slo, alerts.slug(design.context.name)
    metric = alerts.SLO_METRIC[slo.metric]
    le = alerts.le_label(slo.threshold_ms / 1000)
    out = [
        {"series": f'{metric}_bucket{{slo="{name}",outcome="ok",le="{le}"}}', "values": good},
        {"series": f'{metric}_count{{slo="{name}",outcome="ok"}}', "values": good},
        {"series": f'{metric}_count{{slo="{name}",outcome="error"}}', "values": bad},
    ]
    entry = design.matrix.paths[0].id
    if entry_ok:
        out += [{"series": f'llm_requests_total{{path="{entry}",outcome="ok"}}', "values": entry_ok},
                {"series": f'llm_requests_total{{path="{entry}",outcome="server_error"}}', "values": entry_bad}]
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_promtool_accepts_the_rules(name, promtool, tmp_path):
    design = fk.load(DESIGNS[name])
    res = run(promtool, "check", "rules", str(write_rules(tmp_path, design)))
    assert res.returncode == 0, res.stdout + res.stderr
    n = len(alerts.WINDOWS) + len(alerts.BURN_RATES) + len(design.taxonomy.modes)
    assert f"SUCCESS: {n} rules found" in res.stdout


@pytest.mark.parametrize("name", SCENARIOS)
def test_an_outage_pages_and_a_slow_burn_opens_a_ticket(name, promtool, tmp_path):
    design = fk.load(DESIGNS[name])
    rules = write_rules(tmp_path, design)
    minutes = T0 + 60
    good = f"0+{RPM}x{T0} {RPM * T0}+0x{minutes - T0 - 1}"
    bad = f"0+0x{T0} {RPM}+{RPM}x{minutes - T0 - 1}"
    fast = rule(design, "SLOErrorBudgetBurnFast")
    # 1 h ratio after k minutes of full outage is k/60: it passes 14.4 × budget at k = 864 × budget.
    k = 14.4 * alerts.error_budget(design) * 60
    tests = [
        {"interval": "1m", "input_series": series(design, good, bad, good, bad), "alert_rule_test": [
            {"eval_time": f"{T0 + math.floor(k) - 1}m", "alertname": fast["alert"], "exp_alerts": []},
            {"eval_time": f"{T0 + math.ceil(k) + 1}m", "alertname": fast["alert"], "exp_alerts": expected(fast)},
        ]},
    ]
    p0 = [m for m in design.taxonomy.modes if m.severity == "P0" and m.detection.metric in alerts.RATIO_SIGNALS]
    for m in p0:
        r = rule(design, "FailureMode_" + m.id.replace("-", "_"))
        tests[0]["alert_rule_test"].append(
            {"eval_time": f"{T0 + alerts.minutes(m.detection.window) + 1:g}m", "alertname": r["alert"],
             "exp_alerts": expected(r)})
    ttd = alerts.time_to_detect_min(design)
    delay = alerts.page_delay_min(design)
    assert delay == min([math.ceil(k) + 1] + [alerts.minutes(m.detection.window) + 1 for m in p0])
    if delay > ttd:
        assert any("time-to-detect" in w for w in alerts.warnings(design)), alerts.warnings(design)
    # Slow burn: 1.5 × the budget for 3 days, scraped and evaluated every 5 min (3 days at 1 min
    # costs promtool ~30 s a design); the 5 min ratio is checked, so "no page" is not vacuous.
    e = round(1.5 * alerts.error_budget(design) * RPM * 5)
    steps = 3 * 24 * 12
    ticket = rule(design, "SLOErrorBudgetBurnSlow")
    slug = alerts.slug(design.context.name)
    slow = [{"interval": "5m", "input_series": series(design, f"0+{RPM * 5 - e}x{steps}", f"0+{e}x{steps}"),
             "promql_expr_test": [{"expr": f'round(1e6 * fallbackkit:slo_errors:ratio_rate5m{{slo="{slug}"}})',
                                   "eval_time": "72h",
                                   "exp_samples": [{"labels": f'{{slo="{slug}"}}', "value": round(1e6 * e / (RPM * 5))}]}],
             "alert_rule_test": [
                 {"eval_time": "72h", "alertname": ticket["alert"], "exp_alerts": expected(ticket)},
                 {"eval_time": "72h", "alertname": "SLOErrorBudgetBurnFast", "exp_alerts": []},
                 {"eval_time": "72h", "alertname": "SLOErrorBudgetBurnMedium", "exp_alerts": []}]}]
    for fname, interval, body in (("outage.yml", "1m", tests), ("slow.yml", "5m", slow)):
        (tmp_path / fname).write_text(yaml.safe_dump(
            {"rule_files": [rules.name], "evaluation_interval": interval, "tests": body}, sort_keys=False))
    res = run(promtool, "test", "rules", "outage.yml", "slow.yml", cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr


def test_openslo_document_states_the_slo():
    design = fk.load(DESIGNS["voice-assistant"])
    doc = alerts.openslo(design)
    assert doc["apiVersion"] == "openslo/v1" and doc["kind"] == "SLO"
    assert doc["spec"]["objectives"][0]["target"] == 0.99
    assert doc["spec"]["timeWindow"] == [{"duration": "28d", "isRolling": True}]
    assert 'le="0.4"' in doc["spec"]["indicator"]["spec"]["ratioMetric"]["good"]["metricSource"]["spec"]["query"]


def test_mode_rules_carry_threshold_window_severity_runbook_and_owner():
    design = fk.load(DESIGNS["voice-assistant"])
    r = rule(design, "FailureMode_rate_limited")
    assert r["expr"].endswith(" > 0.5") and r["for"] == "1m"
    assert 'outcome="rate_limited"' in r["expr"] and r["expr"].startswith("(100 * ")
    assert r["labels"]["severity"] == "ticket" and r["labels"]["priority"] == "P2"
    assert r["annotations"]["owner"] == "Voice platform on-call"
    assert r["annotations"]["runbook"].startswith("VA-RB-03 Rate limited by provider")
    slow = rule(design, "FailureMode_slow_first_token")
    assert "histogram_quantile(0.95" in slow["expr"] and slow["expr"].endswith(" > 300")


def test_cli_writes_rules_and_refuses_to_overwrite(tmp_path, capsys):
    from fallbackkit.cli import main
    out = tmp_path / "rules.yml"
    assert main(["alerts", str(DESIGNS["rag-search"]), "--out", str(out), "--openslo", str(tmp_path / "slo.yaml")]) == 0
    assert yaml.safe_load(out.read_text()) == alerts.prometheus_rules(fk.load(DESIGNS["rag-search"]))
    assert "time-to-detect" in capsys.readouterr().err  # rag-search has no P0 ratio signal: said so
    before = out.read_text()
    assert main(["alerts", str(DESIGNS["rag-search"]), "--out", str(out)]) == 2
    assert out.read_text() == before
