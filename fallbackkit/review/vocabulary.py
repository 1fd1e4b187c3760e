"""Words and thresholds the checks share: path kinds, core categories, severity order.

Numbers print through :mod:`fallbackkit.display` (``pct``, ``usd``, ``ms0``), not from here."""

from __future__ import annotations

from typing import Any

from ..matrix import PathKind
from ..taxonomy import Category

#: Provider-calling path kinds: retries and hedges on these are what storms are made of.
PROVIDER_KINDS = {PathKind.primary.value, PathKind.retry.value, PathKind.alternate_model.value,
                  PathKind.alternate_provider.value}
DETERMINISTIC_KINDS = {PathKind.cache.value, PathKind.rule_engine.value, PathKind.static_response.value}
#: The template's five core failure categories.
CORE_CATEGORIES = [Category.latency_breach.value, Category.confidence_drop.value, Category.policy_violation.value,
                   Category.resource_exhaustion.value, Category.dependency_failure.value]
#: A retry cannot fix these: the same prompt gets the same refusal or the same overflow.
NON_RETRYABLE = {Category.policy_violation.value, Category.context_window.value}
#: Declared and simulated shares of a path may differ by this much (5 points) before it is a finding.
SHARE_GAP = 0.05

__all__ = ["PROVIDER_KINDS", "DETERMINISTIC_KINDS", "CORE_CATEGORIES", "NON_RETRYABLE", "SHARE_GAP", "sev_rank"]


def sev_rank(sev: Any) -> int:
    """P0 → 0 … P3 → 3; anything else ranks last."""
    try:
        return int(sev[1:])
    except (ValueError, IndexError, TypeError):
        return 9
