"""The learner's own design, from a blank page: designs grow by day, any saved artifact file
validates alone, `new` never hands over the worked example renamed, and no incidents is normal.

Regression tests for issue #11; each failed on main before the fix it names.
"""

from pathlib import Path

import pytest
import yaml

import fallbackkit as fk
from fallbackkit import cadence, scenarios, starter
from fallbackkit.design import Design, artifact_kind, load_any
from cli_run import run

BOT = Path(__file__).parent / "data" / "code_review_bot.yaml"


@pytest.fixture
def day1(tmp_path) -> Path:
    data = yaml.safe_load(BOT.read_text())
    del data["workflow"], data["postmortem"]
    p = tmp_path / "day1.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


# -- designs grow by day ----------------------------------------------------------------------
def test_day1_design_validates_and_names_what_is_not_yet_written(day1):
    code, out, err = run("validate", str(day1))
    assert code == 0, err          # main: 20+ errors about the workflow and the post-mortem loop
    assert "workflow: not yet written (Day 2)" in out
    assert "postmortem: not yet written (Day 3)" in out
    assert "budget: within budget" in out


def test_partial_design_keeps_cross_artifact_rules_between_written_parts(day1):
    data = yaml.safe_load(day1.read_text())
    data["taxonomy"]["modes"][0]["mitigation"]["path"] = "gpu-cluster"
    with pytest.raises(fk.DesignError) as err:
        Design.from_dict(data, "day1.yaml", partial=True)
    assert [p.path for p in err.value.problems] == ["taxonomy.modes[0].mitigation.path"]


def test_strict_load_reports_unwritten_parts_not_field_errors(day1):
    with pytest.raises(fk.DesignError) as err:
        fk.load(day1)
    assert [str(p) for p in err.value.problems] == [
        f"{day1}: workflow: not yet written (Day 2)", f"{day1}: postmortem: not yet written (Day 3)"]


def test_commands_that_need_a_whole_design_exit_2_naming_the_missing_day(day1):
    code, _, err = run("simulate", str(day1), "-n", "1000")
    assert code == 2 and "workflow: not yet written (Day 2)" in err and "Traceback" not in err


def test_cadence_reports_the_rest_as_not_yet_written(day1):
    report = cadence.track(fk.load(day1, partial=True), day=1)
    assert report.item("taxonomy").status == "complete" and report.item("matrix").status == "complete"
    assert report.item("workflow").reasons == ["not yet written (Day 2)"]
    assert report.on_track is True


@pytest.mark.parametrize("name", ["taxonomy", "matrix", "workflow", "postmortem", "context"])
def test_every_artifact_file_the_kit_saves_validates_alone(tmp_path, name):
    d = fk.load(BOT)
    f = tmp_path / f"{name}.yaml"
    d.standalone(name).save(f)
    assert artifact_kind(yaml.safe_load(f.read_text())) == name
    code, out, err = run("validate", str(f))
    assert code == 0, err           # main: "severity_levels: unknown field" for a taxonomy
    assert f"valid {load_any(f).title}" in out


# -- blank page to own design -----------------------------------------------------------------
def test_new_without_flags_is_a_starter_not_the_worked_example(tmp_path):
    code, _, err = run("new", "Code review bot", cwd=tmp_path)
    assert code == 0, err
    text = (tmp_path / "Code_review_bot.yaml").read_text()
    assert "Customer-support" not in text and "help centre" not in text
    code, out, _ = run("validate", "Code_review_bot.yaml", cwd=tmp_path)
    assert code == 0
    assert "context.slo: not yet written (Day 1)" in out and "taxonomy: not yet written (Day 1)" in out
    # ...and a critique needs the artifacts first: it does not score an empty page Very Strong
    code, _, err = run("critique", "Code_review_bot.yaml", cwd=tmp_path)
    assert code == 2 and "not yet written" in err


def test_new_from_scenario_marks_copied_text(tmp_path):
    code, _, _ = run("new", "Code review bot", "--from", "rag-search", cwd=tmp_path)
    assert code == 0
    d = fk.load(tmp_path / "Code_review_bot.yaml")
    copied = scenarios.template_text_fields(d)
    assert copied and "rag-search" in {c.scenario for c in copied}
    assert "context.description" in [c.path for c in copied]
    code, out, _ = run("validate", "Code_review_bot.yaml", cwd=tmp_path)
    assert f"{len(copied)} text fields still copied word for word from the " in out and "rag-search" in out
    # rewriting the text takes it off the list
    d.context.description = "Reviews every pull request in the monorepo within 20 seconds."
    assert "context.description" not in [c.path for c in scenarios.template_text_fields(d)]


def test_own_product_has_no_template_text():
    assert scenarios.template_text_fields(fk.load(BOT)) == []


def test_new_from_unknown_scenario_lists_the_names(tmp_path):
    code, _, err = run("new", "X", "--from", "nope", cwd=tmp_path)
    assert code == 2 and "support-chat" in err and not list(tmp_path.iterdir())


def test_new_interactive_reads_answers_from_stdin(tmp_path):
    answers = "Pull-request review bot\nReviews pull requests\n9,000\n3\n95\n20000\n\n9000\nanthropic, openai\n"
    code, out, err = run("new", "--interactive", "--out", "bot.yaml", cwd=tmp_path, stdin=answers)
    assert code == 0, err
    d = fk.load(tmp_path / "bot.yaml", partial=True)
    assert d.context.name == "Pull-request review bot"
    assert (d.context.slo.percentile, d.context.slo.threshold_ms) == (95, 20000)
    assert d.context.traffic.requests_per_day == 9000 and d.missing == ["taxonomy", "matrix", "workflow", "postmortem"]
    text = (tmp_path / "bot.yaml").read_text()
    assert "#       provider: anthropic" in text and "#       provider: openai" in text


def test_interactive_asks_again_for_a_bad_number():
    lines = iter(["Bot", "", "lots", "9000", "3", "95", "20000", "", "", ""])
    said = []
    a = starter.ask(lambda: next(lines), said.append)
    assert a.requests_per_day == 9000 and a.cost_ceiling_per_1m_usd is None
    assert any("'lots' is not a number" in s for s in said)


# -- no incidents yet is normal ---------------------------------------------------------------
def test_no_incidents_measures_without_a_type_error():
    d = fk.load(BOT)
    assert d.postmortem.incidents == []
    text = d.postmortem.to_text()
    assert "no incidents yet" in text
    m = d.postmortem.measure()
    assert all(s.count == 0 for s in m.metrics)
    assert "no incidents yet" in m.to_text()


# -- presentation, once -----------------------------------------------------------------------
def _bot_16s(tmp_path) -> Path:
    data = yaml.safe_load(BOT.read_text())
    data["context"]["slo"]["threshold_ms"] = 16000
    p = tmp_path / "bot16.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


def test_no_scientific_notation_in_show_simulate_or_export(tmp_path):
    f = _bot_16s(tmp_path)
    outs = [run("show", str(f), "--artifact", "budget")[1], run("show", str(f))[1],
            run("simulate", str(f), "-n", "2000")[1], run("validate", str(f))[1]]
    assert run("export", str(f), "--out", str(tmp_path / "review"))[0] == 0
    outs += [p.read_text() for p in (tmp_path / "review").rglob("*") if p.suffix in (".html", ".md")]
    import re
    for text in outs:
        assert not re.search(r"\d\.?\d*e[+-]\d", text), re.search(r".{40}\d\.?\d*e[+-]\d.{20}", text)
    assert "vs 16,000 ms" in outs[0]


def test_mermaid_ids_are_stable_when_a_node_is_added_and_labels_wrap():
    wf = fk.default_design().workflow
    before = wf.to_mermaid()
    data = wf.to_dict()
    data["nodes"].insert(1, {"id": "audit", "kind": "action", "label": "Write an audit log line for the request"})
    data["edges"].append({"source": "audit", "target": data["nodes"][2]["id"]})
    after = fk.RecoveryWorkflow.from_dict(data, check=False).to_mermaid()
    lines = lambda m: {line.strip() for line in m.splitlines() if ":::" in line}
    assert lines(before) <= lines(after)          # every old node keeps its id and text (main: n1 → n2 …)
    labels = [seg for line in after.splitlines() if ":::" in line for seg in line.split("<br>")]
    assert "n_audit(" in after and all(len(s.strip()) < 80 for s in labels)
    assert '"useMaxWidth": false' in after        # drawn at natural size: node text stays 14 px


def test_a_bundled_scenario_is_not_its_own_copy(tmp_path):
    # the packaged file is the template; a byte-identical copy elsewhere is the learner's unedited one
    code, out, _ = run("validate", scenarios.path("rag-search"), cwd=tmp_path)
    assert code == 0 and "still copied" not in out
    copy = tmp_path / "mine.yaml"
    copy.write_bytes(open(scenarios.path("rag-search"), "rb").read())
    code, out, _ = run("validate", str(copy), cwd=tmp_path)
    assert code == 0 and "text fields still copied word for word" in out
    assert scenarios.is_bundled(scenarios.path("rag-search")) and not scenarios.is_bundled(copy)
