"""Learner answers as plain data: the only thing that crosses from the learner's process.

The learner's process encodes the values its answer cells bound (numbers, strings, lists,
dicts, dates, numpy scalars and the kit's own pydantic objects); the grader's process decodes
them and runs the tests on them. Decoding never runs learner code: a model is rebuilt by
validating its data with a *fallbackkit* class named in a whitelist-by-module check, never by
unpickling. Whatever cannot be carried (a function, a custom class) arrives as an
:class:`Ungradable` value whose use in a test fails with a message saying why.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
from typing import Any

MAX_DEPTH = 40
MAX_ITEMS = 200_000


class Ungradable:
    """Stands in for a learner value grading cannot carry; any use of it raises TypeError."""

    def __init__(self, name: str, why: str):
        object.__setattr__(self, "_why", f"{name}: {why}")

    def __getattr__(self, attr):
        raise TypeError(object.__getattribute__(self, "_why"))

    def __repr__(self) -> str:
        return f"<ungradable {object.__getattribute__(self, '_why')}>"

    def __bool__(self):
        raise TypeError(object.__getattribute__(self, "_why"))

    def __eq__(self, other):
        raise TypeError(object.__getattribute__(self, "_why"))

    __hash__ = None
    __iter__ = __len__ = __getitem__ = __call__ = __bool__  # type: ignore[assignment]


class _TooBig(Exception):
    pass


def _kit_model_class(value) -> type | None:
    from pydantic import BaseModel
    for cls in type(value).__mro__:
        if cls.__module__.startswith("fallbackkit.") and issubclass(cls, BaseModel) and cls is not BaseModel:
            return cls
    return None


def encode(value: Any, _depth: int = 0, _count: list | None = None) -> Any:
    """JSON-ready data for ``value``; raises TypeError for what cannot be carried."""
    count = _count if _count is not None else [0]
    count[0] += 1
    if _depth > MAX_DEPTH or count[0] > MAX_ITEMS:
        raise _TooBig("nested too deep or too large to grade")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return value if abs(value) < 2 ** 63 else {"$int": str(value)}
    if t is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, (bool, int, float, str)) and t.__module__ == "numpy":   # numpy scalars
        return encode(value.item(), _depth, count)
    if t.__module__ == "numpy" and hasattr(value, "item") and getattr(value, "shape", None) == ():
        return encode(value.item(), _depth, count)
    if t in (list, tuple, set, frozenset):
        items = [encode(v, _depth + 1, count) for v in value]
        return items if t is list else {f"${t.__name__}": items}
    if t is dict:
        return {"$dict": [[encode(k, _depth + 1, count), encode(v, _depth + 1, count)] for k, v in value.items()]}
    if t is dt.datetime or t is dt.date:
        return {f"${t.__name__}": value.isoformat()}
    cls = _kit_model_class(value)
    if cls is not None:
        return {"$model": f"{cls.__module__}:{cls.__qualname__}", "data": value.model_dump(mode="json")}
    raise TypeError(f"a {t.__module__}.{t.__qualname__}")


def encode_names(namespace: dict, names: list[str]) -> dict:
    """{name: encoded value} for the names bound in ``namespace``; the unbound are left out."""
    out = {}
    for name in names:
        if name not in namespace:
            continue
        try:
            out[name] = {"value": encode(namespace[name])}
        except (TypeError, _TooBig, RecursionError, ValueError) as exc:
            out[name] = {"ungradable": f"is {exc}; grading carries numbers, text, lists, dicts and fallbackkit objects"}
    return out


def _model_class(ref: str) -> type:
    from pydantic import BaseModel
    module, _, qual = ref.partition(":")
    if not module.startswith("fallbackkit.") or not qual:
        raise ValueError(f"not a fallbackkit class: {ref!r}")
    obj: Any = importlib.import_module(module)
    for part in qual.split("."):
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, BaseModel)):
        raise ValueError(f"not a fallbackkit model: {ref!r}")
    return obj


def decode(data: Any, _depth: int = 0) -> Any:
    """The value :func:`encode` wrote (rebuilt in the grader's process)."""
    if _depth > MAX_DEPTH + 2:
        raise ValueError("nested too deep")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, _depth + 1) for v in data]
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise ValueError("not an encoded answer")
    (tag, payload), *_ = data.items()
    rebuild = {"$tuple": tuple, "$set": set, "$frozenset": frozenset}
    if tag in rebuild:
        return rebuild[tag](decode(v, _depth + 1) for v in payload)
    if tag == "$dict":
        return {decode(k, _depth + 1): decode(v, _depth + 1) for k, v in payload}
    if tag == "$int":
        return int(payload)
    if tag == "$float":
        return float(payload)
    if tag == "$datetime":
        return dt.datetime.fromisoformat(payload)
    if tag == "$date":
        return dt.date.fromisoformat(payload)
    if tag == "$model":
        return _model_class(payload).model_validate(data["data"])
    raise ValueError(f"unknown tag {tag!r}")


def decode_names(encoded: dict) -> dict:
    """{name: value or Ungradable} from :func:`encode_names`'s output (never raises)."""
    out = {}
    for name, entry in (encoded or {}).items():
        if not isinstance(name, str) or not name.isidentifier() or not isinstance(entry, dict):
            continue
        if "value" in entry:
            try:
                out[name] = decode(entry["value"])
            except Exception as exc:  # noqa: BLE001 - bad data is the learner's, reported per name
                out[name] = Ungradable(name, f"could not be rebuilt for grading ({type(exc).__name__}: {str(exc)[:200]})")
        else:
            out[name] = Ungradable(name, str(entry.get("ungradable", "could not be carried"))[:300])
    return out
