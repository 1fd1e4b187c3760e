"""The blameless post-mortem document (SRE template fields, Markdown) of one incident."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..display import esc_md, md_paragraphs, md_quote, minutes
from .lifecycle import (
    CATEGORY_TO_TAXONOMY,
    SHORT_CITATION,
    STAGES,
    _impact_int,
    _impact_name,
    _text,
)


@dataclass
class PostMortemDocument:
    """A blameless post-mortem draft, one section per SRE template field, as Markdown."""

    title: str
    header: list[tuple[str, str]]
    sections: dict[str, str]

    def to_markdown(self) -> str:
        out = [f"# Post-mortem: {esc_md(self.title)}", "", "| field | value |", "|---|---|"]
        out += [f"| {esc_md(k)} | {esc_md(v)} |" for k, v in self.header]
        for name, body in self.sections.items():
            out += ["", f"## {name.replace('_', ' ').capitalize()}", "", body.strip() or "_TODO_"]
        return "\n".join(out) + "\n"

    def to_text(self) -> str:
        return self.to_markdown()

    def save(self, path: str | os.PathLike) -> str:
        from ..files import atomic_write_text
        return str(atomic_write_text(path, self.to_markdown()))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_markdown(), "text/markdown": self.to_markdown()}


def postmortem_document(incident, design=None) -> PostMortemDocument:
    """A post-mortem draft from a log incident (``IncidentLog.incident(id)``) or a design's
    ``IncidentRecord``, in the SRE template's fields (the design's ``postmortem.template``
    order when a design is given). Fields the record cannot supply say TODO."""
    from ..postmortem import SRE_TEMPLATE, IncidentRecord
    template = list(design.postmortem.template) if design is not None else list(SRE_TEMPLATE)
    if isinstance(incident, IncidentRecord):
        return _doc_from_record(incident, design, template)
    return _doc_from_log(incident, design, template)


def _matching_modes(design, category: str) -> list:
    if design is None:
        return []
    tax = CATEGORY_TO_TAXONOMY.get(category, "other")
    return [m for m in design.taxonomy.modes if m.category == tax]


def _targets(design) -> dict[str, float]:
    if design is None:
        return {}
    return {m.name: m.target_median_min for m in design.postmortem.metrics if m.target_median_min}


def _doc_from_log(inc: dict, design, template: list[str]) -> PostMortemDocument:
    import pandas as pd
    comps = ", ".join(inc["components"]) or "not stated"
    imp = inc["impact"]
    imp = _impact_int(imp)
    impact_name = _impact_name(imp) or "unknown"
    modes = _matching_modes(design, inc["category"])
    ttr = inc.get("time_to_resolve")
    stamp = lambda s: inc[s].strftime("%Y-%m-%d %H:%M UTC") if pd.notna(inc[s]) else None
    first = next((s for s in STAGES if pd.notna(inc[s])), None)
    header = [("incident", inc["id"]), ("provider", inc["provider"]), ("components", comps),
              ("impact", f"{impact_name} ({imp})" if impact_name != "unknown" else "unknown"),
              ("category", f"{inc['category']} → {CATEGORY_TO_TAXONOMY.get(inc['category'], 'other')}"),
              ("status", "resolved" if pd.notna(inc["resolved"]) else "unresolved"),
              ("source", SHORT_CITATION)]
    s: dict[str, str] = {}
    comps_md, prov_md = esc_md(comps), esc_md(inc["provider"])
    s["summary"] = (f"{prov_md} reported **{esc_md(inc['title'])}** ({impact_name} impact) on {comps_md}, "
                    f"first posted {stamp(first) if first else 'at an unknown time'}; time to resolve {minutes(ttr)}.")
    s["impact"] = (f"Impact level {impact_name} on {comps_md}. Users of a product depending on these components "
                   f"would have been on the fallback chain for {minutes(ttr)}"
                   + (" (time to resolve is missing: the page only recorded the resolution)." if ttr is None or ttr != ttr else "."))
    pm = _text(inc.get("postmortem_description"))
    ident = _text(inc.get("identified_description"))
    s["root_causes"] = (md_quote(pm) if pm else (md_quote(ident) + "\n\nTODO: the identified update names the symptom, not the root cause."
                                             if ident else "TODO: not stated on the status page."))
    s["trigger"] = "TODO: not stated on the status page." if not pm else "See the provider's post-mortem above."
    res = [f"- {st}: {md_quote(inc[f'{st}_description'])[2:]}" for st in ("monitoring", "resolved") if _text(inc.get(f"{st}_description"))]
    if modes:
        res.append("- Fallback design: " + "; ".join(f"mode `{m.id}` ({m.severity}) → path `{m.mitigation.path}`"
                                                     + (f" ({esc_md(m.mitigation.note)})" if m.mitigation.note else "") for m in modes))
    s["resolution"] = "\n".join(res) or "TODO"
    s["detection"] = _log_detection(inc, modes)
    items = []
    if design is not None:
        ids = {m.id for m in modes}
        items = [a for a in design.postmortem.action_items if a.failure_mode in ids or a.incident == inc["id"]]
    lines = _action_table(items)
    if not items:
        lines += [f"| TODO | detect | {esc_md(m.owner)} | | open | Alert on {esc_md(str(m.detection))} |" for m in modes] or ["| TODO | investigate | | | open | Find the root cause |"]
    s["action_items"] = "\n".join(lines)
    lessons = []
    targets = _targets(design)
    if "time_to_resolve" in targets and ttr is not None and ttr == ttr:
        t = targets["time_to_resolve"]
        lessons.append(f"Time to resolve {minutes(ttr)} is {'over' if ttr > t else 'within'} the loop's median target of {minutes(t)}.")
    if not modes and design is not None:
        lessons.append(f"No failure mode of the taxonomy covers `{CATEGORY_TO_TAXONOMY.get(inc['category'], 'other')}`: consider adding one.")
    lessons.append("TODO: what went well, what went wrong, where we got lucky.")
    s["lessons_learned"] = "\n".join(f"- {x}" for x in lessons)
    s["timeline"] = _log_timeline(inc, stamp)
    return PostMortemDocument(f"{inc['title']} ({inc['id']})", header, {k: s[k] for k in template if k in s})


def _log_detection(inc: dict, modes) -> str:
    """How the incident was found: the stage durations, the first update, the design's alerts."""
    det = [f"- time to identify: {minutes(inc.get('time_to_identify'))}",
           f"- time to repair: {minutes(inc.get('time_to_repair'))}",
           f"- time to verify: {minutes(inc.get('time_to_verify'))}"]
    if _text(inc.get("investigating_description")):
        det.append(f"- first update: {md_quote(inc['investigating_description'])[2:]}")
    for m in modes:
        det.append(f"- the design detects `{m.id}` with {esc_md(m.detection)} (runbook {m.runbook.id}: {esc_md(m.runbook.title)})")
    return "\n".join(det)


def _log_timeline(inc: dict, stamp) -> str:
    """The status-page updates as a table, one row a stage (long updates cut at 200 characters)."""
    import pandas as pd
    tl = ["| at (UTC) | stage | update |", "|---|---|---|"]
    for st in STAGES:
        if pd.notna(inc[st]):
            desc = _text(inc.get(f"{st}_description"))
            desc = desc if len(desc) <= 200 else desc[:197] + "…"
            tl.append(f"| {stamp(st)} | {st} | {esc_md(desc)} |")
    return "\n".join(tl)


def _doc_from_record(inc, design, template: list[str]) -> PostMortemDocument:
    modes = [m for m in design.taxonomy.modes if m.id == inc.failure_mode] if design is not None else []
    header = [("incident", inc.id), ("severity", inc.severity), ("failure mode", inc.failure_mode or "not linked"),
              ("started", inc.started.isoformat()), ("resolved", inc.resolved.isoformat() if inc.resolved else "unresolved")]
    s = {"summary": md_paragraphs(inc.summary) or f"{esc_md(inc.title)}.", "impact": md_paragraphs(inc.impact),
         "root_causes": "\n".join(f"- {esc_md(c)}" for c in inc.root_causes), "trigger": md_paragraphs(inc.trigger),
         "resolution": md_paragraphs(inc.resolution) + "".join(f"\n\nFallback design: mode `{m.id}` → path `{m.mitigation.path}`" for m in modes),
         "detection": "\n".join([md_paragraphs(inc.detection) + "\n" if inc.detection else ""] + [f"- {name}: {minutes(inc.minutes(name))}" for name in
                                                    ("time_to_detect", "time_to_acknowledge", "time_to_mitigate", "time_to_resolve")]),
         "lessons_learned": "\n".join(f"- {esc_md(x)}" for x in inc.lessons_learned),
         "timeline": "\n".join(["| at | event |", "|---|---|"] + [f"| {e.at.isoformat()} | {esc_md(e.event)} |" for e in inc.timeline])}
    items = [a for a in design.postmortem.action_items if a.incident == inc.id] if design is not None else []
    s["action_items"] = "\n".join(_action_table(items))
    return PostMortemDocument(f"{inc.title} ({inc.id})", header, {k: s.get(k, "") for k in template})


def _action_table(items) -> list[str]:
    """The action items as Markdown table lines (header, rule, one row an item)."""
    return (["| id | type | owner | due | status | title |", "|---|---|---|---|---|---|"]
            + [f"| {a.id} | {a.type} | {esc_md(a.owner)} | {a.due} | {a.status} | {esc_md(a.title)} |" for a in items])
