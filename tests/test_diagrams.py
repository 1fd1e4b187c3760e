"""The workflow's diagrams: Mermaid text and the standalone SVG, and the label helpers they share.

Moved here from test_model.py (the Mermaid view and its escaping) and test_export.py (the SVG
and Mermaid escaping); the export's pages and folder stay in test_export.py.
"""

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import fallbackkit as fk
from fallbackkit import diagrams, export
from fallbackkit.diagrams import svg
from fallbackkit.workflow import RecoveryWorkflow

NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def design():
    return fk.default_design()


def retry_design(design):
    """The worked example's context with a small workflow whose retry loops back to the call."""
    wf = RecoveryWorkflow(
        partitions=[{"id": "app", "label": "App"}, {"id": "gw", "label": "Gateway"}],
        nodes=[{"id": "s", "kind": "initial", "partition": "app"},
               {"id": "call", "kind": "action", "label": "Call the primary", "partition": "gw", "path": "primary"},
               {"id": "check", "kind": "decision", "label": "Answered?", "partition": "gw"},
               {"id": "retry", "kind": "action", "label": "Back off and retry", "partition": "gw"},
               {"id": "end", "kind": "activity_final", "partition": "app"}],
        edges=[{"source": "s", "target": "call"}, {"source": "call", "target": "check"},
               {"source": "check", "target": "end", "guard": "[yes]"},
               {"source": "check", "target": "retry", "guard": "[else]", "handles": ["rate-limited"]},
               {"source": "retry", "target": "call"}])
    return design.model_copy(update={"workflow": wf})


# -- the package and its layering --------------------------------------------------------------------
def test_public_import_paths_name_the_same_writers():
    from fallbackkit.diagrams.mermaid import workflow_mermaid
    from fallbackkit.diagrams.svg import workflow_svg
    assert diagrams.workflow_mermaid is workflow_mermaid
    assert diagrams.workflow_svg is workflow_svg is export.workflow_svg
    assert export.esc is diagrams.esc


def test_loading_the_model_imports_no_diagram_writer():
    code = ("import sys, fallbackkit as fk; d = fk.default_design(); "
            "print('fallbackkit.diagrams' in sys.modules); d.workflow.to_mermaid(); "
            "print('fallbackkit.diagrams' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.split() == ["False", "True"]


def test_the_export_carries_both_writers_output_unchanged(design):
    files = export.render(design)
    assert files["workflow.svg"] == diagrams.workflow_svg(design)
    assert f"```mermaid\n{diagrams.workflow_mermaid(design.workflow)}\n```" in files["workflow.md"]
    assert files["workflow.svg"] in files["workflow.html"]


# -- labels ----------------------------------------------------------------------------------------
def test_word_lines_break_at_spaces_and_keep_long_words_whole():
    assert diagrams.word_lines("retry the primary   with backoff", 12) == ["retry the", "primary with", "backoff"]
    assert diagrams.word_lines("a-very-long-identifier here", 8) == ["a-very-long-identifier", "here"]
    assert diagrams.word_lines(" \n ", 8) == []


def test_each_writer_wraps_its_own_way():
    text = "Call the primary model with a 1,900 ms timeout and two retries"
    assert diagrams.wrap(text, 24) == "Call the primary model<br>with a 1,900 ms timeout<br>and two retries"
    assert diagrams.wrap("", 24) == " "                         # Mermaid needs a non-empty label
    assert svg._wrap(text, 20, 2) == ["Call the primary", "model with a 1,900…"]   # cut with an ellipsis
    assert svg._wrap("") == [""]


# -- Mermaid (moved from test_model.py and test_export.py) ----------------------------------------
def test_workflow_renders_as_mermaid_in_jupyter(design):
    bundle = design.workflow._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/vnd.mermaid"}
    mer = bundle["text/vnd.mermaid"]
    assert mer.startswith("flowchart TD")
    assert 'subgraph p1["Gateway"]' in mer
    assert '-->|"#91;else#93; / provider-outage"|' not in mer  # guard and handles are separate parts
    assert '|"#91;open#93; / provider-outage"|' in mer


def test_user_text_is_escaped_in_mermaid(design):
    d = design.model_copy(deep=True)
    d.workflow.nodes[1].label = 'x"]; click n1 call evil()'
    mer = d.workflow.to_mermaid().replace("<br>", " ")   # long labels wrap at spaces
    label_line = next(line for line in mer.splitlines() if "click" in line)
    assert label_line.count('"') == 2   # only the label's own quotes: nothing breaks out
    assert "#34;#93;#59; click n1 call evil#40;#41;" in mer


def test_mermaid_escapes_dollar_directives_and_bidi(default_data):
    default_data["workflow"]["nodes"][1]["label"] = "%%{init: {'theme':'dark'}}%% $x$ \u202egnp.exe"
    design = fk.Design.from_dict(default_data, "hostile.yaml")
    text = design.workflow.to_mermaid()
    assert text.count(diagrams.INIT) == 1       # the kit's own rendering settings, once, on line 2
    text = text.replace(diagrams.INIT, "")
    assert "%%{" not in text and "$" not in text and "\u202e" not in text
    assert "#37;#37;#123;init" in text and "#36;x#36;" in text and "#8238;gnp.exe" in text


def test_mermaid_ids_come_from_the_workflow_ids():
    assert diagrams.stable_ids(["call-primary", "call_primary", "x"]) == {
        "call-primary": "n_call_primary", "call_primary": "n_call_primary_2", "x": "n_x"}


# -- SVG (moved from test_export.py) ----------------------------------------------------------------
def test_workflow_svg_draws_every_node_and_flow(design):
    wf = design.workflow
    root = ET.fromstring(diagrams.workflow_svg(design))
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{NS}text"))
    for n in wf.nodes:
        if n.kind == "action":
            assert n.label.split()[0] in texts
    arrows = [p for p in root.iter(f"{NS}path") if p.get("marker-end")]
    assert len(arrows) == len(wf.edges)
    for p in wf.partitions:
        assert p.label in texts


def test_svg_stays_well_formed_with_control_characters(default_data):
    default_data["workflow"]["nodes"][1]["label"] = "bell\x07 nul-ish\x01 \ufffe $5"
    default_data["context"]["name"] = "Acme\x1b[31m"
    design = fk.Design.from_dict(default_data, "hostile.yaml")
    text = diagrams.workflow_svg(design)
    ET.fromstring(text)
    assert "bell\ufffd" in text and "&#36;5" in text


# -- SVG layout: ranks, columns, loops -----------------------------------------------------------------
def test_layout_ranks_follow_the_flow_and_columns_the_partitions(design):
    d = retry_design(design)
    lay = svg.layout(d.workflow)
    assert lay.lanes == ["app", "gw"]
    # one row below the lowest predecessor; the loop back to the call does not push it down
    assert lay.pos == {"s": (0, 0), "call": (1, 1), "check": (2, 1), "end": (3, 0), "retry": (3, 1)}
    assert lay.back == {id(d.workflow.edges[-1])}


def test_a_taken_cell_pushes_the_node_to_the_next_free_row():
    wf = RecoveryWorkflow(
        nodes=[{"id": "s", "kind": "initial"}, {"id": "d", "kind": "decision", "label": "hit?"},
               {"id": "a", "kind": "action", "label": "a"}, {"id": "b", "kind": "action", "label": "b"},
               {"id": "m", "kind": "merge"}, {"id": "end", "kind": "activity_final"}],
        edges=[{"source": "s", "target": "d"}, {"source": "d", "target": "a", "guard": "hit"},
               {"source": "d", "target": "b", "guard": "else"}, {"source": "a", "target": "m"},
               {"source": "b", "target": "m"}, {"source": "m", "target": "end"}])
    lay = svg.layout(wf)
    assert lay.lanes == [""]                         # no partitions: one unnamed lane
    assert lay.pos == {"s": (0, 0), "d": (1, 0), "a": (2, 0), "b": (3, 0), "m": (4, 0), "end": (5, 0)}
    root = ET.fromstring(svg.activity_svg(wf, "t"))
    assert "(no partition)" in "".join(root.itertext())


def test_a_loop_is_drawn_up_a_channel_right_of_the_lanes(design):
    d = retry_design(design)
    text = diagrams.workflow_svg(d)
    root = ET.fromstring(text)
    assert root.get("width") == str(svg.LEFT * 2 + svg.CELL_W * 2 + 14 + 7 * 1)   # one channel per loop
    arrows = [p.get("d") for p in root.iter(f"{NS}path") if p.get("marker-end")]
    assert len(arrows) == len(d.workflow.edges)
    channel = svg.LEFT + svg.CELL_W * 2 + 7
    up = [a for a in arrows if f"L{channel:.1f}," in a]
    assert len(up) == 1                                            # only the retry flow
    x0, y0 = map(float, up[0].split()[0][1:].split(","))
    assert (x0, y0) == (svg.LEFT + svg.CELL_W * 1.5 + svg.ACT_W / 2, svg.TOP + 3.5 * svg.ROW_H)  # leaves retry's right edge
    assert "Recovery workflow of " + d.context.name in text
    assert "#91;else#93; / rate-limited" not in text and "[else] / rate-limited" in text


def test_a_flow_to_an_unknown_node_is_left_out_not_a_crash():
    """Before the layout used ``topological_order()``, a flow naming a missing node raised KeyError
    (an invalid workflow drawn through the API; ``export`` refuses such designs)."""
    wf = RecoveryWorkflow(nodes=[{"id": "s", "kind": "initial"}, {"id": "a", "kind": "action", "label": "Answer"},
                                 {"id": "end", "kind": "activity_final"}],
                          edges=[{"source": "s", "target": "a"}, {"source": "a", "target": "end"},
                                 {"source": "a", "target": "ghost"}])
    root = ET.fromstring(svg.activity_svg(wf, "t"))
    assert len([p for p in root.iter(f"{NS}path") if p.get("marker-end")]) == 2
    assert svg.layout(wf).pos == {"s": (0, 0), "a": (1, 0), "end": (2, 0)}
