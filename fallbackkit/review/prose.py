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
_DESIGN_WORDS = (r"timeouts?|p50|p95|p99(?:\.9)?|median|percentile|slo|deadline|cache[sd]?|fallbacks?|primary|rule engine|retr(?:y|ies)|"
                 r"hedges?|breaker|chain|worst[- ]case|blended|costs?|budget")
#: how close (characters) a design word must stand to a number in a gated field for the number to be a claim
NEAR_CHARS = 30
#: triggers quote the world's percentiles (a supplier's p99): only the design's own settings make a claim there
_NARROW_WORDS = r"timeouts?|deadline|slo|cache[sd]?|fallbacks?|breaker|retr(?:y|ies)|hedges?|budget"
_TOKENS = re.compile(r"^\s*(input |output |prompt |completion )?tokens\b", re.IGNORECASE)


#: a latency quoted at a percentile ("6 s at p95", "p99 of 800 ms", "median 300 ms") is held to that percentile
_AT_PCT = re.compile(r"\b(?:p(50|90|95|99(?:\.9)?)|(median)|(50|90|95|99(?:\.9)?)(?:th)?[- ]percentile)\b",
                     re.IGNORECASE)
#: a sentence about settings (a timeout at the p99) quotes the setting, not a measured percentile
_SETTINGS = re.compile(r"\b(timeouts?|deadline|hedges?|breaker|cut|cap|budget|slo)\b", re.IGNORECASE)
#: a sentence about a path's contribution to the blend may quote its share-weighted cost
_CONTRIBUTION = re.compile(r"\b(adds?|contribut\w*|blend\w*|weighted|share|in all|total)\b", re.IGNORECASE)
PCT_NEAR_CHARS = 25
_COMPARED = re.compile(r"(?:[<>≤≥]=?|\b(?:above|below|over|under|exceeds?|than|beyond|past))\s*$", re.IGNORECASE)


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
        default = _mitigation_path(ctx, loc)
        for sentence in re.split(r"(?<=[.;!?])\s+", text):
            if _SIMULATED.search(sentence) and ctx.sim is None:
                continue
            gate = None if not gated else narrow if gated == "narrow" else designish
            found = {kind: _claimed(pat, sentence, gate) if kind in kinds else []
                     for kind, pat in (("usd", _DOLLARS), ("ms", _MS), ("pct", _PCT))}
            named = _subject(ctx, sentence)
            subject = named or default
            bad += _dollar_claims(ctx, loc, sentence, found["usd"], subject, known)
            bad += _ms_claims(ctx, loc, sentence, found["ms"], subject, known)
            bad += _pct_claims(ctx, loc, found["pct"], named, known)
    ctx.ev("consistency", bad == 0, f"{bad} numbers in free text that the design's numbers contradict", "(free text)")


def _claimed(pat: re.Pattern, sentence: str, gate: re.Pattern | None) -> list:
    """The matches of ``pat`` that count as claims: all of them, or those ``gate`` finds a word near."""
    return [m for m in pat.finditer(sentence)
            if gate is None or gate.search(sentence[max(0, m.start() - NEAR_CHARS):m.end() + NEAR_CHARS])]


def _dollar_claims(ctx: Review, loc: str, sentence: str, matches, subject, known) -> int:
    """Dollar figures in one sentence against the design's costs (the subject path's, if it names one)."""
    bad = 0
    for m in matches:
        if _TOKENS.match(sentence[m.end():]):
            continue   # a token price, not a cost per call
        v = _val(m.group(1), m.group(2)) * {"k": 1e3, "m": 1e6}.get((m.group(3) or "").lower(), 1)
        pool = known["usd"] if subject is None or _CONTRIBUTION.search(sentence) else _path_usd(ctx, subject)
        if not _close(v, pool, 0.02, 0.01):
            bad += 1
            if pool is known["usd"]:
                ctx.find("prose-number-mismatch", loc,
                         f"states {m.group(0).strip()!r}, but no cost in the design is ${v:,.2f} per 1M "
                         f"(blended {ctx.cost_text()})",
                         f"quote the computed figure ({ctx.cost_text()}) or correct the path's cost_per_1m_usd")
            else:
                cost = ctx.design.matrix.path(subject).cost_per_1m_usd
                off = f" ({v / cost:,.3g}× its cost)" if cost else ""
                ctx.find("prose-number-mismatch", loc,
                         f"states {m.group(0).strip()!r} about {subject!r}, whose cost_per_1m_usd is "
                         f"${cost:,.2f}{off}",
                         f"quote ${cost:,.2f} per 1M, or correct matrix path {subject!r}'s cost_per_1m_usd")
    return bad


def _ms_claims(ctx: Review, loc: str, sentence: str, matches, subject, known) -> int:
    """Millisecond figures against the design's latencies (at the percentile the sentence names, if any)."""
    bad = 0
    for m in matches:
        v = _val(m.group(1), m.group(2)) * (1000 if m.group(3).lower().startswith("s") else 1)
        at = _percentile_of(sentence, m)
        pool = _latencies_at(ctx, at, subject) if at else None
        if pool and not _close(v, pool, 0.02, 1.0):
            bad += 1
            ctx.find("prose-number-mismatch", loc,
                     f"states {m.group(0).strip()!r} at {at}, but no {at} in the design is {v:,.0f} ms "
                     f"(declared or simulated {at}: {', '.join(f'{x:,.0f} ms' for x in sorted(pool))})",
                     f"quote the {at} the matrix or the simulation gives, or correct the matrix")
            continue
        if not _close(v, known["ms"], 0.02, 1.0):
            bad += 1
            ctx.find("prose-number-mismatch", loc,
                     f"states {m.group(0).strip()!r}, but no latency, timeout, deadline or SLO in the design is "
                     f"{v:,.0f} ms",
                     "quote a number the matrix states or computes (a path's p50/p99, timeout, the deadline left, "
                     f"the worst-case chain {ctx.worst_text()}), or correct the matrix")
    return bad


def _pct_claims(ctx: Review, loc: str, matches, named, known) -> int:
    """Percentages against the design's shares, rates and coverage (the named path's, if any)."""
    bad = 0
    for m in matches:
        v = _val(m.group(1), m.group(2))
        pool = known["pct"] if named is None else _path_pcts(ctx, named)
        if not _close(v, pool, 0.02, 0.05):
            bad += 1
            ctx.find("prose-number-mismatch", loc,
                     f"states {m.group(0).strip()!r}, but no share, rate or coverage in the design is {v:g}%",
                     "quote a share the design states or computes (coverage, served share, error rate, SLO, "
                     "retry budget), or correct it")
    return bad


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


def _mitigation_path(ctx: Review, loc: str) -> str | None:
    """A mitigation note is about the path the mitigation names, unless a sentence names another."""
    m = re.match(r"^taxonomy\.modes\[(\d+)\]\.mitigation\.note$", loc)
    if not m:
        return None
    pid = ctx.design.taxonomy.modes[int(m.group(1))].mitigation.path
    return pid if any(p.id == pid for p in ctx.design.matrix.paths) else None


def _path_usd(ctx: Review, pid: str) -> set[float]:
    """What a sentence about one path may say it costs: its own price per call, per 1M."""
    p = ctx.design.matrix.path(pid)
    out = {p.cost_per_1m_usd, ctx.design.context.cost_ceiling_per_1m_usd}
    if p.price_per_call_usd is not None:
        out.add(p.price_per_call_usd * 1e6)
    return out


def _percentile_of(sentence: str, m) -> str | None:
    """The percentile a latency in ``sentence`` is quoted at ('p95', 'p50'), when one stands next to it and
    the sentence is not about a setting."""
    if _SETTINGS.search(sentence) or _COMPARED.search(sentence[:m.start()]):
        return None   # a setting, or a threshold ("if p99 > 1,400 ms"), not a measured percentile
    window = sentence[max(0, m.start() - PCT_NEAR_CHARS):m.end() + PCT_NEAR_CHARS]
    found = {("p50" if t.group(2) else f"p{t.group(1) or t.group(3)}") for t in _AT_PCT.finditer(window)}
    return found.pop() if len(found) == 1 else None


def _latencies_at(ctx: Review, at: str, pid: str | None) -> set[float]:
    """Every latency the design declares or simulates at percentile ``at`` (for one path when the sentence
    names one); empty when the design states none, so the caller falls back to every number it gives."""
    d, sim = ctx.design, ctx.sim
    q = {"p50": 50, "p90": 90, "p95": 95, "p99": 99, "p99.9": 99.9}[at]
    attr = {"p50": "p50_ms", "p95": "p95_ms", "p99": "p99_ms"}.get(at)
    paths = [d.matrix.path(pid)] if pid else list(d.matrix.paths)
    out = {getattr(p.latency, attr) for p in paths if attr and getattr(p.latency, attr) is not None}
    if d.context.slo.percentile == q:
        out.add(d.context.slo.threshold_ms)
    if sim is not None:
        out.update(sim.latency_at.get(at, ()))
    return out
