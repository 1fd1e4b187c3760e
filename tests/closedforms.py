"""Closed-form helpers the simulator tests share: the normal CDF, sampling tolerances, constants."""

import math
from statistics import NormalDist

PHI = NormalDist().cdf
Z99 = NormalDist().inv_cdf(0.99)


def binom_tol(p, n, k=4.5):
    """``k`` standard errors of a share ``p`` estimated from ``n`` requests."""
    return k * math.sqrt(p * (1 - p) / n) + 1e-12


def constant(ms):
    """A latency that is always ``ms``."""
    return {"distribution": {"kind": "constant", "ms": ms}}
