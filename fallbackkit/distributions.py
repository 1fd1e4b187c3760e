"""Latency distribution specs: how a path's latency is described in a design file.

These are data only (the model layer); :mod:`fallbackkit.latency` samples them.
Each spec is tagged by ``kind``::

    {kind: constant, ms: 30}
    {kind: lognormal, p50_ms: 40, p99_ms: 180}          # fitted from two percentiles
    {kind: shifted, floor_ms: 20, base: {kind: lognormal, p50_ms: 10, p99_ms: 60}}
    {kind: mixture, components: [{weight: 0.9, dist: ...}, {weight: 0.1, dist: ...}]}
    {kind: profile, name: groq_70b_ttft}                 # resampled real measurements
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from .artifact import Model, Number

NonNegMs = Annotated[Number, Field(ge=0, description="milliseconds, ≥ 0")]


class Constant(Model):
    """Every request takes exactly ``ms``."""

    kind: Literal["constant"]
    ms: NonNegMs


class LogNormal(Model):
    """A lognormal fitted so that its p50 and p99 are the two numbers given."""

    kind: Literal["lognormal"]
    p50_ms: Annotated[Number, Field(gt=0)]
    p99_ms: Annotated[Number, Field(gt=0)]

    @model_validator(mode="after")
    def _ordered(self):
        if self.p99_ms < self.p50_ms:
            raise ValueError(f"p99_ms ({self.p99_ms:g}) is below p50_ms ({self.p50_ms:g}); expected p50_ms ≤ p99_ms")
        return self


class Shifted(Model):
    """A floor (network round trip, say) plus another distribution."""

    kind: Literal["shifted"]
    floor_ms: NonNegMs
    base: "Distribution"


class Component(Model):
    weight: Annotated[Number, Field(gt=0, le=1, description="share of requests, 0–1")]
    dist: "Distribution"


class Mixture(Model):
    """Requests draw from one component with probability ``weight`` (weights sum to 1)."""

    kind: Literal["mixture"]
    components: Annotated[list[Component], Field(min_length=1)]

    @model_validator(mode="after")
    def _weights(self):
        total = sum(c.weight for c in self.components)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"component weights sum to {total:g}; expected 1")
        return self


class Profile(Model):
    """Resample a bundled profile of real measured latencies (see ``latency.profiles()``)."""

    kind: Literal["profile"]
    name: str
    scale: Annotated[Number, Field(gt=0)] = 1.0


Distribution = Annotated[
    Union[Constant, LogNormal, Shifted, Mixture, Profile], Field(discriminator="kind")
]

Shifted.model_rebuild()
Component.model_rebuild()
Mixture.model_rebuild()
