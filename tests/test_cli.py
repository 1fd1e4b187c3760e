"""The CLI as a person meets it: exit codes, one line per problem, never a traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import fallbackkit as fk
from fallbackkit.cli import main


def run(*args, cwd=None):
    proc = subprocess.run([sys.executable, "-m", "fallbackkit", *args], capture_output=True, text=True, cwd=cwd)
    return proc.returncode, proc.stdout, proc.stderr


def test_validate_default_exit_0():
    code, out, err = run("validate", fk.default_design_path())
    assert code == 0, err
    assert "valid — 7 failure modes, 4 paths, 18 workflow nodes, 6 action items" in out
    assert "within budget: worst-case chain 142 ms vs 150 ms" in out


def test_validate_broken_exit_2_one_line_per_problem(default_data, write_design):
    default_data["matrix"]["paths"][1]["coverage_pct"] = 140
    default_data["taxonomy"]["modes"][0]["sevrity"] = "P1"
    f = write_design(default_data)
    code, out, err = run("validate", str(f))
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[-1] == "2 problems found."
    assert any(l.startswith(f"{f}:") and "taxonomy.modes[0].sevrity: unknown field" in l for l in lines)
    assert any("matrix.paths[1].coverage_pct: expected a value that is less than or equal to 100, got 140" in l for l in lines)
    assert "Traceback" not in err


@pytest.mark.parametrize("text", ["context: [1, 2\n", "!!python/object/apply:os.system ['echo hacked']\n"])
def test_malformed_yaml_no_traceback(tmp_path, text):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    code, out, err = run("validate", str(f))
    assert code == 2
    assert "Traceback" not in err and "hacked" not in out
    assert err.startswith(f"{f}:")


def test_missing_file_and_usage_errors(tmp_path):
    code, _, err = run("validate", str(tmp_path / "none.yaml"))
    assert code == 2 and "file not found" in err
    code, _, err = run("show", fk.default_design_path(), "--artifact", "deck")
    assert code == 2 and "invalid choice: 'deck'" in err


def test_show_artifacts():
    code, out, _ = run("show", fk.default_design_path(), "--artifact", "budget")
    assert code == 0
    assert "rule_engine" in out and "blended cost: $1,200.64 per 1M requests" in out
    code, out, _ = run("show", fk.default_design_path(), "--artifact", "workflow", "--mermaid")
    assert out.startswith("flowchart TD")
    code, out, _ = run("show", fk.default_design_path(), "--artifact", "taxonomy")
    assert out.count("\n") >= 9 and "unsafe-output" in out


def test_new_scaffolds_and_refuses_to_overwrite(tmp_path):
    code, out, _ = run("new", "Code assistant", cwd=tmp_path)
    assert code == 0
    f = tmp_path / "Code_assistant.yaml"
    d = fk.load(f)
    assert d.context.name == "Code assistant"
    f.write_text("kept")
    code, _, err = run("new", "Code assistant", cwd=tmp_path)
    assert code == 2 and "already exists; pass --force" in err
    assert f.read_text() == "kept"
    assert run("new", "Code assistant", "--force", cwd=tmp_path)[0] == 0
    assert fk.load(f).context.name == "Code assistant"


def test_schema_is_published_and_current():
    code, out, _ = run("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "fallbackkit design"
    assert set(schema["required"]) == {"context", "taxonomy", "matrix", "workflow", "postmortem"}
    published = Path(fk.__file__).parent / "data" / "design.schema.json"
    assert published.read_text() == out, "run `fallbackkit schema --out fallbackkit/data/design.schema.json`"


def test_help_teaches():
    code, out, _ = run("--help")
    assert code == 0
    for word in ("validate", "show", "new", "schema", "Exit codes"):
        assert word in out


def test_internal_errors_are_one_line(monkeypatch, capsys):
    import fallbackkit.cli as cli

    def boom(args):
        raise RuntimeError("kaboom")
    monkeypatch.setattr(cli, "cmd_validate", boom)
    monkeypatch.delenv("FALLBACKKIT_DEBUG", raising=False)
    assert main(["validate", "x.yaml"]) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaboom" in err and "Traceback" not in err
