"""Latency models: turn the distribution specs of a design into numbers you can sample.

Every spec in :mod:`fallbackkit.distributions` becomes a :class:`Sampler` with
``sample(rng, n)`` (vectorised, numpy) and, where a closed form exists, ``quantile(q)``::

    from fallbackkit import latency
    mu, sigma = latency.fit_lognormal(40, 180)      # p50 = 40 ms, p99 = 180 ms
    s = latency.sampler({"kind": "lognormal", "p50_ms": 40, "p99_ms": 180})
    s.quantile(0.999)                               # 295 ms, from the fit
    latency.profiles()                               # ['anyscale_13b_e2e', ..., 'together_7b_ttft']
    latency.sampler({"kind": "profile", "name": "groq_70b_ttft"})   # real measurements

A path that declares only percentiles (``latency: {p50_ms: 70, p95_ms: 110, p99_ms: 400}``)
is sampled from a *piecewise lognormal*: log-latency is linear in the normal score between
the declared percentiles, so every declared percentile is reproduced exactly, and two
declared percentiles give exactly the lognormal through them.

Empirical profiles come from real per-request measurements of LLM APIs (llmperf,
December 2023, Apache-2.0; see ``fallbackkit/data/profiles/NOTICE``). They are resampled
by interpolating the sorted measurements at a uniform draw, so draws are continuous but
never leave the measured range (the max of 150 requests is the tail: say so when you
quote a p99.9 from a profile).

numpy is imported here, never by ``import fallbackkit``.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from statistics import NormalDist
from typing import Any

import numpy as np

from .distributions import Constant, LogNormal, Mixture, Profile, Shifted
from .problems import DesignError, Problem

_N = NormalDist()
#: normal score of each declared percentile
Z = {50: 0.0, 95: _N.inv_cdf(0.95), 99: _N.inv_cdf(0.99)}
METRICS = {"ttft": "ttft_ms", "e2e": "e2e_ms"}


def z_of(q: float) -> float:
    """Normal score of a quantile level in (0, 1)."""
    return _N.inv_cdf(q)


# -- lognormal fitted from two percentiles -----------------------------------------------------
def fit_lognormal(p50_ms: float, p99_ms: float, q: float = 0.99) -> tuple[float, float]:
    """(mu, sigma) of the lognormal whose median is ``p50_ms`` and whose ``q`` quantile is ``p99_ms``.

    >>> mu, sigma = fit_lognormal(100, 100 * math.exp(2.3263478740408408))
    >>> round(sigma, 6)
    1.0
    """
    probs = []
    if not (p50_ms > 0):
        probs.append(Problem("p50_ms", f"is {p50_ms!r}; expected a latency > 0 ms"))
    if not (p99_ms > 0):
        probs.append(Problem("p99_ms", f"is {p99_ms!r}; expected a latency > 0 ms"))
    if not (0.5 < q < 1):
        probs.append(Problem("q", f"is {q!r}; expected a quantile level between 0.5 and 1"))
    if not probs and p99_ms < p50_ms:
        probs.append(Problem("p99_ms", f"({p99_ms:g}) is below p50_ms ({p50_ms:g}); expected p50_ms ≤ p99_ms"))
    if probs:
        raise DesignError(probs)
    return math.log(p50_ms), math.log(p99_ms / p50_ms) / z_of(q)


def lognormal_quantile(p50_ms: float, p99_ms: float, q: float) -> float:
    """Closed-form ``q`` quantile of the lognormal through (p50, p99)."""
    mu, sigma = fit_lognormal(p50_ms, p99_ms)
    return math.exp(mu + sigma * z_of(q))


# -- bundled empirical profiles ------------------------------------------------------------------
def _profile_dir():
    return resources.files("fallbackkit") / "data" / "profiles"


@lru_cache(maxsize=1)
def _profile_files() -> dict[str, str]:
    return {p.name[:-5]: p.name for p in _profile_dir().iterdir() if p.name.endswith(".json")}


def profiles() -> list[str]:
    """Names usable as ``{kind: profile, name: ...}``: ``<provider>_<size>_ttft`` or ``_e2e``."""
    return sorted(f"{base}_{m}" for base in _profile_files() for m in METRICS)


@lru_cache(maxsize=64)
def _profile_raw(base: str) -> dict[str, Any]:
    return json.loads((_profile_dir() / _profile_files()[base]).read_text())


def profile_info(name: str) -> dict[str, Any]:
    """Source, request and error counts of a profile (its attribution travels with it)."""
    base, metric = _split_profile(name)
    raw = _profile_raw(base)
    return {"name": name, "source": raw["source"], "requests": raw["requests"], "errors": raw["errors"],
            "error_share": raw["errors"] / raw["requests"] if raw["requests"] else 0.0,
            "metric": "time_to_first_token" if metric == "ttft" else "end_to_end"}


def load_profile(name: str) -> np.ndarray:
    """The sorted measured latencies (ms) of a profile; DesignError for an unknown name."""
    base, metric = _split_profile(name)
    return np.asarray(_profile_raw(base)[METRICS[metric]], dtype=float)


def _split_profile(name: str) -> tuple[str, str]:
    base, _, metric = name.rpartition("_")
    if metric not in METRICS or base not in _profile_files():
        close = [p for p in profiles() if name.split("_")[0] in p][:6] or profiles()[:6]
        raise DesignError([Problem("name", f"unknown latency profile {name!r}; expected one of "
                                   f"fallbackkit.latency.profiles(), e.g. {', '.join(close)}")])
    return base, metric


# -- samplers -------------------------------------------------------------------------------------
class Sampler:
    """Draws latencies in ms. ``quantile`` is exact where a closed form exists."""

    description = "latency"

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def quantile(self, q: float) -> float | None:
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.description}>"


class ConstantSampler(Sampler):
    def __init__(self, ms: float):
        self.ms = float(ms)
        self.description = f"constant {self.ms:g} ms"

    def sample(self, rng, n):
        return np.full(n, self.ms)

    def quantile(self, q):
        return self.ms


class PiecewiseLogNormal(Sampler):
    """log(latency) linear in the normal score through declared (z, ms) knots; lognormal tails."""

    def __init__(self, knots: list[tuple[float, float]], description: str = ""):
        knots = sorted(knots)
        self.z = np.array([k[0] for k in knots])
        self.logq = np.log([k[1] for k in knots])
        if len(knots) == 1:
            self.slopes = (0.0, 0.0)
        else:
            self.slopes = ((self.logq[1] - self.logq[0]) / (self.z[1] - self.z[0]),
                           (self.logq[-1] - self.logq[-2]) / (self.z[-1] - self.z[-2]))
        self.description = description or "piecewise lognormal"
        # the same function as knots extended linearly far beyond any normal draw (|z| ≤ 40): one interp
        zf = 40.0 + abs(float(self.z[0])) + abs(float(self.z[-1]))
        self._zx = np.concatenate([[-zf], self.z, [zf]])
        self._lx = np.concatenate([[self.logq[0] + (-zf - self.z[0]) * self.slopes[0]], self.logq,
                                   [self.logq[-1] + (zf - self.z[-1]) * self.slopes[1]]])

    def _from_z(self, z):
        z = np.asarray(z, dtype=float)
        out = np.interp(z, self.z, self.logq)
        lo, hi = z < self.z[0], z > self.z[-1]
        out = np.where(lo, self.logq[0] + (z - self.z[0]) * self.slopes[0], out)
        out = np.where(hi, self.logq[-1] + (z - self.z[-1]) * self.slopes[1], out)
        return np.exp(out)

    def sample(self, rng, n):
        z = rng.standard_normal(n)
        if len(self.z) == 2:  # a plain lognormal: one fused multiply-add, no interpolation
            mu = self.logq[0] - self.slopes[0] * self.z[0]
            z *= self.slopes[0]
            z += mu
            return np.exp(z, out=z)
        out = np.interp(z, self._zx, self._lx)
        return np.exp(out, out=out)

    def quantile(self, q):
        return float(self._from_z(z_of(q)))


class EmpiricalSampler(Sampler):
    def __init__(self, values: np.ndarray, scale: float = 1.0, name: str = ""):
        self.values = np.sort(np.asarray(values, dtype=float)) * scale
        self.grid = np.linspace(0.0, 1.0, len(self.values))
        self.description = f"profile {name} ×{scale:g} ({len(self.values)} measured requests)"

    def sample(self, rng, n):
        return np.interp(rng.random(n), self.grid, self.values)

    def quantile(self, q):
        return float(np.interp(q, self.grid, self.values))


class ShiftedSampler(Sampler):
    def __init__(self, floor_ms: float, base: Sampler):
        self.floor, self.base = float(floor_ms), base
        self.description = f"{self.floor:g} ms + ({base.description})"

    def sample(self, rng, n):
        out = self.base.sample(rng, n)
        out += self.floor
        return out

    def quantile(self, q):
        b = self.base.quantile(q)
        return None if b is None else self.floor + b


class MixtureSampler(Sampler):
    def __init__(self, weights: list[float], parts: list[Sampler]):
        self.cum = np.cumsum(weights)
        self.cum[-1] = 1.0
        self.parts = parts
        self.description = " | ".join(f"{w:g}: {p.description}" for w, p in zip(weights, parts))

    def sample(self, rng, n):
        which = np.searchsorted(self.cum, rng.random(n), side="right")
        out = np.empty(n)
        for k, part in enumerate(self.parts):
            idx = np.flatnonzero(which == k)
            if idx.size:
                out[idx] = part.sample(rng, idx.size)
        return out


def sampler(spec: Any) -> Sampler:
    """A sampler for a distribution spec (model object or plain dict)."""
    if isinstance(spec, dict):
        from pydantic import TypeAdapter, ValidationError

        from .distributions import Distribution
        from .problems import from_validation_error
        try:
            spec = TypeAdapter(Distribution).validate_python(spec)
        except ValidationError as exc:
            raise DesignError(from_validation_error(exc, data=spec)) from None
    if isinstance(spec, Constant):
        return ConstantSampler(spec.ms)
    if isinstance(spec, LogNormal):
        fit_lognormal(spec.p50_ms, spec.p99_ms)  # validates
        return PiecewiseLogNormal([(0.0, spec.p50_ms), (Z[99], spec.p99_ms)],
                                  f"lognormal p50 {spec.p50_ms:g} / p99 {spec.p99_ms:g} ms")
    if isinstance(spec, Shifted):
        return ShiftedSampler(spec.floor_ms, sampler(spec.base))
    if isinstance(spec, Mixture):
        return MixtureSampler([c.weight for c in spec.components], [sampler(c.dist) for c in spec.components])
    if isinstance(spec, Profile):
        return EmpiricalSampler(load_profile(spec.name), spec.scale, spec.name)
    raise TypeError(f"not a latency distribution: {spec!r}")


def for_latency(lat) -> Sampler:
    """The sampler a path's :class:`~fallbackkit.matrix.LatencySpec` drives simulation with.

    The distribution when one is given; otherwise a piecewise lognormal through the declared
    percentiles (exactly the lognormal when two are declared, a constant when one is).
    """
    if lat.distribution is not None:
        return sampler(lat.distribution)
    knots = [(Z[p], v) for p, v in ((50, lat.p50_ms), (95, lat.p95_ms), (99, lat.p99_ms)) if v is not None]
    if any(v <= 0 for _, v in knots):
        return ConstantSampler(max(v for _, v in knots))
    if len(knots) == 1:
        return ConstantSampler(knots[0][1])
    names = "/".join(f"p{p}" for p, v in ((50, lat.p50_ms), (95, lat.p95_ms), (99, lat.p99_ms)) if v is not None)
    return PiecewiseLogNormal(knots, f"fitted through declared {names}")


def profile_problems(lat, where: str) -> list[Problem]:
    """Unknown profile names anywhere in a latency spec, as Problems at ``where``."""
    out: list[Problem] = []

    def walk(d, path):
        if isinstance(d, Profile):
            try:
                _split_profile(d.name)
            except DesignError as exc:
                out.extend(Problem(f"{path}.name", p.message) for p in exc.problems)
        elif isinstance(d, Shifted):
            walk(d.base, f"{path}.base")
        elif isinstance(d, Mixture):
            for i, c in enumerate(d.components):
                walk(c.dist, f"{path}.components[{i}].dist")

    if lat.distribution is not None:
        walk(lat.distribution, f"{where}.distribution")
    return out
