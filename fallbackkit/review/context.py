"""The one object every check reads: the design, its budget, simulated numbers, the kit's data.

Checks write through it too: :meth:`Review.find` records a finding of a registered check,
:meth:`Review.ev` a line of evidence for a rubric criterion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..design import Design
from ..matrix import Budget
from .numbers import SimulatedNumbers
from .registry import CHECKS, CRITERIA, FindingSeverity
from .results import Evidence, Finding

#: Most provider calls one request may cause, retries and hedges included (LiteLLM-style caps).
MAX_CALLS_PER_REQUEST = 4


@dataclass
class Review:
    """Inputs of one critique run and the findings and evidence it collects."""

    design: Design
    sim: SimulatedNumbers | None = None
    max_calls_per_request: int = MAX_CALLS_PER_REQUEST
    findings: list[Finding] = field(default_factory=list)
    evidence: dict[str, list[Evidence]] = field(default_factory=lambda: {c: [] for c in CRITERIA})

    @cached_property
    def budget(self) -> Budget | None:
        """The matrix's declared arithmetic, or None when the design cannot support it."""
        try:
            return self.design.budget()
        except Exception:  # noqa: BLE001 - an unvalidated design may not support the arithmetic
            return None

    @cached_property
    def texts(self) -> list[tuple[str, str]]:
        """Every free-text field as (field path, text), read once per critique."""
        from .text import free_text
        return free_text(self.design)

    @cached_property
    def kit(self):
        """The kit's own measurements (latency profiles), loaded on first use."""
        from .kitdata import KitData
        return KitData.bundled()

    # -- writing ---------------------------------------------------------------------------
    def find(self, check: str, location: str, message: str, fix: str, severity: FindingSeverity | None = None) -> Finding:
        c = CHECKS[check]
        f = Finding(check, severity or c.severity, location, message, fix, c.flaw_class)
        self.findings.append(f)
        return f

    def ev(self, criterion: str, ok: bool, text: str, location: str, scored: bool = True) -> None:
        self.evidence[criterion].append(Evidence(text, location, bool(ok), scored))

    # -- numbers the design states or computes (what free text may quote) ------------------------
    def known_numbers(self) -> dict[str, set[float]]:
        """Every dollar figure (per 1M), millisecond figure and percentage the design gives."""
        d, b, sim = self.design, self.budget, self.sim
        usd = {d.context.cost_ceiling_per_1m_usd}
        ms = {d.context.slo.threshold_ms}
        pct = {d.context.slo.percentile, 100 - d.context.slo.percentile, 100 * d.context.slo.error_budget,
               d.matrix.retry_budget_pct, 0.0, 100.0}
        for p in d.matrix.paths:
            usd.add(p.cost_per_1m_usd)
            if p.price_per_call_usd is not None:
                usd.add(p.price_per_call_usd * 1e6)
            lat = p.latency
            ms.update(v for v in (lat.p50_ms, lat.p95_ms, lat.p99_ms, lat.tail_ms, lat.typical_ms, p.timeout_ms,
                                  p.give_up_ms(), p.served_tail_ms()) if v is not None)
            if p.hedge:
                ms.add(p.hedge.after_ms)
            if p.retry:
                ms.update(p.retry.delay_ms(k) for k in range(1, p.retry.max_retries + 1))
                ms.update((p.retry.backoff_base_ms, p.retry.backoff_max_ms))
            # "the 1–5% tail the percentiles already have": the share beyond each declared percentile
            pct.update(100 - q for q, v in ((50, lat.p50_ms), (95, lat.p95_ms), (99, lat.p99_ms)) if v is not None)
            if p.circuit_breaker:
                cb = p.circuit_breaker
                ms.update((cb.window_s * 1000, cb.cooldown_s * 1000))
                pct.add(100 * cb.failure_rate_threshold)
            pct.update((p.coverage_pct, 100 * p.error_rate, 100 * abs(p.quality_delta)))
        for m in d.taxonomy.modes:
            pct.add(100 * m.occurrence)
            unit = (m.detection.unit or "").strip().lower()
            (ms if unit == "ms" else pct if unit in ("%", "percent") else set()).add(m.detection.threshold)
        if b is not None:
            usd.add(b.blended_cost_per_1m_usd)
            usd.add(sum(r.cost_per_1m_usd for r in b.rows if r.kind != "primary"))
            if b.worst_case_ms is not None:
                ms.add(b.worst_case_ms)
            pct.update((100 * b.served, 100 * b.unserved, 100 * b.retry_share))
            for r in b.rows:
                usd.add(r.cost_per_1m_usd)
                ms.add(r.deadline_left_ms)
                if r.served_tail_ms is not None:
                    ms.add(r.served_tail_ms)
                    ms.add(r.served_tail_ms + d.context.slo.threshold_ms - r.deadline_left_ms)
                pct.update((100 * r.share, 100 * r.reach, 100 * (1 - r.share)))
        if sim is not None:
            usd.update(v for v in (sim.cost_per_1m_usd,) if v is not None)
            ms.update(sim.path_p99_ms.values())
            ms.update(sim.path_p50_ms.values())
            pct.update(100 * v for v in (sim.slo_attainment, sim.unserved, sim.retry_share) if v is not None)
            pct.update(100 * v for v in sim.path_share.values())
        return {"usd": usd, "ms": ms, "pct": pct}

    def cost_text(self) -> str:
        b, sim = self.budget, self.sim
        if sim is not None and sim.cost_per_1m_usd is not None:
            return f"${sim.cost_per_1m_usd:,.2f} per 1M simulated"
        return f"${b.blended_cost_per_1m_usd:,.2f} per 1M declared" if b is not None else "unknown"

    def worst_text(self) -> str:
        w = self.budget.worst_case_ms if self.budget is not None else None
        return "unknown" if w is None else f"{w:,.0f} ms"
