"""The one reader: every YAML or JSON file the kit reads goes through :func:`read_document`.

It turns text into plain data (dicts, lists, strings, numbers, dates) and never constructs
an object from a tag. It refuses, with one clear message naming the file and the line,
what a safe loader alone lets through:

* files over :data:`MAX_BYTES` (10 MB; a design file is tens of KB);
* nesting deeper than :data:`MAX_DEPTH` levels (never a ``RecursionError``);
* alias bombs: more than :data:`MAX_ALIASES` alias references, or aliases that expand to more
  than :data:`MAX_ALIAS_NODES` nodes (a 16 KB "billion laughs" file would expand to GBs
  when validated);
* duplicate mapping keys (the second ``context:`` would silently replace the first);
* numbers and dates the text cannot hold (``2026-02-30``, integers over 4,300 digits).

YAML is parsed once, by libyaml's composer when PyYAML has it (``yaml.CSafeLoader``),
and the node graph is kept so a field path maps back to its line. JSON is parsed by the
``json`` module (duplicate keys and depth checked too); its lines are looked up only when
a problem needs one.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from . import scalars
from .problems import DesignError, Problem, join_path

#: Largest file the reader accepts, in bytes.
MAX_BYTES = 10 * 1024 * 1024
#: Deepest nesting of mappings and lists (a design file nests fewer than 10 levels).
MAX_DEPTH = 100
#: Most alias references (``*name``) in one file.
MAX_ALIASES = 1_000
#: Most nodes that alias references may add, counted as if every alias were written out.
MAX_ALIAS_NODES = 100_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_T = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_T + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_MERGE = _T + "merge"
_STR = _T + "str"


def read_document(path: str | os.PathLike) -> tuple[Any, "LineIndex"]:
    """Parse a YAML or JSON file (by its name: ``.json`` is JSON) into plain data.

    Returns the data (a mapping) and a :class:`LineIndex` that maps field paths to lines.
    Raises :class:`DesignError` for a missing, unreadable, oversized or malformed file.
    """
    p = Path(path)
    return parse_text(read_text(p), str(p), as_json=str(p).lower().endswith(".json"))


def read_text(path: Path) -> str:
    """The file's text (UTF-8), refused above :data:`MAX_BYTES` before it is read."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise DesignError([Problem("", "file not found", str(path))]) from None
    except IsADirectoryError:
        raise DesignError([Problem("", "is a folder; expected a YAML or JSON file", str(path))]) from None
    except OSError as exc:
        raise DesignError([Problem("", f"cannot read file: {exc.strerror or exc}", str(path))]) from None
    if len(raw) > MAX_BYTES:
        raise DesignError([Problem("", f"file is larger than {MAX_BYTES // (1024 * 1024)} MB; "
                                   "expected a design file of at most that size", str(path))])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise DesignError([Problem("", f"not UTF-8 text (byte {exc.start})", str(path), line)]) from None


def parse_text(text: str, filename: str = "<text>", as_json: bool = False,
               top: type | None = dict) -> tuple[Any, "LineIndex"]:
    """Parse YAML (or, with ``as_json``, JSON) text into plain data, with every cap applied.

    ``top`` is the type the document must have (a mapping by default; ``None`` accepts any).
    """
    if len(text) > MAX_BYTES:
        _fail(Problem("", f"text is larger than {MAX_BYTES // (1024 * 1024)} MB", filename))
    if as_json:
        data, index = _parse_json(text, filename), LineIndex(None, text)
    else:
        root = _compose(text, filename)
        data = None if root is None else _Builder(filename).build(root)
        index = LineIndex(root)
    if top is not None:
        if data is None:
            _fail(Problem("", "file is empty; expected a mapping of fields", filename))
        if not isinstance(data, top):
            want = "a mapping of fields" if top is dict else f"a {top.__name__}"
            _fail(Problem("", f"expected {want} at the top, got {_kind(data)}", filename))
    return data, index


def _fail(*problems: Problem):
    raise DesignError(list(problems))


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text"}.get(type(value), type(value).__name__)


# -- YAML ------------------------------------------------------------------------------------
def _compose(text: str, filename: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "malformed YAML"
        if "maximum nesting depth" in what:
            what = f"nested too deeply (past libyaml's limit); expected at most {MAX_DEPTH} levels"
        _fail(Problem("", f"malformed YAML: {what}", filename, mark.line + 1 if mark else None))
    except yaml.YAMLError as exc:
        _fail(Problem("", f"malformed YAML: {exc}", filename))
    except RecursionError:  # the pure-Python composer recurses; libyaml's does not
        _fail(Problem("", f"nested too deeply; expected at most {MAX_DEPTH} levels", filename))


class _Builder:
    """Plain data from a composed node graph, counting what aliases would expand to."""

    def __init__(self, filename: str):
        self.filename = filename
        self.done: dict[int, tuple[Any, int]] = {}  # id(node) -> (value, expanded size)
        self.building: set[int] = set()
        self.aliases = 0
        self.alias_nodes = 0
        self.problems: list[Problem] = []
        self.scalars = SafeConstructor()
        self.loc: list[Any] = []  # the field path being built, for messages

    def _path(self) -> str:
        path = join_path(self.loc)
        return path if len(path) <= 80 else path[:77] + "..."

    def _problem(self, message: str, node: yaml.Node) -> None:
        self.problems.append(Problem(self._path(), message, self.filename, self._line(node)))

    def build(self, root: yaml.Node) -> Any:
        value, _ = self._node(root, 1)
        if self.problems:
            raise DesignError(bounded(self.problems))
        return value

    def _line(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1

    def _node(self, node: yaml.Node, depth: int) -> tuple[Any, int]:
        key = id(node)
        if key in self.done:  # a second visit is an alias reference: count what it expands to
            value, size = self.done[key]
            self.aliases += 1
            self.alias_nodes += size
            if self.aliases > MAX_ALIASES:
                _fail(Problem(self._path(), f"more than {MAX_ALIASES:,} alias references; expected plain data "
                                  "(write the values out)", self.filename, self._line(node)))
            if self.alias_nodes > MAX_ALIAS_NODES:
                _fail(Problem(self._path(), f"aliases expand to more than {MAX_ALIAS_NODES:,} values (the anchor at this "
                                  "line is reused too often or holds aliases itself); refused as an alias bomb",
                              self.filename, self._line(node)))
            return value, size
        if key in self.building:
            _fail(Problem(self._path(), "an alias refers to the mapping or list that contains it; expected plain data",
                          self.filename, self._line(node)))
        if depth > MAX_DEPTH:
            _fail(Problem(self._path(), f"nested too deeply (more than {MAX_DEPTH} levels); expected plain, shallow data",
                          self.filename, self._line(node)))
        self.building.add(key)
        if isinstance(node, yaml.ScalarNode):
            out = self._scalar(node), 1
        elif isinstance(node, yaml.SequenceNode):
            out = self._sequence(node, depth)
        else:
            out = self._mapping(node, depth)
        self.building.discard(key)
        self.done[key] = out
        return out

    def _tag_problem(self, node: yaml.Node) -> None:
        self._problem(f"YAML tags that construct objects are not allowed (got {node.tag!r}); "
                      "expected plain data", node)

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _STR:  # most scalars: the text is the value
            return node.value
        if node.tag not in _SCALAR_TAGS:
            self._tag_problem(node)
            return None
        if node.tag == _T + "bool" and node.style in (None, "") and node.value.lower() not in ("true", "false"):
            # YAML 1.1 reads yes/no/on/off as booleans, so a retry policy's `on:` key became True.
            # YAML 1.2 (and JSON) know only true/false: the rest stay text, and bool fields still
            # accept "yes"/"on" through the model.
            return node.value
        what = scalars.misread(node)  # YAML 1.1's 1:30 is 90: refused, not guessed
        if what:
            self._problem(what, node)
            return None
        try:
            return self.scalars.yaml_constructors[node.tag](self.scalars, node)
        except (ValueError, OverflowError, ConstructorError) as exc:
            self._problem(scalars.unreadable(node, exc), node)
            return None

    def _sequence(self, node: yaml.SequenceNode, depth: int) -> tuple[list, int]:
        if node.tag != _T + "seq":
            self._tag_problem(node)
        out, size = [], 1
        for i, child in enumerate(node.value):
            self.loc.append(i)
            value, n = self._node(child, depth + 1)
            self.loc.pop()
            out.append(value)
            size += n
        return out, size

    def _mapping(self, node: yaml.MappingNode, depth: int) -> tuple[dict, int]:
        if node.tag != _T + "map":
            self._tag_problem(node)
        own: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        merged: list[dict] = []
        size = 1
        for key_node, value_node in node.value:
            self.loc.append(key_node.value if isinstance(key_node, yaml.ScalarNode) else "?")
            value, n = self._node(value_node, depth + 1)
            self.loc.pop()
            size += n
            if key_node.tag == _MERGE:
                sources = value if isinstance(value, list) else [value]
                if not all(isinstance(s, dict) for s in sources):
                    self._problem("`<<` merges a mapping or a list of mappings only", key_node)
                    continue
                merged += sources
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem("a mapping key must be plain text or a number, not a mapping or a list", key_node)
                continue
            key = self._scalar(key_node)
            line = self._line(key_node)
            if key in first_line:
                self.loc.append(key)
                self._problem(f"duplicate key {key!r} (first at line {first_line[key]}, again at line {line}); "
                              "the second would silently replace the first; keep one", key_node)
                self.loc.pop()
                continue
            first_line[key] = line
            own[key] = value
        if not merged:
            return own, size
        out: dict[Any, Any] = {}
        for src in reversed(merged):  # the first mapping named in `<<` wins, own keys win over all
            out.update(src)
        out.update(own)
        return out, size


def bounded(problems: list[Problem], limit: int = 50) -> list[Problem]:
    """Problems without repeats (an alias repeats a bad leaf many times), at most ``limit``."""
    seen: set[tuple] = set()
    out: list[Problem] = []
    for p in problems:
        key = (p.message, p.file, p.line) if p.line else (p.path, p.message, p.file)
        if key in seen:
            continue
        seen.add(key)
        out.append(p)
    if len(out) > limit:
        rest = len(out) - limit
        out = out[:limit] + [Problem("", f"... and {rest:,} more problems (fix the ones above first)",
                                     out[0].file)]
    return out


# -- JSON ------------------------------------------------------------------------------------
def _parse_json(text: str, filename: str) -> Any:
    problems: list[Problem] = []

    def pairs(items: list[tuple[str, Any]]) -> dict:
        out: dict = {}
        for k, v in items:
            if k in out:
                problems.append(Problem("", f"duplicate key {k!r} in one object; the second would silently "
                                            "replace the first; keep one", filename, _json_key_line(text, k)))
                continue
            out[k] = v
        return out

    def constant(name: str):
        raise ValueError(f"{name} is not JSON; expected a finite number")

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        _fail(Problem("", f"malformed JSON: {exc.msg} (column {exc.colno})", filename, exc.lineno))
    except RecursionError:
        _fail(Problem("", f"nested too deeply; expected at most {MAX_DEPTH} levels", filename))
    except ValueError as exc:  # NaN/Infinity, or an integer longer than Python reads
        _fail(Problem("", f"malformed JSON: {str(exc).splitlines()[0][:160]}", filename))
    if problems:
        _fail(*bounded(problems))
    if _depth(data) > MAX_DEPTH:
        _fail(Problem("", f"nested too deeply (more than {MAX_DEPTH} levels); expected plain, shallow data", filename))
    return data


def _depth(data: Any) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, d = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, d)
            if d <= MAX_DEPTH:
                stack.extend((v, d + 1) for v in value)
    return deepest


def _json_key_line(text: str, key: str) -> int | None:
    # The second occurrence of the key's text is a good guess of the duplicate's line.
    hits = [m.start() for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:", text)]
    return text.count("\n", 0, hits[1] if len(hits) > 1 else hits[0]) + 1 if hits else None


# -- lines -----------------------------------------------------------------------------------
class LineIndex:
    """Finds the source line of a field path such as ``taxonomy.modes[2].severity``.

    For YAML it walks the node graph kept from the one parse. For JSON, whose parser keeps
    no positions, the text is composed (as YAML, a superset) only when a line is asked for.
    """

    def __init__(self, root: yaml.Node | None, text: str | None = None):
        self.root = root
        self._text = text

    def _root(self) -> yaml.Node | None:
        if self.root is None and self._text is not None:
            text, self._text = self._text, None
            try:
                self.root = yaml.compose(text, Loader=_Loader)
            except (yaml.YAMLError, RecursionError):
                self.root = None
        return self.root

    def line_of(self, loc: list[Any]) -> int | None:
        node, best = self._root(), None
        for part in loc:
            if node is None:
                break
            best = node.start_mark.line + 1
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                nxt = None
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == part:
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
