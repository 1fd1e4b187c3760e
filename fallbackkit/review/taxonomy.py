"""Taxonomy coverage: enough modes, every core category."""

from __future__ import annotations

from ..display import pct
from .context import Review
from .registry import checker
from .vocabulary import CORE_CATEGORIES

check = checker("taxonomy")


@check("too-few-modes", "blocking", "consistency", "fewer than five failure modes")
@check("category-gap", "warning", "consistency", "a core failure category is missing")
def taxonomy(ctx: Review) -> None:
    d, col = ctx.design, ctx
    modes = d.taxonomy.modes
    col.ev("taxonomy", len(modes) >= 5, f"{len(modes)} failure modes (≥ 5 expected)", "taxonomy.modes")
    if len(modes) < 5:
        col.find("too-few-modes", "taxonomy.modes", f"has {len(modes)} failure modes; a committee expects at least 5",
                 "add the missing modes: latency breach, confidence drop, policy violation, rate limit (429), "
                 "dependency failure (5xx), each with severity, detection, mitigation, runbook and owner")
    cats = {m.category for m in modes}
    missing = [c for c in CORE_CATEGORIES if c not in cats]
    col.ev("taxonomy", not missing, f"core categories covered: {len(CORE_CATEGORIES) - len(missing)}/{len(CORE_CATEGORIES)}"
           + (f" (missing {', '.join(missing)})" if missing else ""), "taxonomy.modes[*].category")
    if missing and len(modes) >= 5:
        col.find("category-gap", "taxonomy.modes", f"no failure mode in categories {', '.join(missing)}",
                 f"add a mode for each of {', '.join(missing)} or say why the product cannot fail that way")
    grounded = [m for m in modes if m.trigger and m.user_effect]
    col.ev("taxonomy", modes and len(grounded) == len(modes),
           f"{len(grounded)}/{len(modes)} modes state a trigger and the user's experience", "taxonomy.modes[*].trigger")
    rated = [m for m in modes if m.occurrence > 0]
    col.ev("taxonomy", modes and len(rated) == len(modes),
           f"{len(rated)}/{len(modes)} modes have an occurrence rate > 0", "taxonomy.modes[*].occurrence")
    if modes:
        exp = sum(m.occurrence for m in modes)
        col.ev("taxonomy", exp < 1, f"modes hit {pct(exp)} of requests in total (declared)", "taxonomy.modes[*].occurrence")
    cited = [m for m in modes if m.references]
    col.ev("taxonomy", modes and len(cited) >= len(modes) / 2,
           f"{len(cited)}/{len(modes)} modes cite a reference (status code, OWASP entry, SLO)", "taxonomy.modes[*].references")
