"""Detection against the error budget (SRE Workbook, "Alerting on SLOs").

Budget minutes = window_days × 1440 × (1 − p): a 99.9% SLO over 28 days allows 40.3 minutes
of total outage. An alert that needs a window of W minutes lets a mode burn
W × (its share of requests) of that budget before it can fire. The Workbook's
multi-window, multi-burn-rate policy is the reference: page at 14.4× over 1 h (5 min short
window) = 2% of a 30-day budget, page at 6× over 6 h (30 min) = 5%, ticket at 1× over 3 days
(6 h) = 10%. So a paging alert may let at most 6 × 6 = 36 burn-hours pass, a ticket 72.
"""

from __future__ import annotations

import re

from ..display import pct, short_minutes
from ..taxonomy import Category
from .context import Review
from .registry import checker
from .vocabulary import sev_rank

check = checker("severity")
#: budget share a paging alert may burn before it fires (the Workbook's 6× over 6 h), and a ticket (1× over 3 d)
PAGE_SHARE, TICKET_SHARE = 0.05, 0.10
PAGE_BURN_HOURS, TICKET_BURN_HOURS = 6 * 6, 1 * 72
#: a page that needs more than the Workbook's longest paging window (6 h) of data is not a page
PAGE_MAX_WINDOW_MIN = 360
#: the Workbook's shortest confirming window: no alert confirms faster, so a detect target this low is never flagged
SHORT_WINDOW_MIN = 5
#: the short window of the Workbook's slower page (6x over 6 h / 30 min): a ticket-level mode alert needs no longer one
TICKET_WINDOW_FLOOR_MIN = 30
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)\s*$",
                       re.IGNORECASE)
_UNIT_MIN = {"s": 1 / 60, "m": 1, "h": 60, "d": 1440, "w": 10080}
_ANY_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)\b",
                           re.IGNORECASE)
_BURN = re.compile(r"burn[- ]rate\s*(?:>|≥|>=|above|over)?\s*(\d+(?:\.\d+)?)\s*[x×]?\s*(?:over|in|for)\s+(?:the\s+)?"
                   r"(?:last\s+)?(\d+(?:\.\d+)?)\s*(min|minutes?|m|h|hours?|d|days?)\b", re.IGNORECASE)
_FULL_IMPACT = {Category.provider_outage.value}
_TIED = re.compile(r"\b(burn|error[- ]budget|attainment|slo)\b", re.IGNORECASE)
_ERRORS = re.compile(r"(error|5xx|429|fail|timeout|timed_out|unserved)", re.IGNORECASE)
#: an error-rate page that needs more than this burn to fire misses burns that empty the budget in hours
BLIND_BURN = 100
#: modes whose requests miss the SLO (late, failed, unserved): they spend the error budget
BURNS = {Category.latency_breach.value, Category.dependency_failure.value, Category.resource_exhaustion.value,
         Category.provider_outage.value, Category.context_window.value}
#: an alert window may be at most this share of the budget minutes: a P0 (a full outage burns a minute of
#: budget a minute) 5%, a P1 25%
WINDOW_SHARE = {0: 0.05, 1: 0.25}
_ATTAIN = re.compile(r"attainment\s*(?:<|≤|<=|below|under)\s*(\d+(?:\.\d+)?)\s*%\s*(?:over|in|for)\s+(?:the\s+)?"
                     r"(?:last\s+)?(\d+(?:\.\d+)?)\s*(min|minutes?|m|h|hours?|d|days?)\b", re.IGNORECASE)
_OVER = re.compile(r"\bover\s+(?:the\s+)?(?:last\s+)?(\d+(?:\.\d+)?)\s*(min|minutes?|m|h|hours?|d|days?)\b", re.IGNORECASE)


def minutes(window: str | None) -> float | None:
    """'5m' → 5, '1h' → 60, '3 days' → 4320; a multi-window '1h/5m' → 5 (the short window fires first);
    None when it states no duration."""
    m = _DURATION.match(window or "")
    if m:
        return float(m.group(1)) * _UNIT_MIN[m.group(2)[0].lower()]
    found = [float(q) * _UNIT_MIN[u[0].lower()] for q, u in _ANY_DURATION.findall(window or "")]
    return min(found) if found else None


def budget_minutes(slo) -> float:
    """Minutes of total outage the SLO's error budget allows over its window."""
    return slo.window_days * 1440 * (1 - slo.percentile / 100)


def pages(level) -> bool:
    return level is not None and bool(re.search(r"\bpage", level.response or "", re.IGNORECASE))


@check("detection-too-slow", "blocking", "detection_budget",
       "an alert window that lets a severe mode burn more than a small share of the error budget",
       "by the time the alert can fire, the month's error budget is spent")
@check("burn-rate-off-policy", "warning", "detection_budget",
       "a severity's burn-rate alert lets more budget burn than the SRE Workbook's policy for its response",
       "a page must fire before 5% of the budget burns, a ticket before 10%")
@check("threshold-blind-to-burn", "warning", "detection_budget",
       "an error-rate alert whose threshold lets a budget-emptying burn pass silently",
       "below the threshold a burn that spends the month's budget in hours pages nobody")
@check("severity-not-burn", "warning", "detection_budget",
       "no severity level is tied to the SLO or its error budget",
       "severities that ignore the budget page for noise and stay quiet while the budget burns")
@check("detect-target-over-budget", "warning", "detection_budget",
       "a time-to-detect target that spends a large share of the error budget",
       "an incident detected at the target has already spent most of the month's budget")
def detection(ctx: Review) -> None:
    d = ctx.design
    slo = d.context.slo
    b_min = budget_minutes(slo)
    ctx.ev("severity", True, f"error budget {b_min:,.1f} min of total outage over {slo.window_days} days "
           f"({slo.window_days} × 1440 × {pct(slo.error_budget)})", "context.slo")
    _mode_windows(ctx, b_min)
    _severity_levels(ctx, b_min)
    _detect_targets(ctx, b_min)


def _mode_windows(ctx: Review, b_min: float) -> None:
    d, levels = ctx.design, ctx.design.taxonomy.severity_levels
    slow = 0
    for i, m in enumerate(d.taxonomy.modes):
        w = minutes(m.detection.window)
        if w is not None and sev_rank(m.severity) == 2 and b_min > 0 and m.category in BURNS \
                and w / b_min > TICKET_SHARE and (w > TICKET_WINDOW_FLOOR_MIN or w * m.occurrence / b_min > TICKET_SHARE):
            # while the mode is happening its requests miss the SLO: the window, not the monthly average
            # occurrence, is what burns before the alert can fire (full impact, the committee's reading);
            # a window within the Workbook's 30 min short window of its 6x page is never the problem
            slow += 1
            ctx.find("detection-too-slow", f"taxonomy.modes[{i}].detection.window",
                     f"P2 mode {m.id!r} ({m.category}) alerts over {m.detection.window}: its requests miss the SLO while "
                     f"it lasts, so up to {short_minutes(w)} ({pct(w / b_min)}) of the {b_min:,.1f}-minute error budget burns "
                     f"before the alert can fire (Workbook ticket: {pct(TICKET_SHARE)})",
                     f"alert over at most {short_minutes(TICKET_SHARE * b_min)} with a burn-rate condition, e.g. 1× burn over "
                     "3 days with a 6 h short window for the ticket and 14.4× over 1 h / 5 min for the page",
                     severity="blocking" if w / b_min > WINDOW_SHARE[1] else "warning")
            continue
        if w is None or sev_rank(m.severity) > 1 or b_min <= 0:
            continue
        impact = 1.0 if (m.category in _FULL_IMPACT or sev_rank(m.severity) == 0) else m.occurrence
        burnt = w * impact / b_min
        too_long = pages(levels.get(m.severity)) and w > PAGE_MAX_WINDOW_MIN
        wide = m.category in BURNS and w / b_min > WINDOW_SHARE[sev_rank(m.severity)]
        if wide and burnt <= PAGE_SHARE:
            impact, burnt = 1.0, w / b_min   # say it the committee's way: the window against the budget minutes
        if burnt > PAGE_SHARE or too_long or wide:
            slow += 1
            w_ok = PAGE_SHARE * b_min / impact if impact else w
            ctx.find("detection-too-slow", f"taxonomy.modes[{i}].detection.window",
                     f"{m.severity} mode {m.id!r} alerts over {m.detection.window}: "
                     f"at {pct(impact)} of requests that burns {pct(burnt)} of the {b_min:,.1f}-minute error budget "
                     f"before the alert can fire (a page should fire within {pct(PAGE_SHARE)})",
                     f"alert over a window of at most {short_minutes(min(w_ok, PAGE_MAX_WINDOW_MIN))}, e.g. the Workbook's "
                     "14.4× burn rate over 1 h with a 5 min short window")
    ctx.ev("severity", slow == 0, f"{slow} severe modes whose alert window burns more than {pct(PAGE_SHARE)} of the budget",
           "taxonomy.modes[*].detection.window")


def _severity_levels(ctx: Review, b_min: float) -> None:
    d, slo, levels = ctx.design, ctx.design.context.slo, ctx.design.taxonomy.severity_levels
    if levels and not any(_TIED.search(lvl.criterion or "") for lvl in levels.values()):
        ctx.find("severity-not-burn", "taxonomy.severity_levels",
                 f"no severity level mentions the SLO, its attainment or the error-budget burn rate; the budget is "
                 f"{b_min:,.1f} min over {slo.window_days} days",
                 "tie the levels to burn rates (SRE Workbook): P0/P1 page at 14.4× over 1 h or 6× over 6 h, "
                 "P2/P3 ticket at 3× over 1 day or 1× over 3 days")
    for i, m in enumerate(d.taxonomy.modes):
        det = m.detection
        if (sev_rank(m.severity) <= 1 and det.comparator.strip() in (">", ">=", "≥") and (det.unit or "").strip() == "%"
                and _ERRORS.search(det.metric) and slo.percentile < 100):
            burn = det.threshold / (100 - slo.percentile)
            if burn > BLIND_BURN:
                ctx.find("threshold-blind-to-burn", f"taxonomy.modes[{i}].detection.threshold",
                         f"{m.severity} mode {m.id!r} alerts only above {det.threshold:g}% errors: a {burn:,.0f}× burn of "
                         f"the {pct(1 - slo.percentile / 100)} budget; a 14.4× burn empties it in "
                         f"{slo.window_days * 24 / 14.4:,.0f} h without an alert",
                         f"alert at {14.4 * (100 - slo.percentile):.2g}% over 1 h (14.4× burn) with a 5 min short window")
    for k, lvl in levels.items():
        _level_windows(ctx, k, lvl, slo)
        for burn, qty, unit in _BURN.findall(lvl.criterion or ""):
            hours = float(qty) * _UNIT_MIN[unit[0].lower()] / 60
            burn_hours = float(burn) * hours
            share = burn_hours / (slo.window_days * 24)
            limit, lim_share, kind = ((PAGE_BURN_HOURS, PAGE_SHARE, "page") if pages(lvl) or sev_rank(k) <= 1
                                      else (TICKET_BURN_HOURS, TICKET_SHARE, "ticket"))
            if burn_hours > limit * 1.0001:
                ctx.find("burn-rate-off-policy", f"taxonomy.severity_levels.{k}.criterion",
                         f"{k} fires at {float(burn):g}× burn over {float(qty):g} {unit}: {pct(share)} of the "
                         f"{slo.window_days}-day budget burns before this {kind} fires (Workbook: {pct(lim_share)})",
                         "use the Workbook's pairs: page at 14.4× over 1 h / 5 min or 6× over 6 h / 30 min; "
                         "ticket at 1× over 3 days / 6 h")
            elif kind == "page" and float(burn) < 6:
                ctx.find("burn-rate-off-policy", f"taxonomy.severity_levels.{k}.criterion",
                         f"{k} pages at {float(burn):g}× burn: a burn that slow spends the budget over "
                         f"{slo.window_days / float(burn):,.0f} days, which the Workbook tickets; pages that low are noise",
                         "page at 14.4× over 1 h (5 min short window) or 6× over 6 h (30 min); ticket at 1× over 3 days")
            elif kind == "ticket" and float(burn) >= 6:
                ctx.find("burn-rate-off-policy", f"taxonomy.severity_levels.{k}.criterion",
                         f"{k} only tickets at {float(burn):g}× burn: at that rate the {slo.window_days}-day budget is gone "
                         f"in {slo.window_days * 24 / float(burn):,.0f} h, which the Workbook pages for (≥ 6× over 6 h)",
                         f"page at this burn rate (make it a P1 with a page), and keep {k} for ≤ 1× over 3 days")



def _detect_targets(ctx: Review, b_min: float) -> None:
    d = ctx.design
    for i, met in enumerate(d.postmortem.metrics):
        if met.name != "time_to_detect" or b_min <= 0:
            continue
        for attr, share, floor in (("target_median_min", PAGE_SHARE, SHORT_WINDOW_MIN), ("target_p90_min", 0.4, 0.0)):
            t = getattr(met, attr)
            cap = max(share * b_min, floor)
            if t is not None and t > cap:
                ctx.find("detect-target-over-budget", f"postmortem.metrics[{i}].{attr}",
                         f"time_to_detect target {t:g} min is {pct(t / b_min)} of the {b_min:,.1f}-minute error budget per "
                         "incident: an outage detected at the target spends that much before anyone acts"
                         + (f" (the Workbook's slower page, 6× over 6 h, fires on a full outage within {pct(PAGE_SHARE)})"
                            if attr == "target_median_min" else ""),
                         f"set {attr} ≤ {cap:,.0f} min ({pct(cap / b_min)} of the budget)")


def _level_windows(ctx: Review, k: str, lvl, slo) -> None:
    """A paging level over a window longer than the Workbook's longest page (6 h), or an attainment
    threshold that lets more than 36 burn-hours pass, fires after the budget is gone."""
    if not (pages(lvl) or sev_rank(k) <= 1):
        return
    text = lvl.criterion or ""
    allowed = 1 - slo.percentile / 100
    for x, qty, unit in _ATTAIN.findall(text):
        hours = float(qty) * _UNIT_MIN[unit[0].lower()] / 60
        burn = (1 - float(x) / 100) / allowed if allowed > 0 else 0.0
        if burn * hours > PAGE_BURN_HOURS * 1.0001:
            ctx.find("burn-rate-off-policy", f"taxonomy.severity_levels.{k}.criterion",
                     f"{k} pages at attainment < {float(x):g}% over {float(qty):g} {unit}: a {burn:,.1f}× burn for "
                     f"{hours:g} h is {pct(burn * hours / (slo.window_days * 24))} of the {slo.window_days}-day budget "
                     f"before it fires (Workbook: {pct(PAGE_SHARE)})",
                     "page at 14.4× burn over 1 h (5 min short window) or 6× over 6 h (30 min)")
            return
    for x, qty, unit in _ATTAIN.findall(text):
        hours = float(qty) * _UNIT_MIN[unit[0].lower()] / 60
        if hours * 60 > PAGE_MAX_WINDOW_MIN:
            burn = (1 - float(x) / 100) / allowed if allowed > 0 else 0.0
            ctx.find("burn-rate-off-policy", f"taxonomy.severity_levels.{k}.criterion",
                     f"{k} pages on attainment < {float(x):g}% over {float(qty):g} {unit}: a {burn:,.2g}× burn measured "
                     f"over {hours:g} h, longer than the Workbook's longest paging window (6 h); a partial failure pages "
                     f"hours late, and the alert keeps firing for {hours:g} h after recovery",
                     "page at 14.4× burn over 1 h (5 min short window) or 6× over 6 h (30 min)")
            return
    for qty, unit in _OVER.findall(text):
        minutes_ = float(qty) * _UNIT_MIN[unit[0].lower()]
        if minutes_ > PAGE_MAX_WINDOW_MIN and not _BURN.search(text) and not _ATTAIN.search(text):
            ctx.find("burn-rate-off-policy", f"taxonomy.severity_levels.{k}.criterion",
                     f"{k} pages on a {float(qty):g} {unit} window: longer than the Workbook's longest paging window "
                     "(6 h), so the page comes after the damage",
                     "page at 14.4× burn over 1 h (5 min short window) or 6× over 6 h (30 min)")
            return
