"""The data-quality report: every oddity of the hand-made file counted."""

from incident_data import TINY, value

from fallbackkit.incidents import IncidentLog


def test_quality_report_counts_everything(tiny):
    q = tiny.quality
    assert (q.rows, q.incidents, len(tiny)) == (8, 6, 6)
    assert q.duplicate_rows == ["A"] and q.conflicting_duplicates == ["D"]
    assert tiny.frame.loc["D", "title"] == "Increased latency"                # first copy kept
    assert q.out_of_order == ["D"]
    assert [tiny.frame.loc[i, "line"] for i in ("A", "B", "G", "H")] == [2, 4, 10, 11]  # A's text spans 2 lines
    assert q.missing_resolution == ["G"] and q.only_resolved == ["C"]
    assert q.naive_stamps == 2 and q.non_utc_incidents == ["B"]
    assert dict(q.offsets) == {"+00:00": 13, "+02:00": 1} and q.mixed_time_zones
    text = q.to_text()
    assert "stages out of order" in text and "MIXED" in text


def test_keep_out_of_order_on_request(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(TINY)
    log = IncidentLog.read(p, out_of_order="keep")
    assert value(log, "D", "time_to_identify") == -10
    assert log.metrics().get("all", "time_to_identify").count == 3
