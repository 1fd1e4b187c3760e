"""Problems found in a design file, and the error that carries them.

Every check in the kit reports a :class:`Problem` naming the file, the field path and
what was expected, so a person can fix a file without reading a traceback::

    design.yaml: taxonomy.modes[2].severity: expected one of P0, P1, P2, P3, got 'P7'
"""

from __future__ import annotations

import dataclasses
import numbers
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol, Sequence


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a design: where it is and what was expected."""

    path: str
    message: str
    file: str | None = None
    line: int | None = None

    def located(self, file: str | None, line: int | None = None) -> "Problem":
        """The same problem, attributed to ``file`` (and a line, when known)."""
        return Problem(self.path, self.message, file or self.file, line or self.line)

    def __str__(self) -> str:
        where = self.file or "<design>"
        if self.line:
            where = f"{where}:{self.line}"
        field = self.path or "(top level)"
        return f"{where}: {field}: {self.message}"


class DesignError(ValueError):
    """Raised when a file cannot be loaded as a valid artifact; holds every problem."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def is_number(v: Any) -> bool:
    """A real number that is not a bool (``True`` is not a count)."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def shown(v: Any) -> str:
    """A value as the user typed it, short (1e+300, not three hundred digits; a seed's 19 digits stay)."""
    exact = isinstance(v, numbers.Integral) and abs(v) < 10**20
    return f"{v:.6g}" if is_number(v) and abs(v) >= 1e15 and not exact else repr(v)


@dataclass(frozen=True)
class Limit:
    """One argument's rule: the parameter it guards, what it expects (in words) and the test.

    The function that takes the argument reports :meth:`problem`; a front end that reads the
    value from text (the command line) holds it to the same rule and says ``expected`` too.
    numpy's integers and floats are :mod:`numbers` types, so they pass like Python's.
    """

    name: str
    expected: str
    allows: Callable[[Any], bool]

    def problem(self, value: Any, name: str | None = None) -> Problem | None:
        """The problem of ``value`` (at ``name``, default this parameter), or None when it is allowed."""
        if self.allows(value):
            return None
        return Problem(name or self.name, f"is {shown(value)}; expected {self.expected}")

    def named(self, name: str) -> "Limit":
        """The same rule guarding another parameter."""
        return dataclasses.replace(self, name=name)


def join_path(parts: Iterable[Any]) -> str:
    """Render a location tuple as ``a.b[2].c``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def split_path(path: str) -> list[Any]:
    """The parts of a field path, the inverse of :func:`join_path`: ``a.b[2].c`` → ``['a', 'b', 2, 'c']``."""
    parts: list[Any] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        parts.append(int(index) if index else name)
    return parts


class Lines(Protocol):
    """Where each field of a read file starts (:class:`fallbackkit.reader.LineIndex` is one)."""

    def line_of(self, parts: Sequence[Any]) -> int | None: ...


def locate(problem: Problem, filename: str | None, lines: Lines | None = None) -> Problem:
    """``problem`` attributed to ``filename``, at the line of its field when ``lines`` knows it.

    ``lines`` comes with the document: ``data, lines = fallbackkit.files.read_document(path)``::

        for p in design.problems():
            print(locate(p, path, lines))   # design.yaml:44: taxonomy.modes[0].occurrence: …
    """
    line = lines.line_of(split_path(problem.path)) if lines is not None else None
    return problem.located(filename, line)


def from_validation_error(exc: Any, prefix: str = "", data: Any = None) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into one :class:`Problem` per error.

    ``data`` is the input; with it, the tags pydantic adds for tagged unions
    (``distribution.lognormal.p99_ms``) are dropped, so paths name only real fields.
    """
    problems = []
    for err in exc.errors(include_url=False):
        loc = _field_path(err["loc"], data)
        path = join_path(([prefix] if prefix else []) + loc)
        problems.append(Problem(path, _describe(err)))
    return problems


def _field_path(loc: Iterable[Any], data: Any) -> list[Any]:
    out, cur = [], data
    for part in loc:
        if _is_union_tag(part):
            continue
        if isinstance(cur, dict) and isinstance(part, str) and part not in cur and cur.get("kind") == part:
            continue  # the tag of a tagged union, not a field
        out.append(part)
        if isinstance(cur, dict):
            cur = cur.get(part)
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            cur = cur[part]
        else:
            cur = None
    return out


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts the tag of a discriminated union ('lognormal') or a function
    # name into the location; people think in field names, so drop those.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _describe(err: dict) -> str:
    kind = err["type"]
    got = err.get("input")
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; `fallbackkit schema` lists the fields)"
    if kind == "missing":
        return "required field is missing"
    if kind in _CALENDAR:
        return f"{_CALENDAR[kind]}, got {got}" + _detail(err["msg"])
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind in ("literal_error", "enum"):
        msg = msg.replace("Input should be", "expected")
    else:
        msg = msg.replace("Input should be", "expected a value that is").replace(
            "expected a value that is a valid", "expected a valid"
        )
    if got is not None and not isinstance(got, (dict, list)):
        msg += f", got {got!r}"
    return msg


EXPECTED_DATE = "expected a real calendar date (YYYY-MM-DD)"
EXPECTED_DATETIME = "expected a real date and time with a time zone (YYYY-MM-DDTHH:MM:SSZ)"
#: pydantic's date and time error types, said the way a person fixes the file.
_CALENDAR = {
    "date_parsing": EXPECTED_DATE, "date_from_datetime_parsing": EXPECTED_DATE, "date_from_datetime_inexact": EXPECTED_DATE,
    "date_type": EXPECTED_DATE,
    "datetime_parsing": EXPECTED_DATETIME, "datetime_from_date_parsing": EXPECTED_DATETIME, "datetime_type": EXPECTED_DATETIME,
    "timezone_aware": EXPECTED_DATETIME, "datetime_object_invalid": EXPECTED_DATETIME,
    "time_parsing": "expected a real time of day (HH:MM, 00:00–23:59)", "time_type": "expected a real time of day (HH:MM)",
}


def _detail(msg: str) -> str:
    # "Input should be a valid date or datetime, day value is outside expected range": keep the reason
    reason = msg.split(", ", 1)[1] if ", " in msg else ""
    if msg.startswith("Input should have timezone info"):
        reason = "no timezone: add Z for UTC or an offset such as +02:00"
    return f" ({reason})" if reason else ""
