"""Label text shared by the diagram writers: word wrapping, and text safe inside XML.

Both writers wrap labels at spaces with :func:`word_lines`; the SVG writer (and the export's
HTML pages, which embed its SVG) escape user text with :func:`esc`.
"""

from __future__ import annotations

import re

from ..display import esc_html

#: Characters XML (so SVG, and HTML parsed as XML) does not allow even as text: C0 controls
#: other than tab and line breaks, lone surrogates and the two non-characters U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(text) -> str:
    """HTML/SVG text: every user string goes through here (``display.esc_html``: entities,
    ``$`` never maths), and characters XML refuses become U+FFFD so an SVG stays well-formed."""
    return _NOT_XML.sub("\ufffd", esc_html("" if text is None else text))


def word_lines(text, width: int) -> list[str]:
    """``text`` on one line per ~``width`` characters, broken at spaces (a longer word keeps
    a line of its own); whitespace runs count as one space; no empty lines.

    >>> word_lines("retry the primary   with backoff", 12)
    ['retry the', 'primary with', 'backoff']
    """
    words, lines, cur = " ".join(str(text).split()).split(" "), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        lines.append(cur)
    return lines
