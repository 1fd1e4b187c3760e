"""Prose against numbers: every "$X per 1M", "N ms" and "N%" a design states in free text
must be a number the matrix, the SLO or the simulation gives.

Incident records and runbooks narrate observations and thresholds of their own, so only the
fields that make design claims are read: the product description, mitigation notes,
triggers, path efforts and workflow labels. A claim that calls itself simulated is checked
only when simulated numbers are supplied.
"""

from __future__ import annotations

import re

from .context import Review
from .registry import checker

check = checker("consistency")
_N = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
_DOLLARS = re.compile(r"\$\s?" + _N + r"\s*(k|m)?\s*(?:per|/|a|for)\s*(?:1\s*m|1,000,000|million|1m)\b", re.IGNORECASE)
_MS = re.compile(r"(?<![\w.])" + _N + r"\s*(ms|milliseconds?|s|seconds?)\b(?!\s*(?:of|per)\s+(?:the\s+)?(?:day|hour|(?:peak\s+)?traffic))",
                 re.IGNORECASE)
_PCT = re.compile(r"(?<![\w.])" + _N + r"\s*%")
_SIMULATED = re.compile(r"\bsimulat", re.IGNORECASE)
#: field → which kinds of number it is held to, and whether a sentence must name a design element
#: first. Triggers describe the world (a supplier API's 6 s p99) and incidents what happened, so
#: neither is read; the product description and runbooks mix facts of the world ("a line that
#: starts after 900 ms feels like lag") with claims, so only sentences naming the design count.
CLAIM_FIELDS = [(re.compile(r"^context\.description$"), {"usd", "ms", "pct"}, True),
                (re.compile(r"^taxonomy\.modes\[\d+\]\.trigger$"), {"usd", "ms"}, "narrow"),
                (re.compile(r"^taxonomy\.modes\[\d+\]\.mitigation\.note$"), {"usd", "ms", "pct"}, False),
                (re.compile(r"^taxonomy\.modes\[\d+\]\.user_effect$"), {"usd", "ms", "pct"}, True),
                (re.compile(r"^taxonomy\.modes\[\d+\]\.runbook\.steps\[\d+\]$"), {"usd", "ms"}, True),
                (re.compile(r"^postmortem\.action_items\[\d+\]\.title$"), {"usd"}, "narrow"),
                (re.compile(r"^matrix\.paths\[\d+\]\.effort$"), {"usd", "ms", "pct"}, False),
                (re.compile(r"^workflow\.nodes\[\d+\]\.label$"), {"ms"}, False)]
_DESIGN_WORDS = (r"timeouts?|p50|p95|p99(?:\.9)?|median|slo|deadline|cache[sd]?|fallbacks?|primary|rule engine|retr(?:y|ies)|"
                 r"hedges?|breaker|chain|worst[- ]case|blended|costs?|budget")
#: how close (characters) a design word must stand to a number in a gated field for the number to be a claim
NEAR_CHARS = 30
#: triggers quote the world's percentiles (a supplier's p99): only the design's own settings make a claim there
_NARROW_WORDS = r"timeouts?|deadline|slo|cache[sd]?|fallbacks?|breaker|retr(?:y|ies)|hedges?|budget"
_TOKENS = re.compile(r"^\s*(input |output |prompt |completion )?tokens\b", re.IGNORECASE)


def _val(whole: str, frac: str) -> float:
    return float(whole.replace(",", "") + (f".{frac}" if frac else ""))


def _close(x: float, known: set[float], rel: float = 0.02, absolute: float = 0.5) -> bool:
    return any(abs(x - k) <= max(rel * abs(k), absolute) for k in known)


@check("prose-number-mismatch", "warning", "prose_numbers",
       "a number in free text the design's own numbers contradict",
       "a reviewer who checks one number and finds it wrong stops trusting the rest")
def prose(ctx: Review) -> None:
    known = ctx.known_numbers()
    names = [re.escape(p.id.replace("_", " ")) for p in ctx.design.matrix.paths] + \
            [re.escape(p.id) for p in ctx.design.matrix.paths]
    designish = re.compile(r"\b(" + "|".join([_DESIGN_WORDS] + names) + r")\b", re.IGNORECASE)
    narrow = re.compile(r"\b(" + _NARROW_WORDS + r")\b", re.IGNORECASE)
    bad = 0
    for loc, text in ctx.texts:
        rule = next(((k, gate) for pat, k, gate in CLAIM_FIELDS if pat.match(loc)), None)
        if rule is None:
            continue
        kinds, gated = rule
        for sentence in re.split(r"(?<=[.;!?])\s+", text):
            if _SIMULATED.search(sentence) and ctx.sim is None:
                continue

            def claim(m):
                if not gated:
                    return True
                pat = narrow if gated == "narrow" else designish
                return bool(pat.search(sentence[max(0, m.start() - NEAR_CHARS):m.end() + NEAR_CHARS]))
            for m in (x for x in _DOLLARS.finditer(sentence) if claim(x)) if "usd" in kinds else ():
                if _TOKENS.match(sentence[m.end():]):
                    continue   # a token price, not a cost per call
                v = _val(m.group(1), m.group(2)) * {"k": 1e3, "m": 1e6}.get((m.group(3) or "").lower(), 1)
                if not _close(v, known["usd"], 0.02, 0.01):
                    bad += 1
                    ctx.find("prose-number-mismatch", loc,
                             f"states {m.group(0).strip()!r}, but no cost in the design is ${v:,.2f} per 1M "
                             f"(blended {ctx.cost_text()})",
                             f"quote the computed figure ({ctx.cost_text()}) or correct the path's cost_per_1m_usd")
            for m in (x for x in _MS.finditer(sentence) if claim(x)) if "ms" in kinds else ():
                v = _val(m.group(1), m.group(2)) * (1000 if m.group(3).lower().startswith("s") else 1)
                if not _close(v, known["ms"], 0.02, 1.0):
                    bad += 1
                    ctx.find("prose-number-mismatch", loc,
                             f"states {m.group(0).strip()!r}, but no latency, timeout, deadline or SLO in the design is "
                             f"{v:,.0f} ms",
                             "quote a number the matrix states or computes (a path's p50/p99, timeout, the deadline left, "
                             f"the worst-case chain {ctx.worst_text()}), or correct the matrix")
            subject = _subject(ctx, sentence)
            for m in (x for x in _PCT.finditer(sentence) if claim(x)) if "pct" in kinds else ():
                v = _val(m.group(1), m.group(2))
                pool = known["pct"] if subject is None else _path_pcts(ctx, subject)
                if not _close(v, pool, 0.02, 0.05):
                    bad += 1
                    ctx.find("prose-number-mismatch", loc,
                             f"states {m.group(0).strip()!r}, but no share, rate or coverage in the design is {v:g}%",
                             "quote a share the design states or computes (coverage, served share, error rate, SLO, "
                             "retry budget), or correct it")
    ctx.ev("consistency", bad == 0, f"{bad} numbers in free text that the design's numbers contradict", "(free text)")


_KIND_WORDS = {"cache": "cache", "rule engine": "rule_engine", "rules": "rule_engine", "static": "static_response",
               "primary": "primary", "human": "human"}


def _subject(ctx: Review, sentence: str):
    """The one path a sentence is about (named by id, or by a kind only one path has), else None."""
    paths = ctx.design.matrix.paths
    low = sentence.lower()
    named = {p.id for p in paths if re.search(r"\b" + re.escape(p.id.lower().replace("_", " ")) + r"\b", low.replace("_", " "))}
    for word, kind in _KIND_WORDS.items():
        of_kind = [p.id for p in paths if p.kind == kind]
        if len(of_kind) == 1 and re.search(r"\b" + word + r"\b", low):
            named.add(of_kind[0])
    return next(iter(named)) if len(named) == 1 else None


def _path_pcts(ctx: Review, pid: str) -> set[float]:
    """The shares a sentence about one path may quote: its coverage, error rate, share and reach, and the SLO's."""
    d, b = ctx.design, ctx.budget
    p = d.matrix.path(pid)
    slo = d.context.slo
    out = {p.coverage_pct, 100 * p.error_rate, 100 * abs(p.quality_delta), slo.percentile, 100 - slo.percentile,
           d.matrix.retry_budget_pct, 0.0, 100.0}
    out.update(100 - q for q, v in ((50, p.latency.p50_ms), (95, p.latency.p95_ms), (99, p.latency.p99_ms)) if v is not None)
    if p.circuit_breaker:
        out.add(100 * p.circuit_breaker.failure_rate_threshold)
    row = next((r for r in b.rows if r.id == pid), None) if b else None
    if row is not None:
        out.update((100 * row.share, 100 * row.reach, 100 * (row.reach - row.share), 100 * (row.share / row.reach if row.reach else 0)))
    if ctx.sim is not None and pid in ctx.sim.path_share:
        out.add(100 * ctx.sim.path_share[pid])
    for m in d.taxonomy.modes:
        if m.mitigation.path == pid or m.occurs_on == pid:
            out.add(100 * m.occurrence)
    return out
