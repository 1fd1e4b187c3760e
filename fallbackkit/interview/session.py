"""One artifact's timed slot and the answers given in it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..review import unquantified_claims
from .questions import ARTIFACT_TITLES, Question

NO_ANSWER = "(no answer)"


@dataclass
class Answer:
    question_id: str
    text: str
    seconds: float
    late: bool = False            # given after the session's time ran out
    rating: int | None = None     # the interviewer's mark, 1–5, when given
    quantified: bool = False      # a number with the unit asked, consistent with the design (set when answered)

    @property
    def answered(self) -> bool:
        return bool(self.text.strip()) and self.text != NO_ANSWER

    @property
    def vague_claims(self) -> list[str]:
        """Sentences that claim 'faster', 'cheaper', 'more reliable'… with no number."""
        return unquantified_claims(self.text) if self.answered else []


@dataclass
class Session:
    """One artifact's timed slot."""

    artifact: str
    minutes: float
    questions: list[Question]
    answers: list[Answer] = field(default_factory=list)
    started_at: float | None = None
    elapsed_s: float = 0.0

    @property
    def title(self) -> str:
        return ARTIFACT_TITLES[self.artifact]

    @property
    def done(self) -> bool:
        return len(self.answers) >= len(self.questions)

    @property
    def over_time(self) -> bool:
        return self.elapsed_s > self.minutes * 60

    def answer_to(self, qid: str) -> Answer | None:
        return next((a for a in self.answers if a.question_id == qid), None)
