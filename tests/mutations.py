"""Mutations of the worked example's plain data, shared by the rule and critique tests."""


def drop_modes(d: dict, keep: int = 4) -> None:
    """Keep the first ``keep`` failure modes and every reference to them consistent."""
    d["taxonomy"]["modes"] = d["taxonomy"]["modes"][:keep]
    kept = {m["id"] for m in d["taxonomy"]["modes"]}
    for e in d["workflow"]["edges"]:
        e["handles"] = [h for h in e.get("handles", []) if h in kept]
    for item in d["postmortem"]["action_items"] + d["postmortem"]["incidents"]:
        if item.get("failure_mode") not in kept:
            item.pop("failure_mode", None)
