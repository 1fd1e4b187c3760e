"""Hostile inputs for the fuzz suite (tests/test_fuzz_*.py) and the contract every run must keep.

The contract (issue 16, "nothing lost, whatever the input"):

* exit 0, 1 (critique findings, a failed notebook run) or 2 (bad input) — never 3, never a
  traceback, never "internal error";
* bounded time (a per-case alarm in-process; a timeout for subprocesses) and bounded memory
  (``RLIMIT_AS`` in the child of the subprocess cases);
* the design file on disk byte-identical unless the command was asked to write it;
* no script, no ``javascript:`` link and nothing fetched from the network in any rendered
  output (HTML, SVG, Markdown, Mermaid).
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import re
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from hypothesis import strategies as st

import fallbackkit as fk

#: ``pytest --fuzz-long`` (tests/conftest.py) sets this: many more examples per property.
LONG = os.environ.get("FALLBACKKIT_FUZZ_LONG") == "1"


def examples(short: int, long: int = 0) -> int:
    return (long or short * 20) if LONG else short


DEFAULT_TEXT = Path(fk.default_design_path()).read_text(encoding="utf-8")
DEFAULT_DATA = yaml.safe_load(DEFAULT_TEXT)

# -- hostile values ----------------------------------------------------------------------------
HOSTILE_STRINGS = [
    "", " ", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
    "[click](javascript:alert(1))", '<a href="https://evil.example/x">x</a>', "![x](https://evil.example/p.png)",
    "$0.0004 per call is $400", "$$x^2$$", "Semantic cache\r=2+5+cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")",
    "@SUM(A1)", "+1", "-1", "\t=1", "line\nbreak", "next\u0085line", "sep\u2028arator", "para\u2029graph",
    "bidi \u202eexe.txt\u202c", "zero\u200bwidth", "bell\x07", "esc\x1b[31mred", "nul-ish\x01", "\ufeffbom",
    "\ufffe", "%%{init: {'theme':'dark'}}%%", "a --> b", "x]:::y", "{{x}}", "`code`", "*bold* _it_", "| a | b |",
    "# heading", "1. list", "- item", "&amp; &lt;", "'; DROP TABLE x; --", "../../etc/passwd", "C:\\con\\aux",
    "ünïcødé — “quotes”", "日本語", "🙂" * 3, "x" * 5000, "A" * 70,
]

#: YAML text for numbers and look-alikes that broke the kit: infinities, NaN, overflow, YAML 1.1
#: sexagesimal and timestamps that are no real date, ints past Python's 4,300-digit limit.
HOSTILE_SCALARS = [
    ".inf", "-.inf", ".nan", "1e309", "-1e309", "-0.0", "0", "-1", "1e-320", "2e308", "9" * 5000, "9" * 400,
    "18446744073709551617", "true", "false", "null", "~", "1:30", "-1:30", "190:20:30.15", "2026-02-30",
    "2026-10-06T25:61:00Z", "0x1F", "0o17", "017", "1_000", "'1:30'", '"NaN"', "[]", "{}", "[1, [2, [3]]]",
    "!!binary aGVsbG8=", "!!python/object/apply:os.system ['echo hacked']", "&a [1]", "*undefined",
    "<<: {x: 1}", "? complex key", "|\n  block", ">-", "'unterminated", "\"\\ud800\"",
]

NUMBERS = [float("inf"), float("-inf"), float("nan"), -0.0, 0, -1, 1e-320, 1.7976931348623157e308, 2**63, 2**64 + 1,
           -(2**63), 10**400, True, False, None, 0.5, 1, 100, 1e6]


def _paths(data, prefix=()):
    """Every path into a nested dict/list: (keys…) tuples."""
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, prefix + (i,))


ALL_PATHS = [p for p in _paths(DEFAULT_DATA) if p]


def _set(data, path, value):
    cur = data
    for part in path[:-1]:
        cur = cur[part]
    cur[path[-1]] = value


def _get(data, path):
    cur = data
    for part in path:
        cur = cur[part]
    return cur


@st.composite
def mutated_data(draw):
    """The worked example as data, with 1–4 fields replaced, removed, duplicated or added."""
    data = copy.deepcopy(DEFAULT_DATA)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        try:
            _get(data, path)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or reshaped this part
        kind = draw(st.sampled_from(["string", "number", "remove", "container", "duplicate", "case", "unknown"]))
        parent = _get(data, path[:-1])
        if kind == "string":
            _set(data, path, draw(st.one_of(st.sampled_from(HOSTILE_STRINGS), st.text(max_size=40))))
        elif kind == "number":
            _set(data, path, draw(st.sampled_from(NUMBERS)))
        elif kind == "remove":
            del parent[path[-1]]
        elif kind == "container":
            _set(data, path, draw(st.sampled_from([[], {}, [None], {"x": 1}, [[[]]], {"kind": "zzz"}])))
        elif kind == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        elif kind == "case" and isinstance(_get(data, path), str):
            _set(data, path, _get(data, path).upper())
        elif kind == "unknown" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["sevrity", "<script>", "x" * 80, "$schema"]))] = 1
    return data


def dump(data) -> str:
    """YAML for data a person could have typed; values ``yaml`` cannot print become YAML text."""
    def fix(v):
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 10**4000:
            return "9" * 4400  # a string field will take it; a number field must refuse it
        if isinstance(v, dict):
            return {k: fix(x) for k, x in v.items()}
        if isinstance(v, list):
            return [fix(x) for x in v]
        return v
    return yaml.safe_dump(fix(data), sort_keys=False, allow_unicode=True)


@st.composite
def mutated_text(draw):
    """The worked example as text, with the values of 1–3 lines replaced by raw hostile YAML."""
    lines = DEFAULT_TEXT.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        m = re.match(r"^(\s*(?:- )?[A-Za-z_]+: )(.+)$", lines[i])
        if m:
            lines[i] = m.group(1) + draw(st.sampled_from(HOSTILE_SCALARS)).replace("\n", "\n" + " " * (len(m.group(1)) + 2))
    return "\n".join(lines) + "\n"


def deep_text(depth: int) -> str:
    return DEFAULT_TEXT + "extra: " + "[" * depth + "]" * depth + "\n"


def alias_bomb(depth: int) -> str:
    """A latency mixture whose components are aliases of aliases: 3**depth bad leaves once expanded."""
    lines = ["x-b0: &b0 {kind: lognormal, p50_ms: 100, p99_ms: bad}"]
    for k in range(1, depth + 1):
        part = f"{{weight: 0.3, dist: *b{k - 1}}}"
        lines.append(f"x-b{k}: &b{k} {{kind: mixture, components: [{part}, {part}, {part}]}}")
    text = DEFAULT_TEXT.replace("latency: {p50_ms: 45, p95_ms: 75, p99_ms: 250}", f"latency: {{distribution: *b{depth}}}", 1)
    return "\n".join(lines) + "\n" + text


# -- running the CLI and checking the contract -------------------------------------------------------
@dataclass
class Run:
    argv: list[str]
    code: int
    out: str
    err: str


class TooSlow(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    def alarm(signum, frame):
        raise TooSlow(f"took more than {seconds} s")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_cli(argv: list[str], cwd: Path, seconds: float = 60) -> Run:
    """``fallbackkit.cli.main(argv)`` in this process, in ``cwd``, stdin empty, output captured."""
    from fallbackkit.cli import main
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with time_limit(seconds), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                _stdin(io.StringIO("")):
            try:
                code = main([str(a) for a in argv])
            except SystemExit as exc:  # the contract: main returns, but a stray exit still counts
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(here)
    return Run([str(a) for a in argv], code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _stdin(stream):
    old = sys.stdin
    sys.stdin = stream
    try:
        yield
    finally:
        sys.stdin = old


def limit_memory(gb: float = 2.0):
    """``preexec_fn`` for a subprocess: at most ``gb`` of address space."""
    def limit():
        size = int(gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    return limit


def run_process(argv: list[str], cwd: Path, seconds: float = 60, gb: float = 2.0) -> Run:
    """The CLI as a separate process under a timeout and a memory limit."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    env.pop("FALLBACKKIT_DEBUG", None)
    try:
        proc = subprocess.run([sys.executable, "-m", "fallbackkit", *map(str, argv)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=seconds, preexec_fn=limit_memory(gb),
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise TooSlow(f"{argv}: took more than {seconds} s") from None
    return Run([str(a) for a in argv], proc.returncode, proc.stdout, proc.stderr)


FINDINGS_OK = {"critique", "run", "run-all", "exercises"}


def check_contract(r: Run) -> None:
    allowed = {0, 1, 2} if (r.argv and r.argv[0] in FINDINGS_OK) else {0, 2}
    assert r.code in allowed, f"exit {r.code} for {r.argv}:\n{r.err[-2000:]}"
    assert "Traceback" not in r.err and "internal error" not in r.err, f"{r.argv}:\n{r.err[-2000:]}"
    if r.code == 2:
        assert r.err.strip(), f"exit 2 without a message for {r.argv}"


#: What would run a script or fetch something when a rendered output is opened: script and
#: embedding tags, event handlers, and attributes or CSS pointing at ``javascript:`` or another
#: host. Only real tags count: escaped text (``&lt;a href=…``) and text that merely reads
#: "javascript:" or "https://…" is what the person typed, shown as text.
BAD_TAG = re.compile(r"<(?:script|iframe|object|embed|link|base|form|meta\s+http-equiv)\b", re.IGNORECASE)
TAG = re.compile(r"<[A-Za-z][^<>]*>")
BAD_ATTR = re.compile(r"\bon[a-z]+\s*=|(?:src|href|action|formaction|srcset|poster|data)\s*=\s*[\"']?\s*"
                      r"(?:javascript:|(?:https?:)?//)|url\(\s*[\"']?\s*(?:javascript:|(?:https?:)?//)", re.IGNORECASE)
STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)
CSS_FETCH = re.compile(r"@import|url\(\s*[\"']?\s*(?:javascript:|(?:https?:)?//)", re.IGNORECASE)


def check_rendered(name: str, text: str) -> None:
    def where(m, s):
        return f"{name}: {m.group(0)!r}: …{s[max(0, m.start() - 80):m.end() + 80]}…"
    m = BAD_TAG.search(text)
    assert m is None, where(m, text)
    for tag in TAG.finditer(text):
        m = BAD_ATTR.search(tag.group(0))
        assert m is None, where(m, tag.group(0))
    for css in STYLE.finditer(text):
        m = CSS_FETCH.search(css.group(1))
        assert m is None, where(m, css.group(1))


FENCE = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)


def check_markdown(name: str, text: str) -> None:
    """Markdown also must not carry raw HTML tags, links to scripts, or images fetched from the web.

    Fenced code (the workflow's ```mermaid block) is not Markdown: it is never rendered as HTML by
    a Markdown viewer, and inside it the only tag is the kit's own ``<br>`` label break (user
    text there is entity-escaped, which check_rendered and the tag check below hold it to).
    """
    check_rendered(name, text)
    for fence in FENCE.finditer(text):
        m = re.search(r"<(?!br\s*/?>)[A-Za-z/!]", fence.group(0))
        assert m is None, f"{name}: raw {m.group(0)!r} in fenced code: …{fence.group(0)[max(0, m.start() - 80):m.end() + 80]}…"
    text = FENCE.sub("", text)
    m = re.search(r"<[A-Za-z/!]|\]\(\s*(?:javascript:|https?://)", text)
    assert m is None, f"{name}: raw {m.group(0)!r}: …{text[max(0, m.start() - 80):m.end() + 80]}…"
