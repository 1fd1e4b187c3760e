"""Commands that turn a design into what other teams and tools take: ``export``, ``router``, ``alerts``."""

from __future__ import annotations

import sys
from pathlib import Path

from . import output
from .arguments import command, design_file, out_file
from .errors import EXIT_OK, UsageError


# -- export ------------------------------------------------------------------------------------
def add_export(sub) -> None:
    s = command(sub, "export", "write each artifact as a standalone deliverable (HTML, Markdown, CSV, SVG)", """\
Write one folder with a standalone deliverable per artifact, for the team that reviews it:
taxonomy (incident response), matrix (SRE, product; with CSV and an SVG chart),
workflow (SRE, on-call; Mermaid and an SVG UML diagram), post-mortem loop (SRE lead),
router configs, and an index. HTML opens offline and prints cleanly.

  fallbackkit export support_chat.yaml --out review/

An invalid design is not exported; an existing folder is replaced only with --force;
an error leaves no partial folder behind.""", cmd_export)
    design_file(s)
    s.add_argument("--out", required=True, help="folder to create, e.g. review/")
    s.add_argument("--force", action="store_true",
                   help="replace the folder if an earlier export wrote it (never one holding other files)")


def cmd_export(args) -> int:
    from .. import export
    d = output.load(args.file)
    if not args.out.strip():
        raise UsageError("--out is empty; expected a folder to create, e.g. review/")
    try:
        result = export.export(d, args.out, force=args.force, protect=[args.file])
    except export.OutputExists as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot write the export: {output.os_reason(exc)}; nothing was changed") from None
    print(f"{result}: " + ", ".join(result.files))
    print(f"open {Path(result.out) / 'index.html'} in a browser (works offline; prints cleanly)")
    for router, dropped in result.dropped.items():
        if dropped:
            print(f"{router} config: {len(dropped)} part(s) of the design dropped (listed in index.html)")
    return EXIT_OK


# -- router ------------------------------------------------------------------------------------
def add_router(sub) -> None:
    s = command(sub, "router", "turn the recovery workflow into a LiteLLM or Portkey config", """\
Print the recovery workflow as a router config: LiteLLM Router/proxy YAML
(model_list + router_settings: fallbacks, context_window_fallbacks,
content_policy_fallbacks, retry policies, timeouts, cooldowns) or a Portkey
gateway JSON (fallback strategy, targets, retries, timeouts). What the router
cannot express (hedging, rule engines, static answers, ...) is listed on stderr.

  fallbackkit router support_chat.yaml --to litellm > litellm_config.yaml""", cmd_router)
    design_file(s)
    s.add_argument("--to", required=True, choices=["litellm", "portkey"], help="which router")
    s.add_argument("--base-url", action="append", metavar="PATH_ID=URL",
                   help="serve model path PATH_ID from this OpenAI-compatible host (repeatable), "
                        "e.g. --base-url primary=http://127.0.0.1:8000/v1")
    out_file(s)


def cmd_router(args) -> int:
    from .. import routers
    target = output.optional_out(args.out, [args.file], args.force)
    d = output.load(args.file)
    try:
        base_urls = routers.parse_base_urls(args.base_url, d)
    except ValueError as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    result = routers.router_config(d, args.to, base_urls)
    output.emit(target, result.to_text())
    # What was dropped goes to stderr, so stdout stays a valid config.
    print(result.dropped_text(), file=sys.stderr)
    return EXIT_OK


# -- alerts ------------------------------------------------------------------------------------
def add_alerts(sub) -> None:
    s = command(sub, "alerts", "turn the SLO and the failure taxonomy into Prometheus alerting rules", """\
Write Prometheus rules: the SLO as multi-window, multi-burn-rate alerts (page at
14.4x over 1h/5m and 6x over 6h/30m, ticket at 1x over 3d/6h) with recording rules
for the error ratio, and one alert per failure mode from its detection signal.
Check the file with `promtool check rules`. Metric names: docs/exports.md.

  fallbackkit alerts support_chat.yaml --out rules.yml --openslo slo.yaml""", cmd_alerts)
    design_file(s)
    s.add_argument("--out", help="write the rules to this file instead of stdout")
    s.add_argument("--openslo", metavar="FILE", help="also write the SLO as an OpenSLO v1 document")
    s.add_argument("--force", action="store_true", help="overwrite existing files")


def cmd_alerts(args) -> int:
    from .. import alerts
    from ..files import dump_yaml
    rules, slo = (output.optional_out(o, [args.file], args.force) for o in (args.out, args.openslo))
    if rules is not None and slo is not None and output.same_file(rules, slo):
        raise UsageError(f"{args.openslo}: is also --out; expected two different files")
    d = output.load(args.file)
    texts = [(rules, alerts.rules_text(d))] + ([(slo, dump_yaml(alerts.openslo(d)))] if slo is not None else [])
    for target, text in texts:   # both made before either is written
        output.emit(target, text)
    for w in alerts.warnings(d):
        print(f"warning: {w}", file=sys.stderr)
    return EXIT_OK


COMMANDS = [add_export, add_router, add_alerts]
