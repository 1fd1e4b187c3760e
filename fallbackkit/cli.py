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

from .problems import DesignError, Problem

EXIT_OK, EXIT_FINDINGS, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """A problem with what was asked (not with a design file); exit 2 with the message."""


# -- commands --------------------------------------------------------------------------------
def cmd_validate(args) -> int:
    from .design import Design, load_any
    from .scenarios import template_text_fields
    try:
        art = load_any(args.file)
    except DesignError:
        raise
    except (RecursionError, ValueError, OverflowError, MemoryError) as exc:
        raise DesignError([_unreadable(args.file, exc)]) from None
    if not isinstance(art, Design):
        print(f"{args.file}: valid {art.title} (a standalone artifact file)" + _artifact_counts(art))
        return EXIT_OK
    d = art
    if d.is_complete:
        print(f"{args.file}: valid — {len(d.taxonomy.modes)} failure modes, {len(d.matrix.paths)} paths, "
              f"{len(d.workflow.nodes)} workflow nodes, {len(d.postmortem.action_items)} action items")
    else:
        print(f"{args.file}: valid so far — written: {', '.join(d.written) or 'nothing yet'}")
        for p in d.not_yet_written():
            print(f"  {p.path}: {p.message}")
    if d.context is not None and d.matrix is not None:
        print(f"budget: {d.budget().verdict}")
    copied = template_text_fields(d)
    if copied:
        scen = sorted({c.scenario for c in copied})
        print(f"{len(copied)} text field{'s' if len(copied) != 1 else ''} still copied word for word from the "
              f"{', '.join(scen)} template (first: {copied[0].path}); rewrite them for your product")
    return EXIT_OK


def _artifact_counts(art) -> str:
    counts = [(n, len(getattr(art, f))) for n, f in [("failure modes", "modes"), ("paths", "paths"),
              ("nodes", "nodes"), ("action items", "action_items"), ("incidents", "incidents")] if hasattr(art, f)]
    return (" — " + ", ".join(f"{k} {n}" for n, k in counts)) if counts else ""


def cmd_show(args) -> int:
    d = _load(args.file)
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
    from . import scenarios, starter
    if sum(bool(x) for x in (args.blank, args.interactive, args.from_)) > 1:
        raise UsageError("new: pass at most one of --blank, --interactive and --from SCENARIO")
    if args.interactive:
        try:
            answers = starter.ask(lambda: sys.stdin.readline().rstrip("\n"), lambda t: print(t, end="", flush=True),
                                  name=args.name)
            text = starter.starter_text(answers)
        except ValueError as exc:
            raise UsageError(f"new --interactive: {exc}") from None
        name = answers.name
        print()
    elif args.blank or not args.from_:
        if not (args.name or "").strip():
            raise UsageError("new: the product name is empty; expected a name, e.g. "
                             "`fallbackkit new \"Code review bot\"`, or pass --interactive")
        name, text = args.name, starter.starter_text(starter.Answers(name=args.name))
    else:
        if not (args.name or "").strip():
            raise UsageError("new --from SCENARIO: the product name is empty; expected a name too")
        try:
            scen = scenarios.get(args.from_)
        except scenarios.UnknownScenarioError as exc:
            raise UsageError(str(exc)) from None
        name = args.name
        d = scenarios.load(scen.name)
        try:
            d.context.name = name
        except ValueError as exc:  # pydantic's ValidationError: the name breaks a field rule
            raise UsageError(f"new: {name!r} is not a usable product name: {_first_error(exc)}") from None
        text = (f"# {name}: started from the bundled {scen.name!r} scenario. Every text still equal to the\n"
                f"# template's is reported by `fallbackkit validate` and the critique until you rewrite it.\n"
                + d.to_yaml())
    target = _out_path(args.out if args.out is not None else _slug(name) + ".yaml", [], args.force)
    from .files import atomic_write_text
    _write(target, lambda: atomic_write_text(target, text))
    how = f"a copy of the {args.from_!r} scenario to rework" if args.from_ else "a starter: the context, then what comes next"
    print(f"wrote {target}: {how}. Run `fallbackkit validate {target}` to see what is written and what is not yet.")
    return EXIT_OK


def cmd_schema(args) -> int:
    from .design import schema_text
    text = schema_text()
    if args.out is not None:
        from .files import atomic_write_text
        target = _out_path(args.out, [], args.force)
        _write(target, lambda: atomic_write_text(target, text))
        print(f"wrote {target}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_critique(args) -> int:
    from .review import critique
    # check=False: a design that breaks rules still gets a critique (its findings say why);
    # only data the model cannot read at all (wrong types, unknown fields) exits 2.
    d = _load(args.file, check=False)
    simulation = None
    if args.simulate is not None:
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
    from .interview import NO_ANSWER, MockInterview
    inputs = [args.file] + ([args.answers] if args.answers else [])
    target = _out_path(args.out, inputs, args.force) if args.out is not None else None
    d = _load(args.file, check=False)
    iv = MockInterview(d, mode=args.mode, minutes_per_artifact=args.minutes)
    if args.list:
        for q in iv.questions():
            print(f"{q.id}\t{q.text}")
        return EXIT_OK
    if args.answers:
        answers, _ = _read(args.answers)
        if not isinstance(answers, dict) or not all(isinstance(v, str) for v in answers.values()):
            raise UsageError(f"{args.answers}: expected a mapping of question id to answer text "
                             "(`fallbackkit interview FILE --list` prints the ids; '*' is the default answer)")
        unknown = sorted(set(answers) - {q.id for q in iv.questions()} - {"*", "design"})
        if unknown:
            raise UsageError(f"{args.answers}: unknown question ids {unknown}; `--list` prints the ids")
        card = iv.run_scripted(answers)
        if iv.script_note:
            print(f"{args.answers}: {iv.script_note}", file=sys.stderr)
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
    if target is not None:
        _write(target, lambda: card.save(target))
        print(f"wrote {target}: {card.summary()}")
    else:
        sys.stdout.write(card.to_markdown())
    return EXIT_OK


def cmd_run(args) -> int:
    from . import runner
    out = _out_path(args.out, [args.notebook], args.force) if args.out is not None else None
    try:
        res = runner.run(args.notebook, args.scenario, runner.parse_assignments(args.param), out, design=args.design)
    except runner.RunError as exc:
        raise UsageError(str(exc)) from None
    subject = f"design {res.design}" if res.design else (res.scenario or "no scenario")
    line = f"{res.status}: {res.notebook} ({subject}) in {res.duration_s:.1f} s -> {res.output}"
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
        from .classroom import engine_of
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

    from .simulation.replay import replay
    comps = args.components if args.components in ("api", "all") else [c.strip() for c in args.components.split(",") if c.strip()]
    design = _load(args.file)
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


def cmd_simulate(args) -> int:
    import json

    from .artifact import _locate
    from .simulation import Outage, simulate
    d = _load(args.file)
    show_bar = not args.no_progress and args.requests >= 1_000_000
    try:
        outages = [Outage.parse(o) for o in args.outage]
        r = simulate(d, args.requests, args.seed, outages=outages, rps=args.rps, progress=True if show_bar else None)
    except DesignError as exc:
        _, lines = _read(args.file)
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
    d = _load(args.file)
    if not args.out.strip():
        raise UsageError("--out is empty; expected a folder to create, e.g. review/")
    try:
        result = export.export(d, args.out, force=args.force, protect=[args.file])
    except export.OutputExists as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot write the export: {_os_reason(exc)}; nothing was changed") from None
    print(f"{result}: " + ", ".join(result.files))
    print(f"open {Path(result.out) / 'index.html'} in a browser (works offline; prints cleanly)")
    for router, dropped in result.dropped.items():
        if dropped:
            print(f"{router} config: {len(dropped)} part(s) of the design dropped (listed in index.html)")
    return EXIT_OK


def cmd_router(args) -> int:
    from . import routers
    target = _out_path(args.out, [args.file], args.force) if args.out is not None else None
    d = _load(args.file)
    try:
        base_urls = routers.parse_base_urls(args.base_url, d)
    except ValueError as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    result = routers.router_config(d, args.to, base_urls)
    text = result.to_text()
    if target is not None:
        from .files import atomic_write_text
        _write(target, lambda: atomic_write_text(target, text))
        print(f"wrote {target}")
    else:
        sys.stdout.write(text)
    # What was dropped goes to stderr, so stdout stays a valid config.
    print(result.dropped_text(), file=sys.stderr)
    return EXIT_OK


def cmd_alerts(args) -> int:
    from . import alerts
    from .files import atomic_write_text, dump_yaml
    targets = [_out_path(o, [args.file], args.force) if o is not None else None for o in (args.out, args.openslo)]
    if targets[0] is not None and targets[1] is not None and _same_file(targets[0], targets[1]):
        raise UsageError(f"{args.openslo}: is also --out; expected two different files")
    d = _load(args.file)
    outputs = [(targets[0], alerts.rules_text(d))]
    if targets[1] is not None:
        outputs.append((targets[1], dump_yaml(alerts.openslo(d))))
    for out, text in outputs:
        if out is not None:
            _write(out, lambda out=out, text=text: atomic_write_text(out, text))
            print(f"wrote {out}")
        else:
            sys.stdout.write(text)
    for w in alerts.warnings(d):
        print(f"warning: {w}", file=sys.stderr)
    return EXIT_OK


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name.strip()).strip("_") or "design"


# -- reading, writing and the paths they touch -------------------------------------------------------
def _read(path: str):
    """``files.read_document`` with every failure of the reader as a DesignError naming the file."""
    from .files import read_document
    try:
        return read_document(path)
    except DesignError:
        raise
    except (RecursionError, ValueError, OverflowError, MemoryError) as exc:
        raise DesignError([_unreadable(path, exc)]) from None


def _load(path: str, check: bool = True):
    """Load a design; a file the reader or the model cannot take is a DesignError, never a crash."""
    from .design import Design
    try:
        return Design.load(path, check=check)
    except DesignError:
        raise
    except (RecursionError, ValueError, OverflowError, MemoryError) as exc:
        raise DesignError([_unreadable(path, exc)]) from None


def _unreadable(path: str, exc: BaseException) -> Problem:
    if isinstance(exc, RecursionError):
        what = "nested too deeply to read; expected a design a few levels deep"
    elif isinstance(exc, MemoryError):
        what = "too large to read in memory (aliases or size); expected a design file of ordinary size"
    else:
        what = f"a value cannot be read: {exc}"
    return Problem("", what, str(path))


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):  # a symlink loop: compare the names as given
        return a.absolute() == b.absolute()


def _out_path(out: str, inputs: list[str], force: bool) -> Path:
    """The file an ``--out`` names, refused before any work when writing there would lose a file.

    Never an input of the command (not even with ``--force``), never a folder, and an
    existing file only with ``--force``.
    """
    if not str(out).strip():
        raise UsageError("--out is empty; expected a file name")
    target = Path(out)
    for given in inputs:
        if _same_file(target, Path(given)):
            raise UsageError(f"{target}: is the input file {given} of this command; writing there would replace it "
                             "(even with --force); choose another --out")
    try:
        is_dir, exists = target.is_dir(), target.exists() or target.is_symlink()
    except OSError as exc:  # a name too long, a loop of links: say so before doing the work
        raise UsageError(f"{target}: cannot write: {_os_reason(exc)}; nothing was written") from None
    if is_dir:
        raise UsageError(f"{target}: is a folder; expected a file name, e.g. {target / 'out.yaml'}")
    if exists and not force:
        raise UsageError(f"{target}: already exists; pass --force to overwrite it")
    return target


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _write(target: Path, write: Callable[[], object]) -> None:
    """Run a save; an OSError (disk full, permission, read-only, name too long) names ``target``."""
    try:
        write()
    except DesignError:
        raise  # the one save mechanism's "not saved: …" already names the file and the reason
    except OSError as exc:
        raise UsageError(f"{target}: cannot write: {_os_reason(exc)}; nothing was written") from None


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        from .problems import from_validation_error
        return "; ".join(p.message for p in from_validation_error(exc)[:1])
    return str(exc)


# -- argument types: each refuses what it cannot take, saying what it expects --------------------------
def _real(text: str, what: str) -> float:
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; expected {what}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number; expected {what}")
    return value


#: The most requests one command simulates: ~4 minutes here, and a few GB of arrays.
MAX_REQUESTS = 1_000_000_000


def _count(text: str) -> int:
    """A request count: 1000000, 1_000_000 or 1e6 (whole, > 0, at most 1e9)."""
    what = "a whole number of requests > 0 (at most 1e9), e.g. 100000 or 1e6"
    value = _real(text, what)
    if value != int(value) or not 1 <= value <= MAX_REQUESTS:
        raise argparse.ArgumentTypeError(f"{text!r}: expected {what}")
    return int(value)


def _seed(text: str) -> int:
    """A random seed: a whole number ≥ 0 (numpy takes any size; 2**63 keeps it printable)."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; expected a seed ≥ 0, e.g. 7") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a seed between 0 and 2**63 - 1")
    return value


def _bounded(what: str, low: float, high: float) -> Callable[[str], float]:
    """A finite number in ``(low, high]``: what the argument expects, in its error."""
    def parse(text: str) -> float:
        value = _real(text, what)
        if not low < value <= high:
            raise argparse.ArgumentTypeError(f"{text!r}: expected {what}")
        return value
    parse.__name__ = what  # argparse names the type in some messages
    return parse


def _share(text: str) -> float:
    """A share of calls: a finite number from 0 to 1."""
    what = "a share between 0 and 1, e.g. 0.1"
    value = _real(text, what)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected {what}")
    return value


_minutes = _bounded("a time box in minutes, more than 0 and at most 600", 0, 600)
_rps = _bounded("an arrival rate in requests/s between 0.001 and 1e9", 0.001 - 1e-12, 1e9)


def _outage(text: str) -> str:
    """``PATH:START:DURATION`` with finite times (s, m or h): checked here, built by the simulator."""
    parts = text.split(":")
    if len(parts) != 3 or not parts[0]:
        raise argparse.ArgumentTypeError(f"{text!r}: expected PATH:START:DURATION, e.g. primary:60m:20m")
    for part, what in ((parts[1], "a start ≥ 0"), (parts[2], "a duration > 0")):
        number = part[:-1] if part[-1:] in ("s", "m", "h") else part
        value = _real(number, f"{what} such as 90s, 20m or 1h") if number else math.nan
        if not (value > 0 or (value == 0 and what.startswith("a start"))) or value > 1e9:
            raise argparse.ArgumentTypeError(f"{text!r}: {part!r} is not {what} such as 90s, 20m or 1h")
    return text


# -- parser ----------------------------------------------------------------------------------
ARTIFACT_CHOICES = ["all", "context", "taxonomy", "matrix", "budget", "workflow", "postmortem"]

DESCRIPTION = """\
Design the fallback system of an LLM product and defend it with numbers.

A design is one YAML file: product context (traffic, SLO), failure taxonomy,
latency-budget matrix, recovery workflow and post-mortem loop.

  fallbackkit new "Support chat"        start your own design (--interactive asks the questions)
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

    s = sub.add_parser("new", help="start your own design: a starter file, a guided start, or a scenario to rework",
                       description="Write NAME.yaml: the bundled worked example with your product's name.")
    s.add_argument("name", nargs="?", help="product name, e.g. 'Code review bot' (asked with --interactive)")
    how = s.add_argument_group("how to start (default: --blank)")
    how.add_argument("--blank", action="store_true", help="a starter file: your product's name; the rest is reported as not yet written")
    how.add_argument("--interactive", action="store_true", help="ask product, traffic, SLO, cost ceiling and providers (reads stdin)")
    how.add_argument("--from", dest="from_", metavar="SCENARIO", help="copy a bundled scenario to rework (`fallbackkit scenarios` lists them)")
    s.add_argument("--out", help="file to write (default: NAME as a slug + .yaml)")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    s.set_defaults(func=cmd_new)

    s = sub.add_parser("schema", help="print the JSON Schema of a design file",
                       description="Print (or write) the published JSON Schema of a design file, for editors and CI.")
    s.add_argument("--out", help="write to this file instead of stdout")
    s.add_argument("--force", action="store_true", help="overwrite --out if it exists")
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
    s.add_argument("--design", metavar="FILE", help="your own design file: every cell derives from it")
    s.add_argument("-p", "--param", action="append", metavar="NAME=VALUE", help="set a parameter (repeatable)")
    s.add_argument("--out", help="executed notebook to write (default: runs/<notebook>__<scenario>.ipynb)")
    s.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser(
        "run-all", help="run notebooks over scenarios; write a CSV and HTML summary",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run every notebook for every scenario with a progress bar. A failing run is a row in the\n"
                    "summary (exit 1), never the end of the batch. Writes DIR/summary.csv and DIR/summary.html.\n\n"
                    "  fallbackkit run-all --scenarios all --out runs/\n"
                    "  fallbackkit run-all --scenarios rag-search,voice-assistant --notebooks 'fallbackkit/data/solutions/*.ipynb' --out runs/")
    s.add_argument("--scenarios", default=None, help="'all' or a comma-separated list (default: all, or none with --designs)")
    s.add_argument("--designs", nargs="+", metavar="FILE|DIR", help="your own design files, or folders of them")
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
    s.add_argument("--seed", type=_seed, default=0, help="seed of the simulation (default 0)")
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
    s.add_argument("--minutes", type=_minutes, default=10, help="time box per artifact in minutes (default 10)")
    s.add_argument("--answers", help="YAML/JSON mapping of question id to answer ('*' = default): run headless")
    s.add_argument("--list", action="store_true", help="print the question ids and texts, then exit")
    s.add_argument("--out", help="write the scorecard here (.md, or .json) instead of printing it")
    s.add_argument("--force", action="store_true", help="overwrite --out if it exists")
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
    s.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    s.add_argument("--method", choices=["stratified", "brute"], default="stratified",
                   help="stratified (fast, default) or brute (every request simulated: the check)")
    s.add_argument("--quiet-sample", type=_count, default=1_000_000, metavar="N",
                   help="requests sampled to stand for quiet time (default 1e6)")
    s.add_argument("--degraded-error-rate", type=_share, default=0.1, metavar="SHARE",
                   help="share of calls failing during a minor incident (default 0.1)")
    s.add_argument("--components", default="api",
                   help="api (default: the provider's API component, or none named), all, or a comma list")
    s.add_argument("--rps", type=_rps, default=None, help="arrival rate (default: requests_per_day / 86400)")
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
    s.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    s.add_argument("--json", action="store_true", help="print the results as JSON")
    s.add_argument("--outage", action="append", default=[], metavar="PATH:START:DURATION", type=_outage,
                   help="a window when PATH fails every call, e.g. primary:60m:20m (repeatable)")
    s.add_argument("--rps", type=_rps, default=None,
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
    s.add_argument("--force", action="store_true",
                   help="replace the folder if an earlier export wrote it (never one holding other files)")
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
    """Run one command; return its exit code (0 ok, 1 findings, 2 bad input, 3 internal error).

    Parsing the arguments happens inside the same handler as the command, so a bad
    argument, a bad file and a failed write all end as one message and exit 2.
    """
    args = None
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse has printed usage and what was wrong (or --help)
            return exc.code if isinstance(exc.code, int) else EXIT_INVALID
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_INVALID
        return args.func(args)
    except DesignError as exc:
        return _report(exc, getattr(args, "file", None))
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
    except OSError as exc:  # a read or write the command did not wrap itself: still the path and why
        where = exc.filename2 or exc.filename or getattr(args, "file", None) or "(no file)"
        print(f"fallbackkit: {where}: {_os_reason(exc)}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback by default
        if os.environ.get("FALLBACKKIT_DEBUG"):
            raise
        print(f"fallbackkit: internal error: {type(exc).__name__}: {exc} "
              "(set FALLBACKKIT_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


def _report(exc: DesignError, file: str | None) -> int:
    """One line per problem; a problem no one attributed to a file is the command's file."""
    for problem in exc.problems:
        print(str(problem if problem.file else problem.located(file)), file=sys.stderr)
    n = len(exc.problems)
    print(f"{n} problem{'s' if n != 1 else ''} found.", file=sys.stderr)
    return EXIT_INVALID


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
