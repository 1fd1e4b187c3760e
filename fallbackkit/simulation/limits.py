"""What the simulator's arguments may be: each rule written once, with the words for it.

``simulate()`` and ``replay()`` report a value outside its limit as a
:class:`~fallbackkit.problems.Problem` naming the parameter; the command line's argument
types hold the number they read against the same :class:`Limit`, so ``--requests 0`` and
``simulate(d, 0)`` are refused by one rule in the same words::

    >>> N_REQUESTS.problem(0).message
    'is 0; expected a whole number of requests > 0 (at most 1e9), e.g. 100000 or 1e6'

(:class:`~fallbackkit.problems.Limit` itself is the model layer's, for any function's arguments.)
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ..problems import Limit, is_number, shown

__all__ = ["Limit", "is_number", "shown", "MAX_REQUESTS", "N_REQUESTS", "QUIET_SAMPLE", "SEED", "SHARE",
           "DEGRADED_ERROR_RATE", "START_S", "DURATION_S"]

#: The most requests one run simulates: about 4 minutes here (1e6 requests took 0.22 s).
MAX_REQUESTS = 1_000_000_000


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
