"""Reading and writing artifact files: safe YAML, JSON, atomic saves, line lookup."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .problems import DesignError, Problem
from .scalars import scalar_problems


def read_document(path: str | os.PathLike) -> tuple[Any, "LineIndex"]:
    """Parse a YAML or JSON file into plain data, never constructing objects.

    Returns the data and a :class:`LineIndex` that maps field paths to line numbers.
    Raises :class:`DesignError` for a missing file or malformed text.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DesignError([Problem("", "file not found", str(p))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DesignError([Problem("", f"cannot read file: {exc}", str(p))]) from None
    return parse_text(text, str(p))


def parse_text(text: str, filename: str = "<text>") -> tuple[Any, "LineIndex"]:
    """Parse YAML (JSON is YAML) text with ``yaml.safe_load`` semantics."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        # what YAML 1.1 would misread (1:30 as 90) or fail to build (2026-02-30), with its line
        misread = scalar_problems(node, filename)
        if misread:
            raise DesignError(misread)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or "malformed YAML"
        if "could not determine a constructor" in str(exc):
            what = "YAML tags that construct objects are not allowed (plain data only)"
        problem = Problem("", f"malformed YAML: {what}", filename, line)
    except yaml.YAMLError as exc:
        problem = Problem("", f"malformed YAML: {exc}", filename)
    else:
        problem = None
    if problem is not None:
        raise DesignError([problem])
    if data is None:
        return _raise(Problem("", "file is empty; expected a mapping of fields", filename))
    if not isinstance(data, dict):
        return _raise(
            Problem("", f"expected a mapping of fields at the top, got {type(data).__name__}", filename)
        )
    return data, LineIndex(node)


def _raise(problem: Problem):
    raise DesignError([problem])


class LineIndex:
    """Finds the source line of a field path such as ``taxonomy.modes[2].severity``."""

    def __init__(self, root: Any):
        self.root = root

    def line_of(self, loc: list[Any]) -> int | None:
        node, best = self.root, None
        for part in loc:
            if node is None:
                break
            best = node.start_mark.line + 1
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                nxt = None
                for key, value in node.value:
                    if key.value == part:
                        best = key.start_mark.line + 1
                        nxt = value
                        break
                node = nxt
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                node = node.value[part] if 0 <= part < len(node.value) else None
            else:
                node = None
        if node is not None:
            best = node.start_mark.line + 1
        return best


def dump_yaml(data: Any) -> str:
    """Deterministic, human-diffable YAML (keys in model order, unicode kept)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def is_json(path: str | os.PathLike) -> bool:
    return str(path).lower().endswith(".json")


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` so that a crash mid-save never leaves a half-written file.

    The text goes to a temporary file in the same folder, is flushed to disk, then
    replaces the target in one ``os.replace`` (atomic on POSIX and Windows).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target
