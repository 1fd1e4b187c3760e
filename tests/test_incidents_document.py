"""The post-mortem document of one incident."""

import fallbackkit as fk
from fallbackkit.incidents import IncidentLog, postmortem_document


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


# -- issue #16 item 3: user text never reaches the Markdown raw ----------------------------------
HOSTILE = "<script>alert(1)</script> costs $5 | **bold** [x](javascript:alert(1)) <img src=x onerror=alert(2)> $6"


def _assert_inert(md: str) -> None:
    assert "<script" not in md and "<img" not in md and "](javascript" not in md
    assert "**bold**" not in md
    assert all(md[i - 1] == "\\" for i in range(len(md)) if md[i] == "$")   # no maths in JupyterLab


def test_every_record_text_field_is_escaped():
    from fallbackkit.postmortem import IncidentRecord
    d = fk.default_design()
    rec = IncidentRecord.model_validate({
        "id": "INC-9", "title": HOSTILE, "severity": "P1", "started": "2024-01-01T10:00:00Z",
        "resolved": "2024-01-01T11:00:00Z", "summary": HOSTILE, "impact": HOSTILE, "root_causes": [HOSTILE],
        "trigger": HOSTILE, "resolution": HOSTILE, "detection": HOSTILE, "lessons_learned": [HOSTILE],
        "timeline": [{"at": "2024-01-01T10:05:00Z", "event": HOSTILE}]})
    md = postmortem_document(rec, d).to_markdown()
    _assert_inert(md)
    assert md.count("&lt;script&gt;") == 9           # the title and 8 text fields, each shown as text
    assert "\\$5" in md and "\\*\\*bold\\*\\*" in md


def test_every_log_text_field_is_escaped(tmp_path):
    recs = [{"id": "Z1", "title": HOSTILE, "provider": "p$1", "impact": 2, "components": [HOSTILE, "API"],
             "stages": {s: {"at": f"2024-01-01T1{k}:00:00Z", "description": HOSTILE}
                        for k, s in enumerate(("investigating", "identified", "monitoring", "resolved", "postmortem"))}}]
    log = IncidentLog.from_records(recs)
    md = log.postmortem("Z1", fk.default_design()).to_markdown()
    _assert_inert(md)
    assert "p\\$1" in md and md.count("&lt;script&gt;") >= 8
