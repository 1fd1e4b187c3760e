"""`fallbackkit export`: the files a team receives (the router configs alone: tests/test_routers.py).

Checks what can be checked without a browser: every file is there, nothing loads from the
network, hostile text stays text in HTML, SVG, Markdown, Mermaid and CSV, the CSV carries
the design's own numbers, and a refused or failed export leaves the disk as it was.
(Opening the pages in a real browser is tests/test_browser*.)
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

import fallbackkit as fk
from fallbackkit import export
from cli_run import run

XSS = "<script>alert(1)</script>"
FILES = ["index.html", "index.md", "matrix.csv", "matrix.html", "matrix.md", "matrix.svg",
         "postmortem.html", "postmortem.md", "routers/litellm.yaml", "routers/portkey.json",
         "taxonomy.html", "taxonomy.md", "workflow.html", "workflow.md", "workflow.svg"]


#: the marker an export leaves in every folder it creates (what ``--force`` may replace)
MARKERS = [".fallbackkit-export", "routers/.fallbackkit-export"]
ON_DISK = sorted(FILES + MARKERS)


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def default_export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("exp") / "review"
    export.export(fk.default_design(), out)
    return out


@pytest.fixture
def hostile_data(default_data) -> dict:
    """The worked example with markup and formulas wherever a person can type text."""
    d = default_data
    d["context"]["name"] = "<b>Acme</b> & co"
    d["taxonomy"]["modes"][0]["name"] = XSS
    d["taxonomy"]["modes"][0]["runbook"]["steps"][0] = "a | b </td><td>x `code` *bold*"
    d["taxonomy"]["modes"][1]["owner"] = "# heading"
    d["taxonomy"]["modes"][2]["name"] = "5xx | 503 && 502"
    d["matrix"]["paths"][1]["name"] = "<img src=x onerror=alert(1)>"
    d["matrix"]["paths"][1]["effort"] = '=HYPERLINK("https://example.invalid","click")'
    d["workflow"]["partitions"][1]["label"] = "</text><script>alert(1)</script>"
    d["workflow"]["nodes"][1]["label"] = XSS + ' | "quoted" [x] (y) {z} ;'
    d["workflow"]["edges"][5]["guard"] = "<script>alert(1)</script> --> x"
    d["postmortem"]["action_items"][0]["title"] = XSS
    return d


# -- files and offline ------------------------------------------------------------------------
def test_every_deliverable_is_written(default_export):
    assert listing(default_export) == ON_DISK
    listed = (default_export / ".fallbackkit-export").read_text().splitlines()
    assert [line for line in listed if not line.startswith("#")] == FILES


RESOURCE = re.compile(r"""(?:\b(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
                      r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import)""", re.I)


@pytest.mark.parametrize("name", [f for f in FILES if f.endswith((".html", ".svg"))])
def test_nothing_loads_from_the_network(default_export, name):
    text = (default_export / name).read_text()
    assert not RESOURCE.search(text), RESOURCE.search(text).group(0)
    assert "<script" not in text.lower()
    # the only URLs left are XML namespaces and the Vega-Lite schema id, which load nothing
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls


@pytest.mark.parametrize("name", ["index.html", "taxonomy.html", "matrix.html", "workflow.html", "postmortem.html"])
def test_html_is_standalone_and_printable(default_export, name):
    text = (default_export / name).read_text()
    assert text.startswith("<!doctype html>") and '<meta charset="utf-8">' in text
    assert "@media print" in text and "@page" in text
    links = re.findall(r'href="([^"]+)"', text)
    assert links, f"{name} links nowhere (every page links back to the index)"
    for link in links:
        assert (default_export / link).is_file(), f"{name} links to missing {link}"


def test_index_links_every_artifact(default_export):
    links = set(re.findall(r'href="([^"]+)"', (default_export / "index.html").read_text()))
    assert links == set(FILES) - {"index.html", "index.md"}


@pytest.mark.parametrize("name", ["matrix.svg", "workflow.svg"])
def test_svgs_are_well_formed(default_export, name):
    root = ET.fromstring((default_export / name).read_text())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_workflow_markdown_carries_the_mermaid(default_export):
    text = (default_export / "workflow.md").read_text()
    assert "```mermaid\n" + fk.default_design().workflow.to_mermaid() + "\n```" in text


# -- escaping ----------------------------------------------------------------------------------
class TagCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.handlers += [k for k, _ in attrs if k.startswith("on")]


def test_user_text_stays_text_everywhere(tmp_path, hostile_data):
    design = fk.Design.from_dict(hostile_data, "hostile.yaml")
    out = tmp_path / "out"
    export.export(design, out)
    for name in FILES:
        text = (out / name).read_text()
        assert XSS not in text, f"raw <script> in {name}"
        if not name.endswith(".csv"):  # CSV is data for a spreadsheet, checked below
            assert "<img" not in text, name
        if name.endswith(".html"):
            parser = TagCounter()
            parser.feed(text)
            assert "script" not in parser.tags and "img" not in parser.tags, name
            assert not parser.handlers, (name, parser.handlers)
        if name.endswith(".svg"):
            ET.fromstring(text)  # still well-formed XML
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (out / "taxonomy.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (out / "workflow.svg").read_text()
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in (out / "taxonomy.md").read_text()
    assert "&lt;b&gt;Acme&lt;/b&gt; &amp; co" in (out / "index.html").read_text()


def test_markdown_tables_keep_their_shape(tmp_path, hostile_data):
    design = fk.Design.from_dict(hostile_data, "hostile.yaml")
    text = export.taxonomy_md(design)
    cells = lambda row: len(re.split(r"(?<!\\)\|", row)) - 2
    tables = re.split(r"\n(?!\|)", text)  # consecutive table lines form one table
    for block in tables:
        rows = [l for l in block.splitlines() if l.startswith("|")]
        assert all(cells(r) == cells(rows[0]) for r in rows), block
    assert "\\# heading" in text  # would otherwise start a heading
    assert "a \\| b &lt;/td&gt;&lt;td&gt;x \\`code\\` \\*bold\\*" in text


def test_mermaid_labels_are_entity_escaped(hostile_data):
    design = fk.Design.from_dict(hostile_data, "hostile.yaml")
    block = export.workflow_md(design).split("```mermaid\n")[1].split("```")[0]
    block = block.replace("<br>", " ")   # the kit's own line breaks in long labels
    assert "<" not in block and ">" not in block.replace("-->", "")
    assert "#60;script#62;alert#40;1#41;#60;/script#62;" in block


def test_csv_formula_is_defused(hostile_data):
    design = fk.Design.from_dict(hostile_data, "hostile.yaml")
    rows = list(csv.DictReader(io.StringIO(export.matrix_csv(design))))
    assert rows[1]["effort"] == "'" + hostile_data["matrix"]["paths"][1]["effort"]
    assert rows[1]["name"] == "<img src=x onerror=alert(1)>"  # CSV is data: text kept as typed
    assert rows[1]["quality_delta"] == "-0.05"  # numbers keep their sign


@pytest.mark.parametrize("brk", ["\r", "\n", "\r\n", "\u2028", "\u0085", "\x0b"])
def test_csv_line_breaks_never_start_a_row_or_a_formula(default_data, brk):
    """Issue 16 item 5: a bare \\r split the row and `=2+5…` started the next one unprotected."""
    default_data["matrix"]["paths"][1]["name"] = f"Semantic cache{brk}=2+5+cmd|' /C calc'!A0"
    default_data["matrix"]["paths"][2]["effort"] = f"{brk}@SUM(A1)"
    design = fk.Design.from_dict(default_data, "hostile.yaml")
    text = export.matrix_csv(design)
    # a spreadsheet starts a row at any of these; the file must have header + one line per path
    assert len(re.split("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+", text.strip())) == 1 + len(design.matrix.paths)
    rows = list(csv.reader(io.StringIO(text)))
    assert all(len(r) == len(rows[0]) for r in rows)
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if c.lstrip()[:1] in ("=", "+", "@", "\t", "\r")
                or (c.lstrip()[:1] == "-" and not re.fullmatch(r"-[0-9.e-]+", c))]
    assert rows[2][1] == "Semantic cache =2+5+cmd|' /C calc'!A0"
    assert rows[3][-1] == "' @SUM(A1)"


# -- numbers -----------------------------------------------------------------------------------
def test_csv_values_equal_the_designs_numbers(default_export):
    design = fk.default_design()
    budget = {r.id: r for r in design.budget().rows}
    rows = list(csv.DictReader(io.StringIO((default_export / "matrix.csv").read_text())))
    assert [r["id"] for r in rows] == design.matrix.ids
    num = lambda s: None if s == "" else float(s)
    for row, p in zip(rows, design.matrix.paths):
        assert num(row["p50_ms"]) == p.latency.p50_ms
        assert num(row["p95_ms"]) == p.latency.p95_ms
        assert num(row["p99_ms"]) == p.latency.p99_ms
        assert num(row["timeout_ms"]) == p.timeout_ms
        assert num(row["cost_per_1m_usd"]) == p.cost_per_1m_usd
        assert num(row["price_per_call_usd"]) == p.price_per_call_usd
        assert num(row["coverage_pct"]) == p.coverage_pct
        assert num(row["error_rate"]) == p.error_rate
        assert num(row["quality_delta"]) == p.quality_delta
        b = budget[p.id]
        assert num(row["reach_pct"]) == pytest.approx(100 * b.reach, rel=1e-12)
        assert num(row["serves_pct"]) == pytest.approx(100 * b.share, rel=1e-12)
        assert num(row["blended_cost_per_1m_usd"]) == pytest.approx(b.cost_per_1m_usd, rel=1e-12)
        assert row["verdict"] == b.verdict
    # by hand: the primary errs on 2% and its 85 ms timeout, between its p95 (75) and p99
    # (250), cuts at least 1%: 1 - 0.98 × 0.99 = 2.98% reach the cache, which answers 70%
    # of them (less its 0.1% errors)
    assert float(rows[1]["reach_pct"]) == pytest.approx(2.98)
    assert float(rows[1]["serves_pct"]) == pytest.approx(2.98 * 0.7 * 0.999)


def test_matrix_page_states_cost_and_verdict(default_export):
    text = (default_export / "matrix.html").read_text()
    assert "within budget: worst-case chain 142 ms vs 150 ms" in text
    # 2M requests/day × 365 = 730M calls a year at the blended $/1M
    blended = fk.default_design().budget().blended_cost_per_1m_usd
    assert f"&#36;{blended * 730:,.0f} a year" in text  # $ as an entity: never typeset as maths


# -- refusing and failing safely -------------------------------------------------------------------
def test_existing_folder_needs_force(tmp_path):
    out = tmp_path / "review"
    assert run("export", fk.default_design_path(), "--out", str(out))[0] == 0
    code, _, err = run("export", fk.default_design_path(), "--out", str(out))
    assert code == 2 and "already exists; pass --force" in err and "Traceback" not in err
    code, outp, err = run("export", fk.default_design_path(), "--out", str(out), "--force")
    assert code == 0, err
    assert listing(out) == ON_DISK
    assert listing(tmp_path) == [f"review/{f}" for f in ON_DISK]  # no temp folders left beside it


def test_force_never_replaces_a_folder_the_kit_did_not_write(tmp_path):
    out = tmp_path / "review"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = run("export", fk.default_design_path(), "--out", str(out), "--force")
    assert code == 2 and "was not written by fallbackkit export" in err and ".fallbackkit-export" in err
    assert listing(out) == ["notes.txt"]


def test_force_never_replaces_an_export_holding_other_files(tmp_path):
    out = tmp_path / "review"
    export.export(fk.default_design(), out)
    (out / "my notes.txt").write_text("mine")
    (out / "routers" / "tuned.yaml").write_text("mine too")
    code, _, err = run("export", fk.default_design_path(), "--out", str(out), "--force")
    assert code == 2 and "holds files an export did not write (my notes.txt, routers/tuned.yaml)" in err
    assert (out / "my notes.txt").read_text() == "mine" and (out / "routers" / "tuned.yaml").read_text() == "mine too"


def test_force_never_replaces_the_folder_of_the_design(tmp_path):
    """Issue 16 item 1: `export proj/d.yaml --out proj --force` from the parent deleted proj/."""
    proj = tmp_path / "proj"
    proj.mkdir()
    design = proj / "d.yaml"
    design.write_bytes(Path(fk.default_design_path()).read_bytes())
    (proj / "notes.txt").write_text("unrelated")
    before = design.read_bytes()
    proc = subprocess.run([sys.executable, "-m", "fallbackkit", "export", "proj/d.yaml", "--out", "proj", "--force"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "proj: holds proj/d.yaml, the design being exported" in proc.stderr
    assert design.read_bytes() == before and (proj / "notes.txt").read_text() == "unrelated"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]
    # even a folder that carries the marker (an export the design was later saved into) is safe
    (proj / "notes.txt").unlink()
    (proj / ".fallbackkit-export").write_text("d.yaml\n")
    with pytest.raises(export.OutputExists, match="the design being exported"):
        export.export(fk.default_design(), proj, force=True, protect=[design])
    assert design.read_bytes() == before


def test_export_write_failures_exit_2_naming_the_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code, _, err = run("export", fk.default_design_path(), "--out", str(ro / "review"))
    finally:
        ro.chmod(0o755)
    if code == 0:  # root ignores permissions: the write went through
        assert (ro / "review" / "index.html").is_file()
    else:
        assert code == 2 and f"{ro / 'review'}: cannot write the export: Permission denied" in err, err
    long = tmp_path / ("x" * 300)
    code, _, err = run("export", fk.default_design_path(), "--out", str(long))
    assert code == 2 and "File name too long" in err and "Traceback" not in err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run("export", fk.default_design_path(), "--out", str(blocker / "review"))
    assert code == 2 and f"{blocker / 'review'}: cannot write the export: " in err
    assert blocker.read_text() == "x"


def test_existing_file_is_never_replaced(tmp_path):
    out = tmp_path / "review"
    out.write_text("a file")
    code, _, err = run("export", fk.default_design_path(), "--out", str(out), "--force")
    assert code == 2 and "not a folder" in err
    assert out.read_text() == "a file"


def test_force_never_replaces_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("mine")
    for out in (".", str(tmp_path), ".."):
        with pytest.raises(export.OutputExists, match="current folder"):
            export.export(fk.default_design(), out, force=True)
    assert listing(tmp_path) == ["keep.txt"]


def test_invalid_design_is_not_exported(tmp_path, default_data, write_design):
    default_data["workflow"]["edges"][2]["handles"] = []  # provider-outage is no longer routed
    f = write_design(default_data)
    out = tmp_path / "review"
    code, _, err = run("export", str(f), "--out", str(out))
    assert code == 2
    assert "failure mode 'provider-outage' is not routed by the workflow" in err
    assert not out.exists()


def test_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "review"
    real = Path.write_text
    calls = []

    def flaky(self, *a, **k):
        calls.append(self.name)
        if len(calls) == 6:
            raise OSError("disk full")
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "write_text", flaky)
    with pytest.raises(OSError, match="disk full"):
        export.export(fk.default_design(), out)
    assert len(calls) == 6
    assert list(tmp_path.iterdir()) == []


def _previous_export(out: Path) -> bytes:
    export.export(fk.default_design(), out)
    (out / "index.md").write_text("previous export")  # listed in the marker: still the kit's file
    return (out / "index.md").read_bytes()


def test_failure_while_replacing_keeps_the_old_export(tmp_path, monkeypatch):
    out = tmp_path / "review"
    before = _previous_export(out)
    monkeypatch.setattr(export, "workflow_svg", lambda d: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        export.export(fk.default_design(), out, force=True)
    assert listing(tmp_path) == [f"review/{f}" for f in ON_DISK]
    assert (out / "index.md").read_bytes() == before


def test_failure_at_the_final_rename_restores_the_old_export(tmp_path, monkeypatch):
    out = tmp_path / "review"
    before = _previous_export(out)
    import os
    real = os.rename

    def rename(src, dst):
        if Path(dst) == out and ".tmp-" in str(src):  # the new export moving in
            raise OSError("rename failed")
        return real(src, dst)

    monkeypatch.setattr(export.os, "rename", rename)
    with pytest.raises(OSError, match="rename failed"):
        export.export(fk.default_design(), out, force=True)
    monkeypatch.setattr(export.os, "rename", real)
    assert listing(tmp_path) == [f"review/{f}" for f in ON_DISK]
    assert (out / "index.md").read_bytes() == before
