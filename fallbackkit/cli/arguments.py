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


# -- argument types: each reads the text, refuses what it cannot read, and holds the number it read -----
# to the library's rule for the parameter (a fallbackkit.problems.Limit: fallbackkit.simulation.limits,
# the interview's MINUTES), in the library's words. The rules are imported on use: the simulator loads
# numpy, and `import fallbackkit.cli` stays light.
def real(text: str, what: str) -> float:
    """A finite number as a person types it (``1_000``, ``1e6``)."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; expected {what}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number; expected {what}")
    return value


def held(text: str, value, limit):
    """``value`` when ``limit`` allows it; else the argument's error in the limit's words."""
    if not limit.allows(value):
        raise argparse.ArgumentTypeError(f"{text!r}: expected {limit.expected}")
    return value


def count(text: str) -> int:
    """A request count: 1000000, 1_000_000 or 1e6 (the simulator's ``n_requests`` rule)."""
    from ..simulation.limits import N_REQUESTS
    return int(held(text, real(text, N_REQUESTS.expected), N_REQUESTS))


def seed(text: str) -> int:
    """A random seed: a whole number (the simulator's ``seed`` rule)."""
    from ..simulation.limits import SEED
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; expected a seed ≥ 0, e.g. 7") from None
    return held(text, value, SEED)


def share(text: str) -> float:
    """A share of calls, from 0 to 1 (the replay's ``degraded_error_rate`` rule)."""
    from ..simulation.limits import SHARE
    return held(text, real(text, SHARE.expected), SHARE)


def outage(text: str):
    """``PATH:START:DURATION`` read by the simulator's own :meth:`~fallbackkit.simulation.Outage.parse`."""
    from ..problems import DesignError
    from ..simulation import Outage
    try:
        return Outage.parse(text)
    except DesignError as exc:
        raise argparse.ArgumentTypeError(exc.problems[0].message) from None


def minutes(text: str) -> float:
    """A time box in minutes (the interview's ``minutes_per_artifact`` rule)."""
    from ..interview.mock_interview import MINUTES
    return held(text, real(text, MINUTES.expected), MINUTES)


#: A rate a person types; the range is the command line's own. The API refuses a rate only where
#: the simulated span passes 100 years (``simulate(..., rps=1e-300)`` says so, a test pins it),
#: and replay() below one request a day; here a rate under 0.001/s is taken for a typing slip.
RPS = "an arrival rate in requests/s between 0.001 and 1e9"


def rps(text: str) -> float:
    """An arrival rate in requests/s, from 0.001 to 1e9."""
    value = real(text, RPS)
    if not 0.001 - 1e-12 < value <= 1e9:   # 0.001 as typed passes whatever the float rounding
        raise argparse.ArgumentTypeError(f"{text!r}: expected {RPS}")
    return value
