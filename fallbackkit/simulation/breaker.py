"""The circuit breaker's state, carried across time buckets (and chunks)."""

from __future__ import annotations

import math

import numpy as np


class Breaker:
    """Circuit-breaker state carried across buckets (and chunks)."""

    def __init__(self, cb, bucket_s: float):
        self.w = max(1, int(math.ceil(cb.window_s / bucket_s)))
        self.cool = max(1, int(math.ceil(cb.cooldown_s / bucket_s)))
        self.thr, self.min_req = cb.failure_rate_threshold, cb.min_requests
        self.calls = [0] * self.w
        self.fails = [0] * self.w
        self.sc = self.sf = 0
        self.open_until = -1
        self.trips: list[int] = []  # bucket numbers where it opened

    def run(self, b0: int, calls: list[int], fails: list[int]) -> np.ndarray:
        """Open flag per bucket b0…b0+len-1; counts of a bucket are dropped when it is open."""
        is_open = np.zeros(len(calls), dtype=bool)
        w, cc, ff = self.w, self.calls, self.fails
        sc, sf = self.sc, self.sf
        for j in range(len(calls)):
            b = b0 + j
            slot = b % w
            sc -= cc[slot]
            sf -= ff[slot]
            cc[slot] = ff[slot] = 0
            if b < self.open_until:
                is_open[j] = True
                continue
            if sc >= self.min_req and sf >= self.thr * sc:
                self.open_until = b + self.cool
                self.trips.append(b)
                is_open[j] = True
                for s in range(w):
                    cc[s] = ff[s] = 0
                sc = sf = 0
                continue
            cc[slot], ff[slot] = calls[j], fails[j]
            sc += calls[j]
            sf += fails[j]
        self.sc, self.sf = sc, sf
        return is_open
