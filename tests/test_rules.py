"""Each rule has a broken file that triggers exactly its message (file, field path, expectation)."""

import pytest

import fallbackkit as fk
from mutations import drop_modes


def trap_cycle(d):
    wf = d["workflow"]
    wf["nodes"] = [n for n in wf["nodes"] if n["id"] != "done"]
    wf["nodes"].append({"id": "respond2", "kind": "action", "label": "ask again", "partition": "client"})
    wf["edges"] = [e for e in wf["edges"] if e["target"] != "done"]
    wf["edges"] += [{"source": "respond", "target": "respond2"}, {"source": "respond2", "target": "respond"}]


def dup_mode_id(d):
    d["taxonomy"]["modes"][2]["id"] = "latency-breach"
    for e in d["workflow"]["edges"]:
        e["handles"] = [h for h in e.get("handles", []) if h != "provider-5xx"]


def undefined_severity(d):
    del d["taxonomy"]["severity_levels"]["P3"]


def add_node(d, node, *edges):
    d["workflow"]["nodes"].append(node)
    d["workflow"]["edges"].extend(edges)


CASES = [
    # (name, mutate, field path, message fragment)
    ("fewer than five modes", drop_modes, "taxonomy.modes", "has 4 failure modes; expected at least 5"),
    ("duplicate mode id", dup_mode_id, "taxonomy.modes[2].id", "duplicate id 'latency-breach'"),
    ("severity without definition", undefined_severity, "taxonomy.modes[4].severity", "severity P3 has no definition"),
    ("bad severity", lambda d: d["taxonomy"]["modes"][0].update(severity="P7"),
     "taxonomy.modes[0].severity", "expected 'P0', 'P1', 'P2' or 'P3', got 'P7'"),
    ("missing detection", lambda d: d["taxonomy"]["modes"][0].pop("detection"),
     "taxonomy.modes[0].detection", "required field is missing"),
    ("missing runbook", lambda d: d["taxonomy"]["modes"][2].pop("runbook"),
     "taxonomy.modes[2].runbook", "required field is missing"),
    ("runbook without steps", lambda d: d["taxonomy"]["modes"][2]["runbook"].update(steps=[]),
     "taxonomy.modes[2].runbook.steps", "runbook entry has no steps"),
    ("dangling mitigation", lambda d: d["taxonomy"]["modes"][0]["mitigation"].update(path="gpu"),
     "taxonomy.modes[0].mitigation.path", "unknown fallback path 'gpu'"),
    ("occurrence above 1", lambda d: d["taxonomy"]["modes"][0].update(occurrence=1.5),
     "taxonomy.modes[0].occurrence", "less than or equal to 1, got 1.5"),
    ("unknown field", lambda d: d["taxonomy"]["modes"][0].update(sevrity="P1"),
     "taxonomy.modes[0].sevrity", "unknown field"),
    ("wrong type", lambda d: d["matrix"]["paths"][0].update(timeout_ms="fast"),
     "matrix.paths[0].timeout_ms", "expected a valid number"),
    ("negative latency", lambda d: d["matrix"]["paths"][1]["latency"].update(p50_ms=-3),
     "matrix.paths[1].latency.p50_ms", "greater than or equal to 0, got -3"),
    ("percentiles out of order", lambda d: d["matrix"]["paths"][1]["latency"].update(p99_ms=5),
     "matrix.paths[1].latency", "p99_ms (5) is below p95_ms (22)"),
    ("coverage above 100", lambda d: d["matrix"]["paths"][1].update(coverage_pct=140),
     "matrix.paths[1].coverage_pct", "less than or equal to 100, got 140"),
    ("coverage below 0", lambda d: d["matrix"]["paths"][1].update(coverage_pct=-1),
     "matrix.paths[1].coverage_pct", "greater than or equal to 0, got -1"),
    ("duplicate path id", lambda d: d["matrix"]["paths"].append(dict(d["matrix"]["paths"][1])),
     "matrix.paths[4].id", "duplicate id 'cache'"),
    ("two primaries", lambda d: d["matrix"]["paths"][1].update(kind="primary"),
     "matrix.paths", "has 2 paths of kind 'primary'; expected exactly one"),
    ("unknown distribution", lambda d: d["matrix"]["paths"][3]["latency"].update(distribution={"kind": "gamma"}),
     "matrix.paths[3].latency.distribution", "'constant', 'lognormal', 'shifted', 'mixture', 'profile'"),
    ("lognormal p99 below p50", lambda d: d["matrix"]["paths"][3]["latency"].update(
        distribution={"kind": "lognormal", "p50_ms": 50, "p99_ms": 10}),
     "matrix.paths[3].latency.distribution", "p99_ms (10) is below p50_ms (50)"),
    ("unreachable node", lambda d: add_node(d, {"id": "orphan", "kind": "action", "label": "never runs"},
                                            {"source": "orphan", "target": "done"}),
     "workflow.nodes[18]", "node 'orphan' is unreachable from the initial node"),
    ("cycle with no exit", trap_cycle,
     "workflow.nodes", "never reach a final node (a cycle with no exit?)"),
    ("decision without else", lambda d: d["workflow"]["edges"][3].update(guard="closed"),
     "workflow.nodes[2]", "decision 'breaker' has 0 [else] guards; expected exactly one"),
    ("decision flow without guard", lambda d: d["workflow"]["edges"][13].pop("guard"),
     "workflow.edges[13].guard", "has no guard"),
    ("repeated guard", lambda d: d["workflow"]["edges"].append({"source": "cache_hit", "target": "to_static", "guard": "hit"}),
     "workflow.edges[22].guard", "repeats edges[13]"),
    ("two initial nodes", lambda d: add_node(d, {"id": "start2", "kind": "initial"}, {"source": "start2", "target": "receive"}),
     "workflow.nodes", "has 2 initial nodes; expected exactly one"),
    ("edge to unknown node", lambda d: d["workflow"]["edges"][0].update(target="nowhere"),
     "workflow.edges[0].target", "unknown node 'nowhere'"),
    ("unknown partition", lambda d: d["workflow"]["nodes"][1].update(partition="cloud"),
     "workflow.nodes[1].partition", "unknown partition 'cloud'"),
    ("mode not routed", lambda d: d["workflow"]["edges"][2].update(handles=[]),
     "taxonomy.modes[3]", "failure mode 'provider-outage' is not routed by the workflow"),
    ("handles unknown mode", lambda d: d["workflow"]["edges"][2]["handles"].append("alien"),
     "workflow.edges[2].handles[1]", "unknown failure mode 'alien'"),
    ("action names unknown path", lambda d: d["workflow"]["nodes"][3].update(path="gpu"),
     "workflow.nodes[3].path", "unknown fallback path 'gpu'"),
    ("action item type", lambda d: d["postmortem"]["action_items"][0].update(type="blame"),
     "postmortem.action_items[0].type", "expected 'investigate', 'mitigate', 'repair', 'detect' or 'prevent'"),
    ("stamps out of order", lambda d: d["postmortem"]["incidents"][1].update(resolved="2026-10-14T08:00:00Z"),
     "postmortem.incidents[1].resolved", "is before mitigated"),
    ("naive timestamp", lambda d: d["postmortem"]["incidents"][1].update(started="2026-10-14T09:00:00"),
     "postmortem.incidents[1].started", "timezone"),
    ("action item unknown incident", lambda d: d["postmortem"]["action_items"][0].update(incident="INC-99"),
     "postmortem.action_items[0].incident", "unknown incident 'INC-99'"),
    ("slo percentile", lambda d: d["context"]["slo"].update(percentile=100),
     "context.slo.percentile", "less than 100"),
    ("slo without window", lambda d: d["context"]["slo"].pop("window_days"),
     "context.slo.window_days", "required field is missing"),
]


@pytest.mark.parametrize("name,mutate,path,fragment", CASES, ids=[c[0] for c in CASES])
def test_rule_triggers_exactly_its_message(default_data, write_design, name, mutate, path, fragment):
    mutate(default_data)
    f = write_design(default_data)
    with pytest.raises(fk.DesignError) as err:
        fk.load(f)
    problems = err.value.problems
    assert len(problems) == 1, "\n".join(map(str, problems))
    p = problems[0]
    assert p.file == str(f)
    assert p.path == path
    assert fragment in p.message
    assert str(p).startswith(f"{f}:")


def test_problem_carries_the_yaml_line(default_data, write_design):
    default_data["matrix"]["paths"][1]["coverage_pct"] = 140
    f = write_design(default_data)
    with pytest.raises(fk.DesignError) as err:
        fk.load(f)
    line = err.value.problems[0].line
    assert f.read_text().splitlines()[line - 1].strip() == "coverage_pct: 140"


def test_several_problems_one_line_each(default_data, write_design):
    default_data["taxonomy"]["modes"][0]["mitigation"]["path"] = "gpu"
    default_data["workflow"]["edges"][2]["handles"] = []
    with pytest.raises(fk.DesignError) as err:
        fk.load(write_design(default_data))
    assert [p.path for p in err.value.problems] == ["taxonomy.modes[0].mitigation.path", "taxonomy.modes[3]"]
    assert len(str(err.value).splitlines()) == 2


@pytest.mark.parametrize("text,fragment", [
    ("context: [1, 2\n", "malformed YAML"),
    ("!!python/object/apply:os.system ['echo hacked']\n", "YAML tags that construct objects are not allowed"),
    ("context: !!python/name:os.system\n", "YAML tags that construct objects are not allowed"),
    ("", "file is empty"),
    ("- a\n- b\n", "expected a mapping of fields at the top, got a list"),
])
def test_malformed_files(tmp_path, text, fragment):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(fk.DesignError) as err:
        fk.load(f)
    assert len(err.value.problems) == 1
    assert fragment in err.value.problems[0].message
    assert err.value.problems[0].file == str(f)


def test_missing_file(tmp_path):
    with pytest.raises(fk.DesignError, match="file not found"):
        fk.load(tmp_path / "nope.yaml")
