"""The mock interview itself: sessions on a clock, answers, views per role, a scripted run."""

from __future__ import annotations

import time
from typing import Any, Callable, Literal, Mapping, Sequence

from ..design import Design
from ..problems import DesignError, Limit, is_number
from ..review import critique
from .questions import SESSION_ARTIFACTS, Question, questions_for
from .scorecard import Scorecard
from .quantities import judge, known_of, quantities
from .session import NO_ANSWER, Answer, Session

Mode = Literal["solo", "interviewer"]
#: A time box a person sits through, per artifact (the command line's --minutes holds to it too).
MINUTES = Limit("minutes_per_artifact", "a time box in minutes, more than 0 and at most 600",
                lambda v: is_number(v) and 0 < v <= 600)
Role = Literal["candidate", "interviewer"]


class _ScriptClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class MockInterview:
    """A timed mock interview over a design, one session per artifact."""

    def __init__(self, design: Design, *, mode: Mode = "solo", minutes_per_artifact: float = 10,
                 questions_per_artifact: int = 4, artifacts: Sequence[str] = SESSION_ARTIFACTS,
                 simulation: Any = None, clock: Callable[[], float] | None = None):
        if mode not in ("solo", "interviewer"):
            raise ValueError(f"mode {mode!r}: expected 'solo' or 'interviewer'")
        unknown = [a for a in artifacts if a not in SESSION_ARTIFACTS]
        if unknown:
            raise ValueError(f"unknown artifacts {unknown}; expected some of {', '.join(SESSION_ARTIFACTS)}")
        too_long = MINUTES.problem(minutes_per_artifact)
        if too_long:   # a DesignError is a ValueError, as this always raised
            raise DesignError([too_long])
        self.design = design
        self.mode: Mode = mode
        self.critique = critique(design, simulation)
        qs = questions_for(design, self.critique, questions_per_artifact)
        self.sessions = [Session(a, minutes_per_artifact, qs[a]) for a in artifacts]
        self.clock = clock or time.monotonic
        self._index = 0
        self._mark: float | None = None
        self._known = known_of(design)
        self._last: Question | None = None     # the question answered last (its hint shows after the answer)
        self.script_note = ""                  # why scripted answers were not used, when they were not

    # -- state ----------------------------------------------------------------------------
    @property
    def session(self) -> Session | None:
        return self.sessions[self._index] if self._index < len(self.sessions) else None

    @property
    def finished(self) -> bool:
        return self.session is None

    @property
    def current_question(self) -> Question | None:
        s = self.session
        if s is None or s.done:
            return None
        return s.questions[len(s.answers)]

    @property
    def show_hints(self) -> bool:
        """Solo mode shows each hint once the learner has answered; interviewer mode never shows the candidate."""
        return self.mode == "solo"

    def hint_now(self, role: Role = "candidate") -> str | None:
        """The hint ``role`` may see for the open question: the interviewer's, never the candidate's before answering."""
        q = self.current_question
        return q.hint if q is not None and role == "interviewer" else None

    def hint_after_answer(self, role: Role = "candidate") -> str | None:
        """In solo mode, after an answer: what a strong answer to that question cites."""
        if not self.show_hints or role != "candidate" or self._last is None:
            return None
        return f"After your answer: a strong answer to the last question cites {self._last.hint}"

    def time_left_s(self) -> float | None:
        s = self.session
        if s is None or s.started_at is None:
            return None
        return s.minutes * 60 - (s.elapsed_s + self.clock() - self._mark)

    # -- flow -----------------------------------------------------------------------------
    def start(self) -> Question | None:
        """Start (or resume) the clock of the current session; returns its question."""
        while self.session is not None and not self.session.questions:
            self._index += 1  # nothing to ask about this artifact
        s = self.session
        if s is not None and s.started_at is None:
            s.started_at = self.clock()
            self._mark = s.started_at
        return self.current_question

    def answer(self, text: str, *, seconds: float | None = None, rating: int | None = None) -> Answer:
        """Record an answer to the current question and move on (to the next session when done)."""
        q = self.current_question
        if q is None:
            raise RuntimeError("no open question: the interview is finished" if self.finished else "session is done")
        if rating is not None and not 1 <= rating <= 5:
            raise ValueError(f"rating {rating}: expected 1–5")
        self.start()
        s = self.session
        now = self.clock()
        took = seconds if seconds is not None else now - self._mark
        self._mark = now
        s.elapsed_s += took
        text = text.strip() or NO_ANSWER
        a = Answer(q.id, text, took, late=s.over_time, rating=rating)
        a.quantified = a.answered and judge(text, q.asked, set(quantities(q.hint)), self._known, q.proposal)
        self._last = q
        s.answers.append(a)
        if s.done:
            self._index += 1
            self._mark = None
            self.start()
        return a

    def skip(self) -> Answer:
        return self.answer(NO_ANSWER)

    def rate(self, question_id: str, rating: int) -> None:
        """The interviewer's 1–5 mark for an answer already given."""
        if not 1 <= rating <= 5:
            raise ValueError(f"rating {rating}: expected 1–5")
        for s in self.sessions:
            a = s.answer_to(question_id)
            if a is not None:
                a.rating = rating
                return
        raise KeyError(f"no answer to {question_id!r} yet")

    def next_session(self) -> None:
        """End the current session now; unanswered questions are recorded as not answered."""
        s = self.session
        if s is None:
            return
        while not s.done:
            self.answer(NO_ANSWER, seconds=0.0)

    def run_scripted(self, answers: Mapping[str, Any] | Sequence[Any] | None = None, *,
                     seconds_per_answer: float = 60.0, written_for: str | None = None) -> "Scorecard":
        """Run headless: answer every question from ``answers`` and return the scorecard.

        ``answers`` maps question id → text (or ``(text, seconds)``), with an optional
        ``"*"`` default; or is a list used in order. Time runs on a virtual clock, so a
        scripted run is deterministic. Answers belong to the design they were written for:
        a ``"design"`` key (or ``written_for=``) naming another product's design means none
        of them is scored here (``script_note`` says so).
        """
        self.clock = _ScriptClock()
        for s in self.sessions:
            if s.started_at is not None:
                s.started_at = 0.0
        self._mark = 0.0 if self.session and self.session.started_at is not None else None
        seq = list(answers) if isinstance(answers, (list, tuple)) else None
        mapping = dict(answers) if isinstance(answers, Mapping) else {}
        written_for = written_for or mapping.pop("design", None)
        name = self.design.context.name
        if written_for is not None and str(written_for).strip().lower() != name.strip().lower():
            self.script_note = (f"scripted answers were written for {written_for!r}, not {name!r}: none of them is "
                                "scored on this design")
            seq, mapping = None, {}
        k = 0
        self.start()
        while not self.finished:
            q = self.current_question
            if seq is not None:
                given = seq[k] if k < len(seq) else NO_ANSWER
            else:
                given = mapping.get(q.id, mapping.get("*", NO_ANSWER))
            text, secs = (given if isinstance(given, tuple) else (given, seconds_per_answer))
            if text == NO_ANSWER:
                secs = 0.0
            self.clock.now += secs
            self.answer(str(text))
            k += 1
        return self.scorecard()

    # -- views ----------------------------------------------------------------------------
    def view(self, role: Role = "candidate") -> str:
        """What ``role`` sees now: the interviewer sees the open question's hint; in solo mode the
        candidate sees a question's hint only after answering it."""
        if self.finished:
            return "Interview finished. " + self.scorecard().summary()
        s, q = self.session, self.current_question
        left = self.time_left_s()
        clock = f"{max(left, 0) / 60:.1f} min left" if left is not None else f"{s.minutes:g} min"
        if left is not None and left < 0:
            clock = f"over time by {-left / 60:.1f} min"
        lines = [f"{s.title} — question {len(s.answers) + 1} of {len(s.questions)} ({clock})",
                 f"Q: {q.text}"]
        if role == "interviewer":
            lines.append(f"Hint: {q.hint}")
            lines.append(f"Probes: {q.criterion} ({q.source})")
        prev = self.hint_after_answer(role)
        if prev:
            lines.append(prev)
        return "\n".join(lines)

    def scorecard(self) -> "Scorecard":
        return Scorecard(self.design.context.name, self.mode, self.critique, self.sessions, self.script_note)

    def questions(self) -> list[Question]:
        return [q for s in self.sessions for q in s.questions]

    def __repr__(self) -> str:
        return f"<MockInterview {self.design.context.name!r} mode={self.mode} {self.view()!r}>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.view("candidate")}
