"""The one object every check reads: the design, its budget, simulated numbers, the kit's data.

Checks write through it too: :meth:`Review.find` records a finding of a registered check,
:meth:`Review.ev` a line of evidence for a rubric criterion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..design import Design
from ..matrix import Budget
from .numbers import SimulatedNumbers
from .registry import CHECKS, CRITERIA, FindingSeverity
from .results import Evidence, Finding

#: Most provider calls one request may cause, retries and hedges included (LiteLLM-style caps).
MAX_CALLS_PER_REQUEST = 4


@dataclass
class Review:
    """Inputs of one critique run and the findings and evidence it collects."""

    design: Design
    sim: SimulatedNumbers | None = None
    max_calls_per_request: int = MAX_CALLS_PER_REQUEST
    findings: list[Finding] = field(default_factory=list)
    evidence: dict[str, list[Evidence]] = field(default_factory=lambda: {c: [] for c in CRITERIA})

    @cached_property
    def budget(self) -> Budget | None:
        """The matrix's declared arithmetic, or None when the design cannot support it."""
        try:
            return self.design.budget()
        except Exception:  # noqa: BLE001 - an unvalidated design may not support the arithmetic
            return None

    @cached_property
    def kit(self):
        """The kit's own measurements (latency profiles), loaded on first use."""
        from .kitdata import KitData
        return KitData.bundled()

    # -- writing ---------------------------------------------------------------------------
    def find(self, check: str, location: str, message: str, fix: str, severity: FindingSeverity | None = None) -> Finding:
        c = CHECKS[check]
        f = Finding(check, severity or c.severity, location, message, fix, c.flaw_class)
        self.findings.append(f)
        return f

    def ev(self, criterion: str, ok: bool, text: str, location: str) -> None:
        self.evidence[criterion].append(Evidence(text, location, bool(ok)))
