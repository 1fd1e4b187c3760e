"""The circuit breaker's state, carried across time buckets (and chunks).

The rule: at the start of every bucket b the breaker reads the window of buckets
b−w … b−1; when it holds ≥ ``min_requests`` calls of which a share ≥ the threshold failed,
it opens for ``cooldown_s`` (calls in open buckets skip the path and are not counted), then
closes with a fresh window. Only buckets holding calls are visited: between two of them the
window changes only when a bucket enters it (at e + 1) or leaves it (at e + w + 1), so the
breaker is evaluated at those instants, all at once with numpy, and a bucket with nothing
in it costs nothing — work and memory grow with the calls made, never with simulated time.
"""

from __future__ import annotations

import math

import numpy as np


class Breaker:
    """One path's circuit breaker: a window of per-bucket (calls, failures), an open-until bucket."""

    def __init__(self, cb, bucket_s: float):
        self.w = max(1, int(math.ceil(cb.window_s / bucket_s)))
        self.cool = max(1, int(math.ceil(cb.cooldown_s / bucket_s)))
        self.thr, self.min_req = cb.failure_rate_threshold, cb.min_requests
        # buckets counted so far that a later window may still read (sorted), with their counts
        self.wb = np.zeros(0, np.int64)
        self.wc = np.zeros(0, np.int64)
        self.wf = np.zeros(0, np.int64)
        self.open_until = -1           # first bucket at which it is closed again
        self.next = 0                  # every bucket before this one has been decided
        self.trips: list[int] = []     # bucket numbers where it opened
        self.block = 1 << 12           # buckets looked ahead at once: grows while it stays closed

    def run(self, buckets, calls, fails) -> np.ndarray:
        """Open flag for each of the increasing ``buckets`` (after the last run's) holding calls."""
        B = np.asarray(buckets, dtype=np.int64)
        C = np.asarray(calls, dtype=np.int64)
        F = np.asarray(fails, dtype=np.int64)
        if B.size and int(B[-1]) - int(B[0]) == B.size - 1 and (not self.wb.size or int(self.wb[-1]) == int(B[0]) - 1
                                                                 and int(self.wb[-1]) - int(self.wb[0]) == self.wb.size - 1):
            return self._run_unbroken(B, C, F)
        out = np.zeros(B.size, dtype=bool)
        i, w = 0, self.w
        while i < B.size:
            if self.open_until > B[i]:
                j = int(np.searchsorted(B, self.open_until, side="left"))
                out[i:j] = True                   # open: these calls skip the path and are not counted
                self.next = int(B[j - 1]) + 1
                i = j
                continue
            # look ahead a block of buckets (doubling while nothing trips, small again after a trip): a
            # trip costs O(block), not O(chunk), and a calm chunk is read in one go
            j = min(B.size, i + self.block)
            last = int(B[j - 1])
            start = max(self.next, self.open_until)
            allb = np.concatenate([self.wb, B[i:j]])
            cumc = np.concatenate([[0], np.cumsum(np.concatenate([self.wc, C[i:j]]))])
            cumf = np.concatenate([[0], np.cumsum(np.concatenate([self.wf, F[i:j]]))])
            ev, lo, hi = _instants(allb, B[i:j], start, last, w)
            sc, sf = cumc[hi] - cumc[lo], cumf[hi] - cumf[lo]
            trip = (sc >= self.min_req) & (sf >= self.thr * sc)
            if not trip.any():
                keep = allb >= last + 1 - w
                self.wb, self.wc = allb[keep], np.diff(cumc)[keep]
                self.wf = np.diff(cumf)[keep]
                self.next = last + 1
                i, self.block = j, min(2 * self.block, 1 << 16)
                continue
            tau = int(ev[int(np.argmax(trip))])
            self.trips.append(tau)
            self.open_until = tau + self.cool
            self.wb, self.wc, self.wf = self.wb[:0], self.wc[:0], self.wf[:0]   # it closes with a fresh window
            i = int(np.searchsorted(B, tau, side="left"))
            self.next, self.block = tau, 32
        return out

    def _run_unbroken(self, B, C, F) -> np.ndarray:
        """:meth:`run` when the buckets, after those kept for the window, form one unbroken run
        (traffic in every bucket): every instant is an event, and a window's sums are read off
        cumulative counts by index — per trip a few array operations, no sort or search."""
        a0 = int(self.wb[0]) if self.wb.size else int(B[0])
        cumc = np.concatenate(([0], np.cumsum(np.concatenate([self.wc, C]))))
        cumf = np.concatenate(([0], np.cumsum(np.concatenate([self.wf, F]))))
        first, last, w = int(B[0]), int(B[-1]), self.w
        out = np.zeros(B.size, dtype=bool)
        out[:max(0, min(self.open_until, last + 1) - first)] = True      # still open from before
        floor = max(self.open_until, a0)     # buckets before it are in no window (open, or not kept)
        # instants before a0 see an empty window (no counted bucket precedes a0), so none trips; start at
        # a0 at the earliest — a path first reached, or called again after a quiet spell, begins after
        # self.next, and an instant before a0 would index the cumulative counts from the end
        e = max(self.next, floor)
        while e <= last:
            ev = np.arange(e, min(last, e + self.block - 1) + 1, dtype=np.int64)
            hi, lo = ev - a0, np.maximum(ev - w, floor) - a0
            sc, sf = cumc[hi] - cumc[lo], cumf[hi] - cumf[lo]
            trip = (sc >= self.min_req) & (sf >= self.thr * sc)
            if not trip.any():
                e, self.block = int(ev[-1]) + 1, min(2 * self.block, 1 << 16)
                continue
            tau = int(ev[int(np.argmax(trip))])
            self.trips.append(tau)
            self.open_until = floor = e = tau + self.cool     # it closes with a fresh window
            out[tau - first:min(e, last + 1) - first] = True
            self.block = 32
        self.next = max(self.next, last + 1)
        keep = max(last + 1 - w, floor) - a0
        counts = np.diff(cumc)[keep:], np.diff(cumf)[keep:]
        self.wb, self.wc, self.wf = np.arange(keep + a0, last + 1, dtype=np.int64), counts[0], counts[1]
        return out


def _instants(allb: np.ndarray, new: np.ndarray, start: int, last: int, w: int):
    """Instants in [start, last] at which the window can change, and each window's slice of ``allb``.

    The window can change when a bucket with calls enters it (at the bucket itself, the
    instant after the bucket before it, …) or leaves it: every bucket of ``new``, and ``b + 1``,
    ``b + w + 1`` of every counted bucket. When the buckets form one unbroken run (traffic in
    every bucket), those are all the instants from ``start`` to ``last``, and a window's slice is
    plain index arithmetic — the same instants and sums, without the sort and the searches.
    """
    a0 = int(allb[0]) if allb.size else 0
    if allb.size and int(allb[-1]) - a0 == allb.size - 1 and (start > a0 or (new.size and start >= int(new[0]))):
        ev = np.arange(start, last + 1, dtype=np.int64)
        return ev, np.clip(ev - w - a0, 0, allb.size), np.clip(ev - a0, 0, allb.size)
    ev = np.sort(np.concatenate([new, allb + 1, allb + w + 1]))
    ev = ev[(ev >= start) & (ev <= last)]
    return ev, np.searchsorted(allb, ev - w, side="left"), np.searchsorted(allb, ev, side="left")
