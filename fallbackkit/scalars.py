"""YAML scalars the safe loader would misread or fail on, found before anything is built.

PyYAML reads YAML 1.1, where a few plain scalars do not mean what a person typed, and a
few others make the constructor raise a bare ``ValueError`` with no file, line or field:

* ``1:30`` is the base-60 integer 90 (a "sexagesimal" number), ``1:30.5`` is 90.5;
* ``2026-02-30`` and ``2026-10-06T25:61:00Z`` look like timestamps but are no real date
  or time (``day is out of range for month``);
* an integer of more than 4,300 digits exceeds Python's int-from-string limit.

:func:`scalar_problems` walks the composed node tree (nothing is constructed, each node
once, so aliases cost nothing) and returns one :class:`Problem` per such scalar with its
field path and line, so the reader can refuse the file the way it refuses any other::

    d.yaml:44: taxonomy.modes[0].occurrence: '1:30' is read by YAML 1.1 as the base-60 number 90; ...
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .problems import EXPECTED_DATE, EXPECTED_DATETIME, Problem, join_path

_INT, _FLOAT, _TIMESTAMP = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")
_DATE_ONLY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
#: Python's limit on the digits of an int read from text (``sys.get_int_max_str_digits``).
MAX_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 4300)() or 4300


def scalar_problems(root: yaml.Node | None, filename: str | None = None) -> list[Problem]:
    """One problem per plain scalar that YAML 1.1 would misread or fail to construct."""
    out: list[Problem] = []
    seen: set[int] = set()
    stack: list[tuple[Any, list[Any]]] = [(root, [])] if root is not None else []
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack += [(v, path + [k.value if isinstance(k, yaml.ScalarNode) else "?"]) for k, v in reversed(node.value)]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(v, path + [i]) for i, v in reversed(list(enumerate(node.value)))]
        elif isinstance(node, yaml.ScalarNode) and node.style is None:
            what = _misread(node)
            if what:
                out.append(Problem(join_path(path), what, filename, node.start_mark.line + 1))
    return out


def _misread(node: yaml.ScalarNode) -> str | None:
    text = node.value
    if node.tag in (_INT, _FLOAT) and ":" in text:
        meant = _sexagesimal(text)
        return (f"{text!r} is read by YAML 1.1 as the base-60 number {meant}; write the number you mean "
                f"(e.g. {meant}), or quote it (\"{text}\") if it is text")
    if node.tag == _INT and sum(c.isdigit() for c in text) > MAX_DIGITS:
        digits = sum(c.isdigit() for c in text)
        return f"a whole number of {digits:,} digits is too long to read; expected a number of at most {MAX_DIGITS:,} digits"
    if node.tag == _TIMESTAMP:
        try:
            SafeConstructor().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            if _DATE_ONLY.match(text):
                return f"{EXPECTED_DATE}, got {text} ({exc})"
            return f"{EXPECTED_DATETIME}, got {text} ({exc})"
    return None


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
