"""The ``fallbackkit`` command line.

Every command reports bad input as one line per problem (file, field path, what was
expected) and exits 2; it never shows a traceback unless FALLBACKKIT_DEBUG=1.

Commands live in one module per group (:data:`GROUPS`); each module lists its commands in
``COMMANDS``, and each command is an ``add_<name>(sub)`` that builds its parser (and sets
``func``) right beside the ``cmd_<name>(args)`` that runs it.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..problems import DesignError
from . import classroom, design, exports, incidents, notebooks, review, simulation
from .errors import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_INVALID, EXIT_OK, UsageError
from .output import os_reason

__all__ = ["main", "build_parser", "UsageError", "EXIT_OK", "EXIT_FINDINGS", "EXIT_INVALID", "EXIT_INTERNAL"]

#: The command groups, in the order ``fallbackkit --help`` lists them.
GROUPS = (design, notebooks, classroom, review, incidents, simulation, exports)

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
    """The parser of every command: each group module's ``COMMANDS`` add themselves."""
    from .. import __version__
    p = argparse.ArgumentParser(prog="fallbackkit", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"fallbackkit {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        for add in group.COMMANDS:
            add(sub)
    return p


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
        print(f"fallbackkit: {where}: {os_reason(exc)}", file=sys.stderr)
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

