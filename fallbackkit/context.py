"""Product context: what the product is, how much traffic it takes, and its SLO."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .artifact import Artifact, Model, Number, Count
from .display import Heading, Pairs, Rendered, ms, num, usd


class Traffic(Model):
    requests_per_day: Annotated[Number, Field(gt=0, description="average requests per day")]
    peak_rps: Annotated[Number, Field(gt=0, description="peak requests per second")]


class SLO(Model):
    """An SLO in SRE form: 99.9% of requests complete in < 150 ms, at the gateway, over 28 days."""

    percentile: Annotated[Number, Field(gt=0, lt=100, description="e.g. 99.9")]
    threshold_ms: Annotated[Number, Field(gt=0)]
    window_days: Annotated[Count, Field(gt=0, description="rolling window, e.g. 28")]
    measurement_point: Annotated[str, Field(min_length=1, description="where latency is measured, e.g. 'API gateway'")]
    metric: Literal["end_to_end", "time_to_first_token"] = "end_to_end"

    @property
    def error_budget(self) -> float:
        """Share of requests allowed to miss the threshold (0.001 for 99.9%)."""
        return 1 - self.percentile / 100

    def __str__(self) -> str:
        what = "time to first token" if self.metric == "time_to_first_token" else "requests"
        return (f"{self.percentile:g}% of {what} in < {ms(self.threshold_ms)}, "
                f"measured at the {self.measurement_point}, over {self.window_days} days")


class ProductContext(Rendered, Artifact):
    """The product the fallback system protects."""

    title = "product context"

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    traffic: Traffic
    slo: SLO
    cost_ceiling_per_1m_usd: Annotated[Number, Field(ge=0, description="most the product may spend per 1M requests, USD")]

    def describe(self) -> list:
        return [Heading(self.name), Pairs([
            ("SLO", str(self.slo)),
            ("traffic", f"{num(self.traffic.requests_per_day)} requests/day, peak {num(self.traffic.peak_rps, 1 if self.traffic.peak_rps < 10 and self.traffic.peak_rps != int(self.traffic.peak_rps) else 0)} rps"),
            ("cost ceiling", f"{usd(self.cost_ceiling_per_1m_usd)} per 1M requests"),
            ("description", self.description),
        ])]
