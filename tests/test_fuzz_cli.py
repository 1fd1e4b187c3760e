"""Fuzzing the command line: every command of the parser, random flags and values.

The flags come from the parser itself (``build_parser()``), so a command or option added later
is fuzzed too. Values mix numbers that broke the kit (inf, NaN, 1e309, -1, 1e-300, 5,000-digit
integers), empty and hostile strings, and paths that are the design, a folder, a missing file,
a name too long, /dev/null or a file that must not be lost. Each run keeps the contract in
tests/fuzzing.py, and neither the design nor the bystander file changes unless the command was
told to write exactly there with --force.

Cross-cutting by design: a contract every command keeps, not one module's behaviour.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzzing
from fuzzing import check_contract, run_cli, run_process
from fallbackkit.cli import build_parser

SETTINGS = dict(deadline=None, derandomize=not fuzzing.LONG, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _spec():
    """{command: (positionals, {option: (takes_value, choices, required)})} from the real parser."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = {}
    for name, p in sub.choices.items():
        positionals, options = [], {}
        for a in p._actions:
            if isinstance(a, argparse._HelpAction):
                continue
            if a.option_strings:
                options[a.option_strings[-1]] = (a.nargs != 0, a.choices, a.required)
            else:
                positionals.append((a.nargs, a.choices))
        out[name] = (positionals, options)
    return out


SPEC = _spec()
#: Commands that execute notebooks: fuzzed here only where they fail before running one
#: (the work folder holds no notebooks); their real runs are tests/test_runner.py's.
COMMANDS = sorted(SPEC)

NUMBERS = ["inf", "-inf", "nan", "NaN", "1e309", "-1e309", "1e400", "-1", "0", "-0", "1e-300", "2.5", "3", "1e3",
           "20000", "1_000", "0x10", "9" * 5000, "1e12", "99999999999999999999999", "true"]
TEXTS = ["", " ", "-", "--", "<script>alert(1)</script>", "javascript:alert(1)", "$5 $6", "a\rb=1", "\u202eexe",
         "x" * 300, "primary:1m:2m", "primary:infm:1m", "cache:0m:nanm", "x:y:z", "primary:1m", "a=1", "seed=nan",
         "all", "voice-assistant", "litellm", "md", "provider", "Q"]
PATHS = ["{design}", "{work}", "{missing}", "{long}", "/dev/null", "{work}/out.yaml", "{work}/out.json",
         "{work}/review", "{keep}", "{work}/sub/dir/x.md", "{design_link}", "bundled"]
VALUES = NUMBERS + TEXTS + PATHS


@st.composite
def argvs(draw):
    """A command, its positionals (half the time the design), its required options, then 0–4 more
    flags (now and then one the parser does not know) with values from the pools above."""
    command = draw(st.sampled_from(COMMANDS))
    positionals, options = SPEC[command]
    argv = [command]
    for nargs, choices in positionals:
        pool = list(choices) + ["zzz"] if choices else ["{design}"] * len(VALUES) + VALUES
        count = draw(st.integers(0, 2)) if nargs in ("*", "+") else 1
        argv += [draw(st.sampled_from(pool)) for _ in range(count)]
    optional = sorted(o for o, (_, _, required) in options.items() if not required)
    flags = [o for o, (_, _, required) in options.items() if required]
    flags += draw(st.lists(st.sampled_from(optional * 8 + ["--zzz"]), max_size=4)) if optional else []
    for flag in flags:
        takes, choices, _ = options.get(flag, (draw(st.booleans()), None, False))
        argv.append(flag)
        if takes:
            argv.append(draw(st.sampled_from((list(choices) * 4 + ["zzz"]) if choices else VALUES)))
    return argv


def _work():
    work = Path(tempfile.mkdtemp(prefix="fuzz-cli-"))
    design = work / "d.yaml"
    design.write_text(fuzzing.DEFAULT_TEXT, encoding="utf-8")
    keep = work / "keep.txt"
    keep.write_text("a bystander file\n")
    (work / "link.yaml").symlink_to(design)
    names = {"design": design, "work": work, "missing": work / "missing.yaml", "long": work / ("n" * 300 + ".yaml"),
             "keep": keep, "design_link": work / "link.yaml"}
    return work, names


def _expand(argv, names):
    out = []
    for a in argv:
        for k, v in names.items():
            a = a.replace("{" + k + "}", str(v))
        out.append(a)
    return out


def _meant_to_write(argv, path: Path) -> bool:
    # `new`/`schema` do not read the design, so --out there with --force may replace it on purpose
    named = {str(path), str(path.parent / "link.yaml")}
    return argv[0] in ("new", "schema") and "--force" in argv and any(a in named for a in argv)


@settings(max_examples=fuzzing.examples(40), **SETTINGS)
@given(argv=argvs())
def test_random_command_lines_keep_the_contract(argv):
    work, names = _work()
    argv = _expand(argv, names)
    design_before, keep_before = names["design"].read_bytes(), names["keep"].read_bytes()
    r = run_cli(argv, cwd=work, seconds=60)
    check_contract(r)
    if not _meant_to_write(argv, names["design"]):
        assert names["design"].read_bytes() == design_before, f"{argv} changed the design"
    if not (argv[0] in ("new", "schema", "router", "interview", "run") and "--force" in argv and str(names["keep"]) in argv):
        assert names["keep"].read_bytes() == keep_before, f"{argv} changed a bystander file"


@pytest.mark.parametrize("argv", [
    ["simulate", "{design}", "--requests", "inf"], ["critique", "{design}", "--simulate", "inf"],
    ["new", ""], ["export", "{design}", "--out", "{work}", "--force"],
])
def test_a_few_command_lines_in_a_real_process_under_limits(argv):
    """As a person runs it: its own process, 2 GB of address space, a timeout."""
    work, names = _work()
    argv = _expand(argv, names)
    before = names["design"].read_bytes()
    r = run_process(argv, cwd=work, seconds=60, gb=2)
    check_contract(r)
    assert r.code == 2 and names["design"].read_bytes() == before and names["keep"].exists()
