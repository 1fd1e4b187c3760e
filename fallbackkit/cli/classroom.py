"""Commands for teaching a class: ``exercises`` (a learner starts and checks one) and ``grade``."""

from __future__ import annotations

import sys
from pathlib import Path

from .arguments import command, engine_of, engine_options
from .errors import EXIT_FINDINGS, EXIT_OK, UsageError


# -- exercises ---------------------------------------------------------------------------------
def add_exercises(sub) -> None:
    s = command(sub, "exercises", "start, check or build the exercises", """\
The packaged solutions are the single source of the exercises (nbgrader markers).

  fallbackkit exercises list                  the exercises (ex1 … ex5)
  fallbackkit exercises start ex1 my-work/    a fresh copy of exercise 1 in my-work/
  fallbackkit exercises check my-work/ex1_failure_taxonomy.ipynb
                                              visible and hidden tests; score and feedback per question
  fallbackkit exercises check my-work/*.ipynb grade several (exit 1 unless all at full marks)
  fallbackkit exercises build [--check]       write exercises/ from the solutions (instructors)

Grading a class: `fallbackkit grade SUBMISSIONS --exercise ex1 --out gradebook/`.""", cmd_exercises)
    s.add_argument("action", choices=["list", "start", "check", "build"])
    s.add_argument("notebook", nargs="*", help="check: notebook(s) to grade; start: EXERCISE DIR")
    s.add_argument("--check", action="store_true", help="with build: only report whether exercises/ is stale")
    s.add_argument("--force", action="store_true", help="with start: replace a copy already in DIR")
    s.add_argument("--solutions", help="solutions folder (default: the packaged solutions)")
    s.add_argument("--exercises", default="exercises", help="with build: exercises folder (default: exercises)")
    s.add_argument("--timeout", type=int, default=120, help="with check: seconds a cell may run (default: 120)")


def cmd_exercises(args) -> int:
    from .. import exercises
    try:
        if args.action == "list":
            for name in exercises.names():
                print(f"{name.split('_')[0]:5s} {name}")
            return EXIT_OK
        if args.action == "start":
            if len(args.notebook) != 2:
                raise UsageError("exercises start: expected an EXERCISE and a DIR, e.g. `fallbackkit exercises start ex1 my-work/`")
            path = exercises.start(args.notebook[0], args.notebook[1], force=args.force)
            print(f"wrote {path}: open it in JupyterLab; grade it with `fallbackkit exercises check {path}`")
            return EXIT_OK
        if args.action == "build":
            return _build(args, exercises)
        if not args.notebook:
            raise UsageError("exercises check: expected a NOTEBOOK to grade")
        grades = [exercises.check(nb, solutions_dir=args.solutions, timeout=args.timeout) for nb in args.notebook]
    except exercises.ExerciseError as exc:
        raise UsageError(str(exc)) from None
    for grade in grades:
        print(grade.to_text())
    if len(grades) > 1:
        print(f"{sum(g.score == g.total for g in grades)} of {len(grades)} notebooks at full marks")
    return EXIT_OK if all(g.score == g.total for g in grades) else EXIT_FINDINGS


def _build(args, exercises) -> int:
    changed = exercises.build(args.solutions, args.exercises, check_only=args.check)
    source = args.solutions or "the packaged solutions"
    if args.check:
        if changed:
            print(f"{args.exercises} is stale: " + ", ".join(str(p) for p in changed)
                  + "; run `fallbackkit exercises build`", file=sys.stderr)
            return EXIT_FINDINGS
        print(f"{args.exercises} is up to date with {source}")
        return EXIT_OK
    print(f"wrote {len(changed)} exercise notebook{'s' if len(changed) != 1 else ''}"
          + (": " + ", ".join(str(p) for p in changed) if changed else " (all up to date)"))
    return EXIT_OK


# -- grade -------------------------------------------------------------------------------------
def add_grade(sub) -> None:
    s = command(sub, "grade", "grade a class's notebooks for one exercise: gradebook CSV + HTML, feedback per learner", """\
Grade every learner's notebook in SUBMISSIONS (one folder or <learner>.ipynb per learner),
each in its own isolated process with time and memory limits; the tests run in a fresh
grader process on the learner's answers. Rerunning skips learners already graded.

  fallbackkit grade submissions/ --exercise ex1 --out gradebook/            local Dask cluster
  fallbackkit grade submissions/ --exercise ex1 --out gradebook/ --serial
  fallbackkit grade submissions/ --exercise ex1 --out gradebook/ --scheduler tcp://HOST:8786""",
                cmd_grade)
    s.add_argument("submissions", help="folder with one entry per learner")
    s.add_argument("--exercise", required=True, help="ex1 … ex5, or an exercise name")
    s.add_argument("--out", required=True, help="gradebook folder (gradebook.csv, gradebook.html, feedback/, results/)")
    s.add_argument("--timeout", type=float, default=60, help="seconds one cell may run (default: 60)")
    s.add_argument("--wall", type=float, help="seconds a whole notebook may run (default: 5 x --timeout)")
    s.add_argument("--memory-mb", type=int, default=2048, help="address-space limit per notebook (default: 2048)")
    s.add_argument("--regrade", action="store_true", help="grade everyone again, even those already graded")
    s.add_argument("--solutions", help="solutions folder (default: the packaged solutions)")
    engine_options(s)


def cmd_grade(args) -> int:
    from ..exercises import ExerciseError, Limits
    from ..exercises.gradebook import grade_class
    eng = engine_of(args)
    if args.timeout < 1 or args.memory_mb < 256 or (args.wall is not None and args.wall < args.timeout):
        raise UsageError("--timeout must be at least 1 s, --wall at least --timeout, --memory-mb at least 256")
    limits = Limits(cell_s=args.timeout, wall_s=args.wall or 5 * args.timeout, memory_mb=args.memory_mb)
    try:
        res = grade_class(args.submissions, args.exercise, args.out, limits=limits, regrade=args.regrade,
                          solutions_dir=args.solutions, on_graded=_report_learner, **eng)
    except ExerciseError as exc:
        raise UsageError(str(exc)) from None
    print(f"graded {res.graded} of {res.learners} learners ({res.skipped} already graded, skipped); "
          f"mean {res.mean_score:.1f} of {res.total} points; gradebook: {res.gradebook}, {res.report}; "
          f"feedback: {Path(args.out) / 'feedback'}/")
    if res.failed:
        print(f"not graded (rerun to retry): {', '.join(res.failed)}", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def _report_learner(sub, record) -> None:
    """One line as each learner is graded (or not), so a long class run shows its progress."""
    if isinstance(record, dict):
        g = record["grade"]
        print(f"  {sub.learner}: {g['score']}/{g['total']}", flush=True)
    else:
        print(f"  {sub.learner}: not graded ({record.error}); rerun to retry", file=sys.stderr, flush=True)


COMMANDS = [add_exercises, add_grade]
