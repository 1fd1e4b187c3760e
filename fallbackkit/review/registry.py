"""The checks the critique runs, registered where they are written.

A check family is a function of one :class:`~fallbackkit.review.context.Review` context;
the :func:`check` decorator registers each kind of finding it can emit with its id,
rubric criterion, severity, flaw class and the committee's reason::

    check = checker("budget")

    @check("chain-over-budget", "blocking", "budget_arithmetic",
           "a served request can miss the SLO threshold")
    def budget(ctx): ...

``CHECKS`` (id → :class:`Check`) and ``FAMILIES`` (run order) are filled by the
decorators as the family modules are imported; nothing is kept in step by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

FindingSeverity = Literal["blocking", "warning", "note"]

#: What kind of mistake a finding is: the classes of flaw a hiring committee catches, and the
#: rubric's own concerns. A corpus of annotated designs measures recall per class.
FLAW_CLASSES = (
    "correlated_failure", "mitigation_semantics", "plausibility", "detection_budget",
    "operational_arithmetic", "prose_numbers", "severity_weighting", "small_samples",
    "slo_framing", "budget_arithmetic", "cost_coverage", "workflow_notation", "learning_loop", "consistency",
)

RATINGS = {1: "Very Weak", 2: "Weak", 3: "Adequate", 4: "Strong", 5: "Very Strong"}
STRONG = 4

#: Criteria in the order a committee reads them: id → name.
CRITERIA: dict[str, str] = {
    "slo": "SLO framing",
    "taxonomy": "Taxonomy coverage and grounding",
    "severity": "Severity and detection rigour",
    "budget": "Budget arithmetic and feasibility",
    "tradeoffs": "Cost / coverage trade-offs",
    "notation": "Workflow notation",
    "fault_tolerance": "Fault tolerance of the recovery design",
    "loop": "Learning loop and metric validity",
    "consistency": "Consistency across artifacts and clarity",
}


@dataclass(frozen=True)
class Check:
    """One kind of finding: what it catches, which criterion it weighs on, how bad it is, and why."""

    id: str
    criterion: str
    severity: FindingSeverity
    flaw_class: str
    title: str
    reason: str = ""


#: Every check, by id, in registration order.
CHECKS: dict[str, Check] = {}
#: Check families in run order: (name, function of one Review context).
FAMILIES: list[tuple[str, Callable]] = []


def checker(criterion: str) -> Callable[..., Callable[[Callable], Callable]]:
    """A :func:`check` decorator bound to one rubric criterion."""
    if criterion not in CRITERIA:
        raise ValueError(f"unknown criterion {criterion!r}; expected one of {', '.join(CRITERIA)}")

    def check(id: str, severity: FindingSeverity, flaw_class: str, title: str, reason: str = ""):
        if flaw_class not in FLAW_CLASSES:
            raise ValueError(f"check {id!r}: unknown flaw class {flaw_class!r}")
        if id in CHECKS:
            raise ValueError(f"check {id!r} is registered twice")
        CHECKS[id] = Check(id, criterion, severity, flaw_class, title, reason or title)

        def register(fn: Callable) -> Callable:
            if all(f is not fn for _, f in FAMILIES):
                FAMILIES.append((fn.__name__, fn))
            return fn
        return register
    return check
