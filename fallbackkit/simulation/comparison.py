"""Comparing two designs: risk-reduction statements with numbers, and coverage sweeps."""

from __future__ import annotations

from typing import Sequence

from .engine import simulate
from .result import SimulationResult


class Comparison:
    """Risk-reduction statements with numbers, from two simulation results."""

    def __init__(self, a: SimulationResult, b: SimulationResult, labels: tuple[str, str]):
        self.a, self.b, self.labels = a, b, labels
        self.statements = _statements(a, b, labels)

    def to_text(self) -> str:
        return "\n".join([f"{self.labels[0]} → {self.labels[1]}"] + [f"- {s}" for s in self.statements])

    def to_html(self) -> str:
        from .. import display
        return display.section(f"{self.labels[0]} → {self.labels[1]}", display.bullets(self.statements))

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def __repr__(self) -> str:
        return self.to_text()


def _change_phrase(a: SimulationResult, b: SimulationResult, labels) -> str:
    ia = {p.id: p for p in a.design.matrix.paths}
    ib = {p.id: p for p in b.design.matrix.paths}
    def called(p):
        return "the " + p.name[:1].lower() + p.name[1:]
    added = [called(ib[i]) for i in ib if i not in ia]
    removed = [called(ia[i]) for i in ia if i not in ib]
    if added and not removed:
        return "adding " + " and ".join(added)
    if removed and not added:
        return "removing " + " and ".join(removed)
    return f"going from {labels[0]} to {labels[1]}"


def _statements(a: SimulationResult, b: SimulationResult, labels) -> list[str]:
    what = _change_phrase(a, b, labels)
    pa, pb = a.percentiles["p99.9"], b.percentiles["p99.9"]
    dc = b.cost_per_1m_requests_usd - a.cost_per_1m_requests_usd
    money = f"saves ${-dc:,.2f}" if dc < 0 else f"costs ${dc:,.2f} more"
    out = [f"{what[0].upper() + what[1:]} moves p99.9 from {pa:,.1f} ms to {pb:,.1f} ms and {money} per 1M requests "
           f"(${a.cost_per_1m_requests_usd:,.2f} → ${b.cost_per_1m_requests_usd:,.2f})."]
    out.append(f"p99 moves from {a.percentiles['p99']:,.1f} ms to {b.percentiles['p99']:,.1f} ms; "
               f"p50 from {a.percentiles['p50']:,.1f} ms to {b.percentiles['p50']:,.1f} ms.")
    ma, mb = 1e6 * a.bad_share, 1e6 * b.bad_share
    rel = f" ({100 * (mb - ma) / ma:+.0f}%)" if ma > 0 else ""
    out.append(f"Requests missing the SLO ({a.slo.threshold_ms:g} ms): {ma:,.0f} → {mb:,.0f} per 1M{rel}; "
               f"attainment {100 * a.slo_attainment:.3f}% → {100 * b.slo_attainment:.3f}%; "
               f"error-budget burn {a.error_budget_burn:,.2f}× → {b.error_budget_burn:,.2f}×.")
    out.append(f"Unserved requests: {1e6 * a.unserved:,.0f} → {1e6 * b.unserved:,.0f} per 1M.")
    share_b = {p.id: p for p in b.paths}
    for p in a.paths:
        if p.id in share_b and abs(share_b[p.id].share - p.share) > 1e-4:
            out.append(f"{p.id} serves {100 * p.share:.2f}% → {100 * share_b[p.id].share:.2f}% of traffic.")
    for p in b.paths:
        if p.id not in {x.id for x in a.paths}:
            out.append(f"{p.id} (new) serves {100 * p.share:.2f}% of traffic, p99.9 {p.p999:,.1f} ms.")
    if a.n_requests != b.n_requests or a.seed != b.seed:
        out.append(f"Note: runs differ in N or seed ({a.n_requests:,}/{a.seed} vs {b.n_requests:,}/{b.seed}).")
    return out


def compare(a, b, labels: tuple[str, str] = ("A", "B"), **kwargs) -> Comparison:
    """Compare two designs (simulated with the same N and seed) or two results."""
    if not isinstance(a, SimulationResult):
        a = simulate(a, **kwargs)
    if not isinstance(b, SimulationResult):
        b = simulate(b, **kwargs)
    return Comparison(a, b, labels)


def sweep_coverage(design, path: str, coverages: Sequence[float], **kwargs) -> list[dict]:
    """Simulate ``design`` with ``path``'s coverage_pct set to each value: cost, p99.9, SLO attainment."""
    out = []
    for c in coverages:
        d = design.model_copy(deep=True)
        d.matrix.path(path).coverage_pct = float(c)
        r = simulate(d, **kwargs)
        out.append({"coverage_pct": float(c), "cost_per_1m_requests_usd": r.cost_per_1m_requests_usd,
                    "p99.9_ms": r.percentiles["p99.9"], "slo_attainment": r.slo_attainment,
                    "unserved": r.unserved, "share": r.path(path).share})
    return out


