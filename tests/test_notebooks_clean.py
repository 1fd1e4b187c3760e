"""Committed notebooks are clean: no outputs except the reference outputs nbval checks.

A ``# NBVAL_CHECK_OUTPUT`` cell must carry its reference output, or nbval would compare
against nothing and pass whatever the number; every other cell must be empty.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for d in ("notebooks", "fallbackkit/data/solutions", "exercises") for p in (ROOT / d).glob("**/*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
CHECK = "# NBVAL_CHECK_OUTPUT"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_notebook_is_clean(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"].get("kernelspec", {}).get("name"), "papermill needs metadata.kernelspec"
    assert nb["metadata"].get("language_info", {}).get("name") == "python", "papermill needs metadata.language_info"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        if src.lstrip().startswith(CHECK):
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
