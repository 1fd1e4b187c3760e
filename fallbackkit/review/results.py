"""What a critique returns: findings with fixes, evidence per criterion, and the rubric's scores."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Literal

from ..display import esc_html, esc_md, md_code
from .registry import CHECKS, CRITERIA, RATINGS, STRONG, FindingSeverity


@dataclass(frozen=True)
class Evidence:
    """One line of evidence for a criterion: what the design says, where, and whether it holds."""

    text: str
    location: str
    ok: bool
    scored: bool = True   # False: a measured outcome shown for the reader, not weighed in the score


@dataclass(frozen=True)
class Finding:
    """Something a reviewer would flag: which check, how bad, where, and how to fix it."""

    check: str
    severity: FindingSeverity
    location: str
    message: str
    fix: str
    flaw_class: str = ""

    @property
    def blocking(self) -> bool:
        return self.severity == "blocking"

    @property
    def criterion(self) -> str:
        return CHECKS[self.check].criterion

    def __str__(self) -> str:
        return f"[{self.severity}] {self.location}: {self.message} — fix: {self.fix}"


@dataclass
class CriterionScore:
    id: str
    name: str
    score: int
    evidence: list[Evidence]
    findings: list[Finding]

    @property
    def label(self) -> str:
        return RATINGS[self.score]

    @property
    def at_least_strong(self) -> bool:
        return self.score >= STRONG


@dataclass
class Critique:
    """Rubric scores and findings for one design; renders itself and exports Markdown/JSON."""

    design_name: str
    scores: list[CriterionScore]
    findings: list[Finding]
    numbers: Literal["declared", "simulated"] = "declared"

    # -- queries ---------------------------------------------------------------------------
    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def notes(self) -> list[Finding]:
        """Findings a reviewer should know of that do not weigh on the score (a p90 of five incidents)."""
        return [f for f in self.findings if f.severity == "note"]

    @property
    def passed(self) -> bool:
        """No blocking finding (the CLI exits 1 otherwise)."""
        return not self.blocking

    def score(self, criterion: str) -> CriterionScore:
        for s in self.scores:
            if s.id == criterion:
                return s
        raise KeyError(f"unknown criterion {criterion!r}; expected one of {', '.join(CRITERIA)}")

    def by_check(self, check: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check]

    @property
    def checks_triggered(self) -> set[str]:
        return {f.check for f in self.findings}

    def weakest(self, n: int | None = None, artifact: str | None = None) -> list[Finding]:
        """Findings, worst first: blocking before warnings, then by their criterion's score."""
        rank = {s.id: s.score for s in self.scores}
        fs = [f for f in self.findings if artifact is None or artifact_of(f.location) == artifact]
        order = {"blocking": 0, "warning": 1, "note": 2}
        fs = sorted(fs, key=lambda f: (order.get(f.severity, 3), rank.get(f.criterion, 5)))
        return fs[:n] if n is not None else fs

    def weakest_criteria(self, n: int = 3) -> list[CriterionScore]:
        return sorted(self.scores, key=lambda s: s.score)[:n]

    # -- exports ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "design": self.design_name,
            "numbers": self.numbers,
            "passed": self.passed,
            "scores": [{"criterion": s.id, "name": s.name, "score": s.score, "label": s.label,
                        "evidence": [asdict(e) for e in s.evidence],
                        "findings": [f.check for f in s.findings]} for s in self.scores],
            "findings": [{**asdict(f), "criterion": f.criterion} for f in self.findings],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_frame(self):
        """The rubric as a pandas DataFrame, one row per criterion."""
        import pandas as pd
        return pd.DataFrame([{"criterion": s.name, "score": s.score, "label": s.label,
                              "blocking": sum(f.blocking for f in s.findings),
                              "warnings": sum(f.severity == "warning" for f in s.findings),
                              "notes": sum(f.severity == "note" for f in s.findings)} for s in self.scores]).set_index("criterion")

    def findings_frame(self):
        """The findings as a pandas DataFrame, worst first."""
        import pandas as pd
        cols = ["severity", "check", "criterion", "location", "message", "fix"]
        return pd.DataFrame([{**asdict(f), "criterion": f.criterion} for f in self.weakest()], columns=cols)

    def summary(self, name: str | None = None) -> str:
        verdict = "passes" if self.passed else f"{len(self.blocking)} blocking finding{'s' * (len(self.blocking) != 1)}"
        notes = f", {len(self.notes)} note{'s' * (len(self.notes) != 1)}" if self.notes else ""
        return (f"Critique of {self.design_name if name is None else name} ({self.numbers} numbers): {verdict}, "
                f"{len(self.warnings)} warning{'s' * (len(self.warnings) != 1)}{notes}")

    def to_markdown(self) -> str:
        """The scorecard as Markdown; every piece of design text is escaped (no raw HTML, no maths)."""
        lines = [f"# {self.summary(esc_md(self.design_name))}", "", "## Rubric", "",
                 "| criterion | score | findings |", "|---|---|---|"]
        for s in self.scores:
            nb = sum(f.blocking for f in s.findings)
            nw = sum(f.severity == "warning" for f in s.findings)
            nn = len(s.findings) - nb - nw
            lines.append(f"| {s.name} | **{s.label}** ({s.score}/5) | "
                         f"{nb} blocking, {nw} warning{'s' * (nw != 1)}" + (f", {nn} note{'s' * (nn != 1)}" if nn else "") + " |")
        lines += ["", "## Findings", ""]
        if not self.findings:
            lines.append("None.")
        for f in self.weakest():
            lines.append(f"- **{f.severity}** `{md_code(f.location)}` ({f.check}, {f.flaw_class}): {esc_md(f.message)}  \n"
                         f"  *Fix:* {esc_md(f.fix)}")
        lines += ["", "## Evidence", ""]
        for s in self.scores:
            lines += [f"### {s.name}: {s.label}", ""]
            lines += [f"- {'✓' if e.ok else '✗'} {esc_md(e.text)} (`{md_code(e.location)}`)" for e in s.evidence]
            lines.append("")
        return "\n".join(lines).rstrip("\n") + "\n"

    def to_text(self) -> str:
        lines = [self.summary(), ""]
        width = max(len(s.name) for s in self.scores)
        for s in self.scores:
            lines.append(f"{s.name.ljust(width)}  {s.label} ({s.score}/5)")
            for e in s.evidence:
                lines.append(f"    {'✓' if e.ok else '✗'} {e.text}  [{e.location}]")
        lines.append("")
        lines.append("Findings:" if self.findings else "Findings: none")
        for f in self.weakest():
            lines.append(f"  {f}")
        return "\n".join(lines)

    def to_html(self) -> str:
        from .. import display
        rows = "".join(
            f"<tr><td>{esc_html(s.name)}</td><td class='{'ok' if s.at_least_strong else 'over'}'>"
            f"{esc_html(s.label)} ({s.score}/5)</td><td><ul>"
            + "".join(f"<li>{'✓' if e.ok else '✗'} {esc_html(e.text)} <code>{esc_html(e.location)}</code></li>"
                      for e in s.evidence) + "</ul></td></tr>" for s in self.scores)
        table = f"<table><thead><tr><th>criterion</th><th>score</th><th>evidence</th></tr></thead><tbody>{rows}</tbody></table>"
        finds = "".join(
            f"<tr><td class='{'over' if f.blocking else ''}'>{f.severity}</td><td><code>{esc_html(f.location)}</code></td>"
            f"<td>{esc_html(f.message)}</td><td>{esc_html(f.fix)}</td></tr>" for f in self.weakest())
        ftable = (f"<h4>Findings</h4><table><thead><tr><th>severity</th><th>location</th><th>finding</th><th>fix</th>"
                  f"</tr></thead><tbody>{finds}</tbody></table>") if self.findings else "<p>No findings.</p>"
        return display.section(self.summary(), table + ftable)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html(), "text/markdown": self.to_markdown()}

    def __str__(self) -> str:
        return self.to_text()


def artifact_of(location: str) -> str:
    """The artifact a field path belongs to: 'matrix.paths[1].timeout_ms' → 'matrix'."""
    head = re.split(r"[.\[]", location, maxsplit=1)[0]
    return head
