"""Grade a class: one row per learner, feedback per learner, resumable, on any engine.

::

    book = grade_class("submissions/", "ex1", "gradebook/")          # Dask LocalCluster
    book = grade_class("submissions/", "ex1", "gradebook/", engine="serial")

``submissions/`` holds one entry per learner: a folder (searched for the exercise's notebook,
e.g. nbgrader's ``submitted/<learner>/<assignment>/ex1_failure_taxonomy.ipynb``) or a notebook
``<learner>.ipynb``. The gradebook folder gets:

* ``results/<learner>.json`` — written atomically the moment that learner is graded; a rerun
  skips every learner whose result matches the same submission (sha-256) and the same key, so
  an interrupted run resumes and a killed one loses nothing already graded;
* ``feedback/<learner>.txt`` and ``.html`` — what to send back to the learner;
* ``gradebook.csv`` and ``gradebook.html`` — one row per learner (score, points per question,
  feedback), rebuilt from ``results/`` (sorted by learner; identical whichever engine graded).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from ..files import atomic_write_text
from .grade import Grade, QuestionResult, grade_notebook
from .isolation import Limits
from .key import Key
from .markers import ExerciseError


@dataclass
class Submission:
    learner: str
    path: str | None        # None: the learner handed in no notebook for this exercise
    label: str              # the path relative to the submissions folder (what feedback names)
    sha256: str


def learner_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.@+-]", "_", name).strip(".") or "_"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def discover(submissions: str | os.PathLike, exercise: str) -> list[Submission]:
    """One :class:`Submission` per learner entry of the folder, sorted by learner."""
    root = Path(submissions)
    if not root.is_dir():
        raise ExerciseError(f"{root}: no such folder; expected a folder with one entry per learner")
    out: dict[str, Submission] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            found = entry
        elif entry.is_dir():
            nbs = sorted(p for p in entry.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            named = [p for p in nbs if p.stem == exercise]
            found = named[0] if named else (nbs[0] if len(nbs) == 1 else None)
        else:
            continue
        lid = learner_id(entry.stem if entry.is_file() else entry.name)
        if lid in out:
            raise ExerciseError(f"{entry}: learner {lid!r} appears twice in {root}")
        out[lid] = Submission(lid, str(found) if found else None,
                              str(found.relative_to(root)) if found else str(entry.relative_to(root)),
                              _sha(found) if found else "")
    if not out:
        raise ExerciseError(f"{root}: no submissions; expected one folder or notebook per learner")
    return list(out.values())


def grade_one(task: dict) -> dict:
    """Grade one submission (runs on a worker); the record saved as results/<learner>.json.

    The notebook travels inside the task, so a Dask worker on another machine needs no shared
    file system: it grades a copy in a temporary folder of its own.
    """
    import shutil
    import tempfile
    sub = Submission(**task["submission"])
    key = Key.from_json(task["key"])
    if sub.path is None:
        g = Grade(sub.label, [QuestionResult(q, p, 0, "no notebook handed in") for q, p in key.questions],
                  note=f"no notebook for {key.exercise} found")
    else:
        inbox = Path(tempfile.mkdtemp(prefix="fk-inbox-"))
        try:
            copy = inbox / Path(sub.path).name
            copy.write_bytes(task["notebook"])
            g = grade_notebook(copy, key=key, limits=Limits(**task["limits"]), protected=task["protected"],
                               label=sub.label)
        except ExerciseError as exc:
            g = Grade(sub.label, [QuestionResult(q, p, 0, "the notebook could not be read") for q, p in key.questions],
                      note=str(exc).replace(str(inbox), "").lstrip("/"))
        finally:
            shutil.rmtree(inbox, ignore_errors=True)
    return {"learner": sub.learner, "exercise": key.exercise, "submission": sub.label, "sha256": sub.sha256,
            "key": key.digest, "grade": g.to_dict()}


class Gradebook:
    """The results of one exercise for a class, read from a gradebook folder."""

    def __init__(self, out_dir: str | os.PathLike, key: Key):
        self.dir, self.key = Path(out_dir), key

    def result_path(self, learner: str) -> Path:
        return self.dir / "results" / f"{learner}.json"

    def finished(self, sub: Submission) -> bool:
        try:
            rec = json.loads(self.result_path(sub.learner).read_text())
        except (OSError, ValueError):
            return False
        return rec.get("sha256") == sub.sha256 and rec.get("key") == self.key.digest

    def save(self, record: dict) -> None:
        """Write one learner's result and feedback, each file atomically."""
        learner = record["learner"]
        grade = Grade.from_dict(record["grade"])
        atomic_write_text(self.dir / "feedback" / f"{learner}.txt", grade.to_text() + "\n")
        atomic_write_text(self.dir / "feedback" / f"{learner}.html", feedback_html(learner, grade))
        atomic_write_text(self.result_path(learner), json.dumps(record, indent=1, sort_keys=True) + "\n")

    def records(self, learners: list[str]) -> list[dict]:
        out = []
        for lid in sorted(learners):
            try:
                out.append(json.loads(self.result_path(lid).read_text()))
            except (OSError, ValueError):
                continue
        return out

    def write(self, learners: list[str]) -> tuple[Path, Path]:
        """Rebuild gradebook.csv and gradebook.html from the learners' results."""
        recs = self.records(learners)
        atomic_write_text(self.dir / "gradebook.csv", gradebook_csv(recs, self.key))
        atomic_write_text(self.dir / "gradebook.html", gradebook_html(recs, self.key))
        return self.dir / "gradebook.csv", self.dir / "gradebook.html"


def _columns(key: Key) -> list[str]:
    return ["learner", "score", "total"] + [f"{q} ({p})" for q, p in key.questions] + ["feedback", "note", "submission"]


def _row(rec: dict, key: Key) -> list:
    g = Grade.from_dict(rec["grade"])
    earned = {q.qid: q.earned for q in g.questions}
    fb = "; ".join(f"{q.qid}: {q.feedback}" for q in g.questions if not q.passed)
    return [rec["learner"], g.score, g.total] + [earned.get(q, 0) for q, _ in key.questions] + \
        [fb or "all passed", g.note, rec["submission"]]


def gradebook_csv(records: list[dict], key: Key) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_columns(key))
    for rec in records:
        w.writerow(_row(rec, key))
    return buf.getvalue()


def gradebook_html(records: list[dict], key: Key) -> str:
    from ..display import esc_html
    cols = _columns(key)
    total = sum(p for _, p in key.questions)
    scores = [Grade.from_dict(r["grade"]).score for r in records]
    full = sum(s == total for s in scores)
    mean = sum(scores) / len(scores) if scores else 0.0
    rows = []
    for rec in records:
        cells = _row(rec, key)
        colour = "#e6f4ea" if cells[1] == cells[2] else ("#fff4e5" if cells[1] else "#fce8e6")
        rows.append(f"<tr style='background:{colour}'>" + "".join(f"<td>{esc_html(str(c))}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{esc_html(c)}</th>" for c in cols)
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>gradebook · {esc_html(key.exercise)}</title>"
            "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}</style></head><body>"
            f"<h1>Gradebook · {esc_html(key.exercise)}</h1>"
            f"<p>{len(records)} learners; {full} at full marks; mean {mean:.1f} of {total} points.</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>\n")


def feedback_html(learner: str, grade: Grade) -> str:
    from ..display import esc_html
    items = "".join(f"<li><b>{esc_html(q.qid)}</b> {q.earned}/{q.points}: {esc_html(q.feedback)}</li>"
                    for q in grade.questions)
    note = f"<p>{esc_html(grade.note)}</p>" if grade.note else ""
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>feedback · {esc_html(learner)}</title></head><body>"
            f"<h1>{esc_html(grade.notebook)}: {grade.score}/{grade.total} points</h1>{note}<ul>{items}</ul></body></html>\n")


@dataclass
class ClassResult:
    gradebook: Path
    report: Path
    graded: int
    skipped: int
    learners: int
    mean_score: float
    total: int
    failed: list[str]       # learners whose grading itself failed (not saved; a rerun retries them)


def grade_class(submissions: str | os.PathLike, exercise: str, out_dir: str | os.PathLike, *,
                engine: str = "dask", scheduler: str | None = None, workers: int | None = None,
                limits: Limits = Limits(), regrade: bool = False, solutions_dir: str | os.PathLike | None = None,
                on_graded=None) -> ClassResult:
    """Grade every learner's notebook of ``exercise``; write the gradebook folder (see module doc)."""
    from ..dispatch import Engine
    from .catalog import find, solutions_dir as packaged
    from .key import load_key
    sol = find(exercise, solutions_dir)
    key = load_key(sol)
    subs = discover(submissions, key.exercise)
    book = Gradebook(out_dir, key)
    todo = [s for s in subs if regrade or not book.finished(s)]
    protected = [str(Path(submissions).resolve()), str(Path(out_dir).resolve()),
                 str(Path(solutions_dir or packaged()).resolve())]
    tasks = [{"submission": asdict(s), "key": key.to_json(), "limits": asdict(limits), "protected": protected,
              "notebook": Path(s.path).read_bytes() if s.path else b""} for s in todo]

    failed: list[str] = []

    def done(i: int, record) -> None:
        if isinstance(record, dict):
            book.save(record)
        else:
            failed.append(todo[i].learner)
        if on_graded:
            on_graded(todo[i], record)

    with Engine(engine if tasks else "serial", scheduler=scheduler, workers=workers) as e:
        e.map(grade_one, tasks, on_result=done)
    csv_path, html_path = book.write([s.learner for s in subs])
    scores = [Grade.from_dict(r["grade"]).score for r in book.records([s.learner for s in subs])]
    return ClassResult(csv_path, html_path, len(todo) - len(failed), len(subs) - len(todo), len(subs),
                       sum(scores) / len(scores) if scores else 0.0, sum(p for _, p in key.questions), sorted(failed))
