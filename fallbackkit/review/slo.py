"""SLO framing: a tail percentile, a measurement point, a window."""

from __future__ import annotations

from .context import Review
from .registry import checker
from .text import placeholder
from .vocabulary import (pct)

check = checker("slo")


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
    if s.percentile < 90:
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
