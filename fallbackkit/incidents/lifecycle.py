"""The Statuspage incident lifecycle: stages, durations, impact levels and the title
categories a fallback design files incidents under."""

from __future__ import annotations

import math
import re
from typing import Any

STAGES = ["investigating", "identified", "monitoring", "resolved", "postmortem"]

#: metric → (from stage(s), to stage). A tuple of from-stages means "the earliest present".
DURATIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "time_to_identify": (("investigating",), "identified"),
    "time_to_repair": (("identified",), "monitoring"),
    "time_to_verify": (("monitoring",), "resolved"),
    "time_to_postmortem": (("resolved",), "postmortem"),
    "time_to_resolve": (("investigating", "identified", "monitoring"), "resolved"),
}
METRICS = list(DURATIONS) + ["time_between_failures"]

#: Statuspage impact levels (the dataset's README lists 0–3; its files also hold 4,
#: Statuspage's blue "maintenance" colour, kept and counted in the quality report).
IMPACT_NAMES = {0: "none", 1: "minor", 2: "major", 3: "critical", 4: "maintenance"}
IMPACT_SEVERITY = {3: "P0", 2: "P1", 1: "P2", 0: "P3", 4: "P3"}

#: The mean is flagged as skewed when it is at least this many times the median.
SKEW_RATIO = 1.5

#: DORA-style recovery bands on the median time to resolve (minutes). The State of DevOps
#: reports: elite < 1 hour, high < 1 day, medium 1 day – 1 week; "low" is everything above
#: a week here (the reports' low band varies by year).
RECOVERY_BANDS = [("elite", 60.0), ("high", 24 * 60.0), ("medium", 7 * 24 * 60.0), ("low", math.inf)]

NO_COMPONENT = "(none)"

SHORT_CITATION = "public status page, via the ICPE 2025 LLM-incident dataset (atlarge-research/llm-service-analysis)"

SOURCE_CITATION = (
    "Incident data: \"An Empirical Characterization of Outages and Incidents in Public Services "
    "for Large Language Models\" (ICPE 2025), public artifact atlarge-research/llm-service-analysis, "
    "data/clean/incident/2024-08-31/incident_stages.csv, scraped from the public status pages of "
    "OpenAI, Anthropic and Character.AI.")

# Incident categories read from titles, first match wins (order matters: "Elevated errors on
# login" is a login problem; "Partial outage causing 500s" is an outage). Each maps to the
# taxonomy category a fallback design would file it under.
INCIDENT_CATEGORIES: list[tuple[str, str, str]] = [
    ("maintenance", r"maintenance", "other"),
    ("login", r"log ?ins?\b|sign[- ]?(in|up)|auth|account|\bsso\b|password|verification|captcha", "other"),
    ("rate limit", r"rate[- ]?limit|\b429s?\b|quota|(over|at) capacity|capacity constraint|overload|\b529s?\b", "resource_exhaustion"),
    ("outage", r"outage|\bdown\b|downtime|unavailab|inaccessible|not loading|unreachable|offline|can(no|')t access|couldn't access", "provider_outage"),
    ("latency", r"latenc|slow|delay|timeout|timing out|degraded performance|performance degradation|queue wait|backed up|taking longer", "latency_breach"),
    ("degraded model", r"quality|incorrect|wrong|gibberish|garbled|unexpected (response|output)|repeated responses|empty messages|bug affecting responses|missing conversation", "confidence_drop"),
    ("policy", r"content (policy|filter)|safety (filter|system)|flagged", "policy_violation"),
    ("context window", r"context (length|window)|token limit|too long", "context_window"),
    ("elevated errors", r"error|\b5\d\ds?\b|fail|issue|degrad|disruption|problem|interruption|incident|instability|impacted", "dependency_failure"),
]



def _text(v: Any) -> str:
    """A text cell as str ('' for None/NaN: pandas stores a missing description as NaN)."""
    return v if isinstance(v, str) else ""


def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def categorize(title: str, description: str = "") -> str:
    """The incident category of a status-page title (first matching rule; see INCIDENT_CATEGORIES)."""
    for text in (title, description):
        t = _text(text).lower()
        for name, pattern, _ in INCIDENT_CATEGORIES:
            if re.search(pattern, t):
                return name
    return "other"


CATEGORY_TO_TAXONOMY = {name: cat for name, _, cat in INCIDENT_CATEGORIES} | {"other": "other"}


def _json_row(r: dict) -> dict:
    out = {}
    for k, v in r.items():
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            v = None
        out[k] = v
    return out


def _impact_int(v) -> int | None:
    """An impact cell as int, None when missing (pandas gives NA, which has no truth value)."""
    import pandas as pd
    return None if v is None or pd.isna(v) else int(v)


def _impact_name(v) -> str:
    i = _impact_int(v)
    return "" if i is None else IMPACT_NAMES.get(i, str(i))


def _num(v) -> float | None:
    return None if v is None or v != v else float(v)

