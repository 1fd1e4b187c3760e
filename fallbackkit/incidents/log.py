"""The incident log: incidents in the Statuspage lifecycle, one row each, with their data-quality report."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import os
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..problems import DesignError, Problem
from .document import PostMortemDocument, postmortem_document
from .feedback import TaxonomyFeedback
from .lifecycle import (
    DURATIONS,
    IMPACT_NAMES,
    METRICS,
    NO_COMPONENT,
    SOURCE_CITATION,
    STAGES,
    _json_row,
    _text,
    categorize,
)
from .quality import DataQuality
from .reader import (
    _offset_text,
    _parse_stamp,
    _Raw,
    _read_csv_records,
    _read_json_records,
    read_text,
)
from .review import WeeklyReview
from .stats import MetricStats, MetricTable, RecoveryBands, _stats, recovery_band


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
    def read(cls, path: str | os.PathLike, out_of_order: str = "exclude", max_bytes: int | None = None) -> "IncidentLog":
        """Read a ``.csv``, ``.csv.gz`` or ``.json`` file; DesignError names file, line, field.

        A file is refused past ``max_bytes`` of text (default ``reader.MAX_TEXT_BYTES``, 64 MB),
        a gzip while it is being decompressed."""
        p = Path(path)
        text = read_text(p, max_bytes)
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
        if out_of_order not in ("exclude", "keep"):
            raise ValueError("out_of_order must be 'exclude' or 'keep'")
        q = DataQuality(source, rows=len(recs) + len([p for p in problems if p.path.endswith((".id", ".provider"))]))
        kept: dict[str, tuple[_Raw, dict]] = {}
        records = []
        for r in recs:
            where = f"incident {r.id}"
            stamps, offs, naive = _stamps(r, where, problems)
            impact = _impact(r, where, problems)
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
        df = _frame(records)
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
        starts = starts[starts.duplicated(["provider", "start"], keep=False)]  # only groups of two or more
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
        from ..postmortem import percentile
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

        from ..files import atomic_write_text
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
        from .. import display
        head = display.bullets([f"{s['incidents']} incidents from {self.source}",
                                "providers: " + ", ".join(f"{k} {v}" for k, v in s["providers"].items()),
                                f"first {s['first']}, last {s['last']}"] + ([self.citation] if self.citation else []))
        return (display.section("Incident log", head) + self.metrics().to_html()
                + self.recovery_bands().to_html() + self.quality.to_html())

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def __repr__(self) -> str:
        return f"IncidentLog({len(self)} incidents from {self.source!r})"


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


def _stamps(r: _Raw, where: str, problems: list[Problem]) -> tuple[dict, Counter, int]:
    """One incident's stage stamps in UTC, the offsets they carried and how many had none."""
    import pandas as pd
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
    return stamps, offs, naive


def _impact(r: _Raw, where: str, problems: list[Problem]) -> int | None:
    """The impact level 0–4 from a number or a Statuspage name; None (and a problem) if unknown."""
    if r.impact is None:
        return None
    iv = str(r.impact).strip().lower()
    names = {v: k for k, v in IMPACT_NAMES.items()}
    if iv in names:
        return names[iv]
    try:
        impact = int(float(iv))
    except ValueError:
        impact = -1
    if impact not in IMPACT_NAMES:
        problems.append(Problem(f"{where}.impact", f"unknown impact {r.impact!r}; expected 0–4 or one of "
                                + ", ".join(IMPACT_NAMES.values()), line=r.line))
        return None
    return impact


def _frame(records: list[dict]):
    """The kept incidents as a frame indexed by id, with UTC stamps, a start and a category."""
    import pandas as pd
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
    return df
