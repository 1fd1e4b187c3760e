"""The ``incidents`` command: measure a real incident history."""

from __future__ import annotations

from .arguments import command
from .errors import EXIT_OK


def add_incidents(sub) -> None:
    s = command(sub, "incidents", "measure a real incident history (Statuspage lifecycle)", """\
Read incidents (investigating -> identified -> monitoring -> resolved -> postmortem,
one timestamp per stage) from CSV or JSON and print the data-quality report, time to
identify / repair / verify / post-mortem / resolve and time between failures (count,
missing, mean, median, p90 in minutes, with a warning when a long tail skews the mean),
and a DORA-style recovery band per component. A missing stage is missing, never zero.

FILE may be the word `bundled`: the shipped copy of 542 public incidents of OpenAI,
Anthropic and Character.AI (2021-2024; ICPE 2025 dataset). Write ./bundled for a file
of that name.

  fallbackkit incidents bundled --by provider
  fallbackkit incidents my_incidents.csv --by component --json""", cmd_incidents)
    s.add_argument("file", help="incident file (.csv, .csv.gz, .json) or `bundled`")
    s.add_argument("--by", choices=["component", "provider", "impact", "window"], default=None,
                   help="group the metrics (default: all incidents together)")
    s.add_argument("--window", default="Q", choices=["W", "M", "Q", "Y"],
                   help="with --by window: calendar period of the incident start (default Q)")
    s.add_argument("--json", action="store_true", help="print JSON instead of tables")


def cmd_incidents(args) -> int:
    import json

    from ..incidents import IncidentLog
    log = IncidentLog.bundled() if args.file == "bundled" else IncidentLog.read(args.file)
    if args.json:
        print(json.dumps(log.report(args.by, args.window), indent=2, default=str))
    else:
        print(log.to_text(by=args.by, window=args.window))
    return EXIT_OK


COMMANDS = [add_incidents]
