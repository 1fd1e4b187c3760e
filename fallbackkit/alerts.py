"""The taxonomy and the SLO as Prometheus rules (and an OpenSLO document).

The SLO becomes multi-window, multi-burn-rate alerts (Google SRE Workbook, "Alerting on
SLOs"): page when the error budget burns 14.4× too fast over 1 h *and* 5 min, page at 6× over
6 h *and* 30 min, open a ticket at 1× over 3 days *and* 6 h. Each failure mode's detection
signal becomes one alert: ``<signal> <comparator> <threshold>`` held ``for`` the mode's window,
labelled with its severity and annotated with its runbook and owner::

    rules = prometheus_rules(design)        # a dict: {"groups": [...]}, `promtool check rules` clean
    text = rules_text(design)               # the YAML file
    slo = openslo(design)                   # OpenSLO v1 SLO document

Metric conventions (what your gateway exports; docs/exports.md has the table):

- ``llm_requests_total{path, outcome}`` — a counter per call to a model path; ``outcome`` is
  ``ok``, ``rate_limited``, ``server_error``, ``timeout``, ``context_window``,
  ``content_policy`` or ``error``.
- ``llm_request_duration_seconds_bucket{path, le}`` — per-call latency histogram (or time to
  first token when the SLO measures it).
- ``llm_slo_duration_seconds_bucket{outcome, le}`` — the SLO's latency at its measurement point,
  one observation per request, failed requests with ``outcome="error"``; a bucket boundary
  must sit at the SLO threshold. A good event is ``outcome="ok"`` within the threshold.
- A detection signal with another name (``moderation_flag_rate``, …) is alerted on as a gauge
  of that name, which your application exports.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from .files import dump_yaml

if TYPE_CHECKING:  # pragma: no cover
    from .design import Design

#: (severity label, burn-rate factor, long window, short window) — SRE Workbook table 5-8.
BURN_RATES = (("page", 14.4, "1h", "5m"), ("page", 6.0, "6h", "30m"), ("ticket", 1.0, "3d", "6h"))
WINDOWS = ("5m", "30m", "1h", "6h", "3d")
SLO_METRIC = {"end_to_end": "llm_slo_duration_seconds", "time_to_first_token": "llm_slo_ttft_seconds"}
#: Detection signals the kit derives from ``llm_requests_total``: name → outcome counted.
RATIO_SIGNALS = {"http_429_rate": "rate_limited", "http_5xx_rate": "server_error",
                 "primary_success_rate": "ok", "context_length_errors": "context_window"}
_QUANTILE = re.compile(r"^(?P<path>[a-z0-9_]+?)_(?:ttft|latency)_p(?P<q>\d{2,3})_ms$")
_COMPARATORS = {">", ">=", "<", "<=", "==", "!="}
#: A P0/P1 failure mode pages; P2/P3 open a ticket.
ROUTING = {"P0": "page", "P1": "page", "P2": "ticket", "P3": "ticket"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "design"


def le_label(seconds: float) -> str:
    """A histogram bucket boundary as Prometheus clients write it: 0.4 → "0.4", 1 → "1.0"."""
    return repr(float(seconds))


def error_budget(design: "Design") -> float:
    """The share of requests the SLO allows to miss (99.9 → 0.001)."""
    return round(1 - design.context.slo.percentile / 100, 12)


def time_to_detect_min(design: "Design") -> float:
    """The loop's median time-to-detect target in minutes (5 when the design states none)."""
    for m in design.postmortem.metrics if design.postmortem else []:
        if m.name == "time_to_detect" and m.target_median_min:
            return float(m.target_median_min)
    return 5.0


def _sli(design: "Design", window: str, sel: str) -> str:
    slo = design.context.slo
    metric = SLO_METRIC[slo.metric]
    good = f'sum(rate({metric}_bucket{{{sel},outcome="ok",le="{le_label(slo.threshold_ms / 1000)}"}}[{window}]))'
    total = f"sum(rate({metric}_count{{{sel}}}[{window}]))"
    return f"1 - ({good} / {total})"


def slo_rules(design: "Design") -> list[dict]:
    """Recording rules for the SLO's error ratio over each window, then the burn-rate alerts."""
    name = slug(design.context.name)
    sel = f'slo="{name}"'
    budget = error_budget(design)
    rules: list[dict] = [{"record": f"fallbackkit:slo_errors:ratio_rate{w}", "expr": _sli(design, w, sel),
                          "labels": {"slo": name}} for w in WINDOWS]
    slo = design.context.slo
    for severity, factor, long_w, short_w in BURN_RATES:
        limit = min(1.0, factor * budget)
        cond = " and ".join(f'fallbackkit:slo_errors:ratio_rate{w}{{{sel}}} > {limit:.6g}' for w in (long_w, short_w))
        rules.append({
            "alert": f"SLOErrorBudgetBurn{'Fast' if factor > 10 else 'Medium' if factor > 1 else 'Slow'}",
            "expr": cond,
            "labels": {"severity": severity, "slo": name},
            "annotations": {
                "summary": f"{design.context.name}: error budget burning {factor:g}x over {long_w} and {short_w}",
                "description": (f"SLO: {slo.percentile:g}% of requests within {slo.threshold_ms:g} ms "
                                f"({slo.metric.replace('_', ' ')}, at {slo.measurement_point}) over "
                                f"{slo.window_days} days; budget {budget:.4g}, alert above {limit:.4g}."),
            },
        })
    return rules


def _signal_expr(design: "Design", mode) -> str:
    d = mode.detection
    path = mode.occurs_on or design.matrix.paths[0].id
    w = "1m"  # the signal's instantaneous value; `for:` holds it over the mode's window
    if d.metric in RATIO_SIGNALS:
        num = f'sum(rate(llm_requests_total{{path="{path}",outcome="{RATIO_SIGNALS[d.metric]}"}}[{w}]))'
        den = f'sum(rate(llm_requests_total{{path="{path}"}}[{w}]))'
        scale = "100 * " if d.unit == "%" else ""
        return f"{scale}{num} / {den}"
    m = _QUANTILE.match(d.metric)
    if m and d.unit == "ms":
        target = path if m["path"] == "primary" else m["path"]
        q = int(m["q"]) / (10 ** len(m["q"]))
        return (f"1000 * histogram_quantile({q:g}, sum by (le) "
                f'(rate(llm_request_duration_seconds_bucket{{path="{target}"}}[{w}])))')
    return d.metric


def mode_rules(design: "Design") -> list[dict]:
    """One alert per failure mode: its detection signal against its threshold, for its window."""
    rules = []
    for mode in design.taxonomy.modes:
        d = mode.detection
        comparator = d.comparator if d.comparator in _COMPARATORS else ">"
        rules.append({
            "alert": "FailureMode_" + re.sub(r"[^A-Za-z0-9_]", "_", mode.id),
            "expr": f"({_signal_expr(design, mode)}) {comparator} {d.threshold:g}",
            "for": d.window,
            "labels": {"severity": ROUTING.get(str(mode.severity), "ticket"), "priority": str(mode.severity),
                       "category": str(mode.category), "failure_mode": mode.id, "slo": slug(design.context.name)},
            "annotations": {
                "summary": f"{mode.name}: {d.metric} {comparator} {d.threshold:g}{d.unit} for {d.window}",
                "runbook": f"{mode.runbook.id} {mode.runbook.title}: " + " ".join(mode.runbook.steps),
                "owner": mode.owner,
                "user_effect": mode.user_effect,
                "mitigation": f"path {mode.mitigation.path}" + (f" ({mode.mitigation.note})" if mode.mitigation.note else ""),
            },
        })
    return rules


def prometheus_rules(design: "Design") -> dict:
    """The Prometheus rule file: an SLO group (recording + burn-rate alerts) and a failure-mode group."""
    name = slug(design.context.name)
    return {"groups": [{"name": f"{name}-slo", "rules": slo_rules(design)},
                       {"name": f"{name}-failure-modes", "rules": mode_rules(design)}]}


def rules_text(design: "Design") -> str:
    head = (f"# Prometheus rules generated by fallbackkit from the design {design.context.name!r}.\n"
            + "".join(f"# Warning: {w}\n" for w in warnings(design))
            + "# Check: promtool check rules FILE. Metric conventions: docs/exports.md.\n")
    return head + dump_yaml(prometheus_rules(design))


def openslo(design: "Design") -> dict:
    """The SLO as an OpenSLO v1 ``SLO`` document (ratio of good to total events)."""
    slo, name = design.context.slo, slug(design.context.name)
    metric = SLO_METRIC[slo.metric]
    le = le_label(slo.threshold_ms / 1000)
    return {
        "apiVersion": "openslo/v1", "kind": "SLO",
        "metadata": {"name": name, "displayName": design.context.name},
        "spec": {
            "description": f"{slo.percentile:g}% of requests within {slo.threshold_ms:g} ms, at {slo.measurement_point}",
            "service": name,
            "indicator": {"metadata": {"name": f"{name}-latency"}, "spec": {"ratioMetric": {
                "counter": True,
                "good": {"metricSource": {"type": "Prometheus", "spec": {
                    "query": f'sum(rate({metric}_bucket{{slo="{name}",outcome="ok",le="{le}"}}[5m]))'}}},
                "total": {"metricSource": {"type": "Prometheus", "spec": {
                    "query": f'sum(rate({metric}_count{{slo="{name}"}}[5m]))'}}}}}},
            "timeWindow": [{"duration": f"{slo.window_days}d", "isRolling": True}],
            "budgetingMethod": "Occurrences",
            "objectives": [{"displayName": "latency", "target": slo.percentile / 100}],
        },
    }


def minutes(window: str) -> float:
    """A Prometheus duration as minutes: "90s" → 1.5, "5m" → 5, "1h" → 60, "3d" → 4320."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(s|m|h|d|w)", window.strip())
    if not m:
        raise ValueError(f"{window!r}: expected a duration such as 5m, 1h or 3d")
    return float(m[1]) * {"s": 1 / 60, "m": 1, "h": 60, "d": 1440, "w": 10080}[m[2]]


def page_delay_min(design: "Design") -> float:
    """Minutes from the start of a full outage of the entry path to the first page, scraped every
    minute: the fast-burn SLO alert (its 1 h ratio passes 14.4 × budget after 864 × budget
    minutes) or a P0 mode's ratio signal on that path (its ``for:`` window), plus a minute for
    the first scrape."""
    k = math.ceil(14.4 * error_budget(design) * 60) + 1
    p0 = [minutes(m.detection.window) + 1 for m in design.taxonomy.modes
          if str(m.severity) == "P0" and m.detection.metric in RATIO_SIGNALS]
    return min([k] + p0)


def warnings(design: "Design") -> list[str]:
    """What the rules cannot promise, one line each."""
    out = []
    ttd, delay = time_to_detect_min(design), page_delay_min(design)
    if delay > ttd:
        out.append(f"a full outage pages after {delay:g} min, later than the {ttd:g} min time-to-detect target: the "
                   f"fast-burn page needs {14.4 * error_budget(design) * 60:.1f} min of errors at a "
                   f"{design.context.slo.percentile:g}% SLO; add a P0 failure mode with a ratio signal "
                   "(e.g. primary_success_rate < 50 for 1m) on the entry path")
    if 14.4 * error_budget(design) >= 1:
        out.append("the SLO's error budget is so large that 14.4x its burn rate is above 100% errors: "
                   "the fast-burn page can never fire")
    return out
