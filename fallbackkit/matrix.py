"""The latency-budget matrix: every fallback path with its latency, cost and coverage,
held against the SLO with explicit arithmetic.

Paths are listed in chain order: a request tries the first path, and moves to the next
when a path misses (it does not cover the request, errors, or times out). ``coverage_pct``
is the share of the requests *reaching* a path that it can answer (a cache's hit rate),
so the share of all traffic a path serves is computed, never typed::

    budget = matrix.budget(slo)      # worst-case chain latency, deadlines, retry share, cost
    budget.verdict                   # 'within budget' or 'over budget by 35 ms'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, model_validator

from .artifact import Artifact, Id, Model, duplicate_ids, Number, Count
from .context import SLO
from .distributions import Constant, Distribution, LogNormal, Mixture, Shifted
from .display import Bullets, Column, Heading, Rendered, Table, Text, ms, pct, usd
from .problems import Problem
from .taxonomy import Category

DEFAULT_RETRY_BUDGET_PCT = 10.0
NonNegMs = Annotated[Number, Field(ge=0)]


class PathKind(StrEnum):
    primary = "primary"
    retry = "retry"
    alternate_model = "alternate_model"
    alternate_provider = "alternate_provider"
    cache = "cache"
    rule_engine = "rule_engine"
    static_response = "static_response"
    human = "human"


class LatencySpec(Model):
    """Declared percentiles, a distribution, or both (the distribution drives simulation)."""

    p50_ms: NonNegMs | None = None
    p95_ms: NonNegMs | None = None
    p99_ms: NonNegMs | None = None
    distribution: Distribution | None = None

    @model_validator(mode="after")
    def _check(self):
        given = [(n, getattr(self, n)) for n in ("p50_ms", "p95_ms", "p99_ms") if getattr(self, n) is not None]
        for (a, va), (b, vb) in zip(given, given[1:]):
            if vb < va:
                raise ValueError(f"{b} ({vb:g}) is below {a} ({va:g}); expected p50_ms ≤ p95_ms ≤ p99_ms")
        if not given and self.distribution is None:
            raise ValueError("expected declared percentiles (p50_ms/p95_ms/p99_ms) or a distribution")
        return self

    @property
    def tail_ms(self) -> float | None:
        """The p99 used by budget arithmetic: declared, else read off the distribution."""
        if self.p99_ms is not None:
            return self.p99_ms
        return _p99_bound(self.distribution)

    @property
    def typical_ms(self) -> float | None:
        if self.p50_ms is not None:
            return self.p50_ms
        d = self.distribution
        if isinstance(d, Constant):
            return d.ms
        if isinstance(d, LogNormal):
            return d.p50_ms
        return None


def _p99_bound(d) -> float | None:
    # Exact for constant and lognormal; an upper bound for shifted and mixtures.
    # Profiles need their data: the simulator (analysis layer) reads those.
    if isinstance(d, Constant):
        return d.ms
    if isinstance(d, LogNormal):
        return d.p99_ms
    if isinstance(d, Shifted):
        b = _p99_bound(d.base)
        return None if b is None else d.floor_ms + b
    if isinstance(d, Mixture):
        bounds = [_p99_bound(c.dist) for c in d.components]
        return None if any(b is None for b in bounds) else max(bounds)
    return None


class RetryPolicy(Model):
    """Retries on the same path with capped exponential backoff and jitter."""

    max_retries: Annotated[Count, Field(ge=0, le=10)] = 1
    backoff_base_ms: NonNegMs = 10.0
    backoff_max_ms: NonNegMs = 200.0
    jitter: bool = True
    on: list[Category] = [Category.resource_exhaustion, Category.dependency_failure, Category.latency_breach]

    def delay_ms(self, attempt: int) -> float:
        """Worst-case wait before retry ``attempt`` (1-based): min(base·2^(k-1), cap)."""
        return min(self.backoff_base_ms * 2 ** (attempt - 1), self.backoff_max_ms)


class HedgePolicy(Model):
    """Send a second attempt when the first has not answered after ``after_ms``; pay twice."""

    after_ms: Annotated[Number, Field(gt=0)]
    max_hedges: Annotated[Count, Field(ge=1, le=3)] = 1


class CircuitBreaker(Model):
    """Skip the path for ``cooldown_s`` once its failure rate passes the threshold."""

    failure_rate_threshold: Annotated[Number, Field(gt=0, le=1)] = 0.5
    window_s: Annotated[Number, Field(gt=0)] = 10.0
    min_requests: Annotated[Count, Field(ge=1)] = 20
    cooldown_s: Annotated[Number, Field(gt=0)] = 30.0


class StreamSpec(Model):
    """The path streams its answer: how long the stream runs and how it fails after the first token.

    The path's ``latency`` is then the time to its *first* token; ``duration`` is the time
    from the first token to the last, so time to last token = latency + duration. Once the
    first token is sent a gateway cannot fall back: a stream that errors or stalls after it
    leaves the user with a partial answer (unless ``continuation`` re-requests the rest).
    """

    duration: LatencySpec = Field(description="time from the first token to the last (generation time)")
    midstream_error_rate: Annotated[Number, Field(
        ge=0, le=1, description="share of started streams that error after the first token (seen at once)")] = 0.0
    stall_rate: Annotated[Number, Field(
        ge=0, le=1, description="share of started streams whose tokens stop (seen only by the stall timeout)")] = 0.0
    stall_timeout_ms: Annotated[Number, Field(
        gt=0, description="inter-token stall timeout: a stream silent this long is cut; unset = never cut")] | None = None
    continuation: bool = Field(
        False, description="on a mid-stream failure, re-request the rest on the same path (one more call)")

    @model_validator(mode="after")
    def _rates(self):
        if self.midstream_error_rate + self.stall_rate > 1:
            raise ValueError(f"midstream_error_rate + stall_rate is {self.midstream_error_rate + self.stall_rate:g}; "
                             "expected at most 1 (they are shares of the same started streams)")
        return self


class FallbackPath(Model):
    id: Id
    name: Annotated[str, Field(min_length=1)]
    kind: PathKind
    latency: LatencySpec
    timeout_ms: Annotated[Number, Field(gt=0)] | None = None
    cost_per_1m_usd: Annotated[Number, Field(ge=0, description="USD per 1M calls to this path")]
    price_per_call_usd: Annotated[Number, Field(ge=0)] | None = Field(
        None, description="stated unit price; must agree with cost_per_1m_usd (×1,000,000)")
    coverage_pct: Annotated[Number, Field(ge=0, le=100, description="share of requests reaching the path that it answers")]
    error_rate: Annotated[Number, Field(ge=0, le=1)] = 0.0
    quality_delta: Annotated[Number, Field(ge=-1, le=1, description="answer quality vs primary, −1…1")] = 0.0
    effort: str = Field("", description="engineering effort and maintainability note")
    model: str | None = Field(None, description="provider/model id, for router exports")
    provider: str | None = Field(
        None, description="who serves this path (openai, anthropic, self-hosted…); read from `model` when omitted")
    region: str | None = Field(
        None, description="where it runs (us-east-1, eu-west…): a fallback in the primary's region shares its outages")
    side_effects: bool = Field(
        False, description="a call acts outside the model (tool call, payment, booking, message sent)")
    idempotent: bool | None = Field(
        None, description="with side_effects: repeating a call is harmless (idempotency key); unset = not stated")
    retry: RetryPolicy | None = None
    hedge: HedgePolicy | None = None
    circuit_breaker: CircuitBreaker | None = None
    stream: StreamSpec | None = Field(
        None, description="the path streams: latency is then time to first token; see StreamSpec")

    @property
    def timeout_miss(self) -> float:
        """Least share of calls the timeout cuts, read off the declared percentiles.

        A timeout below the declared p95 cuts at least 5% of calls, below p99 at least 1%,
        below p50 at least half; the simulator gives the exact share.
        """
        if self.timeout_ms is None:
            return 0.0
        lat = self.latency
        for q_ms, share in ((lat.p50_ms, 0.5), (lat.p95_ms, 0.05), (lat.p99_ms, 0.01)):
            if q_ms is not None and self.timeout_ms < q_ms:
                return share
        return 0.0

    @property
    def serve_probability(self) -> float:
        """Chance a request reaching this path is answered by it (declared arithmetic)."""
        return self.coverage_pct / 100 * (1 - self.error_rate) * (1 - self.timeout_miss)

    def give_up_ms(self) -> float | None:
        """Worst time spent on this path before moving on: every attempt times out."""
        per_attempt = self.timeout_ms if self.timeout_ms is not None else self.latency.tail_ms
        if per_attempt is None:
            return None
        retries = self.retry.max_retries if self.retry else 0
        backoff = sum(self.retry.delay_ms(k) for k in range(1, retries + 1)) if self.retry else 0.0
        return per_attempt * (1 + retries) + backoff

    def served_tail_ms(self) -> float | None:
        """Tail latency of a request this path answers (its p99, cut by its timeout)."""
        tail = self.latency.tail_ms
        if tail is None:
            return self.timeout_ms
        return min(tail, self.timeout_ms) if self.timeout_ms is not None else tail


@dataclass
class PathBudget:
    """One row of the budget: what the arithmetic says about one path."""

    id: str
    kind: str
    reach: float                  # share of all requests that reach the path
    share: float                  # share of all requests it answers
    attempts: float               # expected calls per request (retries included)
    deadline_left_ms: float       # SLO threshold minus worst time spent before it
    timeout_ms: float | None
    served_tail_ms: float | None  # worst-case latency of a request it answers
    cost_per_1m_requests_usd: float  # its part of the blended cost: USD per 1M requests (not calls to it)
    over_by_ms: float | None      # > 0 when a request served here misses the SLO threshold

    @property
    def cost_per_1m_usd(self) -> float:
        """Old name of :attr:`cost_per_1m_requests_usd` (per 1M *requests*), kept for callers."""
        return self.cost_per_1m_requests_usd

    @property
    def verdict(self) -> str:
        if self.over_by_ms is None:
            return "unknown (no latency stated)"
        if self.over_by_ms > 0:
            return f"over budget by {self.over_by_ms:,.0f} ms"
        return f"within budget ({-self.over_by_ms:,.0f} ms to spare)"

    @property
    def timeout_fits(self) -> bool:
        return self.timeout_ms is None or self.timeout_ms <= self.deadline_left_ms


@dataclass
class Budget(Rendered):
    """The matrix's arithmetic against one SLO. Every number here is *declared*-based."""

    slo: SLO
    rows: list[PathBudget]
    retry_share: float
    retry_budget: float
    notes: list[str] = field(default_factory=list)

    @property
    def worst_case_ms(self) -> float | None:
        vals = [r.served_tail_ms + (self.slo.threshold_ms - r.deadline_left_ms)
                for r in self.rows if r.served_tail_ms is not None]
        return max(vals) if vals else None

    @property
    def served(self) -> float:
        return sum(r.share for r in self.rows)

    @property
    def unserved(self) -> float:
        return max(0.0, 1.0 - self.served)

    @property
    def blended_cost_per_1m_requests_usd(self) -> float:
        """USD per 1M user requests: Σ reach × calls per request × the path's price per 1M calls."""
        return sum(r.cost_per_1m_requests_usd for r in self.rows)

    @property
    def blended_cost_per_1m_usd(self) -> float:
        """Old name of :attr:`blended_cost_per_1m_requests_usd` (per 1M *requests*), kept for callers."""
        return self.blended_cost_per_1m_requests_usd

    @property
    def over_budget(self) -> list[PathBudget]:
        return [r for r in self.rows if r.over_by_ms is not None and r.over_by_ms > 0]

    @property
    def verdict(self) -> str:
        worst = self.worst_case_ms
        if worst is None:
            return "unknown: no path states a latency"
        over = worst - self.slo.threshold_ms
        if over > 0:
            return f"over budget: worst-case chain {ms(worst)} vs {ms(self.slo.threshold_ms)} (by {ms(over)})"
        return f"within budget: worst-case chain {ms(worst)} vs {ms(self.slo.threshold_ms)}"

    def rows_as_dicts(self) -> list[dict]:
        return [{
            "path": r.id, "kind": r.kind, "reach %": round(100 * r.reach, 3), "serves %": round(100 * r.share, 3),
            "attempts": round(r.attempts, 4), "deadline left ms": round(r.deadline_left_ms, 1),
            "timeout ms": r.timeout_ms, "served tail ms": r.served_tail_ms,
            "contribution per 1M requests $": round(r.cost_per_1m_requests_usd, 2), "verdict": r.verdict,
        } for r in self.rows]

    #: The budget's columns, spelled out: a path's *contribution* (its price × the calls it gets
    #: per request) is not its price per call, and the two never share a header.
    COLUMNS = [Column("path"), Column("kind"), Column("reach %", "pct"), Column("serves %", "pct"),
               Column("calls per request", key="attempts"), Column("deadline left ms", "ms"),
               Column("timeout ms", "ms"), Column("served tail ms", "ms"),
               Column("contribution per 1M requests $", "usd"), Column("verdict")]

    def describe(self) -> list:
        return [Heading(f"Budget against: {self.slo}"), Table(self.rows_as_dicts(), self.COLUMNS),
                Bullets(self.summary_lines())]

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame(self.rows_as_dicts()).set_index("path")

    def summary_lines(self) -> list[str]:
        out = [self.verdict,
               f"coverage: {100 * self.served:.3f}% served, {100 * self.unserved:.3f}% unserved",
               f"retry share: {100 * self.retry_share:.2f}% of requests vs budget {pct(self.retry_budget)}"
               + (" (over budget)" if self.retry_share > self.retry_budget else ""),
               f"blended cost: {usd(self.blended_cost_per_1m_requests_usd)} per 1M requests"]
        out += [r_.id + f": timeout {ms(r_.timeout_ms)} exceeds the {ms(r_.deadline_left_ms)} left of the deadline"
                for r_ in self.rows if not r_.timeout_fits]
        return out + self.notes

    def __str__(self) -> str:
        return self.to_text()


class LatencyBudgetMatrix(Rendered, Artifact):
    """Fallback paths in chain order, each with latency, timeout, cost and coverage."""

    title = "latency-budget matrix"

    paths: list[FallbackPath]
    retry_budget_pct: Annotated[Number, Field(ge=0, le=100)] = DEFAULT_RETRY_BUDGET_PCT
    slo: SLO | None = Field(None, description="only when the matrix stands alone; a design uses its context's SLO")

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        if not self.paths:
            out.append(Problem("paths", "has no paths; expected at least a primary path and one fallback"))
        out += duplicate_ids(self.paths, "paths")
        primaries = [i for i, p in enumerate(self.paths) if p.kind == PathKind.primary.value]
        if len(primaries) != 1:
            out.append(Problem("paths", f"has {len(primaries)} paths of kind 'primary'; expected exactly one"))
        return out

    def path(self, path_id: str) -> FallbackPath:
        for p in self.paths:
            if p.id == path_id:
                return p
        raise KeyError(path_id)

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.paths]

    @property
    def primary(self) -> FallbackPath:
        return next(p for p in self.paths if p.kind == PathKind.primary.value)

    def budget(self, slo: SLO | None = None) -> Budget:
        """Explicit arithmetic of the chain against ``slo`` (default: the matrix's own)."""
        slo = slo or self.slo
        if slo is None:
            raise ValueError("no SLO: pass one, or set `slo` on a standalone matrix")
        rows, reach, spent, retries, notes = [], 1.0, 0.0, 0.0, []
        for p in self.paths:
            miss = 1 - p.serve_probability
            n_retry = p.retry.max_retries if p.retry else 0
            # expected retries: a retry happens after each miss, up to n_retry times
            exp_retries = sum(miss ** k for k in range(1, n_retry + 1))
            serve = 1 - miss ** (1 + n_retry)
            attempts = 1 + exp_retries
            retries += reach * exp_retries + (reach if p.kind == PathKind.retry.value else 0.0)
            tail = p.served_tail_ms()
            over = None if tail is None else spent + tail - slo.threshold_ms
            rows.append(PathBudget(
                id=p.id, kind=p.kind, reach=reach, share=reach * serve, attempts=attempts,
                deadline_left_ms=slo.threshold_ms - spent, timeout_ms=p.timeout_ms,
                served_tail_ms=tail, cost_per_1m_requests_usd=reach * attempts * p.cost_per_1m_usd,
                over_by_ms=over))
            give_up = p.give_up_ms()
            if give_up is None:
                notes.append(f"{p.id}: no timeout and no tail latency stated; later paths' deadlines are unknown")
                give_up = math.nan
            spent += give_up
            reach *= 1 - serve
            if p.hedge:
                notes.append(f"{p.id}: hedging after {ms(p.hedge.after_ms)} adds cost the arithmetic cannot size; simulate it")
        return Budget(slo=slo, rows=rows, retry_share=retries,
                      retry_budget=self.retry_budget_pct / 100, notes=notes)

    def rows(self) -> list[dict]:
        return [{
            "id": p.id, "name": p.name, "kind": p.kind,
            "p50 ms": p.latency.typical_ms, "p99 ms": p.latency.tail_ms, "timeout ms": p.timeout_ms,
            "price per 1M calls $": p.cost_per_1m_usd, "coverage %": p.coverage_pct, "error rate": p.error_rate,
            "quality Δ": p.quality_delta,
        } for p in self.paths]

    def to_frame(self):
        """The paths as a pandas DataFrame, in chain order, indexed by id."""
        import pandas as pd
        return pd.DataFrame(self.rows()).set_index("id")

    COLUMNS: ClassVar[list[Column]] = [Column("id"), Column("name"), Column("kind"), Column("p50 ms", "ms"), Column("p99 ms", "ms"),
               Column("timeout ms", "ms"), Column("price per 1M calls $", "usd"), Column("coverage %", "pct"),
               Column("error rate", "share"), Column("quality Δ")]

    def describe(self) -> list:
        blocks = [Heading("Latency-budget matrix (declared)"), Table(self.rows(), self.COLUMNS)]
        if self.slo is not None:
            b = self.budget()
            blocks += [Text(f"Budget against: {b.slo}"), Table(b.rows_as_dicts(), Budget.COLUMNS), Bullets(b.summary_lines())]
        return blocks
