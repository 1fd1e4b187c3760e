"""Load → save → load is exact, for the worked example and for random valid designs.

Cross-cutting by design: a property of every artifact model with the reader and the store
(fallbackkit.design, .reader, .store) together, not of one module.
"""

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fallbackkit as fk
from fallbackkit.matrix import PathKind
from fallbackkit.taxonomy import Category

text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
ms = st.floats(min_value=0.5, max_value=5000, allow_nan=False)
share = st.floats(min_value=0, max_value=1, allow_nan=False)


@st.composite
def latency(draw):
    if draw(st.booleans()):
        a, b, c = sorted(draw(st.lists(ms, min_size=3, max_size=3)))
        return {"p50_ms": a, "p95_ms": b, "p99_ms": c}
    if draw(st.booleans()):
        return {"distribution": {"kind": "constant", "ms": draw(ms)}}
    a, b = sorted(draw(st.lists(ms, min_size=2, max_size=2)))
    return {"distribution": {"kind": "shifted", "floor_ms": draw(ms),
                             "base": {"kind": "lognormal", "p50_ms": a, "p99_ms": b}}}


@st.composite
def designs(draw):
    n_paths = draw(st.integers(2, 5))
    kinds = [k.value for k in PathKind if k != PathKind.primary]
    paths = []
    for i in range(n_paths):
        p = {"id": f"p{i}", "name": draw(text), "kind": "primary" if i == 0 else draw(st.sampled_from(kinds)),
             "latency": draw(latency()), "cost_per_1m_usd": draw(st.floats(0, 1e5, allow_nan=False)),
             "coverage_pct": draw(st.floats(0, 100, allow_nan=False)), "error_rate": draw(share),
             "quality_delta": draw(st.floats(-1, 1, allow_nan=False)), "effort": draw(text)}
        if draw(st.booleans()):
            p["timeout_ms"] = draw(ms)
        if draw(st.booleans()):
            p["retry"] = {"max_retries": draw(st.integers(0, 5)), "backoff_base_ms": draw(ms), "jitter": draw(st.booleans())}
        if draw(st.booleans()):
            p["circuit_breaker"] = {"failure_rate_threshold": draw(st.floats(0.01, 1)), "cooldown_s": draw(st.floats(1, 600))}
        paths.append(p)
    n_modes = draw(st.integers(5, 8))
    modes = [{
        "id": f"m{i}", "name": draw(text), "category": draw(st.sampled_from([c.value for c in Category])),
        "detection": {"metric": draw(text), "threshold": draw(st.floats(-1e6, 1e6, allow_nan=False)), "window": "5m"},
        # all on the first path: their rates are shares of its requests and sum to at most 1
        "severity": draw(st.sampled_from(["P0", "P1", "P2", "P3"])), "occurrence": draw(st.floats(0, 1 / 8)),
        "mitigation": {"path": f"p{draw(st.integers(0, n_paths - 1))}", "note": draw(text)},
        "runbook": {"id": f"RB-{i}", "title": draw(text), "steps": draw(st.lists(text, min_size=1, max_size=3))},
        "owner": draw(text), "references": draw(st.lists(text, max_size=2)),
    } for i in range(n_modes)]
    # a chain: start → a0 → d0 → ([ok] end | [else] a1 → …) ; the first else routes every mode
    nodes = [{"id": "start", "kind": "initial"}, {"id": "end", "kind": "activity_final"}]
    edges = [{"source": "start", "target": "a0"}]
    for i in range(n_paths):
        nodes.append({"id": f"a{i}", "kind": "action", "label": draw(text), "path": f"p{i}"})
        if i < n_paths - 1:
            nodes.append({"id": f"d{i}", "kind": "decision", "label": draw(text)})
            edges += [{"source": f"a{i}", "target": f"d{i}"},
                      {"source": f"d{i}", "target": "end", "guard": "ok"},
                      {"source": f"d{i}", "target": f"a{i + 1}", "guard": "else",
                       "handles": [m["id"] for m in modes] if i == 0 else []}]
        else:
            edges.append({"source": f"a{i}", "target": "end"})
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    incidents = []
    for i in range(draw(st.integers(0, 4))):
        gaps = draw(st.lists(st.integers(0, 10_000), min_size=4, max_size=4))
        stamps = [t0 + dt.timedelta(minutes=sum(gaps[:k])) for k in range(5)]
        incidents.append({"id": f"INC-{i}", "title": draw(text), "severity": "P1", "started": stamps[0].isoformat(),
                          "detected": stamps[1].isoformat(), "resolved": stamps[4].isoformat(),
                          "root_causes": draw(st.lists(text, max_size=2))})
    return {
        "context": {"name": draw(text), "traffic": {"requests_per_day": draw(st.floats(1, 1e10)), "peak_rps": draw(st.floats(0.1, 1e5))},
                    "slo": {"percentile": draw(st.sampled_from([99, 99.5, 99.9, 99.99])), "threshold_ms": draw(ms),
                            "window_days": draw(st.integers(1, 90)), "measurement_point": draw(text)},
                    "cost_ceiling_per_1m_usd": draw(st.floats(0, 1e6))},
        "taxonomy": {"severity_levels": {s: {"criterion": draw(text)} for s in ("P0", "P1", "P2", "P3")}, "modes": modes},
        "matrix": {"paths": paths, "retry_budget_pct": draw(st.floats(0, 100))},
        "workflow": {"nodes": nodes, "edges": edges},
        "postmortem": {"owner": draw(text), "triggers": [draw(text)], "cadence": {"per_incident_within_days": draw(st.integers(1, 30))},
                       "metrics": [{"name": "time_to_resolve"}], "incidents": incidents,
                       "action_items": [{"id": "AI-1", "type": draw(st.sampled_from(["investigate", "mitigate", "repair", "detect", "prevent"])),
                                         "title": draw(text), "owner": draw(text), "due": "2026-12-01"}]},
    }


def test_worked_example_round_trips_exactly(tmp_path):
    d = fk.default_design()
    for name in ("d.yaml", "d.json"):
        d.save(tmp_path / name)
        again = fk.load(tmp_path / name)
        assert again == d
        again.save(tmp_path / ("2" + name))
        assert (tmp_path / ("2" + name)).read_text() == (tmp_path / name).read_text()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(designs())
def test_random_valid_designs_round_trip(data):
    d = fk.Design.from_dict(data)
    text = d.to_yaml()
    again = fk.Design.from_yaml(text)
    assert again == d
    assert again.to_yaml() == text
    via_json = fk.Design.from_dict(json.loads(d.to_json()))
    assert via_json == d
    assert via_json.to_json() == d.to_json()
