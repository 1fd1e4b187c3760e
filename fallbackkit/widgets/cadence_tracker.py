"""CadenceTracker: which artifacts are done, per day of the three-day plan.

Day 1 failure taxonomy and latency-budget matrix; Day 2 recovery workflow; Day 3
post-mortem loop, polish and critique. An artifact is *done* when the model finds no
problem in it (its own rules and the ids it shares with the others).

    CadenceTracker("my_design.yaml", start=datetime.date(2026, 11, 24))
"""

from __future__ import annotations

import datetime as dt
import html
import os

import ipywidgets as W

from ..design import Design
from .. import cadence
from ..problems import DesignError
from ._base import CSS, FkWidget, as_design, message_html, stamp

TITLES = {"taxonomy": "failure taxonomy", "matrix": "latency-budget matrix",
          "workflow": "recovery workflow", "postmortem": "post-mortem loop", "design": "polish: the joins"}


def plan_day(start: dt.date | None, today: dt.date | None) -> int | None:
    """Which day of the plan ``today`` is (1–3; beyond 3 means late), or None without a start."""
    if start is None:
        return None
    return ((today or dt.date.today()) - start).days + 1


class CadenceTracker(FkWidget):
    css_class = "fbk-cadence-tracker"

    def __init__(self, design: Design | str | os.PathLike | None = None, path: str | os.PathLike | None = None,
                 start: dt.date | None = None, today: dt.date | None = None):
        super().__init__()
        self.design, self.path = as_design(design, path)
        self.start, self.today = start, today
        self.report: cadence.CadenceReport | None = None
        self.bars = {day: W.IntProgress(min=0, max=len(names), description=f"Day {day}", bar_style="info")
                     for day, names in cadence.PLAN.items()}
        for b in self.bars.values():
            b.add_class("fbk-day-progress")
        self.board = W.HTML("")
        self.board.add_class("fbk-cadence-board")
        self.refresh_button = W.Button(description="Re-check", icon="refresh",
                                       tooltip="re-read the design file and re-check every artifact")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.message = W.HTML("")
        self.children = [W.HTML(CSS + "<b>Three-day cadence</b>"), W.HBox(list(self.bars.values())), self.board,
                         W.HBox([self.refresh_button, self.message])]
        self.update(self.design)

    def refresh(self) -> None:
        """Re-read the design file (when there is one) and re-check."""
        if self.path:
            try:
                from ..design import load
                self.update(load(self.path))
            except DesignError as exc:
                self.message.value = message_html(f"{self.path} does not load: {len(exc.problems)} problems", "error")
                return
        else:
            self.update(self.design)
        self.message.value = f"<small>checked at {stamp()}</small>"

    def update(self, design: Design) -> None:
        """Re-check ``design`` with the core tracker (``fallbackkit.cadence.track``) and redraw."""
        self.design = design
        day = plan_day(self.start, self.today)
        self.report = cadence.track(design, day=None if day is None else min(max(day, 1), 3))
        for d, (complete, _planned) in self.report.per_day().items():
            bar = self.bars[d]
            bar.value = complete
            bar.bar_style = "success" if bar.value == bar.max else "warning"
        self.board.value = self._board_html()

    @property
    def done(self) -> list[str]:
        return [i.artifact for i in self.report.items if i.complete]

    def summary(self) -> str:
        day = plan_day(self.start, self.today)
        line = self.report.summary()
        if day is not None and day > 3:
            line += f"; today is day {day}, past the three-day plan"
        return line

    def _board_html(self) -> str:
        rows = []
        for i in self.report.items:
            mark = ("<span class='fbk-ok'>✔ complete</span>" if i.complete
                    else f"<span class='fbk-over'>✘ {html.escape(i.status)}</span>")
            first = html.escape(i.reasons[0]) if i.reasons else ""
            rows.append(f"<tr><td>Day {i.day}</td><td>{html.escape(TITLES.get(i.artifact, i.artifact))}</td>"
                        f"<td>{mark}</td><td><small>{first}</small></td></tr>")
        return (f"<div class='fbk mathjax_ignore tex2jax_ignore'><table><thead><tr><th>day</th><th>artifact</th><th>status</th><th>first gap</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table><p>{html.escape(self.summary())}</p></div>")

    def to_text(self) -> str:
        lines = ["CadenceTracker — " + self.summary()]
        for i in self.report.items:
            gap = f" — {i.reasons[0]}" if i.reasons else ""
            lines.append(f"  Day {i.day}  {TITLES.get(i.artifact, i.artifact):<22} {i.status}{gap}")
        return "\n".join(lines)
