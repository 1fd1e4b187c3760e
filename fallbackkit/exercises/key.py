"""The answer key of an exercise: what the grader runs, read from the solution notebook.

A key is a list of steps in notebook order:

* ``setup``: a cell of the exercise's own code (parameters, given data); the grader runs it;
* ``answer``: an answer cell. The grader runs the lines before ``### BEGIN SOLUTION`` (given
  code), then binds the names the solution block defines to the **learner's values**; the
  solution itself never runs and the lines after ``### END SOLUTION`` (display) are skipped;
* ``test``: a question's test cell, visible and hidden parts, run by the grader.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .markers import (BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, ExerciseError, defined_names,
                      lines_between, split_marked, test_header)


@dataclass
class Step:
    kind: str                 # setup | answer | test
    source: str = ""          # setup: the cell; answer: the given lines before the solution; test: visible part
    hidden: str = ""          # test: the hidden part
    names: list[str] = field(default_factory=list)   # answer: the names the learner's answer must bind
    qid: str = ""
    points: int = 0


@dataclass
class Key:
    exercise: str
    steps: list[Step]

    @property
    def questions(self) -> list[tuple[str, int]]:
        return [(s.qid, s.points) for s in self.steps if s.kind == "test"]

    @property
    def answer_names(self) -> list[str]:
        return [n for s in self.steps if s.kind == "answer" for n in s.names]

    def to_json(self) -> str:
        return json.dumps({"exercise": self.exercise, "steps": [asdict(s) for s in self.steps]}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Key":
        d = json.loads(text)
        return cls(d["exercise"], [Step(**s) for s in d["steps"]])

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]


def key_of(nb, name: str) -> Key:
    """Read the key from a solution notebook (raises ExerciseError on malformed markers)."""
    steps: list[Step] = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where, src = f"{name} cell {i}", cell.source
        hdr = test_header(src)
        if hdr:
            visible = lines_between(src, BEGIN_HIDDEN, END_HIDDEN, None, where)
            _, hidden, _ = split_marked(src, BEGIN_HIDDEN, END_HIDDEN)
            steps.append(Step("test", visible, hidden, qid=hdr[0], points=hdr[1]))
        elif BEGIN_SOLUTION in src:
            lines_between(src, BEGIN_SOLUTION, END_SOLUTION, None, where)   # validates the markers
            before, solution, _ = split_marked(src, BEGIN_SOLUTION, END_SOLUTION)
            steps.append(Step("answer", before, names=defined_names(solution)))
        else:
            steps.append(Step("setup", src))
    if not any(s.kind == "test" for s in steps):
        raise ExerciseError(f"{name}: no test cell; expected cells starting with '# TEST <id> (<n> points)'")
    return Key(Path(name).stem, steps)


def load_key(path: str | Path) -> Key:
    import nbformat
    return key_of(nbformat.read(str(path), as_version=4), Path(path).name)
