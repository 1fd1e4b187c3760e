"""The one save: merged per artifact, conflicts refused, links and protections kept, comments
kept, and save-then-load is identity for any text."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fallbackkit as fk
from fallbackkit import store
from fallbackkit.widgets import MatrixExplorer, PostmortemDashboard, TaxonomyEditor, WorkflowBuilder


def _new_mode(editor: TaxonomyEditor, mode_id: str) -> None:
    editor.mode_picker.value = "add"
    editor.set_field("id", mode_id).set_field("name", "Tokenizer drift")


# -- widgets: each saves only its artifact, into the file as it is now ----------------------------
def test_a_stale_dashboard_keeps_the_editors_new_mode_and_severity(design_file):
    dashboard = PostmortemDashboard(design_file)            # opened first: its copy goes stale
    editor = TaxonomyEditor(design_file)
    _new_mode(editor, "tokenizer-drift")
    assert editor.save(), editor.message.value
    assert editor.select("rate-limited").set_field("severity", "P0").save()
    assert dashboard.add_incident(id="INC-900", title="Stale dashboard", severity="P2",
                                  started="2026-01-01T00:00:00+00:00", resolved="2026-01-01T01:00:00+00:00")
    d = fk.load(design_file)
    assert "tokenizer-drift" in d.taxonomy.ids
    assert d.taxonomy.mode("rate-limited").severity == "P0"
    assert "INC-900" in [i.id for i in d.postmortem.incidents]
    assert "tokenizer-drift" in dashboard.design.taxonomy.ids  # the dashboard took up the file's state


def test_a_stale_workflow_builder_is_refused_not_silently_merged(design_file):
    builder = WorkflowBuilder(design_file)
    editor = TaxonomyEditor(design_file)
    _new_mode(editor, "tokenizer-drift")
    assert editor.save()                                      # routes the new mode: the workflow changed
    routed = fk.load(design_file).workflow.handled_modes
    assert "tokenizer-drift" in routed
    assert builder.update_node("start", id="start", kind="initial", label="Request arrives")
    assert not builder.save()
    assert "Not saved" in builder.message.value and "changed since this editor read it" in builder.message.value
    assert "tokenizer-drift" in fk.load(design_file).workflow.handled_modes


def test_explorer_saves_only_the_matrix(design_file):
    explorer = MatrixExplorer(design_file, simulate=False)
    TaxonomyEditor(design_file).select("low-confidence").set_field("severity", "P3").save()
    explorer.design = fk.widgets.edits.with_path_value(explorer.design, explorer.design.matrix.ids[1], "timeout_ms", 77)
    assert explorer.save(), explorer.message.value
    d = fk.load(design_file)
    assert d.taxonomy.mode("low-confidence").severity == "P3" and d.matrix.paths[1].timeout_ms == 77


def test_widget_save_keeps_comments_and_order(design_file):
    text = design_file.read_text()
    text = text.replace("taxonomy:\n", "# hand-written note above the taxonomy\ntaxonomy:  # trailing note\n", 1)
    text = text.replace("  peak_rps: 60", "  peak_rps: 60   # measured in March")
    design_file.write_text(text)
    editor = TaxonomyEditor(design_file)
    assert editor.select("rate-limited").set_field("severity", "P0").save(), editor.message.value
    after = design_file.read_text()
    assert "# hand-written note above the taxonomy\ntaxonomy:  # trailing note\n" in after
    assert "peak_rps: 60   # measured in March" in after
    assert after.splitlines()[:5] == text.splitlines()[:5]    # the header comment stays on top
    changed = [(a, b) for a, b in zip(text.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 1 and "P0" in changed[0][1], changed
    assert fk.load(design_file).taxonomy.mode("rate-limited").severity == "P0"


def test_widget_shows_not_saved_for_a_read_only_file(design_file):
    editor = TaxonomyEditor(design_file)
    os.chmod(design_file, 0o444)
    before = design_file.read_text()
    assert not editor.select("rate-limited").set_field("severity", "P0").save()
    assert "Not saved" in editor.message.value and "read-only" in editor.message.value
    assert design_file.read_text() == before and design_file.stat().st_mode & 0o777 == 0o444


def test_widget_shows_not_saved_when_the_folder_is_gone(tmp_path, design_file, monkeypatch):
    editor = TaxonomyEditor(design_file)

    def broken(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", broken)
    assert not editor.select("rate-limited").set_field("severity", "P0").save()
    assert "Not saved: No space left on device" in editor.message.value
    assert [p.name for p in tmp_path.iterdir()] == ["design.yaml"]


# -- the API: per-artifact merge, conflicts refused --------------------------------------------------
def test_two_designs_loaded_from_one_file_merge_different_artifacts(design_file):
    a, b = fk.load(design_file), fk.load(design_file)
    a.context.name = "Edited by A"
    b.taxonomy.modes[0].owner = "Edited by B"
    a.save(design_file)
    b.save(design_file)
    d = fk.load(design_file)
    assert d.context.name == "Edited by A" and d.taxonomy.modes[0].owner == "Edited by B"
    assert b.context.name == "Edited by A"   # b now holds the file's state


def test_both_sides_changing_one_artifact_is_a_conflict(design_file):
    a, b = fk.load(design_file), fk.load(design_file)
    a.context.name = "A"
    b.context.name = "B"
    a.save(design_file)
    with pytest.raises(store.ConflictError, match="context changed on disk"):
        b.save(design_file)
    assert fk.load(design_file).context.name == "A"
    assert isinstance(store.ConflictError([]), fk.DesignError)


def test_a_design_not_loaded_from_the_file_replaces_it(design_file):
    d = fk.default_design()
    d.context.name = "fresh"
    d.save(design_file)
    assert fk.load(design_file).context.name == "fresh"


def test_standalone_artifact_conflict(tmp_path):
    p = tmp_path / "tax.yaml"
    fk.default_design().taxonomy.save(p)
    a, b = fk.FailureTaxonomy.load(p), fk.FailureTaxonomy.load(p)
    a.modes[0].owner = "A"
    b.modes[0].owner = "B"
    a.save(p)
    with pytest.raises(store.ConflictError):
        b.save(p)


def test_a_standalone_artifact_never_replaces_a_design_file(design_file):
    before = design_file.read_text()
    with pytest.raises(store.SaveError, match="whole design file"):
        fk.default_design().taxonomy.save(design_file)
    assert design_file.read_text() == before


# -- links and protections -------------------------------------------------------------------------
def test_save_through_a_symlink_changes_the_real_file(tmp_path, design_file):
    link = tmp_path / "link.yaml"
    link.symlink_to(design_file.name)
    d = fk.load(link)
    d.context.name = "through the link"
    d.save(link)
    assert link.is_symlink() and os.readlink(link) == design_file.name
    assert fk.load(design_file).context.name == "through the link"


def test_read_only_file_is_refused_and_kept(design_file):
    os.chmod(design_file, 0o444)
    before = design_file.read_text()
    d = fk.load(design_file)
    d.context.name = "no"
    with pytest.raises(fk.DesignError, match="read-only"):
        d.save(design_file)
    with pytest.raises(OSError):
        fk.files.atomic_write_text(design_file, "x: 1\n")
    assert design_file.read_text() == before and design_file.stat().st_mode & 0o777 == 0o444


def test_a_folder_as_target_is_refused(tmp_path):
    (tmp_path / "d.yaml").mkdir()
    with pytest.raises(fk.DesignError, match="is a folder"):
        fk.default_design().save(tmp_path / "d.yaml")


def test_litter_of_a_killed_save_is_cleaned_by_the_next(tmp_path, design_file):
    stale = tmp_path / f".design.yaml.fbk-{99999}-deadbeef.tmp"
    stale.write_text("half")
    other = tmp_path / ".notes.txt.tmp"
    other.write_text("not ours")
    fk.default_design().save(design_file)
    assert not stale.exists() and other.exists()


# -- save then load is identity ---------------------------------------------------------------------
def test_json_never_writes_infinity_or_nan():
    with pytest.raises(ValueError):
        store.dump_json({"a": float("inf")})


def test_u0085_and_line_separators_survive_yaml(tmp_path):
    d = fk.default_design()
    d.context.name = "a\x85b\u2028c\u2029d"
    d.save(tmp_path / "d.yaml")
    assert fk.load(tmp_path / "d.yaml").context.name == "a\x85b\u2028c\u2029d"


texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=texts, owner=texts)
def test_any_text_round_trips_through_json_and_yaml(tmp_path, name, owner):
    d = fk.default_design()
    d.context.name = name
    d.taxonomy.modes[0].owner = owner
    for fname in ("d.json", "d.yaml"):
        p = tmp_path / fname
        if p.exists():
            p.unlink()
        d.save(p)
        again = fk.load(p)
        assert (again.context.name, again.taxonomy.modes[0].owner) == (name, owner)
    json.loads((tmp_path / "d.json").read_text())  # plain JSON any reader takes


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(owner=texts)
def test_any_text_round_trips_into_a_hand_written_yaml(design_file, owner):
    d = fk.load(design_file)
    d.taxonomy.modes[1].owner = owner
    fk.Design.save_artifact(design_file, "taxonomy", d.taxonomy)
    assert fk.load(design_file).taxonomy.modes[1].owner == owner
