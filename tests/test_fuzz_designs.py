"""Fuzzing design files: mutated fields, hostile strings, numeric extremes, raw YAML hazards, deep
nesting and alias structures, through every command that reads a design.

Each case checks the contract in tests/fuzzing.py: exit 0/1/2 with a message (never 3 or a
traceback), bounded time and memory, the design file byte-identical, and no script or network
fetch in anything rendered. The default run is short and derandomized (same cases every run);
``pytest tests/test_fuzz_designs.py --fuzz-long`` runs twenty times as many, at random.

Cross-cutting by design: a contract every command that reads a design keeps.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzzing
from fuzzing import check_contract, check_markdown, check_rendered, run_cli, run_process

SETTINGS = dict(deadline=None, derandomize=not fuzzing.LONG, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def commands(f: Path, work: Path) -> list[list]:
    return [["show", f], ["show", f, "--artifact", "workflow", "--mermaid"], ["critique", f, "--format", "json"],
            ["router", f, "--to", "litellm"], ["router", f, "--to", "portkey", "--out", work / "p.json"],
            ["simulate", f, "-n", "2000", "--no-progress"], ["export", f, "--out", work / "review"],
            ["interview", f, "--list"]]


def _case(text: str, pick: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="fuzz-"))
    f = work / "d.yaml"
    f.write_bytes(text.encode("utf-8", "surrogatepass"))
    before = f.read_bytes()
    runs = [["validate", f], commands(f, work)[pick % 8]]
    for argv in runs:
        r = run_cli(argv, cwd=work)
        check_contract(r)
        assert f.read_bytes() == before, f"{argv} changed the design file"
        if argv[0] == "show" and "--mermaid" in argv and r.code == 0:
            check_rendered("show --mermaid", r.out)
        if argv[0] == "export" and r.code == 0:
            for out in (work / "review").rglob("*"):
                if out.suffix in (".html", ".svg"):
                    check_rendered(str(out), out.read_text(encoding="utf-8"))
                elif out.suffix == ".md":
                    check_markdown(str(out), out.read_text(encoding="utf-8"))


@settings(max_examples=fuzzing.examples(12), **SETTINGS)
@given(data=fuzzing.mutated_data(), pick=st.integers(0, 7))
def test_mutated_designs_keep_the_contract(data, pick):
    _case(fuzzing.dump(data), pick)


@settings(max_examples=fuzzing.examples(12), **SETTINGS)
@given(text=fuzzing.mutated_text(), pick=st.integers(0, 7))
def test_raw_yaml_hazards_keep_the_contract(text, pick):
    _case(text, pick)


TEXT_FIELDS = [("context", "name"), ("taxonomy", "modes", 0, "name"), ("taxonomy", "modes", 1, "runbook", "steps", 0),
               ("matrix", "paths", 1, "name"), ("matrix", "paths", 2, "effort"), ("workflow", "partitions", 0, "label"),
               ("workflow", "nodes", 1, "label"), ("workflow", "edges", 5, "guard"), ("postmortem", "action_items", 0, "title"),
               ("postmortem", "owner")]
N_ROUNDS = 6


@pytest.mark.parametrize("k", range(N_ROUNDS))
def test_every_hostile_string_in_text_fields_exports_safely(default_data, k):
    """Round k puts hostile string k, k+6, k+12, … into the text fields; over the rounds every
    string lands in a field of each artifact and goes through every export format."""
    strings = fuzzing.HOSTILE_STRINGS
    for j, field in enumerate(TEXT_FIELDS):
        value = strings[(k + N_ROUNDS * j) % len(strings)] or "x"
        if field[-1] == "guard":
            value = f"[{value}]" if "[" not in value else "retry"  # a guard stays a guard
        fuzzing._set(default_data, field, value)
    _case(fuzzing.dump(default_data), 6)


def test_yaml_nested_500_and_more_deep_exits_2(tmp_path):
    f = tmp_path / "deep.yaml"
    for depth in (500, 5000):
        f.write_text(fuzzing.deep_text(depth))
        r = run_process(["validate", f], cwd=tmp_path, seconds=60, gb=2)
        check_contract(r)
        assert r.code == 2 and r.err.startswith(str(f))


def test_alias_bomb_is_refused_quickly_and_in_little_memory(tmp_path):
    f = tmp_path / "bomb.yaml"
    f.write_text(fuzzing.alias_bomb(12))  # 3**12 = 531,441 bad leaves once expanded
    r = run_process(["validate", f], cwd=tmp_path, seconds=10, gb=2)
    check_contract(r)
    assert r.code == 2 and len(r.err.splitlines()) <= 1000, f"{len(r.err.splitlines())} lines of problems"
