"""Post-mortem loop questions: median not mean, the slowest detection, the cadence."""

from __future__ import annotations

from .questions import Draft


def questions(q: Draft) -> None:
    """Add this artifact's trade-off questions to ``q``."""
    d, add = q.design, q.add

    # post-mortem loop --------------------------------------------------------------------
    pm = d.postmortem
    meas = {m.name: m for m in pm.measure().metrics} if pm.incidents else {}
    ttr = meas.get("time_to_resolve")
    if ttr is not None and ttr.median is not None:
        add("postmortem.median-not-mean",
            "Why report time to resolve as median and p90 rather than a mean?",
            f"over {ttr.count} incidents: median {ttr.median:.0f} min, p90 {ttr.p90:.0f} min, mean {ttr.mean:.0f} min — "
            "one long incident drags the mean far from the typical case.", "loop")
    timed = [(i.minutes("time_to_detect"), i) for i in pm.incidents if i.minutes("time_to_detect") is not None]
    if timed:
        mins, slow = max(timed, key=lambda t: t[0])
        items = [a.id for a in pm.action_items if a.incident == slow.id or (slow.failure_mode and a.failure_mode == slow.failure_mode)]
        add("postmortem.slowest-detection",
            f"{slow.id} took {mins:,.0f} min to detect. Which action item stops that recurring, and how will you know it worked?",
            f"action items on it: {', '.join(items) or 'none yet'}; measure time_to_detect median and p90 against the targets "
            "at the weekly review.", "loop")
    add("postmortem.cadence", "Who owns the loop, when is a post-mortem due, and what happens at the weekly review?",
        f"owner {pm.owner}; post-mortem within {pm.cadence.per_incident_within_days} days of resolution; weekly review on "
        f"{pm.cadence.weekly_review}; triggers: {'; '.join(pm.triggers)}.", "loop")
