"""A sweep over a grid of field values (fallbackkit.grid): the grid syntax, field paths, the frame
and the ``sweep`` command. The engines it runs on are tests/test_dispatch.py."""

import math

import pytest

import fallbackkit as fk
from fallbackkit.cli import main
from fallbackkit.grid import apply, parse_grid

from cli_run import run


def test_grid_syntax_and_field_paths():
    assert parse_grid(["primary.timeout_ms=60,85,120", "cache.coverage_pct=50.5,70"]) == {
        "primary.timeout_ms": [60, 85, 120], "cache.coverage_pct": [50.5, 70]}
    for bad, msg in [("timeout_ms=60", "expected PATH_ID.FIELD=V1,V2"), ("primary.timeout_ms=sixty", "'sixty' is not a number")]:
        with pytest.raises(ValueError, match=msg):
            parse_grid([bad])


def test_a_grid_point_changes_a_copy_at_its_field_path():
    d = fk.default_design()
    changed = apply(d, {"primary.timeout_ms": 60, "context.slo.threshold_ms": 900})
    assert changed.matrix.path("primary").timeout_ms == 60 and changed.context.slo.threshold_ms == 900
    assert d.matrix.path("primary").timeout_ms != 60          # the original is untouched
    with pytest.raises(fk.DesignError, match="unknown path 'primry'; expected 'context' or one of primary, cache"):
        apply(d, {"primry.timeout_ms": 60})


def test_sweep_is_a_frame_a_learner_can_chart():
    d = fk.default_design()
    frame = fk.sweep(d, {"primary.timeout_ms": [40, 85], "cache.coverage_pct": [10, 90]}, n_requests=4000, seed=1)
    assert list(frame.columns[:2]) == ["primary.timeout_ms", "cache.coverage_pct"] and len(frame) == 4
    assert frame[["primary.timeout_ms", "cache.coverage_pct"]].values.tolist() == [[40, 10], [40, 90], [85, 10], [85, 90]]
    # each row is that design's own simulation: the same row as simulating the variant directly
    sim = fk.simulate(apply(d, {"primary.timeout_ms": 85, "cache.coverage_pct": 90}), n_requests=4000, seed=1)
    assert math.isclose(frame.iloc[3]["slo_attainment"], round(sim.slo_attainment, 6))
    assert math.isclose(frame.iloc[3]["cost_per_1m_usd"], round(sim.cost_per_1m_usd, 4))
    # a shorter primary timeout shrinks the worst-case chain
    assert frame.iloc[0]["worst_case_ms"] < frame.iloc[2]["worst_case_ms"]
    with pytest.raises(fk.DesignError, match=r"coverage_pct.*\(with cache.coverage_pct=150\)"):
        fk.sweep(d, {"cache.coverage_pct": [150]}, n_requests=1000)


def test_sweep_cli_writes_csv(tmp_path, capsys):
    design = tmp_path / "d.yaml"
    fk.default_design().save(design)
    out = tmp_path / "sweep.csv"
    assert main(["sweep", str(design), "--grid", "primary.timeout_ms=60,120", "--requests", "2000",
                 "--out", str(out), "--serial"]) == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("primary.timeout_ms,slo_attainment,meets_slo,p50_ms") and len(lines) == 3
    assert main(["sweep", str(design), "--grid", "primary.timeout_ms"]) == 2
    assert "expected PATH_ID.FIELD=V1,V2" in capsys.readouterr().err
    assert main(["sweep", str(design), "--grid", "primary.timeout_ms=60", "--scheduler", "localhost:8786"]) == 2
    assert "expected an address such as tcp://HOST:8786" in capsys.readouterr().err


@pytest.mark.parametrize("flag, value, expected", [
    ("--seed", "-1", "argument --seed: '-1': expected a seed between 0 and 2**63 - 1"),
    ("--requests", "0", "argument --requests/-n: '0': expected a whole number of requests > 0"),
])
def test_sweep_holds_its_flags_to_the_simulators_rules(flag, value, expected):
    # the same argument types as `simulate`: a bad value is named on the command line, not
    # reported later as a failed simulation
    code, out, err = run("sweep", fk.default_design_path(), "--grid", "primary.timeout_ms=60,85",
                         "--serial", flag, value)
    assert code == 2 and out == "" and expected in err and "a simulation failed" not in err


def test_sweep_takes_a_request_count_written_as_1e3():
    code, out, _ = run("sweep", fk.default_design_path(), "--grid", "primary.timeout_ms=60,85",
                       "--serial", "--requests", "1e3")
    assert code == 0 and len(out.strip().splitlines()) == 3
