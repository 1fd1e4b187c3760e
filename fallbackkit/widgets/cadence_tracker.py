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
from dataclasses import dataclass, field

import ipywidgets as W

from ..design import Design
from ..problems import DesignError, Problem
from ._base import CSS, FkWidget, as_design, message_html, stamp

#: day -> artifacts due that day (the template's three-day cadence)
PLAN: dict[int, tuple[str, ...]] = {1: ("taxonomy", "matrix"), 2: ("workflow",), 3: ("postmortem",)}
TITLES = {"taxonomy": "failure taxonomy", "matrix": "latency-budget matrix",
          "workflow": "recovery workflow", "postmortem": "post-mortem loop"}


@dataclass
class ArtifactStatus:
    name: str
    day: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not self.problems


def artifact_status(design: Design) -> list[ArtifactStatus]:
    """Done or not, per artifact, from ``design.problems()``.

    The one place completeness is decided: when ``fallbackkit.cadence`` lands with its
    own rule (``cadence.artifact_status``), it is used instead.
    """
    try:
        from .. import cadence  # type: ignore[attr-defined]
        core = getattr(cadence, "artifact_status", None)
    except ImportError:
        core = None
    if core is not None:
        return core(design)
    probs = design.problems()
    out = []
    for day, names in PLAN.items():
        for name in names:
            mine = [p for p in probs if p.path == name or p.path.startswith(name + ".") or p.path.startswith(name + "[")]
            out.append(ArtifactStatus(name, day, mine))
    return out


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
        self.status: list[ArtifactStatus] = []
        self.bars = {day: W.IntProgress(min=0, max=len(names), description=f"Day {day}", bar_style="info")
                     for day, names in PLAN.items()}
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
        self.design = design
        self.status = artifact_status(design)
        for day, bar in self.bars.items():
            bar.value = sum(1 for s in self.status if s.day == day and s.done)
            bar.bar_style = "success" if bar.value == bar.max else "warning"
        self.board.value = self._board_html()

    @property
    def done(self) -> list[str]:
        return [s.name for s in self.status if s.done]

    def summary(self) -> str:
        n = len(self.done)
        day = plan_day(self.start, self.today)
        line = f"{n}/{len(self.status)} artifacts done"
        if day is not None:
            due = [s.name for s in self.status if s.day <= day]
            behind = [x for x in due if x not in self.done]
            line += f"; today is day {day} of 3" + (f"; behind on {', '.join(behind)}" if behind else "; on plan")
        return line

    def _board_html(self) -> str:
        rows = []
        for s in self.status:
            mark = "<span class='fbk-ok'>✔ done</span>" if s.done else f"<span class='fbk-over'>✘ {len(s.problems)} problem{'s' if len(s.problems) != 1 else ''}</span>"
            first = html.escape(f"{s.problems[0].path}: {s.problems[0].message}") if s.problems else ""
            rows.append(f"<tr><td>Day {s.day}</td><td>{html.escape(TITLES.get(s.name, s.name))}</td><td>{mark}</td><td><small>{first}</small></td></tr>")
        return (f"<div class='fbk'><table><thead><tr><th>day</th><th>artifact</th><th>status</th><th>first problem</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table><p>{html.escape(self.summary())}</p></div>")

    def to_text(self) -> str:
        lines = ["CadenceTracker — " + self.summary()]
        for s in self.status:
            lines.append(f"  Day {s.day}  {TITLES.get(s.name, s.name):<22} {'done' if s.done else f'{len(s.problems)} problems'}")
        return "\n".join(lines)
