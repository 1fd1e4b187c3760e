"""The post-mortem document of one incident."""

import pytest
from incident_data import read_tiny

import fallbackkit as fk
from fallbackkit.incidents import IncidentLog, postmortem_document


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return read_tiny(tmp_path_factory)


def test_postmortem_document_from_log_incident(tiny):
    d = fk.default_design()
    md = tiny.postmortem("A", d).to_markdown()
    heads = [l[3:] for l in md.splitlines() if l.startswith("## ")]
    assert heads == ["Summary", "Impact", "Root causes", "Trigger", "Resolution", "Detection",
                     "Action items", "Lessons learned", "Timeline"]
    assert "time to resolve 60 min" in md and "- time to identify: 10 min" in md
    assert "mode `provider-5xx` (P1) → path `cache`" in md
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "within the loop's median target of 60 min" in md
    md_b = tiny.postmortem("C", d).to_markdown()
    assert "time to resolve missing" in md_b


def test_incident_without_impact_or_components(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,provider,investigating,resolved\nQ,p9,2024-03-04T10:00:00Z,2024-03-04T10:05:00Z\n")
    log = IncidentLog.read(p)
    assert log.metrics(by="impact").get("unknown", "time_to_resolve").median == 5
    assert log.weekly_review().incidents[0]["impact"] == "" and log.weekly_review().postmortems_due() == []
    md = log.postmortem("Q").to_markdown()
    assert "| impact | unknown |" in md and "not stated" in md
    assert log.quality.no_component == ["Q"]


def test_postmortem_document_from_design_record():
    d = fk.default_design()
    md = postmortem_document(d.postmortem.incidents[0], d).to_markdown()
    assert "- time_to_resolve: 73 min" in md and "| AI-2 | mitigate |" in md
