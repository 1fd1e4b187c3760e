"""The data-quality report of an incident import: what was odd, counted, never dropped silently."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

from .lifecycle import NO_COMPONENT


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
        def found(check: str, ids: Sequence[Any], handling: str) -> dict:
            return {"check": check, "count": len(ids), "handling": handling, "examples": ex(ids)}
        return [
            {"check": "rows read", "count": self.rows, "handling": f"{self.incidents} incidents kept", "examples": ""},
            found("stages out of order", self.out_of_order,
                  "kept; negative durations excluded from their metric" + (f" ({pairs})" if pairs else "")),
            found("missing resolution", self.missing_resolution, "kept as unresolved; time to verify/resolve missing"),
            found("only a resolved stamp", self.only_resolved, "kept; start unknown, so time to resolve is missing (not 0)"),
            found("no timestamp at all", self.no_timestamp, "kept; no week or start"),
            found("duplicate rows (same id, same content)", self.duplicate_rows, "repeat dropped"),
            found("conflicting duplicates (same id, other content)", self.conflicting_duplicates, "first kept, repeat dropped"),
            found("suspected duplicates (same provider and start)", self.suspected_duplicates, "both kept"),
            {**found("time zones", self.non_utc_incidents, ("MIXED; " if self.mixed_time_zones else "")
                     + "all converted to UTC" + (f"; offsets seen {offsets}" if offsets else "")),
             "count": len(self.offsets)},  # the count is of offsets seen, the examples are incidents
            {"check": "stamps without a time zone", "count": self.naive_stamps, "handling": "assumed UTC", "examples": ""},
            found("no component flagged", self.no_component, f"grouped as {NO_COMPONENT!r}; no time between failures"),
            found("impact outside 0–3", self.impact_outside_0_3, "kept; 4 read as Statuspage 'maintenance'"),
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
        from .. import display
        return f"Data quality — {self.source}\n" + display.text_table(self.rows_table(), ["check", "count", "handling", "examples"])

    def to_html(self) -> str:
        from .. import display
        return display.section(f"Data quality — {self.source}",
                               display.html_table(self.rows_table(), ["check", "count", "handling", "examples"]))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}
