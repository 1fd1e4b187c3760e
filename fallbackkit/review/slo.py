"""SLO framing: a tail percentile, a measurement point, a window."""

from __future__ import annotations

import re

from ..display import pct
from .context import Review
from .registry import checker
from .text import placeholder

check = checker("slo")
_MEAN = re.compile(r"\b(mean|average|avg)\s+(latency|response time|time to first token|ttft)\b", re.IGNORECASE)


@check("slo-on-median", "blocking", "severity_weighting", "SLO stated on a median or a mean",
       "half the users can miss a median SLO while it reports green; committees reject it outright")
@check("slo-vague", "warning", "slo_framing", "SLO stated without a tail percentile or a measurement point")
def slo(ctx: Review) -> None:
    d, col = ctx.design, ctx
    s = d.context.slo
    col.ev("slo", s.percentile >= 99, f"tail percentile p{s.percentile:g}", "context.slo.percentile")
    col.ev("slo", True, f"threshold {s.threshold_ms:g} ms on {s.metric.replace('_', ' ')}", "context.slo.threshold_ms")
    col.ev("slo", 7 <= s.window_days <= 90, f"rolling window of {s.window_days} days", "context.slo.window_days")
    col.ev("slo", not placeholder(s.measurement_point), f"measured at the {s.measurement_point}",
           "context.slo.measurement_point")
    col.ev("slo", True, f"error budget {pct(s.error_budget)} of requests", "context.slo")
    if s.percentile <= 50:
        col.find("slo-on-median", "context.slo.percentile",
                 f"an SLO at p{s.percentile:g} is a median: half of all requests may miss {s.threshold_ms:g} ms while it holds",
                 f"state the SLO at p99 or p99.9 ('99% of requests in < {s.threshold_ms:g} ms') and size the "
                 "budget to that tail")
    elif _MEAN.search(f"{s.measurement_point} {d.context.description}"):
        col.find("slo-on-median", "context.slo",
                 "the SLO is stated on a mean latency: one slow tail and many fast calls average out, and users feel the tail",
                 f"state it as a percentile: '{s.percentile:g}% of requests in < {s.threshold_ms:g} ms'")
    if 50 < s.percentile < 90:
        col.find("slo-vague", "context.slo.percentile",
                 f"an SLO at p{s.percentile:g} says nothing about the tail users feel",
                 "state the SLO at p99 or p99.9, e.g. '99.9% of requests in < 150 ms'")
    if placeholder(s.measurement_point):
        col.find("slo-vague", "context.slo.measurement_point",
                 f"measurement point {s.measurement_point!r} does not say where latency is measured",
                 "name the point, e.g. 'API gateway' or 'client SDK'")
    if not 7 <= s.window_days <= 90:
        col.find("slo-vague", "context.slo.window_days", f"a {s.window_days}-day window is outside SRE practice",
                 "use a rolling window of 7–90 days, e.g. 28")
