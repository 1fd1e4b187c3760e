"""The scorecard: the critique's rubric plus how the answers went, per session."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from ..display import esc_md, md_cell
from ..review import Critique
from .session import Answer, Session


@dataclass
class Scorecard:
    """The rubric scores plus how the answers went, per session; exports Markdown."""

    design_name: str
    mode: str
    critique: Critique
    sessions: list[Session]
    note: str = ""   # e.g. why scripted answers were not scored

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
        """The header line; its counts are the session table's column sums."""
        rows = self.session_rows()
        strong = sum(sc.at_least_strong for sc in self.critique.scores)
        return (f"{sum(r['answered'] for r in rows)}/{sum(r['questions'] for r in rows)} questions answered, "
                f"{sum(r['quantified'] for r in rows)} with a number; "
                f"rubric: {strong}/{len(self.critique.scores)} criteria at least Strong")

    def to_dict(self) -> dict:
        return {"design": self.design_name, "mode": self.mode, "summary": self.summary(), "note": self.note,
                "rubric": [{"criterion": s.id, "name": s.name, "score": s.score, "label": s.label} for s in self.critique.scores],
                "sessions": [{"artifact": s.artifact, "minutes": s.minutes, "elapsed_s": s.elapsed_s,
                              "questions": [asdict(q) for q in s.questions],
                              "answers": [{**asdict(a), "quantified": a.quantified} for a in s.answers]} for s in self.sessions]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self, hints: bool = True) -> str:
        lines = [f"# Mock interview scorecard: {esc_md(self.design_name)}", "",
                 f"Mode: {self.mode}. {md_cell(self.summary())}.", ""]
        if self.note:
            lines += [f"*Note:* {esc_md(self.note)}", ""]
        lines += ["## Rubric", "",
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
                lines.append(f"**Q.** {esc_md(q.text)}  ")
                if a is None:
                    lines.append("*not reached*")
                else:
                    tags = [f"{a.seconds / 60:.1f} min"] + (["late"] if a.late else []) + \
                           (["no number"] if a.answered and not a.quantified else []) + \
                           ([f"vague: {c!r}" for c in a.vague_claims]) + \
                           ([f"mark {a.rating}/5"] if a.rating is not None else [])
                    lines.append(f"**A.** {esc_md(a.text)} _({esc_md(', '.join(tags))})_  ")
                if hints:
                    lines.append(f"*A strong answer cites:* {esc_md(q.hint)}")
                lines.append("")
        weak = self.critique.weakest(5)
        if weak:
            lines += ["## Work on next", ""] + [f"- `{f.location}`: {esc_md(f.fix)}" for f in weak]
        return "\n".join(lines).rstrip("\n") + "\n"

    def to_text(self) -> str:
        from .. import display
        lines = [f"Mock interview scorecard: {self.design_name} ({self.mode})", self.summary(), ""]
        lines.append(display.text_table(self.rubric_rows(), ["criterion", "design score", "answers"]))
        lines += ["", display.text_table(self.session_rows(), list(self.session_rows()[0]) if self.sessions else [])]
        return "\n".join(lines)

    def to_html(self) -> str:
        from .. import display
        rubric = display.html_table(self.rubric_rows(), ["criterion", "design score", "answers"])
        rows = self.session_rows()
        sessions = display.html_table(rows, list(rows[0]) if rows else [])
        note = f"<p><i>{display.esc_html(self.note)}</i></p>" if self.note else ""
        return display.section(f"Mock interview scorecard: {self.design_name}",
                               f"<p>{display.esc_html(self.summary())}</p>" + note + rubric + "<h4>Sessions</h4>" + sessions)

    def save(self, path: str) -> str:
        """Write the scorecard as Markdown (or JSON when the name ends in .json), atomically."""
        from ..files import atomic_write_text
        text = self.to_json() if str(path).endswith(".json") else self.to_markdown()
        return str(atomic_write_text(path, text))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html(), "text/markdown": self.to_markdown()}
