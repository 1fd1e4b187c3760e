"""Papermill runs: parameters are checked before anything executes; a batch survives a
failing run and writes a summary with the key results."""

import csv
import json
from pathlib import Path

import nbformat
import pytest

from fallbackkit import runner
from fallbackkit.cli import main

ROOT = Path(__file__).resolve().parent.parent
COMMON = {"scenario": ("str",), "seed": ("int",), "n_requests": ("int",),
          "slo_threshold_ms": ("float", "None"), "slo_percentile": ("float", "None")}
TEACHING = sorted(p for d in ("notebooks", "fallbackkit/data/solutions", "exercises") for p in (ROOT / d).glob("*.ipynb"))


def tiny_notebook(path: Path) -> Path:
    from nbformat.v4 import new_code_cell, new_notebook
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    params = new_code_cell('scenario = "support-chat"  # a scenario\nseed = 7\n'
                           'slo_threshold_ms: float | None = None\nfail = False')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, new_code_cell(
        "from fallbackkit import scenarios\nfrom fallbackkit.runner import record\n"
        "d = scenarios.load(scenario, slo_threshold_ms=slo_threshold_ms)\n"
        "assert not fail, 'asked to fail'\n"
        "record(worst_case_ms=d.budget().worst_case_ms, seed=seed, fits=d.budget().worst_case_ms <= d.context.slo.threshold_ms)")]
    nbformat.write(nb, str(path))
    return path


@pytest.mark.parametrize("path", TEACHING, ids=[str(p.relative_to(ROOT)) for p in TEACHING])
def test_every_teaching_notebook_takes_the_common_parameters(path):
    spec = runner.parameters_of(path)
    got = {k: tuple(p.type_name.split(" | ")) for k, p in spec.items() if k in COMMON}
    assert got == COMMON
    assert spec["scenario"].default in __import__("fallbackkit.scenarios").scenarios.names()
    assert spec["n_requests"].default <= 20000   # fast defaults


def test_parse_parameters_reads_types_defaults_and_help():
    spec = runner.parse_parameters('a = 3  # count\nb: float | None = None\nc = "x"\nd = True\nimport os\ne = os.sep')
    assert [p.describe() for p in spec.values()] == [
        "a: int = 3  # count", "b: float | None = None", "c: str = 'x'", "d: bool = True"]


def test_coerce_types_and_rejects_with_what_is_accepted():
    spec = runner.parse_parameters('scenario = "support-chat"\nseed = 7\nx: float | None = None\nflag = False')
    assert runner.coerce(spec, {"seed": "3", "x": "120", "flag": "true", "scenario": "rag-search"}) == {
        "seed": 3, "x": 120.0, "flag": True, "scenario": "rag-search"}
    assert runner.coerce(spec, {"x": "None"}) == {"x": None}
    with pytest.raises(runner.RunError) as err:
        runner.coerce(spec, {"sed": "3", "seed": "3.5", "x": "fast", "scenario": "nope"}, notebook="nb.ipynb")
    msg = str(err.value)
    assert msg.startswith("nb.ipynb: unknown parameter 'sed'; parameter 'seed' expects int, got '3.5'; "
                          "parameter 'x' expects float | None, got 'fast'; unknown scenario 'nope'; expected one of: support-chat")
    assert "accepted parameters:\n  scenario: str = 'support-chat'\n  seed: int = 7\n  x: float | None = None\n  flag: bool = False" in msg
    with pytest.raises(runner.RunError, match="expected NAME=VALUE"):
        runner.parse_assignments(["seed"])


def test_run_records_key_results(tmp_path):
    nb = tiny_notebook(tmp_path / "t.ipynb")
    res = runner.run(nb, "voice-assistant", {"seed": "3"}, tmp_path / "out.ipynb")
    assert res.status == "ok" and res.scenario == "voice-assistant"
    assert res.results == {"worst_case_ms": 385.0, "seed": 3, "fits": True}
    res = runner.run(nb, None, {"slo_threshold_ms": "120"}, tmp_path / "out2.ipynb")
    assert res.scenario == "support-chat" and res.results["fits"] is False


def test_bad_requests_fail_before_executing(tmp_path, capsys):
    nb = tiny_notebook(tmp_path / "t.ipynb")
    out = tmp_path / "never.ipynb"
    assert main(["run", str(nb), "--scenario", "mars", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario 'mars'; expected one of: support-chat, code-assistant" in err
    assert main(["run", str(nb), "-p", "seed=seven", "--out", str(out)]) == 2
    assert "parameter 'seed' expects int, got 'seven'" in capsys.readouterr().err
    assert main(["run", str(nb), "-p", "speed=1", "--out", str(out)]) == 2
    assert "unknown parameter 'speed'" in capsys.readouterr().err
    assert not out.exists()
    assert main(["run", str(tmp_path / "missing.ipynb")]) == 2
    assert "missing.ipynb: no such notebook" in capsys.readouterr().err
    untagged = nbformat.read(str(nb), as_version=4)
    untagged.cells[0].metadata["tags"] = []
    nbformat.write(untagged, str(tmp_path / "untagged.ipynb"))
    assert main(["run", str(tmp_path / "untagged.ipynb")]) == 2
    assert "untagged.ipynb: expected exactly one cell tagged 'parameters', found 0" in capsys.readouterr().err
    assert main(["run-all", "--scenarios", "support-chat,atlantis", "--notebooks", str(nb), "--out", str(tmp_path / "r")]) == 2
    assert "unknown scenario 'atlantis'; expected 'all' or a comma-separated list of:" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_run_all_reports_failures_and_writes_summary(tmp_path, capsys):
    a = tiny_notebook(tmp_path / "a.ipynb")
    b = tiny_notebook(tmp_path / "b.ipynb")
    nb = nbformat.read(str(b), as_version=4)
    nb.cells[1].source = "raise RuntimeError('<boom> & co')\n" + nb.cells[1].source
    nbformat.write(nb, str(b))
    out = tmp_path / "runs"
    code = main(["run-all", "--scenarios", "support-chat,rag-search", "--notebooks", str(a), str(b),
                 "--out", str(out), "--no-progress", "--serial"])
    assert code == 1
    printed = capsys.readouterr()
    assert "2 of 4 runs ok" in printed.out
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(r["scenario"], Path(r["notebook"]).name, r["status"]) for r in rows] == [
        ("support-chat", "a.ipynb", "ok"), ("rag-search", "a.ipynb", "ok"),
        ("support-chat", "b.ipynb", "failed"), ("rag-search", "b.ipynb", "failed")]
    assert rows[1]["key_results"] == "worst_case_ms=2355.0; seed=7; fits=True"
    assert rows[2]["error"].endswith("RuntimeError: <boom> & co")
    assert all(float(r["duration_s"]) > 0 for r in rows)
    html = (out / "summary.html").read_text()
    assert "2 of 4 runs ok, 2 failed" in html and "&lt;boom&gt; &amp; co" in html and "<boom>" not in html
    assert (out / "rag-search" / "a.ipynb").exists()


def test_guided_notebook_runs_for_another_scenario(tmp_path):
    res = runner.run(ROOT / "notebooks" / "02_day1_latency_budget_matrix.ipynb", "batch-summarisation",
                     {"n_requests": "2000"}, tmp_path / "02.ipynb")
    assert res.status == "ok", res.error
    assert res.results["worst_case_ms"] == 42200.0
    assert res.results["blended_cost_per_1m_usd"] == 315.63
    assert abs(res.results["cost_per_year_usd"] - 315.63 * 5_000_000 * 365 / 1e6) < 10
    assert res.results["simulated_attainment_pct"] == 100.0
    assert json.loads(json.dumps(res.results))["within_budget"] is True


# -- one design, everywhere -------------------------------------------------------------------
BOT = ROOT / "tests" / "data" / "code_review_bot.yaml"
GUIDED = [p for p in sorted((ROOT / "notebooks").glob("*.ipynb")) if not p.name.startswith("05")]


@pytest.mark.parametrize("path", GUIDED, ids=[p.name for p in GUIDED])
def test_every_guided_notebook_takes_a_design_path(path):
    # main: notebooks 01-04 took only `scenario`; 00 and 90 took `design_path`, typed as None
    spec = runner.parameters_of(path)
    assert spec["design"].types == (str, type(None)) and spec["design"].default is None
    assert runner.prepare(path, design=str(BOT))["design"] == str(BOT.resolve())


def test_run_with_a_design_records_it_and_names_the_output(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["run", str(ROOT / "notebooks" / "02_day1_latency_budget_matrix.ipynb"), "--design", str(BOT),
                 "-p", "n_requests=2000"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"(design {BOT.resolve()})" in out
    assert "worst_case_ms: 19700" in out       # the bot's own chain, not support-chat's 142 ms
    assert (tmp_path / "runs" / "02_day1_latency_budget_matrix__code_review_bot.ipynb").exists()


def test_bad_design_fails_before_executing(tmp_path, capsys):
    nb = str(ROOT / "notebooks" / "01_day1_failure_taxonomy.ipynb")
    assert main(["run", nb, "--design", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("context: {name: x, traffic: {requests_per_day: -1, peak_rps: 1}}\n")
    assert main(["run", nb, "--design", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "context.traffic.requests_per_day" in err and not list(tmp_path.glob("runs"))
    assert main(["run", nb, "--scenario", str(BOT)]) == 2
    assert "use --design FILE" in capsys.readouterr().err


def test_run_all_over_designs_in_a_folder(tmp_path, capsys):
    designs = tmp_path / "designs"
    designs.mkdir()
    (designs / "bot.yaml").write_text(BOT.read_text())
    a = tiny_notebook(tmp_path / "a.ipynb")           # takes no design: runs once, on its scenario
    nb = str(ROOT / "notebooks" / "03_day2_recovery_workflow.ipynb")
    out = tmp_path / "runs"
    code = main(["run-all", "--designs", str(designs), "--notebooks", nb, str(a), "--out", str(out), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(Path(r["notebook"]).name, Path(r["design"]).name if r["design"] else "") for r in rows] == [
        ("03_day2_recovery_workflow.ipynb", "bot.yaml"), ("a.ipynb", "")]
    assert (out / "bot" / "03_day2_recovery_workflow.ipynb").exists()
