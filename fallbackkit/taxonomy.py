"""The failure taxonomy: how the LLM product fails, how bad it is, and who acts.

A :class:`FailureTaxonomy` holds at least five :class:`FailureMode` entries. Each has a
severity P0–P3 defined by metrics, a detection signal, a mitigation that names a fallback
path of the latency-budget matrix (by id only, so the taxonomy stands alone), a runbook
entry and an owner.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from .artifact import Artifact, Id, Model, duplicate_ids, Number, Count
from .display import Column, Heading, Rendered, Table, num
from .problems import Problem

MIN_MODES = 5


class Severity(StrEnum):
    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"


class Category(StrEnum):
    """What kind of failure; the simulator and router exports key their behaviour on it."""

    latency_breach = "latency_breach"          # slow response, timeout
    confidence_drop = "confidence_drop"        # answer arrives but scores below threshold
    policy_violation = "policy_violation"      # content policy / safety filter
    resource_exhaustion = "resource_exhaustion"  # 429 rate limit, quota, capacity
    dependency_failure = "dependency_failure"  # 5xx, retrieval store, network
    context_window = "context_window"          # prompt too long for the model
    provider_outage = "provider_outage"        # the provider is down for minutes
    other = "other"


class SeverityDefinition(Model):
    """What a severity level means, in numbers (e.g. 'SLO attainment < 99% over 1 h')."""

    criterion: Annotated[str, Field(min_length=1)]
    response: str = ""


class DetectionSignal(Model):
    """The metric that reveals the failure: ``metric comparator threshold`` over ``window``."""

    metric: Annotated[str, Field(min_length=1)]
    comparator: str = ">"
    threshold: Number
    unit: str = ""
    window: Annotated[str, Field(min_length=1, description="e.g. '5m'")]

    def __str__(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.metric} {self.comparator} {num(self.threshold, _digits(self.threshold))}{unit} over {self.window}"


class Mitigation(Model):
    path: Annotated[Id, Field(description="id of the fallback path in the latency-budget matrix")]
    note: str = ""


class RunbookEntry(Model):
    id: Id
    title: Annotated[str, Field(min_length=1)]
    steps: list[str] = []


class FailureMode(Model):
    id: Id
    name: Annotated[str, Field(min_length=1)]
    category: Category
    trigger: str = ""
    detection: DetectionSignal
    severity: Severity
    occurrence: Annotated[Number, Field(ge=0, le=1, description="share of requests hit, 0–1")]
    detectability: Annotated[Count, Field(ge=1, le=10, description="1 = always caught … 10 = invisible")] = 3
    user_effect: str = ""
    mitigation: Mitigation
    runbook: RunbookEntry
    owner: Annotated[str, Field(min_length=1)]
    occurs_on: Id | None = Field(None, description="path where it happens (default: the first path)")
    references: list[str] = []


class FailureTaxonomy(Rendered, Artifact):
    """At least five failure modes with metric-defined severities. Stands alone."""

    title = "failure taxonomy"

    severity_levels: dict[Severity, SeverityDefinition]
    modes: list[FailureMode]

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        if len(self.modes) < MIN_MODES:
            out.append(Problem("modes", f"has {len(self.modes)} failure modes; expected at least {MIN_MODES}"))
        out += duplicate_ids(self.modes, "modes")
        out += self._occurrence_problems()
        for i, m in enumerate(self.modes):
            if m.severity not in self.severity_levels:
                out.append(Problem(f"modes[{i}].severity",
                                   f"severity {m.severity} has no definition in severity_levels; define what {m.severity} means in numbers"))
            if not m.runbook.steps:
                out.append(Problem(f"modes[{i}].runbook.steps", "runbook entry has no steps; expected at least one step for the on-call"))
        return out

    def _occurrence_problems(self) -> list[Problem]:
        # The modes of one path are mutually exclusive outcomes of one call (the simulator
        # draws one of them per request), so their rates are shares of the same requests.
        by_path: dict[str | None, list[int]] = {}
        for i, m in enumerate(self.modes):
            by_path.setdefault(m.occurs_on, []).append(i)
        out = []
        for path, idx in by_path.items():
            total = math.fsum(self.modes[i].occurrence for i in idx)
            if total > 1 + 1e-12:
                where = f"path {path!r}" if path else "the first path (no occurs_on)"
                out.append(Problem(f"modes[{idx[-1]}].occurrence",
                                   f"occurrence rates of the modes on {where} sum to {total:g} "
                                   f"({', '.join(f'modes[{i}]' for i in idx)}); expected a total of at most 1: "
                                   "they are shares of the same requests"))
        return out

    def mode(self, mode_id: str) -> FailureMode:
        for m in self.modes:
            if m.id == mode_id:
                return m
        raise KeyError(mode_id)

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.modes]

    def rows(self) -> list[dict]:
        return [{
            "id": m.id, "name": m.name, "category": m.category, "severity": m.severity,
            "occurrence": m.occurrence, "detection": str(m.detection),
            "mitigation": m.mitigation.path, "runbook": m.runbook.id, "owner": m.owner,
        } for m in self.modes]

    def to_frame(self):
        """The modes as a pandas DataFrame, one row per mode, indexed by id."""
        import pandas as pd
        return pd.DataFrame(self.rows()).set_index("id")

    def describe(self) -> list:
        cols = [Column("id"), Column("name"), Column("category"), Column("severity"),
                Column("share of requests hit", "share", "occurrence"), Column("detection"),
                Column("mitigating path", key="mitigation"), Column("runbook"), Column("owner")]
        levels = [{"severity": k, "criterion": v.criterion, "response": v.response}
                  for k, v in sorted(self.severity_levels.items())]
        return [Heading("Failure taxonomy"), Table(self.rows(), cols),
                Table(levels, ["severity", "criterion", "response"], title="Severity levels")]


def _digits(x: float) -> int:
    """Decimals worth showing for a threshold: 0.2 keeps one, 20000 none."""
    if x == int(x):
        return 0
    return max(1, min(4, len(f"{x:.4f}".rstrip("0").split(".")[1])))
