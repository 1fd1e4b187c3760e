"""Attempts on one path: the causes decided before a call, and a round with its hedges.

A *round* is a first attempt or a retry, plus the hedges it sends; the rules it follows are
stated once, in :mod:`fallbackkit.simulation.engine` ("Hedging", "The timeout comes first").
Every function works on arrays of requests in arrival order.
"""

from __future__ import annotations

import numpy as np

from .plan import ERROR, MISS, MODE0, OK, OUTAGE, TIMEOUT, PathPlan


def attempt_round(cp: PathPlan, rng, L, pre, hold, deg=None, nz=None):
    """One round on a path (a first attempt or a retry, plus its hedges).

    ``pre``: cause decided before the call (0, MISS, ERROR, OUTAGE or a mode code); ``hold``: the
    request's persistent cause on this path (a coverage miss, an outage, a persistent mode; OK if
    none), which its hedges inherit — a transient mode on the first attempt does not.
    Returns (time spent ms, cause, route, hedged): ``cause`` the round's outcome (OK, or the
    failure it ended with), ``route`` the code that routes the request on (``cause``, or the
    mode its first attempt showed), ``hedged`` the position of every hedge sent (one per call).
    ``nz``: where ``pre`` is not OK, when the caller knows.
    """
    T = cp.timeout
    nv = np.flatnonzero(cp.never_answers[pre]) if nz is None else nz[cp.never_answers[pre[nz]]]
    finish = L.copy()
    finish[nv] = np.inf
    # the first attempt alone: its answer or failure — a timeout when either would come after it
    spent = np.minimum(finish, T)
    cause = pre.copy()
    np.putmask(cause, finish > T, TIMEOUT)
    cause[nv] = pre[nv]                 # what never answers keeps its cause
    if not (cp.max_hedges and cp.hedge_after < T):
        return spent, cause, cause, nv[:0]
    k = np.flatnonzero(finish > cp.hedge_after)   # hedge 1 is sent iff the first attempt is still out
    if not k.size:
        return spent, cause, cause, k
    s_k, c_k, r_k, hedged = _hedges(cp, rng, k, finish[k], pre[k], cause[k] == OK, hold[k], deg)
    spent[k] = s_k
    cause[k] = c_k
    route = cause.copy()
    route[k] = r_k
    return spent, cause, route, k[hedged]


def _hedges(cp: PathPlan, rng, k, f0, p0, good0, hold, deg):
    """The rounds whose first attempt (ending at ``f0``, cause ``p0``) was still out at the first hedge.

    Hedge ``j`` is sent at ``j·after_ms`` (before the timeout) when, at that instant, no good
    answer has arrived and some attempt is still outstanding; it depends only on what has
    happened by then, never on how an outstanding attempt will end. The first good answer
    wins; else the round ends with its last failure (cause and time), or — an attempt still
    out — at the timeout, as a timeout (an attempt that never answers keeps its cause). A mode
    the first attempt showed before the timeout still routes the request to its mitigation.
    Returns (spent, cause, route, position of each hedge sent) over these rounds.
    """
    T = cp.timeout
    if cp.max_hedges == 1 or 2 * cp.hedge_after >= T:
        return _one_hedge(cp, rng, k, f0, p0, good0, hold, deg)
    best = np.where(good0, f0, np.inf)            # earliest good answer so far
    latest = f0.copy()                            # when the last attempt sent ends (good or bad)
    seen = ~good0 & (f0 <= T)
    last_t = np.where(seen, f0, -np.inf)          # the last failure seen before the timeout: when …
    last_c = p0.copy()                            # … and its cause
    every = np.arange(k.size)
    sub, sent = slice(None), []         # hedge 1 goes to every round here: plain slices, no gathers
    for j in range(1, cp.max_hedges + 1):
        s = j * cp.hedge_after
        if s >= T:
            break
        if j > 1:   # whoever gets hedge j got hedge j−1: nothing else changed since
            sub = every[sub][(best[sub] > s) & (latest[sub] > s)]
            if not sub.size:
                break
        sent.append(every[sub])
        fh, ph, okh = _send(cp, rng, s, hold[sub], None if deg is None else (deg[0][k[sub]], deg[1][k[sub]]))
        best[sub] = np.minimum(best[sub], np.where(okh, fh, np.inf))
        latest[sub] = np.maximum(latest[sub], fh)
        later = ~okh & (fh <= T) & (fh > last_t[sub])      # ties: the earlier attempt stays the last
        w = every[sub][later]
        last_t[w] = fh[later]
        last_c[w] = ph[later]
    # best holds only good answers (each ≤ the timeout); ∞ means none came — also when the
    # path has no timeout, so ∞ ≤ ∞ must not count as one
    good = np.isfinite(best)
    cut = ~good & (latest > T)
    spent = np.where(good, best, np.where(cut, T, latest))
    cause = np.where(good, OK, np.where(cut, np.where(cp.never_answers[p0], p0, TIMEOUT), last_c)).astype(np.int16)
    shown = (p0 >= MODE0) & (cp.never_answers[p0] | (f0 <= T))
    route = np.where(~good & shown, p0, cause).astype(np.int16)
    return spent, cause, route, np.concatenate(sent) if sent else every[:0]


def _one_hedge(cp: PathPlan, rng, k, f0, p0, good0, hold, deg):
    """:func:`_hedges` when only one hedge can be sent: the same outcome in closed form."""
    T = cp.timeout
    fh, ph, okh = _send(cp, rng, cp.hedge_after, hold, None if deg is None else (deg[0][k], deg[1][k]))
    good = good0 | okh
    best = np.minimum(np.where(good0, f0, np.inf), np.where(okh, fh, np.inf))
    latest = np.maximum(f0, fh)
    cut = ~good & (latest > T)
    spent = np.where(good, best, np.where(cut, T, latest))
    last = np.where(fh > f0, ph, p0)              # both failed in time: the later one (the first on a tie)
    cause = np.where(good, OK, np.where(cut, np.where(cp.never_answers[p0], p0, TIMEOUT), last)).astype(np.int16)
    shown = (p0 >= MODE0) & (cp.never_answers[p0] | (f0 <= T))
    route = np.where(~good & shown, p0, cause).astype(np.int16)
    return spent, cause, route, np.arange(k.size)


def _send(cp: PathPlan, rng, s: float, hold, deg):
    """Hedges sent at ``s`` ms: (when each ends — ∞ when it never answers, its cause, good?)."""
    Lh = cp.sampler.sample(rng, hold.size)
    if deg is not None:
        Lh *= deg[0]
    Lh += s
    ph = hold
    if cp.error_rate > 0:
        ph = np.where((ph == OK) & (rng.random(ph.size) < cp.error_rate), ERROR, ph)
    if deg is not None:
        ph = np.where((ph == OK) & (rng.random(ph.size) < deg[1]), ERROR, ph)
    fh = np.where(cp.never_answers[ph], np.inf, Lh)
    return fh, ph, (ph == OK) & (fh <= cp.timeout)


def degradation(cp: PathPlan, t):
    """(latency multiplier, extra error probability) per request from degradation windows, or None."""
    if not cp.degradations:
        return None
    lf, ok = np.ones(t.size), np.ones(t.size)
    for a, b, err, f in cp.degradations:
        i, j = inside(t, a, b)
        lf[i:j] *= f
        ok[i:j] *= 1 - err
    return lf, 1 - ok


def inside(t, a, b) -> tuple[int, int]:
    """The index range of the sorted arrival times ``t`` with a ≤ t < b."""
    i, j = np.searchsorted(t, (a, b), side="left").tolist()
    return i, j


def pre_causes(cp: PathPlan, rng, n, first: bool, keep=None, t=None, deg=None):
    """Cause decided before the call: an injected mode, a coverage miss, an error, an outage.

    ``t``: the requests' arrival times, non-decreasing. Returns (cause, uncovered, not OK):
    on a first attempt ``uncovered`` marks the requests outside the path's coverage (drawn
    independently of the modes; a mode observed on the first attempt shows instead of the miss,
    but the miss stays the request's for its hedges and retries), else None; ``not OK`` the
    positions whose cause is not OK when the modes and errors alone decided them, else None.
    """
    cum, codes = (cp.first_cum, cp.first_codes) if first else (cp.retry_cum, cp.retry_codes)
    pre = np.zeros(n, dtype=np.int16)
    hit = np.zeros(0, dtype=np.intp)
    if cum[-1] > 0:
        # past the last threshold the call is OK (most are): look up only the draws below it
        u = rng.random(n)
        hit = np.flatnonzero(u < cum[-1])
        pre[hit] = codes[np.searchsorted(cum, u[hit], side="right")]
    alone = True                          # nothing but the draws above has set a cause
    uncovered = None
    if first and cp.coverage < 1:
        uncovered = rng.random(n) >= cp.coverage
        pre[uncovered & (pre < MODE0)] = MISS   # an uncovered request errs no other way
        alone = False
    if keep is not None:   # persistent causes of earlier rounds stay
        pre = np.where(keep != OK, keep, pre)
        alone = False
    if deg is not None:   # a degraded provider: an extra error chance while the window lasts
        d = np.flatnonzero((pre == OK) & (deg[1] > 0))
        if d.size:
            pre[d[rng.random(d.size) < deg[1][d]]] = ERROR
            alone = False
    if cp.outages and t is not None:   # t is sorted (arrival order): a window is an index range
        for a, b in cp.outages:
            i, j = inside(t, a, b)
            pre[i:j] = OUTAGE
            alone = alone and i == j
    return pre, uncovered, hit if alone else None
