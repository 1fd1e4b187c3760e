"""Reading and writing kit files: the one reader and the one save, under their old names.

Every YAML/JSON file is read by :mod:`fallbackkit.reader` (caps on size, depth and alias
expansion, duplicate keys refused, parsed once) and every file is written by
:mod:`fallbackkit.store` (locked, merged, atomic, through symlinks, comments kept).
"""

from __future__ import annotations

import os
from pathlib import Path

from .reader import LineIndex, parse_text, read_document
from .store import dump_json, dump_yaml, is_json

__all__ = ["LineIndex", "parse_text", "read_document", "dump_json", "dump_yaml", "is_json",
           "atomic_write_text"]


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` so that a crash mid-save never leaves a half-written file.

    The one save mechanism without a merge (exports, charts, reports): locked, written to a
    temporary in the same folder, fsynced, renamed over the real target (through symlinks);
    a read-only target is refused (:class:`fallbackkit.store.SaveError`).
    """
    from .store import write_text
    return write_text(path, text)


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether ``a`` and ``b`` name one file: through links (``os.path.samefile``) when both
    exist, else by their resolved paths; a symlink loop compares the names as given."""
    a, b = Path(a), Path(b)
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return a.absolute() == b.absolute()
