"""Taxonomy feedback: what real incidents say about a failure taxonomy's modes and occurrence rates."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .lifecycle import CATEGORY_TO_TAXONOMY, IMPACT_NAMES, IMPACT_SEVERITY, _json_row

if TYPE_CHECKING:
    from .log import IncidentLog


class TaxonomyFeedback:
    """What real incidents say about a failure taxonomy.

    For each incident category: incidents, incidents per week, and the share of the observed
    time spent inside such an incident (sum of times to resolve / (span × providers)). That
    share is an *upper bound* on a per-request occurrence — it assumes every request in the
    window failed — and is compared with each matching mode's declared ``occurrence``.
    Categories no mode covers become proposed modes; modes whose category never occurred
    are flagged (keep them only with other evidence, e.g. your own gateway logs).
    """

    def __init__(self, categories: list[dict], never_occurred: list[dict], proposed: list[dict], span_weeks: float, n: int):
        self.categories, self.never_occurred, self.proposed = categories, never_occurred, proposed
        self.span_weeks, self.n = span_weeks, n

    @classmethod
    def build(cls, log: IncidentLog, taxonomy) -> "TaxonomyFeedback":
        import pandas as pd
        df = log.frame
        dur = log.durations()
        starts = df["start"].dropna()
        ends = pd.concat([df["resolved"].dropna(), starts])
        span_min = (ends.max() - starts.min()).total_seconds() / 60 if len(starts) else 0.0
        span_min = max(span_min, 1.0)
        n_prov = max(df["provider"].nunique(), 1)
        span_weeks = span_min / (7 * 24 * 60)
        modes_by_cat: dict[str, list] = {}
        for m in taxonomy.modes:
            modes_by_cat.setdefault(m.category, []).append(m)
        cats = []
        seen_tax = set()
        for name, grp in df.groupby("category", sort=True):
            tax_cat = CATEGORY_TO_TAXONOMY.get(name, "other")
            seen_tax.add(tax_cat)
            ttr = dur.loc[grp.index, "time_to_resolve"].dropna()
            share = float(ttr.sum()) / (span_min * n_prov)
            modes = modes_by_cat.get(tax_cat, [])
            if not modes:
                verdict = "no mode: proposed"
            elif any(m.occurrence < share for m in modes):
                low = [m.id for m in modes if m.occurrence < share]
                verdict = f"declared occurrence below observed for {', '.join(low)}"
            else:
                verdict = "covered"
            impacts = grp["impact"].dropna().astype(int)
            cats.append({"category": name, "taxonomy_category": tax_cat, "incidents": len(grp),
                         "per_week": len(grp) / span_weeks / n_prov if span_weeks else None,
                         "measured": len(ttr), "time_share": share,
                         "median_impact": IMPACT_NAMES.get(int(impacts.median()), "") if len(impacts) else "",
                         "modes": ", ".join(m.id for m in modes),
                         "declared": ", ".join(f"{m.occurrence:g}" for m in modes), "verdict": verdict,
                         "examples": "; ".join(list(dict.fromkeys(grp["title"]))[:2])})
        cats.sort(key=lambda r: -r["incidents"])
        never = [{"mode": m.id, "category": m.category, "declared": m.occurrence,
                  "note": f"no {m.category} incident among {len(df)} over {span_weeks:.0f} weeks"}
                 for m in taxonomy.modes if m.category not in seen_tax]
        proposed = []
        for r in cats:
            if r["modes"] or r["category"] == "other":
                continue  # covered, or too mixed to be one mode
            sub = df[df["category"] == r["category"]]
            impacts = sub["impact"].dropna().astype(int)
            sev = IMPACT_SEVERITY.get(int(impacts.median()), "P2") if len(impacts) else "P2"
            slug = re.sub(r"[^a-z0-9]+", "-", r["category"].lower()).strip("-")
            proposed.append({"id": f"provider-{slug}", "name": f"Provider {r['category']}",
                             "category": r["taxonomy_category"], "severity": sev,
                             "occurrence": round(r["time_share"], 6),
                             "evidence": f"{r['incidents']} incidents, {r['per_week']:.2f}/week per provider; e.g. {r['examples']}",
                             "todo": "detection, mitigation path, runbook and owner"})
        return cls(cats, never, proposed, span_weeks, len(df))

    def to_dict(self) -> dict:
        return {"span_weeks": self.span_weeks, "incidents": self.n, "categories": [_json_row(r) for r in self.categories],
                "never_occurred": self.never_occurred, "proposed": self.proposed}

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.categories).set_index("category")

    def proposed_yaml(self) -> str:
        """The proposed modes as a YAML draft (fields to complete are marked TODO)."""
        from ..files import dump_yaml
        drafts = [{"id": p["id"], "name": p["name"], "category": p["category"],
                   "trigger": f"TODO (evidence: {p['evidence']})",
                   "detection": {"metric": "TODO", "comparator": ">", "threshold": 0, "window": "5m"},
                   "severity": p["severity"], "occurrence": p["occurrence"],
                   "mitigation": {"path": "TODO"}, "runbook": {"id": "TODO", "title": p["name"], "steps": ["TODO"]},
                   "owner": "TODO"} for p in self.proposed]
        return dump_yaml({"modes": drafts})

    def to_text(self) -> str:
        from .. import display
        return "\n".join([
            f"Taxonomy feedback from {self.n} incidents over {self.span_weeks:.0f} weeks",
            display.text_table(self.categories, ["category", "taxonomy_category", "incidents", "per_week", "time_share", "modes", "declared", "verdict"]),
            "Modes that never occurred", display.text_table(self.never_occurred, ["mode", "category", "declared", "note"]),
            "Proposed modes", display.text_table(self.proposed, ["id", "category", "severity", "occurrence", "evidence"])])

    def to_html(self) -> str:
        from .. import display
        return display.section(f"Taxonomy feedback from {self.n} incidents over {self.span_weeks:.0f} weeks",
                               display.html_table(self.categories, ["category", "taxonomy_category", "incidents", "per_week", "time_share", "median_impact", "modes", "declared", "verdict", "examples"])
                               + "<h4>Modes that never occurred</h4>" + display.html_table(self.never_occurred, ["mode", "category", "declared", "note"])
                               + "<h4>Proposed modes</h4>" + display.html_table(self.proposed, ["id", "name", "category", "severity", "occurrence", "evidence", "todo"]))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}
