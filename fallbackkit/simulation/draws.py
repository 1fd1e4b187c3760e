"""The engine's latency draws: the same draws as :mod:`fallbackkit.latency`, turned into latencies faster.

A path that declares percentiles is sampled from a piecewise lognormal: log-latency is
linear in a normal score between the declared percentiles (and beyond them, along the first
and last segment). With two or three declared percentiles that is one line, or the larger
(convex) or smaller (concave) of two lines, so the engine evaluates the lines instead of
interpolating (a fifth of the time); the scores are the same draws from the same generator,
so runs are unchanged, up to the last bit of a latency. Other samplers are used as they are.
"""

from __future__ import annotations

import copy

import numpy as np

from .. import latency as _lat


class FastPiecewiseLogNormal(_lat.Sampler):
    """A :class:`~fallbackkit.latency.PiecewiseLogNormal` of two or three knots: the same scores, lines not interp."""

    def __init__(self, base: _lat.PiecewiseLogNormal):
        self.base, self.description = base, base.description
        z, lq = [float(v) for v in base.z], [float(v) for v in base.logq]
        s1 = (lq[1] - lq[0]) / (z[1] - z[0])
        self.a1, self.s1 = lq[0] - s1 * z[0], s1           # log-latency = a + s·score, per line
        if len(z) == 3:
            s2 = (lq[2] - lq[1]) / (z[2] - z[1])
            self.line2 = (lq[1] - s2 * z[1], s2)
            self.convex = s2 >= s1
        else:
            self.line2 = None

    def sample(self, rng, n):
        z = rng.standard_normal(n)            # as PiecewiseLogNormal.sample draws them
        y = z * self.s1
        y += self.a1
        if self.line2 is not None:
            a2, s2 = self.line2
            z *= s2
            z += a2
            (np.maximum if self.convex else np.minimum)(y, z, out=y)
        return np.exp(y, out=y)

    def quantile(self, q):
        return self.base.quantile(q)


def fast(sampler: _lat.Sampler) -> _lat.Sampler:
    """The engine's sampler for ``sampler``: the same distribution, drawn faster where that is known."""
    if isinstance(sampler, _lat.PiecewiseLogNormal) and len(sampler.z) in (2, 3):
        return FastPiecewiseLogNormal(sampler)
    if isinstance(sampler, _lat.ShiftedSampler):
        out = copy.copy(sampler)
        out.base = fast(sampler.base)
        return out
    if isinstance(sampler, _lat.MixtureSampler):
        out = copy.copy(sampler)
        out.parts = [fast(p) for p in sampler.parts]
        return out
    return sampler
