"""The learning loop: metrics that survive a heavy tail, targets, action items."""

from __future__ import annotations

from .context import Review
from .registry import checker
from .text import placeholder
from .vocabulary import sev_rank

check = checker("loop")


@check("mean-only", "blocking", "learning_loop", "loop metric reported only as a mean")
@check("loop-metric-missing", "warning", "learning_loop", "time to detect or time to resolve is not measured")
@check("loop-no-targets", "warning", "learning_loop", "loop metrics without targets")
@check("incident-without-action", "warning", "learning_loop", "P0/P1 incident with no action item")
@check("p0-incident-without-action", "blocking", "severity_weighting", "P0 incident with no action item",
       "the worst incident the product had changed nothing")
def loop(ctx: Review) -> None:
    d, col = ctx.design, ctx
    pm = d.postmortem
    col.ev("loop", not placeholder(pm.owner), f"owned by {pm.owner}", "postmortem.owner")
    col.ev("loop", pm.cadence.per_incident_within_days <= 7,
           f"post-mortem within {pm.cadence.per_incident_within_days} days; weekly review on {pm.cadence.weekly_review}",
           "postmortem.cadence")
    names = {m.name for m in pm.metrics}
    missing = [n for n in ("time_to_detect", "time_to_resolve") if n not in names]
    col.ev("loop", not missing, f"measures {', '.join(sorted(names))}", "postmortem.metrics")
    if missing:
        col.find("loop-metric-missing", "postmortem.metrics", f"the loop does not measure {', '.join(missing)}",
                 f"add metrics {', '.join(missing)} with median and p90 and a target for each")
    mean_only = 0
    for i, m in enumerate(pm.metrics):
        stats = set(m.statistics)
        if stats and stats <= {"mean"}:
            mean_only += 1
            col.find("mean-only", f"postmortem.metrics[{i}].statistics",
                     f"{m.name} is reported only as a mean: one long incident drags it and hides the typical case",
                     "report median and p90 (statistics: [median, p90]); incident durations are heavy-tailed")
    col.ev("loop", mean_only == 0, f"{len(pm.metrics) - mean_only}/{len(pm.metrics)} metrics report a median or percentile",
           "postmortem.metrics[*].statistics")
    targeted = [m for m in pm.metrics if m.target_median_min is not None or m.target_p90_min is not None]
    col.ev("loop", len(targeted) == len(pm.metrics), f"{len(targeted)}/{len(pm.metrics)} metrics have a target", "postmortem.metrics")
    if pm.metrics and not targeted:
        col.find("loop-no-targets", "postmortem.metrics", "no metric has a target: the loop cannot say whether it is improving",
                 "set target_median_min and target_p90_min, e.g. time_to_detect median 5, p90 15")
    if pm.incidents:
        m = pm.measure()
        for x in m.metrics:
            if x.median is not None:
                # What the incidents measured is shown as it is (a miss is a ✗), but it is the loop's report,
                # not the loop's design: it does not move the score.
                verdict = {True: ", meets target", False: ", misses target", None: ""}[x.meets_target]
                col.ev("loop", x.meets_target is not False, f"{x.name}: median {x.median:.0f} min, p90 {x.p90:.0f} min "
                       f"over {x.count} incidents{verdict}", f"postmortem.metrics[{_metric_index(pm, x.name)}]",
                       scored=False)
    col.ev("loop", len(pm.incidents) >= 3, f"{len(pm.incidents)} incident records to measure the loop on", "postmortem.incidents")
    typed = [a for a in pm.action_items if not placeholder(a.owner)]
    col.ev("loop", pm.action_items and len(typed) == len(pm.action_items),
           f"{len(pm.action_items)} typed action items, {len(typed)} with an owner and due date", "postmortem.action_items")
    with_items = {a.incident for a in pm.action_items if a.incident}
    for i, inc in enumerate(pm.incidents):
        if sev_rank(inc.severity) <= 1 and inc.id not in with_items:
            col.find("p0-incident-without-action" if sev_rank(inc.severity) == 0 else "incident-without-action",
                     f"postmortem.incidents[{i}]",
                     f"{inc.severity} incident {inc.id} has no action item: the loop learnt nothing from it",
                     f"add an action item with incident: {inc.id} (type prevent or detect, owner, due date)")


def _metric_index(pm, name: str) -> int:
    return next(i for i, m in enumerate(pm.metrics) if m.name == name)
