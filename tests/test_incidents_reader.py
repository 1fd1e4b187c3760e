"""Reading incident files: CSV and JSON agree, bad input names file, line and field."""

import json

import pytest
from incident_data import SHARED_CSV, read_tiny

from fallbackkit.incidents import IncidentLog
from fallbackkit.problems import DesignError


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return read_tiny(tmp_path_factory)


@pytest.fixture(scope="module")
def real():
    return IncidentLog.bundled()


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
