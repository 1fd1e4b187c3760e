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

from __future__ import annotations

import html
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Literal, Mapping, Sequence

from .critique import NUMBER, Critique, Finding, artifact_of, critique, pct, unquantified_claims
from .design import Design
from .matrix import PathKind

SESSION_ARTIFACTS = ("taxonomy", "matrix", "workflow", "postmortem")
ARTIFACT_TITLES = {"taxonomy": "Failure taxonomy", "matrix": "Latency-budget matrix",
                   "workflow": "Recovery workflow", "postmortem": "Post-mortem loop"}
#: Findings located in the product context (the SLO, the cost ceiling) are asked in the matrix session.
SESSION_OF = {"context": "matrix", "(free text)": "taxonomy", "(references)": "workflow"}
Mode = Literal["solo", "interviewer"]
Role = Literal["candidate", "interviewer"]
NO_ANSWER = "(no answer)"


@dataclass(frozen=True)
class Question:
    """A follow-up question, the rubric criterion it probes, and what a strong answer cites."""

    id: str
    artifact: str
    text: str
    hint: str
    criterion: str
    source: str  # "finding:<check>" or "trade-off"


@dataclass
class Answer:
    question_id: str
    text: str
    seconds: float
    late: bool = False            # given after the session's time ran out
    rating: int | None = None     # the interviewer's mark, 1–5, when given

    @property
    def answered(self) -> bool:
        return bool(self.text.strip()) and self.text != NO_ANSWER

    @property
    def vague_claims(self) -> list[str]:
        """Sentences that claim 'faster', 'cheaper', 'more reliable'… with no number."""
        return unquantified_claims(self.text) if self.answered else []

    @property
    def quantified(self) -> bool:
        """Cites a number: the committee's first test of an answer."""
        return self.answered and bool(NUMBER.search(self.text))


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


# -- questions ------------------------------------------------------------------------------
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
}


def _finding_question(f: Finding, artifact: str, k: int) -> Question:
    lead = _FINDING_PROMPT.get(f.check, "A reviewer flags this. How do you answer it, with a number?")
    return Question(id=f"{artifact}.finding.{f.check}.{k}", artifact=artifact,
                    text=f"{lead} ({f.location}: {f.message})", hint=f"Fix: {f.fix}",
                    criterion=f.criterion, source=f"finding:{f.check}")


def _session_for(f: Finding) -> str:
    head = artifact_of(f.location)
    return SESSION_OF.get(head, head if head in SESSION_ARTIFACTS else "matrix")


def tradeoff_questions(design: Design) -> dict[str, list[Question]]:
    """Questions about the design's own trade-offs, with hints computed from its numbers."""
    out: dict[str, list[Question]] = {a: [] for a in SESSION_ARTIFACTS}
    add = lambda art, qid, text, hint, crit: out[art].append(Question(qid, art, text, hint, crit, "trade-off"))
    d = design
    slo = d.context.slo
    try:
        budget = d.budget()
    except Exception:  # noqa: BLE001 - an unvalidated design may not support the arithmetic
        budget = None
    rows = {r.id: r for r in budget.rows} if budget else {}
    paths = d.matrix.paths

    # matrix ------------------------------------------------------------------------------
    prim = next((p for p in paths if p.kind == PathKind.primary.value), None)
    rule = next((p for p in paths if p.kind == PathKind.rule_engine.value), None)
    second = next((p for p in paths if p.kind == PathKind.alternate_model.value), None)
    if rule is not None and rule.id in rows:
        r = rows[rule.id]
        llm = second or prim
        llm_txt = (f"a second LLM call would need its p99 ({llm.latency.tail_ms:g} ms for {llm.id}) inside those "
                   f"{r.deadline_left_ms:,.0f} ms and cost about ${llm.cost_per_1m_usd:,.0f} per 1M") if llm and llm.latency.tail_ms else ""
        add("matrix", "matrix.rule-engine-vs-llm", "Why a rule engine over a second-stage LLM? Quantify.",
            f"{rule.id}: p99 {rule.latency.tail_ms:g} ms, ${rule.cost_per_1m_usd:,.2f} per 1M, quality {rule.quality_delta:+.2f}, "
            f"serves {pct(r.share)} of traffic with {r.deadline_left_ms:,.0f} ms of the deadline left; {llm_txt}.", "tradeoffs")
    elif second is not None and second.id in rows:
        r = rows[second.id]
        add("matrix", "matrix.llm-vs-rule-engine", "Why a second-stage LLM over a deterministic rule engine? Quantify.",
            f"{second.id}: p99 {second.latency.tail_ms:g} ms, ${second.cost_per_1m_usd:,.2f} per 1M, quality {second.quality_delta:+.2f}, "
            f"{r.deadline_left_ms:,.0f} ms of deadline left when it starts.", "tradeoffs")
    add("matrix", "matrix.slo", "State the SLO the matrix is held to, the way an SRE would, and its error budget per day.",
        f"{slo}; error budget {pct(slo.error_budget)} = {slo.error_budget * d.context.traffic.requests_per_day:,.0f} "
        "requests a day may miss.", "slo")

    if prim is not None and prim.timeout_ms is not None and prim.latency.tail_ms and prim.id in rows:
        r = rows[prim.id]
        if prim.timeout_ms < prim.latency.tail_ms:
            add("matrix", "matrix.primary-timeout",
                f"Why cut the primary at {prim.timeout_ms:,.0f} ms when its p99 is {prim.latency.tail_ms:,.0f} ms? "
                "What share of calls does that cut, and where do they go?",
                f"the timeout cuts at least {pct(prim.timeout_miss)} of calls (declared percentiles); the primary serves "
                f"{pct(r.share)}, {pct(1 - r.share)} fall through to the fallbacks; worst-case chain "
                f"{budget.worst_case_ms:,.0f} ms vs {slo.threshold_ms:g} ms.", "budget")
        else:
            add("matrix", "matrix.primary-timeout",
                f"Your primary's timeout ({prim.timeout_ms:,.0f} ms) is above its p99 ({prim.latency.tail_ms:,.0f} ms). "
                "What does a hung call cost the rest of the chain?",
                f"a timed-out primary spends {prim.give_up_ms():,.0f} ms (retries included) before the first fallback, "
                f"which then has {rows[paths[1].id].deadline_left_ms if len(paths) > 1 and paths[1].id in rows else 0:,.0f} ms "
                f"left; worst-case chain {budget.worst_case_ms:,.0f} ms vs {slo.threshold_ms:g} ms.", "budget")
    cache = next((p for p in paths if p.kind == PathKind.cache.value), None)
    if cache is not None and budget is not None and cache.id in rows:
        halved = d.matrix.model_copy(deep=True)
        halved.path(cache.id).coverage_pct = cache.coverage_pct / 2
        hb = halved.budget(slo)
        hrows = {r.id: r for r in hb.rows}
        after = [r for r in hb.rows if d.matrix.ids.index(r.id) > d.matrix.ids.index(cache.id)]
        shift = ", ".join(f"{r.id} {pct(rows[r.id].share)} → {pct(r.share)}" for r in after)
        add("matrix", "matrix.cache-hit-rate",
            f"Your cache answers {cache.coverage_pct:g}% of the requests that reach it. What if the hit rate halves?",
            f"cache serves {pct(rows[cache.id].share)} → {pct(hrows[cache.id].share)} of traffic; {shift}; "
            f"blended cost ${budget.blended_cost_per_1m_usd:,.2f} → ${hb.blended_cost_per_1m_usd:,.2f} per 1M; "
            f"worst case stays {hb.worst_case_ms:,.0f} ms.", "tradeoffs")
    if budget is not None:
        per_year = budget.blended_cost_per_1m_usd * d.context.traffic.requests_per_day * 365 / 1e6
        fb = sum(r.cost_per_1m_usd for r in budget.rows if r.kind != PathKind.primary.value)
        add("matrix", "matrix.cost-per-year",
            f"What does the whole chain cost per year at {d.context.traffic.requests_per_day:,.0f} requests a day, "
            "and how much of it is the fallbacks?",
            f"${budget.blended_cost_per_1m_usd:,.2f} per 1M × {d.context.traffic.requests_per_day * 365 / 1e6:,.0f}M calls a year "
            f"= ${per_year:,.0f}; fallbacks ${fb:,.2f} per 1M of it; ceiling ${d.context.cost_ceiling_per_1m_usd:,.2f} per 1M.",
            "tradeoffs")
    # taxonomy ----------------------------------------------------------------------------
    modes = d.taxonomy.modes
    levels = {k: v for k, v in d.taxonomy.severity_levels.items()}
    if modes:
        weight = {"P0": 1000, "P1": 100, "P2": 10, "P3": 1}
        risky = max(modes, key=lambda m: weight.get(m.severity, 0) * m.occurrence)
        sev = risky.severity
        add("taxonomy", "taxonomy.riskiest-mode",
            f"Walk me through '{risky.name}' ({sev}): how is it detected, how soon is someone paged, what does the user see?",
            f"detection: {risky.detection}; runbook {risky.runbook.id} '{risky.runbook.title}'; owner {risky.owner}; "
            f"user sees: {risky.user_effect or '?'}; hits {100 * risky.occurrence:g}% of requests.", "severity")
        hidden = max(modes, key=lambda m: m.detectability)
        add("taxonomy", "taxonomy.hardest-to-detect",
            f"'{hidden.name}' is your hardest mode to detect ({hidden.detectability}/10). What would catch it sooner?",
            f"today: {hidden.detection}; a canary prompt set, an evaluator score or a synthetic probe cuts time to detect.",
            "severity")
    if modes:
        from .critique import CORE_CATEGORIES
        cats = sorted({m.category for m in modes})
        missing = [c for c in CORE_CATEGORIES if c not in cats]
        add("taxonomy", "taxonomy.coverage",
            "Which failure mode did you leave out, and why is it safe to leave out?",
            f"{len(modes)} modes over categories {', '.join(cats)}"
            + (f"; missing core categories: {', '.join(missing)}" if missing else "; all five core categories covered")
            + f"; together they hit {pct(sum(m.occurrence for m in modes))} of requests (declared).", "taxonomy")
    if "P1" in levels and "P2" in levels:
        add("taxonomy", "taxonomy.p1-vs-p2", "What makes a P1 a P1 rather than a P2? Name the metric and the window.",
            f"P1: {levels['P1'].criterion}. P2: {levels['P2'].criterion}.", "severity")

    # workflow ----------------------------------------------------------------------------
    wf = d.workflow
    order = [p for p in wf.path_order() if p in d.matrix.ids]
    labels = {n.id: (n.label or n.id) for n in wf.nodes}
    routed = [(e, m) for e in wf.edges for m in e.handles]
    if routed:
        e, mode_id = routed[min(len(routed) - 1, 2)]
        add("workflow", "workflow.trace",
            f"Trace a request that fails with '{mode_id}' through the diagram: which guards does it pass, which paths does it try?",
            f"it leaves '{labels.get(e.source, e.source)}' on guard [{(e.guard or '').strip('[]')}] "
            f"to '{labels.get(e.target, e.target)}'; paths in flow order: {' → '.join(order)}.", "notation")
    if any(n.kind == "fork" for n in wf.nodes) and budget is not None and len(budget.rows) > 1:
        add("workflow", "workflow.fork",
            "Why does the failure signal fork off instead of running before the fallback?",
            f"a fork emits the signal concurrently; in sequence it would spend part of the "
            f"{budget.rows[1].deadline_left_ms:,.0f} ms left when the first fallback starts.", "notation")
    if prim is not None and prim.circuit_breaker is not None and len(paths) > 1:
        rest = d.matrix.model_copy(deep=True)
        rest.paths = [p for p in rest.paths if p.id != prim.id]
        worst = rest.budget(slo).worst_case_ms
        cb = prim.circuit_breaker
        add("workflow", "workflow.breaker",
            "When the breaker is open, what does a request skip, and what is its worst-case latency?",
            f"opens at {cb.failure_rate_threshold:.0%} failures over {cb.window_s:g} s (min {cb.min_requests} requests), "
            f"skips {prim.id} for {cb.cooldown_s:g} s; worst case without it {worst:,.0f} ms vs {slo.threshold_ms:g} ms.",
            "fault_tolerance")

    add("workflow", "workflow.standalone",
        "Could the gateway team review this diagram without the other three artifacts? What does it name, and how?",
        f"it names {len(wf.invoked_paths)} fallback paths and {len(wf.handled_modes)} failure modes by id only; "
        f"{len(d.reference_problems())} references fail to resolve.", "consistency")

    # post-mortem loop --------------------------------------------------------------------
    pm = d.postmortem
    meas = {m.name: m for m in pm.measure().metrics} if pm.incidents else {}
    ttr = meas.get("time_to_resolve")
    if ttr is not None and ttr.median is not None:
        add("postmortem", "postmortem.median-not-mean",
            "Why report time to resolve as median and p90 rather than a mean?",
            f"over {ttr.count} incidents: median {ttr.median:.0f} min, p90 {ttr.p90:.0f} min, mean {ttr.mean:.0f} min — "
            "one long incident drags the mean far from the typical case.", "loop")
    timed = [(i.minutes("time_to_detect"), i) for i in pm.incidents if i.minutes("time_to_detect") is not None]
    if timed:
        mins, slow = max(timed, key=lambda t: t[0])
        items = [a.id for a in pm.action_items if a.incident == slow.id or (slow.failure_mode and a.failure_mode == slow.failure_mode)]
        add("postmortem", "postmortem.slowest-detection",
            f"{slow.id} took {mins:,.0f} min to detect. Which action item stops that recurring, and how will you know it worked?",
            f"action items on it: {', '.join(items) or 'none yet'}; measure time_to_detect median and p90 against the targets "
            "at the weekly review.", "loop")
    add("postmortem", "postmortem.cadence", "Who owns the loop, when is a post-mortem due, and what happens at the weekly review?",
        f"owner {pm.owner}; post-mortem within {pm.cadence.per_incident_within_days} days of resolution; weekly review on "
        f"{pm.cadence.weekly_review}; triggers: {'; '.join(pm.triggers)}.", "loop")
    return out


def questions_for(design: Design, crit: Critique, per_artifact: int = 3) -> dict[str, list[Question]]:
    """Per artifact: questions from its weakest findings first, then from its trade-offs."""
    trade = tradeoff_questions(design)
    out: dict[str, list[Question]] = {}
    for art in SESSION_ARTIFACTS:
        fs = [f for f in crit.weakest() if _session_for(f) == art]
        qs = [_finding_question(f, art, k) for k, f in enumerate(fs[:per_artifact])]
        qs += trade[art][: max(per_artifact - len(qs), 0)]
        out[art] = qs
    return out


# -- the interview --------------------------------------------------------------------------
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
        if minutes_per_artifact <= 0:
            raise ValueError("minutes_per_artifact must be > 0")
        self.design = design
        self.mode: Mode = mode
        self.critique = critique(design, simulation)
        qs = questions_for(design, self.critique, questions_per_artifact)
        self.sessions = [Session(a, minutes_per_artifact, qs[a]) for a in artifacts]
        self.clock = clock or time.monotonic
        self._index = 0
        self._mark: float | None = None

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
        return self.mode == "solo"

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
        a = Answer(q.id, text.strip() or NO_ANSWER, took, late=s.over_time, rating=rating)
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
                     seconds_per_answer: float = 60.0) -> "Scorecard":
        """Run headless: answer every question from ``answers`` and return the scorecard.

        ``answers`` maps question id → text (or ``(text, seconds)``), with an optional
        ``"*"`` default; or is a list used in order. Time runs on a virtual clock, so a
        scripted run is deterministic.
        """
        self.clock = _ScriptClock()
        for s in self.sessions:
            if s.started_at is not None:
                s.started_at = 0.0
        self._mark = 0.0 if self.session and self.session.started_at is not None else None
        seq = list(answers) if isinstance(answers, (list, tuple)) else None
        mapping = dict(answers) if isinstance(answers, Mapping) else {}
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
        """What ``role`` sees now. Hints show in solo mode, and always to the interviewer."""
        if self.finished:
            return "Interview finished. " + self.scorecard().summary()
        s, q = self.session, self.current_question
        left = self.time_left_s()
        clock = f"{max(left, 0) / 60:.1f} min left" if left is not None else f"{s.minutes:g} min"
        if left is not None and left < 0:
            clock = f"over time by {-left / 60:.1f} min"
        lines = [f"{s.title} — question {len(s.answers) + 1} of {len(s.questions)} ({clock})",
                 f"Q: {q.text}"]
        if self.show_hints or role == "interviewer":
            lines.append(f"Hint: {q.hint}")
        if role == "interviewer":
            lines.append(f"Probes: {q.criterion} ({q.source})")
        return "\n".join(lines)

    def scorecard(self) -> "Scorecard":
        return Scorecard(self.design.context.name, self.mode, self.critique, self.sessions)

    def questions(self) -> list[Question]:
        return [q for s in self.sessions for q in s.questions]

    def __repr__(self) -> str:
        return f"<MockInterview {self.design.context.name!r} mode={self.mode} {self.view()!r}>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.view("candidate")}


@dataclass
class Scorecard:
    """The rubric scores plus how the answers went, per session; exports Markdown."""

    design_name: str
    mode: str
    critique: Critique
    sessions: list[Session]

    @property
    def answers(self) -> list[Answer]:
        return [a for s in self.sessions for a in s.answers]

    def session_rows(self) -> list[dict]:
        rows = []
        for s in self.sessions:
            rated = [a.rating for a in s.answers if a.rating is not None]
            rows.append({
                "artifact": s.title, "questions": len(s.questions),
                "answered": sum(a.answered for a in s.answers),
                "quantified": sum(a.quantified for a in s.answers),
                "minutes used": round(s.elapsed_s / 60, 1), "minutes allotted": s.minutes,
                "on time": "no" if s.over_time else "yes",
                "interviewer mark": round(sum(rated) / len(rated), 1) if rated else None,
            })
        return rows

    def probes(self, criterion: str) -> tuple[int, int, int]:
        """(questions asked, answered, answered with a number) on one rubric criterion."""
        asked = [(q, s.answer_to(q.id)) for s in self.sessions for q in s.questions if q.criterion == criterion]
        return (len(asked), sum(bool(a and a.answered) for _, a in asked), sum(bool(a and a.quantified) for _, a in asked))

    def rubric_rows(self) -> list[dict]:
        rows = []
        for s in self.critique.scores:
            n, ok, num = self.probes(s.id)
            rows.append({"criterion": s.name, "design score": f"{s.label} ({s.score}/5)",
                         "answers": f"{ok}/{n} answered, {num} with a number" if n else "not probed"})
        return rows

    def summary(self) -> str:
        ans = self.answers
        strong = sum(sc.at_least_strong for sc in self.critique.scores)
        return (f"{sum(a.answered for a in ans)}/{len(ans)} questions answered, {sum(a.quantified for a in ans)} with a number; "
                f"rubric: {strong}/{len(self.critique.scores)} criteria at least Strong")

    def to_dict(self) -> dict:
        return {"design": self.design_name, "mode": self.mode, "summary": self.summary(),
                "rubric": [{"criterion": s.id, "name": s.name, "score": s.score, "label": s.label} for s in self.critique.scores],
                "sessions": [{"artifact": s.artifact, "minutes": s.minutes, "elapsed_s": s.elapsed_s,
                              "questions": [asdict(q) for q in s.questions],
                              "answers": [{**asdict(a), "quantified": a.quantified} for a in s.answers]} for s in self.sessions]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self, hints: bool = True) -> str:
        lines = [f"# Mock interview scorecard: {self.design_name}", "",
                 f"Mode: {self.mode}. {self.summary()}.", "", "## Rubric", "",
                 "| criterion | design score | answers |", "|---|---|---|"]
        lines += [f"| {r['criterion']} | **{r['design score']}** | {r['answers']} |" for r in self.rubric_rows()]
        lines += ["", "## Sessions", "", "| artifact | answered | with a number | minutes used | on time | mark |",
                  "|---|---|---|---|---|---|"]
        for r in self.session_rows():
            mark = "" if r["interviewer mark"] is None else f"{r['interviewer mark']}/5"
            lines.append(f"| {r['artifact']} | {r['answered']}/{r['questions']} | {r['quantified']} | "
                         f"{r['minutes used']:g} of {r['minutes allotted']:g} | {r['on time']} | {mark} |")
        lines += ["", "## Transcript", ""]
        for s in self.sessions:
            lines += [f"### {s.title}", ""]
            for q in s.questions:
                a = s.answer_to(q.id)
                lines.append(f"**Q.** {_md(q.text)}  ")
                if a is None:
                    lines.append("*not reached*")
                else:
                    tags = [f"{a.seconds / 60:.1f} min"] + (["late"] if a.late else []) + \
                           (["no number"] if a.answered and not a.quantified else []) + \
                           ([f"vague: {c!r}" for c in a.vague_claims]) + \
                           ([f"mark {a.rating}/5"] if a.rating is not None else [])
                    lines.append(f"**A.** {_md(a.text)} _({', '.join(tags)})_  ")
                if hints:
                    lines.append(f"*A strong answer cites:* {_md(q.hint)}")
                lines.append("")
        weak = self.critique.weakest(5)
        if weak:
            lines += ["## Work on next", ""] + [f"- `{f.location}`: {_md(f.fix)}" for f in weak]
        return "\n".join(lines).rstrip("\n") + "\n"

    def to_text(self) -> str:
        from . import display
        lines = [f"Mock interview scorecard: {self.design_name} ({self.mode})", self.summary(), ""]
        lines.append(display.text_table(self.rubric_rows(), ["criterion", "design score", "answers"]))
        lines += ["", display.text_table(self.session_rows(), list(self.session_rows()[0]) if self.sessions else [])]
        return "\n".join(lines)

    def to_html(self) -> str:
        from . import display
        rubric = display.html_table(self.rubric_rows(), ["criterion", "design score", "answers"])
        rows = self.session_rows()
        sessions = display.html_table(rows, list(rows[0]) if rows else [])
        return display.section(f"Mock interview scorecard: {self.design_name}",
                               f"<p>{html.escape(self.summary())}</p>" + rubric + "<h4>Sessions</h4>" + sessions)

    def save(self, path: str) -> str:
        """Write the scorecard as Markdown (or JSON when the name ends in .json), atomically."""
        from .files import atomic_write_text
        text = self.to_json() if str(path).endswith(".json") else self.to_markdown()
        return str(atomic_write_text(path, text))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html(), "text/markdown": self.to_markdown()}


def _md(text: str) -> str:
    return text.replace("\n", " ")
