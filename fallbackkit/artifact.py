"""The base every artifact shares: strict fields, load/save, validation, rich display.

An artifact behaves like an Altair chart: it is data (:meth:`Artifact.to_dict`), it
renders itself in Jupyter, and it saves to several formats::

    tax = FailureTaxonomy.load("taxonomy.yaml")
    tax.save("taxonomy.json")
"""

from __future__ import annotations

import html
import os
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, Strict, ValidationError

from . import files, store
from .reader import bounded
from .problems import DesignError, Problem, from_validation_error, locate

#: Ids are short slugs so they survive YAML, Mermaid, URLs and router configs unchanged.
Id = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64,
          description="a short slug: letters, digits, '-', '_' or '.'"),
]


#: A number read from a file: an int or a float, never a bool (``true`` is not 1) and never
#: a string; infinities and NaN are refused by the models' ``allow_inf_nan=False``.
Number = Annotated[float, Strict()]
#: A whole number read from a file: never a bool, a float or a string.
Count = Annotated[int, Strict()]


class Model(BaseModel):
    """A strict pydantic model: unknown fields are errors, not silently dropped.

    Enum fields hold their plain string value, defaults included (``validate_default``), so
    ``path.retry.on`` compares equal to ``"dependency_failure"`` whether it was written in the
    file or left at its default. Numbers are finite and never booleans.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=True,
                              validate_default=True, allow_inf_nan=False)


class Artifact(Model):
    """A standalone deliverable: loadable, validated, rendered and saved on its own."""

    #: Human name of the artifact ("failure taxonomy"), used in messages and headings.
    title: ClassVar[str] = "artifact"

    #: (real path, to_dict()) of the file this object was last loaded from or saved to: the
    #: base a later save compares the file on disk with, to refuse overwriting others' edits.
    _origin: tuple[str, dict] | None = PrivateAttr(default=None)

    # -- rules beyond field types -------------------------------------------------
    def problems(self) -> list[Problem]:
        """Rule violations of this artifact alone (cross-artifact rules live in Design)."""
        return []

    def validate_rules(self) -> Self:
        """Raise :class:`DesignError` listing every rule violation; return self if none."""
        probs = self.problems()
        if probs:
            raise DesignError(probs)
        return self

    @property
    def is_valid(self) -> bool:
        return not self.problems()

    # -- loading -------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any, filename: str | None = None,
                  lines: files.LineIndex | None = None, check: bool = True) -> Self:
        """Validate plain data into the artifact; raise DesignError with every problem."""
        try:
            obj = cls.model_validate(data)
        except ValidationError as exc:
            probs = from_validation_error(exc, data=data)
            raise DesignError(bounded([locate(p, filename, lines) for p in probs])) from None
        if check:
            probs = obj.problems()
            if probs:
                raise DesignError(bounded([locate(p, filename, lines) for p in probs]))
        return obj

    @classmethod
    def from_yaml(cls, text: str, filename: str = "<text>", check: bool = True) -> Self:
        data, lines = files.parse_text(text, filename)
        return cls.from_dict(data, filename, lines, check=check)

    @classmethod
    def load(cls, path: str | os.PathLike, check: bool = True) -> Self:
        """Load from a ``.yaml``/``.yml``/``.json`` file; raise DesignError if invalid."""
        data, lines = files.read_document(path)
        obj = cls.from_dict(data, str(path), lines, check=check)
        obj._remember(path)
        return obj

    def _remember(self, path: str | os.PathLike) -> None:
        self._origin = (str(store.real_target(path)), self.to_dict())

    def base_for(self, path: str | os.PathLike) -> dict | None:
        """What this object held when it was last loaded from or saved to ``path`` (else None)."""
        if self._origin is not None and self._origin[0] == str(store.real_target(path)):
            return self._origin[1]
        return None

    # -- saving --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data; fields left at their defaults are omitted."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        for key in self.always_written:
            data = {key: getattr(self, key), **data}
        return _tidy(data)

    #: Fields written even when they hold their default (a file should say its version).
    always_written: ClassVar[tuple[str, ...]] = ()

    def to_yaml(self) -> str:
        return files.dump_yaml(self.to_dict())

    def to_json(self) -> str:
        return files.dump_json(self.to_dict())

    def save(self, path: str | os.PathLike, check: bool = True) -> str:
        """Save as YAML, or JSON when the name ends in ``.json``, through the one save.

        An artifact that breaks a rule is refused (DesignError) and the file is left as it
        was. The save is locked against other savers, atomic, writes through symlinks,
        refuses read-only files and keeps a YAML file's comments. If this object was loaded
        from ``path`` and the file changed on disk since, in a way this object did not,
        the save is refused (:class:`~fallbackkit.store.ConflictError`) rather than
        overwrite someone else's edit. Returns the path written.
        """
        if check:
            probs = self.problems()
            if probs:
                raise DesignError([p.located(str(path)) for p in probs])
        new, base = self.to_dict(), self.base_for(path)

        def change(cur: store.Current):
            if (isinstance(cur.data, dict) and "schema_version" in cur.data
                    and "schema_version" not in type(self).model_fields):
                store.fail(path, f"not saved: this is a whole design file; saving the {self.title} alone would "
                                 f"replace it. Use Design.save_artifact(path, name, artifact) to replace "
                                 f"only that part, or save to another file")
            old = self._understood(cur)
            if base is not None and cur.exists and old != base and old != new:
                store.fail(path, f"not saved: the {self.title} changed on disk since it was loaded; "
                                 "load the file again and redo the change", store.ConflictError)
            return old, new
        store.save(path, change, normalize=lambda data: type(self).from_dict(data, check=False).to_dict())
        self._remember(path)
        return str(path)

    @classmethod
    def _understood(cls, cur: store.Current) -> Any:
        """The file's current contents as this model writes them (raw data if they do not load)."""
        if cur.data is None:
            return None
        try:
            return cls.from_dict(cur.data, check=False).to_dict()
        except DesignError:
            return cur.data

    # -- display -------------------------------------------------------------------
    def to_text(self) -> str:
        return self.to_yaml()

    def to_html(self) -> str:
        return f"<pre>{html.escape(self.to_text())}</pre>"

    def to_markdown(self) -> str:
        return f"```\n{self.to_text()}\n```"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def __str__(self) -> str:
        return self.to_text()


def _tidy(value: Any) -> Any:
    # 2000000.0 reads better as 2000000; loading gives back an equal float.
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    return value


def duplicate_ids(items: list[Any], field: str) -> list[Problem]:
    """One problem per repeated ``id`` in a list field, ignoring case.

    Ids become router ids, Mermaid ids and file names, and several of those are
    case-insensitive (macOS and Windows file systems, some gateways): ``Primary`` and
    ``primary`` would be one thing there, so they may not be two things here.
    """
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(items):
        key = item.id.casefold()
        if key in seen:
            first = items[seen[key]].id
            if first == item.id:
                what = f"duplicate id {item.id!r} (first used at index {seen[key]}); ids must be unique"
            else:
                what = (f"duplicate id {item.id!r}: differs only by case from {first!r} at index {seen[key]}; "
                        "ids are compared ignoring case and must be unique")
            out.append(Problem(f"{field}[{i}].id", what))
        else:
            seen[key] = i
    return out
