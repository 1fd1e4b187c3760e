"""Incident statistics: per-group duration summaries (median and p90, not just the mean) and recovery bands."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from .lifecycle import RECOVERY_BANDS, SKEW_RATIO


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
    from ..postmortem import percentile  # the same linear interpolation as the loop's own metrics
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
        from .. import display
        return (f"Incident metrics by {self.by} (minutes)\n"
                + display.text_table(self.rows(), ["group", "metric", "count", "missing", "excluded", "mean", "median", "p90", "warning"]))

    def to_html(self) -> str:
        from .. import display
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
        from .. import display
        return f"{self.title}\n" + display.text_table(self._rows, self.columns)

    def to_html(self) -> str:
        from .. import display
        return display.section(self.title, display.html_table(self._rows, self.columns))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}


class RecoveryBands(_Rows):
    title = "DORA-style recovery band per component (median time to resolve)"
    columns = ["component", "provider", "incidents", "measured", "median_min", "p90_min", "band"]
