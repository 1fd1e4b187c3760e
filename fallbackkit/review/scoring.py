"""Run every registered check over one design and score the rubric."""

from __future__ import annotations

from typing import Any

from ..design import Design
from .context import MAX_CALLS_PER_REQUEST, Review
from .numbers import SimulatedNumbers
from .registry import CRITERIA, FAMILIES, STRONG
from .results import Critique, CriterionScore, Evidence, Finding


def critique(design: Design, simulation: Any = None, *,
             max_calls_per_request: int = MAX_CALLS_PER_REQUEST) -> Critique:
    """Score ``design`` on the rubric and list its findings.

    ``simulation`` is optional: the simulator's result (``fk.simulate(design, ...)``) or a
    :class:`SimulatedNumbers`; without it every number comes from ``design.budget()``'s
    declared arithmetic.
    """
    sim = SimulatedNumbers.from_result(simulation) if simulation is not None else None
    ctx = Review(design, sim, max_calls_per_request)
    for _name, family in FAMILIES:
        family(ctx)
    scores = []
    for cid, name in CRITERIA.items():
        fs = [f for f in ctx.findings if f.criterion == cid]
        scores.append(CriterionScore(cid, name, score(ctx.evidence[cid], fs), ctx.evidence[cid], fs))
    return Critique(design.context.name, scores, ctx.findings, "simulated" if sim is not None else "declared")


def score(evidence: list[Evidence], findings: list[Finding]) -> int:
    """5 when every evidence line holds; a warning caps at Strong, a blocking finding at Weak."""
    weighed = [e for e in evidence if e.scored]
    frac = sum(e.ok for e in weighed) / len(weighed) if weighed else 0.0
    s = 5 if frac >= 0.999 else 4 if frac >= 0.8 else 3 if frac >= 0.6 else 2 if frac >= 0.4 else 1
    n_block = sum(f.blocking for f in findings)
    if any(f.severity != "note" for f in findings):
        s = min(s, STRONG)
    if n_block:
        s = min(s, 2 if n_block < 3 else 1)
    return s
