"""The cadence tracker (fallbackkit.cadence): which artifact is done on which day, and why not.

Its widget is tested in tests/test_widgets.py (``CadenceTracker``); a design still growing from a
blank page, in tests/test_own_design.py.
"""

import pytest

import fallbackkit as fk
from fallbackkit import cadence


def test_cadence_partial_day_one():
    d = fk.default_design()
    r = cadence.track(taxonomy=d.taxonomy, day=1)
    assert [(i.artifact, i.status) for i in r.items] == [
        ("taxonomy", "complete"), ("matrix", "missing"), ("workflow", "missing"),
        ("postmortem", "missing"), ("design", "missing")]
    assert r.per_day() == {1: (1, 2), 2: (0, 1), 3: (0, 2)}
    assert r.on_track is False and [i.artifact for i in r.due] == ["matrix"]
    assert r.summary().endswith("behind on day 1: matrix")


def test_cadence_names_the_gap():
    d = fk.default_design()
    slow = d.matrix.model_copy(deep=True)
    slow.paths[0].timeout_ms = 140
    r = cadence.track(taxonomy=d.taxonomy, matrix=slow, context=d.context, day=1)
    m = r.item("matrix")
    assert m.status == "incomplete"
    assert m.reasons[0] == "over budget: worst-case chain 197 ms vs 150 ms (by 47 ms)"
    assert "cache: timeout 30 ms exceeds the 10 ms left" in m.reasons
    assert r.complete_on(1) is False
    # a matrix with no SLO anywhere cannot be judged
    assert cadence.track(matrix=d.matrix).item("matrix").reasons == [
        "no SLO to hold the budget against: set matrix.slo or pass the context"]


def test_cadence_postmortem_bar_and_joins():
    d = fk.default_design()
    loop = d.postmortem.model_copy(deep=True)
    loop.metrics = [m for m in loop.metrics if m.name != "time_to_detect"]
    loop.metrics[-1].statistics = ["mean"]
    loop.action_items = []
    r = cadence.track(postmortem=loop)
    assert r.item("postmortem").reasons == [
        "no time_to_detect metric; measure it as median and p90",
        "time_to_resolve reports ['mean']; expected median and p90 (a mean hides the tail)",
        "no action items; a loop that produces none closes nothing"]
    whole = cadence.track(d.model_copy(update={"postmortem": loop}), day=3)
    assert whole.item("design").status == "incomplete"
    assert whole.item("design").reasons[0] == "finish the other artifacts first"
    assert whole.per_day() == {1: (2, 2), 2: (1, 1), 3: (0, 2)}


def test_cadence_has_three_days():
    with pytest.raises(ValueError):
        cadence.track(fk.default_design(), day=4)
