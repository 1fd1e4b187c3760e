"""Commands that run the simulator: ``simulate``, ``replay`` and ``sweep``.

What a value must be is the library's to check: its problems name the parameter
(``n_requests``, ``rps``, ``outages[0].path``), and :func:`on_command_line` puts each one
where the person can fix it: on the command line under the flag that set it (looked up in
the command's table of flags), or in the design file at its line.
"""

from __future__ import annotations

import sys

from ..problems import DesignError, Problem, locate, split_path
from . import output
from .arguments import command, count, design_file, engine_of, engine_options, outage, rps, seed, share
from .errors import EXIT_OK, UsageError


def on_command_line(exc: DesignError, flags: dict[str, str], file: str, lines=None) -> DesignError:
    """``exc`` with each problem placed: an argument's under its flag, a file's in ``file``.

    ``flags`` maps the library's parameter names to the command's flags. A problem about a
    whole parameter is shown under the flag (``--since``); one about a part of it keeps its
    path (``outages[0].path``), which names the element. A problem another file already
    owns (the incident file) keeps its file.
    """
    placed = []
    for p in exc.problems:
        parts = split_path(p.path)
        param = parts[0] if parts and isinstance(parts[0], str) else None
        if p.file is None and param in flags:
            placed.append(Problem(flags[param] if p.path == param else p.path, p.message, "command line"))
        elif p.file:
            placed.append(p)
        else:
            placed.append(locate(p, file, lines))
    return DesignError(placed)


# -- simulate ----------------------------------------------------------------------------------
#: ``simulate()``'s parameters, by the names its problems give them, and the flags that set them.
SIMULATE_FLAGS = {"n_requests": "--requests", "seed": "--seed", "rps": "--rps", "outage": "--outage",
                  "outages": "--outage"}


def add_simulate(sub) -> None:
    s = command(sub, "simulate", "simulate the recovery workflow over N requests; derive shares, percentiles, cost", """\
Simulate N requests through the design's fallback chain (timeouts, injected failure
modes, retries, hedging, circuit breakers, outage windows) and print what it derives:
each path's share, p50/p95/p99/p99.9 as the user sees it, cost per 1M requests, SLO
attainment and error-budget burn. Same seed, same numbers.

  fallbackkit simulate design.yaml --requests 1e6 --seed 7
  fallbackkit simulate design.yaml --outage primary:60m:20m     # provider down 20 min
  fallbackkit simulate design.yaml --json > result.json""", cmd_simulate)
    design_file(s)
    s.add_argument("--requests", "-n", type=count, default=100_000, metavar="N",
                   help="number of requests (default 100000; 1e6 works)")
    s.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    s.add_argument("--json", action="store_true", help="print the results as JSON")
    s.add_argument("--outage", action="append", default=[], metavar="PATH:START:DURATION", type=outage,
                   help="a window when PATH fails every call, e.g. primary:60m:20m (repeatable)")
    s.add_argument("--rps", type=rps, default=None,
                   help="arrival rate in requests/s (default: context.traffic.requests_per_day / 86400)")
    s.add_argument("--no-progress", action="store_true", help="no progress bar (shown from 1e6 requests)")


def cmd_simulate(args) -> int:
    import json

    from ..simulation import simulate
    d = output.load(args.file)
    show_bar = not args.no_progress and args.requests >= 1_000_000
    try:
        r = simulate(d, args.requests, args.seed, outages=args.outage, rps=args.rps, progress=True if show_bar else None)
    except DesignError as exc:
        _, lines = output.read(args.file)
        raise on_command_line(exc, SIMULATE_FLAGS, args.file, lines) from None
    if args.json:
        print(json.dumps(r.to_dict(), indent=2))
    else:
        print(r.to_text())
        print()
        print(r.matrix_view().to_text())
    return EXIT_OK


# -- replay ------------------------------------------------------------------------------------
#: ``replay()``'s parameters, by the names its problems give them, and the flags that set them.
REPLAY_FLAGS = {"since": "--since", "until": "--until", "provider": "--provider", "rps": "--rps", "seed": "--seed",
                "quiet_sample": "--quiet-sample", "degraded_error_rate": "--degraded-error-rate", "method": "--method"}


def add_replay(sub) -> None:
    s = command(sub, "replay", "replay a real incident history against the design at its traffic", """\
Turn each incident of a provider into an outage (impact major/critical) or a degradation
(minor: a raised error rate) on the paths that depend on it (`provider:` or the model id's
prefix, openai/gpt-4o -> openai), simulate the span at context.traffic.requests_per_day,
and print SLO attainment and error budget per SLO window, the worst rolling window,
incident-minutes the chain hid and exposed, measured provider overlap and occurrence rates
to put in the taxonomy. Quiet time is sampled and weighted; incident time runs in full.

  fallbackkit replay design.yaml --incidents bundled --provider openai
  fallbackkit replay design.yaml --since 2023-09-01 --until 2024-09-01 --format md""", cmd_replay)
    design_file(s)
    s.add_argument("--incidents", default="bundled", help="incident file (.csv, .csv.gz, .json) or `bundled` (default)")
    s.add_argument("--provider", default=None, help="replay only this provider's incidents (default: every provider a path uses)")
    s.add_argument("--since", default=None, help="start of the span, e.g. 2023-09-01 (default: the history's first day)")
    s.add_argument("--until", default=None, help="end of the span, exclusive (default: the day after the last incident)")
    s.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    s.add_argument("--method", choices=["stratified", "brute"], default="stratified",
                   help="stratified (fast, default) or brute (every request simulated: the check)")
    s.add_argument("--quiet-sample", type=count, default=1_000_000, metavar="N",
                   help="requests sampled to stand for quiet time (default 1e6)")
    s.add_argument("--degraded-error-rate", type=share, default=0.1, metavar="SHARE",
                   help="share of calls failing during a minor incident (default 0.1)")
    s.add_argument("--components", default="api",
                   help="api (default: the provider's API component, or none named), all, or a comma list")
    s.add_argument("--rps", type=rps, default=None, help="arrival rate (default: requests_per_day / 86400)")
    s.add_argument("--format", choices=["text", "json", "md"], default="text", help="output format (default text)")


def cmd_replay(args) -> int:
    import json

    from ..simulation.replay import replay
    comps = args.components if args.components in ("api", "all") else [c.strip() for c in args.components.split(",") if c.strip()]
    design = output.load(args.file)
    try:
        r = replay(design, args.incidents, args.provider, since=args.since, until=args.until, seed=args.seed,
                   method=args.method, quiet_sample=args.quiet_sample, degraded_error_rate=args.degraded_error_rate,
                   components=comps, rps=args.rps)
    except DesignError as exc:
        raise on_command_line(exc, REPLAY_FLAGS, args.file) from None
    print(json.dumps(r.to_dict(), indent=2) if args.format == "json" else r.to_markdown() if args.format == "md" else r.to_text())
    return EXIT_OK


# -- sweep -------------------------------------------------------------------------------------
def add_sweep(sub) -> None:
    s = command(sub, "sweep", "simulate a design over a grid of field values; a CSV a learner can chart", """\
Simulate every combination of the grid. A field is PATH_ID.FIELD[.SUBFIELD] for a
matrix path (primary.timeout_ms, cache.coverage_pct, primary.retry.max_retries) or
context.FIELD... (context.slo.threshold_ms). Values are comma-separated numbers.

  fallbackkit sweep design.yaml --grid primary.timeout_ms=60,85,120 --grid cache.coverage_pct=50,70,90
  fallbackkit sweep design.yaml --grid primary.timeout_ms=60,85,120 --out sweep.csv --serial""", cmd_sweep)
    design_file(s, "design YAML/JSON")
    s.add_argument("--grid", action="append", metavar="FIELD=V1,V2,...", help="one axis of the grid (repeatable)")
    s.add_argument("--requests", "-n", type=count, default=20_000, metavar="N",
                   help="requests simulated per design (default: 20,000; 1e5 works)")
    s.add_argument("--seed", type=seed, default=0, help="seed of every simulation (default: 0)")
    s.add_argument("--out", help="CSV to write (default: standard output)")
    engine_options(s)


def cmd_sweep(args) -> int:
    from .. import grid as sweeping
    from ..design import Design
    from ..files import atomic_write_text
    eng = engine_of(args)
    try:
        grid = sweeping.parse_grid(args.grid or [])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    # an existing CSV is replaced as before; the design itself or a folder never is
    target = output.out_path(args.out, [args.file], force=True) if args.out else None
    design = Design.load(args.file)
    frame = sweeping.sweep(design, grid, n_requests=args.requests, seed=args.seed, **eng)
    text = frame.to_csv(index=False, lineterminator="\n")
    if target is not None:
        output.write(target, lambda: atomic_write_text(target, text))
        print(f"wrote {target}: {len(frame)} designs x {len(frame.columns)} columns")
    else:
        sys.stdout.write(text)
    return EXIT_OK


COMMANDS = [add_replay, add_simulate, add_sweep]
