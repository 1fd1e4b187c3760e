"""Taxonomy questions: the riskiest mode, the hardest to detect, coverage, P1 vs P2."""

from __future__ import annotations

from ..display import pct
from ..review import CORE_CATEGORIES
from .questions import Draft


def questions(q: Draft) -> None:
    """Add this artifact's trade-off questions to ``q``."""
    d, add = q.design, q.add
    modes = d.taxonomy.modes
    levels = {k: v for k, v in d.taxonomy.severity_levels.items()}
    if modes:
        weight = {"P0": 1000, "P1": 100, "P2": 10, "P3": 1}
        risky = max(modes, key=lambda m: weight.get(m.severity, 0) * m.occurrence)
        i = modes.index(risky)
        sev = risky.severity
        add("taxonomy.riskiest-mode",
            f"Walk me through '{risky.name}' ({sev}): how is it detected, how soon is someone paged, what does the user see?",
            f"detection: {q.flagged(f'taxonomy.modes[{i}].detection', risky.detection)}; runbook {risky.runbook.id} "
            f"'{risky.runbook.title}'; owner {q.flagged(f'taxonomy.modes[{i}].owner', risky.owner)}; "
            f"user sees: {risky.user_effect or '?'}; hits {100 * risky.occurrence:g}% of requests.", "severity")
        hidden = max(modes, key=lambda m: m.detectability)
        add("taxonomy.hardest-to-detect",
            f"'{hidden.name}' is your hardest mode to detect ({hidden.detectability}/10). What would catch it sooner?",
            f"today: {hidden.detection}; a canary prompt set, an evaluator score or a synthetic probe cuts time to detect.",
            "severity", proposal=True)
    if modes:
        cats = sorted({m.category for m in modes})
        missing = [c for c in CORE_CATEGORIES if c not in cats]
        add("taxonomy.coverage",
            "Which failure mode did you leave out, and why is it safe to leave out?",
            f"{len(modes)} modes over categories {', '.join(cats)}"
            + (f"; missing core categories: {', '.join(missing)}" if missing else "; all five core categories covered")
            + f"; together they hit {pct(sum(m.occurrence for m in modes))} of requests (declared).", "taxonomy")
    if "P1" in levels and "P2" in levels:
        add("taxonomy.p1-vs-p2", "What makes a P1 a P1 rather than a P2? Name the metric and the window.",
            f"P1: {levels['P1'].criterion}. P2: {levels['P2'].criterion}.", "severity")
