"""Refresh the reference outputs of ``# NBVAL_CHECK_OUTPUT`` cells; clear every other output.

Notebooks are committed clean, except the cells whose output nbval must match: those keep
the output they produced here, so a changed number fails the suite. Run after changing a
teaching result on purpose:

    .venv/bin/python tools/nbref.py notebooks/*.ipynb fallbackkit/data/solutions/*.ipynb
"""

from __future__ import annotations

import copy
import os
import sys

import nbformat
from nbclient import NotebookClient

CHECK = "# NBVAL_CHECK_OUTPUT"


CHECK_TAG = "nbval-check-output"   # nbval 0.11 reads this cell tag as well as the comment


def is_check_cell(cell) -> bool:
    return cell.cell_type == "code" and (cell.source.lstrip().startswith(CHECK)
                                         or CHECK_TAG in cell.get("metadata", {}).get("tags", []))


def refresh(path: str) -> int:
    nb = nbformat.read(path, as_version=4)
    run = copy.deepcopy(nb)
    NotebookClient(run, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}}).execute()
    n = 0
    for cell, done in zip(nb.cells, run.cells):
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if is_check_cell(cell):
            n += 1
            # stdout and results only: the kernel's own stderr warnings are not teaching output
            cell.outputs = [o for o in done.outputs
                            if (o.output_type == "stream" and o.name == "stdout") or o.output_type == "execute_result"]
            cell.execution_count = 1
        else:
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, path)
    return n


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(f"{p}: {refresh(p)} reference cells")
