"""Build a notebook from a compact cell list (used to write the committed notebooks).

    python tools/nb.py  # not needed by users; notebooks are committed as .ipynb
"""

from __future__ import annotations

import nbformat


def notebook(cells: list[tuple[str, str]], tags: dict[int, list[str]] | None = None) -> nbformat.NotebookNode:
    """cells: (kind, source) with kind 'md' or 'code'; tags: cell index -> tags."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    for i, (kind, src) in enumerate(cells):
        src = src.strip("\n")
        cell = nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        if tags and i in tags:
            cell.metadata["tags"] = tags[i]
        nb.cells.append(cell)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i:02d}"
    return nb


def write(nb: nbformat.NotebookNode, path: str) -> None:
    nbformat.validate(nb)
    nbformat.write(nb, path)
