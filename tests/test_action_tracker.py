"""ActionTracker reads the post-mortem loop (it lives in fallbackkit.postmortem)."""

import datetime as dt

import pytest

import fallbackkit as fk
from fallbackkit.postmortem import ActionTracker


def test_action_tracker_on_the_worked_example():
    d = fk.default_design()
    t = ActionTracker(d.postmortem, today=dt.date(2026, 12, 5))
    assert t.overdue == ["AI-1", "AI-4"]                 # due Dec 4 (open) and Dec 2 (in progress)
    assert t.completion == pytest.approx(1 / 6)
    assert t.incidents_without_items() == ["INC-2"]  # P2; INC-5 has AI-6
    assert t.by("owner")["LLM platform"] == {"open": 1, "overdue": 1, "closed": 1}
    t.close("AI-1")
    assert t.overdue == ["AI-4"] and t.completion == pytest.approx(2 / 6)
    with pytest.raises(KeyError):
        t.close("AI-9")


def test_still_importable_from_incidents():
    from fallbackkit import incidents
    assert incidents.ActionTracker is ActionTracker


def test_loaded_action_items_are_action_items():
    from fallbackkit.postmortem import ActionItem
    assert isinstance(fk.default_design().postmortem.action_items[0], ActionItem)
