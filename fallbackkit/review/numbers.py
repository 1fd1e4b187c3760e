"""The simulator's numbers as the critique reads them, through one adapter.

:meth:`SimulatedNumbers.from_result` is the only place that knows the simulator's result
attributes; when the result hands over a typed numbers object, that is the one change.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Iterable


@dataclass
class SimulatedNumbers:
    """The simulator's numbers the critique uses instead of declared arithmetic.

    Shares are fractions of all requests (0–1). Any field may be None: the critique then
    falls back to the declared arithmetic for that number. Build one from the simulator's
    result with :meth:`from_result`, or by hand.
    """

    slo_attainment: float | None = None       # share of requests within the SLO threshold
    unserved: float | None = None             # share of requests no path answered
    retry_share: float | None = None          # retries per request
    cost_per_1m_usd: float | None = None      # blended cost per 1M requests
    path_p99_ms: dict[str, float] = field(default_factory=dict)   # per path, as the user sees it
    path_share: dict[str, float] = field(default_factory=dict)    # per path, share of all requests
    path_p50_ms: dict[str, float] = field(default_factory=dict)   # per path, served median
    path_hedges: dict[str, float] = field(default_factory=dict)   # per path, hedged calls per request
    requests: int | None = None

    _NAMES = {
        "slo_attainment": ("slo_attainment", "attainment", "within_slo", "slo_met_share"),
        "unserved": ("unserved", "unserved_share", "unserved_fraction"),
        "retry_share": ("retry_share", "retries_per_request"),
        "cost_per_1m_usd": ("cost_per_1m_requests_usd", "cost_per_1m_usd", "blended_cost_per_1m_usd", "cost_per_1m"),
        "requests": ("requests", "n_requests", "n"),
    }

    @classmethod
    def _from_typed(cls, n) -> "SimulatedNumbers":
        """From the simulator's typed ``SimulationNumbers`` (``fk.simulate(...).numbers``): no guessing."""
        out = cls(slo_attainment=n.slo_attainment, unserved=n.unserved, retry_share=n.retry_share,
                  cost_per_1m_usd=n.cost_per_1m_requests_usd, requests=n.n_requests)
        for p in n.paths:
            out.path_share[p.id] = p.share
            out.path_hedges[p.id] = p.hedges
            for attr, target in (("p99", out.path_p99_ms), ("p50", out.path_p50_ms)):
                v = getattr(p.latency_ms, attr, None)
                if v is not None and math.isfinite(v):
                    target[p.id] = v
        return out

    @classmethod
    def from_result(cls, result: Any) -> "SimulatedNumbers":
        """Read a simulation result (object, dataclass or dict) by the names it likely uses.

        Reads the simulator's typed ``result.numbers`` (``SimulationNumbers``) when it has
        one; otherwise ``SimulationResult``-shaped objects (``slo_attainment``,
        ``unserved``, ``retry_share``, ``cost_per_1m_usd``, ``paths[*].share/.p99``), and
        plain dicts of the same shape. Overall shares above 1 are read as percent; per-path
        keys ending in ``%`` are percent.
        """
        if isinstance(result, SimulatedNumbers):
            return result
        typed = getattr(result, "numbers", result)
        if hasattr(typed, "share_by_path") and hasattr(typed, "paths"):
            return cls._from_typed(typed)
        data = _as_mapping(result)
        summary = data.get("summary") if isinstance(data.get("summary"), dict) else {}
        out = cls()
        for attr, names in cls._NAMES.items():
            v = _first(data, result, names)
            if v is None:
                v = _first(summary, None, names)
            if v is not None:
                if attr in ("slo_attainment", "unserved") and v > 1:
                    v = v / 100
                setattr(out, attr, int(v) if attr == "requests" else float(v))
        rows = getattr(result, "paths", None)
        if not isinstance(rows, (list, tuple, dict)):
            rows = _first(data, None, ("paths", "per_path", "path_results"), numeric=False)
        if isinstance(rows, dict):
            rows = [{"id": k, **_as_mapping(v)} for k, v in rows.items()]
        for row in rows or []:
            r = _as_mapping(row)
            pid = r.get("id") or r.get("path")
            if not pid or not isinstance(pid, str):
                continue
            share = _pick(r, ("share", "served_share"))
            share_pct = _pick(r, ("share %", "serves %"))
            p99 = _pick(r, ("p99_ms", "p99", "p99 ms"))
            p50 = _pick(r, ("p50_ms", "p50", "p50 ms"))
            hedges = _pick(r, ("hedges", "hedges_per_request"))
            if p50 is not None and math.isfinite(p50):
                out.path_p50_ms[pid] = p50
            if hedges is not None:
                out.path_hedges[pid] = hedges
            if share_pct is not None:
                out.path_share[pid] = share_pct / 100
            elif share is not None:
                out.path_share[pid] = share / 100 if share > 1 else share
            if p99 is not None and math.isfinite(p99):
                out.path_p99_ms[pid] = p99
        return out


def _pick(row: dict, keys: Iterable[str]) -> float | None:
    for k in keys:
        v = _num(row.get(k))
        if v is not None:
            return v
    return None


def _as_mapping(obj: Any) -> dict:
    if isinstance(obj, dict):
        return obj
    for name in ("to_dict", "model_dump"):
        fn = getattr(obj, name, None)
        if callable(fn):
            try:
                d = fn()
                if isinstance(d, dict):
                    return d
            except TypeError:
                pass
    if hasattr(obj, "__dataclass_fields__"):
        return {k: getattr(obj, k) for k in obj.__dataclass_fields__}
    return {}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, numbers.Real) and not isinstance(v, bool) else None


def _first(data: dict, obj: Any, names: Iterable[str], numeric: bool = True):
    for n in names:
        v = data.get(n)
        if v is None and obj is not None:
            v = getattr(obj, n, None)
        if v is None or callable(v):
            continue
        if not numeric:
            return v
        x = _num(v)
        if x is not None:
            return x
    return None
