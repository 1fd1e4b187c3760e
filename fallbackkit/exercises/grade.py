"""Grade one notebook: the learner's cells in an isolated process, the tests in a fresh one.

::

    g = grade_notebook("ex1_failure_taxonomy.ipynb")    # finds the packaged solution
    print(g.to_text())                                    # score and feedback per question

Two processes per submission. The **learner's process** runs the learner's code cells (never
their test cells) under :mod:`~fallbackkit.exercises.isolation` and hands back only data: the
values of the names the answers bind, and each cell's error. The **grader's process** runs the
exercise's own setup code and the visible and hidden tests on those values. A question scores
its points only when its tests ran to their end in the grader's process — positive evidence
the learner's code never touched (it cannot patch ``AssertionError``, the IPython shell,
``hmac`` or anything else there, because it never runs there).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .isolation import Limits, run
from .key import Key, key_of
from .markers import ExerciseError, test_header

MAX_ANSWERS_BYTES = 32 * 1024 * 1024


@dataclass
class QuestionResult:
    qid: str
    points: int
    earned: int
    feedback: str

    @property
    def passed(self) -> bool:
        return self.earned == self.points


@dataclass
class Grade:
    notebook: str
    questions: list[QuestionResult] = field(default_factory=list)
    note: str = ""

    @property
    def score(self) -> int:
        return sum(q.earned for q in self.questions)

    @property
    def total(self) -> int:
        return sum(q.points for q in self.questions)

    def to_dict(self) -> dict:
        return {"notebook": self.notebook, "score": self.score, "total": self.total, "note": self.note,
                "questions": [asdict(q) for q in self.questions]}

    @classmethod
    def from_dict(cls, d: dict) -> "Grade":
        return cls(d["notebook"], [QuestionResult(**q) for q in d["questions"]], d.get("note", ""))

    def to_text(self) -> str:
        lines = [f"{self.notebook}: {self.score}/{self.total} points"]
        if self.note:
            lines.append(self.note)
        w = max((len(q.qid) for q in self.questions), default=4)
        for q in self.questions:
            mark = "ok  " if q.passed else "FAIL"
            lines.append(f"  {mark} {q.qid:<{w}}  {q.earned}/{q.points}  {q.feedback}")
        return "\n".join(lines)


def read_notebook(path: Path):
    import nbformat
    try:
        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise ExerciseError(f"{path}: no such notebook") from None
    except Exception as exc:  # noqa: BLE001 - a corrupt file is bad input
        raise ExerciseError(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})") from None


def learner_cells(nb, key: Key) -> tuple[list[tuple[int, str]], dict[str, list[int]]]:
    """The learner's code cells to run (test cells left out) and, per question, the cells above its test."""
    qids = {q for q, _ in key.questions}
    cells, above, pending = [], {}, []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        hdr = test_header(cell.source)
        if hdr and hdr[0] in qids:
            above.setdefault(hdr[0], list(pending))
            pending = []
        else:
            cells.append((i, cell.source))
            pending.append(i)
    return cells, above


def _read_answers(path: Path) -> dict | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        import stat
        if not stat.S_ISREG(os.fstat(fd).st_mode):      # a FIFO or device would hang or flood the read
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_ANSWERS_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_ANSWERS_BYTES:
        return {"errors": {}, "values": {}, "too_big": True}
    try:
        state = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return state if isinstance(state, dict) else None


def grade_notebook(path: str | os.PathLike, *, key: Key | None = None, solutions_dir: str | os.PathLike | None = None,
                   limits: Limits = Limits(), protected: list[str] | None = None, label: str | None = None) -> Grade:
    """Grade a learner's notebook (its solution found from its metadata unless ``key`` is given)."""
    from .catalog import solution_for, solutions_dir as packaged
    path = Path(path)
    nb = read_notebook(path)
    if key is None:
        sol = solution_for(path, nb, solutions_dir)
        key = key_of(read_notebook(sol), sol.name)
    # the learner's code may not open the solutions (nor what the caller protects: submissions, gradebook)
    shut = [str(Path(solutions_dir or packaged()).resolve())] + list(protected or [])
    cells, above = learner_cells(nb, key)
    base = Path(tempfile.mkdtemp(prefix="fk-grade-"))
    try:
        work = base / "work"
        work.mkdir()
        shutil.copyfile(path, work / path.name)
        job = {"cells": cells, "names": key.answer_names, "protected": shut, "cell_s": limits.cell_s,
               "answers": "answers.json"}
        code, _ = run([sys.executable, "-m", "fallbackkit.exercises.learner"], work, limits,
                      stdin=json.dumps(job).encode())
        state = _read_answers(work / "answers.json") or {}
        note = _learner_note(code, state, limits)
        tests = _run_tests(key, state.get("values") or {}, base / "grader", limits)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    errors = {int(k): str(v)[:600] for k, v in (state.get("errors") or {}).items() if str(k).isdigit()}
    grade = Grade(label or str(path), note=note)
    for qid, points in key.questions:
        answer_errors = [errors[i] for i in above.get(qid, []) if i in errors]
        fb = feedback(tests.get(qid), answer_errors, stopped=bool(note) and not state.get("done"))
        grade.questions.append(QuestionResult(qid, points, points if fb == "passed" else 0, fb))
    return grade


def _learner_note(code: int | None, state: dict, limits: Limits) -> str:
    if state.get("too_big"):
        return "the notebook's answers are too large to grade (over 32 MB of data)"
    if state.get("done"):
        return ""
    if code is None:
        return f"the notebook stopped running: it ran past the {limits.wall_s:g} s limit and was stopped"
    if code < 0:
        import signal
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        return f"the notebook stopped running: its process was killed by {name} (memory or CPU limit?)"
    return f"the notebook stopped running: its process exited with code {code} before the end"


def _run_tests(key: Key, values: dict, workdir: Path, limits: Limits) -> dict:
    workdir.mkdir()
    job = {"key": key.to_json(), "values": values, "test_s": int(limits.cell_s)}
    code, out = run([sys.executable, "-m", "fallbackkit.exercises.tester"], workdir, limits,
                    stdin=json.dumps(job).encode(), timeout_s=limits.wall_s, capture=True)
    try:
        return json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError, UnicodeDecodeError):
        why = "timed out" if code is None else f"exit code {code}"
        return {qid: {"visible": f"GraderError: the tests could not run on this answer ({why})", "hidden": None}
                for qid, _ in key.questions}


def feedback(result: dict | None, answer_errors: list[str], *, stopped: bool = False) -> str:
    """One sentence per question, most useful first."""
    r = result or {}
    visible, hidden = r.get("visible"), r.get("hidden")
    failure = visible or hidden or ""
    if not failure and result is not None:
        return "passed"
    not_answered = [a for a in answer_errors if a.startswith("NotImplementedError")]
    if not_answered:
        return "not answered yet: the answer cell above still raises NotImplementedError; replace that line with your code"
    if answer_errors:
        return f"a cell above the tests raised {answer_errors[0]}; fix it, then rerun the tests"
    if stopped and failure.startswith(("NameError", "TypeError")):
        return "the tests did not run on an answer (the notebook stopped earlier)"
    if failure.startswith("NameError"):
        return f"not answered yet: {failure.split(': ', 1)[-1]}; write the answer cell above this test"
    if visible:
        return f"visible test failed: {visible}"
    return f"visible tests pass; a hidden test failed: {hidden}"
