"""A thin ipywidgets view over :class:`fallbackkit.interview.MockInterview`.

All logic (questions, timing, hints, scorecard) lives in the core object; this view only
shows the current question and forwards the buttons::

    from fallbackkit.widgets.interview import InterviewWidget
    w = InterviewWidget(MockInterview(design, mode="interviewer"))
    w                      # in JupyterLab: the live view; in papermill/nbval: its text form

In interviewer mode a role switch flips between the candidate's view (no hints) and the
interviewer's (hints, and a 1–5 mark for each answer). Without a browser the widget's
``text/plain`` form is the current view, so headless runs still show something useful.
"""

from __future__ import annotations

import asyncio

import ipywidgets as w

from ..display import esc_html
from ..interview import MockInterview, Scorecard


class InterviewWidget(w.VBox):
    """Question, hint (when the role may see it), answer box, timer and scorecard."""

    def __init__(self, interview: MockInterview, *, role: str = "candidate", live_clock: bool = False):
        self.interview = interview
        self.role = role
        self.header = w.HTML()
        self.question = w.HTML()
        self.hint = w.HTML()
        self.answer_box = w.Textarea(placeholder="Answer aloud, then type the numbers you cited…",
                                     layout=w.Layout(width="100%", height="90px"))
        self.mark = w.IntSlider(value=3, min=1, max=5, description="mark", continuous_update=False)
        self.submit_button = w.Button(description="Answer", button_style="primary")
        self.skip_button = w.Button(description="Skip")
        self.next_button = w.Button(description="End this artifact")
        self.card_button = w.Button(description="Scorecard")
        self.role_toggle = w.ToggleButtons(options=["candidate", "interviewer"], value=role,
                                           description="view", layout=w.Layout(display=""
                                                                                if interview.mode == "interviewer" else "none"))
        self.scorecard_html = w.HTML()
        self.submit_button.on_click(lambda _: self.submit(self.answer_box.value))
        self.skip_button.on_click(lambda _: self.skip())
        self.next_button.on_click(lambda _: self.end_session())
        self.card_button.on_click(lambda _: self.show_scorecard())
        self.role_toggle.observe(lambda ch: self.set_role(ch["new"]), names="value")
        super().__init__([self.role_toggle, self.header, self.question, self.hint, self.answer_box, self.mark,
                          w.HBox([self.submit_button, self.skip_button, self.next_button, self.card_button]),
                          self.scorecard_html])
        interview.start()
        self.refresh()
        self._ticker = None
        if live_clock:
            self._start_clock()

    # -- actions (also the programmatic API used by tests) ---------------------------------
    def submit(self, text: str) -> None:
        if self.interview.finished:
            return
        rating = self.mark.value if self.role == "interviewer" else None
        self.interview.answer(text, rating=rating)
        self.answer_box.value = ""
        self.refresh()

    def skip(self) -> None:
        if not self.interview.finished:
            self.interview.skip()
            self.refresh()

    def end_session(self) -> None:
        self.interview.next_session()
        self.refresh()

    def set_role(self, role: str) -> None:
        self.role = role
        self.refresh()

    def show_scorecard(self) -> Scorecard:
        card = self.interview.scorecard()
        self.scorecard_html.value = card.to_html()
        return card

    # -- rendering ---------------------------------------------------------------------------
    def refresh(self) -> None:
        iv = self.interview
        lines = iv.view(self.role).split("\n")
        self.header.value = f"<b>{esc_html(lines[0])}</b>"
        q = iv.current_question
        self.question.value = f"<p>{esc_html(q.text)}</p>" if q else ""
        now, after = iv.hint_now(self.role), iv.hint_after_answer(self.role)
        self.hint.value = (f"<p><i>Hint: {esc_html(now)}</i></p>" if now else "") + \
                          (f"<p><i>{esc_html(after)}</i></p>" if after else "")
        self.mark.layout.display = "" if self.role == "interviewer" else "none"
        for b in (self.submit_button, self.skip_button, self.next_button):
            b.disabled = iv.finished
        if iv.finished:
            self.show_scorecard()

    def to_text(self) -> str:
        return self.interview.view(self.role)

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = self.to_text()  # what papermill/nbval and terminals show
        return data

    def _start_clock(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop (a plain script): the clock updates on each action instead

        async def tick():
            while not self.interview.finished:
                self.header.value = f"<b>{esc_html(self.interview.view(self.role).split(chr(10))[0])}</b>"
                await asyncio.sleep(1)

        self._ticker = loop.create_task(tick())


def interview_widget(design, *, mode: str = "solo", minutes_per_artifact: float = 10, role: str = "candidate",
                     live_clock: bool = False, **kwargs) -> InterviewWidget:
    """A mock interview over ``design`` in a widget."""
    return InterviewWidget(MockInterview(design, mode=mode, minutes_per_artifact=minutes_per_artifact, **kwargs),
                           role=role, live_clock=live_clock)
