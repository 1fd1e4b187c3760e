"""Reading incident files: CSV and JSON agree, bad input names file, line and field."""

import json

import pytest
from incident_data import SHARED_CSV

from fallbackkit.incidents import IncidentLog
from fallbackkit.problems import DesignError


def test_json_input_matches_csv(tiny, tmp_path):
    recs = []
    for rid, r in tiny.frame.iterrows():
        stages = {s: {"at": r[s].isoformat(), "description": "x"} for s in
                  ("investigating", "identified", "monitoring", "resolved", "postmortem") if r[s] == r[s]}
        recs.append({"id": rid, "title": r["title"], "provider": r["provider"], "impact": int(r["impact"]),
                     "components": list(r["components"]), "stages": stages})
    p = tmp_path / "t.json"
    p.write_text(json.dumps({"incidents": recs}))
    j = IncidentLog.read(p)
    assert j.metrics().rows() == tiny.metrics().rows()


def test_bad_input_names_file_line_and_field(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("id,provider,resolved,impact\nA,p1,yesterday,1\nB,p1,2024-01-01T00:00:00Z,severe\n")
    with pytest.raises(DesignError) as e:
        IncidentLog.read(p)
    msgs = [str(x) for x in e.value.problems]
    assert msgs[0] == f"{p}:2: incident A.resolved: cannot read timestamp 'yesterday'; expected ISO 8601 such as 2024-02-26 17:09:00+00:00"
    assert msgs[1].startswith(f"{p}:3: incident B.impact: unknown impact 'severe'")
    p.write_text("when,what\n1,2\n")
    with pytest.raises(DesignError, match="expected columns `id`"):
        IncidentLog.read(p)


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared dataset not present")
def test_bundled_copy_equals_source(real):
    src = IncidentLog.read(SHARED_CSV)
    cols = ["title", "provider", "impact", "components", "investigating", "identified", "monitoring",
            "resolved", "postmortem", "postmortem_description"]
    assert src.frame[cols].sort_index().equals(real.frame[cols].sort_index())
    assert src.metrics(by="component").rows() == real.metrics(by="component").rows()


# -- hostile files (issue #16 items 7 and 12): exit 2 with file, line and field, never silence ------
def _rows(n: int, title_of=lambda k: f"Elevated errors {k}") -> str:
    # the title is the last column, so a quote opened in it swallows every later row whole
    lines = ["id,provider,impact,components,investigating,resolved,title"]
    lines += [f"I{k},openai,1,API,2024-01-{k + 1:02d}T10:00:00Z,2024-01-{k + 1:02d}T11:00:00Z,{title_of(k)}"
              for k in range(n)]
    return "\n".join(lines) + "\n"


def test_stray_quote_in_a_title_is_reported_not_merged(tmp_path):
    p = tmp_path / "stray.csv"
    p.write_text(_rows(20, lambda k: '"Elevated errors 1' if k == 1 else f"Elevated errors {k}"))
    with pytest.raises(DesignError) as e:
        IncidentLog.read(p)
    [msg] = [str(x) for x in e.value.problems]
    # the record starting on line 3 runs to the end of the file: rows I2–I19 swallowed into its title
    assert msg.startswith(f"{p}:3: row 2.title: spans lines 3–21")
    assert 'stray `"`' in msg and "18 more rows" in msg


def test_quoted_multi_line_descriptions_still_read(tmp_path):
    p = tmp_path / "ok.csv"
    p.write_text('id,provider,resolved,investigating_description\nA,p1,2024-01-01T00:00:00Z,"two\nlines, fine"\n'
                 'B,p1,2024-01-02T00:00:00Z,\n')
    log = IncidentLog.read(p)
    assert log.ids == ["A", "B"] and log.frame.loc["A", "investigating_description"] == "two\nlines, fine"


def test_rows_with_too_few_or_too_many_cells(tmp_path):
    p = tmp_path / "cells.csv"
    p.write_text("id,provider,resolved,title\nA,p1,2024-01-01T00:00:00Z,ok\nB,p1,2024-01-02T00:00:00Z\n"
                 "C,p1,2024-01-03T00:00:00Z,Errors, again\n")
    with pytest.raises(DesignError) as e:
        IncidentLog.read(p)
    msgs = [str(x) for x in e.value.problems]
    assert msgs == [f"{p}:3: row 2: 3 cells where the header has 4 (id, provider, resolved, title); "
                    "expected one cell per column (leave a cell empty, e.g. `a,,c`)",
                    f"{p}:4: row 3: 5 cells where the header has 4 (id, provider, resolved, title); "
                    "expected one cell per column (quote a cell that holds a comma)"]


def test_gzip_that_expands_past_the_cap_is_refused_while_streaming(tmp_path, monkeypatch):
    import gzip
    import tracemalloc

    from fallbackkit.incidents import reader
    monkeypatch.setattr(reader, "MAX_TEXT_BYTES", 4 * 2**20)
    p = tmp_path / "bomb.csv.gz"
    with gzip.open(p, "wb", compresslevel=1) as f:
        f.write(b"id,provider,resolved\n")
        for _ in range(64):                    # 64 MB of padding inside a ~70 KB file
            f.write(b" " * 2**20)
    assert p.stat().st_size < 2**20
    tracemalloc.start()
    try:
        with pytest.raises(DesignError) as e:
            IncidentLog.read(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(e.value.problems[0]) == (f"{p}: (top level): expands to more than 4 MB; expected an incident file under 4 MB "
                                        "(split it, or pass max_bytes=)")
    assert peak < 16 * 2**20                   # never held the 64 MB


def test_plain_file_over_the_cap_is_refused(tmp_path, monkeypatch):
    from fallbackkit.incidents import reader
    monkeypatch.setattr(reader, "MAX_TEXT_BYTES", 1000)
    p = tmp_path / "big.csv"
    p.write_text("id,provider,resolved\n" + "A,p1,2024-01-01T00:00:00Z\n" * 100)
    with pytest.raises(DesignError, match="more than 1,000 bytes"):
        IncidentLog.read(p)
    assert len(IncidentLog.read(p, max_bytes=10_000)) == 1   # the cap is a parameter


def test_deeply_nested_json_is_a_clear_error(tmp_path):
    p = tmp_path / "deep.json"
    p.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DesignError) as e:
        IncidentLog.read(p)
    assert str(e.value.problems[0]).startswith(f"{p}: (top level): nested too deeply")
    p.write_text(json.dumps([{"id": "A", "provider": "p1", "resolved": "2024-01-01T00:00:00Z",
                              "title": [[[[[[[[[[[["x"]]]]]]]]]]]]}]))
    with pytest.raises(DesignError) as e:
        IncidentLog.read(p)
    assert str(e.value.problems[0]) == f"{p}: incidents[0].title: expected text, got a list"


@pytest.mark.parametrize("name,content", [
    ("deep.json", "[" * 100_000 + "]" * 100_000),
    ("stray.csv", _rows(20, lambda k: '"x' if k == 1 else "y")),
    ("cells.csv", "id,provider,resolved\nA,p1\n")])
def test_cli_exits_2_on_hostile_incident_files(tmp_path, capsys, name, content):
    from fallbackkit.cli import main
    p = tmp_path / name
    p.write_text(content)
    assert main(["incidents", str(p)]) == 2
    err = capsys.readouterr().err
    assert str(p) in err and "Traceback" not in err and "internal error" not in err
