"""The weekly review of the loop on the hand-made file."""

from fallbackkit.postmortem import PostMortemLoop

LOOP = {"owner": "SRE lead", "triggers": ["any P0"], "cadence": {"per_incident_within_days": 5},
        "metrics": [{"name": "time_to_resolve", "target_median_min": 60}],
        "action_items": [
            {"id": "AI-1", "type": "detect", "title": "alert", "owner": "o", "due": "2024-01-03"},
            {"id": "AI-2", "type": "repair", "title": "fix", "owner": "o", "due": "2023-12-20"},
            {"id": "AI-3", "type": "repair", "title": "done", "owner": "o", "due": "2023-12-20", "status": "done"},
            {"id": "AI-4", "type": "prevent", "title": "later", "owner": "p", "due": "2024-02-01"}]}


def test_weekly_review(tiny):
    loop = PostMortemLoop.from_dict(LOOP)
    wr = tiny.weekly_review("2024-01-03", loop=loop)
    assert wr.start.isoformat() == "2024-01-01T00:00:00+00:00"
    assert [r["id"] for r in wr.incidents] == ["A", "B", "C", "D", "G", "H"]
    assert [(a["id"], a["why"]) for a in wr.action_items()] == [("AI-1", "due this week"), ("AI-2", "overdue by 18 days")]
    ttr = next(r for r in wr.trends() if r["metric"] == "time_to_resolve")
    assert ttr["this week n"] == 4 and ttr["this week median"] == 65 and ttr["trend"] == ""  # no prior weeks
    # post-mortem triggers: impact major/critical → B (critical), D and H (major); due 5 days after resolution
    assert [(r["id"], r["due"]) for r in wr.postmortems_due()] == [("B", "2024-01-07"), ("D", "2024-01-08"), ("H", "2024-01-10")]
    assert "Weekly review 2024-01-01 – 2024-01-07" in wr.to_text()
