"""Committed notebooks are clean: no outputs except the reference outputs nbval checks.

A cell tagged ``nbval-check-output`` (or, in exercises and solutions, marked with the
``# NBVAL_CHECK_OUTPUT`` comment) must carry its reference output, or nbval would compare
against nothing and pass whatever the number; every other cell must be empty.

The guided notebooks are generated from text sources (``notebooks/src/*.py``, jupytext
percent format): a pair out of sync fails here, learner cells carry no test plumbing, and no
guided cell grows past about 15 lines (logic lives in the package).

Cross-cutting by design: it reads the notebooks/ folder, not a module of the package.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for d in ("notebooks", "fallbackkit/data/solutions", "exercises") for p in (ROOT / d).glob("**/*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
CHECK = "# NBVAL_CHECK_OUTPUT"
CHECK_TAG = "nbval-check-output"
GUIDED = sorted((ROOT / "notebooks").glob("*.ipynb"))


def is_check(cell) -> bool:
    return "".join(cell["source"]).lstrip().startswith(CHECK) or CHECK_TAG in cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_notebook_is_clean(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"].get("kernelspec", {}).get("name"), "papermill needs metadata.kernelspec"
    assert nb["metadata"].get("language_info", {}).get("name") == "python", "papermill needs metadata.language_info"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        if is_check(cell):
            assert cell.get("outputs"), f"cell {i} checks its output but stores none: run `make nbref`"
        else:
            assert not cell.get("outputs"), f"cell {i} has outputs: clear them (or `make nbref`)"
            assert cell.get("execution_count") is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if "exercises" not in p.parts],
                         ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS if "exercises" not in p.parts])
def test_notebook_has_parameters_cell(path):
    nb = json.loads(path.read_text())
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "papermill needs exactly one cell tagged 'parameters'"


def _tools():
    import sys
    sys.path.insert(0, str(ROOT / "tools"))
    import notebooks as nbtools
    return nbtools


def test_every_guided_notebook_has_a_text_source_and_the_pairs_agree():
    nbtools = _tools()
    sources = {s.stem for s in (ROOT / "notebooks" / "src").glob("*.py")}
    assert sources == {p.stem for p in GUIDED}, "each notebooks/*.ipynb is generated from notebooks/src/<name>.py"
    assert nbtools.out_of_sync() == []


def test_a_changed_source_is_caught_as_out_of_sync(tmp_path, monkeypatch):
    nbtools = _tools()
    src = next((ROOT / "notebooks" / "src").glob("02_*.py"))
    edited = tmp_path / "src" / src.name
    edited.parent.mkdir()
    edited.write_text(src.read_text().replace("# ## Why the committee cares", "# ## Why a committee cares", 1))
    (tmp_path / src.with_suffix(".ipynb").name).write_text((ROOT / "notebooks" / src.with_suffix(".ipynb").name).read_text())
    monkeypatch.setattr(nbtools, "SRC", tmp_path / "src")
    monkeypatch.setattr(nbtools, "OUT", tmp_path)
    monkeypatch.setattr(nbtools, "ROOT", tmp_path)
    assert len(nbtools.out_of_sync()) == 1


def test_cell_ids_are_named_not_positional_and_unique():
    for path in GUIDED:
        ids = [c["id"] for c in json.loads(path.read_text())["cells"]]
        assert len(ids) == len(set(ids)), path.name


@pytest.mark.parametrize("path", GUIDED, ids=[p.name for p in GUIDED])
def test_learner_cells_carry_no_test_plumbing_and_stay_short(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        tags = cell.get("metadata", {}).get("tags", [])
        assert "NBVAL" not in src, f"{path.name}:{cell['id']}: nbval markers belong in cell tags"
        if "fallbackkit-record" in tags:   # the run-all record: its own tagged cell, last, not the lesson's
            assert cell is [c for c in nb["cells"] if c["cell_type"] == "code"][-1], f"{path.name}: record cell not last"
            continue
        assert "record(" not in src, f"{path.name}:{cell['id']}: record() belongs in the hidden record cell"
        if "parameters" not in tags:
            assert len(src.strip().splitlines()) <= 15, f"{path.name}:{cell['id']} has {len(src.splitlines())} lines"


@pytest.mark.parametrize("path", [p for p in GUIDED if not p.name.startswith("05")],
                         ids=[p.name for p in GUIDED if not p.name.startswith("05")])
def test_every_guided_notebook_takes_a_design_and_never_reloads_a_scenario(path):
    nb = json.loads(path.read_text())
    params = "".join(next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))["source"])
    assert "design: str | None = None" in params
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "scenarios.load(" not in code and code.count("open_design(") == 1
