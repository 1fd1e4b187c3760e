"""fallbackkit.artifact: the strict numbers (no bools, inf or NaN) and enum fields holding plain values."""

import pydantic
import pytest

import fallbackkit as fk


def test_enum_defaults_are_plain_values_and_numbers_are_strict():
    """Defaults hold the enum's value like loaded fields do."""
    from fallbackkit.matrix import RetryPolicy

    on = RetryPolicy(max_retries=2).on
    assert on and all(type(c) is str for c in on)
    assert {str(c) for c in on} == set(on)          # 'dependency_failure', not 'Category.dependency_failure'


def test_numbers_are_strict():
    """Bools, inf, NaN and numeric text are not numbers."""
    from fallbackkit.matrix import CircuitBreaker
    from fallbackkit.problems import DesignError

    for bad in (True, float("inf"), float("nan"), "30"):
        with pytest.raises(pydantic.ValidationError, match="cooldown_s"):   # not any error: this field's
            CircuitBreaker(cooldown_s=bad)
    d = fk.default_design().to_dict()
    d["matrix"]["paths"][0]["coverage_pct"] = True
    with pytest.raises(DesignError, match=r"matrix\.paths\[0\]\.coverage_pct"):
        fk.Design.from_dict(d)
