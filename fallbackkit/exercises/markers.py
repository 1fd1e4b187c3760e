"""The markers a solution notebook carries (nbgrader's, plus the kit's test header).

* an **answer** cell holds the solution between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION``; the exercise gets ``raise NotImplementedError(...)`` in its place;
* a **test** cell starts with ``# TEST <question-id> (<n> points)``; its lines between
  ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are removed from the exercise and run
  only when graded.
"""

from __future__ import annotations

import ast
import re

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
TEST_HEADER = re.compile(r"^# TEST (?P<qid>[A-Za-z0-9_.-]+) \((?P<points>\d+) points?\)")
CHECK = "# NBVAL_CHECK_OUTPUT"
STUB = 'raise NotImplementedError("not answered yet: replace this line with your answer, then run the tests below")'
HIDDEN_NOTE = "# (hidden tests run when `fallbackkit exercises check` grades this notebook)"


class ExerciseError(ValueError):
    """A malformed solution notebook or an ungradable exercise; the message says what and where."""


def lines_between(src: str, begin: str, end: str, replacement: str | None, where: str) -> str:
    """``src`` with the lines between ``begin`` and ``end`` (markers included) replaced."""
    out, inside, indent = [], False, ""
    for line in src.splitlines():
        stripped = line.strip()
        if stripped == begin:
            if inside:
                raise ExerciseError(f"{where}: {begin!r} twice without {end!r}")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            if replacement is not None:
                out.append(indent + replacement)
        elif stripped == end:
            if not inside:
                raise ExerciseError(f"{where}: {end!r} without {begin!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ExerciseError(f"{where}: {begin!r} is never closed by {end!r}")
    return "\n".join(out)


def split_marked(src: str, begin: str, end: str) -> tuple[str, str, str]:
    """(before, inside, after) the first ``begin``/``end`` block of ``src``."""
    parts: dict[str, list[str]] = {"before": [], "inside": [], "after": []}
    state = "before"
    for line in src.splitlines():
        if line.strip() == begin and state == "before":
            state = "inside"
        elif line.strip() == end and state == "inside":
            state = "after"
        else:
            parts[state].append(line)
    return "\n".join(parts["before"]), "\n".join(parts["inside"]), "\n".join(parts["after"])


def test_header(src: str) -> tuple[str, int] | None:
    m = TEST_HEADER.match(src.lstrip())
    return (m["qid"], int(m["points"])) if m else None


test_header.__test__ = False  # not a pytest test


def defined_names(src: str) -> list[str]:
    """Names a block of code binds at the top level (assignments, defs, imports, loops), in order."""
    import textwrap
    try:
        tree = ast.parse(textwrap.dedent(src))
    except SyntaxError:
        return []
    names: list[str] = []

    def add(target) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name) and node.id not in names:
                names.append(node.id)

    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                add(t)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name) if node.name not in names else None
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                n = (a.asname or a.name).split(".")[0]
                names.append(n) if n not in names else None
        elif isinstance(node, (ast.For, ast.With)):
            for t in ([node.target] if isinstance(node, ast.For) else [i.optional_vars for i in node.items if i.optional_vars]):
                add(t)
    return names
