"""Reading incident files (CSV, CSV.gz, JSON) into normalized records; one Problem per bad cell."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any, Sequence

from ..display import nbytes
from ..problems import DesignError, Problem
from .lifecycle import STAGES, _is_blank

#: The most text an incident file may hold once decompressed. The bundled history of 542
#: incidents is 0.24 MB; a 1 MB gzip can expand to 1 GB, so a ``.gz`` is read in a stream
#: and refused as soon as it passes this, never held whole. ``read(..., max_bytes=)`` overrides.
MAX_TEXT_BYTES = 64 * 2**20

#: Columns whose cells are one line each. A line break in one of them means a stray ``"``
#: opened a quoted cell that ran on into the following rows (the csv module then reads
#: those rows as part of the cell, with no error).
SINGLE_LINE = {"id", "incident_id", "title", "Incident_Title", "provider", "impact", "incident_impact_level",
               "Incident_color", "components", *STAGES, *(f"{s}_timestamp" for s in STAGES)}


@dataclass
class _Raw:
    """One normalized input record before timestamps are parsed."""

    id: str
    title: str
    provider: str
    impact: Any
    components: list[str]
    stamps: dict[str, str | None]
    descriptions: dict[str, str]
    line: int | None





def _pick(row: dict, *names: str) -> Any:
    for n in names:
        if n in row and not _is_blank(row[n]):
            return row[n]
    return None


_META = {"incident_id", "id", "Incident_Title", "title", "incident_impact_level", "impact", "Incident_color",
         "provider", "components", "start_timestamp", "close_timestamp", "time_span", "over_one_day"}


def _component_columns(columns: Sequence[str], rows: list[dict]) -> list[str]:
    """Columns holding 0/1 component flags (the dataset's wide format)."""
    out = []
    for c in columns:
        if c in _META or c.endswith(("_flag", "_timestamp", "_description")) or c in STAGES:
            continue
        vals = {str(r.get(c, "")).strip() for r in rows}
        if vals and vals <= {"0", "1", "", "0.0", "1.0", "True", "False", "true", "false"}:
            out.append(c)
    return out


def _split_components(v: Any) -> list[str]:
    if _is_blank(v):
        return []
    if isinstance(v, (list, tuple)):
        return [str(x).strip() for x in v if str(x).strip()]
    return [p.strip() for p in re.split(r"[;|]", str(v)) if p.strip()]


def _kind(v: Any) -> str:
    return {"list": "a list", "dict": "an object"}.get(type(v).__name__, type(v).__name__)


def _structure(row: dict, where: str, line: int | None) -> list[Problem]:
    """JSON fields that hold a list or object where text is expected (one problem each)."""
    out = []
    for k in ("id", "incident_id", "title", "Incident_Title", "provider", "impact", "incident_impact_level",
              *STAGES, *(f"{s}_timestamp" for s in STAGES), *(f"{s}_description" for s in STAGES)):
        if isinstance(row.get(k), (list, dict)):
            out.append(Problem(f"{where}.{k}", f"expected text, got {_kind(row[k])}", line=line))
    comps = row.get("components")
    if isinstance(comps, dict) or (isinstance(comps, list) and any(isinstance(x, (list, dict)) for x in comps)):
        out.append(Problem(f"{where}.components", "expected a list of component names or `a;b` text", line=line))
    stages = row.get("stages")
    if stages is not None and not isinstance(stages, dict):
        out.append(Problem(f"{where}.stages", f"expected an object of stage → time, got {_kind(stages)}", line=line))
    for s, v in (stages.items() if isinstance(stages, dict) else ()):
        inner = v.items() if isinstance(v, dict) else [("", v)]
        for k, x in inner:
            if isinstance(x, (list, dict)):
                out.append(Problem(f"{where}.stages.{s}{'.' + k if k else ''}", f"expected text, got {_kind(x)}", line=line))
    return out


def _normalize(row: dict, comp_cols: list[str], line: int | None, where: str, problems: list[Problem]) -> _Raw | None:
    bad = _structure(row, where, line)
    if bad:
        problems += bad
        return None
    rid = _pick(row, "id", "incident_id")
    if rid is None:
        problems.append(Problem(f"{where}.id", "incident has no id; expected an `id` (or `incident_id`) value", line=line))
        return None
    provider = _pick(row, "provider")
    if provider is None:
        problems.append(Problem(f"{where}.provider", "incident has no provider; expected e.g. openai, anthropic", line=line))
        return None
    nested = row.get("stages") if isinstance(row.get("stages"), dict) else {}
    stamps: dict[str, str | None] = {}
    descs: dict[str, str] = {}
    for s in STAGES:
        v = nested.get(s)
        d = None
        if isinstance(v, dict):
            v, d = v.get("at"), v.get("description")
        if _is_blank(v):
            v = _pick(row, s, f"{s}_timestamp", f"{s}_at")
        if d is None:
            d = _pick(row, f"{s}_description")
        stamps[s] = None if _is_blank(v) else str(v).strip()
        if not _is_blank(d):
            descs[s] = str(d).strip()
    comps = _split_components(row.get("components"))
    for c in comp_cols:
        if str(row.get(c, "")).strip() in ("1", "1.0", "True", "true"):
            comps.append(c)
    title = _pick(row, "title", "Incident_Title") or ""
    return _Raw(str(rid).strip(), str(title).strip(), str(provider).strip().lower(),
                _pick(row, "impact", "incident_impact_level"), comps, stamps, descs, line)


def read_text(path, max_bytes: int | None = None) -> str:
    """The text of an incident file (``.gz`` decompressed in a stream), at most ``max_bytes``."""
    import gzip
    import zlib
    from pathlib import Path
    p, cap = Path(path), MAX_TEXT_BYTES if max_bytes is None else max_bytes
    where = str(p)
    try:
        if p.name.endswith(".gz"):
            with gzip.open(p, "rb") as f:
                raw = f.read(cap + 1)
            if len(raw) > cap:
                raise DesignError([Problem("", f"expands to more than {nbytes(cap)}; expected an incident file "
                                           f"under {nbytes(cap)} (split it, or pass max_bytes=)", where)])
        else:
            with open(p, "rb") as f:
                raw = f.read(cap + 1)
            if len(raw) > cap:
                raise DesignError([Problem("", f"holds more than {nbytes(cap)}; expected an incident file "
                                           f"under {nbytes(cap)} (split it, or pass max_bytes=)", where)])
    except FileNotFoundError:
        raise DesignError([Problem("", "file not found", where)]) from None
    except IsADirectoryError:
        raise DesignError([Problem("", "is a folder; expected an incident file (.csv, .csv.gz or .json)", where)]) from None
    except (EOFError, zlib.error) as exc:
        raise DesignError([Problem("", f"cannot decompress: {exc}", where)]) from None
    except OSError as exc:  # gzip.BadGzipFile is an OSError too
        msg = f"cannot decompress: {exc}" if p.name.endswith(".gz") and not isinstance(exc, PermissionError) else f"cannot read file: {exc}"
        raise DesignError([Problem("", msg, where)]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DesignError([Problem("", f"not UTF-8 text: {exc}", where)]) from None


def _row_shape(row: dict, cols: list[str], line: int, where: str) -> Problem | None:
    """A row with too few or too many cells, or a cell that swallowed the rows after it."""
    extra = row.get(None) or []
    n = len(cols) - sum(row.get(c) is None for c in cols) + len(extra)
    if n != len(cols):
        fix = "leave a cell empty, e.g. `a,,c`" if n < len(cols) else "quote a cell that holds a comma"
        shown = ", ".join(cols[:8]) + (", …" if len(cols) > 8 else "")
        return Problem(where, f"{n} cells where the header has {len(cols)} ({shown}); expected one cell per column ({fix})", line=line)
    for c in cols:
        v = row[c]
        if "\n" not in v and "\r" not in v:
            continue
        body = v.rstrip("\r\n").splitlines()
        rowlike = [x for x in body[1:] if x.count(",") >= len(cols) - 1]
        if c in SINGLE_LINE or rowlike:
            more = len(body) - 1
            return Problem(f"{where}.{c}", f"spans lines {line}–{line + more}, swallowing what look like {more} more rows: "
                           'a stray `"` probably opened a quoted cell; expected one line (quote the whole cell and '
                           'double any `"` inside it: `"a ""b"" c"`)', line=line)
    return None


def _read_csv_records(text: str, source: str, problems: list[Problem]) -> list[_Raw]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows, lines = [], []
    reader.fieldnames  # reads the header, so line_num counts from there
    prev = reader.line_num
    try:
        for row in reader:
            rows.append(row)
            lines.append(prev + 1)  # the line where this record starts (descriptions span lines)
            prev = reader.line_num
    except csv.Error as exc:
        raise DesignError([Problem("", f"malformed CSV near line {reader.line_num}: {exc}", source, reader.line_num)]) from None
    if reader.fieldnames is None:
        raise DesignError([Problem("", "file is empty; expected a header row and one row per incident", source)])
    cols = list(reader.fieldnames)
    if not ({"id", "incident_id"} & set(cols)) or "provider" not in cols:
        raise DesignError([Problem("(header)", "expected columns `id` (or `incident_id`) and `provider`, plus one "
                                   "timestamp column per stage (`resolved` or `resolved_timestamp`, …); "
                                   f"got {', '.join(cols[:8])}", source, 1)])
    if not any(s in cols or f"{s}_timestamp" in cols for s in STAGES):
        raise DesignError([Problem("(header)", "no stage column; expected at least one of "
                                   + ", ".join(f"{s} / {s}_timestamp" for s in STAGES), source, 1)])
    shapes = [_row_shape(row, cols, line, f"row {k + 1}") for k, (row, line) in enumerate(zip(rows, lines))]
    problems += [p for p in shapes if p is not None]
    comp_cols = _component_columns(cols, [r for r, p in zip(rows, shapes) if p is None])
    out = []
    for k, (row, line) in enumerate(zip(rows, lines)):
        if shapes[k] is not None:
            continue
        r = _normalize(row, comp_cols, line, f"row {k + 1}", problems)
        if r is not None:
            out.append(r)
    return out


def _read_json_records(text: str, source: str, problems: list[Problem]) -> list[_Raw]:
    from ..reader import parse_text  # the one reader: duplicate keys, depth and size capped
    data, _ = parse_text(text, source, as_json=True, top=None)
    if isinstance(data, dict):
        data = data.get("incidents")
    if not isinstance(data, list):
        raise DesignError([Problem("", "expected a list of incidents, or {\"incidents\": [...]}", source)])
    keys: list[str] = []
    for d in data:
        if isinstance(d, dict):
            keys += [k for k in d if k not in keys]
    dict_rows = [d for d in data if isinstance(d, dict)]
    comp_cols = _component_columns(keys, dict_rows)
    out = []
    for k, d in enumerate(data):
        if not isinstance(d, dict):
            problems.append(Problem(f"incidents[{k}]", f"expected an object, got {type(d).__name__}"))
            continue
        r = _normalize(d, comp_cols, None, f"incidents[{k}]", problems)
        if r is not None:
            out.append(r)
    return out


def _parse_stamp(raw: str) -> dt.datetime:
    s = raw.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    return dt.datetime.fromisoformat(s)


def _offset_text(t: dt.datetime) -> str:
    off = t.utcoffset()
    if off is None:
        return "naive"
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
