"""Build the committed notebooks from their text sources, and check the two agree.

A teacher edits ``notebooks/src/NAME.py`` (jupytext percent format: ``# %%`` starts a code
cell, ``# %% [markdown]`` a text cell, Markdown written as ``#``-comment lines), never the
``.ipynb``; every cell names its ``id`` in its header, so inserting a cell renumbers nothing::

    # %% [markdown] id="budget-intro"
    # ## The budget
    # %% id="budget" tags=["nbval-check-output"]
    design.budget()

Cell tags carry the test plumbing, not the learner's code: ``nbval-check-output`` (nbval
compares that cell's output with the stored reference), ``parameters`` (papermill).

    python tools/notebooks.py build          # src -> notebooks/*.ipynb (then `make nbref`)
    python tools/notebooks.py check          # exit 1 if a pair is out of sync
    python tools/notebooks.py convert X.ipynb  # one-off: an .ipynb -> src text
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}
CHECK_TAG = "nbval-check-output"


class SourceError(ValueError):
    pass


def build(src: Path) -> nbformat.NotebookNode:
    """The notebook a text source describes (no outputs; ids from the cell headers)."""
    text = jupytext.read(str(src), fmt="py:percent")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    seen: set[str] = set()
    for i, cell in enumerate(text.cells):
        meta = dict(cell.metadata)
        cid = meta.pop("id", None)
        if not cid:
            raise SourceError(f"{src}: cell {i} has no id; write `# %% id=\"a-name\"` in its header")
        if cid in seen:
            raise SourceError(f"{src}: cell id {cid!r} is used twice")
        seen.add(cid)
        new = nbformat.v4.new_markdown_cell(cell.source) if cell.cell_type == "markdown" \
            else nbformat.v4.new_code_cell(cell.source)
        new["id"] = cid
        new.metadata.update(meta)
        nb.cells.append(new)
    return nb


def shape(nb) -> list[tuple]:
    """What must agree between a source and its notebook: ids, kinds, text, tags."""
    return [(c.get("id"), c["cell_type"], c["source"] if isinstance(c["source"], str) else "".join(c["source"]),
             tuple(c.get("metadata", {}).get("tags", []))) for c in nb["cells"]]


def pairs() -> list[tuple[Path, Path]]:
    return [(s, OUT / f"{s.stem}.ipynb") for s in sorted(SRC.glob("*.py"))]


def write(src: Path, target: Path) -> None:
    """Write the notebook, keeping the stored reference outputs of unchanged check cells."""
    nb = build(src)
    if target.exists():
        old = {c.get("id"): c for c in nbformat.read(str(target), as_version=4).cells}
        for c in nb.cells:
            prev = old.get(c.get("id"))
            if c.cell_type == "code" and prev is not None and prev.source == c.source \
                    and CHECK_TAG in c.metadata.get("tags", []):
                c.outputs, c.execution_count = prev.get("outputs", []), prev.get("execution_count")
    nbformat.validate(nb)
    nbformat.write(nb, str(target))


def out_of_sync() -> list[str]:
    bad = []
    for src, target in pairs():
        if not target.exists():
            bad.append(f"{target.relative_to(ROOT)}: missing; run `make notebooks`")
        elif shape(build(src)) != shape(nbformat.read(str(target), as_version=4)):
            bad.append(f"{target.relative_to(ROOT)}: differs from {src.relative_to(ROOT)}; run `make notebooks`"
                       " (edit the source, not the .ipynb)")
    return bad


def convert(ipynb: Path) -> Path:
    """One-off: write an existing notebook as its text source (ids and tags kept)."""
    nb = nbformat.read(str(ipynb), as_version=4)
    for c in nb.cells:
        c.metadata = {"id": c.get("id"), **{k: v for k, v in c.metadata.items() if k in ("tags", "jupyter")}}
        if c.cell_type == "code" and c.source.lstrip().startswith("# NBVAL_CHECK_OUTPUT"):
            c.source = c.source.lstrip().split("\n", 1)[1] if "\n" in c.source else ""
            c.metadata["tags"] = [*c.metadata.get("tags", []), CHECK_TAG]
        c.pop("outputs", None)
    nb.metadata = {"kernelspec": KERNELSPEC, "jupytext": {"notebook_metadata_filter": "kernelspec",
                                                          "cell_metadata_filter": "id,tags,jupyter"}}
    target = SRC / f"{ipynb.stem}.py"
    target.write_text(jupytext.writes(nb, fmt="py:percent"))
    return target


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "build"
    if cmd == "build":
        for s, t in pairs():
            write(s, t)
            print(f"{t.relative_to(ROOT)} <- {s.relative_to(ROOT)}")
    elif cmd == "check":
        problems = out_of_sync()
        print("\n".join(problems) or "every notebook matches its source")
        sys.exit(1 if problems else 0)
    elif cmd == "convert":
        for p in sys.argv[2:]:
            print(convert(Path(p)))
    else:
        sys.exit(__doc__)
