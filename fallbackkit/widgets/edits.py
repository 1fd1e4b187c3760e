"""Pure edits of a Design that the widgets apply; no widget library here.

Each function takes a valid Design and returns a new one, or raises DesignError with
every problem the edit would cause (the caller's design and file stay as they were).
They sit beside the widgets because only the widgets use them; they import nothing
from ipywidgets, so they can move into the core unchanged.
"""

from __future__ import annotations

import copy
from typing import Any

from ..design import Design
from ..matrix import FallbackPath
from ..problems import DesignError, Problem
from ..workflow import RecoveryWorkflow

# -- failure modes (TaxonomyEditor) -----------------------------------------------------------
#: form field -> path inside a failure mode's data; the editor shows one input per field.
MODE_FIELDS = ["id", "name", "category", "severity", "occurrence", "detectability", "trigger",
               "detection.metric", "detection.comparator", "detection.threshold", "detection.unit",
               "detection.window", "user_effect", "mitigation.path", "mitigation.note", "runbook.id",
               "runbook.title", "runbook.steps", "owner"]


def mode_form(mode_data: dict) -> dict[str, Any]:
    """A failure mode's data as flat form values (runbook steps one per line)."""
    out = {}
    for key in MODE_FIELDS:
        cur: Any = mode_data
        for part in key.split("."):
            cur = cur.get(part) if isinstance(cur, dict) else None
        if key == "runbook.steps":
            cur = "\n".join(cur or [])
        out[key] = "" if cur is None else cur
    return out


def mode_data(form: dict[str, Any], base: dict | None = None) -> dict:
    """Flat form values back to a failure mode's data, keeping fields the form does not show."""
    data = copy.deepcopy(base) if base else {}
    for key, value in form.items():
        if key == "runbook.steps":
            value = [s.strip() for s in str(value).splitlines() if s.strip()]
        elif isinstance(value, str):
            value = value.strip()
        parts = key.split(".")
        cur = data
        for part in parts[:-1]:
            cur = cur.setdefault(part, {})
        cur[parts[-1]] = value
    return data


def new_mode_template(design: Design) -> dict:
    """A starting point for a new failure mode: valid fields, a fresh id, the second path."""
    ids = set(design.taxonomy.ids)
    n = len(ids) + 1
    while f"new-mode-{n}" in ids:
        n += 1
    paths = design.matrix.ids
    return {
        "id": f"new-mode-{n}", "name": "New failure mode", "category": "other", "trigger": "",
        "detection": {"metric": "error_rate", "comparator": ">", "threshold": 1, "unit": "%", "window": "5m"},
        "severity": "P2", "occurrence": 0.001, "detectability": 3, "user_effect": "",
        "mitigation": {"path": paths[1] if len(paths) > 1 else paths[0], "note": ""},
        "runbook": {"id": f"RB-{n:02d}", "title": "New runbook entry", "steps": ["Describe the first step."]},
        "owner": "LLM platform on-call",
    }


def routing_edges(design: Design) -> list[tuple[int, str]]:
    """Edges a new failure mode can be routed along: (index, label), decision edges first."""
    wf = design.workflow
    kinds = {n.id: n.kind for n in wf.nodes}
    out = []
    for i, e in enumerate(wf.edges):
        if e.handles or kinds.get(e.source) == "decision":
            guard = f" [{e.guard}]" if e.guard else ""
            out.append((i, f"{e.source} → {e.target}{guard}"))
    return out


def default_route(design: Design, mitigation_path: str | None) -> int | None:
    """The edge that already routes modes mitigated by the same path, else the first routing edge."""
    wf, tax = design.workflow, design.taxonomy
    by_id = {m.id: m for m in tax.modes}
    counts = [(sum(1 for h in e.handles if h in by_id and by_id[h].mitigation.path == mitigation_path), -i)
              for i, e in enumerate(wf.edges)]
    best = max(counts, default=(0, 0))
    if best[0] > 0:
        return -best[1]
    edges = routing_edges(design)
    return edges[0][0] if edges else None


def upsert_mode(design: Design, data: dict, replace: str | None = None,
                route_edge: int | None = None, filename: str | None = None) -> Design:
    """The design with failure mode ``data`` added (``replace=None``) or replacing ``replace``.

    A new mode is routed along workflow edge ``route_edge`` (the workflow must route every
    mode); a renamed mode keeps its routes and links under the new id.
    """
    d = design.to_dict()
    modes = d["taxonomy"]["modes"]
    if replace is None:
        modes.append(data)
        if route_edge is not None:
            edges = d["workflow"]["edges"]
            if not 0 <= route_edge < len(edges):
                raise DesignError([Problem("workflow.edges", f"no edge {route_edge}; expected 0..{len(edges) - 1}", filename)])
            edges[route_edge].setdefault("handles", [])
            if data.get("id") not in edges[route_edge]["handles"]:
                edges[route_edge]["handles"].append(data.get("id"))
    else:
        idx = [m["id"] for m in modes].index(replace)
        modes[idx] = data
        new_id = data.get("id")
        if new_id != replace:
            _rename_mode(d, replace, new_id)
    return Design.from_dict(d, filename)


def _rename_mode(d: dict, old: str, new: str) -> None:
    for e in d["workflow"]["edges"]:
        e["handles"] = [new if h == old else h for h in e.get("handles", [])]
    for key in ("action_items", "incidents"):
        for item in d["postmortem"].get(key, []):
            if item.get("failure_mode") == old:
                item["failure_mode"] = new


def delete_mode(design: Design, mode_id: str, filename: str | None = None) -> Design:
    """The design without ``mode_id``; its workflow routes go with it.

    Post-mortem records that name the mode are history and are not rewritten: the
    deletion is refused while any exists, with one problem per record.
    """
    d = design.to_dict()
    modes = d["taxonomy"]["modes"]
    if mode_id not in [m["id"] for m in modes]:
        raise DesignError([Problem("taxonomy.modes", f"no failure mode {mode_id!r}", filename)])
    probs = []
    for key in ("action_items", "incidents"):
        for i, item in enumerate(d["postmortem"].get(key, [])):
            if item.get("failure_mode") == mode_id:
                probs.append(Problem(f"postmortem.{key}[{i}].failure_mode",
                                     f"{item['id']} names {mode_id!r}; post-mortem history keeps its links, "
                                     "so re-point or remove that record first", filename))
    if probs:
        raise DesignError(probs)
    d["taxonomy"]["modes"] = [m for m in modes if m["id"] != mode_id]
    for e in d["workflow"]["edges"]:
        if "handles" in e:
            e["handles"] = [h for h in e["handles"] if h != mode_id]
    return Design.from_dict(d, filename)


# -- paths (MatrixExplorer) ---------------------------------------------------------------------
PATH_FIELDS = ("p99_ms", "timeout_ms", "coverage_pct", "cost_per_1m_usd")


def path_p99(path: FallbackPath) -> float | None:
    return path.latency.tail_ms


def with_path_value(design: Design, path_id: str, field: str, value: float | None) -> Design:
    """The design with one number of one path changed (validated; DesignError if not valid).

    ``p99_ms`` moves the declared tail; lower declared percentiles that would sit above it
    come down with it, so p50 ≤ p95 ≤ p99 still holds. A path whose latency is only a
    constant distribution has that constant moved instead.
    """
    if field not in PATH_FIELDS:
        raise ValueError(f"unknown field {field!r}; expected one of {PATH_FIELDS}")
    m = design.matrix
    idx = m.ids.index(path_id)
    data = m.paths[idx].model_dump(mode="python", exclude_defaults=True)
    if field == "p99_ms":
        lat = data["latency"]
        dist = lat.get("distribution")
        if lat.get("p99_ms") is None and isinstance(dist, dict) and dist.get("kind") == "constant":
            lat["distribution"] = {"kind": "constant", "ms": value}
        else:
            lat["p99_ms"] = value
            for lower in ("p95_ms", "p50_ms"):
                if lat.get(lower) is not None and value is not None and lat[lower] > value:
                    lat[lower] = value
    elif field == "cost_per_1m_usd":
        data["cost_per_1m_usd"] = value
        if data.get("price_per_call_usd") is not None:
            data["price_per_call_usd"] = value / 1_000_000  # the stated unit price must agree
    else:
        data[field] = value
    path = _validate(FallbackPath, data, f"matrix.paths[{idx}]")
    paths = list(m.paths)
    paths[idx] = path
    return design.model_copy(update={"matrix": m.model_copy(update={"paths": paths})})


def _validate(cls, data, prefix):
    from pydantic import ValidationError
    from ..problems import from_validation_error
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise DesignError(from_validation_error(exc, prefix=prefix)) from None


# -- workflow (WorkflowBuilder) -------------------------------------------------------------------
def _workflow(data: dict, filename: str | None) -> RecoveryWorkflow:
    # Field errors are refused; rule problems (unreachable node, missing guard) are what a
    # graph under construction has, so they are shown, not refused.
    try:
        return RecoveryWorkflow.from_dict(data, filename, check=False)
    except DesignError as exc:
        raise DesignError([Problem(f"workflow.{p.path}", p.message, p.file, p.line) for p in exc.problems]) from None


def _clean(item: dict) -> dict:
    return {k: v for k, v in item.items() if v not in (None, "", [])}


def upsert_node(wf: RecoveryWorkflow, node: dict, replace: str | None = None, filename: str | None = None) -> RecoveryWorkflow:
    """Add ``node``, or replace node ``replace`` (its flows follow a renamed id)."""
    d = wf.to_dict()
    node = _clean(node)
    if replace is None:
        if node.get("id") in {n["id"] for n in d["nodes"]}:
            raise DesignError([Problem("workflow.nodes", f"a node {node.get('id')!r} exists already; ids must be unique", filename)])
        d["nodes"].append(node)
    else:
        idx = [n["id"] for n in d["nodes"]].index(replace)
        d["nodes"][idx] = node
        for e in d["edges"]:
            for end in ("source", "target"):
                if e[end] == replace:
                    e[end] = node.get("id")
    return _workflow(d, filename)


def delete_node(wf: RecoveryWorkflow, node_id: str, filename: str | None = None) -> RecoveryWorkflow:
    """The workflow without the node and the flows that touch it."""
    d = wf.to_dict()
    d["nodes"] = [n for n in d["nodes"] if n["id"] != node_id]
    d["edges"] = [e for e in d["edges"] if node_id not in (e["source"], e["target"])]
    return _workflow(d, filename)


def upsert_edge(wf: RecoveryWorkflow, edge: dict, index: int | None = None, filename: str | None = None) -> RecoveryWorkflow:
    """Add flow ``edge``, or replace the flow at ``index``."""
    d = wf.to_dict()
    edge = _clean(edge)
    if index is None:
        d["edges"].append(edge)
    else:
        d["edges"][index] = edge
    return _workflow(d, filename)


def delete_edge(wf: RecoveryWorkflow, index: int, filename: str | None = None) -> RecoveryWorkflow:
    d = wf.to_dict()
    del d["edges"][index]
    return _workflow(d, filename)


def workflow_problems(design: Design, wf: RecoveryWorkflow) -> list[Problem]:
    """Every problem of ``wf`` inside ``design``: its own rules and the ids it shares."""
    trial = design.model_copy(update={"workflow": wf})
    own = [Problem(f"workflow.{p.path}", p.message) for p in wf.problems()]
    shared = [p for p in trial.reference_problems() if p.path.startswith("workflow") or "not routed by the workflow" in p.message]
    return own + shared


# -- incidents (PostmortemDashboard) ----------------------------------------------------------------
def add_incident(design: Design, record: dict, filename: str | None = None) -> Design:
    """The design with one more incident record (validated with the whole design)."""
    return add_incidents(design, [record], filename)


def add_incidents(design: Design, records: list[dict], filename: str | None = None) -> Design:
    """The design with more incident records: all of them, or none (DesignError lists why)."""
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise DesignError([Problem("incidents", "expected a list of incident records (mappings)", filename)])
    d = design.to_dict()
    d["postmortem"].setdefault("incidents", []).extend(_clean(r) for r in records)
    return Design.from_dict(d, filename)


def parse_incidents(text: str) -> list[dict]:
    """Incident records from pasted YAML or JSON: a list, or a mapping with ``incidents:``."""
    from ..reader import parse_text  # the one reader: aliases, depth, size and duplicate keys capped
    try:
        data, _ = parse_text(text, "pasted records", top=None)
    except DesignError as exc:
        raise DesignError([Problem("incidents", f"{p.message}" + (f" (line {p.line})" if p.line else ""))
                           for p in exc.problems]) from None
    if isinstance(data, dict) and "incidents" in data:
        data = data["incidents"]
    if not isinstance(data, list):
        raise DesignError([Problem("incidents", f"expected a list of incident records, got {type(data).__name__}")])
    # YAML reads an unquoted ISO stamp as a datetime; the model wants text or aware datetimes
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} if isinstance(r, dict) else r
            for r in data]
