"""The log-binned latency histogram: 0.02% relative resolution, bounded memory for any N.

Bin 0 holds latencies below ``H_MIN``; bin b (1 ≤ b < H_BINS − 1) holds
[H_MIN·r^(b−1), H_MIN·r^b) with r = ``H_RATIO``; the last bin holds everything from 10⁷ ms
(~2.8 h) up, ∞ included (a stalled stream nobody cuts). Histograms of runs over the same
bins add, so strata of a long span can be simulated apart and merged with weights.
"""

from __future__ import annotations

import math

import numpy as np

# latency histogram: log bins from 0.01 ms to ~3 h, 0.02% wide
H_MIN, H_RATIO = 0.01, 1.0002
H_LOG = math.log(H_RATIO)
H_BINS = int(math.ceil(math.log(1e7 / H_MIN) / H_LOG)) + 2
QUANTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("p99.9", 0.999))


def hist_quantile(row: np.ndarray, q: float) -> float:
    """The ``q`` quantile of a histogram row, ms (NaN when empty, ∞ in the overflow bin)."""
    total = float(row.sum())          # counts, or weighted (float) counts of merged strata
    if not total > 0:
        return math.nan
    target = q * total
    cum = np.cumsum(row)
    b = int(np.searchsorted(cum, target, side="left"))
    if b == 0:
        return 0.0
    if b >= H_BINS - 1:
        return math.inf
    # geometric centre of the bin [H_MIN·r^(b-1), H_MIN·r^b)
    return H_MIN * H_RATIO ** (b - 0.5)


def hist_cdf(row: np.ndarray, x_ms: float) -> float:
    """Share of the row with latency ≤ x_ms (to the bin's resolution)."""
    total = float(row.sum())
    if not total > 0:
        return math.nan
    b = 0 if x_ms < H_MIN else min(H_BINS - 1, int(math.floor(math.log(x_ms / H_MIN) / H_LOG)) + 1)
    return float(row[: b + 1].sum() / total)
