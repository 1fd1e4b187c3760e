"""The engines run tasks in order-preserving, failure-tolerant batches (fallbackkit.dispatch);
the sweep they run is tests/test_grid.py."""

import pytest

from fallbackkit.dispatch import Engine, TaskFailed, run_tasks


def _square_or_fail(x):
    if x == 3:
        raise ValueError("three is not allowed")
    return x * x


def test_serial_engine_keeps_order_reports_each_result_and_survives_a_failure():
    seen = []
    out = run_tasks(_square_or_fail, [1, 2, 3, 4], engine="serial", on_result=lambda i, r: seen.append(i))
    assert out[:2] == [1, 4] and out[3] == 16
    assert isinstance(out[2], TaskFailed) and out[2].error == "ValueError: three is not allowed"
    assert seen == [0, 1, 2, 3]


def test_an_unknown_engine_names_the_known_ones():
    with pytest.raises(ValueError, match="engine 'spark'; expected one of dask, serial"):
        Engine("spark")


def test_dask_engine_gives_what_serial_gives():
    seen = []
    with Engine("dask", workers=2) as e:
        out = e.map(_square_or_fail, list(range(8)), on_result=lambda i, r: seen.append(i))
        assert "dask LocalCluster, 2 worker processes" == e.description
    serial = run_tasks(_square_or_fail, list(range(8)), engine="serial")
    assert [getattr(r, "error", r) for r in out] == [getattr(r, "error", r) for r in serial]
    assert sorted(seen) == list(range(8))
