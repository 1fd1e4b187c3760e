"""Reading the files a command names and writing the files it makes, never losing one.

Every failure is a :class:`~fallbackkit.problems.DesignError` naming the file (reading) or a
:class:`UsageError` naming the target and the reason (writing), so a command ends with one
message and exit 2, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from ..files import same_file
from ..problems import DesignError, Problem
from .errors import UsageError


def read(path: str):
    """``files.read_document`` with every failure of the reader as a DesignError naming the file."""
    from ..files import read_document
    try:
        return read_document(path)
    except DesignError:
        raise
    except (RecursionError, ValueError, OverflowError, MemoryError) as exc:
        raise DesignError([unreadable(path, exc)]) from None


def load(path: str, check: bool = True):
    """Load a design; a file the reader or the model cannot take is a DesignError, never a crash."""
    from ..design import Design
    try:
        return Design.load(path, check=check)
    except DesignError:
        raise
    except (RecursionError, ValueError, OverflowError, MemoryError) as exc:
        raise DesignError([unreadable(path, exc)]) from None


def unreadable(path: str, exc: BaseException) -> Problem:
    """The problem of a file the reader gave up on: too deep, too large, or a value it cannot read."""
    if isinstance(exc, RecursionError):
        what = "nested too deeply to read; expected a design a few levels deep"
    elif isinstance(exc, MemoryError):
        what = "too large to read in memory (aliases or size); expected a design file of ordinary size"
    else:
        what = f"a value cannot be read: {exc}"
    return Problem("", what, str(path))


def out_path(out: str, inputs: list[str], force: bool) -> Path:
    """The file an ``--out`` names, refused before any work when writing there would lose a file.

    Never an input of the command (not even with ``--force``), never a folder, and an
    existing file only with ``--force``.
    """
    if not str(out).strip():
        raise UsageError("--out is empty; expected a file name")
    target = Path(out)
    for given in inputs:
        if same_file(target, Path(given)):
            raise UsageError(f"{target}: is the input file {given} of this command; writing there would replace it "
                             "(even with --force); choose another --out")
    try:
        is_dir, exists = target.is_dir(), target.exists() or target.is_symlink()
    except OSError as exc:  # a name too long, a loop of links: say so before doing the work
        raise UsageError(f"{target}: cannot write: {os_reason(exc)}; nothing was written") from None
    if is_dir:
        raise UsageError(f"{target}: is a folder; expected a file name, e.g. {target / 'out.yaml'}")
    if exists and not force:
        raise UsageError(f"{target}: already exists; pass --force to overwrite it")
    return target


def optional_out(out: str | None, inputs: list[str], force: bool) -> Path | None:
    """:func:`out_path` for an ``--out`` that may be absent (then the command prints)."""
    return out_path(out, inputs, force) if out is not None else None


def os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def write(target: Path, save: Callable[[], object]) -> None:
    """Run a save; an OSError (disk full, permission, read-only, name too long) names ``target``."""
    try:
        save()
    except DesignError:
        raise  # the one save mechanism's "not saved: …" already names the file and the reason
    except OSError as exc:
        raise UsageError(f"{target}: cannot write: {os_reason(exc)}; nothing was written") from None


def write_text(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` atomically (see :func:`write`) and say so."""
    from ..files import atomic_write_text
    write(target, lambda: atomic_write_text(target, text))
    print(f"wrote {target}")


def emit(target: Path | None, text: str) -> None:
    """``text`` to ``target`` when given, else to standard output as it is."""
    if target is not None:
        write_text(target, text)
    else:
        sys.stdout.write(text)
