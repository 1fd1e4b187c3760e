"""Small, dependency-free renderers shared by every artifact: HTML and text tables.

Escaping and number formatting live here and nowhere else:

* :func:`esc_html` / :func:`esc_md` make user text safe in HTML and Markdown outputs and
  escape ``$``, which JupyterLab would otherwise typeset as maths ("$0.0004 per call is $400"
  becomes italic garbage between the two dollar signs);
* :func:`ms`, :func:`usd`, :func:`pct`, :func:`num` print numbers the way a person reads them:
  thousands separators, never scientific notation for milliseconds or dollars.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any, Iterable, Sequence


# -- escaping ---------------------------------------------------------------------------------
def esc_html(value: Any) -> str:
    """Text for an HTML element or attribute: entities escaped, ``$`` as ``&#36;`` (no maths)."""
    return html.escape(str(value)).replace("$", "&#36;")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~$])")


def esc_md(value: Any, inline: bool = True) -> str:
    """Text for Markdown: no raw HTML, no emphasis or links hijacked, ``$`` never maths.

    Markdown-significant characters are backslash-escaped and ``&``/``<``/``>`` become
    entities, so a ``<script>`` in an incident summary shows as text. ``inline=True`` folds
    newlines (a table cell or a list item stays one line).
    """
    s = str(value).replace("&", "&amp;")
    s = _MD_SPECIAL.sub(lambda m: {"<": "&lt;", ">": "&gt;"}.get(m.group(1), "\\" + m.group(1)), s)
    if inline:
        s = re.sub(r"[\r\n\u0085\u2028\u2029]+", " ", s)
    return s


def md_cell(value: Any) -> str:
    """Kit-written text for one Markdown line or table cell: pipes escaped, newlines folded.

    For text the kit composed itself (numbers, ids); user text goes through :func:`esc_md`.
    """
    return str(value).replace("|", "\\|").replace("\n", " ")


# -- numbers ----------------------------------------------------------------------------------
def num(x: float | int | None, digits: int = 0) -> str:
    """A plain number with thousands separators and no exponent: 16000 → '16,000'."""
    if x is None:
        return "n/a"
    if isinstance(x, float) and not math.isfinite(x):
        return "n/a" if x != x else ("∞" if x > 0 else "−∞")
    return f"{x:,.{digits}f}"


def ms(x: float | None) -> str:
    """Milliseconds as a person reads them: 16000 → '16,000 ms', 0.4 → '0.4 ms'."""
    if x is None:
        return "n/a"
    return f"{num(x, 1 if 0 < abs(x) < 10 and x != int(x) else 0)} ms"


def usd(x: float | None) -> str:
    """Dollars with cents (or more digits for sub-cent amounts), never an exponent."""
    if x is None:
        return "n/a"
    if x != 0 and abs(x) < 0.01:
        digits = min(10, 2 - math.floor(math.log10(abs(x))))
        return f"${x:,.{digits}f}".rstrip("0")
    return f"${x:,.2f}"


def pct(x: float | None) -> str:
    """A share 0–1 as a percentage, three significant digits, no exponent: 0.0000104 → '0.00104%'."""
    if x is None:
        return "n/a"
    v = 100 * x
    if v == 0 or not math.isfinite(v):
        return f"{v:g}%"
    decimals = max(0, 2 - math.floor(math.log10(abs(v))))
    return f"{v:.{decimals}f}".rstrip("0").rstrip(".") + "%" if decimals else f"{v:.0f}%"

_CSS = ("<style>.fbk table{border-collapse:collapse;font-size:12px;margin:4px 0}"
        ".fbk th,.fbk td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
        ".fbk th{background:#f3f3f3}.fbk h3{margin:6px 0}.fbk .over{color:#b00020;font-weight:bold}"
        ".fbk .ok{color:#1b5e20}</style>")


def fmt(value: Any) -> str:
    """A cell value as short text: floats without noise, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return num(value)
        if value == int(value) or abs(value) >= 100:
            return f"{value:,.0f}"
        # four significant digits without an exponent: 0.000123 stays readable
        digits = max(0, 3 - math.floor(math.log10(abs(value)))) if value else 0
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    if hasattr(value, "value") and isinstance(getattr(value, "value"), str):
        return value.value
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(v) for v in value)
    return str(value)


def text_table(rows: Sequence[dict], columns: Sequence[str]) -> str:
    """A fixed-width table for terminals and test output."""
    if not rows:
        return "(empty)"
    cells = [[fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()
    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells])


def html_table(rows: Sequence[dict], columns: Sequence[str]) -> str:
    """An HTML table; every cell is escaped."""
    head = "".join(f"<th>{esc_html(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td{_cls(r.get(c))}>{esc_html(fmt(r.get(c)))}</td>" for c in columns) + "</tr>"
        for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cls(value: Any) -> str:
    if isinstance(value, str) and value.startswith("over"):
        return " class='over'"
    if isinstance(value, str) and value.startswith("within"):
        return " class='ok'"
    return ""


def section(title: str, body_html: str) -> str:
    return f"<div class='fbk'>{_CSS}<h3>{esc_html(title)}</h3>{body_html}</div>"


def bullets(items: Iterable[str]) -> str:
    lis = "".join(f"<li{_cls(i)}>{esc_html(i)}</li>" for i in items)
    return f"<ul>{lis}</ul>"


def key_value_html(title: str, pairs: Iterable[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{esc_html(k)}</th><td>{esc_html(v)}</td></tr>" for k, v in pairs if v)
    return section(title, f"<table>{rows}</table>")
