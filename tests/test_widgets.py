"""Widget logic without a browser: edits land in the model and the file, numbers follow.

The browser test (test_browser.py) proves the views render; these tests prove what the
views say is right, and that an edit is never lost or half-written.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import fallbackkit as fk
from fallbackkit.widgets import (CadenceTracker, MatrixExplorer, PostmortemDashboard, TaxonomyEditor,
                                 WorkflowBuilder, edits)
from fallbackkit.widgets.matrix_explorer import chain_rows, evaluate

ROOT = Path(__file__).resolve().parent.parent


# -- the package ---------------------------------------------------------------------------------
def test_importing_the_package_loads_no_widget_library():
    code = ("import sys, json, fallbackkit.widgets as w; print(json.dumps("
            "[m for m in ('ipywidgets', 'altair', 'anywidget') if m in sys.modules] + [sorted(w.__all__)]))")
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                    cwd=ROOT).stdout)
    assert out == [["CadenceTracker", "GuidedStart", "InterviewWidget", "MatrixExplorer", "PostmortemDashboard", "TaxonomyEditor",
                    "WorkflowBuilder"]]
    from fallbackkit.widgets import InterviewWidget
    from fallbackkit.widgets.interview import InterviewWidget as direct
    assert InterviewWidget is direct


def test_unknown_widget_name_is_an_attribute_error():
    import fallbackkit.widgets as w
    with pytest.raises(AttributeError, match="NoSuchWidget"):
        w.NoSuchWidget  # noqa: B018


def test_text_form_is_the_full_state_not_a_110_char_cut():
    explorer = MatrixExplorer(fk.default_design(), simulate=False)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    text = bundle["text/plain"]
    assert text.startswith("MatrixExplorer\nwithin budget: worst-case chain 142 ms vs 150 ms")
    assert "blended cost $1,200.64 per 1M requests (ceiling $1,500: within)" in text
    assert len(text) > 110 and repr(explorer) == text


# -- TaxonomyEditor ------------------------------------------------------------------------------
def test_edit_lands_in_the_file_and_survives_a_kernel_restart(design_file):
    editor = TaxonomyEditor(design_file)
    assert editor.select("rate-limited").set_field("severity", "P0").save()
    # a fresh interpreter (a restarted kernel) reads the edit back from disk
    code = ("import fallbackkit as fk, sys; d = fk.load(sys.argv[1]); "
            "print(d.taxonomy.mode('rate-limited').severity)")
    out = subprocess.run([sys.executable, "-c", code, str(design_file)], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert out == "P0"
    assert TaxonomyEditor(design_file).design.taxonomy.mode("rate-limited").severity == "P0"


def test_invalid_edit_is_refused_with_a_message_and_the_file_is_untouched(design_file):
    before = design_file.read_bytes()
    editor = TaxonomyEditor(design_file)
    editor.select("provider-5xx").set_field("runbook.steps", "")
    assert editor.field_msgs["runbook.steps"].value == \
        "runbook entry has no steps; expected at least one step for the on-call"
    assert not editor.save()
    assert "Not saved" in editor.message.value and "runbook entry has no steps" in editor.message.value
    editor.set_field("runbook.steps", "Page the on-call.").set_field("occurrence", 1.5)
    assert "less than or equal to 1" in editor.field_msgs["occurrence"].value
    assert not editor.save()
    editor.set_field("occurrence", 0.01).set_field("id", "has spaces")
    assert "pattern" in editor.field_msgs["id"].value
    assert not editor.save()
    assert design_file.read_bytes() == before
    assert editor.saves == 0


def test_two_rapid_edits_both_land(design_file):
    editor = TaxonomyEditor(design_file)
    assert editor.select("latency-breach").set_field("owner", "Team A").save()
    assert editor.select("rate-limited").set_field("owner", "Team B").save()
    d = fk.load(design_file)
    assert (d.taxonomy.mode("latency-breach").owner, d.taxonomy.mode("rate-limited").owner) == ("Team A", "Team B")


def test_two_editors_on_one_file_do_not_overwrite_each_other(design_file):
    a, b = TaxonomyEditor(design_file), TaxonomyEditor(design_file)
    assert a.select("latency-breach").set_field("severity", "P0").save()
    assert b.select("context-overflow").set_field("severity", "P2").save()  # b re-reads a's save first
    d = fk.load(design_file)
    assert d.taxonomy.mode("latency-breach").severity == "P0"
    assert d.taxonomy.mode("context-overflow").severity == "P2"


def test_concurrent_saves_are_serialised(design_file):
    editor = TaxonomyEditor(design_file)
    editor.select("low-confidence").set_field("occurrence", 0.03)
    results = []
    threads = [threading.Thread(target=lambda: results.append(editor.save())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 4
    assert fk.load(design_file).taxonomy.mode("low-confidence").occurrence == 0.03


def test_add_routes_the_new_mode_and_delete_removes_its_route(design_file):
    editor = TaxonomyEditor(design_file)
    editor.select("", mode="add")
    assert editor.form_values()["id"] == "new-mode-8"
    # the edge that already routes the cache-mitigated modes (check -> to_fallback [else])
    assert editor.route.value == 7
    editor.set_field("id", "gpu-oom").set_field("category", "resource_exhaustion").set_field("severity", "P1")
    assert editor.save()
    d = fk.load(design_file)
    assert d.taxonomy.ids[-1] == "gpu-oom"
    assert "gpu-oom" in d.workflow.edges[7].handles
    editor.select("gpu-oom", mode="delete")
    assert editor.save()
    d = fk.load(design_file)
    assert "gpu-oom" not in d.taxonomy.ids and "gpu-oom" not in d.workflow.handled_modes


def test_delete_refuses_while_post_mortem_history_names_the_mode(design_file):
    before = design_file.read_bytes()
    editor = TaxonomyEditor(design_file)
    editor.select("unsafe-output", mode="delete")
    assert not editor.save()
    assert "INC-5 names &#x27;unsafe-output&#x27;" in editor.message.value
    assert design_file.read_bytes() == before


def test_renaming_a_mode_carries_its_routes_and_post_mortem_links(design_file):
    editor = TaxonomyEditor(design_file)
    assert editor.select("latency-breach").set_field("id", "slow-primary").save()
    d = fk.load(design_file)
    assert "slow-primary" in d.workflow.edges[7].handles
    assert d.postmortem.incidents[0].failure_mode == "slow-primary"
    assert [a.failure_mode for a in d.postmortem.action_items[:2]] == ["slow-primary", "slow-primary"]


def test_in_memory_editor_keeps_edits_without_a_file():
    editor = TaxonomyEditor(fk.default_design())
    assert editor.path is None
    assert editor.select("rate-limited").set_field("severity", "P3").save()
    assert editor.design.taxonomy.mode("rate-limited").severity == "P3"
    assert "(in memory)" in editor.message.value


# -- MatrixExplorer ------------------------------------------------------------------------------
def test_explorer_declared_numbers_follow_the_timeout():
    explorer = MatrixExplorer(fk.default_design(), simulate=False)
    assert explorer.evaluation.verdict == "within budget: worst-case chain 142 ms vs 150 ms"
    ev = explorer.change("primary", "timeout_ms", 100)
    # worst case: 100 (primary cut) + 30 (cache timeout) + 25 (rules timeout) + 2 (static) = 157
    assert ev.verdict == "over budget: worst-case chain 157 ms vs 150 ms (by 7 ms)"
    assert "fbk-verdict-text over" in explorer.verdict.value
    assert explorer.last_update_ms is not None and explorer.updates == 1
    rows = {r["path"]: r for r in chain_rows(ev.budget)}
    assert (rows["cache"]["start_ms"], rows["cache"]["end_ms"]) == (100, 130)
    assert rows["static"]["end_ms"] == 157 and rows["static"]["verdict"] == "over budget"
    explorer.set_design(explorer.original)
    assert explorer.controls[("primary", "timeout_ms")].value == 85
    assert explorer.evaluation.verdict.startswith("within budget")


def test_explorer_slider_change_goes_through_the_callback():
    explorer = MatrixExplorer(fk.default_design(), simulate=False)
    explorer.controls[("cache", "cost_per_1m_usd")].value = 1020
    # the cache is reached by 2.98% of requests: +1000 $/1M on it adds 29.8 $ blended
    assert explorer.design.matrix.path("cache").cost_per_1m_usd == 1020
    assert round(explorer.evaluation.budget.blended_cost_per_1m_usd - fk.default_design().budget().blended_cost_per_1m_usd, 1) == 29.8
    explorer.controls[("cache", "coverage_pct")].value = 0
    assert explorer.evaluation.budget.rows[1].share == 0


def test_explorer_simulates_when_the_kit_can():
    ev = evaluate(edits.with_path_value(fk.default_design(), "primary", "timeout_ms", 120))
    assert ev.simulated is not None and ev.simulated.n_requests == 50_000
    assert ev.verdict.startswith("SLO missed (simulated): 99.870% of requests < 150 ms")
    assert ev.declared_verdict == "over budget: worst-case chain 177 ms vs 150 ms (by 27 ms)"
    assert not ev.meets_slo


def test_explorer_keeps_the_last_valid_design_on_a_bad_value():
    explorer = MatrixExplorer(fk.default_design(), simulate=False)
    assert explorer.change("cache", "coverage_pct", 150) is None
    assert "less than or equal to 100" in explorer.problems.value
    assert explorer.design.matrix.path("cache").coverage_pct == 70


def test_p99_edit_keeps_percentiles_ordered_and_moves_a_constant():
    d = edits.with_path_value(fk.default_design(), "primary", "p99_ms", 60)
    lat = d.matrix.path("primary").latency
    assert (lat.p50_ms, lat.p95_ms, lat.p99_ms) == (45, 60, 60)  # p95 comes down with p99; p50 was below
    d = edits.with_path_value(fk.default_design(), "static", "p99_ms", 5)
    assert d.matrix.path("static").latency.distribution.ms == 5
    d = edits.with_path_value(fk.default_design(), "primary", "cost_per_1m_usd", 2400)
    assert d.matrix.path("primary").price_per_call_usd == pytest.approx(0.0024)


# -- WorkflowBuilder -----------------------------------------------------------------------------
def test_builder_shows_rule_problems_and_rerenders(design_file):
    builder = WorkflowBuilder(design_file)
    assert builder.problems == [] and builder.renders == 1
    assert builder.delete_edge(7)  # check -> to_fallback [else]: five modes lose their route
    assert builder.renders == 2
    messages = [p.message for p in builder.problems]
    assert "decision 'check' has 0 [else] guards; expected exactly one so the guards cover every case" in messages
    assert sum("is not routed by the workflow" in m for m in messages) == 5
    mermaid = builder.diagram.outputs[0]["data"]["text/vnd.mermaid"]
    assert mermaid.startswith("flowchart TD") and mermaid == builder.workflow.to_mermaid()
    before = design_file.read_bytes()
    assert not builder.save()  # a broken workflow is never written
    assert design_file.read_bytes() == before


def test_builder_renames_a_node_with_its_flows_and_saves():
    d = fk.default_design()
    builder = WorkflowBuilder(d)
    assert builder.update_node("rules", id="rule_engine_call", kind="action", label="Ask the rule engine",
                               partition="gateway", path="rule_engine")
    wf = builder.workflow
    assert [e.target for e in wf.edges if e.source == "cache_hit" and e.guard == "else"] == ["rule_engine_call"]
    assert builder.problems == []
    assert not builder.add_node(id="bad id", kind="action", label="x")
    assert "pattern" in builder.message.value and len(builder.workflow.nodes) == len(d.workflow.nodes)


def test_builder_saves_a_valid_workflow(design_file):
    builder = WorkflowBuilder(design_file)
    assert builder.update_edge(13, source="cache_hit", target="to_answer", guard="cache hit")
    assert builder.save()
    assert fk.load(design_file).workflow.edges[13].guard == "cache hit"


# -- PostmortemDashboard -------------------------------------------------------------------------
def test_dashboard_measures_and_adds_incidents(design_file):
    dash = PostmortemDashboard(design_file)
    assert dash.to_text().startswith("PostmortemDashboard — 5 incidents, owner SRE lead")
    ok = dash.add_incident(id="INC-6", title="Cache outage", severity="P2", failure_mode="provider-5xx",
                           started="2026-11-10T09:00:00Z", detected="2026-11-10T09:02:00Z",
                           acknowledged="2026-11-10T09:05:00Z", mitigated="2026-11-10T09:20:00Z",
                           resolved="2026-11-10T10:00:00Z")
    assert ok
    m = {s.name: s for s in fk.load(design_file).postmortem.measure().metrics}
    # detect minutes: 4, 2, 1, 1650, 30 and now 2 -> median 3
    assert m["time_to_detect"].count == 6 and m["time_to_detect"].median == 3
    assert "time_to_detect: median" in dash.to_text()


def test_dashboard_refuses_out_of_order_stamps(design_file):
    before = design_file.read_bytes()
    dash = PostmortemDashboard(design_file)
    assert not dash.add_incident(id="INC-9", title="x", severity="P3", started="2026-11-10T09:00:00Z",
                                 detected="2026-11-10T08:00:00Z")
    assert "is before started" in dash.message.value
    assert design_file.read_bytes() == before


def test_dashboard_trend_compares_older_and_newer_incidents():
    from fallbackkit.widgets.postmortem_dashboard import trend_lines
    lines = trend_lines(fk.default_design())
    # detect: older INC-1 (4), INC-2 (2) -> 3; newer INC-3 (1), INC-4 (1650), INC-5 (30) -> 30
    assert lines[0] == "time_to_detect: median 3.0 → 30.0 min (worsening; older 2 vs newer 3 incidents)"


# -- CadenceTracker ------------------------------------------------------------------------------
def test_cadence_counts_done_artifacts_per_day():
    d = fk.default_design()
    t = CadenceTracker(d, start=dt.date(2026, 11, 24), today=dt.date(2026, 11, 25))
    # the widget draws the core tracker (fallbackkit.cadence): Day 3 includes the polish of the joins
    assert t.done == ["taxonomy", "matrix", "workflow", "postmortem", "design"]
    assert [b.value for b in t.bars.values()] == [2, 1, 2]
    broken = d.model_copy(update={"workflow": edits.delete_edge(d.workflow, 7)})
    t.update(broken)
    assert t.done == ["taxonomy", "matrix", "postmortem"]  # a decision without [else] is the workflow's gap
    assert t.summary() == "3/5 artifacts complete — Day 1: 2/2, Day 2: 0/1, Day 3: 1/2; behind on day 2: workflow"
    assert [b.value for b in t.bars.values()] == [2, 0, 1]
    assert "recovery workflow      incomplete — nodes[4]: decision 'check' has 0 [else] guards" in t.to_text()
    late = CadenceTracker(d, start=dt.date(2026, 11, 20), today=dt.date(2026, 11, 25))
    assert late.summary().endswith("; today is day 6, past the three-day plan")


def test_cadence_rechecks_the_file(design_file):
    t = CadenceTracker(design_file)
    assert len(t.done) == 5
    TaxonomyEditor(design_file).select("rate-limited").set_field("severity", "P0").save()
    t.refresh()
    assert len(t.done) == 5 and "checked at" in t.message.value


def test_dashboard_imports_a_pasted_log_all_or_nothing(design_file):
    dash = PostmortemDashboard(design_file)
    good = """
- {id: INC-6, title: Cache miss storm, severity: P2, started: 2026-11-12T10:00:00Z, detected: 2026-11-12T10:06:00Z}
- {id: INC-7, title: Rules stale, severity: P3, started: 2026-11-13T10:00:00Z, detected: 2026-11-13T10:01:00Z}
"""
    bad = good.replace("INC-6", "INC-8").replace("INC-7", "INC-9").replace("10:01:00Z", "09:01:00Z")
    before = design_file.read_bytes()
    assert not dash.import_text(bad)  # INC-9 detected before it started: neither record lands
    assert "incidents[6].detected" in dash.message.value and design_file.read_bytes() == before
    assert not dash.import_text("id: INC-6")
    assert "expected a list of incident records, got dict" in dash.message.value
    assert dash.import_text(good)
    assert [i.id for i in fk.load(design_file).postmortem.incidents][-2:] == ["INC-6", "INC-7"]


def test_explorer_saves_the_explored_matrix_and_nothing_else(design_file):
    explorer = MatrixExplorer(str(design_file), simulate=False)
    TaxonomyEditor(design_file).select("low-confidence").set_field("severity", "P3").save()  # an edit it never saw
    explorer.change("primary", "timeout_ms", 90)
    assert explorer.save()
    d = fk.load(design_file)
    assert d.matrix.path("primary").timeout_ms == 90
    assert d.taxonomy.mode("low-confidence").severity == "P3"   # not overwritten by the explorer's copy
    assert not MatrixExplorer(fk.default_design(), simulate=False).save()


# -- guided start (notebook 00) ------------------------------------------------------------------
def test_guided_start_writes_a_starter_and_never_overwrites(tmp_path):
    from fallbackkit.widgets import GuidedStart
    target = tmp_path / "mine.yaml"
    form = GuidedStart(target)
    form.fields["name"].value = "Pull-request review bot"
    form.fields["slo_percentile"].value = 95
    form.fields["slo_threshold_ms"].value = 20000
    form.fields["slo_percentile"].value = 150          # out of range: refused, nothing written
    assert form.write() is None and not target.exists() and "SLO percentile" in form.message.value
    form.fields["slo_percentile"].value = 95
    assert form.write() == str(target)
    d = fk.load(target, partial=True)
    # traffic and cost ceiling left at zero: not yet written (a context is whole or pending)
    assert [p.path for p in d.not_yet_written()][:2] == ["context.traffic", "context.cost_ceiling_per_1m_usd"]
    assert "percentile: 95" in target.read_text() and "threshold_ms: 20000" in target.read_text()
    text = target.read_text()
    assert form.write() is None and target.read_text() == text and "already exists" in form.message.value


def test_widget_labels_hold_no_dollar_sign_to_typeset():
    from fallbackkit.widgets import GuidedStart
    assert not [w.description for w in GuidedStart("x.yaml").fields.values() if "$" in w.description]


# -- interview ------------------------------------------------------------------------------------
def test_widget_text_form_and_roles(clock):
    pytest.importorskip("ipywidgets")
    from fallbackkit.interview import MockInterview
    from fallbackkit.widgets.interview import InterviewWidget
    iv = MockInterview(fk.default_design(), mode="interviewer", clock=clock)
    wdg = InterviewWidget(iv)
    bundle = wdg._repr_mimebundle_()
    assert bundle["text/plain"].startswith("Failure taxonomy — question 1 of 4 (10.0 min left)")
    assert "Hint" not in bundle["text/plain"] and wdg.hint.value == ""
    wdg.set_role("interviewer")
    assert "Hint: budget 28 × 1440" in wdg.hint.value
    wdg.mark.value = 2
    wdg.submit("paged in 5 min")
    assert iv.sessions[0].answers[0].rating == 2 and wdg.answer_box.value == ""
    for _ in range(4):
        wdg.end_session()
    assert iv.finished and wdg.submit_button.disabled
    assert "Mock interview scorecard" in wdg.scorecard_html.value
