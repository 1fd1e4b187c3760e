"""The numbers a simulation derived, as typed, frozen values (what the critique reads).

``simulate(...).numbers`` is a :class:`SimulationNumbers`; every latency is in ms and
"as the user sees it" (time on earlier paths included), every share is of *all* requests
unless its name says otherwise, every cost is USD per 1M requests::

    n = fk.simulate(design, 200_000, seed=1).numbers
    n.latency_ms.p999, n.slo_attainment, n.share_by_path["cache"], n.partial_share
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class Percentiles:
    """p50, p95, p99 and p99.9 of one latency, ms (NaN when nothing was measured; ∞ past 10⁷ ms)."""

    p50: float
    p95: float
    p99: float
    p999: float

    @classmethod
    def from_dict(cls, d: Mapping[str, float]) -> "Percentiles":
        return cls(p50=d["p50"], p95=d["p95"], p99=d["p99"], p999=d["p99.9"])

    def as_dict(self) -> dict[str, float]:
        return {"p50": self.p50, "p95": self.p95, "p99": self.p99, "p99.9": self.p999}


@dataclass(frozen=True)
class PathNumbers:
    """One fallback path's part of the run."""

    id: str
    reach: float                     # share of requests that reached the path
    share: float                     # share of requests it served (first token sent)
    skipped: float                   # share of requests that found its breaker open
    calls_per_request: float         # its calls per request: retries, hedges, continuations included
    retries: float                   # its retries per request
    hedges: float                    # its hedged calls per request
    cost_per_1m_requests_usd: float  # its part of the cost: calls per request × its price per 1M calls
    latency_ms: Percentiles          # of the requests it served, in the SLO's metric
    breaker_trips: int
    partial_share: float             # share of requests it left with a partial answer (streaming paths)


@dataclass(frozen=True)
class StreamingNumbers:
    """What happens after the first token, on the paths that stream.

    A gateway cannot fall back once the first token is sent: a stream that errors or stalls
    after it leaves a *partial* answer, unless a continuation re-requests the rest. The
    ``continuation_*`` numbers say what that retry costs whether or not the design uses it.
    """

    streamed_share: float                        # requests served by a streaming path
    broken_share: float                          # requests whose stream errored or stalled after the first token
    partial_share: float                         # requests left with a partial answer (after continuations)
    continuation: bool                           # the design re-requests the rest (some streaming path)
    continuation_calls_per_request: float        # calls a continuation retry makes (one per broken stream the gateway saw end)
    continuation_cost_per_1m_requests_usd: float  # their price: calls per request × the path's price per 1M calls
    continuation_ttlt_ms: Percentiles            # time to last token of the broken streams, had the rest been re-requested
    continuation_complete_share: float           # of the broken streams, share a continuation would complete
    # a continuation is one more call on the same path: a new first token, then the rest of the answer;
    # it fails like the path's first attempt (error_rate) or breaks again (the mid-stream rates)


@dataclass(frozen=True)
class SimulationNumbers:
    """Every headline number of one run (see :class:`~fallbackkit.simulation.SimulationResult`)."""

    n_requests: int
    seed: int
    simulated_seconds: float
    slo_metric: str                    # "time_to_first_token" or "end_to_end" (time to last token)
    slo_threshold_ms: float
    slo_percentile: float              # e.g. 99.9
    latency_ms: Percentiles            # all requests, in the SLO's metric (unserved: when they gave up)
    ttft_ms: Percentiles               # time to first token (to the whole answer on a path that does not stream)
    ttlt_ms: Percentiles               # time to last token (partial answers: when their stream ended)
    slo_attainment: float              # share of requests good by the SLO's metric
    slo_attainment_ttft: float         # … were the SLO on the first token
    slo_attainment_ttlt: float         # … were the SLO on the complete answer (a partial answer is bad)
    error_budget_burn: float           # bad share ÷ allowed bad share; 1.0 spends the budget exactly
    served: float
    unserved: float
    share_by_path: Mapping[str, float]
    calls_per_request: float           # all paths
    calls_by_path: Mapping[str, float]
    retry_share: float                 # retries per request, all paths
    retry_budget: float                # the matrix's retry budget, as a share of requests
    cost_per_1m_requests_usd: float
    mode_hits: Mapping[str, int]       # first attempts each failure mode was observed on
    partial_share: float               # requests left with a partial answer (0 when nothing streams)
    paths: tuple[PathNumbers, ...]
    streaming: StreamingNumbers | None  # None when no path streams

    def as_dict(self) -> dict:
        """Plain nested dicts and lists (percentiles keyed p50…p99.9), for JSON."""
        return _plain(self)

    def path(self, path_id: str) -> PathNumbers:
        for p in self.paths:
            if p.id == path_id:
                return p
        raise KeyError(path_id)


def frozen_map(d: Mapping) -> Mapping:
    """A read-only view of a copy of ``d`` (the numbers object stays immutable)."""
    return MappingProxyType(dict(d))


def _plain(v):
    if isinstance(v, Percentiles):
        return v.as_dict()
    if is_dataclass(v):
        return {f.name: _plain(getattr(v, f.name)) for f in fields(v)}
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (tuple, list)):
        return [_plain(x) for x in v]
    return v
