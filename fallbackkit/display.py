"""Small, dependency-free renderers shared by every artifact: HTML and text tables."""

from __future__ import annotations

import html
from typing import Any, Iterable, Sequence

_CSS = ("<style>.fbk table{border-collapse:collapse;font-size:12px;margin:4px 0}"
        ".fbk th,.fbk td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
        ".fbk th{background:#f3f3f3}.fbk h3{margin:6px 0}.fbk .over{color:#b00020;font-weight:bold}"
        ".fbk .ok{color:#1b5e20}</style>")


def fmt(value: Any) -> str:
    """A cell value as short text: floats without noise, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return "n/a"
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
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
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td{_cls(r.get(c))}>{html.escape(fmt(r.get(c)))}</td>" for c in columns) + "</tr>"
        for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cls(value: Any) -> str:
    if isinstance(value, str) and value.startswith("over"):
        return " class='over'"
    if isinstance(value, str) and value.startswith("within"):
        return " class='ok'"
    return ""


def section(title: str, body_html: str) -> str:
    return f"<div class='fbk'>{_CSS}<h3>{html.escape(title)}</h3>{body_html}</div>"


def bullets(items: Iterable[str]) -> str:
    lis = "".join(f"<li{_cls(i)}>{html.escape(i)}</li>" for i in items)
    return f"<ul>{lis}</ul>"


def key_value_html(title: str, pairs: Iterable[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in pairs if v)
    return section(title, f"<table>{rows}</table>")
