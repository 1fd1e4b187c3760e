"""YAML scalars the safe loader would misread or fail on, found before anything is built.

PyYAML reads YAML 1.1, where a few plain scalars do not mean what a person typed, and a
few others make the constructor raise a bare ``ValueError`` with no file, line or field:

* ``1:30`` is the base-60 integer 90 (a "sexagesimal" number), ``1:30.5`` is 90.5;
* ``2026-02-30`` and ``2026-10-06T25:61:00Z`` look like timestamps but are no real date
  or time (``day is out of range for month``);
* an integer of more than 4,300 digits exceeds Python's int-from-string limit.

:func:`misread` names the first kind before it is built and :func:`unreadable` says what
the others were expected to be; the one reader (``fallbackkit.reader``) calls both for every
plain scalar, so the file is refused with the field path and the line::

    d.yaml:44: taxonomy.modes[0].occurrence: '1:30' is read by YAML 1.1 as the base-60 number 90; ...
"""

from __future__ import annotations

import re
import sys

import yaml

from .problems import EXPECTED_DATE, EXPECTED_DATETIME

_INT, _FLOAT, _TIMESTAMP = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")
_DATE_ONLY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
#: Python's limit on the digits of an int read from text (``sys.get_int_max_str_digits``).
MAX_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 4300)() or 4300


def misread(node: yaml.ScalarNode) -> str | None:
    """What is wrong with a plain scalar YAML 1.1 would silently misread (``1:30`` as 90), or None."""
    text = node.value
    if node.style in (None, "") and node.tag in (_INT, _FLOAT) and ":" in text:  # plain (libyaml says "")
        meant = _sexagesimal(text)
        return (f"{text!r} is read by YAML 1.1 as the base-60 number {meant}; write the number you mean "
                f"(e.g. {meant}), or quote it (\"{text}\") if it is text")
    return None


def unreadable(node: yaml.ScalarNode, exc: Exception) -> str:
    """The message for a scalar whose constructor raised ``exc``: what was expected, what was written."""
    text = node.value
    digits = sum(c.isdigit() for c in text)
    if node.tag == _INT and digits > MAX_DIGITS:
        return f"a whole number of {digits:,} digits is too long to read; expected a number of at most {MAX_DIGITS:,} digits"
    detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    if node.tag == _TIMESTAMP:
        expected = EXPECTED_DATE if _DATE_ONLY.match(text) else EXPECTED_DATETIME
        return f"{expected}, got {text[:40]} ({detail})"
    what = {_INT: "an integer", _FLOAT: "a number"}.get(node.tag, "a value")
    return f"{text[:40]!r} is not {what} ({detail})"


def _sexagesimal(text: str) -> str:
    sign = -1 if text.startswith("-") else 1
    value: float = 0
    try:
        for part in text.lstrip("+-").replace("_", "").split(":"):
            value = value * 60 + (float(part) if "." in part else int(part))
    except ValueError:
        return "?"
    value *= sign
    return f"{value:g}" if isinstance(value, float) else str(value)
