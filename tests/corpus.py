"""The annotated design corpus in tests/data/corpus: load entries, apply variants, match findings.

A complete design is ``<name>.yaml`` with its annotation beside it in ``<name>.flaws.yaml``.
A variant is ``variants/<name>.yaml``: ``base`` (a design file, relative to the variant),
``set`` (dotted field path -> new value), optional ``delete`` (list of paths), and its own
``verdict`` and ``flaws``. Paths look like the critique's locations:
``matrix.paths[1].model``, ``taxonomy.severity_levels.P0.response``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import fallbackkit as fk

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"

#: the eight classes the critique is rebuilt to catch; every one must appear in the corpus
MAIN_CLASSES = ("correlated_failure", "mitigation_semantics", "plausibility", "detection_budget",
                "operational_arithmetic", "prose_numbers", "severity_weighting", "small_samples")
#: further classes an annotation may use where genuinely relevant
OTHER_CLASSES = ("slo_framing", "budget_arithmetic", "cost_coverage", "workflow_notation",
                 "learning_loop", "consistency")
CLASSES = MAIN_CLASSES + OTHER_CLASSES

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``"matrix.paths[1].model"`` -> ``["matrix", "paths", 1, "model"]``."""
    parts: list[str | int] = []
    pos = 0
    for m in _TOKEN.finditer(path):
        gap = path[pos:m.start()]
        if gap not in ("", "."):
            raise ValueError(f"bad field path {path!r} at {pos}")
        parts.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    if pos != len(path) or not parts:
        raise ValueError(f"bad field path {path!r}")
    return parts


_MISSING = object()


def get_path(data: Any, path: str) -> Any:
    """The value at ``path`` in plain data, or ``_MISSING``."""
    node = data
    for part in parse_path(path):
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return _MISSING
        elif not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def has_path(data: Any, path: str) -> bool:
    return get_path(data, path) is not _MISSING


def set_path(data: Any, path: str, value: Any) -> None:
    """Set ``path`` to ``value``; an index one past a list's end appends, a missing key is added."""
    parts = parse_path(path)
    node = data
    for i, part in enumerate(parts[:-1]):
        nxt = node[part] if _present(node, part) else _MISSING
        if nxt is _MISSING:
            nxt = [] if isinstance(parts[i + 1], int) else {}
            _assign(node, part, nxt, path)
        node = nxt
    _assign(node, parts[-1], copy.deepcopy(value), path)


def delete_path(data: Any, path: str) -> None:
    parts = parse_path(path)
    parent = get_path(data, _join(parts[:-1])) if len(parts) > 1 else data
    if parent is _MISSING or not _present(parent, parts[-1]):
        raise KeyError(f"cannot delete {path!r}: it does not exist")
    del parent[parts[-1]]


def _present(node: Any, part: str | int) -> bool:
    if isinstance(part, int):
        return isinstance(node, list) and part < len(node)
    return isinstance(node, dict) and part in node


def _assign(node: Any, part: str | int, value: Any, path: str) -> None:
    if isinstance(part, int):
        if not isinstance(node, list) or part > len(node):
            raise KeyError(f"cannot set {path!r}: index {part} is past the end")
        if part == len(node):
            node.append(value)
        else:
            node[part] = value
    else:
        if not isinstance(node, dict):
            raise KeyError(f"cannot set {path!r}: {part!r} is not under a mapping")
        node[part] = value


def _join(parts: list[str | int]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def covers(a: str, b: str) -> bool:
    """Equal, or one a prefix of the other at a path-component boundary.

    ``matrix.paths[1]`` covers ``matrix.paths[1].provider`` but not ``matrix.paths[10]``.
    """
    if a == b:
        return True
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return long.startswith(short) and long[len(short)] in ".["


@dataclass
class Entry:
    """One annotated design of the corpus: its plain data, verdict and annotated flaws."""

    name: str
    file: Path
    kind: str                      # "design" (complete, with context) or "variant"
    data: dict
    verdict: str
    flaws: list[dict] = field(default_factory=list)
    base: str | None = None

    def design(self) -> tuple[fk.Design, bool]:
        """The loaded design and whether it passed full validation (deliberate flaws may not)."""
        try:
            return fk.Design.from_dict(copy.deepcopy(self.data), str(self.file)), True
        except fk.DesignError:
            return fk.Design.from_dict(copy.deepcopy(self.data), str(self.file), check=False), False


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_entries() -> list[Entry]:
    """Every complete design and every variant, sorted by name."""
    out = []
    for f in sorted(CORPUS.glob("*.yaml")):
        if f.name.endswith(".flaws.yaml"):
            continue
        ann = _read(f.with_name(f.stem + ".flaws.yaml"))
        out.append(Entry(f.stem, f, "design", _read(f), ann["verdict"], ann.get("flaws") or []))
    for f in sorted((CORPUS / "variants").glob("*.yaml")):
        spec = _read(f)
        base_file = (f.parent / spec["base"]).resolve()
        data = _read(base_file)
        for path, value in (spec.get("set") or {}).items():
            set_path(data, path, value)
        for path in spec.get("delete") or []:
            delete_path(data, path)
        out.append(Entry(f.stem, f, "variant", data, spec["verdict"], spec.get("flaws") or [],
                         base=base_file.stem))
    return out


def catches(finding: Any, flaw: dict) -> bool:
    """A finding catches an annotated flaw: same class, and its location covers one of the fields."""
    if getattr(finding, "flaw_class", None) != flaw["class"]:
        return False
    loc = getattr(finding, "location", "") or ""
    return any(covers(loc, f) for f in flaw["fields"])
