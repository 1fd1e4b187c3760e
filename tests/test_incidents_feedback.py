"""Taxonomy feedback from incidents."""

import pytest

import fallbackkit as fk
from fallbackkit.incidents import categorize


def test_incident_titles_fall_into_categories():
    assert [categorize(t) for t in ("Elevated errors on API", "API outage", "Login issues", "Increased latency",
                                     "Degraded performance", "Partial outage causing 500s")] == \
        ["elevated errors", "outage", "login", "latency", "latency", "outage"]


def test_taxonomy_feedback(tiny):
    d = fk.default_design()
    fb = tiny.taxonomy_feedback(d.taxonomy)
    rows = {r["category"]: r for r in fb.categories}
    # span: Jan 1 10:00 → Jan 5 10:30 = 5790 min, 2 providers; elevated errors A (60) + H (30)
    assert rows["elevated errors"]["incidents"] == 2
    assert rows["elevated errors"]["time_share"] == pytest.approx(90 / (5790 * 2))
    assert rows["outage"]["verdict"] == "declared occurrence below observed for provider-outage"  # 90/11580 > 0.0005
    never = {r["mode"] for r in fb.never_occurred}
    assert never == {"rate-limited", "context-overflow", "unsafe-output", "low-confidence"}
    assert [p["id"] for p in fb.proposed] == ["provider-login"]
    assert "id: provider-login" in fb.proposed_yaml()


def test_real_feedback_flags_outage_rate(real):
    fb = real.taxonomy_feedback(fk.default_design().taxonomy)
    rows = {r["category"]: r for r in fb.categories}
    assert rows["outage"]["incidents"] == 138 and rows["outage"]["time_share"] > 0.0005
    assert [r["mode"] for r in fb.never_occurred] == ["context-overflow"]
