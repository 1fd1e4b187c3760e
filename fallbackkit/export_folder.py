"""The export folder: written whole or not at all, and replaced only when the kit wrote it.

``fallbackkit export`` assembles its pages in :mod:`fallbackkit.export`; this module puts
them on disk. Every folder the export creates carries a :data:`MARKER` listing the files in
it; ``--force`` replaces only a folder whose marker lists everything it holds, never the
current folder or the design being exported. The files go to a temporary sibling that is
renamed into place at the end, so an error leaves neither a partial folder nor a damaged
old one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable


class OutputExists(Exception):
    """The output folder exists and ``force`` was not given."""


#: Written into every folder an export creates: ``--force`` replaces only a folder carrying it,
#: and only when everything in it is listed there (so nothing the kit did not write is lost).
MARKER = ".fallbackkit-export"
_MARKER_HEAD = ("# Written by `fallbackkit export`. `fallbackkit export --force` may replace this folder\n"
                "# only while it holds nothing but the files listed below.\n")


def with_markers(files: dict[str, str]) -> dict[str, str]:
    folders = {str(Path(rel).parent) for rel in files} | {"."}
    out = dict(files)
    for folder in sorted(folders):
        rel = MARKER if folder == "." else f"{folder}/{MARKER}"
        listed = sorted(files) if folder == "." else sorted(f for f in files if f.startswith(folder + "/"))
        out[rel] = _MARKER_HEAD + "".join(f"{f}\n" for f in listed)
    return out


def _refusal(out: Path, protect: Iterable[str | os.PathLike]) -> str | None:
    """Why ``--force`` may not replace the existing folder ``out`` (None: it may)."""
    real = out.resolve()
    here = Path.cwd().resolve()
    if real == here or real in here.parents:
        return f"{out}: is the current folder or contains it; choose another --out"
    for p in protect:
        p_real = Path(p).resolve()
        if p_real == real or real in p_real.parents:
            return f"{out}: holds {p}, the design being exported; --force never replaces it; choose another --out"
    entries = [Path(root, name).relative_to(out).as_posix()
               for root, dirs, names in os.walk(out) for name in names + [d for d in dirs if Path(root, d).is_symlink()]]
    if not entries:
        return None  # an empty folder: nothing to lose
    marker = out / MARKER
    if not marker.is_file():
        return (f"{out}: was not written by fallbackkit export (it has no {MARKER} file), so --force will not "
                "replace it; move it away or choose another --out")
    try:
        listed = {line.strip() for line in marker.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")}
    except (OSError, UnicodeDecodeError) as exc:
        return f"{out}: its {MARKER} file cannot be read ({exc}); --force will not replace the folder"
    extra = sorted(e for e in entries if e not in listed and Path(e).name != MARKER)
    if extra:
        shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
        return (f"{out}: holds files an export did not write ({shown}), so --force will not replace it; "
                "move them away or choose another --out")
    return None


def check_target(out: Path, force: bool, protect: Iterable[str | os.PathLike] = ()) -> None:
    """Raise :class:`OutputExists` unless ``out`` may be written: absent, or (with ``force``)
    a folder an earlier export wrote that holds nothing else."""
    if out.exists() or out.is_symlink():
        if not out.is_dir() or out.is_symlink():
            raise OutputExists(f"{out}: exists and is not a folder; choose another --out")
        if not force:
            raise OutputExists(f"{out}: already exists; pass --force to replace it")
        why = _refusal(out, protect)
        if why:
            raise OutputExists(why)


def write_folder(out: Path, files: dict[str, str]) -> None:
    """Write ``files`` (relative path → text) as the folder ``out``, replacing an old one only
    once every file is written; on any error the old folder is put back."""
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    old: Path | None = None
    try:
        for rel, text in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o755)  # mkdtemp makes it owner-only; an export is meant to be shared
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.rename(out, old / "x")
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and (old / "x").exists() and not out.exists():
            os.rename(old / "x", out)  # put the previous export back
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
