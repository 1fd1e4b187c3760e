"""Free text in a design: where it is, which claims carry no number, what a pager can evaluate."""

from __future__ import annotations

import re

from ..design import Design

PLACEHOLDERS = {"", "tbd", "todo", "tba", "n/a", "na", "none", "unknown", "unassigned", "?", "-", "someone", "team"}

_VAGUE = re.compile(
    r"\b(improves?|improved|improving|boosts?|enhances?|increases?)\s+(the\s+)?(overall\s+)?"
    r"(reliability|resilience|robustness|availability|performance|latency|quality|user experience|ux)\b"
    r"|\b(faster|cheaper|quicker|slower|more reliable|more robust|more resilient|more available|better)\b"
    r"|\b(reduces?|lowers?|cuts?|decreases?|minimi[sz]es?)\s+(the\s+)?(overall\s+)?(latency|costs?|risk|errors?|failures?|downtime)\b"
    r"|\b(low|minimal|negligible|high|great)\s+(cost|latency|availability|reliability)\b"
    r"|\bhighly available\b|\b(robust|resilient|scalable|seamless(ly)?|significantly|drastically|dramatically|blazing)\b"
    r"|\b(bullet-?proof|battle-tested|enterprise-grade|world-class|best-in-class|lightning[- ]fast|near[- ]zero|"
    r"zero[- ]downtime|always[- ]on|always available|never (fails|goes down)|fault[- ]tolerant|self-healing|"
    r"gracefully|effortless(ly)?|state[- ]of[- ]the[- ]art|cutting[- ]edge|rock[- ]solid|instant(ly|aneous)?)\b",
    re.IGNORECASE)
#: A number in prose: a digit not glued to a preceding letter ('P1', 'p99', 'GPT4' are names, not numbers).
NUMBER = re.compile(r"(?<![A-Za-z\d.])\d")
INTERNAL = re.compile(
    r"\b(context|taxonomy|matrix|workflow|postmortem)\.(paths|modes|nodes|edges|incidents|action_items|slo|"
    r"severity_levels|traffic|metrics|partitions)\b|\b(paths|modes|nodes|edges|incidents|action_items)\[\d+\]"
    r"|\b(see|per|in) (the )?(matrix|taxonomy|workflow|post-?mortem)('s)? (row|line|section|table|page|node|entry) ?\d*",
    re.IGNORECASE)
MAX_WORDS = 80


def unquantified_claims(text: str) -> list[str]:
    """Sentences of ``text`` that make a comparative claim with no number in them.

    >>> unquantified_claims("Fallback improves reliability. The cache answers 70% at 30 ms.")
    ['Fallback improves reliability.']
    """
    out = []
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", text or ""):
        s = sentence.strip()
        if s and _VAGUE.search(s) and not NUMBER.search(s):
            out.append(s)
    return out


def free_text(design: Design) -> list[tuple[str, str]]:
    """Every free-text field of the design, as (field path, text)."""
    out: list[tuple[str, str]] = [("context.description", design.context.description)]
    for k, lvl in design.taxonomy.severity_levels.items():
        out.append((f"taxonomy.severity_levels.{k}.response", lvl.response))
    for i, m in enumerate(design.taxonomy.modes):
        base = f"taxonomy.modes[{i}]"
        out += [(f"{base}.name", m.name), (f"{base}.trigger", m.trigger), (f"{base}.user_effect", m.user_effect),
                (f"{base}.mitigation.note", m.mitigation.note), (f"{base}.runbook.title", m.runbook.title)]
        out += [(f"{base}.runbook.steps[{j}]", s) for j, s in enumerate(m.runbook.steps)]
    for i, p in enumerate(design.matrix.paths):
        out += [(f"matrix.paths[{i}].name", p.name), (f"matrix.paths[{i}].effort", p.effort)]
    for i, n in enumerate(design.workflow.nodes):
        out.append((f"workflow.nodes[{i}].label", n.label))
    pm = design.postmortem
    out += [(f"postmortem.triggers[{i}]", t) for i, t in enumerate(pm.triggers)]
    out += [(f"postmortem.action_items[{i}].title", a.title) for i, a in enumerate(pm.action_items)]
    for i, inc in enumerate(pm.incidents):
        base = f"postmortem.incidents[{i}]"
        out += [(f"{base}.{k}", getattr(inc, k)) for k in ("summary", "impact", "trigger", "resolution", "detection")]
        out += [(f"{base}.lessons_learned[{j}]", s) for j, s in enumerate(inc.lessons_learned)]
        out += [(f"{base}.root_causes[{j}]", s) for j, s in enumerate(inc.root_causes)]
    return [(loc, t) for loc, t in out if t]




def placeholder(text: str | None) -> bool:
    return (text or "").strip().lower().strip(".") in PLACEHOLDERS


_METRIC_WORDS = re.compile(r"[<>≤≥%]|\b(over|within|per|rate|ms|min|minutes?|h|hours?|days?|burn|attainment|any)\b",
                           re.IGNORECASE)


_ANY_EVENT = re.compile(r"\bany\s+\w+", re.IGNORECASE)


def metric_driven(criterion: str) -> bool:
    """A severity definition a pager could evaluate: a number with a threshold or window,
    or a count threshold of zero ('any unsafe answer served to a user')."""
    text = criterion or ""
    return (bool(NUMBER.search(text)) and bool(_METRIC_WORDS.search(text))) or bool(_ANY_EVENT.search(text))
