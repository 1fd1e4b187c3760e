"""The scenario library: bundled products with different constraints, each a complete
reference design (product context, traffic, prices and the four artifacts).

    from fallbackkit import scenarios
    scenarios.names()                                  # ['support-chat', 'code-assistant', ...]
    d = scenarios.load("voice-assistant")              # a validated Design
    d = scenarios.load("rag-search", slo_threshold_ms=2000)   # the same, held to a tighter SLO
    scenarios.catalog()                                # one row per scenario, numbers computed

``support-chat`` is the kit's worked example (``fk.default_design()``); the others live in
``fallbackkit/data/scenarios/<name>.yaml``. Notebooks and exercises take a ``scenario``
parameter naming one of these.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from pydantic import ValidationError

from .context import SLO
from .design import Design, default_design_path
from .problems import DesignError, from_validation_error


class UnknownScenarioError(ValueError):
    """A scenario name that is not in the library; the message lists the accepted names."""


@dataclass(frozen=True)
class Scenario:
    name: str
    constraint: str          # the one constraint that shapes this design, in a line

    @property
    def path(self) -> str:
        if self.name == "support-chat":
            return default_design_path()
        return str(resources.files("fallbackkit") / "data" / "scenarios" / f"{self.name}.yaml")


#: In teaching order. The capstone uses one the guided notebooks never show by default.
SCENARIOS: dict[str, Scenario] = {s.name: s for s in [
    Scenario("support-chat", "99.9% TTFT < 150 ms: a cache answers most fallback traffic"),
    Scenario("code-assistant", "streaming; the SLO is time to first token, 99% < 1 s"),
    Scenario("voice-assistant", "400 ms to first token on an API with a 350 ms p99: no retry fits"),
    Scenario("rag-search", "the retrieval dependency fails too: fallbacks must not read the vector store"),
    Scenario("regulated-claims", "policy violations go to a licensed human; a human case costs $4"),
    Scenario("batch-summarisation", "a loose 60 s SLO: retries are affordable and cost per call dominates"),
]}

#: The scenario of the capstone exercise: not the default of any guided notebook.
CAPSTONE = "voice-assistant"


def names() -> list[str]:
    """Names of the bundled scenarios, in teaching order."""
    return list(SCENARIOS)


def get(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except (KeyError, TypeError):
        raise UnknownScenarioError(
            f"unknown scenario {name!r}; expected one of: {', '.join(SCENARIOS)}") from None


def path(name: str) -> str:
    """The design file of a scenario."""
    return get(name).path


def load(name: str, *, slo_threshold_ms: float | None = None, slo_percentile: float | None = None) -> Design:
    """The scenario's reference design, optionally held to a different SLO.

    An override replaces the context's SLO only; the matrix is unchanged, so
    ``load("support-chat", slo_threshold_ms=120).budget()`` shows what no longer fits.
    """
    design = Design.load(path(name))
    if slo_threshold_ms is None and slo_percentile is None:
        return design
    data = design.context.slo.model_dump()
    data.update({k: v for k, v in (("threshold_ms", slo_threshold_ms), ("percentile", slo_percentile)) if v is not None})
    try:
        slo = SLO.model_validate(data)
    except ValidationError as exc:
        raise DesignError(from_validation_error(exc, prefix="context.slo", data=data)) from None
    context = design.context.model_copy(update={"slo": slo})
    return design.model_copy(update={"context": context})


def catalog() -> list[dict]:
    """One row per scenario with the numbers its reference design computes."""
    rows = []
    for s in SCENARIOS.values():
        d = load(s.name)
        b = d.budget()
        rows.append({
            "scenario": s.name, "product": d.context.name, "SLO": str(d.context.slo),
            "requests/day": d.context.traffic.requests_per_day, "constraint": s.constraint,
            "paths": len(d.matrix.paths), "modes": len(d.taxonomy.modes),
            "worst-case ms": round(b.worst_case_ms, 1), "threshold ms": d.context.slo.threshold_ms,
            "blended $/1M": round(b.blended_cost_per_1m_usd, 2),
            "ceiling $/1M": d.context.cost_ceiling_per_1m_usd,
        })
    return rows


def catalog_text() -> str:
    from . import display
    cols = ["scenario", "product", "threshold ms", "worst-case ms", "blended $/1M", "ceiling $/1M", "constraint"]
    rows = [{k: (f"{r[k]:,.0f}" if isinstance(r[k], float) else r[k]) for k in cols} for r in catalog()]
    return display.text_table(rows, cols)
