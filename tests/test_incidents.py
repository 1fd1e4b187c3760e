"""Incident histories: every number checked against a hand-made file whose answers are
worked out in the comments, and against the real dataset recomputed independently."""

import datetime as dt
import gzip
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import fallbackkit as fk
from fallbackkit.cli import main
from fallbackkit.incidents import (ActionTracker, IncidentLog, bundled_path, categorize,
                                   postmortem_document, recovery_band)
from fallbackkit.postmortem import PostMortemLoop
from fallbackkit.problems import DesignError

# shared/ sits beside the repository (as in CI, where a copy is laid next to the clone)
SHARED_CSV = Path(__file__).resolve().parents[2] / "shared/data/llm-incidents/incident_stages.csv"

# Eight rows, six incidents (all times UTC unless said):
#  A  X;Y  inv 10:00 ident 10:10 mon 10:40 res 11:00 (Jan 1), postmortem Jan 3 11:00
#         → identify 10, repair 30, verify 20, post-mortem 2880, resolve 60
#  B  X    ident 09:00+02:00 (= 07:00 UTC, Jan 2), res 08:30 → resolve 90; the rest missing
#  C  Z    only resolved (Jan 2 12:00)                         → resolve MISSING, not 0
#  D  Y    inv 12:00 ident 11:50 mon 12:30 res 13:00 (Jan 3)   → identify −10 (out of order,
#          excluded), repair 40, verify 30, resolve 13:00 − 11:50 = 70
#  A  again, identical                                          → duplicate row, dropped
#  D  again, other title                                        → conflicting duplicate, dropped
#  G  Z    inv 09:00 ident 09:45 (Jan 4), never resolved       → identify 45; resolve missing
#  H  Z    inv 10:00 res 10:30 (Jan 5), no time zone           → resolve 30, 2 naive stamps
TINY = """\
id,title,provider,impact,components,investigating,identified,monitoring,resolved,postmortem,investigating_description
A,Elevated errors on API,p1,1,X;Y,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,2024-01-01T10:40:00Z,2024-01-01T11:00:00Z,2024-01-03T11:00:00Z,"We are
investigating <script>alert(1)</script> errors."
B,API outage,p1,3,X,,2024-01-02T09:00:00+02:00,,2024-01-02T08:30:00Z,,
C,Login issues,p2,0,Z,,,,2024-01-02T12:00:00Z,,
D,Increased latency,p1,2,Y,2024-01-03T12:00:00Z,2024-01-03T11:50:00Z,2024-01-03T12:30:00Z,2024-01-03T13:00:00Z,,
A,Elevated errors on API,p1,1,X;Y,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,2024-01-01T10:40:00Z,2024-01-01T11:00:00Z,2024-01-03T11:00:00Z,"We are
investigating <script>alert(1)</script> errors."
D,Something else entirely,p1,2,Y,2024-01-03T12:00:00Z,,,2024-01-03T13:00:00Z,,
G,Degraded performance,p2,1,Z,2024-01-04T09:00:00Z,2024-01-04T09:45:00Z,,,,
H,Elevated error rate,p2,2,Z,2024-01-05 10:00,,,2024-01-05 10:30,,
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    p = tmp_path_factory.mktemp("inc") / "tiny.csv"
    p.write_text(TINY)
    return IncidentLog.read(p)


@pytest.fixture(scope="module")
def real():
    return IncidentLog.bundled()


def value(log, rid, metric):
    v = log.durations().loc[rid, metric]
    return None if v != v else v


# -- durations, exactly as defined ----------------------------------------------------------
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


def test_keep_out_of_order_on_request(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(TINY)
    log = IncidentLog.read(p, out_of_order="keep")
    assert value(log, "D", "time_to_identify") == -10
    assert log.metrics().get("all", "time_to_identify").count == 3


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
    from fallbackkit.incidents import _stats
    assert "3.0× the median" in _stats("g", "m", [10, 10, 10, 90], 0, 0).warning  # mean 30, median 10
    assert _stats("g", "m", [10, 11, 12, 13], 0, 0).warning == ""


def test_recovery_bands(tiny):
    assert [recovery_band(v) for v in (59, 60, 1439, 1440, 10079, 10080, None)] == \
        ["elite", "high", "high", "medium", "medium", "low", "unknown"]
    rows = {r["component"]: r for r in tiny.recovery_bands()}
    assert rows["X"]["median_min"] == 75 and rows["X"]["band"] == "high"     # A 60, B 90
    assert rows["Z"]["measured"] == 1 and rows["Z"]["band"] == "elite"       # H 30


# -- data quality --------------------------------------------------------------------------------
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


def test_json_input_matches_csv(tiny, tmp_path):
    recs = []
    for rid, r in tiny.frame.iterrows():
        stages = {s: {"at": r[s].isoformat(), "description": "x"} for s in
                  ("investigating", "identified", "monitoring", "resolved", "postmortem") if r[s] == r[s]}
        recs.append({"id": rid, "title": r["title"], "provider": r["provider"], "impact": int(r["impact"]),
                     "components": list(r["components"]), "stages": stages})
    p = tmp_path / "t.json"
    p.write_text(json.dumps({"incidents": recs}))
    j = IncidentLog.read(p)
    assert j.metrics().rows() == tiny.metrics().rows()


def test_bad_input_names_file_line_and_field(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("id,provider,resolved,impact\nA,p1,yesterday,1\nB,p1,2024-01-01T00:00:00Z,severe\n")
    with pytest.raises(DesignError) as e:
        IncidentLog.read(p)
    msgs = [str(x) for x in e.value.problems]
    assert msgs[0] == f"{p}:2: incident A.resolved: cannot read timestamp 'yesterday'; expected ISO 8601 such as 2024-02-26 17:09:00+00:00"
    assert msgs[1].startswith(f"{p}:3: incident B.impact: unknown impact 'severe'")
    p.write_text("when,what\n1,2\n")
    with pytest.raises(DesignError, match="expected columns `id`"):
        IncidentLog.read(p)


# -- the real dataset ------------------------------------------------------------------------------
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


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared dataset not present")
def test_bundled_copy_equals_source(real):
    src = IncidentLog.read(SHARED_CSV)
    cols = ["title", "provider", "impact", "components", "investigating", "identified", "monitoring",
            "resolved", "postmortem", "postmortem_description"]
    assert src.frame[cols].sort_index().equals(real.frame[cols].sort_index())
    assert src.metrics(by="component").rows() == real.metrics(by="component").rows()


# -- the loop -------------------------------------------------------------------------------------
LOOP = {"owner": "SRE lead", "triggers": ["any P0"], "cadence": {"per_incident_within_days": 5},
        "metrics": [{"name": "time_to_resolve", "target_median_min": 60}],
        "action_items": [
            {"id": "AI-1", "type": "detect", "title": "alert", "owner": "o", "due": "2024-01-03"},
            {"id": "AI-2", "type": "repair", "title": "fix", "owner": "o", "due": "2023-12-20"},
            {"id": "AI-3", "type": "repair", "title": "done", "owner": "o", "due": "2023-12-20", "status": "done"},
            {"id": "AI-4", "type": "prevent", "title": "later", "owner": "p", "due": "2024-02-01"}]}


def test_weekly_review(tiny):
    loop = PostMortemLoop.from_dict(LOOP)
    wr = tiny.weekly_review("2024-01-03", loop=loop)
    assert wr.start.isoformat() == "2024-01-01T00:00:00+00:00"
    assert [r["id"] for r in wr.incidents] == ["A", "B", "C", "D", "G", "H"]
    assert [(a["id"], a["why"]) for a in wr.action_items()] == [("AI-1", "due this week"), ("AI-2", "overdue by 18 days")]
    ttr = next(r for r in wr.trends() if r["metric"] == "time_to_resolve")
    assert ttr["this week n"] == 4 and ttr["this week median"] == 65 and ttr["trend"] == ""  # no prior weeks
    # post-mortem triggers: impact major/critical → B (critical), D and H (major); due 5 days after resolution
    assert [(r["id"], r["due"]) for r in wr.postmortems_due()] == [("B", "2024-01-07"), ("D", "2024-01-08"), ("H", "2024-01-10")]
    assert "Weekly review 2024-01-01 – 2024-01-07" in wr.to_text()


def test_action_tracker_on_the_worked_example():
    d = fk.default_design()
    t = ActionTracker(d.postmortem, today=dt.date(2026, 12, 5))
    assert t.overdue == ["AI-1", "AI-4"]                 # due Dec 4 (open) and Dec 2 (in progress)
    assert t.completion == pytest.approx(1 / 6)
    assert t.incidents_without_items() == ["INC-2"]  # P2; INC-5 has AI-6
    assert t.by("owner")["LLM platform"] == {"open": 1, "overdue": 1, "closed": 1}
    t.close("AI-1")
    assert t.overdue == ["AI-4"] and t.completion == pytest.approx(2 / 6)
    with pytest.raises(KeyError):
        t.close("AI-9")


def test_taxonomy_feedback(tiny):
    assert [categorize(t) for t in ("Elevated errors on API", "API outage", "Login issues", "Increased latency",
                                     "Degraded performance", "Partial outage causing 500s")] == \
        ["elevated errors", "outage", "login", "latency", "latency", "outage"]
    d = fk.default_design()
    fb = tiny.taxonomy_feedback(d.taxonomy)
    rows = {r["category"]: r for r in fb.categories}
    # span: Jan 1 10:00 → Jan 5 10:30 = 5790 min, 2 providers; elevated errors A (60) + H (30)
    assert rows["elevated errors"]["incidents"] == 2
    assert rows["elevated errors"]["time_share"] == pytest.approx(90 / (5790 * 2))
    assert rows["outage"]["verdict"] == "declared occurrence below observed for provider-outage"  # 90/11580 > 0.0005
    never = {r["mode"] for r in fb.never_occurred}
    assert never == {"rate-limited", "context-overflow", "unsafe-output", "low-confidence"}
    assert [p["id"] for p in fb.proposed] == ["provider-login"]
    assert "id: provider-login" in fb.proposed_yaml()


def test_real_feedback_flags_outage_rate(real):
    fb = real.taxonomy_feedback(fk.default_design().taxonomy)
    rows = {r["category"]: r for r in fb.categories}
    assert rows["outage"]["incidents"] == 138 and rows["outage"]["time_share"] > 0.0005
    assert [r["mode"] for r in fb.never_occurred] == ["context-overflow"]


def test_postmortem_document_from_log_incident(tiny):
    d = fk.default_design()
    md = tiny.postmortem("A", d).to_markdown()
    heads = [l[3:] for l in md.splitlines() if l.startswith("## ")]
    assert heads == ["Summary", "Impact", "Root causes", "Trigger", "Resolution", "Detection",
                     "Action items", "Lessons learned", "Timeline"]
    assert "time to resolve 60 min" in md and "- time to identify: 10 min" in md
    assert "mode `provider-5xx` (P1) → path `cache`" in md
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "within the loop's median target of 60 min" in md
    md_b = tiny.postmortem("C", d).to_markdown()
    assert "time to resolve missing" in md_b


def test_incident_without_impact_or_components(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,provider,investigating,resolved\nQ,p9,2024-03-04T10:00:00Z,2024-03-04T10:05:00Z\n")
    log = IncidentLog.read(p)
    assert log.metrics(by="impact").get("unknown", "time_to_resolve").median == 5
    assert log.weekly_review().incidents[0]["impact"] == "" and log.weekly_review().postmortems_due() == []
    md = log.postmortem("Q").to_markdown()
    assert "| impact | unknown |" in md and "not stated" in md
    assert log.quality.no_component == ["Q"]


def test_postmortem_document_from_design_record():
    d = fk.default_design()
    md = postmortem_document(d.postmortem.incidents[0], d).to_markdown()
    assert "- time_to_resolve: 73 min" in md and "| AI-2 | mitigate |" in md


# -- views, charts, CLI ---------------------------------------------------------------------------
def test_rich_display_and_frames(tiny):
    b = tiny._repr_mimebundle_()
    assert "Incident log" in b["text/html"] and "6 incidents" in b["text/plain"]
    assert "<script>" not in tiny.to_html()
    f = tiny.to_frame()
    assert len(f) == 6 and f.loc["A", "time_to_resolve"] == 60 and math.isnan(f.loc["C", "time_to_resolve"])
    assert tiny.metrics(by="provider").to_frame().loc[("p1", "time_to_resolve"), "median"] == 70


def test_charts_offline_and_their_numbers(tiny):
    from fallbackkit import incident_charts as ic
    e = ic.ttr_ecdf_data(tiny)
    p1 = e[e["provider"] == "p1"]
    assert list(p1["minutes"]) == [60, 70, 90] and list(p1["share"]) == pytest.approx([1 / 3, 2 / 3, 1])
    w = ic.incidents_per_week_data(tiny)
    assert w["incidents"].sum() == 6 and set(w["week"]) == {"2024-01-01"}
    s = ic.stage_breakdown_data(tiny).set_index(["component", "stage"])
    assert s.loc[("Y", "repair"), "median_minutes"] == 35                 # A 30, D 40
    for chart in (ic.ttr_ecdf(tiny), ic.stage_breakdown(tiny), ic.incidents_per_week(tiny)):
        spec = json.dumps(chart.to_dict())
        assert '"url"' not in spec and "http" not in spec.replace("https://vega.github.io/schema", "")


def test_cli_incidents(tmp_path, capsys):
    assert main(["incidents", "bundled", "--by", "provider", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["incidents"] == 542 and out["summary"]["providers"]["openai"] == 365
    assert "ICPE 2025" in out["summary"]["citation"]
    row = next(r for r in out["metrics"] if r["group"] == "openai" and r["metric"] == "time_to_resolve")
    assert row["median"] == 77 and row["count"] == 329
    p = tmp_path / "tiny.csv"
    p.write_text(TINY)
    assert main(["incidents", str(p), "--by", "component"]) == 0
    text = capsys.readouterr().out
    assert "Incident metrics by component" in text and "conflicting duplicates" in text
    assert main(["incidents", str(tmp_path / "none.csv")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_import_stays_light():
    code = ("import sys, json, fallbackkit.incidents, fallbackkit.cli; "
            "print(json.dumps(sorted(m for m in ('pandas', 'altair', 'numpy') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []
