"""The kit's own measurements, as the critique holds a design against them.

The bundled LLMPerf profiles (December 2023, Apache-2.0; ``fallbackkit/data/profiles``)
give, per model size class (7B, 13B, 70B), what real API calls measured: time to first
token and end-to-end latency of 20–150 requests per provider. Read here with the
standard library only (the critique never imports numpy), once per process.

Percentiles are order statistics (nearest rank): with 150 requests a p99 is the 149th
fastest measured request, a value some request really took, never an interpolation.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

#: size class → (smallest, largest) parameter count in billions that falls in it
SIZE_CLASSES = {"7b": (0.0, 10.0), "13b": (10.0, 35.0), "70b": (35.0, 1000.0)}
_SIZE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*b\b", re.IGNORECASE)


def size_class(*texts: str | None) -> str | None:
    """The measured size class a model id or name falls in: 'llama-3.3-70b' → '70b', '8B' → '7b'."""
    for t in texts:
        m = _SIZE.search((t or "").replace("_", "-"))
        if m:
            b = float(m.group(1))
            return next(k for k, (lo, hi) in SIZE_CLASSES.items() if lo <= b < hi)
    return None


def nearest_rank(sorted_values: list[float], q: float) -> float:
    """The q-quantile (0–1) as an order statistic: the ceil(q·n)-th smallest value."""
    n = len(sorted_values)
    return sorted_values[min(n - 1, max(0, math.ceil(q * n) - 1))]


@dataclass(frozen=True)
class Profile:
    """One provider's measurements for one size class, sorted (ms)."""

    name: str          # e.g. 'groq_70b'
    size: str          # '70b'
    ttft_ms: tuple[float, ...]
    e2e_ms: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.ttft_ms)

    def values(self, metric: str) -> tuple[float, ...]:
        return self.e2e_ms if metric == "end_to_end" else self.ttft_ms

    def quantile(self, q: float, metric: str = "time_to_first_token") -> float:
        return nearest_rank(list(self.values(metric)), q)


@dataclass(frozen=True)
class Measured:
    """The best any measured provider of a size class achieved at one quantile."""

    value_ms: float
    profile: str
    n: int

    def __str__(self) -> str:
        return f"{self.value_ms:,.0f} ms ({self.profile}, {self.n} requests)"


class KitData:
    """Latency profiles grouped by size class; every question answered by order statistics."""

    def __init__(self, profiles: list[Profile]):
        self.profiles = profiles

    @classmethod
    @lru_cache(maxsize=1)
    def bundled(cls) -> "KitData":
        root = resources.files("fallbackkit") / "data" / "profiles"
        out = []
        for p in sorted(root.iterdir(), key=lambda p: p.name):
            if not p.name.endswith(".json"):
                continue
            raw = json.loads(p.read_text())
            size = raw["name"].rsplit("_", 1)[-1]
            out.append(Profile(raw["name"], size, tuple(sorted(raw["ttft_ms"])), tuple(sorted(raw["e2e_ms"]))))
        return cls(out)

    def of_size(self, size: str) -> list[Profile]:
        return [p for p in self.profiles if p.size == size]

    def profile(self, name: str) -> Profile | None:
        """A profile by its latency-profile name: 'groq_70b_ttft', 'groq_70b_e2e' or 'groq_70b'."""
        base = re.sub(r"_(ttft|e2e)$", "", name)
        return next((p for p in self.profiles if p.name == base), None)

    def fastest(self, size: str, q: float, metric: str = "time_to_first_token") -> Measured | None:
        """The lowest q-quantile any measured provider of ``size`` reached (q=0: the fastest request)."""
        best = None
        for p in self.of_size(size):
            v = p.values(metric)[0] if q <= 0 else p.quantile(q, metric)
            if best is None or v < best.value_ms:
                best = Measured(v, p.name, p.n)
        return best
