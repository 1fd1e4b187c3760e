"""What the simulator's arguments may be: each rule written once, with the words for it.

``simulate()`` and ``replay()`` report a value outside its limit as a
:class:`~fallbackkit.problems.Problem` naming the parameter; the command line's argument
types hold the number they read against the same :class:`Limit`, so ``--requests 0`` and
``simulate(d, 0)`` are refused by one rule in the same words::

    >>> N_REQUESTS.problem(0).message
    'is 0; expected a whole number of requests > 0 (at most 1e9), e.g. 100000 or 1e6'

No numpy here: numpy's integers and floats are :mod:`numbers` types, so they pass as well.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

from ..problems import Problem

#: The most requests one run simulates: ~4 minutes here, and a few GB of arrays.
MAX_REQUESTS = 1_000_000_000


def is_number(v: Any) -> bool:
    """A real number that is not a bool (``True`` is not a count)."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def shown(v: Any) -> str:
    """A value as the user typed it, short (1e+300, not three hundred digits; a seed's 19 digits stay)."""
    exact = isinstance(v, numbers.Integral) and abs(v) < 10**20
    return f"{v:.6g}" if is_number(v) and abs(v) >= 1e15 and not exact else repr(v)


@dataclass(frozen=True)
class Limit:
    """One argument's rule: the parameter it guards, what it expects (in words) and the test."""

    name: str
    expected: str
    allows: Callable[[Any], bool]

    def problem(self, value: Any, name: str | None = None) -> Problem | None:
        """The problem of ``value`` (at ``name``, default this parameter), or None when it is allowed."""
        if self.allows(value):
            return None
        return Problem(name or self.name, f"is {shown(value)}; expected {self.expected}")

    def named(self, name: str) -> "Limit":
        """The same rule guarding another parameter."""
        return dataclasses.replace(self, name=name)


def _whole_count(v: Any) -> bool:
    return is_number(v) and math.isfinite(v) and float(v).is_integer() and 1 <= v <= MAX_REQUESTS


N_REQUESTS = Limit("n_requests", "a whole number of requests > 0 (at most 1e9), e.g. 100000 or 1e6", _whole_count)
QUIET_SAMPLE = N_REQUESTS.named("quiet_sample")
#: numpy takes a seed of any size; below 2**63 it stays printable and fits an int64 column.
SEED = Limit("seed", "a seed between 0 and 2**63 - 1",
             lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool) and 0 <= v < 2**63)
SHARE = Limit("share", "a share between 0 and 1, e.g. 0.1", lambda v: is_number(v) and 0 <= v <= 1)
DEGRADED_ERROR_RATE = SHARE.named("degraded_error_rate")
#: an outage or degradation window: when it starts and how long it lasts, in simulated seconds
START_S = Limit("start_s", "a finite number of seconds ≥ 0", lambda v: is_number(v) and math.isfinite(v) and v >= 0)
DURATION_S = Limit("duration_s", "a finite number of seconds > 0", lambda v: is_number(v) and math.isfinite(v) and v > 0)
