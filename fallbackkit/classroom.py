"""Command-line handlers for teaching a class: ``exercises``, ``grade`` and ``sweep``.

Kept apart from :mod:`fallbackkit.cli` (which registers them) so the class-room commands —
exercises a learner starts and checks, grading a class, sweeping a design over a grid — live
in one place with the engine options they share (``--serial``, ``--scheduler``, ``--workers``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_FINDINGS = 0, 1


def add_engine_options(s: argparse.ArgumentParser) -> None:
    """``--serial`` | ``--scheduler tcp://HOST:8786`` | ``--workers N`` (default: a LocalCluster)."""
    g = s.add_mutually_exclusive_group()
    g.add_argument("--serial", action="store_true", help="run one task after the other in this process")
    g.add_argument("--scheduler", metavar="tcp://HOST:8786", help="an existing Dask scheduler to run on")
    s.add_argument("--workers", type=int, metavar="N",
                   help="worker processes of the local Dask cluster (default: this machine's cores)")


def engine_of(args) -> dict:
    from .cli import UsageError
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers is {args.workers}; expected at least 1")
    if args.scheduler and not args.scheduler.startswith(("tcp://", "tls://", "ws://", "wss://", "inproc://")):
        raise UsageError(f"--scheduler {args.scheduler!r}: expected an address such as tcp://HOST:8786")
    return {"engine": "serial" if args.serial else "dask", "scheduler": args.scheduler, "workers": args.workers}


# -- exercises -----------------------------------------------------------------------------------
def cmd_exercises(args) -> int:
    from . import exercises
    from .cli import UsageError
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


def add_exercises_parser(sub) -> None:
    s = sub.add_parser(
        "exercises", help="start, check or build the exercises",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="The packaged solutions are the single source of the exercises (nbgrader markers).\n\n"
                    "  fallbackkit exercises list                  the exercises (ex1 … ex5)\n"
                    "  fallbackkit exercises start ex1 my-work/    a fresh copy of exercise 1 in my-work/\n"
                    "  fallbackkit exercises check my-work/ex1_failure_taxonomy.ipynb\n"
                    "                                              visible and hidden tests; score and feedback per question\n"
                    "  fallbackkit exercises check my-work/*.ipynb grade several (exit 1 unless all at full marks)\n"
                    "  fallbackkit exercises build [--check]       write exercises/ from the solutions (instructors)\n\n"
                    "Grading a class: `fallbackkit grade SUBMISSIONS --exercise ex1 --out gradebook/`.")
    s.add_argument("action", choices=["list", "start", "check", "build"])
    s.add_argument("notebook", nargs="*", help="check: notebook(s) to grade; start: EXERCISE DIR")
    s.add_argument("--check", action="store_true", help="with build: only report whether exercises/ is stale")
    s.add_argument("--force", action="store_true", help="with start: replace a copy already in DIR")
    s.add_argument("--solutions", help="solutions folder (default: the packaged solutions)")
    s.add_argument("--exercises", default="exercises", help="with build: exercises folder (default: exercises)")
    s.add_argument("--timeout", type=int, default=120, help="with check: seconds a cell may run (default: 120)")
    s.set_defaults(func=cmd_exercises)


# -- grade ---------------------------------------------------------------------------------------
def cmd_grade(args) -> int:
    from .cli import UsageError
    from .exercises import ExerciseError, Limits
    from .exercises.gradebook import grade_class
    eng = engine_of(args)
    if args.timeout < 1 or args.memory_mb < 256 or (args.wall is not None and args.wall < args.timeout):
        raise UsageError("--timeout must be at least 1 s, --wall at least --timeout, --memory-mb at least 256")
    limits = Limits(cell_s=args.timeout, wall_s=args.wall or 5 * args.timeout, memory_mb=args.memory_mb)

    def report(sub, record) -> None:
        if isinstance(record, dict):
            g = record["grade"]
            print(f"  {sub.learner}: {g['score']}/{g['total']}", flush=True)
        else:
            print(f"  {sub.learner}: not graded ({record.error}); rerun to retry", file=sys.stderr, flush=True)

    try:
        res = grade_class(args.submissions, args.exercise, args.out, limits=limits, regrade=args.regrade,
                          solutions_dir=args.solutions, on_graded=report, **eng)
    except ExerciseError as exc:
        raise UsageError(str(exc)) from None
    print(f"graded {res.graded} of {res.learners} learners ({res.skipped} already graded, skipped); "
          f"mean {res.mean_score:.1f} of {res.total} points; gradebook: {res.gradebook}, {res.report}; "
          f"feedback: {Path(args.out) / 'feedback'}/")
    if res.failed:
        print(f"not graded (rerun to retry): {', '.join(res.failed)}", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def add_grade_parser(sub) -> None:
    s = sub.add_parser(
        "grade", help="grade a class's notebooks for one exercise: gradebook CSV + HTML, feedback per learner",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Grade every learner's notebook in SUBMISSIONS (one folder or <learner>.ipynb per learner),\n"
                    "each in its own isolated process with time and memory limits; the tests run in a fresh\n"
                    "grader process on the learner's answers. Rerunning skips learners already graded.\n\n"
                    "  fallbackkit grade submissions/ --exercise ex1 --out gradebook/            local Dask cluster\n"
                    "  fallbackkit grade submissions/ --exercise ex1 --out gradebook/ --serial\n"
                    "  fallbackkit grade submissions/ --exercise ex1 --out gradebook/ --scheduler tcp://HOST:8786")
    s.add_argument("submissions", help="folder with one entry per learner")
    s.add_argument("--exercise", required=True, help="ex1 … ex5, or an exercise name")
    s.add_argument("--out", required=True, help="gradebook folder (gradebook.csv, gradebook.html, feedback/, results/)")
    s.add_argument("--timeout", type=float, default=60, help="seconds one cell may run (default: 60)")
    s.add_argument("--wall", type=float, help="seconds a whole notebook may run (default: 5 x --timeout)")
    s.add_argument("--memory-mb", type=int, default=2048, help="address-space limit per notebook (default: 2048)")
    s.add_argument("--regrade", action="store_true", help="grade everyone again, even those already graded")
    s.add_argument("--solutions", help="solutions folder (default: the packaged solutions)")
    add_engine_options(s)
    s.set_defaults(func=cmd_grade)


# -- sweep ---------------------------------------------------------------------------------------
def cmd_sweep(args) -> int:
    from . import grid as sweeping
    from .cli import UsageError
    from .design import Design
    from .files import atomic_write_text
    eng = engine_of(args)
    try:
        grid = sweeping.parse_grid(args.grid or [])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    design = Design.load(args.file)
    frame = sweeping.sweep(design, grid, n_requests=args.requests, seed=args.seed, **eng)
    text = frame.to_csv(index=False, lineterminator="\n")
    if args.out:
        atomic_write_text(args.out, text)
        print(f"wrote {args.out}: {len(frame)} designs x {len(frame.columns)} columns")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def add_sweep_parser(sub) -> None:
    s = sub.add_parser(
        "sweep", help="simulate a design over a grid of field values; a CSV a learner can chart",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Simulate every combination of the grid. A field is PATH_ID.FIELD[.SUBFIELD] for a\n"
                    "matrix path (primary.timeout_ms, cache.coverage_pct, primary.retry.max_retries) or\n"
                    "context.FIELD... (context.slo.threshold_ms). Values are comma-separated numbers.\n\n"
                    "  fallbackkit sweep design.yaml --grid primary.timeout_ms=60,85,120 --grid cache.coverage_pct=50,70,90\n"
                    "  fallbackkit sweep design.yaml --grid primary.timeout_ms=60,85,120 --out sweep.csv --serial")
    s.add_argument("file", help="design YAML/JSON")
    s.add_argument("--grid", action="append", metavar="FIELD=V1,V2,...", help="one axis of the grid (repeatable)")
    s.add_argument("--requests", type=int, default=20_000, help="requests simulated per design (default: 20,000)")
    s.add_argument("--seed", type=int, default=0, help="seed of every simulation (default: 0)")
    s.add_argument("--out", help="CSV to write (default: standard output)")
    add_engine_options(s)
    s.set_defaults(func=cmd_sweep)
