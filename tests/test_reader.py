"""The one reader refuses what a safe loader alone lets through, with file and line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

import fallbackkit as fk
from fallbackkit import reader

ROOT = Path(__file__).resolve().parent.parent


def _default_text() -> str:
    return Path(fk.default_design_path()).read_text()


def _bomb_design(levels: int = 13, fan: int = 9) -> str:
    """The worked example with a "billion laughs" latency mixture on its first path."""
    defs = ["defs:", "  l0: &l0 {kind: constant, ms: 1}"]
    for i in range(1, levels + 1):
        comps = ", ".join(f"{{weight: {1 / fan:.6f}, dist: *l{i - 1}}}" for _ in range(fan))
        defs.append(f"  l{i}: &l{i} {{kind: mixture, components: [{comps}]}}")
    data = yaml.safe_load(_default_text())
    data["matrix"]["paths"][0]["latency"] = {"distribution": "__BOMB__"}
    body = yaml.safe_dump(data, sort_keys=False).replace("'__BOMB__'", "__BOMB__").replace("__BOMB__", f"*l{levels}")
    return "\n".join(defs) + "\n" + body


def _run_bounded(code: str, tmp_path: Path, mem_mb: int = 1024, timeout: int = 120):
    """Run ``code`` in a fresh interpreter with an address-space cap; return (rc, stdout, stderr)."""
    prog = ("import resource\n"
            f"resource.setrlimit(resource.RLIMIT_AS, ({mem_mb} << 20, {mem_mb} << 20))\n" + code)
    proc = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=timeout,
                          cwd=tmp_path)
    return proc.returncode, proc.stdout, proc.stderr


def test_alias_bomb_in_a_latency_mixture_is_refused_within_bounds(tmp_path):
    p = tmp_path / "bomb.yaml"
    p.write_text(_bomb_design())
    assert p.stat().st_size < 20_000
    code = textwrap.dedent(f"""
        import fallbackkit as fk
        try:
            fk.load({str(p)!r})
        except fk.DesignError as exc:
            print("REFUSED", len(exc.problems)); print(exc)
        else:
            print("LOADED")
    """)
    rc, out, err = _run_bounded(code, tmp_path)
    assert rc == 0, err[-2000:]
    assert out.startswith("REFUSED 1"), out[:500]
    assert "bomb.yaml:" in out and "alias bomb" in out
    line = int(out.split("bomb.yaml:")[1].split(":")[0])
    assert 2 <= line <= 15  # an anchor's line in `defs:`


def test_a_few_aliases_still_load():
    text = _default_text().replace("schema_version: 1\n", "schema_version: 1\n", 1)
    data = yaml.safe_load(text)
    data["matrix"]["paths"][1]["latency"] = {"distribution": "__A__"}
    data["matrix"]["paths"][2]["latency"] = {"distribution": "__B__"}
    body = yaml.safe_dump(data, sort_keys=False)
    body = body.replace("__A__", "&fast {kind: constant, ms: 20}").replace("__B__", "*fast")
    d = fk.Design.from_yaml(body)
    assert d.matrix.paths[2].latency.distribution == d.matrix.paths[1].latency.distribution


@pytest.mark.parametrize("text", [
    "a: " + "[" * 500 + "]" * 500 + "\n",
    "".join("  " * i + "a:\n" for i in range(500)) + "  " * 500 + "1\n",
    "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
])
def test_deep_nesting_is_a_clear_message_not_a_recursion_error(text):
    with pytest.raises(fk.DesignError) as info:
        reader.parse_text(text, "deep.yaml")
    (problem,) = info.value.problems
    assert problem.file == "deep.yaml" and problem.line is not None
    assert "nested deeper than" in problem.message or "nested too deeply" in problem.message


def test_deep_json_is_a_clear_message(tmp_path):
    p = tmp_path / "deep.json"
    p.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(fk.DesignError, match="deep.json.*nested"):
        reader.read_document(p)


def test_duplicate_context_names_both_lines():
    text = _default_text() + "context:\n  name: second\n"
    with pytest.raises(fk.DesignError) as info:
        fk.Design.from_yaml(text, "d.yaml")
    (problem,) = info.value.problems
    last = len(text.splitlines()) - 1
    assert problem.path == "context" and problem.line == last
    assert f"duplicate key 'context' (first at line 7, again at line {last})" in problem.message


def test_duplicate_nested_key_and_json_duplicate(tmp_path):
    with pytest.raises(fk.DesignError, match=r"x.yaml:3: a.b: duplicate key 'b' \(first at line 2"):
        reader.parse_text("a:\n  b: 1\n  b: 2\n", "x.yaml")
    p = tmp_path / "x.json"
    p.write_text('{\n  "a": 1,\n  "a": 2\n}\n')
    with pytest.raises(fk.DesignError, match=r"x.json:3: .*duplicate key 'a'"):
        reader.read_document(p)


def test_merge_keys_are_not_duplicates():
    data, _ = reader.parse_text("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n")
    assert data["m"] == {"x": 1, "y": 3}


@pytest.mark.parametrize("text, expected", [
    ("a: !!python/object/apply:os.system [echo hi]\n", "(got 'tag:yaml.org,2002:python/object/apply:os.system')"),
    ("a: !custom 1\n", "not allowed (got '!custom')"),
    ("a: 2026-02-30\n", "expected a real calendar date (YYYY-MM-DD), got 2026-02-30"),
    ("a: 2026-10-06T25:61:00Z\n", "expected a real date and time with a time zone (YYYY-MM-DDTHH:MM:SSZ), got 2026"),
    ("a: " + "9" * 5000 + "\n", "a whole number of 5,000 digits is too long to read"),
    ("a: 1:30\n", "'1:30' is read by YAML 1.1 as the base-60 number 90"),
    ("a: &x [*x]\n", "alias refers to the mapping or list that contains it"),
])
def test_values_the_text_cannot_hold_are_problems_with_a_line(text, expected):
    with pytest.raises(fk.DesignError) as info:
        reader.parse_text(text, "v.yaml")
    (problem,) = info.value.problems
    assert expected in problem.message and problem.line == 1 and problem.file == "v.yaml"


def test_one_bad_leaf_repeated_by_aliases_is_reported_once():
    data = yaml.safe_load(_default_text())
    data["matrix"]["paths"][1]["latency"] = {"distribution": "__A__"}
    for i in range(2, 4):
        data["matrix"]["paths"][i]["latency"] = {"distribution": "__B__"}
    body = yaml.safe_dump(data, sort_keys=False)
    bad = "{kind: mixture, components: [" + ", ".join(["{weight: 0.25, dist: {kind: constant, ms: -1}}"] * 4) + "]}"
    body = body.replace("__A__", "&bad " + bad).replace("__B__", "*bad")
    with pytest.raises(fk.DesignError) as info:
        fk.Design.from_yaml(body, "d.yaml")
    probs = info.value.problems
    assert 1 <= len(probs) <= 4, str(info.value)
    assert all("greater than or equal to 0" in p.message for p in probs), str(info.value)
    line = next(i for i, s in enumerate(body.splitlines(), 1) if "&bad" in s)
    assert {p.line for p in probs} == {line}


def test_problems_are_capped(tmp_path):
    text = "\n".join(f"k{i}: 1\nk{i}: 2" for i in range(200))
    with pytest.raises(fk.DesignError) as info:
        reader.parse_text(text, "many.yaml")
    assert len(info.value.problems) == 51
    assert "and 150 more problems" in info.value.problems[-1].message


def test_oversized_file_is_refused_before_it_is_read(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_bytes(b"a: 1\n" + b"#" * (reader.MAX_BYTES + 10))
    with pytest.raises(fk.DesignError, match="big.yaml.*larger than 10 MB"):
        fk.load(p)


def test_json_is_read_by_json_nan_refused_and_lines_found(tmp_path):
    p = tmp_path / "d.json"
    d = fk.default_design()
    data = d.to_dict()
    data["context"]["name"] = "caf\u00e9 \x7f\x85"   # raw C1 characters: JSON allows them, YAML does not
    p.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    assert fk.load(p).context.name == "caf\u00e9 \x7f\x85"
    data["taxonomy"]["modes"][1]["severity"] = "P9"
    p.write_text(json.dumps(data, indent=2))
    with pytest.raises(fk.DesignError) as info:
        fk.load(p)
    (problem,) = info.value.problems
    assert problem.path == "taxonomy.modes[1].severity"
    assert p.read_text().splitlines()[problem.line - 1].strip().startswith('"severity": "P9"')
    p.write_text('{"a": NaN}')
    with pytest.raises(fk.DesignError, match="NaN is not JSON"):
        reader.read_document(p)


def test_each_file_is_parsed_once(tmp_path, monkeypatch):
    calls = []
    for name in ("compose", "load", "safe_load", "compose_all", "load_all", "parse"):
        real = getattr(yaml, name)
        monkeypatch.setattr(yaml, name, lambda *a, _real=real, _name=name, **k: (calls.append(_name), _real(*a, **k))[1])
    d = fk.load(fk.default_design_path())
    assert d.context.name == "Support chat assistant"
    assert len(calls) == 1, calls


def test_libyaml_is_used_when_present():
    if getattr(yaml, "__with_libyaml__", False):
        assert reader._Loader is yaml.CSafeLoader


def test_field_paths_keep_their_lines():
    text = _default_text().replace("severity: P2", "severity: P7", 1)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "severity: P7" in s)
    with pytest.raises(fk.DesignError) as info:
        fk.Design.from_yaml(text, "d.yaml")
    assert [p.line for p in info.value.problems] == [line]


def test_yes_no_on_off_are_text_as_in_yaml_1_2(tmp_path):
    """`on:` in a retry policy is the key 'on', not True (YAML 1.1's booleans are a trap)."""
    data, _ = reader.parse_text("a:\n  on: [x]\n  off: 1\n  y: yes\n  t: true\n")
    assert data == {"a": {"on": ["x"], "off": 1, "y": "yes", "t": True}}
    d = fk.default_design().to_dict()
    d["matrix"]["paths"][0]["retry"] = {"max_retries": 1, "on": ["dependency_failure"]}
    text = yaml.safe_dump(d, sort_keys=False)
    assert "'on':" in text
    f = tmp_path / "d.yaml"
    f.write_text(text.replace("'on':", "on:"))
    assert fk.load(f).matrix.paths[0].retry.on == ["dependency_failure"]
