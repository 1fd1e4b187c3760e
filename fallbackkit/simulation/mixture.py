"""A mixture of strata: simulate the parts of a long span apart, and weigh them back together.

A year at 2M requests a day is 730M requests, most of them in quiet time that looks alike.
Simulate each *stratum* — a stretch of time with its own outage and degradation windows, or
the quiet remainder — with enough requests for its own numbers, then :func:`combine` the
results, each weighted by the share of the span's requests it stands for. Shares, rates and
costs are weighted means; percentiles come from the weighted sum of the normalised latency
histograms (the same bins in every run), so they are exact for the mixture, up to each
stratum's Monte-Carlo error::

    quiet = simulate(design, 2_000_000, seed=1)
    storm = simulate(design, 200_000, seed=2, outages=[Outage("primary", 600, 3600)], rps=rate)
    n = combine([quiet, storm], weights=[1 - f, f])     # f: share of the year's requests in storms
    n.latency_ms.p999, n.slo_attainment

A stratum with windows should cover them with some traffic before and after (a breaker needs
its window to fill, and is open after), and its weight is the share of requests in that span.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .figures import PathNumbers, Percentiles, SimulationNumbers, StreamingNumbers, frozen_map
from .histogram import QUANTILES, hist_quantile
from .result import SimulationResult


def _mix(values: Sequence[float], w: np.ndarray) -> float:
    return float(sum(wi * v for wi, v in zip(w, values)))


def _pct(hists: Sequence[np.ndarray], w: np.ndarray) -> Percentiles:
    row = sum(wi * h / max(h.sum(), 1) for wi, h in zip(w, hists))
    return Percentiles.from_dict({name: hist_quantile(row, q) for name, q in QUANTILES})


def _streaming(results, w, partial) -> StreamingNumbers | None:
    st = [r.numbers.streaming for r in results]
    if all(s is None for s in st):
        return None
    if any(s is None for s in st):
        raise ValueError("strata disagree on which paths stream; expected the same design in every stratum")
    broken = _mix([s.broken_share for s in st], w)
    done = _mix([s.broken_share * s.continuation_complete_share if s.broken_share else 0.0 for s in st], w)
    return StreamingNumbers(
        streamed_share=_mix([s.streamed_share for s in st], w), broken_share=broken, partial_share=partial,
        continuation=st[0].continuation,
        continuation_calls_per_request=_mix([s.continuation_calls_per_request for s in st], w),
        continuation_cost_per_1m_requests_usd=_mix([s.continuation_cost_per_1m_requests_usd for s in st], w),
        continuation_ttlt_ms=_pct([r._acc.cont_hist for r in results],
                                  w * np.array([s.broken_share * (s.continuation_complete_share if s.broken_share else 0)
                                                for s in st])),
        continuation_complete_share=done / broken if broken else math.nan)


def combine(results: Sequence[SimulationResult], weights: Sequence[float], *,
            n_requests: int | None = None) -> SimulationNumbers:
    """The numbers of a span made of strata: ``results[i]`` stands for ``weights[i]`` of its requests.

    ``weights`` are normalised to sum to 1. ``n_requests`` (default: the results' total) is
    the span's request count: counts (mode hits, breaker trips) and simulated time are scaled
    to it. Every result must come from the same design (same paths and SLO).
    """
    if not results or len(results) != len(weights):
        raise ValueError(f"{len(results)} results and {len(weights)} weights; expected one weight per result")
    w = np.asarray(weights, dtype=float)
    if not (np.all(np.isfinite(w)) and np.all(w >= 0) and w.sum() > 0):
        raise ValueError(f"weights {list(weights)}; expected finite shares ≥ 0, not all 0")
    w = w / w.sum()
    ids = [p.id for p in results[0].paths]
    if any([p.id for p in r.paths] != ids or r.slo != results[0].slo for r in results):
        raise ValueError("results come from different designs; expected the same paths and SLO in every stratum")
    nums = [r.numbers for r in results]
    total = int(n_requests) if n_requests is not None else sum(r.n_requests for r in results)
    scale = [wi * total / r.n_requests for wi, r in zip(w, results)]    # requests each simulated one stands for
    mix = lambda attr: _mix([getattr(x, attr) for x in nums], w)       # noqa: E731
    att = mix("slo_attainment")
    allowed = 1 - nums[0].slo_percentile / 100
    paths = []
    for k, pid in enumerate(ids):
        ps = [x.paths[k] for x in nums]
        paths.append(PathNumbers(
            id=pid, reach=_mix([p.reach for p in ps], w), share=_mix([p.share for p in ps], w),
            skipped=_mix([p.skipped for p in ps], w), calls_per_request=_mix([p.calls_per_request for p in ps], w),
            retries=_mix([p.retries for p in ps], w), hedges=_mix([p.hedges for p in ps], w),
            cost_per_1m_requests_usd=_mix([p.cost_per_1m_requests_usd for p in ps], w),
            latency_ms=_pct([r.hist[k + 1] for r in results], w * np.array([p.share for p in ps])),
            breaker_trips=int(round(sum(s * p.breaker_trips for s, p in zip(scale, ps)))),
            partial_share=_mix([p.partial_share for p in ps], w)))
    partial = mix("partial_share")
    return SimulationNumbers(
        n_requests=total, seed=nums[0].seed,
        simulated_seconds=float(sum(s * x.simulated_seconds for s, x in zip(scale, nums))),
        slo_metric=nums[0].slo_metric, slo_threshold_ms=nums[0].slo_threshold_ms, slo_percentile=nums[0].slo_percentile,
        latency_ms=_pct([r.all_hist for r in results], w), ttft_ms=_pct([r.ttft_hist.sum(axis=0) for r in results], w),
        ttlt_ms=_pct([r.ttlt_hist.sum(axis=0) for r in results], w),
        slo_attainment=att, slo_attainment_ttft=mix("slo_attainment_ttft"), slo_attainment_ttlt=mix("slo_attainment_ttlt"),
        error_budget_burn=(1 - att) / allowed if allowed > 0 else math.inf,
        served=mix("served"), unserved=mix("unserved"),
        share_by_path=frozen_map({p.id: p.share for p in paths}), calls_per_request=mix("calls_per_request"),
        calls_by_path=frozen_map({p.id: p.calls_per_request for p in paths}),
        retry_share=mix("retry_share"), retry_budget=nums[0].retry_budget,
        cost_per_1m_requests_usd=mix("cost_per_1m_requests_usd"),
        mode_hits=frozen_map({m: int(round(sum(s * x.mode_hits[m] for s, x in zip(scale, nums)))) for m in nums[0].mode_hits}),
        partial_share=partial, paths=tuple(paths), streaming=_streaming(results, w, partial))
