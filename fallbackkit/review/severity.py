"""Severity and detection: metric-driven levels, an owner, a signal and a runbook per mode."""

from __future__ import annotations

import re

from .context import Review
from .registry import checker
from .text import metric_driven, placeholder
from .vocabulary import sev_rank

check = checker("severity")


@check("severity-not-metric", "blocking", "detection_budget", "severity level without a metric-driven definition")
@check("mode-missing-ops", "blocking", "consistency", "failure mode without detection signal, runbook or owner")
@check("p0-unowned", "blocking", "severity_weighting", "a P0 with no page or no owner",
       "the worst failure the product has waits for someone to notice it")
@check("weak-detection", "warning", "detection_budget", "a severe mode that is hard to detect")
def severity(ctx: Review) -> None:
    d, col = ctx.design, ctx
    levels = {k: v for k, v in d.taxonomy.severity_levels.items()}
    defined = [k for k in ("P0", "P1", "P2", "P3") if k in levels]
    col.ev("severity", len(defined) == 4, f"severity levels defined: {', '.join(defined) or 'none'}", "taxonomy.severity_levels")
    vague = [k for k in defined if not metric_driven(levels[k].criterion)]
    col.ev("severity", defined and not vague, f"{len(defined) - len(vague)}/{len(defined)} severity definitions are metric-driven",
           "taxonomy.severity_levels")
    for k in vague:
        col.find("severity-not-metric", f"taxonomy.severity_levels.{k}.criterion",
                 f"{k} is defined as {levels[k].criterion!r}: no metric a pager could evaluate",
                 f"define {k} by a metric, threshold and window, e.g. 'SLO attainment < 99% over 10 min'")
    for i, m in enumerate(d.taxonomy.modes):
        sev = m.severity
        if sev not in levels:
            col.find("severity-not-metric", f"taxonomy.modes[{i}].severity",
                     f"mode {m.id!r} is {sev}, which has no definition",
                     f"add severity_levels.{sev} with a metric-driven criterion")
    p0 = levels.get("P0")
    if p0 is not None and not re.search(r"\bpage|\bpaged|\bpaging", f"{p0.response}", re.IGNORECASE):
        col.find("p0-unowned", "taxonomy.severity_levels.P0.response",
                 f"P0's response is {p0.response!r}: it pages nobody",
                 "respond to a P0 with a page: 'page on-call now; incident commander named within 5 min'")
    modes = d.taxonomy.modes
    ops_ok = 0
    for i, m in enumerate(modes):
        base = f"taxonomy.modes[{i}]"
        gaps = []
        if placeholder(m.detection.metric) or placeholder(m.detection.window):
            gaps.append((f"{base}.detection", "no detection signal",
                         "name the metric, comparator, threshold and window an alert fires on, e.g. 'http_5xx_rate > 2 % over 5m'"))
        if not m.runbook.steps:
            gaps.append((f"{base}.runbook.steps", "a runbook entry with no steps",
                         "write the on-call's first steps: what to check, what to switch, when to escalate"))
        if placeholder(m.owner) and sev_rank(m.severity) == 0:
            col.find("p0-unowned", f"{base}.owner", f"P0 mode {m.id!r} has owner {m.owner!r}: nobody is paged for the worst failure",
                     "name the rota that is paged, e.g. 'LLM platform on-call', and its escalation")
            gaps.append(None)
        elif placeholder(m.owner):
            gaps.append((f"{base}.owner", f"owner {m.owner!r} is nobody in particular",
                         "name the team or rota that is paged, e.g. 'LLM platform on-call'"))
        for loc, what, fix in filter(None, gaps):
            col.find("mode-missing-ops", loc, f"mode {m.id!r} has {what}", fix)
        ops_ok += not gaps
        if sev_rank(m.severity) <= 1 and m.detectability >= 7:
            col.find("weak-detection", f"{base}.detectability",
                     f"{m.severity} mode {m.id!r} has detectability {m.detectability}/10: it would be found by users first",
                     "add a direct signal (a canary, an evaluator score, a synthetic probe) and lower the detectability rating")
    col.ev("severity", modes and ops_ok == len(modes),
           f"{ops_ok}/{len(modes)} modes have a detection signal, runbook steps and an owner", "taxonomy.modes[*]")
    if modes:
        worst = min(modes, key=lambda m: (sev_rank(m.severity), -m.occurrence))
        col.ev("severity", True, f"most severe: {worst.id} ({worst.severity}), detected by {worst.detection}",
               f"taxonomy.modes[{modes.index(worst)}].detection")
