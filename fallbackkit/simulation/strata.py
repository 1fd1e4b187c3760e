"""Strata of simulated time, merged: weighted histograms, per-day counts, Monte-Carlo error.

A replay simulates some time in full (weight 1) and stands for the rest with samples
(weight = requests represented ÷ requests simulated). Each engine run is one stratum: its
histogram is added with its weight, its timeline bins are credited to the real days they
cover, and its binomial variance enters the standard errors of attainment and of the CDF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .histogram import H_BINS, H_MIN, H_RATIO

BIN_S = 60.0                 # the engine's timeline bin: one incident-minute


@dataclass
class Totals:
    days: int
    hist: np.ndarray = None
    n: np.ndarray = None             # requests per day
    good: np.ndarray = None
    inc_min: np.ndarray = None       # incident-minutes per day
    exp_min: np.ndarray = None       # of which exposed (that minute's attainment below the SLO)
    strata: list = field(default_factory=list)   # (weight, n simulated, cumulative hist, attainment, batch variance)
    calls: int = 0
    simulated: int = 0

    def __post_init__(self):
        self.hist = np.zeros(H_BINS)
        self.n, self.good = np.zeros(self.days), np.zeros(self.days)
        self.inc_min, self.exp_min = np.zeros(self.days), np.zeros(self.days)

    def add_run(self, r, weight: float = 1.0) -> None:
        self.hist += weight * r.all_hist
        self.strata.append((weight, r.n_requests, np.cumsum(r.all_hist), r.slo_attainment, _batch_var(r)))
        self.calls += 1
        self.simulated += r.n_requests


def _batch_var(r) -> float:
    """Variance of a run's good-request count from its timeline minutes (batch means).

    Requests close in time share a breaker state, so they are not independent draws; minute
    batches capture that (a breaker cycle is shorter than a minute). Never below binomial."""
    tl = r.timeline()
    n = np.array([row["requests"] for row in tl], dtype=float)
    g = n * np.array([row["slo_attainment"] for row in tl], dtype=float)
    a = r.slo_attainment
    m = len(tl)
    batch = float(((g - a * n) ** 2).sum()) * m / (m - 1) if m > 1 else 0.0
    return max(batch, r.n_requests * a * (1 - a))


def _day(t: float, lo: float, days: int) -> int:
    return min(days - 1, max(0, int((t - lo) // 86400)))


def credit(tot: Totals, r, pieces: list[tuple], lo: float, target: float) -> None:
    """Give each timeline bin of run ``r`` to the real time of the piece(s) it covers.

    ``pieces``: (sim start, sim end, real start, is_incident). Requests arrive evenly, so a
    bin's counts split between pieces in proportion to the time they share.
    """
    k = 0
    for row in r.timeline():
        b0 = row["minute"] * 60.0
        b1 = b0 + BIN_S
        n, good = row["requests"], row["requests"] * row["slo_attainment"]
        bad_minute = row["slo_attainment"] < target
        span = min(b1, pieces[-1][1]) - b0
        while k < len(pieces) and pieces[k][1] <= b0:
            k += 1
        j = k
        while j < len(pieces) and pieces[j][0] < b1:
            s0, s1, real, inc = pieces[j]
            ov = min(b1, s1) - max(b0, s0)
            if ov > 0 and span > 0:
                d = _day(real + (max(b0, s0) - s0), lo, tot.days)
                share = ov / span
                tot.n[d] += n * share
                tot.good[d] += good * share
                if inc:
                    tot.inc_min[d] += ov / 60
                    tot.exp_min[d] += ov / 60 if bad_minute else 0.0
            j += 1


def spread(arr: np.ndarray, a: float, b: float, lo: float, per_s: float) -> None:
    """Add ``per_s`` × seconds of [a, b) to each day it covers."""
    while a < b:
        d = int((a - lo) // 86400)
        end = min(b, lo + (d + 1) * 86400)
        if 0 <= d < len(arr):
            arr[d] += (end - a) * per_s
        a = end


def cum_hist_quantile(hist: np.ndarray, q: float) -> float:
    cum = np.cumsum(hist)
    if cum[-1] <= 0:
        return math.nan
    b = int(np.searchsorted(cum, q * cum[-1], side="left"))
    return 0.0 if b == 0 else H_MIN * H_RATIO ** (b - 0.5)


def bin_of(x_ms: float) -> int:
    return 0 if x_ms < H_MIN else min(H_BINS - 1, int(math.floor(math.log(x_ms / H_MIN) / math.log(H_RATIO))) + 1)


def cdf_se(tot: Totals, x_ms: float, n_total: float) -> float:
    """Monte-Carlo standard error of the merged CDF at ``x_ms`` (stratified binomial variance)."""
    b = bin_of(x_ms)
    var = 0.0
    for w, n, cum, _, _ in tot.strata:
        if n:
            f = cum[b] / cum[-1]
            var += (w * n) ** 2 * f * (1 - f) / n
    return math.sqrt(var) / n_total


def attainment_se(tot: Totals, n_total: float) -> float:
    """Standard error of merged attainment: Σ weight² × each run's batch-means variance of its good count."""
    var = sum(w ** 2 * v for w, n, _, _, v in tot.strata if n)
    return math.sqrt(var) / n_total
