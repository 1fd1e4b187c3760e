"""The exercises work with the real nbgrader: its release of a packaged solution is the kit's
exercise, and its autograde gives honest learners the points `fallbackkit grade` gives.

Needs .venv-nbgrader (`make nbgrader`: nbgrader 0.9.6 pinned in the `nbgrader` extra, in its own
venv so its JupyterLab extensions stay out of the learners' lab); skipped without it.
"""

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fallbackkit import exercises
from fallbackkit.exercises.gradebook import grade_class

from test_grade import FORGE, LIMITS, Q1, Q2, submission

ROOT = Path(__file__).resolve().parent.parent
NBG = ROOT / ".venv-nbgrader" / "bin"
pytestmark = pytest.mark.skipif(not (NBG / "nbgrader").exists(), reason="no .venv-nbgrader: run `make nbgrader`")
EX = "ex3_recovery_workflow"


def nbgrader(course: Path, *args: str) -> str:
    env = dict(os.environ, PATH=f"{NBG}:{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}")
    proc = subprocess.run([str(NBG / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    (course / "source" / "ex3").mkdir(parents=True)
    shutil.copy(exercises.find("ex3"), course / "source" / "ex3")
    stub = "# YOUR CODE HERE\n" + exercises.STUB
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'fallbackkit'\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course}/gradebook.db'\n"
        f"c.ClearSolutions.code_stub = {{'python': {stub!r}}}\n"
        "c.ClearSolutions.text_stub = '_Your answer here._'\n")
    nbgrader(course, "generate_assignment", "ex3", "--force")
    subs = course / "submitted"
    submission(subs / "alice" / "ex3" / f"{EX}.ipynb", Q1, Q2)
    submission(subs / "bob" / "ex3" / f"{EX}.ipynb", None, Q2)
    submission(subs / "carol" / "ex3" / f"{EX}.ipynb", None, Q2, before_q1=FORGE)
    nbgrader(course, "autograde", "ex3", "--force", "--create")     # --create: students not yet in its db
    nbgrader(course, "export")
    return course


def test_nbgrader_release_is_the_kits_exercise(course):
    release = json.loads((course / "release" / "ex3" / f"{EX}.ipynb").read_text())
    ours = json.loads((ROOT / "exercises" / f"{EX}.ipynb").read_text())
    assert [(c["cell_type"], "".join(c["source"])) for c in release["cells"]] == \
           [(c["cell_type"], "".join(c["source"])) for c in ours["cells"]]
    keys = ("grade", "grade_id", "locked", "points", "solution", "schema_version")
    assert [{k: c["metadata"]["nbgrader"].get(k) for k in keys} for c in release["cells"]] == \
           [{k: c["metadata"]["nbgrader"].get(k) for k in keys} for c in ours["cells"]]


def test_autograde_gives_the_points_fallbackkit_grade_gives(course, tmp_path):
    with open(course / "grades.csv", newline="") as fh:
        theirs = {r["student_id"]: float(r["score"]) for r in csv.DictReader(fh)}
    res = grade_class(course / "submitted", "ex3", tmp_path / "gb", engine="serial", limits=LIMITS)
    assert res.graded == 3
    with open(tmp_path / "gb" / "gradebook.csv", newline="") as fh:
        ours = {r["learner"]: float(r["score"]) for r in csv.DictReader(fh)}
    # honest learners get the same points from both graders
    assert {k: ours[k] for k in ("alice", "bob")} == {k: theirs[k] for k in ("alice", "bob")} == {"alice": 5.0, "bob": 2.0}
    # the forger (set_custom_exc, a patched AssertionError, a hijacked answers file) fools neither
    # into passing Q1; nbgrader credits her honest Q2, the kit scores the forged answers channel 0
    assert (theirs["carol"], ours["carol"]) == (2.0, 0.0)
