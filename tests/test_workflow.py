"""The recovery workflow as a graph: its walks on closed cases, and what they answer on the worked example.

Every traversal of the flow in the kit goes through ``reachable_from``, ``back_edges`` and
``topological_order`` (the SVG layout, the critique's worst route and order checks, the
router chains), so these cases pin their orders exactly.
"""

from pathlib import Path

import pytest

import fallbackkit as fk
import fallbackkit.scenarios
from fallbackkit.workflow import RecoveryWorkflow

ROOT = Path(__file__).resolve().parent.parent


def flow(*edges, extra=(), kinds=None, paths=None):
    """A workflow from ``"a>b"`` or ``("a", "b", guard)`` edges; node kinds default to action,
    ``s`` is the initial node and ``end`` the final one; nodes appear in first-mention order."""
    kinds, paths = kinds or {}, paths or {}
    parsed = [tuple(e.split(">")) + (None,) if isinstance(e, str) else e for e in edges]
    ids = list(dict.fromkeys([x for s, t, _ in parsed for x in (s, t)] + list(extra)))
    default = {"s": "initial", "end": "activity_final"}
    nodes = [{"id": i, "kind": kinds.get(i, default.get(i, "action")), "label": i, "path": paths.get(i)} for i in ids]
    return RecoveryWorkflow(nodes=nodes, edges=[{"source": s, "target": t, "guard": g} for s, t, g in parsed])


def pairs(edges):
    return [(e.source, e.target) for e in edges]


@pytest.fixture
def chain():
    return flow("s>a", "a>b", "b>end")


@pytest.fixture
def diamond():
    # a decision with two branches that merge again; paths on both branches
    return flow("s>d", ("d", "left", "[fast]"), ("d", "right", "[else]"), "left>m", "right>m", "m>end",
                kinds={"d": "decision", "m": "merge"}, paths={"left": "cache", "right": "static"})


@pytest.fixture
def loop():
    # a retry that goes back to the call it repeats
    return flow("s>call", "call>check", ("check", "end", "[ok]"), ("check", "retry", "[else]"), "retry>call",
                kinds={"check": "decision"}, paths={"call": "primary"})


# -- reachable_from --------------------------------------------------------------------------------
def test_reachable_from_a_chain_follows_it(chain):
    assert chain.reachable_from(["s"]) == ["s", "a", "b", "end"]
    assert chain.reachable_from(["b"]) == ["b", "end"]
    assert chain.reachable_from(["end"]) == ["end"]
    assert chain.reachable_from(["end"], backward=True) == ["end", "b", "a", "s"]


def test_reachable_from_a_diamond_breadth_and_depth_first(diamond):
    assert diamond.reachable_from(["s"]) == ["s", "d", "left", "right", "m", "end"]
    assert diamond.reachable_from(["s"], depth_first=True) == ["s", "d", "left", "m", "end", "right"]
    assert diamond.reachable_from(["m"], backward=True) == ["m", "left", "right", "d", "s"]


def test_reachable_from_takes_only_the_flows_follow_accepts(diamond):
    only_else = diamond.reachable_from(["s"], follow=lambda e: e.source != "d" or e.is_else)
    assert only_else == ["s", "d", "right", "m", "end"]
    assert diamond.reachable_from(["s"], follow=lambda e: False) == ["s"]


def test_reachable_from_several_starts_lists_each_once(diamond):
    assert diamond.reachable_from(["right", "left", "right"]) == ["right", "left", "m", "end"]
    assert diamond.reachable_from(["right", "left"], depth_first=True) == ["right", "m", "end", "left"]
    assert diamond.reachable_from([]) == []


def test_reachable_from_a_loop_visits_each_node_once(loop):
    assert loop.reachable_from(["retry"]) == ["retry", "call", "check", "end"]
    assert loop.reachable_from(["end"], backward=True) == ["end", "check", "call", "s", "retry"]


def test_unreachable_nodes_are_not_reached_but_are_ordered():
    wf = flow("s>a", "a>end", "x>y", "y>x", "y>a")   # x ↔ y is an island loop that flows into a
    assert wf.reachable_from(["s"]) == ["s", "a", "end"]
    assert wf.reachable() == {"s", "a", "end"}
    assert wf.can_finish() == {"s", "a", "end", "x", "y"}
    # the island is walked after the initial node's walk: its loop is cut at y → x
    assert pairs(wf.back_edges()) == [("y", "x")]
    assert wf.topological_order() == ["s", "x", "y", "a", "end"]


# -- back_edges and topological_order ----------------------------------------------------------------
def test_a_chain_has_no_back_edges_and_keeps_its_order(chain):
    assert chain.back_edges() == []
    assert chain.topological_order() == ["s", "a", "b", "end"]


def test_a_diamond_is_ordered_by_layers_in_file_order(diamond):
    assert diamond.back_edges() == []
    assert diamond.topological_order() == ["s", "d", "left", "right", "m", "end"]


def test_a_loop_is_cut_at_its_back_edge(loop):
    assert pairs(loop.back_edges()) == [("retry", "call")]
    assert loop.back_edges()[0] is loop.edges[-1]      # the flow itself, not a copy
    assert loop.topological_order() == ["s", "call", "check", "end", "retry"]
    assert loop.path_order() == ["primary"]


def test_every_flow_but_the_back_edges_goes_forward(loop, diamond, chain):
    for wf in (loop, diamond, chain):
        at = {nid: i for i, nid in enumerate(wf.topological_order())}
        back = {id(e) for e in wf.back_edges()}
        assert sorted(at) == sorted(n.id for n in wf.nodes)
        assert all(at[e.source] < at[e.target] for e in wf.edges if id(e) not in back)


def test_a_self_loop_is_a_back_edge():
    wf = flow("s>poll", "poll>poll", "poll>end")
    assert pairs(wf.back_edges()) == [("poll", "poll")]
    assert wf.topological_order() == ["s", "poll", "end"]


def test_orders_are_deterministic_and_follow_the_file(diamond):
    rebuilt = RecoveryWorkflow.model_validate(diamond.model_dump())   # same file, a new object
    assert rebuilt.topological_order() == diamond.topological_order() == ["s", "d", "left", "right", "m", "end"]
    # the same graph with the branches listed the other way round: ties follow the file
    swapped = flow("s>d", ("d", "right", "[else]"), ("d", "left", "[fast]"), "left>m", "right>m", "m>end",
                   kinds={"d": "decision", "m": "merge"})
    assert swapped.topological_order() == ["s", "d", "right", "left", "m", "end"]
    assert swapped.reachable_from(["s"]) == ["s", "d", "right", "left", "m", "end"]


def test_flows_naming_unknown_nodes_are_left_out_of_the_order():
    wf = RecoveryWorkflow(nodes=[{"id": "s", "kind": "initial"}, {"id": "a", "kind": "action", "label": "a"}],
                          edges=[{"source": "s", "target": "ghost"}, {"source": "ghost", "target": "a"},
                                 {"source": "s", "target": "a"}])
    assert wf.topological_order() == ["s", "a"]
    assert wf.back_edges() == []
    assert wf.reachable_from(["s"]) == ["s", "ghost", "a"]   # reachability reports the dangling id


# -- what the walks answer on the worked example (moved from test_model.py) --------------------------
@pytest.fixture(scope="module")
def design():
    return fk.default_design()


def test_path_order_of_the_worked_example(design):
    assert design.workflow.path_order() == ["primary", "cache", "rule_engine", "static"]


def test_path_order_lists_sibling_branches_last_flow_first(diamond):
    # reverse post-order of the depth-first walk: the branch walked last is met first
    assert diamond.path_order() == ["static", "cache"]
    assert diamond.failure_walk() == ["static"]          # only the [else] branch when every check fails
    assert diamond.paths_after("d") == ["cache", "static"]


def test_failure_walk_and_mode_routes(design):
    wf = design.workflow
    # every check failing: the [else] flows lead primary → cache → rule engine → static
    assert wf.failure_walk() == ["primary", "cache", "rule_engine", "static"]
    # an unsafe answer is routed straight to the static response, skipping cache and rules
    assert wf.mode_route("unsafe-output") == ["static"]
    # an open breaker skips the primary
    assert wf.mode_route("provider-outage") == ["cache", "rule_engine", "static"]
    assert wf.mode_route("no-such-mode") == []


def test_paths_after_follows_every_flow(design):
    wf = design.workflow
    # from the fallback merge every branch is open: cache, then rule engine, then static
    assert wf.paths_after("to_fallback") == ["cache", "rule_engine", "static"]
    # from the check, the unsafe-output branch reaches static before the fallback chain
    assert wf.paths_after("check") == ["static", "cache", "rule_engine"]
    assert wf.paths_after("done") == []


def test_the_worked_example_has_no_loop_and_every_node_in_order(design):
    wf = design.workflow
    order = wf.topological_order()
    assert wf.back_edges() == []
    assert order[0] == "start" and order[-1] == "done"
    assert sorted(order) == sorted(n.id for n in wf.nodes)
    assert set(wf.reachable_from(["start"])) == wf.reachable() == {n.id for n in wf.nodes}


REAL = sorted([str(Path(fk.scenarios.path(n)).resolve().relative_to(ROOT)) for n in fk.scenarios.names()]
              + [str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "data" / "corpus").glob("*.yaml")
                 if not p.name.endswith(".flaws.yaml")])


@pytest.mark.parametrize("rel", REAL)
def test_real_designs_order_every_node_with_flows_going_forward(rel):
    wf = fk.Design.load(ROOT / rel, check=False).workflow
    order = wf.topological_order()
    at = {nid: i for i, nid in enumerate(order)}
    back = {id(e) for e in wf.back_edges()}
    assert sorted(order) == sorted(n.id for n in wf.nodes)
    assert all(at[e.source] < at[e.target] for e in wf.edges if id(e) not in back)
    # the path order is a topological order too: no flow outside a loop leads from a later path to an earlier one
    rank = {p: i for i, p in enumerate(wf.path_order())}
    by_id = {n.id: n for n in wf.nodes}
    for e in wf.edges:
        src, dst = by_id[e.source].path, by_id[e.target].path
        if id(e) not in back and src in rank and dst in rank and src != dst:
            assert rank[src] < rank[dst], (e.source, e.target)


def test_reachable_from_takes_one_id_as_well_as_several():
    wf = fk.default_design().workflow
    assert wf.reachable_from("check") == wf.reachable_from(["check"])
    assert wf.reachable_from("check")[:4] == ["check", "to_answer", "to_static", "to_fallback"]
    assert wf.reachable_from("no_such_node") == ["no_such_node"]
