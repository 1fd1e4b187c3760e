"""Critique a design the way a hiring committee would: a rubric, and findings with fixes.

Committees judge three things — alignment with the product's SLO, evidence of measurable
trade-offs, and an operational feedback loop — and they reject the classic failures:
unquantified claims, missing latency budgets, one monolithic document. :func:`critique`
scores a :class:`~fallbackkit.design.Design` on nine named criteria (Very Weak … Very
Strong), each with evidence lines that point at design fields, and lists every
:class:`Finding` with its severity, field path and a concrete fix::

    import fallbackkit as fk
    from fallbackkit.critique import critique
    c = critique(fk.default_design())
    c.passed                 # True: no blocking finding
    c.score("budget").label  # 'Very Strong'
    print(c.to_markdown())   # the scorecard a reviewer reads

It works on designs that would not validate (``Design.from_dict(data, check=False)``):
every check reads the data defensively, so a half-finished design gets findings, not a
traceback. Numbers come from the matrix's declared arithmetic (``design.budget()``);
pass ``simulation=`` (the simulator's result, or a :class:`SimulatedNumbers`) and the
budget, coverage, retry and cost checks use the simulated numbers instead.
"""

from __future__ import annotations

import html
import json
import math
import numbers
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Literal

from .design import Design
from .matrix import Budget, PathKind
from .taxonomy import Category

# -- vocabulary -----------------------------------------------------------------------------
RATINGS = {1: "Very Weak", 2: "Weak", 3: "Adequate", 4: "Strong", 5: "Very Strong"}
STRONG = 4

FindingSeverity = Literal["blocking", "warning"]

#: Criteria in the order a committee reads them: id → name.
CRITERIA: dict[str, str] = {
    "slo": "SLO framing",
    "taxonomy": "Taxonomy coverage and grounding",
    "severity": "Severity and detection rigour",
    "budget": "Budget arithmetic and feasibility",
    "tradeoffs": "Cost / coverage trade-offs",
    "notation": "Workflow notation",
    "fault_tolerance": "Fault tolerance of the recovery design",
    "loop": "Learning loop and metric validity",
    "consistency": "Consistency across artifacts and clarity",
}


@dataclass(frozen=True)
class Check:
    """One kind of finding: what it catches, which criterion it weighs on, how bad it is."""

    id: str
    criterion: str
    severity: FindingSeverity
    title: str


#: Every check the critique runs, by id (tests build one flawed design per check).
CHECKS: dict[str, Check] = {c.id: c for c in [
    Check("unquantified-claim", "consistency", "blocking", "claim in free text with no number"),
    Check("not-standalone", "consistency", "blocking", "artifact reaches into another's internals"),
    Check("monolithic-text", "consistency", "warning", "a wall of prose mixing artifacts"),
    Check("dangling-reference", "consistency", "blocking", "reference by id that lands nowhere"),
    Check("order-mismatch", "consistency", "blocking", "matrix chain order differs from the workflow"),
    Check("path-not-in-workflow", "consistency", "warning", "matrix path no workflow action invokes"),
    Check("label-mismatch", "consistency", "warning", "workflow label states a number the matrix contradicts"),
    Check("slo-vague", "slo", "warning", "SLO stated without a tail percentile or a measurement point"),
    Check("too-few-modes", "taxonomy", "blocking", "fewer than five failure modes"),
    Check("category-gap", "taxonomy", "warning", "a core failure category is missing"),
    Check("severity-not-metric", "severity", "blocking", "severity level without a metric-driven definition"),
    Check("mode-missing-ops", "severity", "blocking", "failure mode without detection signal, runbook or owner"),
    Check("weak-detection", "severity", "warning", "a severe mode that is hard to detect"),
    Check("path-without-budget", "budget", "blocking", "path whose latency cannot be bounded"),
    Check("chain-over-budget", "budget", "blocking", "a served request can miss the SLO threshold"),
    Check("timeout-exceeds-deadline", "budget", "blocking", "timeout longer than the deadline left"),
    Check("slo-missed", "budget", "blocking", "simulated attainment below the SLO percentile"),
    Check("declared-vs-simulated", "budget", "warning", "a path's simulated share differs from the declared arithmetic"),
    Check("unserved-traffic", "tradeoffs", "blocking", "coverage leaves traffic unserved"),
    Check("price-inconsistent", "tradeoffs", "blocking", "cost per 1M calls disagrees with the per-call price"),
    Check("cost-over-ceiling", "tradeoffs", "blocking", "blended cost above the product's ceiling"),
    Check("tradeoff-unstated", "tradeoffs", "warning", "fallback path without its quality or effort trade-off"),
    Check("notation", "notation", "blocking", "UML activity-diagram notation error"),
    Check("retry-storm", "fault_tolerance", "blocking", "retries multiply beyond the cap or the retry budget"),
    Check("retry-non-retryable", "fault_tolerance", "warning", "retry on a failure a retry cannot fix"),
    Check("no-timeout", "fault_tolerance", "warning", "a path followed by fallbacks has no timeout"),
    Check("no-circuit-breaker", "fault_tolerance", "warning", "provider path without a circuit breaker"),
    Check("mean-only", "loop", "blocking", "loop metric reported only as a mean"),
    Check("loop-metric-missing", "loop", "warning", "time to detect or time to resolve is not measured"),
    Check("loop-no-targets", "loop", "warning", "loop metrics without targets"),
    Check("incident-without-action", "loop", "warning", "P0/P1 incident with no action item"),
]}

#: Provider-calling path kinds: retries and hedges on these are what storms are made of.
PROVIDER_KINDS = {PathKind.primary.value, PathKind.retry.value, PathKind.alternate_model.value,
                  PathKind.alternate_provider.value}
DETERMINISTIC_KINDS = {PathKind.cache.value, PathKind.rule_engine.value, PathKind.static_response.value}
#: The template's five core failure categories.
CORE_CATEGORIES = [Category.latency_breach.value, Category.confidence_drop.value, Category.policy_violation.value,
                   Category.resource_exhaustion.value, Category.dependency_failure.value]
#: A retry cannot fix these: the same prompt gets the same refusal or the same overflow.
NON_RETRYABLE = {Category.policy_violation.value, Category.context_window.value}
#: Most provider calls one request may cause, retries and hedges included (LiteLLM-style caps).
MAX_CALLS_PER_REQUEST = 4
#: Declared and simulated shares of a path may differ by this much (5 points) before it is a finding.
SHARE_GAP = 0.05
PLACEHOLDERS = {"", "tbd", "todo", "tba", "n/a", "na", "none", "unknown", "unassigned", "?", "-", "someone", "team"}


# -- results --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """One line of evidence for a criterion: what the design says, where, and whether it holds."""

    text: str
    location: str
    ok: bool


@dataclass(frozen=True)
class Finding:
    """Something a reviewer would flag: which check, how bad, where, and how to fix it."""

    check: str
    severity: FindingSeverity
    location: str
    message: str
    fix: str

    @property
    def blocking(self) -> bool:
        return self.severity == "blocking"

    @property
    def criterion(self) -> str:
        return CHECKS[self.check].criterion

    def __str__(self) -> str:
        return f"[{self.severity}] {self.location}: {self.message} — fix: {self.fix}"


@dataclass
class CriterionScore:
    id: str
    name: str
    score: int
    evidence: list[Evidence]
    findings: list[Finding]

    @property
    def label(self) -> str:
        return RATINGS[self.score]

    @property
    def at_least_strong(self) -> bool:
        return self.score >= STRONG


@dataclass
class SimulatedNumbers:
    """The simulator's numbers the critique uses instead of declared arithmetic.

    Shares are fractions of all requests (0–1). Any field may be None: the critique then
    falls back to the declared arithmetic for that number. Build one from the simulator's
    result with :meth:`from_result`, or by hand.
    """

    slo_attainment: float | None = None       # share of requests within the SLO threshold
    unserved: float | None = None             # share of requests no path answered
    retry_share: float | None = None          # retries per request
    cost_per_1m_usd: float | None = None      # blended cost per 1M requests
    path_p99_ms: dict[str, float] = field(default_factory=dict)   # per path, as the user sees it
    path_share: dict[str, float] = field(default_factory=dict)    # per path, share of all requests
    requests: int | None = None

    _NAMES = {
        "slo_attainment": ("slo_attainment", "attainment", "within_slo", "slo_met_share"),
        "unserved": ("unserved", "unserved_share", "unserved_fraction"),
        "retry_share": ("retry_share", "retries_per_request"),
        "cost_per_1m_usd": ("cost_per_1m_requests_usd", "cost_per_1m_usd", "blended_cost_per_1m_usd", "cost_per_1m"),
        "requests": ("requests", "n_requests", "n"),
    }

    @classmethod
    def from_result(cls, result: Any) -> "SimulatedNumbers":
        """Read a simulation result (object, dataclass or dict) by the names it likely uses.

        Reads ``fallbackkit.simulation.SimulationResult`` directly (``slo_attainment``,
        ``unserved``, ``retry_share``, ``cost_per_1m_usd``, ``paths[*].share/.p99``), and
        plain dicts of the same shape. Overall shares above 1 are read as percent; per-path
        keys ending in ``%`` are percent.
        """
        if isinstance(result, SimulatedNumbers):
            return result
        data = _as_mapping(result)
        summary = data.get("summary") if isinstance(data.get("summary"), dict) else {}
        out = cls()
        for attr, names in cls._NAMES.items():
            v = _first(data, result, names)
            if v is None:
                v = _first(summary, None, names)
            if v is not None:
                if attr in ("slo_attainment", "unserved") and v > 1:
                    v = v / 100
                setattr(out, attr, int(v) if attr == "requests" else float(v))
        rows = getattr(result, "paths", None)
        if not isinstance(rows, (list, tuple, dict)):
            rows = _first(data, None, ("paths", "per_path", "path_results"), numeric=False)
        if isinstance(rows, dict):
            rows = [{"id": k, **_as_mapping(v)} for k, v in rows.items()]
        for row in rows or []:
            r = _as_mapping(row)
            pid = r.get("id") or r.get("path")
            if not pid or not isinstance(pid, str):
                continue
            share = _pick(r, ("share", "served_share"))
            share_pct = _pick(r, ("share %", "serves %"))
            p99 = _pick(r, ("p99_ms", "p99", "p99 ms"))
            if share_pct is not None:
                out.path_share[pid] = share_pct / 100
            elif share is not None:
                out.path_share[pid] = share / 100 if share > 1 else share
            if p99 is not None and math.isfinite(p99):
                out.path_p99_ms[pid] = p99
        return out


def _pick(row: dict, keys: Iterable[str]) -> float | None:
    for k in keys:
        v = _num(row.get(k))
        if v is not None:
            return v
    return None


def _as_mapping(obj: Any) -> dict:
    if isinstance(obj, dict):
        return obj
    for name in ("to_dict", "model_dump"):
        fn = getattr(obj, name, None)
        if callable(fn):
            try:
                d = fn()
                if isinstance(d, dict):
                    return d
            except TypeError:
                pass
    if hasattr(obj, "__dataclass_fields__"):
        return {k: getattr(obj, k) for k in obj.__dataclass_fields__}
    return {}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, numbers.Real) and not isinstance(v, bool) else None


def _first(data: dict, obj: Any, names: Iterable[str], numeric: bool = True):
    for n in names:
        v = data.get(n)
        if v is None and obj is not None:
            v = getattr(obj, n, None)
        if v is None or callable(v):
            continue
        if not numeric:
            return v
        x = _num(v)
        if x is not None:
            return x
    return None


@dataclass
class Critique:
    """Rubric scores and findings for one design; renders itself and exports Markdown/JSON."""

    design_name: str
    scores: list[CriterionScore]
    findings: list[Finding]
    numbers: Literal["declared", "simulated"] = "declared"

    # -- queries ---------------------------------------------------------------------------
    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.blocking]

    @property
    def passed(self) -> bool:
        """No blocking finding (the CLI exits 1 otherwise)."""
        return not self.blocking

    def score(self, criterion: str) -> CriterionScore:
        for s in self.scores:
            if s.id == criterion:
                return s
        raise KeyError(f"unknown criterion {criterion!r}; expected one of {', '.join(CRITERIA)}")

    def by_check(self, check: str) -> list[Finding]:
        return [f for f in self.findings if f.check == check]

    @property
    def checks_triggered(self) -> set[str]:
        return {f.check for f in self.findings}

    def weakest(self, n: int | None = None, artifact: str | None = None) -> list[Finding]:
        """Findings, worst first: blocking before warnings, then by their criterion's score."""
        rank = {s.id: s.score for s in self.scores}
        fs = [f for f in self.findings if artifact is None or artifact_of(f.location) == artifact]
        fs = sorted(fs, key=lambda f: (not f.blocking, rank.get(f.criterion, 5)))
        return fs[:n] if n is not None else fs

    def weakest_criteria(self, n: int = 3) -> list[CriterionScore]:
        return sorted(self.scores, key=lambda s: s.score)[:n]

    # -- exports ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "design": self.design_name,
            "numbers": self.numbers,
            "passed": self.passed,
            "scores": [{"criterion": s.id, "name": s.name, "score": s.score, "label": s.label,
                        "evidence": [asdict(e) for e in s.evidence],
                        "findings": [f.check for f in s.findings]} for s in self.scores],
            "findings": [{**asdict(f), "criterion": f.criterion} for f in self.findings],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_frame(self):
        """The rubric as a pandas DataFrame, one row per criterion."""
        import pandas as pd
        return pd.DataFrame([{"criterion": s.name, "score": s.score, "label": s.label,
                              "blocking": sum(f.blocking for f in s.findings),
                              "warnings": sum(not f.blocking for f in s.findings)} for s in self.scores]).set_index("criterion")

    def findings_frame(self):
        """The findings as a pandas DataFrame, worst first."""
        import pandas as pd
        cols = ["severity", "check", "criterion", "location", "message", "fix"]
        return pd.DataFrame([{**asdict(f), "criterion": f.criterion} for f in self.weakest()], columns=cols)

    def summary(self) -> str:
        verdict = "passes" if self.passed else f"{len(self.blocking)} blocking finding{'s' * (len(self.blocking) != 1)}"
        return (f"Critique of {self.design_name} ({self.numbers} numbers): {verdict}, "
                f"{len(self.warnings)} warning{'s' * (len(self.warnings) != 1)}")

    def to_markdown(self) -> str:
        lines = [f"# {_md(self.summary())}", "", "## Rubric", "",
                 "| criterion | score | findings |", "|---|---|---|"]
        for s in self.scores:
            nb = sum(f.blocking for f in s.findings)
            lines.append(f"| {s.name} | **{s.label}** ({s.score}/5) | "
                         f"{nb} blocking, {len(s.findings) - nb} warning{'s' * (len(s.findings) - nb != 1)} |")
        lines += ["", "## Findings", ""]
        if not self.findings:
            lines.append("None.")
        for f in self.weakest():
            lines.append(f"- **{f.severity}** `{f.location}` ({f.check}): {_md(f.message)}  \n"
                         f"  *Fix:* {_md(f.fix)}")
        lines += ["", "## Evidence", ""]
        for s in self.scores:
            lines += [f"### {s.name}: {s.label}", ""]
            lines += [f"- {'✓' if e.ok else '✗'} {_md(e.text)} (`{e.location}`)" for e in s.evidence]
            lines.append("")
        return "\n".join(lines).rstrip("\n") + "\n"

    def to_text(self) -> str:
        lines = [self.summary(), ""]
        width = max(len(s.name) for s in self.scores)
        for s in self.scores:
            lines.append(f"{s.name.ljust(width)}  {s.label} ({s.score}/5)")
            for e in s.evidence:
                lines.append(f"    {'✓' if e.ok else '✗'} {e.text}  [{e.location}]")
        lines.append("")
        lines.append("Findings:" if self.findings else "Findings: none")
        for f in self.weakest():
            lines.append(f"  {f}")
        return "\n".join(lines)

    def to_html(self) -> str:
        from . import display
        rows = "".join(
            f"<tr><td>{html.escape(s.name)}</td><td class='{'ok' if s.at_least_strong else 'over'}'>"
            f"{html.escape(s.label)} ({s.score}/5)</td><td><ul>"
            + "".join(f"<li>{'✓' if e.ok else '✗'} {html.escape(e.text)} <code>{html.escape(e.location)}</code></li>"
                      for e in s.evidence) + "</ul></td></tr>" for s in self.scores)
        table = f"<table><thead><tr><th>criterion</th><th>score</th><th>evidence</th></tr></thead><tbody>{rows}</tbody></table>"
        finds = "".join(
            f"<tr><td class='{'over' if f.blocking else ''}'>{f.severity}</td><td><code>{html.escape(f.location)}</code></td>"
            f"<td>{html.escape(f.message)}</td><td>{html.escape(f.fix)}</td></tr>" for f in self.weakest())
        ftable = (f"<h4>Findings</h4><table><thead><tr><th>severity</th><th>location</th><th>finding</th><th>fix</th>"
                  f"</tr></thead><tbody>{finds}</tbody></table>") if self.findings else "<p>No findings.</p>"
        return display.section(self.summary(), table + ftable)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html(), "text/markdown": self.to_markdown()}

    def __str__(self) -> str:
        return self.to_text()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def artifact_of(location: str) -> str:
    """The artifact a field path belongs to: 'matrix.paths[1].timeout_ms' → 'matrix'."""
    head = re.split(r"[.\[]", location, maxsplit=1)[0]
    return head


# -- free-text analysis ---------------------------------------------------------------------
_VAGUE = re.compile(
    r"\b(improves?|improved|improving|boosts?|enhances?|increases?)\s+(the\s+)?(overall\s+)?"
    r"(reliability|resilience|robustness|availability|performance|latency|quality|user experience|ux)\b"
    r"|\b(faster|cheaper|quicker|slower|more reliable|more robust|more resilient|more available|better)\b"
    r"|\b(reduces?|lowers?|cuts?|decreases?|minimi[sz]es?)\s+(the\s+)?(overall\s+)?(latency|costs?|risk|errors?|failures?|downtime)\b"
    r"|\b(low|minimal|negligible|high|great)\s+(cost|latency|availability|reliability)\b"
    r"|\bhighly available\b|\b(robust|resilient|scalable|seamless(ly)?|significantly|drastically|dramatically|blazing)\b",
    re.IGNORECASE)
#: A number in prose: a digit not glued to a preceding letter ('P1', 'p99', 'GPT4' are names, not numbers).
NUMBER = re.compile(r"(?<![A-Za-z\d.])\d")
_NUMBER = NUMBER
_INTERNAL = re.compile(
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
        if s and _VAGUE.search(s) and not _NUMBER.search(s):
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




def _placeholder(text: str | None) -> bool:
    return (text or "").strip().lower().strip(".") in PLACEHOLDERS


_METRIC_WORDS = re.compile(r"[<>≤≥%]|\b(over|within|per|rate|ms|min|minutes?|h|hours?|days?|burn|attainment|any)\b",
                           re.IGNORECASE)


_ANY_EVENT = re.compile(r"\bany\s+\w+", re.IGNORECASE)


def metric_driven(criterion: str) -> bool:
    """A severity definition a pager could evaluate: a number with a threshold or window,
    or a count threshold of zero ('any unsafe answer served to a user')."""
    text = criterion or ""
    return (bool(_NUMBER.search(text)) and bool(_METRIC_WORDS.search(text))) or bool(_ANY_EVENT.search(text))


# -- the critique ---------------------------------------------------------------------------
class _Collector:
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.evidence: dict[str, list[Evidence]] = {c: [] for c in CRITERIA}

    def find(self, check: str, location: str, message: str, fix: str, severity: FindingSeverity | None = None):
        self.findings.append(Finding(check, severity or CHECKS[check].severity, location, message, fix))

    def ev(self, criterion: str, ok: bool, text: str, location: str):
        self.evidence[criterion].append(Evidence(text, location, bool(ok)))


def critique(design: Design, simulation: Any = None, *,
             max_calls_per_request: int = MAX_CALLS_PER_REQUEST) -> Critique:
    """Score ``design`` on the rubric and list its findings.

    ``simulation`` is optional: the simulator's result (or :class:`SimulatedNumbers`);
    without it every number comes from ``design.budget()``'s declared arithmetic.
    """
    sim = SimulatedNumbers.from_result(simulation) if simulation is not None else None
    col = _Collector()
    budget = _safe_budget(design)
    for step in (_slo, _taxonomy, _severity, _budget, _tradeoffs, _notation, _fault_tolerance, _loop, _consistency):
        step(design, budget, sim, col, max_calls_per_request)
    scores = []
    for cid, name in CRITERIA.items():
        fs = [f for f in col.findings if f.criterion == cid]
        scores.append(CriterionScore(cid, name, _score(col.evidence[cid], fs), col.evidence[cid], fs))
    return Critique(design.context.name, scores, col.findings, "simulated" if sim is not None else "declared")


def _score(evidence: list[Evidence], findings: list[Finding]) -> int:
    """5 when every evidence line holds; a warning caps at Strong, a blocking finding at Weak."""
    frac = sum(e.ok for e in evidence) / len(evidence) if evidence else 0.0
    score = 5 if frac >= 0.999 else 4 if frac >= 0.8 else 3 if frac >= 0.6 else 2 if frac >= 0.4 else 1
    n_block = sum(f.blocking for f in findings)
    if findings:
        score = min(score, STRONG)
    if n_block:
        score = min(score, 2 if n_block < 3 else 1)
    return score


def _safe_budget(design: Design) -> Budget | None:
    try:
        return design.budget()
    except Exception:  # noqa: BLE001 - an unvalidated design may not support the arithmetic
        return None


def _ms(x: float | None) -> str:
    return "?" if x is None else f"{x:,.0f} ms"


def pct(x: float) -> str:
    """A share as a percentage with three significant digits and no exponent: 0.0000104 → '0.00104%'."""
    v = 100 * x
    if v == 0 or not math.isfinite(v):
        return f"{v:g}%"
    decimals = max(0, 2 - math.floor(math.log10(abs(v))))
    return f"{v:.{decimals}f}".rstrip("0").rstrip(".") + "%" if decimals else f"{v:.0f}%"


_pct = pct


# -- SLO framing --------------------------------------------------------------------------
def _slo(d: Design, budget, sim, col: _Collector, _cap):
    s = d.context.slo
    col.ev("slo", s.percentile >= 99, f"tail percentile p{s.percentile:g}", "context.slo.percentile")
    col.ev("slo", True, f"threshold {s.threshold_ms:g} ms on {s.metric.replace('_', ' ')}", "context.slo.threshold_ms")
    col.ev("slo", 7 <= s.window_days <= 90, f"rolling window of {s.window_days} days", "context.slo.window_days")
    col.ev("slo", not _placeholder(s.measurement_point), f"measured at the {s.measurement_point}",
           "context.slo.measurement_point")
    col.ev("slo", True, f"error budget {_pct(s.error_budget)} of requests", "context.slo")
    if s.percentile < 90:
        col.find("slo-vague", "context.slo.percentile",
                 f"an SLO at p{s.percentile:g} says nothing about the tail users feel",
                 "state the SLO at p99 or p99.9, e.g. '99.9% of requests in < 150 ms'")
    if _placeholder(s.measurement_point):
        col.find("slo-vague", "context.slo.measurement_point",
                 f"measurement point {s.measurement_point!r} does not say where latency is measured",
                 "name the point, e.g. 'API gateway' or 'client SDK'")
    if not 7 <= s.window_days <= 90:
        col.find("slo-vague", "context.slo.window_days", f"a {s.window_days}-day window is outside SRE practice",
                 "use a rolling window of 7–90 days, e.g. 28")


# -- taxonomy -----------------------------------------------------------------------------
def _taxonomy(d: Design, budget, sim, col: _Collector, _cap):
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
        col.ev("taxonomy", exp < 1, f"modes hit {_pct(exp)} of requests in total (declared)", "taxonomy.modes[*].occurrence")
    cited = [m for m in modes if m.references]
    col.ev("taxonomy", modes and len(cited) >= len(modes) / 2,
           f"{len(cited)}/{len(modes)} modes cite a reference (status code, OWASP entry, SLO)", "taxonomy.modes[*].references")


# -- severity and detection ---------------------------------------------------------------
def _severity(d: Design, budget, sim, col: _Collector, _cap):
    levels = {k: v for k, v in d.taxonomy.severity_levels.items()}
    defined = [k for k in ("P0", "P1", "P2", "P3") if k in levels]
    col.ev("severity", len(defined) == 4, f"severity levels defined: {', '.join(defined) or 'none'}", "taxonomy.severity_levels")
    vague = [k for k in defined if not metric_driven(levels[k].criterion)]
    col.ev("severity", defined and not vague, f"{len(defined) - len(vague)}/{len(defined)} severity definitions are metric-driven",
           "taxonomy.severity_levels")
    for k in vague:
        col.find("severity-not-metric", f"taxonomy.severity_levels.{k}.criterion",
                 f"{k} is defined as {levels[k].criterion!r}: no metric a pager could evaluate",
                 f"define {k} by a metric, threshold and window, e.g. 'SLO attainment < 99% over 10 min'")
    for i, m in enumerate(d.taxonomy.modes):
        sev = m.severity
        if sev not in levels:
            col.find("severity-not-metric", f"taxonomy.modes[{i}].severity",
                     f"mode {m.id!r} is {sev}, which has no definition",
                     f"add severity_levels.{sev} with a metric-driven criterion")
    modes = d.taxonomy.modes
    ops_ok = 0
    for i, m in enumerate(modes):
        base = f"taxonomy.modes[{i}]"
        gaps = []
        if _placeholder(m.detection.metric) or _placeholder(m.detection.window):
            gaps.append((f"{base}.detection", "no detection signal",
                         "name the metric, comparator, threshold and window an alert fires on, e.g. 'http_5xx_rate > 2 % over 5m'"))
        if not m.runbook.steps:
            gaps.append((f"{base}.runbook.steps", "a runbook entry with no steps",
                         "write the on-call's first steps: what to check, what to switch, when to escalate"))
        if _placeholder(m.owner):
            gaps.append((f"{base}.owner", f"owner {m.owner!r} is nobody in particular",
                         "name the team or rota that is paged, e.g. 'LLM platform on-call'"))
        for loc, what, fix in gaps:
            col.find("mode-missing-ops", loc, f"mode {m.id!r} has {what}", fix)
        ops_ok += not gaps
        if sev_rank(m.severity) <= 1 and m.detectability >= 7:
            col.find("weak-detection", f"{base}.detectability",
                     f"{m.severity} mode {m.id!r} has detectability {m.detectability}/10: it would be found by users first",
                     "add a direct signal (a canary, an evaluator score, a synthetic probe) and lower the detectability rating")
    col.ev("severity", modes and ops_ok == len(modes),
           f"{ops_ok}/{len(modes)} modes have a detection signal, runbook steps and an owner", "taxonomy.modes[*]")
    if modes:
        worst = min(modes, key=lambda m: (sev_rank(m.severity), -m.occurrence))
        col.ev("severity", True, f"most severe: {worst.id} ({worst.severity}), detected by {worst.detection}",
               f"taxonomy.modes[{modes.index(worst)}].detection")


def sev_rank(sev: Any) -> int:
    try:
        return int(sev[1:])
    except (ValueError, IndexError):
        return 9


# -- budget -------------------------------------------------------------------------------
def _budget(d: Design, budget: Budget | None, sim: SimulatedNumbers | None, col: _Collector, _cap):
    slo = d.context.slo
    if budget is None:
        col.ev("budget", False, "the budget arithmetic cannot run on this matrix", "matrix.paths")
        return
    unknown = 0
    for i, (p, r) in enumerate(zip(d.matrix.paths, budget.rows)):
        loc = f"matrix.paths[{i}]"
        sim_p99 = sim.path_p99_ms.get(p.id) if sim else None
        if r.served_tail_ms is None and sim_p99 is None:
            unknown += 1
            col.find("path-without-budget", f"{loc}.latency",
                     f"path {p.id!r} states no p99 and no timeout: its latency cannot be held against the {slo.threshold_ms:g} ms SLO",
                     "state latency.p99_ms (or a distribution) and a timeout_ms that fits the deadline left")
        if r.over_by_ms is not None and r.over_by_ms > 0:
            col.find("chain-over-budget", f"{loc}.latency",
                     f"a request served by {p.id!r} can take {_ms(r.served_tail_ms + slo.threshold_ms - r.deadline_left_ms)}, "
                     f"{r.over_by_ms:,.0f} ms over the {slo.threshold_ms:g} ms SLO",
                     f"cut earlier paths' timeouts or move {p.id!r} earlier; it has {_ms(r.deadline_left_ms)} left and needs {_ms(r.served_tail_ms)}")
        if not r.timeout_fits:
            col.find("timeout-exceeds-deadline", f"{loc}.timeout_ms",
                     f"timeout {r.timeout_ms:g} ms on {p.id!r} is longer than the {r.deadline_left_ms:,.0f} ms left of the deadline",
                     f"set timeout_ms ≤ {max(r.deadline_left_ms, 0):,.0f} (what is left after the paths before it)")
    n = len(budget.rows)
    col.ev("budget", unknown == 0, f"{n - unknown}/{n} paths have a latency budget", "matrix.paths[*].latency")
    worst = budget.worst_case_ms
    col.ev("budget", worst is not None and worst <= slo.threshold_ms,
           f"worst-case chain {_ms(worst)} vs {slo.threshold_ms:g} ms (declared)", "matrix.paths")
    fits = sum(r.timeout_fits for r in budget.rows)
    col.ev("budget", fits == n, f"{fits}/{n} timeouts fit the deadline left", "matrix.paths[*].timeout_ms")
    for r in budget.rows:
        served = f"serves {_pct(r.share)} of traffic"
        if sim is not None and r.id in sim.path_share:
            served = f"serves {_pct(sim.path_share[r.id])} of traffic (simulated; declared {_pct(r.share)})"
        if sim is not None and r.id in sim.path_p99_ms:
            served += f", users see p99 {_ms(sim.path_p99_ms[r.id])} (simulated)"
        col.ev("budget", r.over_by_ms is not None and r.over_by_ms <= 0,
               f"{r.id}: {_ms(r.deadline_left_ms)} left, {served}, {r.verdict}",
               f"matrix.paths[{d.matrix.ids.index(r.id)}]")
    for r in budget.rows:
        if sim is None or r.id not in sim.path_share:
            continue
        gap = sim.path_share[r.id] - r.share
        if abs(gap) > SHARE_GAP:
            col.find("declared-vs-simulated", f"matrix.paths[{d.matrix.ids.index(r.id)}]",
                     f"{r.id} serves {_pct(sim.path_share[r.id])} of traffic simulated but {_pct(r.share)} by the declared "
                     f"arithmetic ({100 * gap:+.1f} points): the matrix's numbers do not describe the system",
                     "restate the declared latency percentiles, coverage and error rate so the arithmetic matches the "
                     "simulation (which also injects the taxonomy's failure modes at their occurrence rates), and quote "
                     "the simulated figure in the interview")
    if sim is not None and sim.slo_attainment is not None:
        target = slo.percentile / 100
        ok = sim.slo_attainment >= target
        col.ev("budget", ok, f"simulated attainment {100 * sim.slo_attainment:.3f}% vs {slo.percentile:g}% target", "context.slo")
        if not ok:
            col.find("slo-missed", "context.slo.percentile",
                     f"simulated: {100 * sim.slo_attainment:.3f}% of requests within {slo.threshold_ms:g} ms, below the {slo.percentile:g}% target",
                     "tighten the primary timeout or add a faster fallback; re-simulate until attainment ≥ target")


# -- cost and coverage --------------------------------------------------------------------
def _tradeoffs(d: Design, budget: Budget | None, sim: SimulatedNumbers | None, col: _Collector, _cap):
    slo = d.context.slo
    paths = d.matrix.paths
    if budget is not None:
        unserved = sim.unserved if sim is not None and sim.unserved is not None else budget.unserved
        src = "simulated" if sim is not None and sim.unserved is not None else "declared"
        ok = unserved <= slo.error_budget
        col.ev("tradeoffs", ok, f"{_pct(1 - unserved)} of requests served, {_pct(unserved)} unserved ({src}) "
               f"vs error budget {_pct(slo.error_budget)}", "matrix.paths[*].coverage_pct")
        if not ok:
            last = len(paths) - 1
            col.find("unserved-traffic", f"matrix.paths[{last}].coverage_pct" if paths else "matrix.paths",
                     f"{_pct(unserved)} of requests are answered by no path ({src}), more than the SLO's "
                     f"{_pct(slo.error_budget)} error budget",
                     "end the chain with a path that answers everything (a static safe response, coverage_pct: 100), "
                     "or raise the coverage of the fallbacks")
        cost = sim.cost_per_1m_usd if sim is not None and sim.cost_per_1m_usd is not None else budget.blended_cost_per_1m_usd
        csrc = "simulated" if sim is not None and sim.cost_per_1m_usd is not None else "declared"
        ceiling = d.context.cost_ceiling_per_1m_usd
        col.ev("tradeoffs", cost <= ceiling, f"blended cost ${cost:,.2f} per 1M calls ({csrc}) vs ceiling ${ceiling:,.2f}",
               "context.cost_ceiling_per_1m_usd")
        if cost > ceiling:
            col.find("cost-over-ceiling", "context.cost_ceiling_per_1m_usd",
                     f"blended cost ${cost:,.2f} per 1M calls ({csrc}) is above the ${ceiling:,.2f} ceiling",
                     "move traffic to cheaper paths (cache hit rate, a smaller primary) or justify a higher ceiling with a number")
        for r in budget.rows:
            if r.kind in DETERMINISTIC_KINDS and r.share > 0:
                p = paths[d.matrix.ids.index(r.id)]
                col.ev("tradeoffs", True, f"{r.id} serves {_pct(r.share)} of traffic at p99 {_ms(r.served_tail_ms)} "
                       f"for ${p.cost_per_1m_usd:,.2f}/1M, quality {p.quality_delta:+.2f}", f"matrix.paths[{d.matrix.ids.index(r.id)}]")
    priced = 0
    for i, p in enumerate(paths):
        if p.price_per_call_usd is None:
            continue
        implied = p.price_per_call_usd * 1_000_000
        if abs(implied - p.cost_per_1m_usd) > 0.01 * max(implied, p.cost_per_1m_usd, 1e-9):
            col.find("price-inconsistent", f"matrix.paths[{i}].cost_per_1m_usd",
                     f"price_per_call_usd ${p.price_per_call_usd:g} is ${implied:,.2f} per 1M calls, "
                     f"but cost_per_1m_usd says ${p.cost_per_1m_usd:,.2f}",
                     f"set cost_per_1m_usd: {implied:g} (price per call × 1,000,000), or correct the price")
        else:
            priced += 1
    stated = sum(1 for p in paths if p.price_per_call_usd is not None)
    if stated:
        col.ev("tradeoffs", priced == stated, f"{priced}/{stated} per-call prices agree with cost per 1M (×1,000,000)",
               "matrix.paths[*].price_per_call_usd")
    fallbacks = [(i, p) for i, p in enumerate(paths) if p.kind != PathKind.primary.value]
    explained = 0
    for i, p in fallbacks:
        if p.effort and (p.quality_delta != 0 or p.kind == PathKind.retry.value):
            explained += 1
        else:
            col.find("tradeoff-unstated", f"matrix.paths[{i}]",
                     f"fallback {p.id!r} states no {'effort' if not p.effort else 'quality cost (quality_delta)'}",
                     "state what the path costs besides money: quality_delta vs the primary and the engineering effort to keep it")
    col.ev("tradeoffs", explained == len(fallbacks),
           f"{explained}/{len(fallbacks)} fallbacks state their quality and effort trade-off", "matrix.paths[*].effort")


# -- notation -----------------------------------------------------------------------------
def _notation(d: Design, budget, sim, col: _Collector, _cap):
    wf = d.workflow
    probs = wf.problems()
    for p in probs:
        col.find("notation", f"workflow.{p.path}" if p.path else "workflow", p.message, _notation_fix(p.message))
    col.ev("notation", not probs, f"{len(probs)} structural UML problems (initial, finals, guards, reachability)", "workflow")
    ins = wf.incoming()
    kinds = {n.id: n.kind for n in wf.nodes}
    index = {n.id: i for i, n in enumerate(wf.nodes)}
    multi = 0
    for n in wf.nodes:
        k, i = kinds[n.id], len(ins[n.id])
        if k in ("action", "activity_final", "flow_final", "fork") and i > 1:
            multi += 1
            col.find("notation", f"workflow.nodes[{index[n.id]}]",
                     f"{k} {n.id!r} has {i} incoming flows; in UML an action with several incoming flows waits for all "
                     f"of them (an implicit join), so this flow deadlocks",
                     f"add a merge node: point the {i} flows at it and one flow from it to {n.id!r}")
        if k == "decision" and i > 1:
            col.find("notation", f"workflow.nodes[{index[n.id]}]",
                     f"decision {n.id!r} has {i} incoming flows; merge and decide in separate nodes",
                     f"add a merge node before {n.id!r}", severity="warning")
    col.ev("notation", multi == 0, "every action, final and fork has one incoming flow (merges do the merging)", "workflow.edges")
    forks = sum(kinds[n] == "fork" for n in kinds)
    joins = sum(kinds[n] == "join" for n in kinds)
    if joins and not forks:
        col.find("notation", "workflow.nodes", f"{joins} join node(s) but no fork: a join waits for concurrent flows that never start",
                 "replace the join with a merge, or fork the flows it joins")
    col.ev("notation", not (joins and not forks), f"{forks} fork(s), {joins} join(s)", "workflow.nodes")
    parted = [n for n in wf.nodes if n.partition]
    col.ev("notation", len(parted) == len(wf.nodes), f"{len(parted)}/{len(wf.nodes)} nodes sit in a swimlane", "workflow.nodes[*].partition")


def _notation_fix(message: str) -> str:
    if "else" in message:
        return "give exactly one flow out of the decision the guard [else]"
    if "guard" in message:
        return "guard every flow out of a decision; guards must exclude each other"
    if "unreachable" in message:
        return "connect the node to the flow, or delete it"
    if "final" in message:
        return "end every path in an activity_final (request done) or flow_final (side flow done)"
    if "outgoing" in message:
        return "actions, merges and joins have one outgoing flow; branch with a decision or fork"
    if "initial" in message:
        return "one initial node with a single outgoing flow"
    return "fix the diagram so it reads as a UML activity diagram"


# -- fault tolerance ----------------------------------------------------------------------
def _fault_tolerance(d: Design, budget: Budget | None, sim: SimulatedNumbers | None, col: _Collector, cap: int):
    paths = d.matrix.paths
    chain_calls = sum(_calls(p) for p in paths)
    routed = _worst_route(d)
    # The workflow says which paths one request can meet; without a usable one, assume the whole chain.
    calls, route = routed if routed is not None else (chain_calls, [p.id for p in paths if _calls(p)])
    for i, p in enumerate(paths):
        loc = f"matrix.paths[{i}]"
        if p.retry:
            bad = sorted(set(p.retry.on) & NON_RETRYABLE)
            if bad:
                col.find("retry-non-retryable", f"{loc}.retry.on",
                         f"{p.id!r} retries on {', '.join(bad)}: the same prompt fails the same way again",
                         f"drop {', '.join(bad)} from retry.on and route those modes to a fallback path")
            if p.retry.max_retries and not p.retry.jitter:
                col.find("retry-non-retryable", f"{loc}.retry.jitter",
                         f"{p.id!r} retries without jitter: synchronised retries hit the provider together",
                         "set retry.jitter: true", severity="warning")
        if i < len(paths) - 1 and p.timeout_ms is None:
            col.find("no-timeout", f"{loc}.timeout_ms",
                     f"{p.id!r} is followed by fallbacks but has no timeout: a slow call holds the request for its whole tail",
                     "set timeout_ms so the later paths keep their share of the deadline")
        if p.kind == PathKind.primary.value and p.circuit_breaker is None:
            col.find("no-circuit-breaker", f"{loc}.circuit_breaker",
                     f"primary {p.id!r} has no circuit breaker: in an outage every request pays the full timeout first",
                     "add circuit_breaker: {failure_rate_threshold: 0.5, window_s: 10, min_requests: 20, cooldown_s: 30}")
    via = f" via {' → '.join(route)}" if route else ""
    col.ev("fault_tolerance", calls <= cap, f"at most {calls} provider call(s) per request{via} (cap {cap})",
           "matrix.paths[*].retry")
    if calls > cap:
        col.find("retry-storm", "matrix.paths",
                 f"one request can cause {calls} provider calls{via} (retries × hedges × fallbacks); an outage "
                 f"multiplies load {calls}×",
                 f"cap the total at {cap}: fewer max_retries, retry only on 429/5xx, and let the fallbacks absorb the rest")
    if budget is not None:
        share = sim.retry_share if sim is not None and sim.retry_share is not None else budget.retry_share
        src = "simulated" if sim is not None and sim.retry_share is not None else "declared"
        ok = share <= budget.retry_budget
        col.ev("fault_tolerance", ok, f"retry share {_pct(share)} ({src}) vs retry budget {_pct(budget.retry_budget)}",
               "matrix.retry_budget_pct")
        if not ok:
            col.find("retry-storm", "matrix.retry_budget_pct",
                     f"retries add {_pct(share)} of requests ({src}), above the {_pct(budget.retry_budget)} retry budget",
                     "lower max_retries or the error rates that trigger them, or fall back instead of retrying")
    timed = [p for p in paths[:-1] if p.timeout_ms is not None]
    col.ev("fault_tolerance", len(timed) == len(paths[:-1]), f"{len(timed)}/{max(len(paths) - 1, 0)} non-final paths have a timeout",
           "matrix.paths[*].timeout_ms")
    prim = [(i, p) for i, p in enumerate(paths) if p.kind == PathKind.primary.value]
    if prim:
        i, p = prim[0]
        col.ev("fault_tolerance", p.circuit_breaker is not None,
               "primary has a circuit breaker" + (f" (opens at {p.circuit_breaker.failure_rate_threshold:.0%} failures, "
                                                  f"{p.circuit_breaker.cooldown_s:g} s cooldown)" if p.circuit_breaker else ""),
               f"matrix.paths[{i}].circuit_breaker")
        tail, typ = p.latency.tail_ms, p.latency.typical_ms
        if tail and typ and tail > 3 * typ:
            cut = (p.timeout_ms is not None and p.timeout_ms < tail) or p.hedge is not None
            fits = tail <= d.context.slo.threshold_ms
            col.ev("fault_tolerance", cut or fits, f"primary's heavy tail (p99 {tail:g} ms vs p50 {typ:g} ms) is "
                   + ("cut by a timeout or hedge" if cut else "inside the SLO threshold" if fits
                      else "neither cut nor hedged, and past the SLO threshold"), f"matrix.paths[{i}].timeout_ms")
    degrade = [p.id for p in paths if p.kind in DETERMINISTIC_KINDS]
    col.ev("fault_tolerance", bool(degrade), f"deterministic degradation paths: {', '.join(degrade) or 'none'}", "matrix.paths[*].kind")
    if paths:
        last = paths[-1]
        col.ev("fault_tolerance", last.coverage_pct >= 100 and last.error_rate == 0,
               f"last resort {last.id!r} answers {last.coverage_pct:g}% with error rate {last.error_rate:g}",
               f"matrix.paths[{len(paths) - 1}]")
    retried = [p for p in paths if p.retry and p.retry.max_retries]
    if retried:
        jit = [p for p in retried if p.retry.jitter]
        col.ev("fault_tolerance", len(jit) == len(retried), f"{len(jit)}/{len(retried)} retry policies use backoff with jitter",
               "matrix.paths[*].retry")


def _calls(p) -> int:
    """Worst-case provider calls one visit to path ``p`` makes: attempts × (1 + hedges)."""
    if p.kind not in PROVIDER_KINDS:
        return 0
    return (1 + (p.retry.max_retries if p.retry else 0)) * (1 + (p.hedge.max_hedges if p.hedge else 0))


def _worst_route(d: Design) -> tuple[int, list[str]] | None:
    """The most provider calls along one route of the workflow (loops cut at their back edge).

    A request meets only the paths on its route: a decision that sends policy violations to
    one provider and overflows to another does not add the two. None if there is no route.
    """
    wf = d.workflow
    start = wf.initial
    if start is None:
        return None
    by_path = {p.id: p for p in d.matrix.paths}
    weight = {n.id: (_calls(by_path[n.path]) if n.path in by_path else 0) for n in wf.nodes}
    label = {n.id: n.path for n in wf.nodes}
    out = wf.outgoing()
    best: dict[str, tuple[int, list[str]]] = {}
    state = {start.id: 1}
    stack = [(start.id, iter(out[start.id]))]
    while stack:  # iterative DFS; post-order fills best[] from the successors
        nid, it = stack[-1]
        e = next(it, None)
        if e is None:
            stack.pop()
            state[nid] = 2
            tails = [best[x.target] for x in out[nid] if state.get(x.target) == 2 and x.target in best]
            tail = max(tails, key=lambda t: t[0]) if tails else (0, [])
            w = weight.get(nid, 0)
            best[nid] = (w + tail[0], ([label[nid]] if w else []) + tail[1])
        elif e.target not in state and e.target in weight:
            state[e.target] = 1
            stack.append((e.target, iter(out[e.target])))
    return best.get(start.id)


# -- learning loop ------------------------------------------------------------------------
def _loop(d: Design, budget, sim, col: _Collector, _cap):
    pm = d.postmortem
    col.ev("loop", not _placeholder(pm.owner), f"owned by {pm.owner}", "postmortem.owner")
    col.ev("loop", pm.cadence.per_incident_within_days <= 7,
           f"post-mortem within {pm.cadence.per_incident_within_days} days; weekly review on {pm.cadence.weekly_review}",
           "postmortem.cadence")
    names = {m.name for m in pm.metrics}
    missing = [n for n in ("time_to_detect", "time_to_resolve") if n not in names]
    col.ev("loop", not missing, f"measures {', '.join(sorted(names))}", "postmortem.metrics")
    if missing:
        col.find("loop-metric-missing", "postmortem.metrics", f"the loop does not measure {', '.join(missing)}",
                 f"add metrics {', '.join(missing)} with median and p90 and a target for each")
    mean_only = 0
    for i, m in enumerate(pm.metrics):
        stats = set(m.statistics)
        if stats and stats <= {"mean"}:
            mean_only += 1
            col.find("mean-only", f"postmortem.metrics[{i}].statistics",
                     f"{m.name} is reported only as a mean: one long incident drags it and hides the typical case",
                     "report median and p90 (statistics: [median, p90]); incident durations are heavy-tailed")
    col.ev("loop", mean_only == 0, f"{len(pm.metrics) - mean_only}/{len(pm.metrics)} metrics report a median or percentile",
           "postmortem.metrics[*].statistics")
    targeted = [m for m in pm.metrics if m.target_median_min is not None or m.target_p90_min is not None]
    col.ev("loop", len(targeted) == len(pm.metrics), f"{len(targeted)}/{len(pm.metrics)} metrics have a target", "postmortem.metrics")
    if pm.metrics and not targeted:
        col.find("loop-no-targets", "postmortem.metrics", "no metric has a target: the loop cannot say whether it is improving",
                 "set target_median_min and target_p90_min, e.g. time_to_detect median 5, p90 15")
    if pm.incidents:
        m = pm.measure()
        for s in m.metrics:
            if s.median is not None:
                col.ev("loop", True, f"{s.name}: median {s.median:.0f} min, p90 {s.p90:.0f} min over {s.count} incidents"
                       + ({True: ", meets target", False: ", misses target", None: ""}[s.meets_target]), "postmortem.incidents")
    col.ev("loop", len(pm.incidents) >= 3, f"{len(pm.incidents)} incident records to measure the loop on", "postmortem.incidents")
    typed = [a for a in pm.action_items if not _placeholder(a.owner)]
    col.ev("loop", pm.action_items and len(typed) == len(pm.action_items),
           f"{len(pm.action_items)} typed action items, {len(typed)} with an owner and due date", "postmortem.action_items")
    with_items = {a.incident for a in pm.action_items if a.incident}
    for i, inc in enumerate(pm.incidents):
        if sev_rank(inc.severity) <= 1 and inc.id not in with_items:
            col.find("incident-without-action", f"postmortem.incidents[{i}]",
                     f"{inc.severity} incident {inc.id} has no action item: the loop learnt nothing from it",
                     f"add an action item with incident: {inc.id} (type prevent or detect, owner, due date)")


# -- consistency and clarity --------------------------------------------------------------
def _consistency(d: Design, budget, sim, col: _Collector, _cap):
    claims = 0
    internal = 0
    for loc, text in free_text(d):
        for s in unquantified_claims(text):
            claims += 1
            # An incident record narrates what happened; a vague line there weakens the record but is
            # not a design claim, so it warns instead of blocking.
            col.find("unquantified-claim", loc, f"claim with no number: {s!r}",
                     "state the risk reduction it buys in numbers, e.g. 'moves p99.9 from 400 ms to 142 ms' or "
                     "'serves 70% of fallback traffic at 30 ms for $20 per 1M calls'",
                     severity="warning" if loc.startswith("postmortem.incidents") else None)
        if _INTERNAL.search(text):
            internal += 1
            col.find("not-standalone", loc, f"refers to another artifact's internals: {_INTERNAL.search(text).group(0)!r}",
                     "refer to other artifacts by id only (a path id, a mode id); restate the number or drop it, so "
                     "the artifact can be reviewed on its own")
        words = len(text.split())
        if words > MAX_WORDS:
            col.find("monolithic-text", loc, f"{words} words of prose in one field: a reviewer cannot find the signal",
                     "split it: numbers go in fields of the artifact they belong to, prose stays under "
                     f"{MAX_WORDS} words")
    col.ev("consistency", claims == 0, f"{claims} unquantified claims in free text", "(free text)")
    col.ev("consistency", internal == 0, f"{internal} references into another artifact's internals", "(free text)")
    refs = d.reference_problems()
    for p in refs:
        col.find("dangling-reference", p.path, p.message, "point the reference at an existing id, or add what it names")
    col.ev("consistency", not refs, f"{len(refs)} cross-artifact references that land nowhere", "(references)")
    order = [pid for pid in d.workflow.path_order() if pid in d.matrix.ids]
    inverted = _forced_inversions(d)
    col.ev("consistency", not inverted,
           f"workflow meets paths in the matrix's chain order ({' → '.join(order) or 'none'})", "matrix.paths")
    if inverted:
        pairs = ", ".join(f"{b} before {a}" for a, b in inverted)
        col.find("order-mismatch", "matrix.paths",
                 f"the matrix lists {' → '.join(d.matrix.ids)} but the workflow always tries {pairs}: the budget "
                 "arithmetic follows the wrong chain",
                 f"list matrix.paths in the workflow's order: {', '.join(order)}")
    invoked = d.workflow.invoked_paths
    for i, p in enumerate(d.matrix.paths):
        if p.id not in invoked:
            col.find("path-not-in-workflow", f"matrix.paths[{i}]", f"no workflow action invokes path {p.id!r}",
                     f"add an action with path: {p.id} where the flow tries it, or drop it from the matrix")
    col.ev("consistency", all(p.id in invoked for p in d.matrix.paths),
           f"{sum(p.id in invoked for p in d.matrix.paths)}/{len(d.matrix.paths)} matrix paths invoked by a workflow action",
           "workflow.nodes[*].path")
    mism = 0
    by_id = {p.id: p for p in d.matrix.paths}
    for i, n in enumerate(d.workflow.nodes):
        p = by_id.get(n.path or "")
        if p is None or p.timeout_ms is None:
            continue
        stated = _label_timeouts(n.label)
        for v in stated:
            if abs(v - p.timeout_ms) > 1e-9:
                mism += 1
                col.find("label-mismatch", f"workflow.nodes[{i}].label",
                         f"label says a {v:g} ms timeout; matrix path {p.id!r} has timeout_ms {p.timeout_ms:g}",
                         f"make the label say {p.timeout_ms:g} ms, or derive it from the matrix")
    col.ev("consistency", mism == 0, f"{mism} workflow labels contradict the matrix's timeouts", "workflow.nodes[*].label")
    for name in ("taxonomy", "matrix", "workflow", "postmortem"):
        try:
            art = d.standalone(name)
            ok = not art.problems()
        except Exception:  # noqa: BLE001
            ok = False
        col.ev("consistency", ok, f"{name} validates on its own", name)


_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
_LABEL_TIMEOUT = [re.compile(_NUM + r"\s*(ms|s)\s+timeout", re.IGNORECASE),
                  re.compile(r"timeout\s+(?:of\s+)?" + _NUM + r"\s*(ms|s)\b", re.IGNORECASE)]


def _forced_inversions(d: Design) -> list[tuple[str, str]]:
    """Pairs (a, b) the matrix lists a-then-b but the workflow can only meet b-then-a.

    Paths on sibling branches of a decision (policy violations to one provider, overflows to
    another) have no order between them, so only a flow that leads from b to a and never
    from a to b counts.
    """
    wf = d.workflow
    out = wf.outgoing()
    nodes_of: dict[str, set[str]] = {}
    for n in wf.nodes:
        if n.path:
            nodes_of.setdefault(n.path, set()).add(n.id)

    def reach(sources: set[str]) -> set[str]:
        seen, todo = set(), [t.target for s_ in sources for t in out[s_]]
        while todo:
            x = todo.pop()
            if x not in seen:
                seen.add(x)
                todo += [t.target for t in out[x]]
        return seen

    ids = [pid for pid in d.matrix.ids if pid in nodes_of]
    reached = {pid: reach(nodes_of[pid]) for pid in ids}
    out_pairs = []
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            b_to_a = bool(reached[b] & nodes_of[a])
            a_to_b = bool(reached[a] & nodes_of[b])
            if b_to_a and not a_to_b:
                out_pairs.append((a, b))
    return out_pairs


def _label_timeouts(label: str) -> list[float]:
    """Timeouts a workflow label states, in ms: 'with a 1,900 ms timeout', 'a 10 s timeout'."""
    out = []
    for pat in _LABEL_TIMEOUT:
        for whole, frac, unit in pat.findall(label or ""):
            v = float(whole.replace(",", "") + (f".{frac}" if frac else ""))
            out.append(v * 1000 if unit.lower() == "s" else v)
    return out


# `fk.critique(design)` and `import fallbackkit.critique` name the same thing: importing the
# submodule rebinds `fallbackkit.critique` to the module, so the module itself is callable
# (the simulator does the same).
import sys as _sys  # noqa: E402
import types as _types  # noqa: E402


class _CallableModule(_types.ModuleType):
    def __call__(self, *args, **kwargs):
        return critique(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
