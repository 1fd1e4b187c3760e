"""A design simulated over a grid of field values: one row per combination, ready to chart.

::

    frame = fk.sweep(design, {"primary.timeout_ms": [60, 85, 120], "cache.coverage_pct": [50, 70, 90]})
    alt.Chart(frame).mark_line().encode(x="primary.timeout_ms", y="slo_attainment", color="cache.coverage_pct:N")

A field is ``PATH_ID.FIELD[.SUBFIELD…]`` for a path of the matrix (``primary.timeout_ms``,
``cache.coverage_pct``, ``primary.retry.max_retries``) or ``context.FIELD…``
(``context.slo.threshold_ms``). Every combination is validated like a file, then simulated
with the same seed (common random numbers: differences between rows come from the design, not
from sampling noise), on the :mod:`fallbackkit.dispatch` engine of your choice.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any, Mapping, Sequence

from .problems import DesignError, Problem

OUTPUT_COLUMNS = ["slo_attainment", "meets_slo", "p50_ms", "p95_ms", "p99_ms", "p99_9_ms", "cost_per_1m_usd",
                  "unserved", "retry_share", "worst_case_ms"]


def parse_grid(specs: Sequence[str]) -> dict[str, list[float | int]]:
    """``["primary.timeout_ms=60,85,120"]`` -> ``{"primary.timeout_ms": [60, 85, 120]}``."""
    grid: dict[str, list[float | int]] = {}
    for spec in specs:
        field, sep, values = spec.partition("=")
        field = field.strip()
        if not sep or "." not in field or not values.strip():
            raise ValueError(f"--grid {spec!r}: expected PATH_ID.FIELD=V1,V2,... e.g. primary.timeout_ms=60,85,120")
        if field in grid:
            raise ValueError(f"--grid {field}: given twice; put every value in one --grid")
        out = []
        for v in values.split(","):
            try:
                num = float(v)
            except ValueError:
                raise ValueError(f"--grid {field}: {v.strip()!r} is not a number") from None
            out.append(int(num) if num.is_integer() and "." not in v and "e" not in v.lower() else num)
        grid[field] = out
    if not grid:
        raise ValueError("no --grid given; expected at least one, e.g. --grid primary.timeout_ms=60,85,120")
    return grid


def _target(data: dict, field: str) -> tuple[dict, str, str]:
    """The dict holding ``field`` in a design's data, the key to set, and the file path of the field."""
    head, *rest = field.split(".")
    if head == "context":
        node, where = data["context"], "context"
    else:
        paths = data["matrix"]["paths"]
        idx = next((i for i, p in enumerate(paths) if p.get("id") == head), None)
        if idx is None:
            raise DesignError([Problem(field, f"unknown path {head!r}; expected 'context' or one of "
                                       + ", ".join(p.get("id", "?") for p in paths))])
        node, where = paths[idx], f"matrix.paths[{idx}]"
    if not rest:
        raise DesignError([Problem(field, "names no field; expected PATH_ID.FIELD, e.g. primary.timeout_ms")])
    for part in rest[:-1]:
        if not isinstance(node.get(part), dict):
            raise DesignError([Problem(field, f"{where}.{part} is not set in the design; set it there first")])
        node, where = node[part], f"{where}.{part}"
    return node, rest[-1], f"{where}.{rest[-1]}"


def apply(design, assignments: Mapping[str, Any]):
    """A copy of ``design`` with ``assignments`` ({field: value}) set; DesignError names a bad field."""
    from .design import Design
    data = copy.deepcopy(design.to_dict())
    for field, value in assignments.items():
        node, key, _ = _target(data, field)
        node[key] = value
    return Design.from_dict(data, filename="sweep")


def _simulate_row(task: dict) -> dict:
    from .design import Design
    from .simulation import simulate
    design = Design.from_dict(task["design"], filename="sweep")
    sim = simulate(design, n_requests=task["n_requests"], seed=task["seed"])
    pc = sim.percentiles
    return {"slo_attainment": round(sim.slo_attainment, 6),
            "meets_slo": bool(sim.slo_attainment >= design.context.slo.percentile / 100),
            "p50_ms": round(pc["p50"], 3), "p95_ms": round(pc["p95"], 3), "p99_ms": round(pc["p99"], 3),
            "p99_9_ms": round(pc["p99.9"], 3), "cost_per_1m_usd": round(sim.cost_per_1m_usd, 4),
            "unserved": round(sim.unserved, 6), "retry_share": round(sim.retry_share, 6),
            "worst_case_ms": round(design.budget().worst_case_ms, 3)}


def sweep(design, grid: Mapping[str, Sequence[Any]], *, n_requests: int = 20_000, seed: int = 0,
          engine: str = "serial", scheduler: str | None = None, workers: int | None = None):
    """Simulate ``design`` for every combination of ``grid``; a pandas DataFrame, one row each.

    Columns: the grid's fields, then :data:`OUTPUT_COLUMNS`. Every combination is checked
    before the first simulation; DesignError lists each invalid one with its values.
    """
    import pandas as pd

    from .dispatch import TaskFailed, run_tasks
    if isinstance(design, str):
        from .design import Design
        design = Design.load(design)
    fields = list(grid)
    if not fields:
        raise DesignError([Problem("grid", "is empty; expected at least one field with values")])
    combos = list(itertools.product(*(list(grid[f]) for f in fields)))
    tasks, problems = [], []
    for combo in combos:
        try:
            variant = apply(design, dict(zip(fields, combo)))
        except DesignError as exc:
            label = ", ".join(f"{f}={v}" for f, v in zip(fields, combo))
            problems += [Problem(p.path, f"{p.message} (with {label})") for p in exc.problems]
            continue
        tasks.append({"design": variant.to_dict(), "n_requests": n_requests, "seed": seed})
    if problems:
        raise DesignError(problems)
    rows = run_tasks(_simulate_row, tasks, engine=engine, scheduler=scheduler, workers=workers)
    failed = [r for r in rows if isinstance(r, TaskFailed)]
    if failed:
        raise DesignError([Problem("sweep", f"a simulation failed: {failed[0].error}")])
    frame = pd.DataFrame([dict(zip(fields, combo)) | row for combo, row in zip(combos, rows)])
    return frame[fields + OUTPUT_COLUMNS]
