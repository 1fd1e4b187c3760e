"""Saving never loses or corrupts a file."""

import os

import pydantic
import pytest

import fallbackkit as fk
from fallbackkit import files


def test_crash_mid_save_leaves_the_old_file(tmp_path, monkeypatch):
    d = fk.default_design()
    target = tmp_path / "design.yaml"
    d.save(target)
    before = target.read_text()
    d.context.name = "changed"

    def crash(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        d.save(target)
    assert target.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["design.yaml"], "temporary file left behind"


def test_invalid_artifact_is_refused_and_file_untouched(tmp_path):
    d = fk.default_design()
    target = tmp_path / "design.yaml"
    d.save(target)
    before = target.read_text()
    d.taxonomy.modes[0].mitigation.path = "nowhere"
    with pytest.raises(fk.DesignError, match="unknown fallback path 'nowhere'"):
        d.save(target)
    assert target.read_text() == before


def test_save_keeps_file_mode(tmp_path):
    target = tmp_path / "d.yaml"
    files.atomic_write_text(target, "a: 1\n")
    os.chmod(target, 0o600)
    files.atomic_write_text(target, "a: 2\n")
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.read_text() == "a: 2\n"


def test_assignment_is_validated():
    d = fk.default_design()
    with pytest.raises(pydantic.ValidationError, match="coverage_pct"):
        d.matrix.paths[0].coverage_pct = 300
