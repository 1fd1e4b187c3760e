"""Exercises come from the solutions (never hand-edited) and the grader scores them:
every solution passes, every untouched exercise fails with a message, not a crash; a learner
starts a copy anywhere and checks it there, and grading never writes into exercises/."""

import json
from pathlib import Path

import nbformat
import pytest

from fallbackkit import exercises
from fallbackkit.cli import main

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_DIR = ROOT / "fallbackkit" / "data" / "solutions"
SOLUTIONS = sorted(SOLUTION_DIR.glob("*.ipynb"))
POINTS = {"ex1_failure_taxonomy": 7, "ex2_latency_budget_matrix": 7, "ex3_recovery_workflow": 5,
          "ex4_postmortem_loop": 6, "ex5_capstone": 10}


def test_exercises_are_generated_from_solutions():
    stale = exercises.build(SOLUTION_DIR, ROOT / "exercises", check_only=True)
    assert exercises.solutions_dir() == SOLUTION_DIR
    assert stale == [], "exercises/ is stale: run `fallbackkit exercises build`"
    assert sorted(p.stem for p in SOLUTIONS) == sorted(POINTS)


@pytest.mark.parametrize("sol", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_exercise_hides_solution_and_hidden_tests(sol):
    ex = json.loads((ROOT / "exercises" / sol.name).read_text())
    text = "\n".join("".join(c["source"]) for c in ex["cells"])
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "NBVAL_CHECK_OUTPUT"):
        assert marker not in text
    src = nbformat.read(str(sol), as_version=4)
    n_answers = sum(exercises.BEGIN_SOLUTION in c.source for c in src.cells)
    assert text.count(exercises.STUB) == n_answers >= 2
    assert text.count(exercises.HIDDEN_NOTE) == sum(exercises.BEGIN_HIDDEN in c.source for c in src.cells)
    assert ex["metadata"]["fallbackkit"]["generated_from"] == f"solutions/{sol.name}"
    # the parameters cell survives, so papermill can run exercises too
    assert sum("parameters" in c["metadata"].get("tags", []) for c in ex["cells"]) == 1


def test_build_writes_and_reports_stale(tmp_path):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    for p in SOLUTIONS[:2]:
        (sol / p.name).write_text(p.read_text())
    assert [p.name for p in exercises.build(sol, ex)] == [p.name for p in SOLUTIONS[:2]]
    assert exercises.build(sol, ex, check_only=True) == []
    (ex / "stray.ipynb").write_text((ex / SOLUTIONS[0].name).read_text())
    nb = nbformat.read(str(sol / SOLUTIONS[0].name), as_version=4)
    nb.cells[0].source += "\nEdited."
    nbformat.write(nb, str(sol / SOLUTIONS[0].name))
    stale = exercises.build(sol, ex, check_only=True)
    assert sorted(p.name for p in stale) == sorted([SOLUTIONS[0].name, "stray.ipynb"])
    assert main(["exercises", "build", "--check", "--solutions", str(sol), "--exercises", str(ex)]) == 1
    assert main(["exercises", "build", "--solutions", str(sol), "--exercises", str(ex)]) == 0
    assert main(["exercises", "build", "--check", "--solutions", str(sol), "--exercises", str(ex)]) == 0


def test_malformed_markers_are_named():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1\n### BEGIN SOLUTION\nx = 2")]
    with pytest.raises(exercises.ExerciseError, match="cell 0: '### BEGIN SOLUTION' is never closed"):
        exercises.exercise_from_solution(nb, "bad.ipynb")
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    with pytest.raises(exercises.ExerciseError, match="no test cell"):
        exercises.exercise_from_solution(nb, "bad.ipynb")
    nb.cells = [nbformat.v4.new_code_cell("# TEST q1 (1 point)\nassert 1"), nbformat.v4.new_code_cell("# TEST q1 (2 points)\nassert 1")]
    with pytest.raises(exercises.ExerciseError, match="question 'q1' has two test cells"):
        exercises.exercise_from_solution(nb, "bad.ipynb")


@pytest.mark.parametrize("sol", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_every_solution_passes_and_every_untouched_exercise_fails_helpfully(sol):
    good = exercises.check(sol, solutions_dir=SOLUTION_DIR)
    assert (good.score, good.total) == (POINTS[sol.stem], POINTS[sol.stem]), good.to_text()
    bad = exercises.check(ROOT / "exercises" / sol.name, solutions_dir=SOLUTION_DIR)
    assert (bad.score, bad.total) == (0, POINTS[sol.stem]), bad.to_text()
    assert all(q.feedback.startswith("not answered yet") for q in bad.questions), bad.to_text()


def _answer(nb, source):
    """Put ``source`` into the exercise's first unanswered cell."""
    cell = next(c for c in nb.cells if exercises.STUB in c.source)
    cell.source = cell.source.replace(exercises.STUB, source)


def test_partial_answers_get_points_and_feedback_per_question(tmp_path):
    ex = nbformat.read(str(ROOT / "exercises" / "ex4_postmortem_loop.ipynb"), as_version=4)
    # q1 right (the percentile the kit uses), q2 wrong type, q3 wrong value
    _answer(ex, "from fallbackkit.postmortem import percentile\n"
                         "v = [i.minutes('time_to_resolve') for i in loop.incidents]\n"
                         "ttr_median_min, ttr_p90_min = percentile(v, 50), percentile(v, 90)")
    _answer(ex, "import datetime\nnew_item = fk.ActionItem(id='AI-9', type='prevent', title='t', owner='me', "
                         "due=datetime.date(2027, 1, 1))")
    _answer(ex, "mean_over_median = 1.0")
    # a learner who deletes the asserts of a test cell does not pass it: tests come from the solution
    for c in ex.cells:
        if c.source.startswith("# TEST q3-mean-over-median"):
            c.source = "# TEST q3-mean-over-median (1 point)\npass"
    path = tmp_path / "ex4_postmortem_loop.ipynb"
    nbformat.write(ex, str(path))
    g = exercises.check(path, solutions_dir=SOLUTION_DIR)
    got = {q.qid: (q.earned, q.feedback) for q in g.questions}
    assert got["q1-time-to-resolve"] == (3, "passed")
    assert got["q2-action-item"] == (0, "visible test failed: AssertionError: type is 'prevent'; "
                                        "a slow detection calls for a 'detect' item")
    assert got["q3-mean-over-median"] == (0, "visible tests pass; a hidden test failed: "
                                             "AssertionError: mean / median of time to detect")
    assert g.score == 3 and g.total == 6
    assert "3/6 points" in g.to_text()


def test_broken_answer_cell_is_reported(tmp_path):
    ex = nbformat.read(str(ROOT / "exercises" / "ex2_latency_budget_matrix.ipynb"), as_version=4)
    _answer(ex, "deadline_left_ms = slo.threshold_ms - primary.timeout")
    path = tmp_path / "ex2_latency_budget_matrix.ipynb"
    nbformat.write(ex, str(path))
    g = exercises.check(path, solutions_dir=SOLUTION_DIR)
    q1 = g.questions[0]
    assert q1.earned == 0
    assert q1.feedback.startswith("a cell above the tests raised AttributeError")


def test_check_cli_exit_codes(tmp_path, capsys):
    assert main(["exercises", "check", str(tmp_path / "missing.ipynb")]) == 2
    assert "missing.ipynb: no such notebook" in capsys.readouterr().err
    orphan = tmp_path / "orphan.ipynb"
    orphan.write_text((ROOT / "exercises" / "ex1_failure_taxonomy.ipynb").read_text()
                      .replace("ex1_failure_taxonomy", "ex9_nothing"))
    assert main(["exercises", "check", str(orphan), "--solutions", str(tmp_path)]) == 2
    assert "cannot find its solution 'ex9_nothing.ipynb'" in capsys.readouterr().err


def test_a_hanging_answer_stops_grading_with_a_reason(tmp_path):
    ex = nbformat.read(str(ROOT / "exercises" / "ex3_recovery_workflow.ipynb"), as_version=4)
    _answer(ex, "import time\ntime.sleep(30)")
    path = tmp_path / "ex3_recovery_workflow.ipynb"
    nbformat.write(ex, str(path))
    g = exercises.check(path, solutions_dir=SOLUTION_DIR, timeout=3)
    # the cell is stopped, the notebook goes on: the next question is graded on its own merits
    assert g.note == "" and g.score == 0
    assert [q.feedback for q in g.questions] == [
        "a cell above the tests raised TimeoutError: stopped after 3 s (an endless loop, or a long computation?); "
        "fix it, then rerun the tests",
        "not answered yet: the answer cell above still raises NotImplementedError; replace that line with your code"]


def test_check_grades_a_batch(capsys):
    sol, ex = SOLUTION_DIR / "ex3_recovery_workflow.ipynb", ROOT / "exercises" / "ex3_recovery_workflow.ipynb"
    assert main(["exercises", "check", str(sol), str(ex)]) == 1
    out = capsys.readouterr().out
    assert "ex3_recovery_workflow.ipynb: 5/5 points" in out and "ex3_recovery_workflow.ipynb: 0/5 points" in out
    assert out.rstrip().endswith("1 of 2 notebooks at full marks")


def test_capstone_design_with_a_blocking_finding_loses_the_committee_points(tmp_path):
    sol = nbformat.read(str(SOLUTION_DIR / "ex5_capstone.ipynb"), as_version=4)
    cell = next(c for c in sol.cells if "spend-over-ceiling" in c.source and "BEGIN SOLUTION" in c.source)
    start = cell.source.index('"note": f"answer from rules')
    end = cell.source.index("},", start)
    cell.source = cell.source[:start] + '"note": "the rule engine is cheaper"' + cell.source[end:]
    path = tmp_path / "ex5_capstone.ipynb"
    nbformat.write(sol, str(path))
    g = exercises.check(path, solutions_dir=SOLUTION_DIR)
    got = {q.qid: (q.earned, q.feedback) for q in g.questions}
    # the design is valid, within budget and routes its own mode: only the committee's reading fails
    assert got["q2-design-valid"][0] == 2 and got["q2-own-failure-mode"][0] == 2
    earned, feedback = got["q2-committee-ready"]
    assert earned == 0
    assert feedback.startswith("visible tests pass; a hidden test failed: AssertionError: the critique has blocking findings")
    assert "taxonomy.modes[7].mitigation.note: claim with no number: 'the rule engine is cheaper'" in feedback
    assert (g.score, g.total) == (8, 10)


def test_start_copies_an_exercise_and_check_finds_its_solution_anywhere(tmp_path, capsys):
    work = tmp_path / "my work"
    assert main(["exercises", "start", "ex3", str(work)]) == 0
    copy = work / "ex3_recovery_workflow.ipynb"
    assert copy.read_text() == (ROOT / "exercises" / copy.name).read_text()
    # a second start keeps the learner's work
    assert main(["exercises", "start", "ex3", str(work)]) == 2
    assert "already exists (your work is kept)" in capsys.readouterr().err
    ex = nbformat.read(str(copy), as_version=4)
    sol = nbformat.read(str(SOLUTION_DIR / copy.name), as_version=4)
    answer = next(c.source for c in sol.cells if exercises.BEGIN_SOLUTION in c.source and "matrix_in_order" in c.source)
    answer = answer.split(exercises.BEGIN_SOLUTION)[1].split(exercises.END_SOLUTION)[0].strip()
    stubs = [c for c in ex.cells if exercises.STUB in c.source]
    stubs[1].source = stubs[1].source.replace(exercises.STUB, answer)
    nbformat.write(ex, str(copy))
    g = exercises.check(copy)        # no --solutions: found in the package, wherever the copy lives
    assert [(q.qid, q.earned) for q in g.questions] == [("q1-route-mode", 0), ("q2-chain-order", 2)]
    assert main(["exercises", "start", "ex9", str(work)]) == 2
    assert "unknown exercise 'ex9'; expected one of: ex1 (ex1_failure_taxonomy)" in capsys.readouterr().err


def test_grading_in_place_never_writes_into_exercises():
    before = {p.name: p.read_bytes() for p in (ROOT / "exercises").iterdir()}
    g = exercises.check(ROOT / "exercises" / "ex3_recovery_workflow.ipynb")
    assert g.score == 0
    after = {p.name: p.read_bytes() for p in (ROOT / "exercises").iterdir()}
    assert after == before


def test_exercises_carry_nbgrader_metadata():
    sol = nbformat.read(str(SOLUTION_DIR / "ex4_postmortem_loop.ipynb"), as_version=4)
    ex = nbformat.read(str(ROOT / "exercises" / "ex4_postmortem_loop.ipynb"), as_version=4)
    for nb in (sol, ex):
        meta = [c.metadata["nbgrader"] for c in nb.cells]
        tests = {m["grade_id"]: m["points"] for m in meta if m["grade"]}
        assert tests == {"q1-time-to-resolve": 3, "q2-action-item": 2, "q3-mean-over-median": 1}
        answers = [m for m in meta if m["solution"]]
        assert len(answers) == 3 and all(not m["locked"] for m in answers)
        assert all(m["locked"] for m in meta if not m["solution"])
        assert len({m["grade_id"] for m in meta}) == len(meta)      # nbgrader requires unique ids
        assert {m["schema_version"] for m in meta} == {3}


def test_the_capstone_is_built_artifact_by_artifact():
    ex = nbformat.read(str(ROOT / "exercises" / "ex5_capstone.ipynb"), as_version=4)
    answers = [c.source for c in ex.cells if exercises.STUB in c.source]
    assert len(answers) == 4      # the primary's price, then taxonomy, matrix, workflow: one cell each
    assert not any("fk.Design(" in a for a in answers)
