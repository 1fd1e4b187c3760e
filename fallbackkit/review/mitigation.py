"""What a mitigation means: where a mode is sent, and what repeating a call does.

A policy violation or unsafe answer must not be served from a cache (it answers from what
was said before, not from what is safe now) nor sent back to the path that produced it; a
mode's mitigation cannot be the path it occurs on (the simulator refuses that); and a path
whose calls act on the world (tool calls, payments, bookings, messages) must not be
retried or hedged on a timeout unless repeating it is harmless (``idempotent: true``).
"""

from __future__ import annotations

import re

from ..matrix import PathKind
from ..taxonomy import Category
from .context import Review
from .registry import checker

check = checker("fault_tolerance")
_UNSAFE = re.compile(r"\b(unsafe|safety|moderation|moderated|toxic|harmful|jailbreak|prompt[- ]injection|off-policy|"
                     r"pii|phi|leak\w*|disclos\w*|self-harm|flagged)\b", re.IGNORECASE)
_DUPLICATE = re.compile(r"\b(twice|double[- ]?(charged?|booked|booking|sent|payments?)|duplicate[sd]?|charged again|"
                        r"booked again|sent again)\b", re.IGNORECASE)
_ACTS = re.compile(r"\b(tool[- ]?calls?|book(s|ing)?|pay(s|ment|ments)?|charges?|refunds?|orders?|purchases?|"
                   r"transfers?|sends? (an? )?(email|sms|message)|writes? to|commits?)\b", re.IGNORECASE)
TIMEOUT_CATEGORIES = {Category.latency_breach.value, Category.provider_outage.value}


def unsafe(mode) -> bool:
    """A mode about what the answer says (policy, safety, leaked data), not about when it arrives."""
    return mode.category == Category.policy_violation.value or bool(_UNSAFE.search(f"{mode.name} {mode.trigger}"))


@check("unsafe-to-cache", "blocking", "mitigation_semantics",
       "unsafe or policy-violating output routed to a cache",
       "a cache replays an answer chosen by similarity, not by safety; the flagged conversation gets an unvetted reply")
@check("mitigation-on-failing-path", "blocking", "mitigation_semantics",
       "a mode's mitigation is the path it occurs on",
       "sending a failure back where it happened repeats it; the simulator refuses such a design")
@check("side-effect-retried", "blocking", "mitigation_semantics",
       "side-effecting call retried or hedged without idempotency",
       "a timed-out booking or payment may have happened; repeating it charges or books the customer twice")
@check("side-effects-unmodelled", "warning", "mitigation_semantics",
       "a path that acts on the world does not say so",
       "retry and fallback rules depend on whether a call can be repeated safely")
def mitigation(ctx: Review) -> None:
    d = ctx.design
    paths = {p.id: p for p in d.matrix.paths}
    first = d.matrix.paths[0].id if d.matrix.paths else None
    bad = 0
    for i, m in enumerate(d.taxonomy.modes):
        target = paths.get(m.mitigation.path)
        where = m.occurs_on or first
        loc = f"taxonomy.modes[{i}].mitigation.path"
        if target is None:
            continue
        if unsafe(m) and target.kind == PathKind.cache.value:
            bad += 1
            ctx.find("unsafe-to-cache", loc,
                     f"{m.severity} mode {m.id!r} ({m.category}) is mitigated by the cache {target.id!r}: a flagged "
                     "conversation gets whatever answer was cached for a similar prompt, unvetted",
                     f"route {m.id!r} to a vetted static or template response ({_safe_path(d) or 'add one'}) and never "
                     "cache or replay a flagged conversation")
        elif target.id == where:
            bad += 1
            ctx.find("mitigation-on-failing-path", loc,
                     f"mode {m.id!r} occurs on {where!r} and its mitigation sends it back to {where!r}: the same call "
                     "fails the same way",
                     f"mitigate {m.id!r} with the next path in the chain ({_next_after(d, where) or 'add a fallback'}), "
                     "not the one it happens on")
    ctx.ev("fault_tolerance", bad == 0, f"{len(d.taxonomy.modes) - bad}/{len(d.taxonomy.modes)} modes mitigated by a "
           "path that can answer them (no cache for flagged output, not the failing path)", "taxonomy.modes[*].mitigation.path")
    _side_effects(ctx)


def _side_effects(ctx: Review) -> None:
    d = ctx.design
    incidents = d.postmortem.incidents
    dup = next((inc for inc in incidents if _DUPLICATE.search(" ".join(
        [inc.title, inc.summary, inc.impact, inc.trigger, inc.resolution, *inc.root_causes]))), None)
    for i, p in enumerate(d.matrix.paths):
        repeats = []
        if p.retry and p.retry.max_retries and set(p.retry.on) & TIMEOUT_CATEGORIES:
            repeats.append((f"matrix.paths[{i}].retry", f"retries on {', '.join(sorted(set(p.retry.on) & TIMEOUT_CATEGORIES))}"))
        if p.hedge is not None:
            repeats.append((f"matrix.paths[{i}].hedge", f"hedges after {p.hedge.after_ms:g} ms"))
        llm = p.kind in (PathKind.primary.value, PathKind.alternate_model.value, PathKind.alternate_provider.value)
        acting = p.side_effects or (dup is not None and p.kind == PathKind.primary.value)
        if not acting:
            if llm and _ACTS.search(f"{p.name} {p.effort}"):
                ctx.find("side-effects-unmodelled", f"matrix.paths[{i}].side_effects",
                         f"{p.id!r} reads as acting on the world ({p.name!r}) but side_effects is false",
                         "set side_effects: true, and idempotent: true only if every call carries an idempotency key")
            continue
        if not repeats or p.idempotent is True:
            continue
        loc, what = repeats[0]
        evidence = f"; incident {dup.id} records it: {dup.title!r}" if dup else ""
        ctx.find("side-effect-retried", loc,
                 f"{p.id!r} acts on the world and {what}, and is not idempotent: a call that timed out may have "
                 f"succeeded, so the repeat books or charges twice{evidence}",
                 "send an idempotency key with every call and set idempotent: true, or drop latency_breach from "
                 "retry.on (and the hedge) so a timed-out action is confirmed, not repeated")


def _safe_path(d) -> str | None:
    return next((p.id for p in d.matrix.paths if p.kind in (PathKind.static_response.value, PathKind.rule_engine.value)), None)


def _next_after(d, pid: str) -> str | None:
    ids = d.matrix.ids
    return ids[ids.index(pid) + 1] if pid in ids and ids.index(pid) + 1 < len(ids) else None
