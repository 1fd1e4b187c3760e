"""Commands that execute notebooks with parameters: ``run`` and ``run-all`` (papermill)."""

from __future__ import annotations

import sys
from pathlib import Path

from . import output
from .arguments import command, engine_of, engine_options, out_file
from .errors import EXIT_FINDINGS, EXIT_OK, UsageError


# -- run ---------------------------------------------------------------------------------------
def add_run(sub) -> None:
    s = command(sub, "run", "run one notebook with parameters (papermill)", """\
Run a notebook with parameters. Unknown parameters, unknown scenarios and values of the
wrong type fail before anything executes, listing what the notebook accepts.

  fallbackkit run notebooks/02_day1_latency_budget_matrix.ipynb --scenario voice-assistant -p seed=3
  fallbackkit run notebooks/01_day1_failure_taxonomy.ipynb -p slo_threshold_ms=120""", cmd_run)
    s.add_argument("notebook", help="the notebook to run")
    s.add_argument("--scenario", help="scenario name (`fallbackkit scenarios` lists them)")
    s.add_argument("--design", metavar="FILE", help="your own design file: every cell derives from it")
    s.add_argument("-p", "--param", action="append", metavar="NAME=VALUE", help="set a parameter (repeatable)")
    out_file(s, "executed notebook to write (default: runs/<notebook>__<scenario>.ipynb)")


def cmd_run(args) -> int:
    from .. import runner
    out = output.optional_out(args.out, [args.notebook], args.force)
    try:
        res = runner.run(args.notebook, args.scenario, runner.parse_assignments(args.param), out, design=args.design)
    except runner.RunError as exc:
        raise UsageError(str(exc)) from None
    subject = f"design {res.design}" if res.design else (res.scenario or "no scenario")
    print(f"{res.status}: {res.notebook} ({subject}) in {res.duration_s:.1f} s -> {res.output}")
    for k, v in res.results.items():
        print(f"  {k}: {v}")
    if res.error:
        print(f"  error: {res.error}", file=sys.stderr)
    return EXIT_OK if res.status == "ok" else EXIT_FINDINGS


# -- run-all -----------------------------------------------------------------------------------
def add_run_all(sub) -> None:
    s = command(sub, "run-all", "run notebooks over scenarios; write a CSV and HTML summary", """\
Run every notebook for every scenario with a progress bar. A failing run is a row in the
summary (exit 1), never the end of the batch. Writes DIR/summary.csv and DIR/summary.html.

  fallbackkit run-all --scenarios all --out runs/
  fallbackkit run-all --scenarios rag-search,voice-assistant --notebooks 'fallbackkit/data/solutions/*.ipynb' --out runs/""",
                cmd_run_all)
    s.add_argument("--scenarios", default=None, help="'all' or a comma-separated list (default: all, or none with --designs)")
    s.add_argument("--designs", nargs="+", metavar="FILE|DIR", help="your own design files, or folders of them")
    s.add_argument("--notebooks", nargs="+", help="notebook paths or globs (default: notebooks/*.ipynb)")
    s.add_argument("-p", "--param", action="append", metavar="NAME=VALUE", help="set a parameter for every run")
    s.add_argument("--out", required=True, help="directory for executed notebooks and the summary")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    engine_options(s)


def cmd_run_all(args) -> int:
    from .. import runner
    try:
        notebooks = runner.discover(args.notebooks)
        designs = runner.resolve_designs(args.designs)
        scen = args.scenarios if args.scenarios is not None else ("" if designs else "all")
        names = runner.resolve_scenarios(scen) if scen else []
        results = runner.run_all(notebooks, names, args.out, runner.parse_assignments(args.param),
                                 progress=not args.no_progress, designs=designs, **engine_of(args))
    except runner.RunError as exc:
        raise UsageError(str(exc)) from None
    failed = [r for r in results if r.status != "ok"]
    print(f"{len(results) - len(failed)} of {len(results)} runs ok; summary: "
          f"{Path(args.out) / 'summary.csv'}, {Path(args.out) / 'summary.html'}")
    for r in failed:
        print(f"  failed: {r.notebook} ({r.design or r.scenario or '-'}): {r.error}", file=sys.stderr)
    return EXIT_FINDINGS if failed else EXIT_OK


COMMANDS = [add_run, add_run_all]
