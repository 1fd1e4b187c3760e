"""A whole design: the product context and the four standalone artifacts.

One YAML (or JSON) file a person can diff and review; every view is derived from it::

    import fallbackkit as fk
    d = fk.load("my_design.yaml")      # DesignError lists every problem, with file and line
    d.budget()                          # the matrix held against the context's SLO
    d.matrix.save("matrix.yaml")       # any artifact saves and loads on its own
"""

from __future__ import annotations

import json
import os
from importlib import resources
from typing import Any, Callable, Literal

from . import store
from .artifact import Artifact
from .context import ProductContext
from .matrix import Budget, LatencyBudgetMatrix
from .postmortem import PostMortemLoop
from .problems import DesignError, Problem
from .taxonomy import FailureTaxonomy
from .workflow import RecoveryWorkflow

ARTIFACTS = ("context", "taxonomy", "matrix", "workflow", "postmortem")
SCHEMA_VERSION = 1


class Design(Artifact):
    """Product context + failure taxonomy + latency-budget matrix + recovery workflow + post-mortem loop."""

    title = "design"
    always_written = ("schema_version",)

    schema_version: Literal[1] = SCHEMA_VERSION
    context: ProductContext
    taxonomy: FailureTaxonomy
    matrix: LatencyBudgetMatrix
    workflow: RecoveryWorkflow
    postmortem: PostMortemLoop

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        for name in ARTIFACTS:
            out += [Problem(f"{name}.{p.path}" if p.path else name, p.message) for p in getattr(self, name).problems()]
        out += self.reference_problems()
        return out

    def reference_problems(self) -> list[Problem]:
        """Rules that join artifacts: every reference by id must land somewhere."""
        out: list[Problem] = []
        paths, modes = set(self.matrix.ids), set(self.taxonomy.ids)
        for i, m in enumerate(self.taxonomy.modes):
            if m.mitigation.path not in paths:
                out.append(Problem(f"taxonomy.modes[{i}].mitigation.path",
                                   f"unknown fallback path {m.mitigation.path!r}; expected one of {sorted(paths)}"))
            if m.occurs_on is not None and m.occurs_on not in paths:
                out.append(Problem(f"taxonomy.modes[{i}].occurs_on",
                                   f"unknown fallback path {m.occurs_on!r}; expected one of {sorted(paths)}"))
        for i, n in enumerate(self.workflow.nodes):
            if n.path is not None and n.path not in paths:
                out.append(Problem(f"workflow.nodes[{i}].path", f"unknown fallback path {n.path!r}; expected one of {sorted(paths)}"))
        for i, e in enumerate(self.workflow.edges):
            for j, mid in enumerate(e.handles):
                if mid not in modes:
                    out.append(Problem(f"workflow.edges[{i}].handles[{j}]", f"unknown failure mode {mid!r}; expected one of {sorted(modes)}"))
        handled = self.workflow.handled_modes
        for i, m in enumerate(self.taxonomy.modes):
            if m.id not in handled:
                out.append(Problem(f"taxonomy.modes[{i}]",
                                   f"failure mode {m.id!r} is not routed by the workflow; expected an edge with `handles: [{m.id}]`"))
        for i, a in enumerate(self.postmortem.action_items):
            if a.failure_mode is not None and a.failure_mode not in modes:
                out.append(Problem(f"postmortem.action_items[{i}].failure_mode", f"unknown failure mode {a.failure_mode!r}"))
        for i, inc in enumerate(self.postmortem.incidents):
            if inc.failure_mode is not None and inc.failure_mode not in modes:
                out.append(Problem(f"postmortem.incidents[{i}].failure_mode", f"unknown failure mode {inc.failure_mode!r}"))
        if self.matrix.slo is not None and self.matrix.slo != self.context.slo:
            out.append(Problem("matrix.slo", "differs from context.slo; state the SLO once, in the context"))
        return out

    # -- saving: one artifact at a time, merged into the file as it is now -----------------
    def save(self, path: str | os.PathLike, check: bool = True) -> str:
        """Save the design through the one save, merging per artifact.

        If this design was loaded from ``path``, only the artifacts it changed are written;
        artifacts someone else changed in the file meanwhile are kept (and this object takes
        them up), and an artifact changed on both sides is refused
        (:class:`~fallbackkit.store.ConflictError`). A design not loaded from ``path``
        replaces the file's contents. Comments and layout of a YAML file are kept either way.
        """
        if check:
            probs = self.problems()
            if probs:
                raise DesignError([p.located(str(path)) for p in probs])
        mine, base = self.to_dict(), self.base_for(path)

        def merge(cur: Design | None, raw: Any) -> dict:
            if base is None:
                return mine
            if cur is None:
                if raw is not None:
                    store.fail(path, "not saved: the file changed on disk since it was loaded and no longer "
                                     "loads as a design; fix or remove it first", store.ConflictError)
                return mine
            disk = cur.to_dict()
            out = dict(disk)
            for name, value in mine.items():
                if value == base.get(name) or disk.get(name) == value:
                    continue  # not changed here, or the same change on disk
                if disk.get(name) != base.get(name):
                    store.fail(path, f"not saved: the {name} changed on disk since this design was loaded, "
                                     f"and here too; load the file again and redo the change", store.ConflictError)
                out[name] = value
            return out

        saved = _save(path, merge, check)
        if saved.to_dict() != mine:
            for name in ARTIFACTS:
                setattr(self, name, getattr(saved, name))
        self._remember(path)
        return str(path)

    @classmethod
    def edit_file(cls, path: str | os.PathLike, edit: Callable[["Design"], "Design"],
                  start: "Design | None" = None) -> "Design":
        """Apply ``edit`` to the design in ``path`` as it is now, and save what it changed.

        Under the file's lock the design is re-read, ``edit(current)`` returns the edited
        design, the result is validated as a whole (so an edit is checked against the other
        artifacts as they are on disk now), and only the parts that differ are written.
        ``start`` stands in when there is no file yet. Returns the design now in the file.
        Raises DesignError (or :class:`~fallbackkit.store.SaveError`) with the reasons when
        it refuses; the file is then unchanged.
        """
        def merge(cur: Design | None, raw: Any) -> dict:
            if cur is None:
                if raw is not None or start is None:
                    store.fail(path, "not saved: the file does not load as a design; fix it first")
                cur = start
            return edit(cur).to_dict()
        return _save(path, merge, True)

    @classmethod
    def save_artifact(cls, path: str | os.PathLike, name: str, artifact: Artifact,
                      base: dict | None = None, start: "Design | None" = None) -> "Design":
        """Replace one artifact (``name``: one of :data:`ARTIFACTS`) in the design file.

        ``base`` is that artifact's ``to_dict()`` as the editor last read it: if the file's
        copy has changed since (and differs from ``artifact``) the save is refused with a
        :class:`~fallbackkit.store.ConflictError` instead of overwriting the other edit.
        Returns the design now in the file (validated with the file's other artifacts).
        """
        if name not in ARTIFACTS:
            raise KeyError(f"unknown artifact {name!r}; expected one of {', '.join(ARTIFACTS)}")
        new = artifact.to_dict()

        def edit(cur: Design) -> Design:
            disk = getattr(cur, name).to_dict()
            if base is not None and disk != base and disk != new:
                store.fail(path, f"not saved: the {name} in the file changed since this editor read it "
                                 "(another editor or a text editor); reload, then redo the change",
                           store.ConflictError)
            return cur.model_copy(update={name: artifact})
        return cls.edit_file(path, edit, start=start)

    # -- derived views --------------------------------------------------------------------
    def budget(self) -> Budget:
        """The matrix's arithmetic against the product's SLO."""
        return self.matrix.budget(self.context.slo)

    def standalone(self, name: str) -> Artifact:
        """One artifact ready to ship on its own (the matrix carries the SLO it is held to)."""
        if name not in ARTIFACTS:
            raise KeyError(f"unknown artifact {name!r}; expected one of {', '.join(ARTIFACTS)}")
        art = getattr(self, name)
        if name == "matrix" and art.slo is None:
            art = art.model_copy(update={"slo": self.context.slo})
        return art

    def to_text(self) -> str:
        parts = [self.context.to_text(), self.taxonomy.to_text(), self.matrix.to_text(),
                 self.budget().to_text(), self.workflow.to_text(), self.postmortem.to_text()]
        return "\n\n".join(parts)

    def to_html(self) -> str:
        from . import display
        wf = display.section("Recovery workflow", self.workflow.to_html())
        return "".join([self.context.to_html(), self.taxonomy.to_html(), self.matrix.to_html(),
                        self.budget().to_html(), wf, self.postmortem.to_html()])

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    @classmethod
    def json_schema(cls) -> dict:
        """The published JSON Schema of a design file."""
        schema = cls.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = "fallbackkit design"
        return schema


def _save(path: str | os.PathLike, merge: Callable[[Design | None, Any], dict], check: bool) -> Design:
    """The one save, for designs: ``merge(current design or None, raw data)`` gives the new
    contents under the lock; they are validated whole and written where they differ."""
    result: list[Design] = []

    def change(cur: store.Current):
        current = None
        if cur.data is not None:
            try:
                current = Design.from_dict(cur.data, str(path), check=False)
            except DesignError:
                current = None
        data = merge(current, cur.data)
        saved = Design.from_dict(data, str(path), check=check)
        result.append(saved)
        old = current.to_dict() if current is not None else cur.data
        return old, saved.to_dict()
    store.save(path, change, normalize=lambda data: Design.from_dict(data, check=False).to_dict())
    saved = result[0]
    saved._remember(path)
    return saved


def load(path: str | os.PathLike) -> Design:
    """Load and validate a design file (YAML or JSON)."""
    return Design.load(path)


def default_design_path() -> str:
    return str(resources.files("fallbackkit") / "data" / "default_design.yaml")


def default_design() -> Design:
    """The bundled worked example: a chat assistant, 99.9% of requests in < 150 ms."""
    return Design.load(default_design_path())


def schema_text() -> str:
    return json.dumps(Design.json_schema(), indent=2) + "\n"
