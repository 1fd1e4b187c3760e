"""Critique a design the way a hiring committee would: a rubric, and findings with fixes.

Committees judge three things — alignment with the product's SLO, evidence of measurable
trade-offs, and an operational feedback loop — and they reject the classic failures:
unquantified claims, missing latency budgets, one monolithic document. :func:`critique`
scores a :class:`~fallbackkit.design.Design` on nine named criteria (Very Weak … Very
Strong), each with evidence lines that point at design fields, and lists every
:class:`Finding` with its severity, flaw class, field path and a concrete fix::

    import fallbackkit as fk
    c = fk.critique(fk.default_design())
    c.passed                 # True: no blocking finding
    c.score("budget").label  # 'Very Strong'
    print(c.to_markdown())   # the scorecard a reviewer reads

It works on designs that would not validate (``Design.from_dict(data, check=False)``):
every check reads the data defensively, so a half-finished design gets findings, not a
traceback. Numbers come from the matrix's declared arithmetic (``design.budget()``);
pass ``simulation=`` (``fk.simulate(design, ...)``'s result, or a :class:`SimulatedNumbers`)
and the budget, coverage, retry and cost checks use the simulated numbers instead.

One module per check family; each registers its checks with :func:`registry.checker`'s
decorator. Import order below is the order the committee reads them in.
"""

from __future__ import annotations

from . import slo, taxonomy, severity, budget, tradeoffs, notation, fault_tolerance, loop, consistency  # noqa: F401
from . import correlation, mitigation, plausibility, detection, operations, prose, samples  # noqa: F401
from .context import MAX_CALLS_PER_REQUEST, Review
from .numbers import SimulatedNumbers
from .registry import CHECKS, CRITERIA, FAMILIES, FLAW_CLASSES, RATINGS, STRONG, Check, FindingSeverity
from .results import Critique, CriterionScore, Evidence, Finding, artifact_of
from .scoring import critique
from .text import NUMBER, free_text, metric_driven, unquantified_claims
from .vocabulary import CORE_CATEGORIES, sev_rank

__all__ = ["critique", "Critique", "Finding", "Evidence", "CriterionScore", "SimulatedNumbers", "Review",
           "Check", "CHECKS", "CRITERIA", "FAMILIES", "FLAW_CLASSES", "RATINGS", "STRONG", "FindingSeverity",
           "MAX_CALLS_PER_REQUEST", "NUMBER", "CORE_CATEGORIES", "artifact_of", "free_text", "metric_driven",
           "unquantified_claims", "sev_rank"]
