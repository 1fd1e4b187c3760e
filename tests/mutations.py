"""Mutations of the worked example's plain data, shared by the rule, critique and interview tests,
and the reference designs they are held against."""

from pathlib import Path

import fallbackkit as fk
from fallbackkit.design import Design

SCENARIOS = sorted((Path(fk.__file__).parent / "data" / "scenarios").glob("*.yaml"))
#: the worked example and every bundled scenario
REFERENCE = [Path(fk.default_design_path())] + SCENARIOS


def design_of(data: dict) -> Design:
    """The design of ``data`` as a file holding it would load, its rules not checked (a flawed design)."""
    return Design.from_dict(data, "flawed.yaml", check=False)


def path(d: dict, pid: str) -> dict:
    """Matrix path ``pid`` of the plain data ``d``."""
    return next(p for p in d["matrix"]["paths"] if p["id"] == pid)


def drop_modes(d: dict, keep: int = 4) -> None:
    """Keep the first ``keep`` failure modes and every reference to them consistent."""
    d["taxonomy"]["modes"] = d["taxonomy"]["modes"][:keep]
    kept = {m["id"] for m in d["taxonomy"]["modes"]}
    for e in d["workflow"]["edges"]:
        e["handles"] = [h for h in e.get("handles", []) if h in kept]
    for item in d["postmortem"]["action_items"] + d["postmortem"]["incidents"]:
        if item.get("failure_mode") not in kept:
            item.pop("failure_mode", None)
