"""A design compiled into arrays the engine runs: cause codes, per-path plans, outage windows.

:func:`compile_plan` turns a :class:`~fallbackkit.design.Design` into a :class:`Plan`;
:func:`plan_problems` lists everything that stops a design from being simulated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .. import latency as _lat
from ..problems import DesignError, Problem
from .limits import DURATION_S, N_REQUESTS, START_S, Limit
from .limits import is_number as _is_number
from .limits import shown as _show
from ..taxonomy import Category
from .draws import fast

# cause codes of one attempt on one path
OK, MISS, SKIP, ERROR, TIMEOUT, OUTAGE = 0, 1, 2, 3, 4, 5
MODE0 = 8  # injected failure mode m has code MODE0 + m
PERSISTENT = {Category.context_window, Category.policy_violation, Category.confidence_drop,
              Category.provider_outage}
NEVER_ANSWERS = {Category.latency_breach}
#: a provider that is down never answers: the call fails at the path's timeout (at the drawn latency without one)
FAILS_AT_TIMEOUT = {Category.provider_outage}
BREAKER_COUNTS = {Category.latency_breach, Category.resource_exhaustion, Category.dependency_failure,
                  Category.provider_outage, Category.other}
DEFAULT_CHUNK = 1 << 16   # 64k requests: arrays stay in cache; memory a few MB


@dataclass(frozen=True)
class Outage:
    """A window of simulated time when every call to ``path`` fails (a provider down)."""

    path: str
    start_s: float
    duration_s: float

    @classmethod
    def parse(cls, text: str) -> "Outage":
        """``primary:60m:20m`` → path primary down from minute 60 for 20 minutes (s, m, h units).

        Raises :class:`DesignError` with one problem at ``outage`` saying which part is wrong.
        """
        parts = text.split(":")
        if len(parts) != 3 or not parts[0]:
            raise DesignError([Problem("outage", f"{text!r}: expected PATH:START:DURATION, e.g. primary:60m:20m")])
        return cls(parts[0], _seconds(parts[1], text, START_S, "a start ≥ 0"),
                   _seconds(parts[2], text, DURATION_S, "a duration > 0"))


@dataclass(frozen=True)
class Degradation:
    """A window when ``path`` is degraded, not down: calls fail more often and answer slower.

    While ``start_s ≤ t < start_s + duration_s`` every call to the path (first attempts,
    retries and hedges) fails with an extra ``error_rate`` (a 5xx, when the answer would have
    come) and every latency is multiplied by ``latency_factor``. Pass it in ``outages=``
    beside :class:`Outage` windows (an Outage is a degradation that fails every call).
    """

    path: str
    start_s: float
    duration_s: float
    error_rate: float = 0.0
    latency_factor: float = 1.0


def _seconds(part: str, whole: str, limit: Limit, what: str) -> float:
    """One time of ``PATH:START:DURATION``: a finite number (at most 1e9) with an optional unit s, m or h."""
    units = {"s": 1, "m": 60, "h": 3600}
    number = part[:-1] if part[-1:] in units else part
    try:
        value = float(number.replace("_", "")) if number else math.nan
    except ValueError:
        value = None
    if value is None or (number and not math.isfinite(value)):
        why = "a number" if value is None else "a finite number"
        # the words `--outage` has always printed (the part that is no number, then what a time is)
        raise DesignError([Problem("outage", f"{number!r} is not {why}; expected {what} such as 90s, 20m or 1h")])
    seconds = value * units.get(part[-1:], 1)
    if not limit.allows(seconds) or value > 1e9:
        raise DesignError([Problem("outage", f"{whole!r}: {part!r} is not {what} such as 90s, 20m or 1h")])
    return seconds


@dataclass
class PathPlan:
    """One fallback path as the engine sees it: sampler, limits, routing tables per cause code."""

    index: int
    id: str
    name: str
    kind: str
    sampler: Any
    timeout: float
    coverage: float
    error_rate: float
    cost: float
    max_retries: int = 0
    backoff_base: float = 0.0
    backoff_cap: float = 0.0
    jitter: bool = False
    retry_on: set = field(default_factory=set)
    hedge_after: float = 0.0
    max_hedges: int = 0
    breaker: Any = None
    mode_codes: np.ndarray = None          # codes of the modes occurring here
    mode_cum: np.ndarray = None            # cumulative occurrence (first attempt)
    transient_cum: np.ndarray = None       # cumulative occurrence of transient modes only
    transient_codes: np.ndarray = None
    # one uniform decides a call's cause before it is made: the modes, then an error (conditional on
    # no mode), as cumulative thresholds; past the last one: OK. Coverage is drawn apart, once per
    # request (attempts.pre_causes): it is a property of the request, so it holds for hedges and retries
    first_cum: np.ndarray = None
    first_codes: np.ndarray = None         # len(first_cum) + 1, the last OK
    retry_cum: np.ndarray = None           # a retry: transient modes, then an error (the coverage verdict stands)
    retry_codes: np.ndarray = None
    route: np.ndarray = None               # cause code → next path index
    retryable: np.ndarray = None           # cause code → bool
    counts_for_breaker: np.ndarray = None  # cause code → bool
    never_answers: np.ndarray = None       # cause code → bool
    persistent: np.ndarray = None          # cause code → bool: holds for the request's retries and hedges
    outages: list = field(default_factory=list)  # [(start_s, end_s)]
    degradations: list = field(default_factory=list)  # [(start_s, end_s, error_rate, latency_factor)]
    stream: "StreamPlan | None" = None      # the path streams: what happens after the first token


@dataclass
class StreamPlan:
    """A streaming path after its first token: generation time, mid-stream failures, continuation."""

    sampler: Any          # time from first to last token, ms
    error_rate: float     # started streams that error after the first token
    stall_rate: float     # started streams whose tokens stop
    stall_timeout: float  # ms of silence before a stall is cut (inf: never)
    continuation: bool    # re-request the rest on the same path


@dataclass
class Plan:
    """Everything the engine needs from a design, compiled once."""

    paths: list[PathPlan]
    modes: list[Any]
    n_codes: int
    rate: float
    bucket_s: float
    retry_budget: float
    threshold_ms: float
    percentile: float
    slo_metric: str = "end_to_end"    # or "time_to_first_token": which latency the SLO counts

    @property
    def streams(self) -> bool:
        """Some path streams (time to last token differs from time to first token)."""
        return any(p.stream is not None for p in self.paths)


def _category_of_code(code: int, modes) -> str | None:
    if code == ERROR:
        return Category.dependency_failure
    if code == TIMEOUT:
        return Category.latency_breach
    if code == OUTAGE:
        return Category.provider_outage
    if code >= MODE0:
        return modes[code - MODE0].category
    return None


#: limits that keep simulated time and bucket numbers exact in float64 / int64 (and runs finite)
MAX_SPAN_S = 100 * 365.25 * 86400        # a century of simulated traffic
MIN_STEP_S = 1e-3                        # smallest bucket or timeline bin


def _argument_problems(n_requests, rps, bucket_s, chunk_size, timeline_s, design) -> list[Problem]:
    """The simulator's own arguments: finite, in range, and a simulated span that fits."""
    out: list[Problem] = []
    n_ok = N_REQUESTS.allows(n_requests)
    if not n_ok:
        out.append(N_REQUESTS.problem(n_requests))
    rps_ok = rps is None or (_is_number(rps) and math.isfinite(rps) and rps > 0)
    if not rps_ok:
        out.append(Problem("rps", f"is {_show(rps)}; expected a finite number of requests per second > 0"))
    for name, v in (("bucket_s", bucket_s), ("timeline_s", timeline_s)):
        if not (_is_number(v) and math.isfinite(v) and MIN_STEP_S <= v <= MAX_SPAN_S):
            out.append(Problem(name, f"is {v!r}; expected seconds between {MIN_STEP_S:g} and {MAX_SPAN_S:.3g}"))
    if not (isinstance(chunk_size, (int, np.integer)) and not isinstance(chunk_size, bool) and chunk_size > 0):
        out.append(Problem("chunk_size", f"is {chunk_size!r}; expected a whole number > 0"))
    if n_ok and rps_ok:
        rate = rps if rps is not None else design.context.traffic.requests_per_day / 86400
        span = n_requests / rate
        if not span <= MAX_SPAN_S:
            where = "rps" if rps is not None else "context.traffic.requests_per_day"
            out.append(Problem(where, f"{n_requests:,.0f} requests at {rate:.3g} requests/s span {span / 31557600:.3g} "
                                      f"years of simulated time; expected at most 100 years: raise the rate or "
                                      "simulate fewer requests"))
    return out


def plan_problems(design, n_requests: Any = 1, outages: Sequence[Outage] = (), rps: float | None = None,
                  bucket_s: float = 1.0, chunk_size: int = DEFAULT_CHUNK, timeline_s: float = 60.0) -> list[Problem]:
    """Everything that stops a design from being simulated, as Problems (empty when fine)."""
    out = _argument_problems(n_requests, rps, bucket_s, chunk_size, timeline_s, design)
    # only what simulation needs: a sound matrix and references that land (every mode routed
    # by the workflow, every mitigation path known); a design unfinished elsewhere still runs
    out += [Problem(f"matrix.{p.path}" if p.path else "matrix", p.message) for p in design.matrix.problems()]
    out += design.reference_problems()
    m = design.matrix
    order = {p.id: i for i, p in enumerate(m.paths)}
    if not m.paths:
        return out
    for i, p in enumerate(m.paths):
        out += _lat.profile_problems(p.latency, f"matrix.paths[{i}].latency")
        if p.stream is not None:
            out += _lat.profile_problems(p.stream.duration, f"matrix.paths[{i}].stream.duration")
    per_path: dict[str, float] = {}
    for i, mode in enumerate(design.taxonomy.modes):
        where = f"taxonomy.modes[{i}]"
        on = mode.occurs_on or m.paths[0].id
        if on not in order or mode.mitigation.path not in order:
            continue  # reported by design.problems()
        per_path[on] = per_path.get(on, 0.0) + mode.occurrence
        if order[mode.mitigation.path] <= order[on]:
            out.append(Problem(f"{where}.mitigation.path",
                               f"failure mode {mode.id!r} cannot be served: it occurs on {on!r} and its mitigation "
                               f"{mode.mitigation.path!r} does not come after it in the chain "
                               f"({' → '.join(order)}); expected a later path"))
        if mode.category == Category.latency_breach and mode.occurrence > 0 and m.paths[order[on]].timeout_ms is None:
            out.append(Problem(f"matrix.paths[{order[on]}].timeout_ms",
                               f"failure mode {mode.id!r} (latency_breach) occurs on {on!r}, which has no timeout, "
                               "so a slow call is never cut and the fallback never runs; expected a timeout_ms"))
    for pid, total in per_path.items():
        if total > 1 + 1e-12:
            out.append(Problem("taxonomy.modes", f"occurrence rates of the modes on path {pid!r} sum to {total:g}; "
                               "expected a total between 0 and 1 (they are per-request probabilities)"))
    for j, o in enumerate(outages):
        if o.path not in order:
            out.append(Problem(f"outages[{j}].path", f"unknown fallback path {o.path!r}; expected one of {sorted(order)}"))
        out += [p for p in (START_S.problem(o.start_s, f"outages[{j}].start_s"),
                            DURATION_S.problem(o.duration_s, f"outages[{j}].duration_s")) if p]
        if isinstance(o, Degradation):
            if not (_is_number(o.error_rate) and 0 <= o.error_rate <= 1):
                out.append(Problem(f"outages[{j}].error_rate", f"is {o.error_rate!r}; expected a share between 0 and 1"))
            if not (_is_number(o.latency_factor) and math.isfinite(o.latency_factor) and o.latency_factor > 0):
                out.append(Problem(f"outages[{j}].latency_factor",
                                   f"is {o.latency_factor!r}; expected a finite factor > 0 (1 = unchanged)"))
    return out


def compile_plan(design, outages, rps, bucket_s) -> Plan:
    """Compile ``design`` (already checked by :func:`plan_problems`) into a :class:`Plan`."""
    m, modes = design.matrix, list(design.taxonomy.modes)
    order = {p.id: i for i, p in enumerate(m.paths)}
    n_codes = MODE0 + len(modes)
    P = len(m.paths)
    paths = []
    for i, p in enumerate(m.paths):
        cp = PathPlan(index=i, id=p.id, name=p.name, kind=p.kind, sampler=fast(_lat.for_latency(p.latency)),
                   timeout=p.timeout_ms if p.timeout_ms is not None else math.inf,
                   coverage=p.coverage_pct / 100.0, error_rate=p.error_rate, cost=p.cost_per_1m_usd)
        if p.retry:
            cp.max_retries, cp.backoff_base, cp.backoff_cap = p.retry.max_retries, p.retry.backoff_base_ms, p.retry.backoff_max_ms
            cp.jitter, cp.retry_on = p.retry.jitter, set(p.retry.on)
        if p.hedge:
            cp.hedge_after, cp.max_hedges = p.hedge.after_ms, p.hedge.max_hedges
        cp.breaker = p.circuit_breaker
        if p.stream is not None:
            st = p.stream
            cp.stream = StreamPlan(sampler=fast(_lat.for_latency(st.duration)), error_rate=st.midstream_error_rate,
                                   stall_rate=st.stall_rate, continuation=st.continuation,
                                   stall_timeout=st.stall_timeout_ms if st.stall_timeout_ms is not None else math.inf)
        here = [(k, md) for k, md in enumerate(modes) if (md.occurs_on or m.paths[0].id) == p.id]
        cp.mode_codes = np.array([MODE0 + k for k, _ in here], dtype=np.int16)
        cp.mode_cum = np.cumsum([md.occurrence for _, md in here]) if here else np.zeros(0)
        tr = [(k, md) for k, md in here if md.category not in PERSISTENT]
        cp.transient_codes = np.array([MODE0 + k for k, _ in tr], dtype=np.int16)
        cp.transient_cum = np.cumsum([md.occurrence for _, md in tr]) if tr else np.zeros(0)
        occ = [md.occurrence for _, md in here]
        rest = 1.0 - sum(occ)
        cp.first_cum = np.cumsum(occ + [rest * cp.error_rate])
        cp.first_codes = np.array([MODE0 + k for k, _ in here] + [ERROR, OK], dtype=np.int16)
        occ_t = [md.occurrence for _, md in tr]
        cp.retry_cum = np.cumsum(occ_t + [(1.0 - sum(occ_t)) * cp.error_rate])
        cp.retry_codes = np.array([MODE0 + k for k, _ in tr] + [ERROR, OK], dtype=np.int16)
        route = np.full(n_codes, i + 1, dtype=np.int16)
        for k, md in here:
            route[MODE0 + k] = order[md.mitigation.path]
        outage_modes = [md for _, md in here if md.category == Category.provider_outage]
        if outage_modes:
            route[OUTAGE] = route[SKIP] = order[outage_modes[0].mitigation.path]
        cp.route = np.minimum(route, P)
        cp.route[OK] = P + 1                   # served: past every path (the engine never routes it)
        cats = [_category_of_code(c, modes) for c in range(n_codes)]
        cp.retryable = np.array([c is not None and c in cp.retry_on for c in cats])
        cp.counts_for_breaker = np.array([c in BREAKER_COUNTS for c in cats])
        # an outage (window or injected provider_outage mode) fails at the timeout, like a latency breach
        cp.persistent = np.array([c in (MISS, OUTAGE) or (c >= MODE0 and cats[c] in PERSISTENT)
                                  for c in range(n_codes)])
        cp.never_answers = np.array([c in NEVER_ANSWERS or (c in FAILS_AT_TIMEOUT and math.isfinite(cp.timeout))
                                     for c in cats])
        cp.outages = sorted((o.start_s, o.start_s + o.duration_s) for o in outages
                            if o.path == p.id and not isinstance(o, Degradation))
        cp.degradations = sorted((o.start_s, o.start_s + o.duration_s, o.error_rate, o.latency_factor)
                                 for o in outages if o.path == p.id and isinstance(o, Degradation))
        paths.append(cp)
    rate = rps if rps is not None else design.context.traffic.requests_per_day / 86400.0
    return Plan(paths=paths, modes=modes, n_codes=n_codes, rate=float(rate), bucket_s=float(bucket_s),
                 retry_budget=m.retry_budget_pct / 100.0, threshold_ms=design.context.slo.threshold_ms,
                 percentile=design.context.slo.percentile, slo_metric=design.context.slo.metric)
