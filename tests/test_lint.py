"""Static checks a reviewer would otherwise do by eye: no undefined names, no unused imports, and
no assertion in the tests that cannot fail. Cross-cutting by design: it reads every file.

The vacuous-assert check is mechanical (the AST of each test file): it finds the kinds that can
be told from the code alone. Whether an assertion catches a real mistake is shown by mutating
the code under test and seeing the test fail; this check only keeps the obvious kinds out.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


def test_pyflakes_rules_hold():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (it comes with the test extra)")
    proc = subprocess.run([ruff, "check", "--select", "F", "--output-format", "concise",
                           "fallbackkit", "tests", "tools", "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- assertions that cannot fail ----------------------------------------------------------------
#: calls whose result may be empty: asserting on each element of it proves nothing when it is
POSSIBLY_EMPTY = {"glob", "rglob", "iterdir", "filter", "findall", "finditer", "listdir"}


def _truthy_constant(n: ast.AST) -> bool:
    return isinstance(n, ast.Constant) and n.value is not Ellipsis and bool(n.value)


def _is_none(n: ast.AST) -> bool:
    return isinstance(n, ast.Constant) and n.value is None


def _is_len(n: ast.AST) -> bool:
    return isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "len"


def _is_zero(n: ast.AST) -> bool:
    return isinstance(n, ast.Constant) and n.value == 0 and not isinstance(n.value, bool)


def _call_name(n: ast.AST) -> str | None:
    if isinstance(n, ast.Call):
        f = n.func
        return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
    return None


def _module_attr(n: ast.AST, modules: set[str]) -> bool:
    return isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in modules


def _possibly_empty(n: ast.AST | None) -> bool:
    if isinstance(n, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        return any(g.ifs for g in n.generators)
    name = _call_name(n)
    if name in POSSIBLY_EMPTY:
        return True
    return name in ("sorted", "list", "set", "tuple") and bool(n.args) and _possibly_empty(n.args[0])


def _negative(test: ast.AST) -> bool:
    """An assertion of absence (``x is None``, ``not x``, ``a not in b``): over no elements, it
    rightly holds."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return True
    return (isinstance(test, ast.Compare) and len(test.ops) == 1
            and (isinstance(test.ops[0], ast.NotIn) or (isinstance(test.ops[0], ast.Is) and _is_none(test.comparators[0]))))


def _text_in(n: ast.AST) -> tuple[str, str] | None:
    """(text, dump of the container) of ``"text" in container``."""
    if (isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], ast.In)
            and isinstance(n.left, ast.Constant) and isinstance(n.left.value, str)):
        return n.left.value, ast.dump(n.comparators[0])
    return None


def _implied_text(values: list[ast.AST]) -> bool:
    """``"abc" in s or "b" in s``: the first is in s only if the second is too."""
    tests = [t for t in map(_text_in, values) if t]
    return any(a != b and a[1] == b[1] and b[0] in a[0] for a in tests for b in tests)


def _names(n: ast.AST) -> set[str]:
    return {x.id for x in ast.walk(n) if isinstance(x, ast.Name)}


def _why_vacuous(test: ast.AST, modules: set[str], made: dict[str, ast.AST]) -> str | None:
    if _truthy_constant(test):
        return "asserts a true constant"
    if isinstance(test, ast.Tuple) and test.elts:
        return "a non-empty tuple is always true"
    if isinstance(test, ast.BoolOp):
        if isinstance(test.op, ast.Or) and any(_truthy_constant(v) for v in test.values):
            return "an `or` with a true constant always holds"
        if isinstance(test.op, ast.Or) and _implied_text(test.values):
            return "one side of the `or` holds whenever the other does: the `or` is only the shorter text"
        for v in test.values:
            if why := _why_vacuous(v, modules, made):
                return why
        return None
    if _module_attr(test, modules):
        return "a module attribute is true whenever it exists"
    if _call_name(test) == "hasattr" and test.args and isinstance(test.args[0], ast.Name) and test.args[0].id in modules:
        return "hasattr on a module only says a name exists"
    if (_call_name(test) == "isinstance" and len(test.args) == 2
            and isinstance(test.args[1], ast.Name) and test.args[1].id == "object"):
        return "everything is an object"
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    a, op, b = test.left, test.ops[0], test.comparators[0]
    if (_is_len(a) and isinstance(op, ast.GtE) and _is_zero(b)) or (_is_zero(a) and isinstance(op, ast.LtE) and _is_len(b)):
        return "a length is always >= 0"
    if isinstance(a, ast.Constant) and isinstance(b, ast.Constant):
        return "compares two constants"
    if isinstance(op, (ast.Eq, ast.Is, ast.LtE, ast.GtE)) and ast.dump(a) == ast.dump(b):
        return "compares a value with itself"
    if isinstance(op, ast.IsNot) and _is_none(b):
        if _module_attr(a, modules):
            return "a module attribute is never None: it exists or the line raises"
        source = made.get(a.id) if isinstance(a, ast.Name) else None
        cls = _call_name(source)
        if cls and cls[:1].isupper() and isinstance(source.func, (ast.Name, ast.Attribute)):
            return f"`{a.id}` is a new {cls}, never None"
    return None


def vacuous_asserts(source: str) -> list[tuple[int, str]]:
    """(line, why) for each assertion in ``source`` that cannot fail, or that proves nothing."""
    tree = ast.parse(source)
    modules = {(a.asname or a.name).split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        made = {n.targets[0].id: n.value for n in ast.walk(fn)
                if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)}
        asserts = [n for n in ast.walk(fn) if isinstance(n, ast.Assert)]
        for node in asserts:
            if why := _why_vacuous(node.test, modules, made):
                found.append((node.lineno, why))
        for loop in (n for n in ast.walk(fn) if isinstance(n, ast.For)):
            inside = [n for n in loop.body if isinstance(n, ast.Assert)]
            source_expr = made.get(loop.iter.id) if isinstance(loop.iter, ast.Name) else loop.iter
            if not inside or all(_negative(a.test) for a in inside) or not _possibly_empty(source_expr):
                continue
            guarded = isinstance(loop.iter, ast.Name) and any(
                a.lineno < loop.lineno and loop.iter.id in _names(a.test) for a in asserts)
            if not guarded:
                found.append((loop.lineno, "asserts on each element of what may be empty: assert that it is not, first"))
    return sorted(set(found))


VACUOUS = '''
import fallbackkit as fk
def test_vacuous(x, m):
    assert True                                  # vacuous
    assert "x" in m or True                      # vacuous
    assert len(x) >= 0                           # vacuous
    assert 0 <= len(x)                           # vacuous
    assert fk.Critique is not None and x         # vacuous
    assert fk.Critique                           # vacuous
    assert hasattr(fk, "Critique")               # vacuous
    assert isinstance(x, object)                 # vacuous
    assert x == x                                # vacuous
    assert 1 == 1                                # vacuous
    assert (x, "message")                        # vacuous
    assert "#34;#93;" in m or "#34;" in m        # vacuous
    c = Critique(x)
    assert c is not None                         # vacuous
    for link in re.findall("a", x):              # vacuous
        assert link
    shown = [p for p in x if p.ok]
    for p in shown:                              # vacuous
        assert p.size > 0
'''

SOUND = '''
import fallbackkit as fk
def test_sound(x, m):
    assert x
    assert "x" in m or "y" in m
    assert "#34;" in m or "#34;" in x
    assert len(x) >= 1
    assert fk.critique(x).passed
    assert isinstance(fk.critique(x), fk.Critique)
    c = fk.critique(x)
    assert c is not None
    assert False, "unreachable"
    for link in re.findall("a", x):
        assert link not in m
    for m2 in re.finditer("a", x):
        assert m2 is None
    shown = [p for p in x if p.ok]
    assert shown
    for p in shown:
        assert p.size > 0
    for p in [1, 2]:
        assert p
'''


def test_the_vacuous_assert_check_finds_each_kind_and_nothing_else():
    marked = [n for n, line in enumerate(VACUOUS.splitlines(), 1) if line.endswith("# vacuous")]
    assert [n for n, _ in vacuous_asserts(VACUOUS)] == marked
    assert vacuous_asserts(SOUND) == []


def test_no_test_asserts_what_cannot_fail():
    found = [f"{p.name}:{line}: {why}" for p in sorted(TESTS.glob("*.py")) if p.name != "test_lint.py"
             for line, why in vacuous_asserts(p.read_text())]
    assert found == []
