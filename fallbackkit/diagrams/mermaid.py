"""Mermaid text for the recovery workflow, in UML activity-diagram notation.

Mermaid has no UML activity type, so the notation is mapped onto flowchart shapes and
styles: a filled circle for the initial node, rounded boxes for actions, diamonds for
decisions and merges, black bars for fork/join, a bull's-eye for the activity final, a
crossed circle for a flow final, and subgraphs for partitions (swimlanes).
User text is entity-escaped, so a label can never inject markup or Mermaid syntax.

Legible at 1,400 px: the chart is drawn top-down at its natural size (``useMaxWidth`` off,
so JupyterLab never scales it down to fit: text stays at 14 px and the output scrolls
instead), long labels wrap at about 24 characters, and node ids come from the workflow's
own ids, so adding one node does not rename, and re-lay, every later one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .labels import word_lines

if TYPE_CHECKING:  # pragma: no cover
    from ..workflow import RecoveryWorkflow

_SHAPES = {
    "initial": ('(("{}"))', "initial"),
    "action": ('("{}")', "action"),
    "decision": ('{{"{}"}}', "decision"),
    "merge": ('{{"{}"}}', "merge"),
    "fork": ('["{}"]', "bar"),
    "join": ('["{}"]', "bar"),
    "activity_final": ('((("{}")))', "final"),
    "flow_final": ('(("{}"))', "flowfinal"),
}

_STYLES = [
    "classDef initial fill:#000,stroke:#000,color:#000",
    "classDef action fill:#fff,stroke:#333",
    "classDef decision fill:#fff,stroke:#333",
    "classDef merge fill:#fff,stroke:#333",
    "classDef bar fill:#000,stroke:#000,color:#000",
    "classDef final fill:#000,stroke:#000,color:#fff",
    "classDef flowfinal fill:#fff,stroke:#000,color:#000",
]

_ESCAPE = set('"<>&#{}[]()|`;\\%$')


def escape(text: str) -> str:
    """Entity-escape text for a quoted Mermaid label (``<`` becomes ``#60;``).

    Markup (``< > &``), Mermaid syntax (quotes, brackets, ``|``, ``;``, ``%%`` directives),
    Markdown-string backticks, ``$`` (maths: KaTeX in Mermaid, and JupyterLab) and invisible
    characters (controls, bidi overrides, zero-width marks) become ``#code;`` entities, so a
    label can end neither the statement nor the diagram and shows what was typed.
    """
    text = " ".join(str(text).split())  # labels are one line; newlines would end the statement
    return "".join(f"#{ord(c)};" if c in _ESCAPE or _invisible(c) else c for c in text) or " "


def _invisible(c: str) -> bool:
    import unicodedata
    return unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


#: Rendering settings read by Mermaid itself (a directive, so it travels with the text).
INIT = ('%%{init: {"flowchart": {"useMaxWidth": false, "htmlLabels": true, "nodeSpacing": 30, '
        '"rankSpacing": 36, "wrappingWidth": 200}, "themeVariables": {"fontSize": "14px"}}}%%')
WRAP = 24


def wrap(text: str, width: int = WRAP) -> str:
    """An escaped label with line breaks (``<br>``) every ~``width`` characters, at spaces."""
    return "<br>".join(escape(line) for line in word_lines(text, width)) or " "


def stable_ids(ids: list[str]) -> dict[str, str]:
    """Mermaid node ids from the workflow's ids (never positional), unique and syntax-safe."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for nid in ids:
        base = "n_" + "".join(c if c.isalnum() else "_" for c in nid)
        cand, k = base, 2
        while cand in used:
            cand, k = f"{base}_{k}", k + 1
        used.add(cand)
        out[nid] = cand
    return out


def workflow_mermaid(wf: "RecoveryWorkflow") -> str:
    """The workflow as a Mermaid ``flowchart TD`` in UML activity notation."""
    mid = stable_ids([n.id for n in wf.nodes])
    lines = ["flowchart TD", INIT]

    def node_line(n) -> str:
        shape, cls = _SHAPES[n.kind]
        label = {"initial": " ", "activity_final": " ", "flow_final": "X",
                 "fork": " ", "join": " ", "merge": n.label or " "}.get(n.kind, n.label or n.id)
        return f"{mid[n.id]}{shape.format(wrap(label))}:::{cls}"

    in_partition = {p.id: [n for n in wf.nodes if n.partition == p.id] for p in wf.partitions}
    for i, p in enumerate(wf.partitions):
        members = in_partition[p.id]
        if not members:
            continue
        lines.append(f'  subgraph p{i}["{escape(p.label)}"]')
        lines.append("    direction TB")
        lines += [f"    {node_line(n)}" for n in members]
        lines.append("  end")
    lines += [f"  {node_line(n)}" for n in wf.nodes if n.partition is None or n.partition not in in_partition]

    for e in wf.edges:
        if e.source not in mid or e.target not in mid:
            continue
        label = e.label
        arrow = f'-->|"{wrap(label)}"|' if label else "-->"
        lines.append(f"  {mid[e.source]} {arrow} {mid[e.target]}")
    lines += [f"  {s}" for s in _STYLES]
    return "\n".join(lines)
