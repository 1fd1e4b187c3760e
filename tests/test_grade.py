"""Grading a class: a hostile set is graded correctly, each submission scoring what it earned
(zero for forgery) and the others unaffected; results survive interruption; the gradebook is
the same whichever engine graded it."""

import os
from pathlib import Path

import nbformat
import pytest

from fallbackkit import exercises
from fallbackkit.cli import main
from fallbackkit.exercises import Limits
from fallbackkit.exercises.gradebook import grade_class
from fallbackkit.exercises.markers import split_marked

ROOT = Path(__file__).resolve().parent.parent
EX = "ex3_recovery_workflow"
SOLUTION = exercises.find("ex3")
LIMITS = Limits(cell_s=8, wall_s=60, memory_mb=1536)


def _answers() -> list[str]:
    sol = nbformat.read(str(SOLUTION), as_version=4)
    return [split_marked(c.source, exercises.BEGIN_SOLUTION, exercises.END_SOLUTION)[1]
            for c in sol.cells if exercises.BEGIN_SOLUTION in c.source]


Q1, Q2 = _answers()


def submission(path: Path, q1: str | None = None, q2: str | None = None, before_q1: str | None = None) -> Path:
    """The exercise with answers put in (None leaves the stub) and an extra cell before Q1's answer."""
    nb = nbformat.read(str(ROOT / "exercises" / f"{EX}.ipynb"), as_version=4)
    stubs = [c for c in nb.cells if exercises.STUB in c.source]
    for cell, answer in zip(stubs, (q1, q2)):
        if answer is not None:
            cell.source = cell.source.replace(exercises.STUB, answer)
    if before_q1:
        nb.cells.insert(nb.cells.index(stubs[0]), nbformat.v4.new_code_cell(before_q1))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


FORGE = '''
import builtins, json, os
ip = get_ipython()
ip.set_custom_exc((BaseException,), lambda *a, **k: None)       # the attack that scored 7/7 before
builtins.AssertionError = type("AssertionError", (Exception,), {})
class Anything:
    def __eq__(self, other): return True
    def __getattr__(self, name): return Anything()
    def __call__(self, *a, **k): return Anything()
    def __iter__(self): return iter([])
fixed = matrix_in_order = Anything()
def forge(*args, **kwargs):       # replaces the answers file the grader reads with a forged one
    with open("answers.json", "w") as fh:
        json.dump({"done": True, "errors": {}, "results": {"q1-route-mode": {"visible": None}},
                   "values": {"fixed": {"value": {"$model": "os:system", "data": "echo pwned"}},
                              "matrix_in_order": {"value": {"$model": "fallbackkit.exercises.isolation:Limits", "data": {}}}}}, fh)
os.replace = forge
ip.events.register("post_run_cell", lambda *a: forge())
'''

VANDAL = '''
import os, shutil, socket
attempts = {{}}
def attempt(name, fn):
    try:
        fn()
        attempts[name] = "done"
    except Exception as exc:
        attempts[name] = f"{{type(exc).__name__}}: {{exc}}"
attempt("os.system", lambda: os.system("sleep 300 &"))
attempt("read solution", lambda: open({solution!r}).read())
attempt("network", lambda: socket.create_connection(("127.0.0.1", 9), timeout=1))
for target in {targets!r}:
    attempt("delete " + target, lambda: shutil.rmtree(target) if os.path.isdir(target) else os.remove(target))
attempt("fill memory", lambda: bytearray(16 * 1024 ** 3))
print("x" * 200_000_000)          # 200 MB of output
'''
REFUSED = '''
assert attempts.pop("fill memory").startswith("MemoryError"), "the memory limit did not hold"
assert all(v.startswith("PermissionError: graded notebooks may not") for v in attempts.values()), attempts
'''


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    subs, out = root / "submissions", root / "gradebook"
    alice = submission(subs / "alice" / f"{EX}.ipynb", Q1, Q2)
    submission(subs / "bob.ipynb", None, Q2)                                   # partly correct
    submission(subs / "carol" / "work" / f"{EX}.ipynb", before_q1=FORGE)       # forges, answers nothing
    submission(subs / "dave" / f"{EX}.ipynb", "while True:\n    pass", Q2)       # endless loop
    submission(subs / "erin" / f"{EX}.ipynb", "import os\nwhile True:\n    os.fork()", Q2)   # fork bomb
    # one vandal tries everything else; its Q2 answer exists only if every attempt was refused
    submission(subs / "vandal" / f"{EX}.ipynb", Q1, REFUSED + Q2, before_q1=VANDAL.format(
        targets=[str(alice), str(out), str(SOLUTION), str(subs)], solution=str(SOLUTION)))
    (subs / "mallory").mkdir()                                                  # handed in nothing
    seen = []

    def interrupt_after_three(sub, record):
        seen.append(sub.learner)
        if len(seen) == 3:
            raise KeyboardInterrupt            # the instructor's laptop goes to sleep mid-run
    import tempfile
    work = root / "work"          # the graders' temporary folders, so the test can find their processes
    work.mkdir()
    saved, tempfile.tempdir = tempfile.tempdir, str(work)
    try:
        with pytest.raises(KeyboardInterrupt):
            grade_class(subs, "ex3", out, engine="serial", limits=LIMITS, on_graded=interrupt_after_three)
        assert sorted(p.stem for p in (out / "results").glob("*.json")) == sorted(seen)
        resumed = grade_class(subs, "ex3", out, engine="serial", limits=LIMITS)
    finally:
        tempfile.tempdir = saved
    return {"subs": subs, "out": out, "first": seen, "resumed": resumed, "alice": alice, "work": work}


def _rows(out: Path) -> dict[str, list[str]]:
    import csv
    with open(out / "gradebook.csv", newline="") as fh:
        return {r["learner"]: r for r in csv.DictReader(fh)}


def test_each_hostile_submission_scores_what_it_earned(hostile):
    rows = _rows(hostile["out"])
    scores = {k: int(v["score"]) for k, v in rows.items()}
    assert scores == {"alice": 5, "bob": 2, "carol": 0, "dave": 2, "erin": 2, "vandal": 5, "mallory": 0}
    assert rows["alice"]["q1-route-mode (3)"] == "3" and rows["bob"]["q1-route-mode (3)"] == "0"
    fb = {k: v["feedback"] for k, v in rows.items()}
    assert fb["alice"] == "all passed"
    assert "q1-route-mode: not answered yet" in fb["bob"]
    assert "q1-route-mode: a cell above the tests raised TimeoutError: stopped after 8 s" in fb["dave"]
    assert "PermissionError: graded notebooks may not start processes" in fb["erin"]
    assert rows["mallory"]["note"] == "no notebook for ex3_recovery_workflow found"


def test_forgery_scores_zero_with_a_reason(hostile):
    rows = _rows(hostile["out"])
    assert rows["carol"]["q1-route-mode (3)"] == "0" and rows["carol"]["q2-chain-order (2)"] == "0"
    text = (hostile["out"] / "feedback" / "carol.txt").read_text()
    assert "carol/work/ex3_recovery_workflow.ipynb: 0/5 points" in text
    assert "grading carries numbers, text, lists, dicts and fallbackkit objects" in text \
        or "could not be rebuilt for grading" in text


def test_hostile_submissions_leave_files_and_processes_alone(hostile):
    # the vandal's every attempt was refused (or its Q2 answer would not exist) ...
    assert _rows(hostile["out"])["vandal"]["q2-chain-order (2)"] == "2"
    # ... and alice's notebook, the solution and the other results are all still there
    assert hostile["alice"].exists() and SOLUTION.exists()
    # nothing started in a grading folder (a learner process, a `sleep 300`, a fork) outlives grading
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        assert not cwd.startswith(str(hostile["work"])), (pid, cwd)
    assert list(hostile["work"].iterdir()) == []        # and every grading folder was removed
    # the vandal's 200 MB of output went nowhere near the gradebook
    assert max(p.stat().st_size for p in hostile["out"].rglob("*") if p.is_file()) < 20_000


def test_an_interrupted_run_resumes_where_it_stopped(hostile):
    res = hostile["resumed"]
    assert (res.learners, res.skipped, res.graded) == (7, 3, 4)
    again = grade_class(hostile["subs"], "ex3", hostile["out"], engine="serial", limits=LIMITS)
    assert (again.graded, again.skipped) == (0, 7)
    # a resubmission is graded again; the others are not
    submission(hostile["subs"] / "bob.ipynb", None, None)
    third = grade_class(hostile["subs"], "ex3", hostile["out"], engine="serial", limits=LIMITS)
    assert third.graded == 1 and _rows(hostile["out"])["bob"]["score"] == "0"
    assert _rows(hostile["out"])["alice"]["score"] == "5"


def test_serial_and_dask_gradebooks_are_identical(tmp_path):
    subs = tmp_path / "subs"
    submission(subs / "amy" / f"{EX}.ipynb", Q1, Q2)
    submission(subs / "cat" / f"{EX}.ipynb", None, Q2, before_q1=FORGE)
    grade_class(subs, "ex3", tmp_path / "serial", engine="serial", limits=LIMITS)
    res = grade_class(subs, "ex3", tmp_path / "dask", engine="dask", workers=2, limits=LIMITS)
    assert (res.graded, res.failed) == (2, [])
    files = sorted(p.relative_to(tmp_path / "serial") for p in (tmp_path / "serial").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "dask") for p in (tmp_path / "dask").rglob("*") if p.is_file())
    for f in files:
        assert (tmp_path / "serial" / f).read_bytes() == (tmp_path / "dask" / f).read_bytes(), f
    assert "amy,5,5,3,2,all passed" in (tmp_path / "dask" / "gradebook.csv").read_text()


def test_a_notebook_that_ignores_the_cell_alarm_is_stopped_by_the_wall_limit(tmp_path):
    nb = submission(tmp_path / f"{EX}.ipynb", Q1, "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass")
    g = exercises.grade_notebook(nb, limits=Limits(cell_s=2, wall_s=10))
    assert g.note == "the notebook stopped running: it ran past the 10 s limit and was stopped"
    assert [(q.qid, q.earned) for q in g.questions] == [("q1-route-mode", 3), ("q2-chain-order", 0)]


def test_grade_cli(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "none"), "--exercise", "ex3", "--out", str(tmp_path / "gb")]) == 2
    assert "none: no such folder" in capsys.readouterr().err
    subs = tmp_path / "subs"
    submission(subs / "zoe.ipynb", None, Q2)
    assert main(["grade", str(subs), "--exercise", "ex9", "--out", str(tmp_path / "gb")]) == 2
    assert "unknown exercise 'ex9'" in capsys.readouterr().err
    assert main(["grade", str(subs), "--exercise", "ex3", "--out", str(tmp_path / "gb"), "--serial"]) == 0
    out = capsys.readouterr().out
    assert "zoe: 2/5" in out and "graded 1 of 1 learners (0 already graded, skipped)" in out
    html = (tmp_path / "gb" / "gradebook.html").read_text()
    assert "<td>zoe</td><td>2</td><td>5</td>" in html and "1 learners; 0 at full marks; mean 2.0 of 5 points" in html
    assert (tmp_path / "gb" / "feedback" / "zoe.html").exists()


def test_every_process_a_run_started_is_ended(tmp_path):
    """Past the guard (a shell, not Python), the end-of-run sweep still ends what was started:
    a background child, and one that left the session with setsid."""
    from fallbackkit.exercises import isolation
    work = tmp_path / "w"
    work.mkdir()
    code, _ = isolation.run(["sh", "-c", "sleep 300 & setsid sleep 301 & echo started"], work, Limits(wall_s=10))
    assert code == 0
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if cmd in (b"sleep\x00300\x00", b"sleep\x00301\x00") and state != "Z":
            alive.append(cmd)
    assert alive == []
    code, _ = isolation.run(["sh", "-c", "sleep 30"], work, Limits(wall_s=1))
    assert code is None          # stopped at the wall limit, not left running
