"""Correlated failure: a fallback that shares the primary's provider or region fails with it.

An outage mitigation on the same provider is no mitigation, the most common blind spot in
real designs. The provider comes from the path's ``provider`` field or its model id
(:mod:`~fallbackkit.review.providers`); the region only from ``region``.
"""

from __future__ import annotations

from ..matrix import PathKind
from ..taxonomy import Category
from .context import Review
from .providers import provider_of
from .registry import checker
from .vocabulary import PROVIDER_KINDS

check = checker("fault_tolerance")
#: failure categories a fallback on the same provider or region shares with the primary
SHARED_OUTAGES = {Category.provider_outage.value, Category.dependency_failure.value, Category.resource_exhaustion.value}


@check("shared-provider", "warning", "correlated_failure",
       "fallback served by the primary's provider",
       "a provider outage, quota or rate limit takes the primary and this fallback down together")
@check("shared-region", "warning", "correlated_failure",
       "fallback in the primary's region",
       "a regional outage takes the primary and this fallback down together")
def correlation(ctx: Review) -> None:
    d = ctx.design
    paths = d.matrix.paths
    prim_i = next((i for i, p in enumerate(paths) if p.kind == PathKind.primary.value), None)
    if prim_i is None:
        return
    prim = paths[prim_i]
    prov, _ = provider_of(prim)
    outage_for = _outage_mitigations(ctx)
    independent = 0
    llm_fallbacks = 0
    for i, p in enumerate(paths):
        if i == prim_i or p.kind not in PROVIDER_KINDS or p.kind == PathKind.retry.value:
            continue
        llm_fallbacks += 1
        fb_prov, field = provider_of(p)
        shared = prov is not None and fb_prov == prov
        modes = outage_for.get(p.id, [])
        if shared:
            hard = p.kind == PathKind.alternate_provider.value or bool(modes)
            why = (f"it is the mitigation of {', '.join(modes)}" if modes else
                   "it is declared an alternate provider" if p.kind == PathKind.alternate_provider.value else
                   "it covers model-specific failures only")
            ctx.find("shared-provider", f"matrix.paths[{i}].{field}",
                     f"fallback {p.id!r} is served by {fb_prov}, the primary's provider ({why}): a {fb_prov} outage, "
                     "quota or rate limit takes both down together",
                     f"serve {p.id!r} from another provider (e.g. {_other(prov)}) or add one that is, and route "
                     f"{', '.join(modes) or 'provider outages'} to it; keep {p.id!r} for model-specific failures",
                     severity="blocking" if hard else None)
        elif prim.region and p.region and prim.region.strip().lower() == p.region.strip().lower():
            ctx.find("shared-region", f"matrix.paths[{i}].region",
                     f"fallback {p.id!r} runs in {p.region}, the primary's region: a regional outage takes both down"
                     + (f"; it is the mitigation of {', '.join(modes)}" if modes else ""),
                     f"deploy {p.id!r} in another region than {prim.region}",
                     severity="blocking" if modes else None)
        else:
            independent += 1
    if llm_fallbacks:
        ctx.ev("fault_tolerance", independent == llm_fallbacks,
               f"{independent}/{llm_fallbacks} model fallbacks independent of the primary's provider ({prov or 'unknown'}) "
               "and region", "matrix.paths[*].provider")


def _outage_mitigations(ctx: Review) -> dict[str, list[str]]:
    """Path id → ids of outage-like modes (outage, 5xx, 429) whose mitigation or workflow route reaches it."""
    out: dict[str, list[str]] = {}
    wf = ctx.design.workflow
    for m in ctx.design.taxonomy.modes:
        if m.category in SHARED_OUTAGES:
            for pid in dict.fromkeys([m.mitigation.path] + wf.mode_route(m.id)):
                out.setdefault(pid, []).append(m.id)
    return out


def _other(prov: str | None) -> str:
    return "anthropic" if prov in ("openai", "azure") else "openai"
