"""Numbers with units in text: what makes an answer quantified.

"42" alone is not an answer to "how long?"; "42 ms" is, when it is the kind of quantity the
question asks about (read off the numbers its hint cites) and consistent with the design
(a number the design states or computes, or the hint cites). Durations are one kind
(ms, s, min, h, days → ms), money another ($ → USD), shares a third (%), counts of
requests, calls or incidents a fourth.
"""

from __future__ import annotations

import re

_N = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
_PATTERNS = [
    ("usd", re.compile(r"\$\s?" + _N + r"\s*(k|m|million)?\b", re.IGNORECASE)),
    ("time", re.compile(r"(?<![\w.$])" + _N + r"\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|"
                        r"d|days?)\b", re.IGNORECASE)),
    ("pct", re.compile(r"(?<![\w.$])" + _N + r"\s*(%|percent\b)", re.IGNORECASE)),
    ("count", re.compile(r"(?<![\w.$])" + _N + r"\s*(rps|requests?|calls?|incidents?|attempts?|retries|modes?)\b",
                         re.IGNORECASE)),
]
def _time_ms(v: float, unit: str) -> float:
    u = unit.lower()
    if u.startswith("ms") or u.startswith("milli"):
        return v
    if u.startswith("s"):
        return v * 1000
    if u.startswith("m"):
        return v * 60_000
    if u.startswith("h"):
        return v * 3_600_000
    return v * 86_400_000


_MILLION = re.compile(r"\b(?:per\s+|/\s*)?\d[\d,.]*\s*M\b")   # '1M calls', 'per 1M': a scale, not minutes


def quantities(text: str) -> list[tuple[str, float]]:
    """(kind, value) for every number with a unit: '35 ms left; $5 per 1M' → [('time', 35.0), ('usd', 5.0)]."""
    out = []
    text = _MILLION.sub(" ", text or "")
    for kind, pat in _PATTERNS:
        for m in pat.finditer(text):
            v = float(m.group(1).replace(",", "") + (f".{m.group(2)}" if m.group(2) else ""))
            unit = m.group(3) or ""
            if kind == "usd":
                v *= {"k": 1e3, "m": 1e6, "million": 1e6}.get(unit.lower(), 1)
            elif kind == "time":
                v = _time_ms(v, unit)
            out.append((kind, v))
    return out


def kinds(text: str) -> set[str]:
    return {k for k, _ in quantities(text)}


def consistent(value: float, known: set[float]) -> bool:
    return any(abs(value - k) <= max(0.05 * abs(k), 0.5) for k in known)


def known_of(design) -> dict[str, set[float]]:
    """The design's own numbers by kind, as the critique computes them."""
    from ..review import Review
    nums = Review(design).known_numbers()
    return {"usd": nums["usd"], "time": set(nums["ms"]), "pct": nums["pct"], "count": set()}


def judge(text: str, asked: set[str], cites: set[tuple[str, float]], known: dict[str, set[float]], proposal: bool) -> bool:
    """Quantified: a number with a unit of the kind asked, consistent with the design.

    ``asked``: kinds of quantity the question is about (empty: any kind); ``cites``: the
    numbers its hint cites; ``known``: the design's numbers by kind. A proposal question
    ("what would catch it sooner?") asks for a new number, so only its kind is checked.
    """
    found = [(k, v) for k, v in quantities(text) if not asked or k in asked]
    if not found:
        return False
    if proposal:
        return True
    for k, v in found:
        pool = known.get(k, set()) | {c for ck, c in cites if ck == k}
        if not pool or consistent(v, pool):
            return True
    return False
