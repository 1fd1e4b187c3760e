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

import functools
import os
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .design import Design, default_design_path


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


def is_bundled(file: str | os.PathLike) -> bool:
    """Whether ``file`` is one of the bundled scenario files itself (not a learner's copy)."""
    from .files import same_file
    return any(same_file(file, path(n)) for n in SCENARIOS)


def load(name: str, *, slo_threshold_ms: float | None = None, slo_percentile: float | None = None) -> Design:
    """The scenario's reference design, optionally held to a different SLO.

    An override replaces the context's SLO only; the matrix is unchanged, so
    ``load("support-chat", slo_threshold_ms=120).budget()`` shows what no longer fits.
    """
    return Design.load(path(name)).with_slo(threshold_ms=slo_threshold_ms, percentile=slo_percentile)


def open_design(design: str | None = None, scenario: str = "support-chat", *,
                slo_threshold_ms: float | None = None, slo_percentile: float | None = None,
                partial: bool = True) -> Design:
    """The one design a notebook works on: the learner's file when ``design`` names one,
    else the bundled ``scenario``. Every later cell derives from what this returns.

    A design in progress loads too (``partial``): its missing parts say *not yet written*.
    """
    if design and partial and not os.path.exists(design):
        # Named before it exists: the guided start in notebook 00 writes it. Every part of
        # this empty design reports itself as not yet written.
        d = Design()
        d._source = str(design)
        return d
    if design:
        d = Design.load(design, partial=partial)
        d = d.with_slo(threshold_ms=slo_threshold_ms, percentile=slo_percentile) if d.context else d
        d._source = str(design)
        return d
    d = load(scenario, slo_threshold_ms=slo_threshold_ms, slo_percentile=slo_percentile)
    d._source = f"scenario:{scenario}"
    return d


# -- text still copied from a template ---------------------------------------------------------
@dataclass(frozen=True)
class TemplateText:
    """A free-text field whose value is still the bundled template's, word for word."""
    path: str          # field path in the design, e.g. "context.description"
    scenario: str      # the bundled scenario the text comes from
    text: str

    def __str__(self) -> str:
        return f"{self.path}: still the text of the {self.scenario!r} template"


#: Fields that name things rather than describe the product: shared vocabulary, not copying.
_NOT_PROSE = {"references", "owner", "model", "provider", "region", "measurement_point", "name"}


def _text_fields(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(field path, text) for every prose string: ids, enum values and metric names are not prose."""
    out: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            if k not in _NOT_PROSE:
                out += _text_fields(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _text_fields(v, f"{prefix}[{i}]")
    elif isinstance(data, str) and len(data.split()) >= 4 and len(data.strip()) >= 24:
        out.append((prefix, " ".join(data.split())))
    return out


@functools.lru_cache(maxsize=1)
def _template_texts() -> dict[str, str]:
    """Every prose string of every bundled scenario → the first scenario that has it."""
    seen: dict[str, str] = {}
    for name in SCENARIOS:
        data, _ = _read(path(name))
        for _, text in _text_fields(data):
            seen.setdefault(text, name)
    return seen


def _read(p: str):
    from . import files
    return files.read_document(p)


def template_text_fields(design: Design | dict) -> list[TemplateText]:
    """The free-text fields of ``design`` still equal to a bundled template's text.

    ``fallbackkit new NAME`` copies the worked example; until the learner rewrites a
    description, a trigger or a runbook step for their product, that text describes someone
    else's product. The critique and ``validate`` report these; an id, a number or an enum
    value is never counted (only prose: four words or more), nor a name, owner or reference. The context's
    ``name`` is the learner's own by construction and is skipped.
    """
    data = design if isinstance(design, dict) else design.to_dict()
    known = _template_texts()
    return [TemplateText(p, known[t], t) for p, t in _text_fields(data) if t in known]


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


CATALOG_COLUMNS = ["scenario", "product", ("SLO threshold ms", "ms", "threshold ms"), ("worst-case ms", "ms", None),
                   ("blended cost per 1M requests $", "usd", "blended $/1M"), ("cost ceiling per 1M requests $", "usd", "ceiling $/1M"),
                   "constraint"]


def catalog_table():
    """The scenario library as a display table (text, HTML, Markdown; never truncated)."""
    from .display import Column, Table
    cols = [c if isinstance(c, str) else Column(c[0], c[1], c[2]) for c in CATALOG_COLUMNS]
    return Table(catalog(), cols, title="Bundled scenarios")


def catalog_text() -> str:
    return catalog_table().to_text()
