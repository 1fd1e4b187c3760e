"""Commands on a design file: ``validate``, ``show``, ``new``, ``schema`` and ``scenarios``."""

from __future__ import annotations

import re
import sys

from ..problems import DesignError
from . import output
from .arguments import command, design_file, out_file
from .errors import EXIT_OK, UsageError


# -- validate ----------------------------------------------------------------------------------
def add_validate(sub) -> None:
    s = command(sub, "validate", "check a design file against every rule",
                "Validate a design file. Exit 0 when valid, 2 with one line per problem.", cmd_validate)
    design_file(s, "design file (.yaml, .yml or .json)")


def cmd_validate(args) -> int:
    from ..design import Design, load_any
    from ..scenarios import is_bundled, template_text_fields
    try:
        art = load_any(args.file)
    except DesignError:
        raise
    except (RecursionError, ValueError, OverflowError, MemoryError) as exc:
        raise DesignError([output.unreadable(args.file, exc)]) from None
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
    # a bundled scenario is the template: its own prose is not text copied from it
    copied = [] if is_bundled(args.file) else template_text_fields(d)
    if copied:
        scen = sorted({c.scenario for c in copied})
        print(f"{len(copied)} text field{'s' if len(copied) != 1 else ''} still copied word for word from the "
              f"{', '.join(scen)} template (first: {copied[0].path}); rewrite them for your product")
    return EXIT_OK


def _artifact_counts(art) -> str:
    counts = [(n, len(getattr(art, f))) for n, f in [("failure modes", "modes"), ("paths", "paths"),
              ("nodes", "nodes"), ("action items", "action_items"), ("incidents", "incidents")] if hasattr(art, f)]
    return (" — " + ", ".join(f"{k} {n}" for n, k in counts)) if counts else ""


# -- show --------------------------------------------------------------------------------------
ARTIFACT_CHOICES = ["all", "context", "taxonomy", "matrix", "budget", "workflow", "postmortem"]


def add_show(sub) -> None:
    s = command(sub, "show", "print a design or one artifact as terminal tables",
                "Print a design, one artifact, or the latency budget against the SLO.", cmd_show)
    design_file(s)
    s.add_argument("--artifact", choices=ARTIFACT_CHOICES, default="all", help="what to show (default: all)")
    s.add_argument("--mermaid", action="store_true", help="with --artifact workflow: print Mermaid text")


def cmd_show(args) -> int:
    d = output.load(args.file)
    if args.artifact in (None, "all"):
        print(d.to_text())
    elif args.artifact == "budget":
        print(d.budget().to_text())
    elif args.artifact == "workflow" and args.mermaid:
        print(d.workflow.to_mermaid())
    else:
        print(getattr(d, args.artifact).to_text())
    return EXIT_OK


# -- new ---------------------------------------------------------------------------------------
def add_new(sub) -> None:
    s = command(sub, "new", "start your own design: a starter file, a guided start, or a scenario to rework",
                "Write NAME.yaml: the bundled worked example with your product's name.", cmd_new)
    s.add_argument("name", nargs="?", help="product name, e.g. 'Code review bot' (asked with --interactive)")
    how = s.add_argument_group("how to start (default: --blank)")
    how.add_argument("--blank", action="store_true", help="a starter file: your product's name; the rest is reported as not yet written")
    how.add_argument("--interactive", action="store_true", help="ask product, traffic, SLO, cost ceiling and providers (reads stdin)")
    how.add_argument("--from", dest="from_", metavar="SCENARIO", help="copy a bundled scenario to rework (`fallbackkit scenarios` lists them)")
    out_file(s, "file to write (default: NAME as a slug + .yaml)", "overwrite an existing file")


def cmd_new(args) -> int:
    from ..files import atomic_write_text
    if sum(bool(x) for x in (args.blank, args.interactive, args.from_)) > 1:
        raise UsageError("new: pass at most one of --blank, --interactive and --from SCENARIO")
    if args.interactive:
        name, text = _interactive(args.name)
    elif args.blank or not args.from_:
        name, text = _blank(args.name)
    else:
        name, text = _from_scenario(args.name, args.from_)
    target = output.out_path(args.out if args.out is not None else _slug(name) + ".yaml", [], args.force)
    output.write(target, lambda: atomic_write_text(target, text))
    how = f"a copy of the {args.from_!r} scenario to rework" if args.from_ else "a starter: the context, then what comes next"
    print(f"wrote {target}: {how}. Run `fallbackkit validate {target}` to see what is written and what is not yet.")
    return EXIT_OK


def _interactive(name: str | None) -> tuple[str, str]:
    from .. import starter
    try:
        answers = starter.ask(lambda: sys.stdin.readline().rstrip("\n"), lambda t: print(t, end="", flush=True),
                              name=name)
        text = starter.starter_text(answers)
    except ValueError as exc:
        raise UsageError(f"new --interactive: {exc}") from None
    print()
    return answers.name, text


def _blank(name: str | None) -> tuple[str, str]:
    from .. import starter
    if not (name or "").strip():
        raise UsageError("new: the product name is empty; expected a name, e.g. "
                         "`fallbackkit new \"Code review bot\"`, or pass --interactive")
    return name, starter.starter_text(starter.Answers(name=name))


def _from_scenario(name: str | None, scenario: str) -> tuple[str, str]:
    from .. import scenarios
    if not (name or "").strip():
        raise UsageError("new --from SCENARIO: the product name is empty; expected a name too")
    try:
        scen = scenarios.get(scenario)
    except scenarios.UnknownScenarioError as exc:
        raise UsageError(str(exc)) from None
    d = scenarios.load(scen.name)
    try:
        d.context.name = name
    except ValueError as exc:  # pydantic's ValidationError: the name breaks a field rule
        raise UsageError(f"new: {name!r} is not a usable product name: {_first_error(exc)}") from None
    return name, (f"# {name}: started from the bundled {scen.name!r} scenario. Every text still equal to the\n"
                  f"# template's is reported by `fallbackkit validate` and the critique until you rewrite it.\n"
                  + d.to_yaml())


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name.strip()).strip("_") or "design"


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        from ..problems import from_validation_error
        return "; ".join(p.message for p in from_validation_error(exc)[:1])
    return str(exc)


# -- schema ------------------------------------------------------------------------------------
def add_schema(sub) -> None:
    s = command(sub, "schema", "print the JSON Schema of a design file",
                "Print (or write) the published JSON Schema of a design file, for editors and CI.", cmd_schema)
    out_file(s)


def cmd_schema(args) -> int:
    from ..design import schema_text
    text = schema_text()
    output.emit(output.optional_out(args.out, [], args.force), text)
    return EXIT_OK


# -- scenarios ---------------------------------------------------------------------------------
def add_scenarios(sub) -> None:
    command(sub, "scenarios", "list the bundled scenarios with their computed numbers",
            "List the scenario library: each product's SLO, worst-case chain and blended cost.", cmd_scenarios)


def cmd_scenarios(args) -> int:
    from .. import scenarios
    print(scenarios.catalog_text())
    return EXIT_OK


COMMANDS = [add_validate, add_show, add_new, add_schema, add_scenarios]
