"""Small, dependency-free renderers shared by every artifact: HTML and text tables.

Escaping and number formatting live here and nowhere else:

* :func:`esc_html` / :func:`esc_md` make user text safe in HTML and Markdown outputs and
  escape ``$``, which JupyterLab would otherwise typeset as maths ("$0.0004 per call is $400"
  becomes italic garbage between the two dollar signs);
* :func:`ms`, :func:`ms0`, :func:`usd`, :func:`pct`, :func:`num`, :func:`minutes` print numbers the
  way a person reads them: thousands separators, never scientific notation for milliseconds or dollars;
* :func:`text_table`, :func:`html_table`, :func:`md_table` (and :class:`Table`) lay rows out.
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


def md_code(text: Any) -> str:
    """Text for a Markdown code span (a field path): no backtick can end it early, one line."""
    return str(text).replace("`", "'").replace("\n", " ")


def md_quote(text: Any) -> str:
    """Quoted user text (a status-page update) as a Markdown block quote: no raw HTML, no maths."""
    s = esc_md(str(text or "").strip(), inline=False)
    return "\n".join("> " + line if line.strip() else ">" for line in s.splitlines())


def md_paragraphs(text: Any) -> str:
    """A free-text field (several lines allowed) as Markdown-safe paragraphs."""
    return esc_md(str(text or "").strip(), inline=False)


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


def ms0(x: float | None) -> str:
    """Whole milliseconds with separators, '?' when unknown (the critique's evidence lines)."""
    return "?" if x is None else f"{x:,.0f} ms"


def minutes(v: Any) -> str:
    """A duration in minutes, in hours past two: 45 → '45 min', 150 → '2.5 h'; 'missing' when unknown."""
    if v is None or v != v:
        return "missing"
    return f"{v:.0f} min" if v < 120 else f"{v / 60:.1f} h"


def short_minutes(x: float) -> str:
    """A short window in minutes, in seconds below one: 0.5 → '30 s', 60 → '60 min'."""
    return f"{x * 60:,.0f} s" if x < 1 else f"{x:,.0f} min"


def nbytes(n: int) -> str:
    """A byte count as a limit reads: whole mebibytes as 'MB', anything else in bytes."""
    return f"{n // 2**20} MB" if n % 2**20 == 0 else f"{n:,} bytes"


def pct(x: float | None) -> str:
    """A share 0–1 as a percentage, three significant digits, no exponent: 0.0000104 → '0.00104%'."""
    if x is None:
        return "n/a"
    v = 100 * x
    if v == 0 or not math.isfinite(v):
        return f"{v:g}%"
    decimals = max(0, 2 - math.floor(math.log10(abs(v))))
    return f"{v:.{decimals}f}".rstrip("0").rstrip(".") + "%" if decimals else f"{v:.0f}%"

# Tables keep every column: words never break mid-word, and a table wider than the output
# scrolls sideways inside its box instead of being cut at the edge.
_CSS = ("<style>.fbk{overflow-x:auto;max-width:100%}.fbk table{border-collapse:collapse;font-size:12px;margin:4px 0}"
        ".fbk th,.fbk td{word-break:normal;overflow-wrap:normal;hyphens:none}"
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


def md_table(rows: Sequence[dict], columns: Sequence[str]) -> str:
    """A Markdown table; every cell is escaped, ``_(none)_`` when there are no rows."""
    if not rows:
        return "_(none)_"
    out = ["| " + " | ".join(esc_md(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(esc_md(fmt(r.get(c))) for c in columns) + " |" for r in rows]
    return "\n".join(out)


def _cls(value: Any) -> str:
    if isinstance(value, str) and value.startswith("over"):
        return " class='over'"
    if isinstance(value, str) and value.startswith("within"):
        return " class='ok'"
    return ""


def section(title: str, body_html: str) -> str:
    return f"<div class='fbk mathjax_ignore tex2jax_ignore'>{_CSS}<h3>{esc_html(title)}</h3>{body_html}</div>"


def bullets(items: Iterable[str]) -> str:
    lis = "".join(f"<li{_cls(i)}>{esc_html(i)}</li>" for i in items)
    return f"<ul>{lis}</ul>"


def key_value_html(title: str, pairs: Iterable[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{esc_html(k)}</th><td>{esc_html(v)}</td></tr>" for k, v in pairs if v)
    return section(title, f"<table>{rows}</table>")


# -- one description, three renderings ---------------------------------------------------------
# Every object describes itself ONCE as a list of blocks (a heading, key/value lines, bullets,
# tables, code, a diagram); the text, HTML and Markdown forms are all derived from that list, so
# escaping and number formatting cannot drift between them.
class Column:
    """A table column: its header (spelled out, one meaning) and how its values print.

    ``kind`` is one of ``text`` (default, :func:`fmt`), ``ms`` (``16,000``), ``usd``
    (``$1,200.64``), ``share`` (a 0–1 share as ``98.01%``), ``pct`` (already a percentage),
    ``count`` (``9,000``) or a callable ``value -> str``.
    """

    def __init__(self, name: str, kind: Any = "text", key: str | None = None):
        self.name, self.kind, self.key = name, kind, key or name

    def format(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        if callable(self.kind):
            return self.kind(value)
        if isinstance(value, str) or isinstance(value, bool):
            return fmt(value)
        if self.kind == "ms":
            return num(value, 1 if 0 < abs(value) < 10 and value != int(value) else 0)
        if self.kind == "usd":
            return usd(value)
        if self.kind == "share":
            return pct(value)
        if self.kind == "pct":
            return pct(value / 100)
        if self.kind == "count":
            return num(value)
        return fmt(value)


class Table:
    """Rows (dicts) under named columns; renders as text, HTML or Markdown, never truncated."""

    def __init__(self, rows: Sequence[dict], columns: Sequence["Column | str"], title: str = "",
                 empty: str = "(none)"):
        self.rows = list(rows)
        self.columns = [c if isinstance(c, Column) else Column(c) for c in columns]
        self.title, self.empty = title, empty

    def cells(self) -> list[list[str]]:
        return [[c.format(r.get(c.key)) for c in self.columns] for r in self.rows]

    def to_text(self) -> str:
        head = f"{self.title}\n" if self.title else ""
        if not self.rows:
            return head + self.empty
        cells, names = self.cells(), [c.name for c in self.columns]
        widths = [max(len(n), *(len(row[i]) for row in cells)) for i, n in enumerate(names)]
        line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()
        return head + "\n".join([line(names), line(["-" * w for w in widths])] + [line(r) for r in cells])

    def to_html(self) -> str:
        title = f"<h4>{esc_html(self.title)}</h4>" if self.title else ""
        if not self.rows:
            return title + f"<p>{esc_html(self.empty)}</p>"
        head = "".join(f"<th>{esc_html(c.name)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td{_cls(r.get(c.key))}>{esc_html(v)}</td>"
                                        for c, v in zip(self.columns, vals)) + "</tr>"
                       for r, vals in zip(self.rows, self.cells()))
        return f"{title}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def to_markdown(self) -> str:
        title = f"**{esc_md(self.title)}**\n\n" if self.title else ""
        if not self.rows:
            return title + esc_md(self.empty)
        head = "| " + " | ".join(esc_md(c.name) for c in self.columns) + " |"
        rule = "|" + "|".join("---" for _ in self.columns) + "|"
        body = ["| " + " | ".join(esc_md(v) for v in vals) + " |" for vals in self.cells()]
        return title + "\n".join([head, rule, *body])

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": section(self.title, self.to_html()) if self.title
                else f"<div class='fbk mathjax_ignore tex2jax_ignore'>{_CSS}{self.to_html()}</div>", "text/markdown": self.to_markdown()}


class Heading(str):
    """A heading block."""


class Text(str):
    """A paragraph block (plain text: escaped in HTML and Markdown)."""


class Bullets(list):
    """A bulleted list block of plain-text items."""


class Pairs(list):
    """Key/value lines: ``[("SLO", "95% of requests in < 20,000 ms"), ...]``; empty values are skipped."""


class Code:
    """A literal block (YAML, Mermaid source) shown verbatim."""

    def __init__(self, text: str, lang: str = ""):
        self.text, self.lang = text, lang


class Raw:
    """Pre-rendered parts (text, html, markdown) of something with its own renderer (a chart)."""

    def __init__(self, text: str, html_: str, markdown: str | None = None):
        self.text, self.html, self.markdown = text, html_, markdown if markdown is not None else text


def render_text(blocks: Iterable[Any]) -> str:
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append(str(b))
        elif isinstance(b, Text):
            out.append(str(b))
        elif isinstance(b, Pairs):
            out += [f"  {k}: {v}" for k, v in b if v not in (None, "")]
        elif isinstance(b, Bullets):
            out += [f"  - {i}" for i in b]
        elif isinstance(b, Table):
            out.append(b.to_text())
        elif isinstance(b, Code):
            out.append(b.text.rstrip("\n"))
        elif isinstance(b, Raw):
            out.append(b.text)
    return "\n".join(out)


def render_html(blocks: Iterable[Any]) -> str:
    blocks = list(blocks)
    title = str(blocks[0]) if blocks and isinstance(blocks[0], Heading) else ""
    body = []
    for b in blocks[1 if title else 0:]:
        if isinstance(b, Heading):
            body.append(f"<h4>{esc_html(b)}</h4>")
        elif isinstance(b, Text):
            body.append(f"<p{_cls(str(b))}>{esc_html(b)}</p>")
        elif isinstance(b, Pairs):
            rows = "".join(f"<tr><th>{esc_html(k)}</th><td>{esc_html(v)}</td></tr>" for k, v in b if v not in (None, ""))
            body.append(f"<table>{rows}</table>")
        elif isinstance(b, Bullets):
            body.append(bullets(b))
        elif isinstance(b, Table):
            body.append(b.to_html())
        elif isinstance(b, Code):
            body.append(f"<pre>{esc_html(b.text)}</pre>")
        elif isinstance(b, Raw):
            body.append(b.html)
    return section(title, "".join(body)) if title else f"<div class='fbk mathjax_ignore tex2jax_ignore'>{_CSS}{''.join(body)}</div>"


def render_markdown(blocks: Iterable[Any]) -> str:
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"### {esc_md(b)}")
        elif isinstance(b, Text):
            out.append(esc_md(b, inline=False))
        elif isinstance(b, Pairs):
            out.append("\n".join(f"- **{esc_md(k)}**: {esc_md(v)}" for k, v in b if v not in (None, "")))
        elif isinstance(b, Bullets):
            out.append("\n".join(f"- {esc_md(i)}" for i in b))
        elif isinstance(b, Table):
            out.append(b.to_markdown())
        elif isinstance(b, Code):
            fence = "~~~~" if "```" in b.text else "```"
            out.append(f"{fence}{b.lang}\n{b.text.rstrip()}\n{fence}")
        elif isinstance(b, Raw):
            out.append(b.markdown)
    return "\n\n".join(out)


class Rendered:
    """Mixin: define :meth:`describe` once; get ``to_text``, ``to_html``, ``to_markdown`` and
    the Jupyter ``_repr_mimebundle_`` from it.

    >>> class Thing(Rendered):
    ...     def describe(self):
    ...         return [Heading("Thing"), Table([{"cost": 0.0004}], [Column("price per call", "usd", "cost")])]
    >>> print(Thing().to_text())
    Thing
    price per call
    --------------
    $0.0004

    Extra MIME types (a Mermaid diagram) come from :meth:`extra_mimebundle`.
    """

    def describe(self) -> list:  # pragma: no cover - each class defines it
        raise NotImplementedError

    def to_text(self) -> str:
        return render_text(self.describe())

    def to_html(self) -> str:
        return render_html(self.describe())

    def to_markdown(self) -> str:
        return render_markdown(self.describe())

    def extra_mimebundle(self) -> dict[str, str]:
        return {}

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html(), **self.extra_mimebundle()}


_SCRIPT_OR_STYLE = re.compile(r"(<(script|style)\b.*?</\2>)", re.S | re.I)


#: MathJax (JupyterLab's typesetter) skips everything inside an element with this class. An
#: entity alone is not enough: ``&#36;`` is a ``$`` again in the page, and MathJax reads the page.
NO_MATHS_CLASS = "mathjax_ignore tex2jax_ignore"


def no_maths_html(html_text: str) -> str:
    """HTML that JupyterLab never typesets: wrapped in MathJax's ignore class, and every ``$``
    outside ``<script>``/``<style>`` written ``&#36;`` (for viewers that typeset the source)."""
    if "mathjax_ignore" not in html_text[:200]:
        html_text = f"<div class='{NO_MATHS_CLASS}'>{html_text}</div>"
    parts = _SCRIPT_OR_STYLE.split(html_text)
    out, i = [], 0
    while i < len(parts):
        out.append(parts[i].replace("$", "&#36;"))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
        i += 3
    return "".join(out)


_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)


def no_maths_markdown(md_text: str) -> str:
    """Markdown with every unescaped ``$`` outside code as ``\\$`` (never typeset as maths)."""
    parts = _CODE.split(md_text)
    escaped = "".join(p if i % 2 else re.sub(r"(?<!\\)\$", r"\\$", p) for i, p in enumerate(parts))
    # The Markdown renderer turns \$ back into $ before MathJax reads the page: the ignore
    # class on an enclosing block is what keeps it from typesetting (blank lines keep the
    # Markdown inside parsed as Markdown).
    return f"<div class='{NO_MATHS_CLASS}'>\n\n{escaped}\n\n</div>"


class Shown:
    """Show any object the way the kit's own objects show: its HTML with money never maths.

    For objects whose reprs are not built on :class:`Rendered` yet::

        Shown(sim.matrix_view())
    """

    def __init__(self, obj: Any):
        self.obj = obj

    def _repr_mimebundle_(self, include=None, exclude=None):
        if hasattr(self.obj, "_repr_mimebundle_"):
            data = self.obj._repr_mimebundle_(include=include, exclude=exclude)
            data = data[0] if isinstance(data, tuple) else dict(data or {})
        else:
            data = {"text/plain": repr(self.obj)}
            for mime, method in (("text/html", "_repr_html_"), ("text/markdown", "_repr_markdown_")):
                value = getattr(self.obj, method, lambda: None)()
                if value is not None:
                    data[mime] = value
        if "text/html" in data:
            data["text/html"] = no_maths_html(data["text/html"])
        if "text/markdown" in data:
            data["text/markdown"] = no_maths_markdown(data["text/markdown"])
        data.setdefault("text/plain", repr(self.obj))
        return data

    def __repr__(self) -> str:
        return self._repr_mimebundle_().get("text/plain", "")
