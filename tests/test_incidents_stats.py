"""Durations and statistics, checked against the hand-made file's worked answers and the real data recomputed."""

import gzip
import io
from pathlib import Path

import pytest
from incident_data import value

from fallbackkit.incidents import bundled_path, recovery_band


def test_durations_of_each_incident(tiny):
    assert [value(tiny, "A", m) for m in ("time_to_identify", "time_to_repair", "time_to_verify",
                                          "time_to_postmortem", "time_to_resolve")] == [10, 30, 20, 2880, 60]
    assert value(tiny, "B", "time_to_resolve") == 90          # from identified, converted from +02:00
    assert value(tiny, "B", "time_to_identify") is None       # no investigating stamp: missing
    assert value(tiny, "D", "time_to_identify") is None       # −10 min, out of order: excluded
    assert tiny.durations().loc["D", "time_to_identify_status"] == "out_of_order"
    assert value(tiny, "D", "time_to_resolve") == 70          # earliest of inv/ident/mon = 11:50
    assert value(tiny, "G", "time_to_identify") == 45
    assert value(tiny, "H", "time_to_resolve") == 30


def test_missing_stage_is_missing_never_zero(tiny):
    assert value(tiny, "C", "time_to_resolve") is None
    assert value(tiny, "G", "time_to_resolve") is None
    assert tiny.durations().loc["C", "time_to_resolve_status"] == "missing"


def test_metrics_all(tiny):
    m = tiny.metrics()
    ttr = m.get("all", "time_to_resolve")           # values 60, 90, 70, 30
    assert (ttr.count, ttr.missing, ttr.excluded) == (4, 2, 0)
    assert ttr.mean == 62.5 and ttr.median == 65
    assert ttr.p90 == pytest.approx(84)             # sorted 30 60 70 90, position 2.7 → 70 + 0.7·20
    ident = m.get("all", "time_to_identify")        # 10 and 45; D excluded; B, C, H missing
    assert (ident.count, ident.missing, ident.excluded, ident.mean) == (2, 3, 1, 27.5)


def test_time_between_failures_per_component(tiny):
    # X: A (Jan 1 10:00) → B (Jan 2 07:00) = 1260; Y: A → D (Jan 3 11:50) = 2990;
    # Z: C (Jan 2 12:00) → G (Jan 4 09:00) = 2700 → H (Jan 5 10:00) = 1500
    m = tiny.metrics(by="component")
    assert m.get("X", "time_between_failures").mean == 1260
    assert m.get("Y", "time_between_failures").mean == 2990
    z = m.get("Z", "time_between_failures")
    assert (z.count, z.missing, z.median) == (2, 1, 2100)
    allm = tiny.metrics().get("all", "time_between_failures")
    assert (allm.count, allm.missing, allm.mean, allm.median) == (4, 3, 2112.5, 2100)
    assert allm.p90 == pytest.approx(2903)          # 2700 + 0.7·290


def test_metrics_by_provider_and_window(tiny):
    p = tiny.metrics(by="provider")
    assert p.get("p1", "time_to_resolve").median == 70     # 60, 90, 70
    assert (p.get("p2", "time_to_resolve").count, p.get("p2", "time_to_resolve").missing) == (1, 2)
    assert sorted(p.get("p1", "time_between_failures").__dict__[k] for k in ("count",)) == [2]  # B and D
    w = tiny.metrics(by="window", window="M")
    assert {s.group for s in w.stats} == {"2024-01"}
    assert w.get("2024-01", "time_to_resolve").count == 4
    assert tiny.metrics(by="impact").get("critical", "time_to_resolve").median == 90  # B only
    with pytest.raises(ValueError, match="expected component, provider"):
        tiny.metrics(by="colour")


def test_skew_warning():
    from fallbackkit.incidents.stats import _stats
    assert "3.0× the median" in _stats("g", "m", [10, 10, 10, 90], 0, 0).warning  # mean 30, median 10
    assert _stats("g", "m", [10, 11, 12, 13], 0, 0).warning == ""


def test_recovery_bands(tiny):
    assert [recovery_band(v) for v in (59, 60, 1439, 1440, 10079, 10080, None)] == \
        ["elite", "high", "high", "medium", "medium", "low", "unknown"]
    rows = {r["component"]: r for r in tiny.recovery_bands()}
    assert rows["X"]["median_min"] == 75 and rows["X"]["band"] == "high"     # A 60, B 90
    assert rows["Z"]["measured"] == 1 and rows["Z"]["band"] == "elite"       # H 30


def test_real_counts(real):
    assert len(real) == 542
    assert real.providers == {"anthropic": 141, "character": 36, "openai": 365}
    q = real.quality
    assert (len(q.out_of_order), len(q.only_resolved), len(q.no_component), len(q.impact_outside_0_3)) == (5, 66, 67, 2)
    assert q.suspected_duplicates == [("h0trpydy4dqw", "ysf94679ff28")]
    assert real.metrics().get("all", "time_to_resolve").count == 476     # 542 − 66 resolved-only


def test_real_metrics_recomputed_independently(real):
    import pandas as pd
    df = pd.read_csv(io.BytesIO(gzip.decompress(Path(bundled_path()).read_bytes())))
    for s in ("investigating", "identified", "monitoring", "resolved"):
        df[s] = pd.to_datetime(df[s], utc=True)
    ttr = (df["resolved"] - df[["investigating", "identified", "monitoring"]].min(axis=1)).dt.total_seconds() / 60
    m = real.metrics(by="provider")
    for prov in ("openai", "anthropic", "character"):
        vals = ttr[df["provider"] == prov].dropna()
        s = m.get(prov, "time_to_resolve")
        assert s.count == len(vals) and s.median == pytest.approx(vals.median()) and s.mean == pytest.approx(vals.mean())
        assert s.p90 == pytest.approx(vals.quantile(0.9))
    assert m.get("openai", "time_to_resolve").median == 77
