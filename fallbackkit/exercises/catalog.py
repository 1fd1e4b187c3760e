"""Where the exercises and their solutions live, and how a learner gets a copy.

The solutions ship inside the package (``fallbackkit/data/solutions/``), so
``fallbackkit exercises check`` finds the tests of a copied exercise wherever the copy lives,
and ``fallbackkit exercises start ex1 DIR`` writes a fresh exercise from them. They are out of
the learner's file browser (no ``solutions/`` beside ``exercises/``); when an instructor
*grades*, the learner's code cannot open them (see :mod:`fallbackkit.exercises.isolation`).
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

from .markers import ExerciseError


def solutions_dir() -> Path:
    """The folder of the packaged solution notebooks."""
    return Path(str(resources.files("fallbackkit") / "data" / "solutions"))


def names(directory: str | os.PathLike | None = None) -> list[str]:
    """Exercise names (file stems), e.g. ``['ex1_failure_taxonomy', ...]``."""
    return sorted(p.stem for p in Path(directory or solutions_dir()).glob("*.ipynb"))


def find(exercise: str, directory: str | os.PathLike | None = None) -> Path:
    """The solution notebook of ``exercise``: a short id (``ex1``), a name, or a file name.

    >>> find("ex1").name
    'ex1_failure_taxonomy.ipynb'
    """
    d = Path(directory or solutions_dir())
    key = Path(exercise).stem
    all_names = names(d)
    hits = [n for n in all_names if n == key] or [n for n in all_names if re.match(rf"{re.escape(key)}(_|$)", n)]
    if len(hits) != 1:
        raise ExerciseError(f"unknown exercise {exercise!r}; expected one of: "
                            + ", ".join(n.split("_")[0] + f" ({n})" for n in all_names))
    return d / f"{hits[0]}.ipynb"


def solution_for(path: Path, nb, directory: str | os.PathLike | None = None) -> Path:
    """The solution of a learner's notebook, named by its metadata (or its file name)."""
    meta = nb.metadata.get("fallbackkit", {})
    name = Path(meta.get("generated_from") or meta.get("exercise") or path.name).stem
    d = Path(directory) if directory else solutions_dir()
    if (d / f"{name}.ipynb").exists():
        return d / f"{name}.ipynb"
    raise ExerciseError(f"{path}: cannot find its solution {name + '.ipynb'!r} in {d}; "
                        "expected a notebook made by `fallbackkit exercises start` (or pass --solutions DIR)")


def start(exercise: str, directory: str | os.PathLike, *, force: bool = False) -> Path:
    """Write a fresh copy of ``exercise`` into the learner's ``directory``; return its path.

    Refuses to overwrite a copy that is already there (the learner's work) unless ``force``.
    """
    import nbformat

    from ..files import atomic_write_text
    from .build import exercise_from_solution
    sol = find(exercise)
    target = Path(directory) / sol.name
    if target.exists() and not force:
        raise ExerciseError(f"{target}: already exists (your work is kept); "
                            "grade it with `fallbackkit exercises check`, or pass --force to start over")
    ex = exercise_from_solution(nbformat.read(str(sol), as_version=4), sol.name)
    atomic_write_text(target, nbformat.writes(ex) + "\n")
    return target
