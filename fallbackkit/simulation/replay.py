"""Replay a real incident history against a design, at the design's traffic.

Each incident of a provider becomes a window on the paths that depend on that provider
(the path's ``provider``, or the prefix of its ``model`` id: ``openai/gpt-4o`` → openai)::

    import fallbackkit as fk
    r = fk.replay(fk.default_design(), incidents="bundled", provider="openai")
    r                 # attainment and error budget per 28-day window, the worst window,
                      # incident-minutes the chain hid and exposed, provider overlap, rates
    r.windows         # one row per SLO window

How an incident acts (the mapping, stated once)
-----------------------------------------------
* Impact **major** or **critical** → an **outage** window: every call to the path fails at
  its timeout, exactly like ``Outage`` (Statuspage: "major outage" / "partial outage" of
  the component; a product cannot tell a partial outage of its calls from a full one).
* Impact **minor** (or not stated) → a **degradation** window: the path's error rate
  rises to ``1 − (1 − e)(1 − degraded_error_rate)`` (default 10% of calls fail, 5xx-like,
  retryable) — Statuspage's "degraded performance": elevated errors on part of the
  traffic. The engine has no slower-calls window yet (a hook the replay has asked for), so a
  degradation raises errors only.
* Impact **none** and **maintenance** → no window (informational posts and planned work).
* The design's own ``provider_outage`` modes on replayed paths are set to 0: the real
  windows replace the assumed rate (the result suggests the measured one instead).

How it is simulated fast (stratified time)
------------------------------------------
Time is cut into *quiet* time (no window on any replayed path) and *incident* segments
(constant state). Incident segments are simulated **in full**, at the real rate, each after
a short real pre-roll of quiet time so the circuit breaker meets the outage from its
steady state; segments of the same state share one engine call. Quiet time is stationary,
so one sample of ``quiet_sample`` requests stands for all of it, weighted by the quiet
requests it represents. Totals, per-day counts and the latency histogram are the weighted
sums; the Monte-Carlo standard error of attainment and of the CDF at p99.9 comes from the
strata's binomial variances. ``method="brute"`` simulates every request instead (the check).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from ..incidents.overlap import Interval, incident_intervals
from ..problems import DesignError, Problem
from .engine import simulate
from . import limits
from .plan import Outage
from .strata import BIN_S, credit, spread, Totals

DEGRADED_ERROR_RATE = 0.10
OUTAGE_IMPACTS = (2, 3)
QUIET_SAMPLE = 1_000_000
MAX_SIMULATED = 2_000_000_000   # refuse a replay that would run for hours
PREROLL_S = 120.0            # ≥ the breaker window plus cooldown of typical designs
MAX_WINDOWS_PER_CALL = 8     # the engine checks every outage window for every request
MAX_REQUESTS_PER_CALL = 4_000_000
FULL_S = 600.0               # each incident segment's first 10 minutes run in full (the breaker's transient)
STEADY_S = 7200.0            # then 2 h of steady state stand for the rest of every segment in that state

#: model-id prefixes without a ``provider/`` part
MODEL_PREFIXES = (("gpt-", "openai"), ("o1", "openai"), ("o3", "openai"), ("o4", "openai"),
                  ("text-embedding", "openai"), ("claude", "anthropic"))


def path_provider(path) -> str | None:
    """Who serves a path: its ``provider``, else the ``model`` id's prefix (``openai/gpt-4o``)."""
    if getattr(path, "provider", None):
        return str(path.provider).strip().lower()
    model = (getattr(path, "model", None) or "").strip().lower()
    if "/" in model:
        return model.split("/", 1)[0]
    for prefix, prov in MODEL_PREFIXES:
        if model.startswith(prefix):
            return prov
    return None


# -- incidents → segments of constant state -------------------------------------------------------
@dataclass
class Segment:
    """A stretch of time in one state: which replayed paths are out, which degraded."""

    start: float
    end: float
    out: frozenset
    degraded: frozenset
    incidents: tuple[str, ...]

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def signature(self) -> tuple:
        return (tuple(sorted(self.out)), tuple(sorted(self.degraded)))


def _segments(windows: list[tuple[float, float, str, str, str]]) -> list[Segment]:
    """Sweep (start, end, path, effect, incident id) windows into constant-state segments."""
    cuts = sorted({w[0] for w in windows} | {w[1] for w in windows})
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:]):
        live = [w for w in windows if w[0] < b and w[1] > a]
        if not live:
            continue
        down = frozenset(w[2] for w in live if w[3] == "outage")
        deg = frozenset(w[2] for w in live if w[3] == "degraded") - down
        ids = tuple(dict.fromkeys(w[4] for w in live))
        if out and out[-1].end == a and out[-1].out == down and out[-1].degraded == deg:
            prev = out[-1]
            out[-1] = Segment(prev.start, b, down, deg, tuple(dict.fromkeys(prev.incidents + ids)))
        else:
            out.append(Segment(a, b, down, deg, ids))
    return out


def _replay_design(design, paths: Iterable[str], degraded: Iterable[str], rate: float):
    """A copy: provider-outage modes on replayed paths at 0, degraded paths' error rate raised."""
    d = design.model_copy(deep=True)
    first = d.matrix.paths[0].id
    replayed = set(paths)
    for m in d.taxonomy.modes:
        if m.category == "provider_outage" and (m.occurs_on or first) in replayed:
            m.occurrence = 0.0
    for p in d.matrix.paths:
        if p.id in set(degraded):
            p.error_rate = 1 - (1 - p.error_rate) * (1 - rate)
    return d


# -- the replay -----------------------------------------------------------------------------------
@dataclass
class ReplayPlan:
    """What will be replayed: the span, the windows on each path, and why."""

    design: Any
    log: Any
    lo: float
    hi: float
    rps: float
    dependents: dict[str, list[str]]          # provider → path ids
    intervals: list[Interval]
    segments: list[Segment]
    notes: list[str]

    @property
    def days(self) -> int:
        return int(round((self.hi - self.lo) / 86400))


def _load_log(incidents):
    from ..incidents import IncidentLog
    if isinstance(incidents, IncidentLog):
        return incidents
    if isinstance(incidents, str) and incidents == "bundled":
        return IncidentLog.bundled()
    return IncidentLog.read(incidents)


def _stamp(t, field_name: str) -> float:
    import pandas as pd
    try:
        ts = pd.Timestamp(t)
        if ts is pd.NaT:
            raise ValueError
    except (ValueError, TypeError, OverflowError):
        raise DesignError([Problem(field_name, f"is {t!r}; expected a date such as 2023-09-01 "
                                   "(or an ISO 8601 time, UTC unless it says otherwise)")]) from None
    return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).timestamp()


def plan_replay(design, incidents: Any = "bundled", provider: str | None = None, *, since=None, until=None,
                components: str | Iterable[str] = "api", rps: float | None = None) -> ReplayPlan:
    """Map incidents onto the design's paths and cut the span into constant-state segments."""
    log = _load_log(incidents)
    notes: list[str] = []
    dependents: dict[str, list[str]] = {}
    for p in design.matrix.paths:
        prov = path_provider(p)
        if prov:
            dependents.setdefault(prov, []).append(p.id)
    known = sorted(log.providers)
    if provider is not None:
        provider = provider.strip().lower()
        if provider not in log.providers:
            raise DesignError([Problem("provider", f"no incidents of {provider!r} in {log.source}; expected one of {', '.join(known)}")])
        if provider not in dependents:
            first = design.matrix.paths[0].id
            dependents = {provider: [first]}
            notes.append(f"no path names provider {provider!r} (`provider:` or a `{provider}/…` model id): "
                         f"its incidents are replayed on the first path, {first!r}")
        else:
            dependents = {provider: dependents[provider]}
    dependents = {k: v for k, v in dependents.items() if k in log.providers}
    if not dependents:
        raise DesignError([Problem("matrix.paths", "no path depends on a provider the incident file covers "
                                   f"({', '.join(known)}); expected a path `provider:` or a model id such as "
                                   "openai/gpt-4o, or pass provider=")])
    sub = log.where(provider=next(iter(dependents))) if len(dependents) == 1 else log
    starts = sub.frame["start"].dropna()
    ends = sub.frame["resolved"].dropna()
    lo = _stamp(since, "since") if since is not None else starts.min().floor("D").timestamp()
    hi = _stamp(until, "until") if until is not None else (ends.max().floor("D").timestamp() + 86400)
    if not hi > lo:
        raise DesignError([Problem("until", f"the span is empty ({since} → {until}); expected until after since")])
    ivs, inotes = incident_intervals(sub, components)   # notes about the replayed providers only
    notes += inotes
    windows = []
    skipped_none = 0
    for iv in ivs:
        if iv.provider not in dependents or iv.end <= lo or iv.start >= hi:
            continue
        if iv.impact == 0:
            skipped_none += 1
            continue
        effect = "outage" if iv.impact in OUTAGE_IMPACTS else "degraded"
        for pid in dependents[iv.provider]:
            windows.append((max(iv.start, lo), min(iv.end, hi), pid, effect, iv.id))
    if skipped_none:
        notes.append(f"{skipped_none} incidents with impact none are not replayed (informational posts)")
    rate = rps if rps is not None else design.context.traffic.requests_per_day / 86400.0
    if isinstance(rate, bool) or not (isinstance(rate, (int, float)) and math.isfinite(rate) and rate >= 1 / 86400):
        raise DesignError([Problem("rps", f"is {rate!r}; expected requests per second, at least one request a day "
                                   "(≥ 0.0000116)")])
    used = sorted({w[4] for w in windows})
    return ReplayPlan(design, log, lo, hi, float(rate), dependents,
                      [iv for iv in ivs if iv.id in set(used)], _segments(windows), notes)


def _groups(segs: list[tuple[int, Segment]], rate: float, full_s: float) -> list[list[tuple[int, Segment]]]:
    out, cur, reqs = [], [], 0.0
    for item in segs:
        n = min(item[1].seconds, full_s) * rate
        if cur and (len(cur) >= MAX_WINDOWS_PER_CALL or reqs + n > MAX_REQUESTS_PER_CALL):
            out.append(cur)
            cur, reqs = [], 0.0
        cur.append(item)
        reqs += n
    return out + ([cur] if cur else [])


def _run_group(plan: ReplayPlan, tot: Totals, group, gaps: dict[int, float], seed: int,
               d, full_s: float, target: float) -> float:
    """One engine call for the first ``full_s`` of segments of one state, laid end to end.

    Returns the pre-roll and pad seconds it simulated (real quiet time, taken off the quiet stratum).
    """
    out_paths, deg_paths = group[0][1].signature
    quiet_around = not deg_paths     # pre-roll and pad are real quiet time only when nothing is degraded
    pieces, outages, t, borrowed = [], [], 0.0, 0.0
    for idx, seg in group:
        if quiet_around:
            # whole minutes of the quiet gap before it, leaving room for the previous segment's pad
            pre = max(0.0, min(PREROLL_S, gaps[idx] - BIN_S)) // BIN_S * BIN_S
            if pre > 0:
                pieces.append((t, t + pre, seg.start - pre, False))
                t += pre
                borrowed += pre
        length = min(seg.seconds, full_s)
        pieces.append((t, t + length, seg.start, True))
        outages += [Outage(p, t, length) for p in out_paths]
        t += length
        if quiet_around and length == seg.seconds:
            pad = min(math.ceil(t / BIN_S) * BIN_S - t, gaps.get(idx + 1, math.inf))
            if pad > 1e-9:
                pieces.append((t, t + pad, seg.end, False))
                t += pad
                borrowed += pad
    n = max(1, int(round(t * plan.rps)))
    r = simulate(d, n, seed, outages=outages, rps=plan.rps, timeline_s=BIN_S)
    tot.add_run(r)
    credit(tot, r, pieces, plan.lo, target)
    return borrowed


def _run_steady(plan: ReplayPlan, tot: Totals, sig: tuple, tails: list[tuple[float, float]], seed: int,
                d, steady_s: float, target: float) -> None:
    """The stationary rest of every segment of one state: one sample, weighted by the time it stands for."""
    out_paths, _ = sig
    tail_s = sum(b - a for a, b in tails)
    n = max(1, int(round(steady_s * plan.rps)))
    r = simulate(d, n, seed, outages=[Outage(p, 0.0, steady_s + 1.0) for p in out_paths], rps=plan.rps, timeline_s=BIN_S)
    tot.add_run(r, tail_s * plan.rps / n)
    tl = r.timeline()
    bad = sum(row["slo_attainment"] < target for row in tl) / max(1, len(tl))
    per_day = np.zeros(tot.days)
    for a, b in tails:
        spread(per_day, a, b, plan.lo, 1.0)
    tot.n += per_day * plan.rps
    tot.good += per_day * plan.rps * r.slo_attainment
    tot.inc_min += per_day / 60
    tot.exp_min += per_day / 60 * bad


def _child(seed: int, offset: int) -> int:
    """The seed of one engine call: ``seed + offset``, wrapped below 2**63 so that a seed near the
    top of :data:`limits.SEED` (which replay() accepts) stays one simulate() accepts too; a seed
    that does not reach the top gives the same numbers as before the wrap."""
    return (seed + offset) % 2**63


def run_stratified(plan: ReplayPlan, seed: int = 0, quiet_sample: int = QUIET_SAMPLE,
                   degraded_error_rate: float = DEGRADED_ERROR_RATE, full_s: float = FULL_S,
                   steady_s: float = STEADY_S) -> tuple[Totals, dict]:
    """Quiet time by a weighted sample; each incident segment's first ``full_s`` in full; the
    stationary rest of long segments by one weighted steady-state sample per state."""
    days = max(1, plan.days)
    tot = Totals(days)
    target = plan.design.context.slo.percentile / 100
    all_paths = [p for v in plan.dependents.values() for p in v]
    segs = list(enumerate(plan.segments))
    gaps, prev_end = {}, plan.lo
    for i, s in segs:
        gaps[i] = max(0.0, s.start - prev_end)
        prev_end = s.end
    by_sig: dict[tuple, list] = {}
    for item in segs:
        by_sig.setdefault(item[1].signature, []).append(item)
    borrowed = 0.0
    for k, (sig, items) in enumerate(sorted(by_sig.items())):
        d = _replay_design(plan.design, all_paths, sig[1], degraded_error_rate)
        tails = [(s.start + full_s, s.end) for _, s in items if s.seconds > full_s]
        # compress only when the rest is long enough that one steady sample is cheaper
        cut = full_s if sum(b - a for a, b in tails) > 2 * steady_s else math.inf
        for g, group in enumerate(_groups(items, plan.rps, cut)):
            borrowed += _run_group(plan, tot, group, gaps, _child(seed, 1000 * (k + 1) + g), d, cut, target)
        if cut < math.inf:
            _run_steady(plan, tot, sig, tails, _child(seed, 1000 * (k + 1) + 999), d, steady_s, target)
    incident_s = sum(s.seconds for s in plan.segments)
    quiet_s = max(0.0, plan.hi - plan.lo - incident_s - borrowed)
    quiet = {"seconds": quiet_s, "attainment": None, "bad_minutes": None, "sampled": 0}
    if quiet_s > 0:
        d = _replay_design(plan.design, all_paths, (), 0.0)
        nq = max(1, int(min(quiet_sample, quiet_s * plan.rps)))
        r = simulate(d, nq, seed, rps=plan.rps, timeline_s=BIN_S)
        w = quiet_s * plan.rps / nq
        tot.add_run(r, w)
        # each day's quiet seconds: its length less what the runs already credited to it
        per_day_s = np.zeros(days)
        spread(per_day_s, plan.lo, plan.hi, plan.lo, 1.0)
        q_day = np.maximum(per_day_s - tot.n / plan.rps, 0.0)
        q_day *= quiet_s / q_day.sum() if q_day.sum() > 0 else 0.0
        tot.n += q_day * plan.rps
        tot.good += q_day * plan.rps * r.slo_attainment
        tl = r.timeline()
        quiet.update(attainment=r.slo_attainment, sampled=nq,
                     bad_minutes=sum(row["slo_attainment"] < target for row in tl) / max(1, len(tl)))
    return tot, quiet


def run_brute(plan: ReplayPlan, seed: int = 0, degraded_error_rate: float = DEGRADED_ERROR_RATE) -> tuple[Totals, dict]:
    """Every request of the span simulated; one call per run of constant degraded set (the check)."""
    days = max(1, plan.days)
    tot = Totals(days)
    target = plan.design.context.slo.percentile / 100
    all_paths = [p for v in plan.dependents.values() for p in v]
    # runs: maximal stretches with one degraded set (quiet time has the empty set)
    cuts = [(plan.lo, frozenset())]
    for s in plan.segments:
        if s.degraded != cuts[-1][1]:
            cuts.append((s.start, s.degraded))
        if s.degraded:
            cuts.append((s.end, frozenset()))
    runs = []
    for (a, deg), (b, _) in zip(cuts, cuts[1:] + [(plan.hi, None)]):
        if b > a:
            if runs and runs[-1][2] == deg and runs[-1][1] == a:
                runs[-1] = (runs[-1][0], b, deg)
            else:
                runs.append((a, b, deg))
    for k, (a, b, deg) in enumerate(runs):
        d = _replay_design(plan.design, all_paths, deg, degraded_error_rate)
        segs = [s for s in plan.segments if s.start < b and s.end > a]
        outages = [Outage(p, max(s.start, a) - a, min(s.end, b) - max(s.start, a)) for s in segs for p in s.out]
        n = max(1, int(round((b - a) * plan.rps)))
        r = simulate(d, n, _child(seed, k), outages=outages, rps=plan.rps, timeline_s=BIN_S)
        tot.add_run(r)
        inc = [(max(s.start, a) - a, min(s.end, b) - a, max(s.start, a), True) for s in segs]
        # quiet and incident pieces interleaved in time order
        pieces, t = [], 0.0
        for s0, s1, real, _ in inc:
            if s0 > t:
                pieces.append((t, s0, a + t, False))
            pieces.append((s0, s1, real, True))
            t = s1
        if t < b - a:
            pieces.append((t, b - a, a + t, False))
        credit(tot, r, pieces, plan.lo, target)
    return tot, {"seconds": None, "attainment": None, "bad_minutes": None, "sampled": 0}


def replay(design, incidents: Any = "bundled", provider: str | None = None, *, since=None, until=None,
           seed: int = 0, method: str = "stratified", quiet_sample: int = QUIET_SAMPLE,
           degraded_error_rate: float = DEGRADED_ERROR_RATE, components: str | Iterable[str] = "api",
           rps: float | None = None):
    """Replay a real incident history against ``design`` at its traffic; see the module docstring.

    ``incidents``: ``"bundled"`` (542 public incidents), a file path, or an ``IncidentLog``.
    ``provider``: replay only that provider's incidents (default: every provider a path
    depends on). ``since`` / ``until``: the span (default: the provider's whole history, in
    whole UTC days). ``method="brute"`` simulates every request (slow; the check).
    """
    import time

    from ..incidents.overlap import provider_overlap
    from .replay_report import ReplayResult
    if isinstance(design, str) or hasattr(design, "__fspath__"):
        from ..design import Design
        design = Design.load(design)
    probs = []
    if method not in ("stratified", "brute"):
        probs.append(Problem("method", f"is {method!r}; expected 'stratified' or 'brute'"))
    probs += [p for p in (limits.DEGRADED_ERROR_RATE.problem(degraded_error_rate),
                          limits.QUIET_SAMPLE.problem(quiet_sample), limits.SEED.problem(seed)) if p]
    if probs:
        raise DesignError(probs)
    t0 = time.perf_counter()
    plan = plan_replay(design, incidents, provider, since=since, until=until, components=components, rps=rps)
    cost = (plan.hi - plan.lo if method == "brute" else
            sum(min(sg.seconds, FULL_S) + PREROLL_S + BIN_S for sg in plan.segments) + 2 * STEADY_S) * plan.rps
    if cost > MAX_SIMULATED:
        raise DesignError([Problem("rps", f"{plan.rps:,.6g} requests/s over this span would simulate about "
                                   f"{cost:,.0f} requests ({method}); expected under {MAX_SIMULATED:,}: lower the "
                                   "rate or shorten since/until")])
    if method == "brute":
        tot, quiet = run_brute(plan, seed, degraded_error_rate)
    else:
        tot, quiet = run_stratified(plan, seed, quiet_sample, degraded_error_rate)
    overlap = provider_overlap(plan.log, components)
    return ReplayResult(plan, tot, quiet, method, time.perf_counter() - t0, degraded_error_rate, overlap)
