"""Streaming paths after their first token: mid-stream errors and stalls, partial answers, continuations.

The rules are stated in :mod:`fallbackkit.simulation.engine` ("Streaming").
"""

from __future__ import annotations

import numpy as np

from .histogram import H_BINS, hist_bins
from .plan import Plan


def run_streams(plan: Plan, acc, rng, elapsed, served_by):
    """After the first token: mid-stream errors and stalls, partial answers, continuations.

    Returns (time to last token or to the end of the user's stream, complete answer?).
    """
    ttlt = elapsed.copy()
    complete = served_by >= 0
    for k, cp in enumerate(plan.paths):
        if cp.stream is None:
            continue
        st = cp.stream
        idx = np.flatnonzero(served_by == k)
        acc.streamed[k] += idx.size
        if not idx.size:
            continue
        G = st.sampler.sample(rng, idx.size)
        ttlt[idx] += G
        if st.error_rate + st.stall_rate <= 0:
            continue
        u = rng.random(idx.size)
        broken = np.flatnonzero(u < st.error_rate + st.stall_rate)
        if not broken.size:
            continue
        acc.broken[k] += broken.size
        b = idx[broken]
        f = rng.random(broken.size)                          # share of the answer streamed before it broke
        stalled = u[broken] >= st.error_rate
        # the user's stream ends at the last token; an error is seen at once, a stall after the stall timeout
        end = elapsed[b] + f * G[broken] + np.where(stalled, st.stall_timeout, 0.0)
        # a continuation: re-request the rest on the same path (one more call, a new first token)
        cont = end + cp.sampler.sample(rng, b.size) + (1 - f) * G[broken]
        # it fails like a first attempt (error_rate); a continuation that started then breaks at the
        # mid-stream rates, which are shares of *started* streams: P(complete) = (1 − e)(1 − m)
        v = rng.random(b.size)
        fail_share = cp.error_rate + (1 - cp.error_rate) * (st.error_rate + st.stall_rate)
        cont_ok = (v >= fail_share) & np.isfinite(end)
        acc.cont_hist += np.bincount(hist_bins(cont[cont_ok]), minlength=H_BINS)
        seen = int(np.isfinite(end).sum())     # a stall nobody cuts never ends: nothing to continue
        acc.continuable[k] += seen
        if st.continuation:
            acc.continuations[k] += seen
            acc.calls[k] += seen
            ttlt[b] = np.where(cont_ok, cont, end)
            complete[b] = cont_ok
        else:
            ttlt[b] = end
            complete[b] = False
        acc.partial[k] += int((~complete[b]).sum())
    return ttlt, complete
