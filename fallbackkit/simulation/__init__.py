"""Simulate a design's recovery workflow over N requests and over simulated time.

The latency-budget matrix *declares* numbers; this package *derives* them::

    import fallbackkit as fk
    r = fk.simulate(fk.default_design(), n_requests=1_000_000, seed=7)
    r                     # per-path share, p50/p95/p99/p99.9 as the user sees it, cost per 1M requests
    r.numbers             # every headline number, typed and frozen (what the critique reads)
    r.matrix_view()       # the matrix filled in, every number marked simulated or declared
    fk.compare(r_without_cache, r)   # "adding the cache moves p99.9 from X ms to Y ms ..."

Modules (one concept each): :mod:`.limits` holds the rules of the arguments (``n_requests``,
``seed``, outage windows) that the API and the command line share, :mod:`.plan` compiles a
design into arrays and checks it,
:mod:`.engine` runs requests through it (the rules are stated in its docstring) with
:mod:`.attempts` (a round on one path: causes, first attempt, hedges), :mod:`.buckets` (which
time buckets hold requests), :mod:`.streams` (after a first token) and :mod:`.draws` (latency
draws), :mod:`.breaker` carries circuit-breaker state across time, :mod:`.histogram` holds the
latency histogram, :mod:`.result` is what a run derived and :mod:`.figures` its typed
numbers, :mod:`.comparison` compares two runs, :mod:`.mixture` weighs runs of the parts of
a long span back together (:func:`combine`), :mod:`.strata` is the replay's accounting of
strata, :mod:`.replay` replays a real incident history (:mod:`.replay_report` renders it;
``fk.replay()`` is its function, not re-exported here so the module is not shadowed).
``simulate`` and ``compare`` are functions; no module here is named after them, so
``from fallbackkit import simulate`` is the function whatever was imported before.
"""

from .comparison import Comparison, compare, sweep_coverage
from .engine import simulate
from .figures import PathNumbers, Percentiles, SimulationNumbers, StreamingNumbers
from .mixture import combine
from .plan import Degradation, Outage, plan_problems
from .replay_report import ReplayResult
from .result import MatrixView, PathResult, SimulationResult

__all__ = ["simulate", "compare", "combine", "sweep_coverage", "Outage", "Degradation", "plan_problems",
           "SimulationResult", "SimulationNumbers", "PathNumbers", "StreamingNumbers", "Percentiles",
           "PathResult", "MatrixView", "Comparison", "ReplayResult"]
