"""The starter file of a learner's own design: a blank page with the shape of what comes next.

Three ways in, one writer (so the CLI, the notebook-00 form and the tests agree)::

    fallbackkit new "Code review bot" --blank          # a skeleton: name only
    fallbackkit new --interactive                      # asks product, traffic, SLO, providers
    fallbackkit new "Code review bot" --from rag-search  # a bundled scenario to rework

A skeleton's unfilled fields are reported by ``fallbackkit validate`` as *not yet written
(Day N)*, never as wrong. The artifacts still to write are comments that show their shape;
the providers the learner named become the commented paths of their Day-1 matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .artifact import _tidy
from .files import dump_yaml

METRICS = ("end_to_end", "time_to_first_token")


@dataclass
class Answers:
    """What the guided start asks. ``None`` leaves the field for later (not yet written)."""
    name: str
    description: str = ""
    requests_per_day: float | None = None
    peak_rps: float | None = None
    slo_percentile: float | None = None
    slo_threshold_ms: float | None = None
    slo_metric: str = "end_to_end"
    measurement_point: str = "API gateway"
    window_days: int = 28
    cost_ceiling_per_1m_usd: float | None = None
    providers: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """What is wrong with the answers, one line each (empty when they can be written)."""
        out = []
        if not self.name.strip():
            out.append("product name: expected some text")
        for label, v, lo in [("requests per day", self.requests_per_day, 0), ("peak requests per second", self.peak_rps, 0),
                             ("SLO threshold (ms)", self.slo_threshold_ms, 0), ("cost ceiling per 1M calls", self.cost_ceiling_per_1m_usd, -1)]:
            if v is not None and not v > lo:
                out.append(f"{label}: expected a number > {max(lo, 0)}, got {v:g}")
        if self.slo_percentile is not None and not 0 < self.slo_percentile < 100:
            out.append(f"SLO percentile: expected a number between 0 and 100, got {self.slo_percentile:g}")
        if self.slo_metric not in METRICS:
            out.append(f"SLO metric: expected one of {', '.join(METRICS)}, got {self.slo_metric!r}")
        return out


def context_of(a: Answers) -> dict:
    """The context section the answers give (fields left ``None`` are omitted: not yet written)."""
    ctx: dict = {"name": a.name.strip()}
    if a.description.strip():
        ctx["description"] = a.description.strip()
    if a.requests_per_day is not None and a.peak_rps is not None:
        ctx["traffic"] = {"requests_per_day": a.requests_per_day, "peak_rps": a.peak_rps}
    if a.slo_percentile is not None and a.slo_threshold_ms is not None:
        ctx["slo"] = {"percentile": a.slo_percentile, "threshold_ms": a.slo_threshold_ms,
                      "window_days": a.window_days, "measurement_point": a.measurement_point,
                      "metric": a.slo_metric}
    if a.cost_ceiling_per_1m_usd is not None:
        ctx["cost_ceiling_per_1m_usd"] = a.cost_ceiling_per_1m_usd
    return ctx


_LATER = """
# --- Still to write. `fallbackkit validate FILE` lists these as "not yet written (Day N)".
# Day 1: taxonomy (severity levels P0-P3 with measurable criteria, >= 5 failure modes) and
#        matrix (one path per way of answering, each with latency, timeout and cost).
#        `fallbackkit new X --from support-chat --out example.yaml` writes a complete one to read.
# Day 2: workflow (the recovery flow: nodes, guarded edges, every failure mode routed).
# Day 3: postmortem (owner, triggers, metrics as median and p90, typed action items).
"""


def _matrix_sketch(providers: list[str]) -> str:
    if not providers:
        return ""
    lines = ["# Your providers, as the first paths of the Day-1 matrix (fill in the numbers):", "# matrix:", "#   paths:"]
    for i, p in enumerate(providers):
        slug = "".join(ch if ch.isalnum() else "_" for ch in p.strip().lower()).strip("_") or f"path{i + 1}"
        lines += [f"#     - id: {slug}", f"#       name: {p.strip()}",
                  f"#       kind: {'primary' if i == 0 else 'alternate_provider'}", f"#       provider: {p.strip()}",
                  "#       latency: {p50_ms: ..., p99_ms: ...}", "#       timeout_ms: ...",
                  "#       cost_per_1m_usd: ...", "#       coverage_pct: 100"]
    lines.append("#     - (end the chain with a path that always answers: a static or rule-based reply)")
    return "\n".join(lines) + "\n"


def starter_text(a: Answers) -> str:
    """The YAML text of a new design from the answers: the context, then what comes next."""
    probs = a.problems()
    if probs:
        raise ValueError("; ".join(probs))
    head = (f"# {a.name.strip()}: the fallback design, written day by day.\n"
            "# Started with `fallbackkit new`; numbers you type here are *declared*, the kit derives the rest.\n")
    body = dump_yaml(_tidy({"schema_version": 1, "context": context_of(a)}))
    return head + body + _LATER + _matrix_sketch(a.providers)


QUESTIONS = [
    ("name", "Product name (e.g. 'Pull-request review bot')", str),
    ("description", "One sentence: what does it do, for whom?", str),
    ("requests_per_day", "Requests per day (e.g. 9000)", float),
    ("peak_rps", "Peak requests per second (e.g. 3)", float),
    ("slo_percentile", "SLO percentile (e.g. 95 for '95% of requests')", float),
    ("slo_threshold_ms", "SLO threshold in ms (e.g. 20000 for 20 s)", float),
    ("slo_metric", f"SLO metric ({' or '.join(METRICS)})", str),
    ("cost_ceiling_per_1m_usd", "Most you may spend per 1M calls, USD (e.g. 9000)", float),
    ("providers", "Model providers, comma-separated, primary first (e.g. anthropic, openai)", list),
]


def ask(read, write, name: str | None = None) -> Answers:
    """Ask the guided-start questions through ``read()``/``write(text)`` (stdin, a test).

    An empty answer leaves the field for later; a number that does not parse is asked again
    (three tries), so piping answers into ``fallbackkit new --interactive`` works.
    """
    values: dict = {}
    for key, prompt, kind in QUESTIONS:
        if key == "name" and name:
            values[key] = name
            continue
        for _ in range(3):
            write(f"{prompt}: ")
            raw = (read() or "").strip()
            if kind is float:
                if not raw:
                    values[key] = None
                    break
                try:
                    values[key] = float(raw.replace(",", "").replace("_", ""))
                    break
                except ValueError:
                    write(f"  {raw!r} is not a number; try again (or leave it empty for later)\n")
                    continue
            elif kind is list:
                values[key] = [p.strip() for p in raw.split(",") if p.strip()]
                break
            else:
                if raw or key != "name":
                    values[key] = raw
                    break
                write("  a product name is needed\n")
        else:
            raise ValueError(f"{prompt}: no usable answer after three tries")
    if not values.get("slo_metric"):
        values["slo_metric"] = "end_to_end"
    return Answers(**values)
