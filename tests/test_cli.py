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
    code, out, _ = run("new", "Code assistant", "--from", "support-chat", cwd=tmp_path)
    assert code == 0
    f = tmp_path / "Code_assistant.yaml"
    d = fk.load(f)
    assert d.context.name == "Code assistant"
    f.write_text("kept")
    code, _, err = run("new", "Code assistant", cwd=tmp_path)
    assert code == 2 and "already exists; pass --force" in err
    assert f.read_text() == "kept"
    assert run("new", "Code assistant", "--force", cwd=tmp_path)[0] == 0
    assert "name: Code assistant" in f.read_text()


def test_schema_is_published_and_current():
    code, out, _ = run("schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "fallbackkit design"
    assert set(schema["required"]) == {"context", "taxonomy", "matrix", "workflow", "postmortem"}
    published = Path(fk.__file__).parent / "data" / "design.schema.json"
    assert published.read_text() == out, "run `fallbackkit schema --out fallbackkit/data/design.schema.json --force`"


def test_help_teaches():
    code, out, _ = run("--help")
    assert code == 0
    for word in ("validate", "show", "new", "schema", "Exit codes"):
        assert word in out


def test_internal_errors_are_one_line(monkeypatch, capsys):
    from fallbackkit.cli import design as design_commands

    def boom(args):
        raise RuntimeError("kaboom")
    monkeypatch.setattr(design_commands, "cmd_validate", boom)
    monkeypatch.delenv("FALLBACKKIT_DEBUG", raising=False)
    assert main(["validate", "x.yaml"]) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaboom" in err and "Traceback" not in err


# -- issue 16: nothing lost, whatever the input ------------------------------------------------
def cli(capsys, *args):
    """The CLI in-process: (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def design_file(tmp_path):
    f = tmp_path / "d.yaml"
    f.write_bytes(Path(fk.default_design_path()).read_bytes())
    return f


def test_out_never_replaces_an_input_even_with_force(capsys, tmp_path, design_file):
    before = design_file.read_bytes()
    answers = tmp_path / "a.yaml"
    answers.write_text("'*': I would add a cache.\n")
    for args in (["interview", design_file, "--answers", answers, "--out", design_file],
                 ["interview", design_file, "--answers", answers, "--out", design_file, "--force"],
                 ["interview", design_file, "--answers", answers, "--out", answers, "--force"],
                 ["router", design_file, "--to", "litellm", "--out", design_file, "--force"]):
        code, _, err = cli(capsys, *args)
        assert code == 2, err
        assert "is the input file" in err and "choose another --out" in err
    assert design_file.read_bytes() == before
    assert answers.read_text() == "'*': I would add a cache.\n"
    link = tmp_path / "link.yaml"  # another name for the same file is the same file
    link.symlink_to(design_file)
    code, _, err = cli(capsys, "router", design_file, "--to", "litellm", "--out", link, "--force")
    assert code == 2 and "is the input file" in err
    assert design_file.read_bytes() == before


def test_out_never_replaces_an_existing_file_without_force(capsys, tmp_path, design_file):
    before = design_file.read_bytes()
    for args in (["schema", "--out", design_file], ["new", "X", "--out", design_file],
                 ["router", fk.default_design_path(), "--to", "portkey", "--out", design_file]):
        code, _, err = cli(capsys, *args)
        assert code == 2 and f"{design_file}: already exists; pass --force" in err, err
    assert design_file.read_bytes() == before
    code, _, err = cli(capsys, "schema", "--out", design_file, "--force")
    assert code == 0, err
    assert json.loads(design_file.read_text())["title"] == "fallbackkit design"


@pytest.mark.parametrize("errno_, reason", [(28, "No space left on device"), (13, "Permission denied"),
                                            (30, "Read-only file system"), (36, "File name too long")])
def test_every_write_failure_exits_2_with_the_path(capsys, monkeypatch, tmp_path, design_file, errno_, reason):
    import fallbackkit.files as files

    def fail(*a, **k):
        raise OSError(errno_, reason)
    monkeypatch.setattr(files.os, "replace", fail)
    answers = tmp_path / "a.yaml"
    answers.write_text("'*': I would add a cache.\n")
    out = tmp_path / "out.txt"
    for args in (["new", "Support chat", "--out", out], ["schema", "--out", out],
                 ["router", design_file, "--to", "litellm", "--out", out],
                 ["interview", design_file, "--answers", answers, "--out", out]):
        code, _, err = cli(capsys, *args)
        assert code == 2, (args, err)
        line = err.splitlines()[0]  # "cannot write: …" here, "not saved: …" from the save mechanism
        assert line.count(str(out)) == 1 and reason in line and "internal error" not in err
        assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "d.yaml"]
    monkeypatch.setattr(Path, "write_text", fail)
    code, _, err = cli(capsys, "export", design_file, "--out", tmp_path / "review")
    assert code == 2 and f"{tmp_path / 'review'}: cannot write the export: {reason}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "d.yaml"]


def test_folders_and_long_names_as_targets_exit_2(capsys, tmp_path, design_file):
    for args in (["schema", "--out", tmp_path], ["new", "X", "--out", tmp_path],
                 ["router", design_file, "--to", "litellm", "--out", tmp_path, "--force"]):
        code, _, err = cli(capsys, *args)
        assert code == 2 and f"{tmp_path}: is a folder; expected a file name" in err
    long = tmp_path / ("n" * 300 + ".yaml")
    code, _, err = cli(capsys, "new", "X", "--out", long)
    assert code == 2 and f"{long}: cannot write: File name too long" in err
    code, _, err = cli(capsys, "new", "x" * 300)  # the slug of the name is the file name
    assert code == 2 and "cannot write: File name too long" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.yaml"]


@pytest.mark.parametrize("name", ["", "   "])
def test_new_with_an_empty_name_exits_2(capsys, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "new", name)
    assert code == 2 and "the product name is empty" in err
    assert list(tmp_path.iterdir()) == []


BAD_ARGUMENTS = [
    (["simulate", "{f}", "--requests", "inf"], "--requests/-n: 'inf' is not a finite number"),
    (["simulate", "{f}", "--requests", "nan"], "'nan' is not a finite number"),
    (["simulate", "{f}", "--requests", "1e400"], "'1e400' is not a finite number"),
    (["simulate", "{f}", "--requests", "-5"], "expected a whole number of requests > 0"),
    (["simulate", "{f}", "--requests", "0"], "expected a whole number of requests > 0"),
    (["simulate", "{f}", "--requests", "2.5"], "expected a whole number of requests"),
    (["simulate", "{f}", "--requests", "1e12"], "expected a whole number of requests > 0 (at most 1e9)"),
    (["simulate", "{f}", "--rps", "1e-300"], "--rps: '1e-300': expected an arrival rate in requests/s between 0.001"),
    (["simulate", "{f}", "--rps", "inf"], "--rps: 'inf' is not a finite number"),
    (["simulate", "{f}", "--rps", "nan"], "--rps: 'nan' is not a finite number"),
    (["simulate", "{f}", "--rps", "-3"], "expected an arrival rate"),
    (["simulate", "{f}", "--seed", "-1"], "--seed: '-1': expected a seed between 0"),
    (["simulate", "{f}", "--seed", "1.5"], "is not a whole number; expected a seed"),
    (["simulate", "{f}", "--outage", "zzz"], "--outage: 'zzz': expected PATH:START:DURATION"),
    (["simulate", "{f}", "--outage", "primary:infm:5m"], "is not a finite number"),
    (["simulate", "{f}", "--outage", "primary:1m:0m"], "is not a duration > 0"),
    (["simulate", "{f}", "--outage", "primary:-1m:5m"], "is not a start ≥ 0"),
    (["critique", "{f}", "--simulate", "inf"], "--simulate: 'inf' is not a finite number"),
    (["critique", "{f}", "--simulate", "-1"], "expected a whole number of requests"),
    (["interview", "{f}", "--list", "--minutes", "nan"], "--minutes: 'nan' is not a finite number"),
    (["interview", "{f}", "--list", "--minutes", "0"], "expected a time box in minutes"),
    (["interview", "{f}", "--list", "--minutes", "1e308"], "expected a time box in minutes"),
]


@pytest.mark.parametrize("argv, message", BAD_ARGUMENTS)
def test_bad_arguments_exit_2_saying_what_is_expected(capsys, design_file, argv, message):
    code, out, err = cli(capsys, *[a.replace("{f}", str(design_file)) for a in argv])
    assert code == 2, err
    assert message in err and "Traceback" not in err and "internal error" not in err


def test_argument_errors_print_no_traceback_in_a_real_process(design_file):
    for args in (["simulate", design_file, "--requests", "inf"], ["critique", design_file, "--simulate", "inf"]):
        code, _, err = run(*map(str, args))
        assert code == 2 and "Traceback" not in err and "not a finite number" in err


def _edited(design_file: Path, old: str, new: str) -> Path:
    text = design_file.read_text()
    assert old in text
    design_file.write_text(text.replace(old, new, 1))
    return design_file


@pytest.mark.parametrize("old, new, line, field, message", [
    ("due: 2026-12-04", "due: 2026-02-30", 273, "postmortem.action_items[0].due",
     "expected a real calendar date (YYYY-MM-DD), got 2026-02-30"),
    ("started: 2026-10-06T18:02:00Z", "started: 2026-10-06T25:61:00Z", 284, "postmortem.incidents[0].started",
     "expected a real date and time with a time zone (YYYY-MM-DDTHH:MM:SSZ), got 2026-10-06T25:61:00Z"),
    ("occurrence: 0.02", "occurrence: " + "9" * 5000, 44, "taxonomy.modes[0].occurrence",
     "a whole number of 5,000 digits is too long to read"),
    ("occurrence: 0.02", "occurrence: 1:30", 44, "taxonomy.modes[0].occurrence",
     "'1:30' is read by YAML 1.1 as the base-60 number 90"),
])
def test_unreadable_values_exit_2_with_file_line_and_field(capsys, design_file, old, new, line, field, message):
    _edited(design_file, old, new)
    for command in (["validate"], ["critique"], ["simulate"], ["export"]):
        code, _, err = cli(capsys, *command, design_file, *(["--out", design_file.parent / "r"] if command == ["export"] else []))
        assert code == 2, err
        assert err.splitlines()[0].startswith(f"{design_file}:{line}: {field}: {message}"), err


def test_quoted_dates_read_as_a_person_writes_them(default_data):
    default_data["postmortem"]["action_items"][0]["due"] = "2026-02-30"
    with pytest.raises(fk.DesignError) as exc:
        fk.Design.from_dict(default_data, "d.json")
    assert str(exc.value.problems[0]) == ("d.json: postmortem.action_items[0].due: expected a real calendar date "
                                          "(YYYY-MM-DD), got 2026-02-30 (day value is outside expected range)")


def test_deep_nesting_exits_2_naming_the_file(capsys, design_file):
    design_file.write_text(design_file.read_text() + "extra: " + "[" * 3000 + "]" * 3000 + "\n")
    code, _, err = cli(capsys, "validate", design_file)
    assert code == 2, err
    assert err.startswith(f"{design_file}:") and "internal error" not in err


def test_ids_differing_only_by_case_are_duplicates(capsys, design_file):
    _edited(design_file, "- id: cache", "- id: Primary")
    code, _, err = cli(capsys, "validate", design_file)
    assert code == 2
    assert ("matrix.paths[1].id: duplicate id 'Primary': differs only by case from 'primary' at index 0; "
            "ids are compared ignoring case and must be unique") in err


def test_validate_refuses_occurrence_rates_the_simulator_refuses(capsys, design_file):
    text = design_file.read_text().replace("occurrence: 0.02", "occurrence: 0.6")
    design_file.write_text(text)  # two modes of 0.6 on the first path: 1.2 of its requests
    code, _, err = cli(capsys, "validate", design_file)
    assert code == 2
    assert "taxonomy.modes[6].occurrence: occurrence rates of the modes on the first path (no occurs_on) sum to 1.2" in err


def test_problems_are_labelled_with_a_real_place(capsys, design_file):
    code, _, err = cli(capsys, "simulate", design_file, "-n", "1000", "--outage", "nope:1m:5m")
    assert code == 2 and "command line: outages[0].path: unknown fallback path 'nope'" in err
    assert "<design>" not in err


def test_sweep_never_writes_over_its_design(capsys, design_file):
    before = design_file.read_bytes()
    code, _, err = cli(capsys, "sweep", design_file, "--grid", "primary.timeout_ms=60,85", "--requests", "200",
                       "--serial", "--out", design_file)
    assert code == 2 and f"{design_file}: is the input file" in err
    assert design_file.read_bytes() == before
    out = design_file.parent / "sweep.csv"
    assert cli(capsys, "sweep", design_file, "--grid", "primary.timeout_ms=60,85", "--requests", "200",
               "--serial", "--out", out)[0] == 0
    assert out.read_text().count("\n") == 3   # header + one row per grid value


def test_each_command_is_built_beside_its_handler():
    """CONTRIBUTING's recipe holds: every add_<cmd> in a group's COMMANDS sets func to the
    cmd_<cmd> of the same module, and the parser is exactly the groups' commands."""
    import argparse

    from fallbackkit import cli
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    seen = []
    for group in cli.GROUPS:
        for add in group.COMMANDS:
            stem = add.__name__.removeprefix("add_")
            assert add.__name__.startswith("add_") and add.__module__ == group.__name__
            commands = [name for name, p in sub.choices.items() if p.get_default("func") is getattr(group, "cmd_" + stem)]
            assert commands == [stem.replace("_", "-")], (group.__name__, stem, commands)
            seen += commands
    assert sorted(seen) == sorted(sub.choices)


@pytest.mark.parametrize("outage, line", [
    ("primary:infm:1m", "argument --outage: 'inf' is not a finite number; expected a start ≥ 0 such as 90s, 20m or 1h"),
    ("x:y:z", "argument --outage: 'y' is not a number; expected a start ≥ 0 such as 90s, 20m or 1h"),
    ("primary:1m:nanh", "argument --outage: 'nan' is not a finite number; expected a duration > 0 such as 90s, 20m or 1h"),
])
def test_outage_that_is_no_number_reads_as_it_did_before_the_cli_package(capsys, design_file, outage, line):
    """The differential run against 66e3611 (the CLI before its reshape) found the library's words
    doubled ("'inf' is not a finite number: 'infm' in 'primary:infm:1m' is not a duration; …")."""
    code, _, err = cli(capsys, "simulate", str(design_file), "--outage", outage)
    assert code == 2 and err.strip().splitlines()[-1] == f"fallbackkit simulate: error: {line}"


@pytest.mark.parametrize("method", ["stratified", "brute"])
def test_replay_runs_at_the_largest_seed_it_accepts(capsys, design_file, method):
    """--seed 2**63 - 1 passes replay's rule; its engine calls (seed + an offset) once went past
    simulate()'s and failed as "--seed: is 9223372036854776807", a seed no one typed."""
    code, out, err = cli(capsys, "replay", str(design_file), "--seed", str(2**63 - 1), "--quiet-sample", "300",
                         "--method", method, "--since", "2024-06-01", "--until", "2024-07-01")
    assert code == 0, err
    assert out.startswith("Incident replay") and "requests simulated" in out
