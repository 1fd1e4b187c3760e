"""Real incident histories: import them, measure the loop, feed it back into the design.

An :class:`IncidentLog` reads incidents in the Statuspage lifecycle — investigating →
identified → monitoring → resolved → postmortem, one timestamp per stage, an impact
level and the affected components — from CSV or JSON, and measures them::

    from fallbackkit.incidents import IncidentLog
    log = IncidentLog.bundled()            # 542 public incidents of OpenAI, Anthropic, Character.AI
    log.quality                            # what was odd in the file, counted, never dropped silently
    log.metrics(by="provider")             # count, mean, median, p90 of each duration, in minutes
    log.recovery_bands()                   # DORA-style band per component
    log.weekly_review("2024-06-03", loop=design.postmortem)
    log.taxonomy_feedback(design.taxonomy) # modes to propose, occurrence rates, modes never seen
    log.postmortem("qv89mzdjvtrs", design) # a blameless post-mortem draft in the SRE template

Durations (minutes), exactly as the kit defines them — a missing stage gives a missing
duration, never zero:

* time to identify     = identified − investigating
* time to repair       = monitoring − identified
* time to verify       = resolved − monitoring
* time to post-mortem  = postmortem − resolved
* time to resolve      = resolved − earliest of (investigating, identified, monitoring)
* time between failures = gap between consecutive incident starts on the same component
  (an incident starts at its earliest recorded stamp, whatever the stage).

pandas is imported when a log is built, never by ``import fallbackkit``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import html
import io
import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Sequence

from .problems import DesignError, Problem

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


# =========================================================================================
# reading
# =========================================================================================
@dataclass
class _Raw:
    """One normalized input record before timestamps are parsed."""

    id: str
    title: str
    provider: str
    impact: Any
    components: list[str]
    stamps: dict[str, str | None]
    descriptions: dict[str, str]
    line: int | None




def _text(v: Any) -> str:
    """A text cell as str ('' for None/NaN: pandas stores a missing description as NaN)."""
    return v if isinstance(v, str) else ""


def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _pick(row: dict, *names: str) -> Any:
    for n in names:
        if n in row and not _is_blank(row[n]):
            return row[n]
    return None


_META = {"incident_id", "id", "Incident_Title", "title", "incident_impact_level", "impact", "Incident_color",
         "provider", "components", "start_timestamp", "close_timestamp", "time_span", "over_one_day"}


def _component_columns(columns: Sequence[str], rows: list[dict]) -> list[str]:
    """Columns holding 0/1 component flags (the dataset's wide format)."""
    out = []
    for c in columns:
        if c in _META or c.endswith(("_flag", "_timestamp", "_description")) or c in STAGES:
            continue
        vals = {str(r.get(c, "")).strip() for r in rows}
        if vals and vals <= {"0", "1", "", "0.0", "1.0", "True", "False", "true", "false"}:
            out.append(c)
    return out


def _split_components(v: Any) -> list[str]:
    if _is_blank(v):
        return []
    if isinstance(v, (list, tuple)):
        return [str(x).strip() for x in v if str(x).strip()]
    return [p.strip() for p in re.split(r"[;|]", str(v)) if p.strip()]


def _normalize(row: dict, comp_cols: list[str], line: int | None, where: str, problems: list[Problem]) -> _Raw | None:
    rid = _pick(row, "id", "incident_id")
    if rid is None:
        problems.append(Problem(f"{where}.id", "incident has no id; expected an `id` (or `incident_id`) value", line=line))
        return None
    provider = _pick(row, "provider")
    if provider is None:
        problems.append(Problem(f"{where}.provider", "incident has no provider; expected e.g. openai, anthropic", line=line))
        return None
    nested = row.get("stages") if isinstance(row.get("stages"), dict) else {}
    stamps: dict[str, str | None] = {}
    descs: dict[str, str] = {}
    for s in STAGES:
        v = nested.get(s)
        d = None
        if isinstance(v, dict):
            v, d = v.get("at"), v.get("description")
        if _is_blank(v):
            v = _pick(row, s, f"{s}_timestamp", f"{s}_at")
        if d is None:
            d = _pick(row, f"{s}_description")
        stamps[s] = None if _is_blank(v) else str(v).strip()
        if not _is_blank(d):
            descs[s] = str(d).strip()
    comps = _split_components(row.get("components"))
    for c in comp_cols:
        if str(row.get(c, "")).strip() in ("1", "1.0", "True", "true"):
            comps.append(c)
    title = _pick(row, "title", "Incident_Title") or ""
    return _Raw(str(rid).strip(), str(title).strip(), str(provider).strip().lower(),
                _pick(row, "impact", "incident_impact_level"), comps, stamps, descs, line)


def _read_csv_records(text: str, source: str, problems: list[Problem]) -> list[_Raw]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows, lines = [], []
    reader.fieldnames  # reads the header, so line_num counts from there
    prev = reader.line_num
    try:
        for row in reader:
            rows.append(row)
            lines.append(prev + 1)  # the line where this record starts (descriptions span lines)
            prev = reader.line_num
    except csv.Error as exc:
        raise DesignError([Problem("", f"malformed CSV near line {reader.line_num}: {exc}", source, reader.line_num)]) from None
    if reader.fieldnames is None:
        raise DesignError([Problem("", "file is empty; expected a header row and one row per incident", source)])
    cols = list(reader.fieldnames)
    if not ({"id", "incident_id"} & set(cols)) or "provider" not in cols:
        raise DesignError([Problem("(header)", "expected columns `id` (or `incident_id`) and `provider`, plus one "
                                   "timestamp column per stage (`resolved` or `resolved_timestamp`, …); "
                                   f"got {', '.join(cols[:8])}", source, 1)])
    if not any(s in cols or f"{s}_timestamp" in cols for s in STAGES):
        raise DesignError([Problem("(header)", "no stage column; expected at least one of "
                                   + ", ".join(f"{s} / {s}_timestamp" for s in STAGES), source, 1)])
    comp_cols = _component_columns(cols, rows)
    out = []
    for k, (row, line) in enumerate(zip(rows, lines)):
        r = _normalize(row, comp_cols, line, f"row {k + 1}", problems)
        if r is not None:
            out.append(r)
    return out


def _read_json_records(text: str, source: str, problems: list[Problem]) -> list[_Raw]:
    from .reader import parse_text  # the one reader: duplicate keys, depth and size capped
    data, _ = parse_text(text, source, as_json=True, top=None)
    if isinstance(data, dict):
        data = data.get("incidents")
    if not isinstance(data, list):
        raise DesignError([Problem("", "expected a list of incidents, or {\"incidents\": [...]}", source)])
    keys: list[str] = []
    for d in data:
        if isinstance(d, dict):
            keys += [k for k in d if k not in keys]
    dict_rows = [d for d in data if isinstance(d, dict)]
    comp_cols = _component_columns(keys, dict_rows)
    out = []
    for k, d in enumerate(data):
        if not isinstance(d, dict):
            problems.append(Problem(f"incidents[{k}]", f"expected an object, got {type(d).__name__}"))
            continue
        r = _normalize(d, comp_cols, None, f"incidents[{k}]", problems)
        if r is not None:
            out.append(r)
    return out


def _parse_stamp(raw: str) -> dt.datetime:
    s = raw.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    return dt.datetime.fromisoformat(s)


def _offset_text(t: dt.datetime) -> str:
    off = t.utcoffset()
    if off is None:
        return "naive"
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# =========================================================================================
# data quality
# =========================================================================================
@dataclass
class DataQuality:
    """What was odd in an imported file, counted and listed — nothing is dropped silently.

    * out of order: a later lifecycle stage stamped before an earlier one. The incident is
      kept; each duration that comes out negative is excluded from its metric and counted
      there as ``excluded`` (pass ``out_of_order="keep"`` to keep negative durations).
    * missing resolution: no ``resolved`` stamp. Kept; time to verify/resolve are missing.
    * only resolved: no investigating/identified/monitoring stamp, so the start is unknown
      and time to resolve is missing (the dataset's own ``time_span`` says 0 here).
    * duplicates: the same id twice. An identical repeat is dropped and counted; a repeat
      with different content is dropped, counted and listed as a conflict (first one kept).
      Different ids with the same provider, title-independent first stamp are *suspected*
      duplicates: kept and listed.
    * time zones: every stamp is converted to UTC; offsets seen are counted, and stamps
      without an offset are assumed UTC and counted.
    """

    source: str
    rows: int = 0
    incidents: int = 0
    out_of_order: list[str] = field(default_factory=list)
    out_of_order_pairs: Counter = field(default_factory=Counter)
    missing_resolution: list[str] = field(default_factory=list)
    only_resolved: list[str] = field(default_factory=list)
    no_timestamp: list[str] = field(default_factory=list)
    duplicate_rows: list[str] = field(default_factory=list)
    conflicting_duplicates: list[str] = field(default_factory=list)
    suspected_duplicates: list[tuple[str, str]] = field(default_factory=list)
    offsets: Counter = field(default_factory=Counter)
    non_utc_incidents: list[str] = field(default_factory=list)
    naive_stamps: int = 0
    no_component: list[str] = field(default_factory=list)
    impact_outside_0_3: list[str] = field(default_factory=list)
    missing_stages: Counter = field(default_factory=Counter)

    @property
    def mixed_time_zones(self) -> bool:
        return len(self.offsets) + (self.naive_stamps > 0) > 1

    def rows_table(self) -> list[dict]:
        """One row per check: what, how many, how it was handled, examples."""
        def ex(ids: Sequence[Any]) -> str:
            ids = [i if isinstance(i, str) else " = ".join(i) for i in ids]
            return ", ".join(ids[:3]) + (" …" if len(ids) > 3 else "")
        offsets = ", ".join(f"{k}: {v}" for k, v in sorted(self.offsets.items()))
        pairs = ", ".join(f"{b} before {a}: {n}" for (a, b), n in sorted(self.out_of_order_pairs.items()))
        return [
            {"check": "rows read", "count": self.rows, "handling": f"{self.incidents} incidents kept", "examples": ""},
            {"check": "stages out of order", "count": len(self.out_of_order),
             "handling": "kept; negative durations excluded from their metric" + (f" ({pairs})" if pairs else ""),
             "examples": ex(self.out_of_order)},
            {"check": "missing resolution", "count": len(self.missing_resolution),
             "handling": "kept as unresolved; time to verify/resolve missing", "examples": ex(self.missing_resolution)},
            {"check": "only a resolved stamp", "count": len(self.only_resolved),
             "handling": "kept; start unknown, so time to resolve is missing (not 0)", "examples": ex(self.only_resolved)},
            {"check": "no timestamp at all", "count": len(self.no_timestamp),
             "handling": "kept; no week or start", "examples": ex(self.no_timestamp)},
            {"check": "duplicate rows (same id, same content)", "count": len(self.duplicate_rows),
             "handling": "repeat dropped", "examples": ex(self.duplicate_rows)},
            {"check": "conflicting duplicates (same id, other content)", "count": len(self.conflicting_duplicates),
             "handling": "first kept, repeat dropped", "examples": ex(self.conflicting_duplicates)},
            {"check": "suspected duplicates (same provider and start)", "count": len(self.suspected_duplicates),
             "handling": "both kept", "examples": ex(self.suspected_duplicates)},
            {"check": "time zones", "count": len(self.offsets),
             "handling": ("MIXED; " if self.mixed_time_zones else "") + "all converted to UTC"
             + (f"; offsets seen {offsets}" if offsets else ""), "examples": ex(self.non_utc_incidents)},
            {"check": "stamps without a time zone", "count": self.naive_stamps,
             "handling": "assumed UTC", "examples": ""},
            {"check": "no component flagged", "count": len(self.no_component),
             "handling": f"grouped as {NO_COMPONENT!r}; no time between failures", "examples": ex(self.no_component)},
            {"check": "impact outside 0–3", "count": len(self.impact_outside_0_3),
             "handling": "kept; 4 read as Statuspage 'maintenance'", "examples": ex(self.impact_outside_0_3)},
        ]

    @property
    def findings(self) -> int:
        """How many incidents have at least one data-quality finding."""
        ids = set(self.out_of_order) | set(self.missing_resolution) | set(self.only_resolved) | set(self.no_timestamp)
        ids |= set(self.conflicting_duplicates) | {b for _, b in self.suspected_duplicates} | set(self.impact_outside_0_3)
        return len(ids)

    def to_dict(self) -> dict:
        return {
            "source": self.source, "rows": self.rows, "incidents": self.incidents,
            "out_of_order": sorted(self.out_of_order),
            "out_of_order_pairs": {f"{b} before {a}": n for (a, b), n in sorted(self.out_of_order_pairs.items())},
            "missing_resolution": sorted(self.missing_resolution), "only_resolved": len(self.only_resolved),
            "no_timestamp": sorted(self.no_timestamp), "duplicate_rows": sorted(self.duplicate_rows),
            "conflicting_duplicates": sorted(self.conflicting_duplicates),
            "suspected_duplicates": [list(p) for p in self.suspected_duplicates],
            "offsets": dict(sorted(self.offsets.items())), "mixed_time_zones": self.mixed_time_zones,
            "non_utc_incidents": sorted(self.non_utc_incidents), "naive_stamps": self.naive_stamps,
            "no_component": len(self.no_component), "impact_outside_0_3": sorted(self.impact_outside_0_3),
            "missing_stages": dict(self.missing_stages),
        }

    def to_text(self) -> str:
        from . import display
        return f"Data quality — {self.source}\n" + display.text_table(self.rows_table(), ["check", "count", "handling", "examples"])

    def to_html(self) -> str:
        from . import display
        return display.section(f"Data quality — {self.source}",
                               display.html_table(self.rows_table(), ["check", "count", "handling", "examples"]))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}


# =========================================================================================
# statistics
# =========================================================================================
@dataclass
class MetricStats:
    group: str
    metric: str
    count: int
    missing: int
    excluded: int
    mean: float | None
    median: float | None
    p90: float | None

    @property
    def skew(self) -> float | None:
        """mean / median (∞ when the median is 0 and the mean is not)."""
        if self.mean is None or self.median is None:
            return None
        if self.median == 0:
            return math.inf if self.mean > 0 else 1.0
        return self.mean / self.median

    @property
    def warning(self) -> str:
        s = self.skew
        if s is None or s < SKEW_RATIO or self.count < 3:
            return ""
        ratio = "∞" if s == math.inf else f"{s:.1f}"
        return f"mean is {ratio}× the median: long tail, quote median and p90"

    def row(self) -> dict:
        return {"group": self.group, "metric": self.metric, "count": self.count, "missing": self.missing,
                "excluded": self.excluded, "mean": self.mean, "median": self.median, "p90": self.p90,
                "warning": self.warning}


def _stats(group: str, metric: str, values: Sequence[float], missing: int, excluded: int) -> MetricStats:
    from .postmortem import percentile  # the same linear interpolation as the loop's own metrics
    vals = [float(v) for v in values]
    return MetricStats(group, metric, len(vals), missing, excluded,
                       sum(vals) / len(vals) if vals else None, percentile(vals, 50), percentile(vals, 90))


@dataclass
class MetricTable:
    """Durations per group (minutes): count, missing, excluded, mean, median, p90, skew warning."""

    by: str
    stats: list[MetricStats]

    def rows(self) -> list[dict]:
        return [s.row() for s in self.stats]

    def get(self, group: str, metric: str) -> MetricStats:
        for s in self.stats:
            if s.group == group and s.metric == metric:
                return s
        raise KeyError((group, metric))

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.rows()).set_index(["group", "metric"])

    def to_text(self) -> str:
        from . import display
        return (f"Incident metrics by {self.by} (minutes)\n"
                + display.text_table(self.rows(), ["group", "metric", "count", "missing", "excluded", "mean", "median", "p90", "warning"]))

    def to_html(self) -> str:
        from . import display
        return display.section(f"Incident metrics by {self.by} (minutes)", display.html_table(
            self.rows(), ["group", "metric", "count", "missing", "excluded", "mean", "median", "p90", "warning"]))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}


def recovery_band(median_minutes: float | None) -> str:
    """DORA-style band of a median time to resolve: elite < 1 h, high < 1 day, medium < 1 week, low."""
    if median_minutes is None:
        return "unknown"
    for name, limit in RECOVERY_BANDS:
        if median_minutes < limit:
            return name
    return "low"


class _Rows:
    """A list of dict rows that renders as a table (text, HTML) and converts to a DataFrame."""

    title = ""
    columns: list[str] = []

    def __init__(self, rows: list[dict], title: str | None = None, columns: list[str] | None = None):
        self._rows = rows
        if title is not None:
            self.title = title
        if columns is not None:
            self.columns = columns

    def rows(self) -> list[dict]:
        return list(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self):
        return iter(self._rows)

    def __getitem__(self, i):
        return self._rows[i]

    def to_frame(self):
        import pandas as pd
        df = pd.DataFrame(self._rows, columns=self.columns or None)
        return df.set_index(self.columns[0]) if self.columns else df

    def to_text(self) -> str:
        from . import display
        return f"{self.title}\n" + display.text_table(self._rows, self.columns)

    def to_html(self) -> str:
        from . import display
        return display.section(self.title, display.html_table(self._rows, self.columns))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}


class RecoveryBands(_Rows):
    title = "DORA-style recovery band per component (median time to resolve)"
    columns = ["component", "provider", "incidents", "measured", "median_min", "p90_min", "band"]


def categorize(title: str, description: str = "") -> str:
    """The incident category of a status-page title (first matching rule; see INCIDENT_CATEGORIES)."""
    for text in (title, description):
        t = _text(text).lower()
        for name, pattern, _ in INCIDENT_CATEGORIES:
            if re.search(pattern, t):
                return name
    return "other"


CATEGORY_TO_TAXONOMY = {name: cat for name, _, cat in INCIDENT_CATEGORIES} | {"other": "other"}


# =========================================================================================
# the log
# =========================================================================================
class IncidentLog:
    """Incidents in the Statuspage lifecycle, one row each, with their data-quality report."""

    def __init__(self, frame, quality: DataQuality, source: str, out_of_order: str = "exclude"):
        self.frame = frame
        self.quality = quality
        self.source = source
        self.out_of_order = out_of_order
        self.citation = ""  # where the data comes from, shown with every view of it
        self._durations = None

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def read(cls, path: str | os.PathLike, out_of_order: str = "exclude") -> "IncidentLog":
        """Read a ``.csv``, ``.csv.gz`` or ``.json`` file; DesignError names file, line, field."""
        p = Path(path)
        try:
            raw = p.read_bytes()
        except FileNotFoundError:
            raise DesignError([Problem("", "file not found", str(p))]) from None
        except OSError as exc:
            raise DesignError([Problem("", f"cannot read file: {exc}", str(p))]) from None
        if p.name.endswith(".gz"):
            try:
                raw = gzip.decompress(raw)
            except OSError as exc:
                raise DesignError([Problem("", f"cannot decompress: {exc}", str(p))]) from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DesignError([Problem("", f"not UTF-8 text: {exc}", str(p))]) from None
        kind = "json" if p.name.removesuffix(".gz").endswith(".json") else "csv"
        return cls.from_text(text, kind, source=str(p), out_of_order=out_of_order)

    @classmethod
    def from_text(cls, text: str, kind: str = "csv", source: str = "<text>", out_of_order: str = "exclude") -> "IncidentLog":
        problems: list[Problem] = []
        recs = _read_json_records(text, source, problems) if kind == "json" else _read_csv_records(text, source, problems)
        return cls._build(recs, source, problems, out_of_order)

    @classmethod
    def from_records(cls, records: Iterable[dict], source: str = "<records>", out_of_order: str = "exclude") -> "IncidentLog":
        """Build from dicts with the same fields as a JSON file."""
        return cls.from_text(json.dumps(list(records), default=str), "json", source, out_of_order)

    @classmethod
    def bundled(cls) -> "IncidentLog":
        """The shipped compact copy of the public dataset (542 incidents; see SOURCE_CITATION)."""
        log = cls.read(bundled_path())
        log.citation = SOURCE_CITATION
        return log

    @classmethod
    def _build(cls, recs: list[_Raw], source: str, problems: list[Problem], out_of_order: str) -> "IncidentLog":
        import pandas as pd
        if out_of_order not in ("exclude", "keep"):
            raise ValueError("out_of_order must be 'exclude' or 'keep'")
        q = DataQuality(source, rows=len(recs) + len([p for p in problems if p.path.endswith((".id", ".provider"))]))
        kept: dict[str, tuple[_Raw, dict]] = {}
        records = []
        for r in recs:
            where = f"incident {r.id}"
            stamps: dict[str, pd.Timestamp | None] = {}
            offs: Counter = Counter()  # merged into the report only if the incident is kept
            naive = 0
            for s in STAGES:
                v = r.stamps[s]
                if v is None:
                    stamps[s] = None
                    continue
                try:
                    t = _parse_stamp(v)
                except ValueError:
                    problems.append(Problem(f"{where}.{s}", f"cannot read timestamp {v!r}; expected ISO 8601 "
                                            "such as 2024-02-26 17:09:00+00:00", line=r.line))
                    stamps[s] = None
                    continue
                off = _offset_text(t)
                if off == "naive":
                    naive += 1
                    t = t.replace(tzinfo=dt.timezone.utc)
                else:
                    offs[off] += 1
                stamps[s] = pd.Timestamp(t).tz_convert("UTC")
            impact = None
            if r.impact is not None:
                iv = str(r.impact).strip().lower()
                names = {v: k for k, v in IMPACT_NAMES.items()}
                if iv in names:
                    impact = names[iv]
                else:
                    try:
                        impact = int(float(iv))
                    except ValueError:
                        impact = -1
                    if impact not in IMPACT_NAMES:
                        problems.append(Problem(f"{where}.impact", f"unknown impact {r.impact!r}; expected 0–4 or one of "
                                                + ", ".join(IMPACT_NAMES.values()), line=r.line))
                        impact = None
            rec = {"id": r.id, "title": r.title, "provider": r.provider, "impact": impact,
                   "components": tuple(dict.fromkeys(r.components)), **stamps,
                   **{f"{s}_description": r.descriptions.get(s) for s in STAGES}, "line": r.line}
            key = {k: v for k, v in rec.items() if k != "line"}
            if r.id in kept:
                if kept[r.id][1] == key:
                    q.duplicate_rows.append(r.id)
                else:
                    q.conflicting_duplicates.append(r.id)
                continue
            kept[r.id] = (r, key)
            q.offsets.update(offs)
            q.naive_stamps += naive
            if set(offs) - {"+00:00"}:
                q.non_utc_incidents.append(r.id)
            records.append(rec)
        if problems:
            raise DesignError([p.located(source) for p in problems])
        cols = ["id", "title", "provider", "impact", "components", *STAGES,
                *[f"{s}_description" for s in STAGES], "line"]
        df = pd.DataFrame(records, columns=cols)
        for s in STAGES:
            df[s] = pd.to_datetime(df[s], utc=True)
        df["impact"] = df["impact"].astype("Int64")
        df["line"] = df["line"].astype("Int64")
        df["start"] = df[STAGES].min(axis=1)
        df["category"] = [categorize(t, d) for t, d in zip(df["title"], df["investigating_description"])]
        df = df.set_index("id", drop=False)
        df.index.name = None  # the id stays a column too; an unnamed index avoids ambiguity
        q.incidents = len(df)
        cls._check(df, q)
        return cls(df, q, source, out_of_order)

    @staticmethod
    def _check(df, q: DataQuality) -> None:
        import pandas as pd
        for rid, row in df.iterrows():
            present = [(s, row[s]) for s in STAGES if pd.notna(row[s])]
            bad = [(a, b) for (a, ta), (b, tb) in zip(present, present[1:]) if tb < ta]
            if bad:
                q.out_of_order.append(rid)
                q.out_of_order_pairs.update(bad)
            if not present:
                q.no_timestamp.append(rid)
            if pd.isna(row["resolved"]):
                q.missing_resolution.append(rid)
            elif all(pd.isna(row[s]) for s in ("investigating", "identified", "monitoring")):
                q.only_resolved.append(rid)
            if not row["components"]:
                q.no_component.append(rid)
            imp = row["impact"]
            if pd.notna(imp) and int(imp) not in (0, 1, 2, 3):
                q.impact_outside_0_3.append(rid)
            for s in STAGES:
                if pd.isna(row[s]):
                    q.missing_stages[s] += 1
        starts = df[df["start"].notna()].sort_values(["provider", "start", "line"])
        for (_, _), grp in starts.groupby(["provider", "start"], sort=True):
            ids = list(grp["id"])
            for b in ids[1:]:
                q.suspected_duplicates.append((ids[0], b))

    # -- basic views ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.frame)

    @property
    def ids(self) -> list[str]:
        return list(self.frame["id"])

    @property
    def providers(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.frame["provider"].value_counts().sort_index().items()}

    @property
    def components(self) -> dict[str, int]:
        c = Counter(x for comps in self.frame["components"] for x in (comps or (NO_COMPONENT,)))
        return dict(sorted(c.items()))

    def where(self, provider: str | None = None, component: str | None = None,
              since: Any = None, until: Any = None) -> "IncidentLog":
        """A filtered log (its quality report is still the whole import's)."""
        df = self.frame
        if provider is not None:
            df = df[df["provider"] == provider.lower()]
        if component is not None:
            df = df[[component in c or (component == NO_COMPONENT and not c) for c in df["components"]]]
        if since is not None:
            df = df[df["start"] >= _utc(since)]
        if until is not None:
            df = df[df["start"] < _utc(until)]
        sub = IncidentLog(df, self.quality, self.source, self.out_of_order)
        sub.citation = self.citation
        return sub

    def durations(self):
        """One row per incident: the five stage durations in minutes (NaN when a stage is
        missing, or when out of order and ``out_of_order='exclude'``), plus status columns."""
        if self._durations is not None:
            return self._durations
        import pandas as pd
        df = self.frame
        out = pd.DataFrame(index=df.index)
        for name, (froms, to) in DURATIONS.items():
            start = df[list(froms)].min(axis=1) if len(froms) > 1 else df[froms[0]]
            mins = (df[to] - start).dt.total_seconds() / 60
            neg = mins < 0
            out[f"{name}_status"] = ["missing" if pd.isna(v) else ("out_of_order" if n else "ok") for v, n in zip(mins, neg)]
            if self.out_of_order == "exclude":
                mins = mins.where(~neg)
            out[name] = mins
        self._durations = out
        return out

    def _tbf(self):
        """Time between failures per component: (component, provider, id, start, minutes)."""
        import pandas as pd
        rows = []
        df = self.frame[self.frame["start"].notna()]
        ex = df.explode("components")
        ex = ex[ex["components"].notna()]
        for comp, grp in ex.sort_values(["start", "line"]).groupby("components", sort=True):
            prev = None
            for rid, row in grp.iterrows():
                gap = None if prev is None else (row["start"] - prev).total_seconds() / 60
                rows.append({"component": comp, "provider": row["provider"], "id": rid, "start": row["start"], "minutes": gap})
                prev = row["start"]
        return pd.DataFrame(rows, columns=["component", "provider", "id", "start", "minutes"])

    # -- metrics ----------------------------------------------------------------------------
    def metrics(self, by: str | None = None, window: str = "Q", metrics: Sequence[str] | None = None) -> MetricTable:
        """count / missing / excluded / mean / median / p90 (minutes) per group.

        ``by``: None (all incidents), ``"component"`` (an incident on two components counts
        in both; none flagged → ``"(none)"``), ``"provider"``, ``"impact"`` or ``"window"``
        (calendar periods of the incident start: ``window="W"``, ``"M"``, ``"Q"``, ``"Y"``).
        Time between failures is always measured on one component (as defined) and then
        pooled into the group of the later incident.
        """
        metrics = list(metrics or METRICS)
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise KeyError(f"unknown metric {unknown[0]!r}; expected one of {', '.join(METRICS)}")
        dur = self.durations()
        df = self.frame
        keys = self._group_keys(df, by, window)  # Series id -> list of group names
        stats: list[MetricStats] = []
        groups = sorted({g for gs in keys for g in gs}, key=str)
        tbf = self._tbf() if "time_between_failures" in metrics else None
        for g in groups:
            ids = [i for i, gs in zip(df.index, keys) if g in gs]
            for m in metrics:
                if m == "time_between_failures":
                    t = tbf
                    if by == "component":
                        t = t[t["component"] == g]
                    elif by is not None:
                        t = t[t["id"].isin(ids)]
                    vals = t["minutes"].dropna().tolist()
                    stats.append(_stats(g, m, vals, int(t["minutes"].isna().sum()), 0))
                    continue
                d = dur.loc[ids]
                st = d[f"{m}_status"]
                vals = d[m].dropna().tolist()
                excl = int((st == "out_of_order").sum()) if self.out_of_order == "exclude" else 0
                stats.append(_stats(g, m, vals, int((st == "missing").sum()), excl))
        return MetricTable(by or "all", stats)

    def _group_keys(self, df, by: str | None, window: str) -> list[list[str]]:
        import pandas as pd
        if by is None:
            return [["all"]] * len(df)
        if by == "component":
            return [list(c) or [NO_COMPONENT] for c in df["components"]]
        if by == "provider":
            return [[p] for p in df["provider"]]
        if by == "impact":
            return [[IMPACT_NAMES.get(int(i), str(i)) if pd.notna(i) else "unknown"] for i in df["impact"]]
        if by == "window":
            freq = {"W": "W-SUN", "M": "M", "Q": "Q", "Y": "Y"}.get(window.upper())
            if freq is None:
                raise ValueError(f"unknown window {window!r}; expected W, M, Q or Y")
            naive = df["start"].dt.tz_convert("UTC").dt.tz_localize(None)
            return [[str(p) if pd.notna(p) else "(no date)"] for p in naive.dt.to_period(freq)]
        raise ValueError(f"unknown grouping {by!r}; expected component, provider, impact or window")

    def recovery_bands(self) -> RecoveryBands:
        """Per component: incidents, how many have a time to resolve, its median and p90, band."""
        from .postmortem import percentile
        dur = self.durations()
        rows = []
        for comp in self.components:
            mask = [comp in c or (comp == NO_COMPONENT and not c) for c in self.frame["components"]]
            sub = self.frame[mask]
            vals = dur.loc[sub.index, "time_to_resolve"].dropna().tolist()
            med = percentile(vals, 50)
            rows.append({"component": comp, "provider": ", ".join(sorted(sub["provider"].unique())),
                         "incidents": len(sub), "measured": len(vals), "median_min": med,
                         "p90_min": percentile(vals, 90), "band": recovery_band(med)})
        return RecoveryBands(rows)

    def incidents_per_week(self):
        """Incident counts per ISO week (Monday start, UTC) and provider, zero-filled."""
        import pandas as pd
        df = self.frame[self.frame["start"].notna()]
        wk = _week_start(df["start"])
        counts = pd.crosstab(wk, df["provider"])
        if len(counts):
            full = pd.date_range(counts.index.min(), counts.index.max(), freq="7D")
            counts = counts.reindex(full, fill_value=0)
        counts.index.name = "week"
        return counts

    def to_frame(self):
        """One row per incident: provider, impact, components, category, stamps and durations."""
        df = self.frame.drop(columns=["id"]).join(self.durations()[list(DURATIONS)])
        return df

    # -- the loop ------------------------------------------------------------------------------
    def weekly_review(self, week: Any = None, loop=None, trend_weeks: int = 4) -> "WeeklyReview":
        """The week's incidents, action items due (from ``loop``) and metric trends.

        ``week`` is any date inside the week (weeks start Monday, UTC); default: the week of
        the latest incident.
        """
        import pandas as pd
        if week is None:
            week = self.frame["start"].max()
        start = _week_start(pd.Series([_utc(week)])).iloc[0]
        end = start + pd.Timedelta(days=7)
        prior_start = start - pd.Timedelta(days=7 * trend_weeks)
        this = self.where(since=start, until=end)
        prior = self.where(since=prior_start, until=start)
        return WeeklyReview(self, start, end, this, prior, trend_weeks, loop)

    def taxonomy_feedback(self, taxonomy, provider: str | None = None) -> "TaxonomyFeedback":
        """Compare incident categories with a FailureTaxonomy: what to propose, what never occurred."""
        return TaxonomyFeedback.build(self if provider is None else self.where(provider=provider), taxonomy)

    def postmortem(self, incident_id: str, design=None) -> "PostMortemDocument":
        """A blameless post-mortem draft of one incident, in the SRE template's fields."""
        return postmortem_document(self.incident(incident_id), design)

    def incident(self, incident_id: str) -> dict:
        if incident_id not in self.frame.index:
            raise KeyError(f"no incident {incident_id!r} in {self.source}")
        row = self.frame.loc[incident_id]
        d = row.to_dict()
        d.update(self.durations().loc[incident_id].to_dict())
        return d

    # -- writing -------------------------------------------------------------------------------
    def to_csv(self, path: str | os.PathLike) -> str:
        """Write the compact CSV format (``.gz`` compresses), atomically; re-readable by read()."""
        import pandas as pd
        from .files import atomic_write_text
        cols = ["id", "title", "provider", "impact", "components", *STAGES, *[f"{s}_description" for s in STAGES]]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        for _, r in self.frame.sort_values(["start", "id"]).iterrows():
            w.writerow([r["id"], r["title"], r["provider"], "" if pd.isna(r["impact"]) else int(r["impact"]),
                        ";".join(r["components"]),
                        *["" if pd.isna(r[s]) else r[s].strftime("%Y-%m-%dT%H:%M:%SZ") for s in STAGES],
                        *[_text(r[f"{s}_description"]) for s in STAGES]])
        text = buf.getvalue()
        p = Path(path)
        if p.name.endswith(".gz"):
            tmp = p.with_name(p.name + ".tmp")
            tmp.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
            os.replace(tmp, p)
            return str(p)
        return str(atomic_write_text(p, text))

    def summary(self) -> dict:
        starts = self.frame["start"].dropna()
        return {"source": self.source, "citation": self.citation, "incidents": len(self), "providers": self.providers,
                "first": starts.min().isoformat() if len(starts) else None,
                "last": starts.max().isoformat() if len(starts) else None,
                "quality_findings": self.quality.findings}

    def report(self, by: str | None = None, window: str = "Q") -> dict:
        """Everything the CLI prints, as plain JSON-ready data."""
        return {"summary": self.summary(), "quality": self.quality.to_dict(),
                "metrics": [_json_row(r) for r in self.metrics(by, window).rows()],
                "recovery_bands": [_json_row(r) for r in self.recovery_bands().rows()],
                "unit": "minutes"}

    def to_text(self, by: str | None = None, window: str = "Q") -> str:
        s = self.summary()
        head = (f"Incident log — {s['incidents']} incidents from {self.source}\n"
                f"providers: {', '.join(f'{k} {v}' for k, v in s['providers'].items())}; "
                f"first {s['first']}, last {s['last']}" + (f"\n{self.citation}" if self.citation else ""))
        return "\n\n".join([head, self.quality.to_text(), self.metrics(by, window).to_text(), self.recovery_bands().to_text()])

    def to_html(self) -> str:
        s = self.summary()
        from . import display
        head = display.bullets([f"{s['incidents']} incidents from {self.source}",
                                "providers: " + ", ".join(f"{k} {v}" for k, v in s["providers"].items()),
                                f"first {s['first']}, last {s['last']}"] + ([self.citation] if self.citation else []))
        return (display.section("Incident log", head) + self.metrics().to_html()
                + self.recovery_bands().to_html() + self.quality.to_html())

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def __repr__(self) -> str:
        return f"IncidentLog({len(self)} incidents from {self.source!r})"


def _json_row(r: dict) -> dict:
    out = {}
    for k, v in r.items():
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            v = None
        out[k] = v
    return out


def _utc(t):
    import pandas as pd
    ts = pd.Timestamp(t)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _week_start(stamps):
    """Monday 00:00 UTC of each stamp's ISO week."""
    import pandas as pd
    s = stamps.dt.tz_convert("UTC").dt.floor("D")
    return s - pd.to_timedelta(s.dt.day_of_week, unit="D")


def bundled_path() -> str:
    return str(resources.files("fallbackkit") / "data" / "incidents" / "incident_stages.csv.gz")


# =========================================================================================
# weekly review
# =========================================================================================
class WeeklyReview:
    """One week of the loop: incidents started, action items due or overdue, metric trends."""

    def __init__(self, log: IncidentLog, start, end, this: IncidentLog, prior: IncidentLog, trend_weeks: int, loop=None):
        self.log, self.start, self.end, self.this, self.prior = log, start, end, this, prior
        self.trend_weeks, self.loop = trend_weeks, loop

    @property
    def incidents(self) -> list[dict]:
        d = self.this.durations()
        return [{"id": rid, "provider": r["provider"], "impact": _impact_name(r["impact"]),
                 "category": r["category"], "components": ", ".join(r["components"]) or NO_COMPONENT,
                 "start": r["start"].strftime("%Y-%m-%d %H:%M"), "time_to_resolve": _num(d.loc[rid, "time_to_resolve"]),
                 "postmortem": "published" if r["postmortem"] == r["postmortem"] else "", "title": r["title"]}
                for rid, r in self.this.frame.sort_values("start").iterrows()]

    def action_items(self) -> list[dict]:
        """Items due this week, and open items already overdue at the week's end."""
        if self.loop is None:
            return []
        first, last = self.start.date(), (self.end - dt.timedelta(days=1)).date()
        out = []
        for a in self.loop.action_items:
            open_ = a.status in ("open", "in_progress")
            if first <= a.due <= last:
                why = "due this week"
            elif open_ and a.due < first:
                why = f"overdue by {(last - a.due).days} days"
            else:
                continue
            out.append({"id": a.id, "type": a.type, "owner": a.owner, "due": a.due.isoformat(),
                        "status": a.status, "why": why, "title": a.title})
        return out

    def trends(self) -> list[dict]:
        """Each duration's median this week vs the previous ``trend_weeks`` weeks and all history."""
        rows = []
        this, prior, allm = (x.metrics(metrics=list(DURATIONS)) for x in (self.this, self.prior, self.log))
        for m in DURATIONS:
            a, b, c = (_get(t, m) for t in (this, prior, allm))
            trend = ""
            if a and b and a.median is not None and b.median is not None:
                trend = "worse" if a.median > b.median else ("better" if a.median < b.median else "same")
            rows.append({"metric": m, "this week n": a.count if a else 0, "this week median": a.median if a else None,
                         f"prior {self.trend_weeks} wk n": b.count if b else 0,
                         f"prior {self.trend_weeks} wk median": b.median if b else None,
                         "all median": c.median if c else None, "trend": trend})
        return rows

    def postmortems_due(self) -> list[dict]:
        """Incidents this week meeting a post-mortem trigger (impact major or critical):
        due date from the loop's cadence, and whether the provider published one."""
        days = self.loop.cadence.per_incident_within_days if self.loop is not None else 5
        import pandas as pd
        out = []
        for rid, r in self.this.frame.iterrows():
            if _impact_int(r["impact"]) not in (2, 3):
                continue
            due = (r["resolved"] + pd.Timedelta(days=days)).date().isoformat() if pd.notna(r["resolved"]) else "unresolved"
            pub = r["postmortem"].date().isoformat() if pd.notna(r["postmortem"]) else ""
            late = pd.notna(r["postmortem"]) and pd.notna(r["resolved"]) and r["postmortem"] > r["resolved"] + pd.Timedelta(days=days)
            out.append({"id": rid, "impact": IMPACT_NAMES[int(r["impact"])], "due": due,
                        "published": pub or "no", "on time": ("late" if late else "yes") if pub else "", "title": r["title"]})
        return out

    def to_dict(self) -> dict:
        return {"week": self.start.date().isoformat(), "incidents": self.incidents,
                "action_items": self.action_items(), "trends": [_json_row(r) for r in self.trends()],
                "postmortems_due": self.postmortems_due()}

    def _heading(self) -> str:
        last = (self.end - dt.timedelta(days=1)).date()
        day = f", reviewed on {self.loop.cadence.weekly_review}" if self.loop is not None else ""
        return f"Weekly review {self.start.date()} – {last} (UTC){day}: {len(self.this)} incidents"

    def to_text(self) -> str:
        from . import display
        trends = self.trends()
        parts = [self._heading(),
                 display.text_table(self.incidents, ["id", "provider", "impact", "category", "start", "time_to_resolve", "postmortem", "title"]),
                 "Post-mortems due", display.text_table(self.postmortems_due(), ["id", "impact", "due", "published", "on time", "title"]),
                 "Action items due or overdue", display.text_table(self.action_items(), ["id", "type", "owner", "due", "status", "why", "title"]),
                 "Metric trends (median minutes)", display.text_table(trends, list(trends[0]))]
        return "\n".join(parts)

    def to_html(self) -> str:
        from . import display
        trends = self.trends()
        body = (display.html_table(self.incidents, ["id", "provider", "impact", "category", "components", "start", "time_to_resolve", "postmortem", "title"])
                + "<h4>Post-mortems due</h4>" + display.html_table(self.postmortems_due(), ["id", "impact", "due", "published", "on time", "title"])
                + "<h4>Action items due or overdue</h4>" + display.html_table(self.action_items(), ["id", "type", "owner", "due", "status", "why", "title"])
                + "<h4>Metric trends (median minutes)</h4>" + display.html_table(trends, list(trends[0])))
        return display.section(self._heading(), body)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}


def _get(table: MetricTable, metric: str) -> MetricStats | None:
    try:
        return table.get("all", metric)
    except KeyError:
        return None


def _impact_int(v) -> int | None:
    """An impact cell as int, None when missing (pandas gives NA, which has no truth value)."""
    import pandas as pd
    return None if v is None or pd.isna(v) else int(v)


def _impact_name(v) -> str:
    i = _impact_int(v)
    return "" if i is None else IMPACT_NAMES.get(i, str(i))


def _num(v) -> float | None:
    return None if v is None or v != v else float(v)


# =========================================================================================
# action items
# =========================================================================================
class ActionTracker:
    """The post-mortem loop's action items as a tracker: overdue, by owner, by failure mode.

        tracker = ActionTracker(design.postmortem, today=dt.date(2026, 12, 5))
        tracker.overdue; tracker.completion; tracker.close("AI-1")
    """

    def __init__(self, loop, today: dt.date | None = None):
        self.loop = loop
        self.today = today or dt.date.today()

    def rows(self) -> list[dict]:
        out = []
        for a in self.loop.action_items:
            open_ = a.status in ("open", "in_progress")
            days = (a.due - self.today).days
            state = "closed" if not open_ else ("overdue" if days < 0 else ("due this week" if days <= 7 else "scheduled"))
            out.append({"id": a.id, "type": a.type, "owner": a.owner, "due": a.due.isoformat(), "status": a.status,
                        "days_to_due": days if open_ else None, "state": state,
                        "failure_mode": a.failure_mode or "", "incident": a.incident or "", "title": a.title})
        return out

    @property
    def overdue(self) -> list[str]:
        return [r["id"] for r in self.rows() if r["state"] == "overdue"]

    @property
    def completion(self) -> float | None:
        """Share of action items done or won't-fix (None when there are none)."""
        items = self.loop.action_items
        return sum(a.status in ("done", "wont_fix") for a in items) / len(items) if items else None

    def by(self, key: str) -> dict[str, dict[str, int]]:
        """Counts of open / overdue / closed items per owner, type or failure_mode."""
        out: dict[str, Counter] = {}
        for r in self.rows():
            k = r[key] or "(none)"
            c = out.setdefault(k, Counter())
            c["open" if r["state"] != "closed" else "closed"] += 1
            if r["state"] == "overdue":
                c["overdue"] += 1
        return {k: {"open": v["open"], "overdue": v["overdue"], "closed": v["closed"]} for k, v in sorted(out.items())}

    def incidents_without_items(self) -> list[str]:
        """Loop incidents that no action item points to: a post-mortem with no follow-up."""
        pointed = {a.incident for a in self.loop.action_items if a.incident}
        return [i.id for i in self.loop.incidents if i.id not in pointed]

    def close(self, item_id: str, status: str = "done") -> None:
        """Mark an item done (or wont_fix); the loop's own validation checks the status."""
        for a in self.loop.action_items:
            if a.id == item_id:
                a.status = status
                return
        raise KeyError(f"no action item {item_id!r}")

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.rows()).set_index("id")

    def _summary(self) -> str:
        comp = self.completion
        return (f"Action items on {self.today}: {len(self.loop.action_items)} total, {len(self.overdue)} overdue, "
                f"{'n/a' if comp is None else f'{comp:.0%}'} closed; incidents without an item: "
                f"{', '.join(self.incidents_without_items()) or 'none'}")

    def to_text(self) -> str:
        from . import display
        return self._summary() + "\n" + display.text_table(
            self.rows(), ["id", "type", "owner", "due", "status", "state", "failure_mode", "title"])

    def to_html(self) -> str:
        from . import display
        return display.section("Action-item tracker", f"<p>{html.escape(self._summary())}</p>" + display.html_table(
            self.rows(), ["id", "type", "owner", "due", "status", "state", "days_to_due", "failure_mode", "incident", "title"]))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}


# =========================================================================================
# taxonomy feedback
# =========================================================================================
class TaxonomyFeedback:
    """What real incidents say about a failure taxonomy.

    For each incident category: incidents, incidents per week, and the share of the observed
    time spent inside such an incident (sum of times to resolve / (span × providers)). That
    share is an *upper bound* on a per-request occurrence — it assumes every request in the
    window failed — and is compared with each matching mode's declared ``occurrence``.
    Categories no mode covers become proposed modes; modes whose category never occurred
    are flagged (keep them only with other evidence, e.g. your own gateway logs).
    """

    def __init__(self, categories: list[dict], never_occurred: list[dict], proposed: list[dict], span_weeks: float, n: int):
        self.categories, self.never_occurred, self.proposed = categories, never_occurred, proposed
        self.span_weeks, self.n = span_weeks, n

    @classmethod
    def build(cls, log: IncidentLog, taxonomy) -> "TaxonomyFeedback":
        import pandas as pd
        df = log.frame
        dur = log.durations()
        starts = df["start"].dropna()
        ends = pd.concat([df["resolved"].dropna(), starts])
        span_min = (ends.max() - starts.min()).total_seconds() / 60 if len(starts) else 0.0
        span_min = max(span_min, 1.0)
        n_prov = max(df["provider"].nunique(), 1)
        span_weeks = span_min / (7 * 24 * 60)
        modes_by_cat: dict[str, list] = {}
        for m in taxonomy.modes:
            modes_by_cat.setdefault(m.category, []).append(m)
        cats = []
        seen_tax = set()
        for name, grp in df.groupby("category", sort=True):
            tax_cat = CATEGORY_TO_TAXONOMY.get(name, "other")
            seen_tax.add(tax_cat)
            ttr = dur.loc[grp.index, "time_to_resolve"].dropna()
            share = float(ttr.sum()) / (span_min * n_prov)
            modes = modes_by_cat.get(tax_cat, [])
            if not modes:
                verdict = "no mode: proposed"
            elif any(m.occurrence < share for m in modes):
                low = [m.id for m in modes if m.occurrence < share]
                verdict = f"declared occurrence below observed for {', '.join(low)}"
            else:
                verdict = "covered"
            impacts = grp["impact"].dropna().astype(int)
            cats.append({"category": name, "taxonomy_category": tax_cat, "incidents": len(grp),
                         "per_week": len(grp) / span_weeks / n_prov if span_weeks else None,
                         "measured": len(ttr), "time_share": share,
                         "median_impact": IMPACT_NAMES.get(int(impacts.median()), "") if len(impacts) else "",
                         "modes": ", ".join(m.id for m in modes),
                         "declared": ", ".join(f"{m.occurrence:g}" for m in modes), "verdict": verdict,
                         "examples": "; ".join(list(dict.fromkeys(grp["title"]))[:2])})
        cats.sort(key=lambda r: -r["incidents"])
        never = [{"mode": m.id, "category": m.category, "declared": m.occurrence,
                  "note": f"no {m.category} incident among {len(df)} over {span_weeks:.0f} weeks"}
                 for m in taxonomy.modes if m.category not in seen_tax]
        proposed = []
        for r in cats:
            if r["modes"] or r["category"] == "other":
                continue  # covered, or too mixed to be one mode
            sub = df[df["category"] == r["category"]]
            impacts = sub["impact"].dropna().astype(int)
            sev = IMPACT_SEVERITY.get(int(impacts.median()), "P2") if len(impacts) else "P2"
            slug = re.sub(r"[^a-z0-9]+", "-", r["category"].lower()).strip("-")
            proposed.append({"id": f"provider-{slug}", "name": f"Provider {r['category']}",
                             "category": r["taxonomy_category"], "severity": sev,
                             "occurrence": round(r["time_share"], 6),
                             "evidence": f"{r['incidents']} incidents, {r['per_week']:.2f}/week per provider; e.g. {r['examples']}",
                             "todo": "detection, mitigation path, runbook and owner"})
        return cls(cats, never, proposed, span_weeks, len(df))

    def to_dict(self) -> dict:
        return {"span_weeks": self.span_weeks, "incidents": self.n, "categories": [_json_row(r) for r in self.categories],
                "never_occurred": self.never_occurred, "proposed": self.proposed}

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.categories).set_index("category")

    def proposed_yaml(self) -> str:
        """The proposed modes as a YAML draft (fields to complete are marked TODO)."""
        from .files import dump_yaml
        drafts = [{"id": p["id"], "name": p["name"], "category": p["category"],
                   "trigger": f"TODO (evidence: {p['evidence']})",
                   "detection": {"metric": "TODO", "comparator": ">", "threshold": 0, "window": "5m"},
                   "severity": p["severity"], "occurrence": p["occurrence"],
                   "mitigation": {"path": "TODO"}, "runbook": {"id": "TODO", "title": p["name"], "steps": ["TODO"]},
                   "owner": "TODO"} for p in self.proposed]
        return dump_yaml({"modes": drafts})

    def to_text(self) -> str:
        from . import display
        return "\n".join([
            f"Taxonomy feedback from {self.n} incidents over {self.span_weeks:.0f} weeks",
            display.text_table(self.categories, ["category", "taxonomy_category", "incidents", "per_week", "time_share", "modes", "declared", "verdict"]),
            "Modes that never occurred", display.text_table(self.never_occurred, ["mode", "category", "declared", "note"]),
            "Proposed modes", display.text_table(self.proposed, ["id", "category", "severity", "occurrence", "evidence"])])

    def to_html(self) -> str:
        from . import display
        return display.section(f"Taxonomy feedback from {self.n} incidents over {self.span_weeks:.0f} weeks",
                               display.html_table(self.categories, ["category", "taxonomy_category", "incidents", "per_week", "time_share", "median_impact", "modes", "declared", "verdict", "examples"])
                               + "<h4>Modes that never occurred</h4>" + display.html_table(self.never_occurred, ["mode", "category", "declared", "note"])
                               + "<h4>Proposed modes</h4>" + display.html_table(self.proposed, ["id", "name", "category", "severity", "occurrence", "evidence", "todo"]))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}


# =========================================================================================
# post-mortem document
# =========================================================================================
@dataclass
class PostMortemDocument:
    """A blameless post-mortem draft, one section per SRE template field, as Markdown."""

    title: str
    header: list[tuple[str, str]]
    sections: dict[str, str]

    def to_markdown(self) -> str:
        out = [f"# Post-mortem: {_md_cell(self.title)}", "", "| field | value |", "|---|---|"]
        out += [f"| {_md_cell(k)} | {_md_cell(v)} |" for k, v in self.header]
        for name, body in self.sections.items():
            out += ["", f"## {name.replace('_', ' ').capitalize()}", "", body.strip() or "_TODO_"]
        return "\n".join(out) + "\n"

    def to_text(self) -> str:
        return self.to_markdown()

    def save(self, path: str | os.PathLike) -> str:
        from .files import atomic_write_text
        return str(atomic_write_text(path, self.to_markdown()))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_markdown(), "text/markdown": self.to_markdown()}


def _md_cell(v: Any) -> str:
    return html.escape(str(v), quote=False).replace("|", "\\|").replace("\n", " ")


def _md(text: Any) -> str:
    """Status-page text as a Markdown-safe quote (no raw HTML, no headings hijacked)."""
    s = html.escape(str(text or "").strip(), quote=False)
    return "\n".join("> " + line if line.strip() else ">" for line in s.splitlines())


def _fmt_min(v: Any) -> str:
    if v is None or v != v:
        return "missing"
    return f"{v:.0f} min" if v < 120 else f"{v / 60:.1f} h"


def postmortem_document(incident, design=None) -> PostMortemDocument:
    """A post-mortem draft from a log incident (``IncidentLog.incident(id)``) or a design's
    ``IncidentRecord``, in the SRE template's fields (the design's ``postmortem.template``
    order when a design is given). Fields the record cannot supply say TODO."""
    from .postmortem import SRE_TEMPLATE, IncidentRecord
    template = list(design.postmortem.template) if design is not None else list(SRE_TEMPLATE)
    if isinstance(incident, IncidentRecord):
        return _doc_from_record(incident, design, template)
    return _doc_from_log(incident, design, template)


def _matching_modes(design, category: str) -> list:
    if design is None:
        return []
    tax = CATEGORY_TO_TAXONOMY.get(category, "other")
    return [m for m in design.taxonomy.modes if m.category == tax]


def _targets(design) -> dict[str, float]:
    if design is None:
        return {}
    return {m.name: m.target_median_min for m in design.postmortem.metrics if m.target_median_min}


def _doc_from_log(inc: dict, design, template: list[str]) -> PostMortemDocument:
    import pandas as pd
    comps = ", ".join(inc["components"]) or "not stated"
    imp = inc["impact"]
    imp = _impact_int(imp)
    impact_name = _impact_name(imp) or "unknown"
    modes = _matching_modes(design, inc["category"])
    ttr = inc.get("time_to_resolve")
    stamp = lambda s: inc[s].strftime("%Y-%m-%d %H:%M UTC") if pd.notna(inc[s]) else None
    first = next((s for s in STAGES if pd.notna(inc[s])), None)
    header = [("incident", inc["id"]), ("provider", inc["provider"]), ("components", comps),
              ("impact", f"{impact_name} ({imp})" if impact_name != "unknown" else "unknown"),
              ("category", f"{inc['category']} → {CATEGORY_TO_TAXONOMY.get(inc['category'], 'other')}"),
              ("status", "resolved" if pd.notna(inc["resolved"]) else "unresolved"),
              ("source", SHORT_CITATION)]
    s: dict[str, str] = {}
    s["summary"] = (f"{inc['provider']} reported **{_md_cell(inc['title'])}** ({impact_name} impact) on {comps}, "
                    f"first posted {stamp(first) if first else 'at an unknown time'}; time to resolve {_fmt_min(ttr)}.")
    s["impact"] = (f"Impact level {impact_name} on {comps}. Users of a product depending on these components "
                   f"would have been on the fallback chain for {_fmt_min(ttr)}"
                   + (" (time to resolve is missing: the page only recorded the resolution)." if ttr is None or ttr != ttr else "."))
    pm = _text(inc.get("postmortem_description"))
    ident = _text(inc.get("identified_description"))
    s["root_causes"] = (_md(pm) if pm else (_md(ident) + "\n\nTODO: the identified update names the symptom, not the root cause."
                                             if ident else "TODO: not stated on the status page."))
    s["trigger"] = "TODO: not stated on the status page." if not pm else "See the provider's post-mortem above."
    res = [f"- {st}: {_md(inc[f'{st}_description'])[2:]}" for st in ("monitoring", "resolved") if _text(inc.get(f"{st}_description"))]
    if modes:
        res.append("- Fallback design: " + "; ".join(f"mode `{m.id}` ({m.severity}) → path `{m.mitigation.path}`"
                                                     + (f" ({m.mitigation.note})" if m.mitigation.note else "") for m in modes))
    s["resolution"] = "\n".join(res) or "TODO"
    det = [f"- time to identify: {_fmt_min(inc.get('time_to_identify'))}",
           f"- time to repair: {_fmt_min(inc.get('time_to_repair'))}",
           f"- time to verify: {_fmt_min(inc.get('time_to_verify'))}"]
    if _text(inc.get("investigating_description")):
        det.append(f"- first update: {_md(inc['investigating_description'])[2:]}")
    for m in modes:
        det.append(f"- the design detects `{m.id}` with `{m.detection}` (runbook {m.runbook.id}: {m.runbook.title})")
    s["detection"] = "\n".join(det)
    items = []
    if design is not None:
        ids = {m.id for m in modes}
        items = [a for a in design.postmortem.action_items if a.failure_mode in ids or a.incident == inc["id"]]
    lines = ["| id | type | owner | due | status | title |", "|---|---|---|---|---|---|"]
    lines += [f"| {a.id} | {a.type} | {_md_cell(a.owner)} | {a.due} | {a.status} | {_md_cell(a.title)} |" for a in items]
    if not items:
        lines += [f"| TODO | detect | {_md_cell(m.owner)} | | open | Alert on {_md_cell(str(m.detection))} |" for m in modes] or ["| TODO | investigate | | | open | Find the root cause |"]
    s["action_items"] = "\n".join(lines)
    lessons = []
    targets = _targets(design)
    if "time_to_resolve" in targets and ttr is not None and ttr == ttr:
        t = targets["time_to_resolve"]
        lessons.append(f"Time to resolve {_fmt_min(ttr)} is {'over' if ttr > t else 'within'} the loop's median target of {_fmt_min(t)}.")
    if not modes and design is not None:
        lessons.append(f"No failure mode of the taxonomy covers `{CATEGORY_TO_TAXONOMY.get(inc['category'], 'other')}`: consider adding one.")
    lessons.append("TODO: what went well, what went wrong, where we got lucky.")
    s["lessons_learned"] = "\n".join(f"- {x}" for x in lessons)
    tl = ["| at (UTC) | stage | update |", "|---|---|---|"]
    for st in STAGES:
        if pd.notna(inc[st]):
            desc = _text(inc.get(f"{st}_description"))
            desc = desc if len(desc) <= 200 else desc[:197] + "…"
            tl.append(f"| {stamp(st)} | {st} | {_md_cell(desc)} |")
    s["timeline"] = "\n".join(tl)
    return PostMortemDocument(f"{inc['title']} ({inc['id']})", header, {k: s[k] for k in template if k in s})


def _doc_from_record(inc, design, template: list[str]) -> PostMortemDocument:
    modes = [m for m in design.taxonomy.modes if m.id == inc.failure_mode] if design is not None else []
    header = [("incident", inc.id), ("severity", inc.severity), ("failure mode", inc.failure_mode or "not linked"),
              ("started", inc.started.isoformat()), ("resolved", inc.resolved.isoformat() if inc.resolved else "unresolved")]
    s = {"summary": inc.summary or f"{inc.title}.", "impact": inc.impact,
         "root_causes": "\n".join(f"- {c}" for c in inc.root_causes), "trigger": inc.trigger,
         "resolution": inc.resolution + "".join(f"\n\nFallback design: mode `{m.id}` → path `{m.mitigation.path}`" for m in modes),
         "detection": "\n".join([inc.detection + "\n" if inc.detection else ""] + [f"- {name}: {_fmt_min(inc.minutes(name))}" for name in
                                                    ("time_to_detect", "time_to_acknowledge", "time_to_mitigate", "time_to_resolve")]),
         "lessons_learned": "\n".join(f"- {x}" for x in inc.lessons_learned),
         "timeline": "\n".join(["| at | event |", "|---|---|"] + [f"| {e.at.isoformat()} | {_md_cell(e.event)} |" for e in inc.timeline])}
    items = [a for a in design.postmortem.action_items if a.incident == inc.id] if design is not None else []
    s["action_items"] = "\n".join(["| id | type | owner | due | status | title |", "|---|---|---|---|---|---|"]
                                  + [f"| {a.id} | {a.type} | {_md_cell(a.owner)} | {a.due} | {a.status} | {_md_cell(a.title)} |" for a in items])
    return PostMortemDocument(f"{inc.title} ({inc.id})", header, {k: s.get(k, "") for k in template})
