"""Mock interview: a timed session per artifact, follow-up questions from the design itself.

The kit plays the committee. For each artifact (taxonomy, matrix, workflow, post-mortem
loop) it asks follow-up questions drawn from the design's weakest findings and from its
own trade-offs ("Why a rule engine over a second-stage LLM? Quantify."), with hints that
carry the numbers a strong answer cites. It records each answer and the time it took,
and ends with a scorecard: the critique's rubric plus how the answers went.

Solo mode shows the hints; interviewer mode hides them from the candidate's view (the
interviewer sees them in theirs). Headless runs answer from a script::

    from fallbackkit.interview import MockInterview
    iv = MockInterview(fk.default_design(), mode="solo", minutes_per_artifact=10)
    card = iv.run_scripted({"matrix.rule-engine-vs-llm": "20 ms p99 at $5 per 1M vs ..."})
    print(card.to_markdown())

Live use: ``iv.start()``, then ``iv.view()`` / ``iv.answer(text)`` until ``iv.finished``;
:mod:`fallbackkit.widgets.interview` is a thin ipywidgets view over the same object.
"""

from .mock_interview import MockInterview, Mode, Role
from .questions import ARTIFACT_TITLES, SESSION_ARTIFACTS, SESSION_OF, Question, questions_for, tradeoff_questions
from .scorecard import Scorecard
from .session import NO_ANSWER, Answer, Session

__all__ = ["MockInterview", "Mode", "Role", "Question", "Answer", "Session", "Scorecard", "NO_ANSWER",
           "SESSION_ARTIFACTS", "ARTIFACT_TITLES", "SESSION_OF", "questions_for", "tradeoff_questions"]
