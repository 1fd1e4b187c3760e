"""Questions: what the committee asks, per artifact, from the design's findings and trade-offs.

Each artifact's trade-off questions are built in its own module (``taxonomy``, ``matrix``,
``workflow``, ``postmortem``) over one :class:`Draft`: the design, its budget, and an
``add`` that files the question under that artifact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Callable

from ..design import Design
from ..matrix import Budget, FallbackPath, PathBudget, PathKind
from ..review import Critique, Finding, artifact_of

SESSION_ARTIFACTS = ("taxonomy", "matrix", "workflow", "postmortem")
ARTIFACT_TITLES = {"taxonomy": "Failure taxonomy", "matrix": "Latency-budget matrix",
                   "workflow": "Recovery workflow", "postmortem": "Post-mortem loop"}
#: Findings located in the product context (the SLO, the cost ceiling) are asked in the matrix session.
SESSION_OF = {"context": "matrix", "(free text)": "taxonomy", "(references)": "workflow"}


@dataclass(frozen=True)
class Question:
    """A follow-up question, the rubric criterion it probes, and what a strong answer cites."""

    id: str
    artifact: str
    text: str
    hint: str
    criterion: str
    source: str  # "finding:<check>", "close:<flaw class>" or "trade-off"
    proposal: bool = False  # asks for a new number (a change), not one the design already has

    @property
    def asked(self) -> set[str]:
        """Kinds of quantity a strong answer gives: those the hint cites (any kind when it cites none)."""
        from .quantities import kinds
        return kinds(self.hint)


_FINDING_PROMPT = {
    "unquantified-claim": "You wrote a claim with no number in it. What is the risk reduction, in numbers?",
    "not-standalone": "This artifact leans on another one's internals. How would the reviewing team read it on its own?",
    "path-without-budget": "This path has no latency budget. What is its p99, and what timeout keeps the chain inside the SLO?",
    "chain-over-budget": "A request served late in the chain misses the SLO. Where do the milliseconds go, and which do you cut?",
    "timeout-exceeds-deadline": "A timeout is longer than the deadline left. What should it be, and what does that cut?",
    "unserved-traffic": "Some traffic is answered by nothing. What does that user see, and how do you close the gap?",
    "retry-storm": "In an outage, how many provider calls can one request cause? Why is that safe?",
    "price-inconsistent": "Your per-call price and cost per 1M disagree. Which is right? Do the arithmetic aloud.",
    "cost-over-ceiling": "The chain costs more than the product may spend. What do you cut, and what does it cost in quality?",
    "severity-not-metric": "How does the on-call tell this severity from the next one? Name the metric and the window.",
    "mode-missing-ops": "Who is paged for this mode, on which signal, and what is the runbook's first step?",
    "too-few-modes": "Which failure modes are missing? Name two more with their severity and detection.",
    "mean-only": "Why is a mean the wrong summary of incident durations? What would you report instead?",
    "notation": "The diagram breaks UML notation here. How should it be drawn, and why does it matter to the reader?",
    "incident-without-action": "A severe incident left no action item. What would you change, and which metric shows it worked?",
    "no-circuit-breaker": "In a provider outage, what does every request pay before it falls back? How would you stop paying it?",
    "category-gap": "A core failure category is missing. Is that a gap, or can the product not fail that way? Give the number.",
    "order-mismatch": "The workflow and the matrix disagree on the order of paths. Which is right, and what changes in the budget?",
    "shared-provider": "This fallback runs on the primary's provider. In that provider's outage, what answers, and how much?",
    "shared-region": "This fallback shares the primary's region. What serves traffic when that region is down?",
    "unsafe-to-cache": "A flagged conversation goes to the cache here. What does the user get, and who vetted it?",
    "mitigation-on-failing-path": "This mode is sent back to the path it happens on. What happens on the second try?",
    "side-effect-retried": "This call acts on the world and is repeated on a timeout. How many times is the customer charged?",
    "faster-than-measured": "Your declared latency beats every measured provider of this model size. What measurement backs it?",
    "timeout-below-samples": "This timeout is below what the path's own measurements ever took. What share of calls does it cut?",
    "human-in-ms": "A person answers in milliseconds here. How long does the human really take, and where is that budgeted?",
    "slo-unmeetable": "No measured provider of this size meets this SLO. What meets it for the requests the primary misses?",
    "detection-too-slow": "How much of the error budget burns before this alert can fire? Size the window to the budget.",
    "burn-rate-off-policy": "How much budget burns before this severity fires? Compare it with the SRE Workbook's policy.",
    "breaker-cannot-fire": "At your peak traffic, how many requests does this breaker see in its window? Can it ever open?",
    "hedge-before-median": "This hedge fires before the median. How many calls are doubled, and what do they cost?",
    "idle-path": "This path serves almost nothing. What does it cost to keep, and which failure is it for?",
    "prose-number-mismatch": "This number in your text disagrees with your own matrix. Which one is right?",
    "slo-on-median": "Half of all requests may miss a median SLO. What percentile do users feel, and what is its budget?",
    "retry-non-retryable": "Why retry a failure that the same prompt will repeat? Where should it go instead?",
    "p0-unowned": "Who is paged for your worst failure, and within how many minutes?",
    "p0-incident-without-action": "Your worst incident left no action item. What would you change, and how will you know it worked?",
    "percentile-of-few": "How many incidents is this percentile over? What does it tell you, and what does it not?",
    "trend-from-few": "How many incidents is this trend over? What would convince you it is not noise?",
}


def _finding_question(f: Finding, artifact: str, k: int) -> Question:
    lead = _FINDING_PROMPT.get(f.check, "A reviewer flags this. How do you answer it, with a number?")
    return Question(id=f"{artifact}.finding.{f.check}.{k}", artifact=artifact,
                    text=f"{lead} ({f.location}: {f.message})", hint=f"Fix: {f.fix}",
                    criterion=f.criterion, source=f"finding:{f.check}")


def _session_for(f: Finding) -> str:
    head = artifact_of(f.location)
    return SESSION_OF.get(head, head if head in SESSION_ARTIFACTS else "matrix")


@dataclass
class Draft:
    """What the per-artifact question builders read, and where they file their questions."""

    design: Design
    budget: Budget | None
    out: dict[str, list[Question]] = field(default_factory=lambda: {a: [] for a in SESSION_ARTIFACTS})
    artifact: str = "matrix"
    source: str = "trade-off"
    findings: list = field(default_factory=list)

    def flagged(self, location: str, value) -> str:
        """``value``, or the fix when a finding flags ``location``: a hint never offers the flaw as the answer."""
        f = next((f for f in self.findings if f.location == location or f.location.startswith(location + ".")), None)
        return str(value) if f is None else f"(flagged: {f.fix})"

    @classmethod
    def of(cls, design: Design) -> "Draft":
        try:
            budget = design.budget()
        except Exception:  # noqa: BLE001 - an unvalidated design may not support the arithmetic
            budget = None
        return cls(design, budget)

    @property
    def rows(self) -> dict[str, PathBudget]:
        return {r.id: r for r in self.budget.rows} if self.budget else {}

    @property
    def paths(self) -> list[FallbackPath]:
        return self.design.matrix.paths

    @property
    def slo(self):
        return self.design.context.slo

    @property
    def primary(self) -> FallbackPath | None:
        return next((p for p in self.paths if p.kind == PathKind.primary.value), None)

    @property
    def add(self) -> Callable[[str, str, str, str], None]:
        """``add(question_id, text, hint, criterion)`` under the artifact being drafted."""
        return partial(self._add, self.artifact)

    def _add(self, artifact: str, qid: str, text: str, hint: str, criterion: str, proposal: bool = False) -> None:
        self.out[artifact].append(Question(qid, artifact, text, hint, criterion, self.source, proposal))


def tradeoff_questions(design: Design, findings=()) -> dict[str, list[Question]]:
    """Questions about the design's own trade-offs, with hints computed from its numbers."""
    from . import matrix, postmortem, taxonomy, workflow
    draft = Draft.of(design)
    draft.findings = list(findings)
    for name, builder in (("matrix", matrix), ("taxonomy", taxonomy), ("workflow", workflow), ("postmortem", postmortem)):
        draft.artifact = name
        builder.questions(draft)
    return draft.out


def close_questions(design: Design, crit: Critique) -> dict[str, list[Question]]:
    """Questions from the classes of flaw the design comes close to (see :mod:`.probes`)."""
    from .probes import probes
    draft = Draft.of(design)
    probes(draft, crit.findings)
    return draft.out


def questions_for(design: Design, crit: Critique, per_artifact: int = 3) -> dict[str, list[Question]]:
    """Per artifact: questions from its weakest findings first, then from the flaw classes it comes
    close to, then from its trade-offs."""
    trade = tradeoff_questions(design, crit.findings)
    close = close_questions(design, crit)
    out: dict[str, list[Question]] = {}
    for art in SESSION_ARTIFACTS:
        fs = [f for f in crit.weakest() if _session_for(f) == art]
        qs = [_finding_question(f, art, k) for k, f in enumerate(fs[:per_artifact])]
        qs += close[art][: max(per_artifact - len(qs), 0)]
        qs += trade[art][: max(per_artifact - len(qs), 0)]
        out[art] = qs
    return out
