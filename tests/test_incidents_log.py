"""The log's views, charts, CLI command and import weight."""

import json
import math
import subprocess
import sys

import pytest
from incident_data import TINY

from fallbackkit.cli import main


def test_rich_display_and_frames(tiny):
    b = tiny._repr_mimebundle_()
    assert "Incident log" in b["text/html"] and "6 incidents" in b["text/plain"]
    assert "<script>" not in tiny.to_html()
    f = tiny.to_frame()
    assert len(f) == 6 and f.loc["A", "time_to_resolve"] == 60 and math.isnan(f.loc["C", "time_to_resolve"])
    assert tiny.metrics(by="provider").to_frame().loc[("p1", "time_to_resolve"), "median"] == 70


def test_charts_offline_and_their_numbers(tiny):
    from fallbackkit import incident_charts as ic
    e = ic.ttr_ecdf_data(tiny)
    p1 = e[e["provider"] == "p1"]
    assert list(p1["minutes"]) == [60, 70, 90] and list(p1["share"]) == pytest.approx([1 / 3, 2 / 3, 1])
    w = ic.incidents_per_week_data(tiny)
    assert w["incidents"].sum() == 6 and set(w["week"]) == {"2024-01-01"}
    s = ic.stage_breakdown_data(tiny).set_index(["component", "stage"])
    assert s.loc[("Y", "repair"), "median_minutes"] == 35                 # A 30, D 40
    for chart in (ic.ttr_ecdf(tiny), ic.stage_breakdown(tiny), ic.incidents_per_week(tiny)):
        spec = json.dumps(chart.to_dict())
        assert '"url"' not in spec and "http" not in spec.replace("https://vega.github.io/schema", "")


def test_cli_incidents(tmp_path, capsys):
    assert main(["incidents", "bundled", "--by", "provider", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["incidents"] == 542 and out["summary"]["providers"]["openai"] == 365
    assert "ICPE 2025" in out["summary"]["citation"]
    row = next(r for r in out["metrics"] if r["group"] == "openai" and r["metric"] == "time_to_resolve")
    assert row["median"] == 77 and row["count"] == 329
    p = tmp_path / "tiny.csv"
    p.write_text(TINY)
    assert main(["incidents", str(p), "--by", "component"]) == 0
    text = capsys.readouterr().out
    assert "Incident metrics by component" in text and "conflicting duplicates" in text
    assert main(["incidents", str(tmp_path / "none.csv")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_import_stays_light():
    code = ("import sys, json, fallbackkit.incidents, fallbackkit.cli; "
            "print(json.dumps(sorted(m for m in ('pandas', 'altair', 'numpy') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []
