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
    return hist_quantiles(row, (q,))[0]


def hist_quantiles(row: np.ndarray, qs, offset: int = 0) -> list[float]:
    """The quantiles ``qs`` of a histogram row (as :func:`hist_quantile`), one cumulative sum for all.

    ``row`` may be a slice of a row starting at bin ``offset`` that holds all its counts.
    """
    total = float(row.sum())          # counts, or weighted (float) counts of merged strata
    if not total > 0:
        return [math.nan for _ in qs]
    # compared as floats (as numpy would, casting the whole array once per search otherwise)
    cum = np.cumsum(row).astype(np.float64, copy=False)
    bins = np.searchsorted(cum, np.array([q * total for q in qs], dtype=np.float64), side="left") + offset
    # bin 0: below H_MIN; the last bin: overflow; else the geometric centre of [H_MIN·r^(b-1), H_MIN·r^b)
    return [0.0 if b == 0 else math.inf if b >= H_BINS - 1 else H_MIN * H_RATIO ** (b - 0.5) for b in bins.tolist()]


def percentiles(row: np.ndarray, offset: int = 0) -> dict[str, float]:
    """The headline percentiles (``QUANTILES``) of a histogram row (or its slice from bin ``offset``), by name."""
    return dict(zip((name for name, _ in QUANTILES), hist_quantiles(row, [q for _, q in QUANTILES], offset)))


def hist_cdf(row: np.ndarray, x_ms: float) -> float:
    """Share of the row with latency ≤ x_ms (to the bin's resolution)."""
    total = float(row.sum())
    if not total > 0:
        return math.nan
    b = 0 if x_ms < H_MIN else min(H_BINS - 1, int(math.floor(math.log(x_ms / H_MIN) / H_LOG)) + 1)
    return float(row[: b + 1].sum() / total)


def hist_bins(ms: np.ndarray) -> np.ndarray:
    """Histogram bin of each latency (bin 0 below H_MIN, the last bin holds ≥ 10^7 ms and ∞)."""
    # float32 is safe here: its log is off by < 1e-6, half a percent of one 0.02%-wide bin
    x = ms.astype(np.float32)
    np.maximum(x, np.float32(H_MIN * 0.5), out=x)   # = the float32 of max(ms, H_MIN/2): rounding is monotone
    x *= np.float32(1 / H_MIN)
    np.log(x, out=x)
    x *= np.float32(1 / H_LOG)
    np.minimum(x, np.float32(H_BINS), out=x)   # ∞ (a stream nobody cuts) lands in the overflow bin
    np.floor(x, out=x)
    hb = x.astype(np.int64)
    hb += 1
    np.clip(hb, 0, H_BINS - 1, out=hb)
    return hb


def add_hist(hist: np.ndarray, bins: np.ndarray, rows: np.ndarray, n_rows: int) -> None:
    """Add counts to the flat (n_rows × H_BINS) histogram, touching only the bins in use."""
    h = hist.reshape(n_rows, H_BINS)
    if not bins.size:
        return
    lo, hi = int(bins.min()), int(bins.max())
    span = hi - lo + 1
    if n_rows == 1 or n_rows * span <= 4 * bins.size:
        # one count over (row, bin) pairs of the bins in use: one pass, no per-row masks
        key = rows * span if n_rows > 1 else np.zeros(bins.size, dtype=np.int64)
        key += bins
        key -= lo
        h[:, lo:hi + 1] += np.bincount(key, minlength=n_rows * span).reshape(n_rows, span)
        return
    for r in range(n_rows):   # latencies spread wide (e.g. ∞ beside ms): per row, its own span
        b = bins[rows == r]
        if b.size:
            r_lo = int(b.min())
            c = np.bincount(b - r_lo)
            h[r, r_lo:r_lo + c.size] += c
