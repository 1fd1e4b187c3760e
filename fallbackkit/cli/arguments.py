"""Building a command's parser: the shared flags and the typed arguments.

Each argument type reads the text a person typed and refuses what it cannot read, saying
what it expects (argparse prints ``argument --rps: 'inf' is not a finite number; …`` and the
command exits 2). What a value must be once read is checked by the library the command calls.
"""

from __future__ import annotations

import argparse
import math
from typing import Callable

from .errors import UsageError


# -- parsers ---------------------------------------------------------------------------------
def command(sub, name: str, help: str, description: str, func: Callable) -> argparse.ArgumentParser:
    """A subcommand run by ``func``; a description of several lines keeps its line breaks and examples."""
    layout = argparse.RawDescriptionHelpFormatter if "\n" in description else argparse.HelpFormatter
    s = sub.add_parser(name, help=help, description=description, formatter_class=layout)
    s.set_defaults(func=func)
    return s


def design_file(s: argparse.ArgumentParser, help: str = "design file") -> None:
    s.add_argument("file", help=help)


def out_file(s: argparse.ArgumentParser, help: str = "write to this file instead of stdout",
             force: str = "overwrite --out if it exists") -> None:
    """``--out FILE`` and ``--force`` (checked by :func:`fallbackkit.cli.output.out_path`)."""
    s.add_argument("--out", help=help)
    s.add_argument("--force", action="store_true", help=force)


def engine_options(s: argparse.ArgumentParser) -> None:
    """``--serial`` | ``--scheduler tcp://HOST:8786`` | ``--workers N`` (default: a LocalCluster)."""
    g = s.add_mutually_exclusive_group()
    g.add_argument("--serial", action="store_true", help="run one task after the other in this process")
    g.add_argument("--scheduler", metavar="tcp://HOST:8786", help="an existing Dask scheduler to run on")
    s.add_argument("--workers", type=int, metavar="N",
                   help="worker processes of the local Dask cluster (default: this machine's cores)")


def engine_of(args) -> dict:
    """The ``engine=``, ``scheduler=``, ``workers=`` keywords the engine options ask for."""
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers is {args.workers}; expected at least 1")
    if args.scheduler and not args.scheduler.startswith(("tcp://", "tls://", "ws://", "wss://", "inproc://")):
        raise UsageError(f"--scheduler {args.scheduler!r}: expected an address such as tcp://HOST:8786")
    return {"engine": "serial" if args.serial else "dask", "scheduler": args.scheduler, "workers": args.workers}


# -- argument types: each refuses what it cannot take, saying what it expects --------------------------
def real(text: str, what: str) -> float:
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; expected {what}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number; expected {what}")
    return value


#: The most requests one command simulates: ~4 minutes here, and a few GB of arrays.
MAX_REQUESTS = 1_000_000_000


def count(text: str) -> int:
    """A request count: 1000000, 1_000_000 or 1e6 (whole, > 0, at most 1e9)."""
    what = "a whole number of requests > 0 (at most 1e9), e.g. 100000 or 1e6"
    value = real(text, what)
    if value != int(value) or not 1 <= value <= MAX_REQUESTS:
        raise argparse.ArgumentTypeError(f"{text!r}: expected {what}")
    return int(value)


def seed(text: str) -> int:
    """A random seed: a whole number ≥ 0 (numpy takes any size; 2**63 keeps it printable)."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; expected a seed ≥ 0, e.g. 7") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a seed between 0 and 2**63 - 1")
    return value


def bounded(what: str, low: float, high: float) -> Callable[[str], float]:
    """A finite number in ``(low, high]``: what the argument expects, in its error."""
    def parse(text: str) -> float:
        value = real(text, what)
        if not low < value <= high:
            raise argparse.ArgumentTypeError(f"{text!r}: expected {what}")
        return value
    parse.__name__ = what  # argparse names the type in some messages
    return parse


def share(text: str) -> float:
    """A share of calls: a finite number from 0 to 1."""
    what = "a share between 0 and 1, e.g. 0.1"
    value = real(text, what)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected {what}")
    return value


minutes = bounded("a time box in minutes, more than 0 and at most 600", 0, 600)
rps = bounded("an arrival rate in requests/s between 0.001 and 1e9", 0.001 - 1e-12, 1e9)


def outage(text: str) -> str:
    """``PATH:START:DURATION`` with finite times (s, m or h): checked here, built by the simulator."""
    parts = text.split(":")
    if len(parts) != 3 or not parts[0]:
        raise argparse.ArgumentTypeError(f"{text!r}: expected PATH:START:DURATION, e.g. primary:60m:20m")
    for part, what in ((parts[1], "a start ≥ 0"), (parts[2], "a duration > 0")):
        number = part[:-1] if part[-1:] in ("s", "m", "h") else part
        value = real(number, f"{what} such as 90s, 20m or 1h") if number else math.nan
        if not (value > 0 or (value == 0 and what.startswith("a start"))) or value > 1e9:
            raise argparse.ArgumentTypeError(f"{text!r}: {part!r} is not {what} such as 90s, 20m or 1h")
    return text
