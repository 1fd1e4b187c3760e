"""The one way to save: every file the kit writes goes through :func:`save` or :func:`write_text`.

A save

1. resolves symlinks and writes the *real* file (the link survives and points at new text);
2. takes an OS-level lock (``fcntl.flock`` on the file's folder), so saves from other
   processes, kernels and threads wait their turn;
3. re-reads the file under the lock, and lets the caller merge its one change into what is
   on disk *now* (a caller refuses there when both sides changed the same thing);
4. refuses a read-only file or a folder instead of replacing it;
5. writes a temporary file next to the target, fsyncs it, renames it over the target and
   fsyncs the folder: a crash (even ``kill -9``) leaves the old file or the new one. A
   temporary left by a killed save is named ``.<name>.fbk-<pid>-<random>.tmp`` and removed
   by the next save of that file (under the lock, so never one still being written);
6. keeps a hand-written YAML file's comments, key order and indentation: only the values
   that changed are replaced in ruamel.yaml's round-trip tree.

JSON is written with every character YAML or JSON might refuse escaped, and never
``NaN``/``Infinity``; YAML writes quote text that holds line separators (U+0085,
U+2028, U+2029) or characters outside YAML's printable set, so save-then-load is identity.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from . import reader
from .problems import DesignError, Problem

try:  # POSIX; elsewhere saves are still atomic, but not serialised across processes
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class SaveError(DesignError, OSError):
    """A save that could not happen (read-only file, a folder, disk full, a conflict).

    It is a :class:`DesignError` (one problem naming the file: exit 2 in the CLI, "not saved"
    in a widget) and an ``OSError`` (code that catches write failures keeps working).
    """

    def __init__(self, problems):
        DesignError.__init__(self, problems)


class ConflictError(SaveError):
    """The file changed on disk, since the editor read it, in the part the editor changed too."""


def fail(path: Any, message: str, cls: type[SaveError] = SaveError):
    raise cls([Problem("", message, str(path))])


# -- where and how ----------------------------------------------------------------------------
def real_target(path: str | os.PathLike) -> Path:
    """The file a save replaces: symlinks followed (a dangling link's target is created)."""
    return Path(os.path.realpath(os.fspath(path)))


def is_json(path: str | os.PathLike) -> bool:
    return os.fspath(path).lower().endswith(".json")


def temp_prefix(real: Path) -> str:
    return f".{real.name}.fbk-"


@contextlib.contextmanager
def locked(real: Path) -> Iterator[None]:
    """Hold an exclusive OS lock for saves into ``real``'s folder (waits for other holders)."""
    folder = real.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        fail(real, f"not saved: cannot use the folder {folder}: {exc.strerror or exc}")
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def clean_litter(real: Path) -> list[str]:
    """Remove temporaries that killed saves of ``real`` left behind. Call only under the lock."""
    prefix, removed = temp_prefix(real), []
    try:
        names = os.listdir(real.parent)
    except OSError:
        return removed
    for name in names:
        if name.startswith(prefix) and name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                os.unlink(real.parent / name)
                removed.append(name)
    return removed


def _check_writable(real: Path) -> int | None:
    """The mode to keep, or None for a new file; refuses folders and read-only files."""
    try:
        st = real.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        fail(real, f"not saved: {exc.strerror or exc}")
    if real.is_dir():
        fail(real, "not saved: is a folder; expected a file name")
    # root may write anything, so the permission bits are checked too: chmod a-w means "keep"
    if not st.st_mode & 0o222 or not os.access(real, os.W_OK):
        fail(real, "not saved: the file is read-only; it was left as it is (make it writable to save)")
    return st.st_mode & 0o7777


def _replace(real: Path, text: str) -> None:
    """Atomically replace ``real`` with ``text``. Call only under the lock."""
    clean_litter(real)
    mode = _check_writable(real)
    tmp = real.parent / f"{temp_prefix(real)}{os.getpid()}-{secrets.token_hex(4)}.tmp"
    data = text.encode("utf-8")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fchmod(fd, mode if mode is not None else 0o666 & ~_umask())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, real)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, SaveError):
            fail(real, f"not saved: {exc.strerror or exc}; the file is unchanged")
        raise
    _fsync_dir(real.parent)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Replace a file with ``text`` (an export, a chart, a report): locked, atomic, through
    symlinks, read-only files refused. Returns the path given."""
    real = real_target(path)
    with locked(real):
        _replace(real, text)
    return Path(path)


# -- read, merge, write -----------------------------------------------------------------------
@dataclass
class Current:
    """The file as it is on disk at the moment of the save (read under the lock)."""

    path: Path
    text: str | None = None        # None: no file yet
    data: Any = None               # parsed by the one reader; None if missing or unreadable
    error: DesignError | None = None

    @property
    def exists(self) -> bool:
        return self.text is not None


def read_current(real: Path, filename: str) -> Current:
    cur = Current(real)
    if not real.exists():
        return cur
    try:
        cur.text = reader.read_text(real)
        cur.data, _ = reader.parse_text(cur.text, filename, as_json=is_json(real), top=None)
    except DesignError as exc:
        cur.error = exc
        if cur.text is None:
            cur.text = ""
    return cur


def save(path: str | os.PathLike, change: Callable[[Current], tuple[Any, Any]],
         normalize: Callable[[Any], Any] | None = None) -> Path:
    """The one save. ``change(current)`` runs under the lock with the file as it is now and
    returns ``(old, new)``: the current contents as the caller understands them and what the
    file should hold. Only what differs between ``old`` and ``new`` is rewritten in a YAML
    file, so comments and layout elsewhere stay. ``change`` may raise (DesignError,
    ConflictError) to refuse; the file is then untouched.

    Before the text replaces the file it is read back (``normalize(data)`` must equal
    ``new``): if a kept part of a hand-written file would read differently after the
    round trip (YAML 1.1 oddities such as ``010``), the file is written fresh instead.
    Returns the path given.
    """
    real = real_target(path)
    with locked(real):
        cur = read_current(real, os.fspath(path))
        old, new = change(cur)
        if is_json(real):
            text = dump_json(new)
        else:
            text = None
            if cur.exists and cur.error is None and cur.text.strip():
                text = update_yaml(cur.text, old, new)
                if not _reads_as(text, new, normalize):
                    text = None
            if text is None:
                text = dump_yaml(new)
                if not _reads_as(text, new, normalize):  # pragma: no cover - a bug in the kit
                    raise RuntimeError(f"{path}: the YAML written would not read back as saved; not saved")
        _replace(real, text)
    return Path(path)


def _reads_as(text: str, new: Any, normalize: Callable[[Any], Any] | None) -> bool:
    try:
        data, _ = reader.parse_text(text, top=None)
        return (normalize(data) if normalize else data) == new
    except DesignError:
        return False


# -- YAML: round trip --------------------------------------------------------------------------
def _represent_float(rep, value: float):
    # PyYAML (the reader, YAML 1.1) reads ``1e-05`` as text: a float needs a dot in its mantissa
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return rep.represent_scalar("tag:yaml.org,2002:float", text)


_REPRESENTER = None


def _representer():
    global _REPRESENTER
    if _REPRESENTER is None:
        from ruamel.yaml.representer import RoundTripRepresenter

        class Representer(RoundTripRepresenter):
            pass
        Representer.add_representer(float, _represent_float)
        _REPRESENTER = Representer
    return _REPRESENTER


def _yaml(indent: int | None = None, offset: int | None = None):
    from ruamel.yaml import YAML
    y = YAML(typ="rt", pure=True)
    y.Representer = _representer()
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a hand-written line
    y.allow_unicode = True
    seq = indent or 2
    y.indent(mapping=2, sequence=max(seq, (offset or 0) + 2), offset=offset or 0)
    return y


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper (fast, plain data only), with text it would fold double-quoted."""


def _represent_str(dumper: yaml.SafeDumper, value: str):
    if _NEEDS_ESCAPE.search(value):
        return dumper.represent_scalar(_STR, value, style='"')
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """Deterministic, human-diffable YAML of plain data (keys in the order given, unicode kept)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def update_yaml(text: str, old: Any, new: Any) -> str:
    """``text`` with the values that differ between ``old`` and ``new`` replaced, in place in
    the round-trip tree: comments, key order, quoting and indentation elsewhere stay."""
    from ruamel.yaml.util import load_yaml_guess_indent
    y = _yaml()
    doc, indent, offset = load_yaml_guess_indent(text, yaml=y)
    y = _yaml(indent, offset)
    doc = _apply(doc, old, new)
    buf = io.StringIO()
    y.dump(doc, buf)
    return buf.getvalue()


_ID_KEYS = ("id",)


def _apply(node: Any, old: Any, new: Any) -> Any:
    """The round-trip ``node`` (holding ``old``) changed to hold ``new``, touching only what differs."""
    if _same(old, new):
        return node
    if isinstance(new, dict) and isinstance(old, dict) and isinstance(node, dict):
        for key in [k for k in node if k in old and k not in new]:
            del node[key]
        for key, value in new.items():
            if key in node and key in old:
                node[key] = _apply(node[key], old[key], value)
            elif key in node:  # written on disk (a default, say) but not understood as `old`
                node[key] = _apply(node[key], node[key], value)
            else:
                _insert(node, key, _node(value), list(new))
        return node
    if isinstance(new, list) and isinstance(old, list) and isinstance(node, list) and len(node) == len(old):
        return _apply_list(node, old, new)
    return _node(new)


def _apply_list(node: list, old: list, new: list) -> list:
    if len(old) == len(new):
        for i, value in enumerate(new):
            node[i] = _apply(node[i], old[i], value)
        return node
    old_ids = [_item_id(v) for v in old]
    if None in old_ids or len(set(old_ids)) != len(old_ids):
        node[:] = [_node(v) for v in new]
        return node
    # items keep their comments when others are added or removed around them
    where = {k: i for i, k in enumerate(old_ids)}
    items = [_apply(node[where[_item_id(v)]], old[where[_item_id(v)]], v) if _item_id(v) in where else _node(v)
             for v in new]
    while len(node):
        node.pop()
    node.extend(items)
    return node


def _item_id(value: Any) -> Any:
    if isinstance(value, dict):
        for key in _ID_KEYS:
            if isinstance(value.get(key), str):
                return value[key]
    return None


def _insert(node: Any, key: Any, value: Any, order: list) -> None:
    # a new key goes after the keys that precede it in the model's order
    before = [k for k in order[:order.index(key)] if k in node]
    if before and hasattr(node, "insert"):
        node.insert(list(node).index(before[-1]) + 1, key, value)
    else:
        node[key] = value


def _same(a: Any, b: Any) -> bool:
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    return a == b and type(a) in (type(b), int, float) and type(b) in (type(a), int, float)


#: Characters a YAML plain or single-quoted scalar would not carry back unchanged: line
#: separators YAML folds (U+0085, U+2028, U+2029), the BOM, C0/C1 controls, surrogates, and
#: non-characters; a double-quoted scalar escapes them.
_NEEDS_ESCAPE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


def _node(value: Any) -> Any:
    """Plain data as round-trip nodes, text that needs it double-quoted (escaped)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[_node(k) if isinstance(k, str) else k] = _node(v)
        return out
    if isinstance(value, (list, tuple)):
        return CommentedSeq(_node(v) for v in value)
    if isinstance(value, str):
        if _NEEDS_ESCAPE.search(value) or value != value.strip(" \t\n") or "\t" in value or "\r" in value:
            return DoubleQuotedScalarString(value)
        if _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _STR:
            return SingleQuotedScalarString(value)  # `yes`, `1:30`, `1e5`: text YAML 1.1 would read as data
    return value


_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


# -- JSON -----------------------------------------------------------------------------------
#: Characters escaped in JSON output so any reader (and YAML, which reads JSON) loads them back.
_JSON_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


def dump_json(data: Any) -> str:
    """Indented JSON; never ``NaN``/``Infinity`` (ValueError); unusual characters escaped."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    return _JSON_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
