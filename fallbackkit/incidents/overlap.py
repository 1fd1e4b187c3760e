"""Incident intervals and how much providers' incident time overlaps.

An incident is down from its first stamp (investigating, identified or monitoring) to
``resolved``. Whether an "alternate provider" fallback helps depends on how often the
alternate is in an incident *while* the primary is, which the data measures::

    from fallbackkit.incidents import IncidentLog, provider_overlap
    provider_overlap(IncidentLog.bundled())   # P(B in an incident | A in one), vs independence

Only the span both providers' histories cover is compared (the bundled Anthropic history
starts in 2023, OpenAI's in 2021).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from .lifecycle import IMPACT_NAMES
from .stats import _Rows

if TYPE_CHECKING:
    from .log import IncidentLog

#: The status-page component a product calling the provider's API depends on. An incident
#: that names no component is kept too (it may have hit the API; the page did not say).
API_COMPONENTS: dict[str, set[str]] = {"openai": {"API"}, "anthropic": {"api.anthropic.com"}}


@dataclass(frozen=True)
class Interval:
    """One incident as a time interval (seconds since the Unix epoch, UTC)."""

    id: str
    provider: str
    impact: int | None
    components: tuple[str, ...]
    start: float
    end: float
    imputed: str = ""   # "" or what was filled in: "start" (only a resolved stamp) or "end" (unresolved)

    @property
    def minutes(self) -> float:
        return (self.end - self.start) / 60


def _affects(provider: str, comps: Sequence[str], components: str | Iterable[str]) -> bool:
    if components == "all":
        return True
    if components == "api":
        wanted = API_COMPONENTS.get(provider)
        return wanted is None or not comps or bool(wanted & set(comps))
    return not comps or bool(set(components) & set(comps))


def incident_intervals(log: "IncidentLog", components: str | Iterable[str] = "api",
                       min_impact: int = 0) -> tuple[list[Interval], list[str]]:
    """Each incident as an interval, plus notes on what was filled in or left out.

    ``components``: ``"api"`` (the provider's API component, or none named), ``"all"``, or a
    list of component names. An incident with only a resolved stamp starts the median time to
    resolve (same provider and impact) before it; an unresolved one ends that long after its
    start. Impact 4 (maintenance) is never an interval.
    """
    import pandas as pd
    df = log.frame
    dur = log.durations()["time_to_resolve"]
    med: dict[tuple, float] = {}
    for (prov, imp), ids in df.groupby(["provider", df["impact"].fillna(-1)]).groups.items():
        vals = dur.loc[ids].dropna()
        if len(vals):
            med[(prov, int(imp))] = float(vals.median())
    prov_med = {p: float(dur.loc[ids].dropna().median()) for p, ids in df.groupby("provider").groups.items()
                if dur.loc[ids].notna().any()}
    out, notes, skipped = [], [], {"component": 0, "impact": 0, "no time": 0}
    for rid, r in df.iterrows():
        imp = None if pd.isna(r["impact"]) else int(r["impact"])
        if imp == 4 or (imp or 0) < min_impact:
            skipped["impact"] += 1
            continue
        if not _affects(r["provider"], r["components"], components):
            skipped["component"] += 1
            continue
        first = [r[s] for s in ("investigating", "identified", "monitoring") if pd.notna(r[s])]
        start = min(first) if first else None
        end = r["resolved"] if pd.notna(r["resolved"]) else None
        m = med.get((r["provider"], -1 if imp is None else imp), prov_med.get(r["provider"]))
        imputed = ""
        if start is None and end is not None and m is not None:
            start, imputed = end - pd.Timedelta(minutes=m), "start"
        elif end is None and start is not None and m is not None:
            end, imputed = start + pd.Timedelta(minutes=m), "end"
        if start is None or end is None or end <= start:
            skipped["no time"] += 1
            continue
        out.append(Interval(rid, r["provider"], imp, tuple(r["components"]), start.timestamp(), end.timestamp(), imputed))
    n_start = sum(i.imputed == "start" for i in out)
    n_end = sum(i.imputed == "end" for i in out)
    if n_start:
        notes.append(f"{n_start} incidents have only a resolved stamp: each starts the median time to resolve "
                     "(same provider and impact) before it")
    if n_end:
        notes.append(f"{n_end} unresolved incidents end the median time to resolve after they start")
    if skipped["component"]:
        notes.append(f"{skipped['component']} incidents left out: on components a product using the API does not "
                     f"depend on (components={components!r})")
    if skipped["impact"]:
        notes.append(f"{skipped['impact']} incidents left out: maintenance (impact 4)"
                     + (f" or impact below {IMPACT_NAMES.get(min_impact, min_impact)}" if min_impact > 0 else ""))
    if skipped["no time"]:
        notes.append(f"{skipped['no time']} incidents left out: no usable start and end")
    return sorted(out, key=lambda i: (i.start, i.id)), notes


def union(spans: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Merge overlapping or touching (start, end) spans."""
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _length(spans: Sequence[tuple[float, float]], lo: float, hi: float) -> float:
    return sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in spans)


def _intersection(x: Sequence[tuple[float, float]], y: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    out, i, j = [], 0, 0
    while i < len(x) and j < len(y):
        a, b = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if a < b:
            out.append((a, b))
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return out


class ProviderOverlap(_Rows):
    """Per ordered provider pair: of A's incident hours, how many B was in an incident too."""

    title = "Provider overlap: when A is in an incident, is B? (common span only)"
    columns = ["provider", "other", "common_days", "hours", "other_hours", "overlap_hours",
               "p_other_given_this", "p_other_any_time", "lift"]

    def get(self, provider: str, other: str) -> dict:
        for r in self._rows:
            if r["provider"] == provider and r["other"] == other:
                return r
        raise KeyError((provider, other))

    def sentences(self) -> list[str]:
        out = []
        for r in self._rows:
            if r["hours"] and r["p_other_given_this"] is not None:
                out.append(f"while {r['provider']} was in an incident ({r['hours']:,.0f} h over {r['common_days']:,.0f} days), "
                           f"{r['other']} was too {100 * r['p_other_given_this']:.1f}% of the time — "
                           f"{r['lift']:.1f}× its {100 * r['p_other_any_time']:.2f}% at any time")
        return out


def provider_overlap(log: "IncidentLog", components: str | Iterable[str] = "api", min_impact: int = 1) -> ProviderOverlap:
    """How much of each provider's incident time overlaps each other provider's, measured.

    ``p_other_given_this`` = |A ∩ B| / |A|; ``p_other_any_time`` = |B| / span; ``lift`` is their
    ratio (1 = independent; above 1, an alternate provider fails with the primary more often
    than chance). Measured over the span both histories cover; impact ≥ ``min_impact``
    (default minor: incidents with no impact are informational).
    """
    ivs, _ = incident_intervals(log, components, min_impact)
    by: dict[str, list[Interval]] = {}
    for iv in ivs:
        by.setdefault(iv.provider, []).append(iv)
    cover = {p: (min(i.start for i in v), max(i.end for i in v)) for p, v in by.items()}
    spans = {p: union((i.start, i.end) for i in v) for p, v in by.items()}
    rows = []
    for a in sorted(by):
        for b in sorted(by):
            if a == b:
                continue
            lo, hi = max(cover[a][0], cover[b][0]), min(cover[a][1], cover[b][1])
            if hi <= lo:
                rows.append({"provider": a, "other": b, "common_days": 0.0, "hours": 0.0, "other_hours": 0.0,
                             "overlap_hours": 0.0, "p_other_given_this": None, "p_other_any_time": None, "lift": None})
                continue
            ha, hb = _length(spans[a], lo, hi), _length(spans[b], lo, hi)
            both = _length(_intersection(spans[a], spans[b]), lo, hi)
            given = both / ha if ha else None
            anytime = hb / (hi - lo)
            rows.append({"provider": a, "other": b, "common_days": (hi - lo) / 86400, "hours": ha / 3600,
                         "other_hours": hb / 3600, "overlap_hours": both / 3600, "p_other_given_this": given,
                         "p_other_any_time": anytime,
                         "lift": (given / anytime) if given is not None and anytime else None})
    return ProviderOverlap(rows)
