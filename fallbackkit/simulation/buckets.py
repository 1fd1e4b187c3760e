"""Which time buckets (or timeline bins) hold requests, and where each one's requests start.

Requests arrive in order, so a request's bucket is a non-decreasing key; only buckets that
hold requests exist, so memory grows with the requests simulated, never with simulated time.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def occupied(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct sorted keys, index of each element's key, elements per key) for a non-decreasing array."""
    change = np.empty(keys.size, dtype=bool)
    change[0] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    return keys[change], np.cumsum(change) - 1, np.diff(np.append(np.flatnonzero(change), keys.size))


def runs(key_at: Callable[[np.ndarray], np.ndarray], n: int, guess: Callable[[np.ndarray], np.ndarray]):
    """:func:`occupied` of the non-decreasing keys ``key_at(0..n-1)``, without computing every key.

    ``guess(K)`` estimates where key K starts (e.g. from the arrival rate); each start is
    checked exactly (the key before it is smaller, the key at it is not), one step either
    way is allowed, and when that does not hold — or keys are sparser than the elements —
    every key is computed. The same arrays :func:`occupied` returns, from O(keys) work.
    """
    k0, k1 = key_at(np.array([0, n - 1])).tolist()
    if k1 - k0 + 1 > n // 4 + 1:
        return occupied(key_at(np.arange(n)))
    K = np.arange(k0 + 1, k1 + 1, dtype=np.int64)
    s = np.clip(guess(K), 1, n - 1).astype(np.int64)
    for _ in range(3):   # check, and move a wrong start one step, twice at most
        up, down = key_at(s) < K, key_at(s - 1) >= K
        if not (up.any() or down.any()):
            break
        s = np.clip(s + up - down, 1, n - 1)
    else:
        return occupied(key_at(np.arange(n)))
    starts = np.concatenate(([0], s))
    counts = np.diff(np.append(starts, n))
    keep = counts > 0
    keys, counts = np.concatenate(([k0], K))[keep], counts[keep]
    return keys, np.repeat(np.arange(keys.size), counts), counts
