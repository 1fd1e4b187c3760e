"""The ``fallbackkit`` command line.

Every command reports bad input as one line per problem (file, field path, what was
expected) and exits 2; it never shows a traceback unless FALLBACKKIT_DEBUG=1.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from pathlib import Path
from typing import Callable

from .problems import DesignError

EXIT_OK, EXIT_FINDINGS, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """A problem with what was asked (not with a design file); exit 2 with the message."""


# -- commands --------------------------------------------------------------------------------
def cmd_validate(args) -> int:
    from .design import Design
    d = Design.load(args.file)
    print(f"{args.file}: valid — {len(d.taxonomy.modes)} failure modes, {len(d.matrix.paths)} paths, "
          f"{len(d.workflow.nodes)} workflow nodes, {len(d.postmortem.action_items)} action items")
    print(f"budget: {d.budget().verdict}")
    return EXIT_OK


def cmd_show(args) -> int:
    from .design import Design
    d = Design.load(args.file)
    if args.artifact in (None, "all"):
        print(d.to_text())
    elif args.artifact == "budget":
        print(d.budget().to_text())
    elif args.artifact == "workflow" and args.mermaid:
        print(d.workflow.to_mermaid())
    else:
        print(getattr(d, args.artifact).to_text())
    return EXIT_OK


def cmd_new(args) -> int:
    from .design import default_design
    name = args.name
    target = Path(args.out) if args.out else Path(_slug(name) + ".yaml")
    if target.exists() and not args.force:
        raise UsageError(f"{target}: already exists; pass --force to overwrite it")
    d = default_design()
    d.context.name = name
    d.save(target)
    print(f"wrote {target}: the worked example, renamed to {name!r}. Edit it, then run `fallbackkit validate {target}`.")
    return EXIT_OK


def cmd_schema(args) -> int:
    from .design import schema_text
    text = schema_text()
    if args.out:
        from .files import atomic_write_text
        atomic_write_text(args.out, text)
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_critique(args) -> int:
    from .review import critique
    from .design import Design
    # check=False: a design that breaks rules still gets a critique (its findings say why);
    # only data the model cannot read at all (wrong types, unknown fields) exits 2.
    d = Design.load(args.file, check=False)
    simulation = None
    if args.simulate is not None:
        if args.simulate <= 0:
            raise UsageError(f"--simulate {args.simulate}: expected a number of requests > 0")
        try:
            from .simulation import simulate
        except ImportError:
            raise UsageError("--simulate needs the simulator (fallbackkit.simulation), which this install lacks") from None
        simulation = simulate(d, args.simulate, seed=args.seed)
    c = critique(d, simulation)
    text = {"md": c.to_markdown, "json": c.to_json, "text": c.to_text}[args.format]()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK if c.passed else EXIT_FINDINGS


def cmd_interview(args) -> int:
    from .design import Design
    from .files import read_document
    from .interview import NO_ANSWER, MockInterview
    if args.minutes <= 0:
        raise UsageError(f"--minutes {args.minutes:g}: expected a time box > 0")
    d = Design.load(args.file, check=False)
    iv = MockInterview(d, mode=args.mode, minutes_per_artifact=args.minutes)
    if args.list:
        for q in iv.questions():
            print(f"{q.id}\t{q.text}")
        return EXIT_OK
    if args.answers:
        answers, _ = read_document(args.answers)
        if not isinstance(answers, dict) or not all(isinstance(v, str) for v in answers.values()):
            raise UsageError(f"{args.answers}: expected a mapping of question id to answer text "
                             "(`fallbackkit interview FILE --list` prints the ids; '*' is the default answer)")
        unknown = sorted(set(answers) - {q.id for q in iv.questions()} - {"*"})
        if unknown:
            raise UsageError(f"{args.answers}: unknown question ids {unknown}; `--list` prints the ids")
        card = iv.run_scripted(answers)
    else:
        # Live in the terminal: one line per answer; an empty line skips, 'next' ends the artifact.
        role = "interviewer" if args.mode == "interviewer" and args.show_hints else "candidate"
        iv.start()
        while not iv.finished:
            print("\n" + iv.view(role))
            try:
                line = input("> ")
            except EOFError:
                while not iv.finished:
                    iv.next_session()
                break
            if line.strip().lower() == "next":
                iv.next_session()
            else:
                iv.answer(line or NO_ANSWER)
        card = iv.scorecard()
    if args.out:
        card.save(args.out)
        print(f"wrote {args.out}: {card.summary()}")
    else:
        sys.stdout.write(card.to_markdown())
    return EXIT_OK


def cmd_run(args) -> int:
    from . import runner
    try:
        res = runner.run(args.notebook, args.scenario, runner.parse_assignments(args.param), args.out)
    except runner.RunError as exc:
        raise UsageError(str(exc)) from None
    line = f"{res.status}: {res.notebook} ({res.scenario or 'no scenario'}) in {res.duration_s:.1f} s -> {res.output}"
    print(line)
    for k, v in res.results.items():
        print(f"  {k}: {v}")
    if res.error:
        print(f"  error: {res.error}", file=sys.stderr)
    return EXIT_OK if res.status == "ok" else EXIT_FINDINGS


def cmd_run_all(args) -> int:
    from . import runner
    try:
        notebooks = runner.discover(args.notebooks)
        names = runner.resolve_scenarios(args.scenarios)
        from .classroom import engine_of
        results = runner.run_all(notebooks, names, args.out, runner.parse_assignments(args.param),
                                 progress=not args.no_progress, **engine_of(args))
    except runner.RunError as exc:
        raise UsageError(str(exc)) from None
    failed = [r for r in results if r.status != "ok"]
    print(f"{len(results) - len(failed)} of {len(results)} runs ok; summary: "
          f"{Path(args.out) / 'summary.csv'}, {Path(args.out) / 'summary.html'}")
    for r in failed:
        print(f"  failed: {r.notebook} ({r.scenario or '-'}): {r.error}", file=sys.stderr)
    return EXIT_FINDINGS if failed else EXIT_OK


def cmd_scenarios(args) -> int:
    from . import scenarios
    print(scenarios.catalog_text())
    return EXIT_OK


def cmd_incidents(args) -> int:
    import json
    from .incidents import IncidentLog
    if args.file == "bundled":
        log = IncidentLog.bundled()
    else:
        log = IncidentLog.read(args.file)
    if args.json:
        print(json.dumps(log.report(args.by, args.window), indent=2, default=str))
    else:
        print(log.to_text(by=args.by, window=args.window))
    return EXIT_OK


def cmd_replay(args) -> int:
    import json

    from .design import Design
    from .problems import Problem
    from .simulation.replay import replay
    comps = args.components if args.components in ("api", "all") else [c.strip() for c in args.components.split(",") if c.strip()]
    design = Design.load(args.file)
    flags = {"since": "--since", "until": "--until", "provider": "--provider", "rps": "--rps", "seed": "--seed",
             "quiet_sample": "--quiet-sample", "degraded_error_rate": "--degraded-error-rate", "method": "--method"}
    try:
        r = replay(design, args.incidents, args.provider, since=args.since, until=args.until, seed=args.seed,
                   method=args.method, quiet_sample=args.quiet_sample, degraded_error_rate=args.degraded_error_rate,
                   components=comps, rps=args.rps)
    except DesignError as exc:   # an argument's problem names the flag; a file's keeps its file
        raise DesignError([Problem(flags[p.path], p.message, "command line") if p.path in flags and p.file is None
                           else p if p.file else p.located(args.file) for p in exc.problems]) from None
    print(json.dumps(r.to_dict(), indent=2) if args.format == "json" else r.to_markdown() if args.format == "md" else r.to_text())
    return EXIT_OK


def _count(text: str) -> int:
    """A request count: 1000000, 1_000_000 or 1e6."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; expected e.g. 100000 or 1e6") from None
    if not math.isfinite(value) or value != int(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of requests")
    return int(value)


def cmd_simulate(args) -> int:
    import json

    from .artifact import _locate
    from .design import Design
    from .files import read_document
    from .simulation import Outage, simulate
    if args.requests <= 0:
        raise UsageError(f"--requests is {args.requests}; expected a whole number of requests > 0")
    if args.seed < 0:
        raise UsageError(f"--seed is {args.seed}; expected a whole number ≥ 0")
    d = Design.load(args.file)
    show_bar = not args.no_progress and args.requests >= 1_000_000
    try:
        outages = [Outage.parse(o) for o in args.outage]
        r = simulate(d, args.requests, args.seed, outages=outages, rps=args.rps, progress=True if show_bar else None)
    except DesignError as exc:
        _, lines = read_document(args.file)
        raise DesignError([p.located("command line") if p.path.startswith(("outage", "n_requests", "rps"))
                           else _locate(p, args.file, lines)
                           for p in exc.problems]) from None
    if args.json:
        print(json.dumps(r.to_dict(), indent=2))
    else:
        print(r.to_text())
        print()
        print(r.matrix_view().to_text())
    return EXIT_OK


def cmd_export(args) -> int:
    from . import export
    from .design import Design
    d = Design.load(args.file)
    try:
        result = export.export(d, args.out, force=args.force)
    except export.OutputExists as exc:
        raise UsageError(str(exc)) from None
    print(f"{result}: " + ", ".join(result.files))
    print(f"open {Path(result.out) / 'index.html'} in a browser (works offline; prints cleanly)")
    for router, dropped in result.dropped.items():
        if dropped:
            print(f"{router} config: {len(dropped)} part(s) of the design dropped (listed in index.html)")
    return EXIT_OK


def cmd_router(args) -> int:
    from . import routers
    from .design import Design
    d = Design.load(args.file)
    try:
        base_urls = routers.parse_base_urls(args.base_url, d)
    except ValueError as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    result = routers.router_config(d, args.to, base_urls)
    text = result.to_text()
    if args.out:
        from .files import atomic_write_text
        target = Path(args.out)
        if target.exists() and not args.force:
            raise UsageError(f"{target}: already exists; pass --force to overwrite it")
        atomic_write_text(target, text)
        print(f"wrote {target}")
    else:
        sys.stdout.write(text)
    # What was dropped goes to stderr, so stdout stays a valid config.
    print(result.dropped_text(), file=sys.stderr)
    return EXIT_OK


def cmd_alerts(args) -> int:
    from . import alerts
    from .design import Design
    from .files import atomic_write_text, dump_yaml
    d = Design.load(args.file)
    outputs = [(args.out, alerts.rules_text(d))]
    if args.openslo:
        outputs.append((args.openslo, dump_yaml(alerts.openslo(d))))
    for out, _ in outputs:
        if out and Path(out).exists() and not args.force:
            raise UsageError(f"{out}: already exists; pass --force to overwrite it")
    for out, text in outputs:
        if out:
            atomic_write_text(Path(out), text)
            print(f"wrote {out}")
        else:
            sys.stdout.write(text)
    for w in alerts.warnings(d):
        print(f"warning: {w}", file=sys.stderr)
    return EXIT_OK


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name.strip()).strip("_") or "design"


# -- parser ----------------------------------------------------------------------------------
ARTIFACT_CHOICES = ["all", "context", "taxonomy", "matrix", "budget", "workflow", "postmortem"]

DESCRIPTION = """\
Design the fallback system of an LLM product and defend it with numbers.

A design is one YAML file: product context (traffic, SLO), failure taxonomy,
latency-budget matrix, recovery workflow and post-mortem loop.

  fallbackkit new "Support chat"        scaffold a design from the worked example
  fallbackkit validate support_chat.yaml check every rule; one line per problem
  fallbackkit show support_chat.yaml --artifact budget
                                        the latency budget held against the SLO
  fallbackkit simulate support_chat.yaml --requests 1e6 --seed 7
                                        derive shares, p99.9, cost and SLO attainment
  fallbackkit export support_chat.yaml --out review/
                                        one standalone deliverable per artifact
  fallbackkit router support_chat.yaml --to litellm
                                        the workflow as a LiteLLM router config
"""

EPILOG = "Exit codes: 0 ok, 1 findings (critique), 2 invalid input, 3 internal error."


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fallbackkit", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    from . import __version__
    p.add_argument("--version", action="version", version=f"fallbackkit {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("validate", help="check a design file against every rule",
                       description="Validate a design file. Exit 0 when valid, 2 with one line per problem.")
    s.add_argument("file", help="design file (.yaml, .yml or .json)")
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser("show", help="print a design or one artifact as terminal tables",
                       description="Print a design, one artifact, or the latency budget against the SLO.")
    s.add_argument("file", help="design file")
    s.add_argument("--artifact", choices=ARTIFACT_CHOICES, default="all", help="what to show (default: all)")
    s.add_argument("--mermaid", action="store_true", help="with --artifact workflow: print Mermaid text")
    s.set_defaults(func=cmd_show)

    s = sub.add_parser("new", help="scaffold a new design from the worked example",
                       description="Write NAME.yaml: the bundled worked example with your product's name.")
    s.add_argument("name", help="product name, e.g. 'Support chat'")
    s.add_argument("--out", help="file to write (default: NAME as a slug + .yaml)")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    s.set_defaults(func=cmd_new)

    s = sub.add_parser("schema", help="print the JSON Schema of a design file",
                       description="Print (or write) the published JSON Schema of a design file, for editors and CI.")
    s.add_argument("--out", help="write to this file instead of stdout")
    s.set_defaults(func=cmd_schema)

    s = sub.add_parser("scenarios", help="list the bundled scenarios with their computed numbers",
                       description="List the scenario library: each product's SLO, worst-case chain and blended cost.")
    s.set_defaults(func=cmd_scenarios)

    s = sub.add_parser(
        "run", help="run one notebook with parameters (papermill)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a notebook with parameters. Unknown parameters, unknown scenarios and values of the\n"
                    "wrong type fail before anything executes, listing what the notebook accepts.\n\n"
                    "  fallbackkit run notebooks/02_day1_latency_budget_matrix.ipynb --scenario voice-assistant -p seed=3\n"
                    "  fallbackkit run notebooks/01_day1_failure_taxonomy.ipynb -p slo_threshold_ms=120")
    s.add_argument("notebook", help="the notebook to run")
    s.add_argument("--scenario", help="scenario name (`fallbackkit scenarios` lists them)")
    s.add_argument("-p", "--param", action="append", metavar="NAME=VALUE", help="set a parameter (repeatable)")
    s.add_argument("--out", help="executed notebook to write (default: runs/<notebook>__<scenario>.ipynb)")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser(
        "run-all", help="run notebooks over scenarios; write a CSV and HTML summary",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run every notebook for every scenario with a progress bar. A failing run is a row in the\n"
                    "summary (exit 1), never the end of the batch. Writes DIR/summary.csv and DIR/summary.html.\n\n"
                    "  fallbackkit run-all --scenarios all --out runs/\n"
                    "  fallbackkit run-all --scenarios rag-search,voice-assistant --notebooks 'fallbackkit/data/solutions/*.ipynb' --out runs/")
    s.add_argument("--scenarios", default="all", help="'all' or a comma-separated list (default: all)")
    s.add_argument("--notebooks", nargs="+", help="notebook paths or globs (default: notebooks/*.ipynb)")
    s.add_argument("-p", "--param", action="append", metavar="NAME=VALUE", help="set a parameter for every run")
    s.add_argument("--out", required=True, help="directory for executed notebooks and the summary")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    from .classroom import add_engine_options
    add_engine_options(s)
    s.set_defaults(func=cmd_run_all)

    from . import classroom
    classroom.add_exercises_parser(sub)
    classroom.add_grade_parser(sub)
    classroom.add_sweep_parser(sub)
    s = sub.add_parser(
        "critique", help="score a design the way a hiring committee would",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Score a design on nine rubric criteria (Very Weak … Very Strong), each with evidence
lines pointing at design fields, and list every finding with its severity, field path
and a concrete fix: unquantified claims, paths without a latency budget, unserved
traffic, timeouts longer than the deadline left, retry storms, prices that disagree
with cost per 1M, vague severities, modes without detection/runbook/owner, fewer than
five modes, mean-only loop metrics, artifacts that cannot stand alone, UML errors.

Exit 0 when no finding is blocking, 1 when one is, 2 when the file cannot be read.

  fallbackkit critique my_design.yaml
  fallbackkit critique my_design.yaml --format md > critique.md
  fallbackkit critique my_design.yaml --simulate 100000 --seed 1
""")
    s.add_argument("file", help="design file (.yaml, .yml or .json); rule violations are critiqued, not refused")
    s.add_argument("--format", choices=["text", "md", "json"], default="text",
                   help="text for the terminal (default), md for a review, json for tools")
    s.add_argument("--simulate", type=_count, metavar="N", default=None,
                   help="simulate N requests and critique with the simulated numbers instead of the declared arithmetic")
    s.add_argument("--seed", type=int, default=0, help="seed of the simulation (default 0)")
    s.set_defaults(func=cmd_critique)

    s = sub.add_parser(
        "interview", help="rehearse the interview: timed questions per artifact, then a scorecard",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
A mock interview over a design: a timed session per artifact (taxonomy, matrix,
workflow, post-mortem loop) with follow-up questions drawn from the design's weakest
findings and its own trade-offs. Answer in the terminal (one line each; empty skips,
'next' ends the artifact), or from a YAML file of answers for a headless run. Ends
with a scorecard in Markdown.

  fallbackkit interview my_design.yaml --list             the question ids
  fallbackkit interview my_design.yaml --answers a.yaml --out scorecard.md
""")
    s.add_argument("file", help="design file (.yaml, .yml or .json)")
    s.add_argument("--mode", choices=["solo", "interviewer"], default="solo",
                   help="solo shows hints; interviewer hides them from the candidate (default: solo)")
    s.add_argument("--show-hints", action="store_true", help="interviewer mode: show the interviewer's view")
    s.add_argument("--minutes", type=float, default=10, help="time box per artifact in minutes (default 10)")
    s.add_argument("--answers", help="YAML/JSON mapping of question id to answer ('*' = default): run headless")
    s.add_argument("--list", action="store_true", help="print the question ids and texts, then exit")
    s.add_argument("--out", help="write the scorecard here (.md, or .json) instead of printing it")
    s.set_defaults(func=cmd_interview)

    s = sub.add_parser(
        "incidents", help="measure a real incident history (Statuspage lifecycle)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Read incidents (investigating -> identified -> monitoring -> resolved -> postmortem,
one timestamp per stage) from CSV or JSON and print the data-quality report, time to
identify / repair / verify / post-mortem / resolve and time between failures (count,
missing, mean, median, p90 in minutes, with a warning when a long tail skews the mean),
and a DORA-style recovery band per component. A missing stage is missing, never zero.

FILE may be the word `bundled`: the shipped copy of 542 public incidents of OpenAI,
Anthropic and Character.AI (2021-2024; ICPE 2025 dataset). Write ./bundled for a file
of that name.

  fallbackkit incidents bundled --by provider
  fallbackkit incidents my_incidents.csv --by component --json""")
    s.add_argument("file", help="incident file (.csv, .csv.gz, .json) or `bundled`")
    s.add_argument("--by", choices=["component", "provider", "impact", "window"], default=None,
                   help="group the metrics (default: all incidents together)")
    s.add_argument("--window", default="Q", choices=["W", "M", "Q", "Y"],
                   help="with --by window: calendar period of the incident start (default Q)")
    s.add_argument("--json", action="store_true", help="print JSON instead of tables")
    s.set_defaults(func=cmd_incidents)

    s = sub.add_parser(
        "replay", help="replay a real incident history against the design at its traffic",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Turn each incident of a provider into an outage (impact major/critical) or a degradation
(minor: a raised error rate) on the paths that depend on it (`provider:` or the model id's
prefix, openai/gpt-4o -> openai), simulate the span at context.traffic.requests_per_day,
and print SLO attainment and error budget per SLO window, the worst rolling window,
incident-minutes the chain hid and exposed, measured provider overlap and occurrence rates
to put in the taxonomy. Quiet time is sampled and weighted; incident time runs in full.

  fallbackkit replay design.yaml --incidents bundled --provider openai
  fallbackkit replay design.yaml --since 2023-09-01 --until 2024-09-01 --format md""")
    s.add_argument("file", help="design file")
    s.add_argument("--incidents", default="bundled", help="incident file (.csv, .csv.gz, .json) or `bundled` (default)")
    s.add_argument("--provider", default=None, help="replay only this provider's incidents (default: every provider a path uses)")
    s.add_argument("--since", default=None, help="start of the span, e.g. 2023-09-01 (default: the history's first day)")
    s.add_argument("--until", default=None, help="end of the span, exclusive (default: the day after the last incident)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--method", choices=["stratified", "brute"], default="stratified",
                   help="stratified (fast, default) or brute (every request simulated: the check)")
    s.add_argument("--quiet-sample", type=_count, default=1_000_000, metavar="N",
                   help="requests sampled to stand for quiet time (default 1e6)")
    s.add_argument("--degraded-error-rate", type=float, default=0.1, metavar="SHARE",
                   help="share of calls failing during a minor incident (default 0.1)")
    s.add_argument("--components", default="api",
                   help="api (default: the provider's API component, or none named), all, or a comma list")
    s.add_argument("--rps", type=float, default=None, help="arrival rate (default: requests_per_day / 86400)")
    s.add_argument("--format", choices=["text", "json", "md"], default="text", help="output format (default text)")
    s.set_defaults(func=cmd_replay)

    s = sub.add_parser(
        "simulate", help="simulate the recovery workflow over N requests; derive shares, percentiles, cost",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Simulate N requests through the design's fallback chain (timeouts, injected failure
modes, retries, hedging, circuit breakers, outage windows) and print what it derives:
each path's share, p50/p95/p99/p99.9 as the user sees it, cost per 1M requests, SLO
attainment and error-budget burn. Same seed, same numbers.

  fallbackkit simulate design.yaml --requests 1e6 --seed 7
  fallbackkit simulate design.yaml --outage primary:60m:20m     # provider down 20 min
  fallbackkit simulate design.yaml --json > result.json""")
    s.add_argument("file", help="design file")
    s.add_argument("--requests", "-n", type=_count, default=100_000, metavar="N",
                   help="number of requests (default 100000; 1e6 works)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--json", action="store_true", help="print the results as JSON")
    s.add_argument("--outage", action="append", default=[], metavar="PATH:START:DURATION",
                   help="a window when PATH fails every call, e.g. primary:60m:20m (repeatable)")
    s.add_argument("--rps", type=float, default=None,
                   help="arrival rate in requests/s (default: context.traffic.requests_per_day / 86400)")
    s.add_argument("--no-progress", action="store_true", help="no progress bar (shown from 1e6 requests)")
    s.set_defaults(func=cmd_simulate)

    s = sub.add_parser(
        "export", help="write each artifact as a standalone deliverable (HTML, Markdown, CSV, SVG)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write one folder with a standalone deliverable per artifact, for the team that reviews it:\n"
                    "taxonomy (incident response), matrix (SRE, product; with CSV and an SVG chart),\n"
                    "workflow (SRE, on-call; Mermaid and an SVG UML diagram), post-mortem loop (SRE lead),\n"
                    "router configs, and an index. HTML opens offline and prints cleanly.\n\n"
                    "  fallbackkit export support_chat.yaml --out review/\n\n"
                    "An invalid design is not exported; an existing folder is replaced only with --force;\n"
                    "an error leaves no partial folder behind.")
    s.add_argument("file", help="design file")
    s.add_argument("--out", required=True, help="folder to create, e.g. review/")
    s.add_argument("--force", action="store_true", help="replace the folder if it exists")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser(
        "router", help="turn the recovery workflow into a LiteLLM or Portkey config",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Print the recovery workflow as a router config: LiteLLM Router/proxy YAML\n"
                    "(model_list + router_settings: fallbacks, context_window_fallbacks,\n"
                    "content_policy_fallbacks, retry policies, timeouts, cooldowns) or a Portkey\n"
                    "gateway JSON (fallback strategy, targets, retries, timeouts). What the router\n"
                    "cannot express (hedging, rule engines, static answers, ...) is listed on stderr.\n\n"
                    "  fallbackkit router support_chat.yaml --to litellm > litellm_config.yaml")
    s.add_argument("file", help="design file")
    s.add_argument("--to", required=True, choices=["litellm", "portkey"], help="which router")
    s.add_argument("--base-url", action="append", metavar="PATH_ID=URL",
                   help="serve model path PATH_ID from this OpenAI-compatible host (repeatable), "
                        "e.g. --base-url primary=http://127.0.0.1:8000/v1")
    s.add_argument("--out", help="write to this file instead of stdout")
    s.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    s.set_defaults(func=cmd_router)

    s = sub.add_parser(
        "alerts", help="turn the SLO and the failure taxonomy into Prometheus alerting rules",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write Prometheus rules: the SLO as multi-window, multi-burn-rate alerts (page at\n"
                    "14.4x over 1h/5m and 6x over 6h/30m, ticket at 1x over 3d/6h) with recording rules\n"
                    "for the error ratio, and one alert per failure mode from its detection signal.\n"
                    "Check the file with `promtool check rules`. Metric names: docs/exports.md.\n\n"
                    "  fallbackkit alerts support_chat.yaml --out rules.yml --openslo slo.yaml")
    s.add_argument("file", help="design file")
    s.add_argument("--out", help="write the rules to this file instead of stdout")
    s.add_argument("--openslo", metavar="FILE", help="also write the SLO as an OpenSLO v1 document")
    s.add_argument("--force", action="store_true", help="overwrite existing files")
    s.set_defaults(func=cmd_alerts)

    for register in EXTRA_COMMANDS:
        register(sub)
    return p


#: Other modules' commands: each is a function adding a subparser to ``sub``.
EXTRA_COMMANDS: list[Callable] = []


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_INVALID
    try:
        return args.func(args)
    except DesignError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        n = len(exc.problems)
        print(f"{n} problem{'s' if n != 1 else ''} found.", file=sys.stderr)
        return EXIT_INVALID
    except UsageError as exc:
        print(f"fallbackkit: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # output piped into `head` and closed early: not an error worth a message
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback by default
        if os.environ.get("FALLBACKKIT_DEBUG"):
            raise
        print(f"fallbackkit: internal error: {type(exc).__name__}: {exc} "
              "(set FALLBACKKIT_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
