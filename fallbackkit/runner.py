"""Run notebooks with parameters (papermill), one at a time or as a batch over scenarios.

Every notebook and exercise has one cell tagged ``parameters``; its assignments are the
parameters a run accepts, and their defaults give their types::

    scenario = "support-chat"                 # str
    seed = 7                                  # int
    slo_threshold_ms: float | None = None     # an annotation widens the type

Bad input fails *before* anything executes, with a message listing what is accepted::

    fallbackkit run notebooks/02_day1_latency_budget_matrix.ipynb --scenario voice-assistant -p seed=3
    fallbackkit run notebooks/02_day1_latency_budget_matrix.ipynb --design my_product.yaml
    fallbackkit run-all --scenarios all --out runs/
    fallbackkit run-all --designs my_product.yaml designs/ --out runs/

A notebook takes ``design`` (a path to the learner's own YAML) beside ``scenario``; with a
design every cell derives from that file, and the run record names it.

A notebook reports its key results with :func:`record`; the batch summary (CSV and HTML)
has one row per (scenario, notebook) with status, duration and those results. A failing
run is a row with status ``failed``, never the end of the batch.
"""

from __future__ import annotations

import ast
import csv
import glob
import io
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .display import esc_html

RESULTS_MIME = "application/vnd.fallbackkit.results+json"
_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "None": type(None)}


class RunError(ValueError):
    """Bad run request (unknown scenario or parameter, wrong type); raised before executing."""


# -- recording key results (called inside notebooks) ------------------------------------------
#: The kernel's own log lines (a TCP transport warning at start, an interrupt at shutdown)
#: are noise in a batch run; a failing cell still reports its error in the results.
QUIET_KERNEL = ["--IPKernelApp.log_level=CRITICAL"]


def record(**results: Any) -> None:
    """Publish key results of a notebook run: the batch summary shows them per run.

    Values must be JSON-serialisable scalars (numbers, strings, booleans).
    """
    from IPython.display import display
    clean = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in results.items()}
    text = "key results: " + ", ".join(f"{k}={v}" for k, v in clean.items())
    display({RESULTS_MIME: clean, "text/plain": text}, raw=True)


def results_of(nb) -> dict:
    """The key results an executed notebook recorded (later records override earlier ones)."""
    out: dict = {}
    for cell in nb.get("cells", []):
        for o in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = o.get("data", {})
            if RESULTS_MIME in data:
                val = data[RESULTS_MIME]
                out.update(json.loads(val) if isinstance(val, str) else val)
    return out


# -- parameters -------------------------------------------------------------------------------
@dataclass
class Parameter:
    name: str
    types: tuple[type, ...]
    default: Any
    help: str = ""

    @property
    def type_name(self) -> str:
        return " | ".join("None" if t is type(None) else t.__name__ for t in self.types)

    def describe(self) -> str:
        extra = f"  # {self.help}" if self.help else ""
        return f"{self.name}: {self.type_name} = {self.default!r}{extra}"


def parameters_cell(nb) -> tuple[int, Any]:
    tagged = [(i, c) for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise RunError(f"expected exactly one cell tagged 'parameters', found {len(tagged)}")
    return tagged[0]


def parameters_of(path: str | os.PathLike) -> dict[str, Parameter]:
    """The parameters a notebook accepts, read from its ``parameters`` cell (never executed)."""
    import nbformat
    try:
        nb = nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise RunError(f"{path}: no such notebook") from None
    except Exception as exc:  # noqa: BLE001 - a corrupt file is bad input, not a crash
        raise RunError(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})") from None
    try:
        _, cell = parameters_cell(nb)
        return parse_parameters(cell.source)
    except RunError as exc:
        raise RunError(f"{path}: {exc}") from None
    except SyntaxError as exc:
        raise RunError(f"{path}: the parameters cell is not valid Python ({exc.msg}, line {exc.lineno})") from None


def parse_parameters(source: str) -> dict[str, Parameter]:
    tree = ast.parse(source)
    lines = source.splitlines()
    out: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value, ann = node.targets[0].id, node.value, None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, value, ann = node.target.id, node.value, node.annotation
        else:
            continue
        try:
            default = ast.literal_eval(value)
        except ValueError:
            continue
        types = _annotation_types(ann) if ann is not None else (type(default),)
        line = lines[node.lineno - 1]
        help_ = line.split("#", 1)[1].strip() if "#" in line else ""
        out[name] = Parameter(name, types, default, help_)
    return out


def _annotation_types(ann) -> tuple[type, ...]:
    text = ast.unparse(ann).replace("Optional[", "").replace("]", "")
    types = []
    for part in text.replace("Union[", "").replace(",", "|").split("|"):
        part = part.strip()
        if part not in _TYPES:
            raise RunError(f"parameter annotation {text!r}: expected int, float, str, bool or None")
        types.append(_TYPES[part])
    return tuple(types)


def coerce(spec: dict[str, Parameter], raw: dict[str, str], *, notebook: str = "") -> dict[str, Any]:
    """Check ``raw`` (name → text from ``-p k=v``) against the spec; return typed values.

    Raises RunError listing every unknown name or badly typed value and what is accepted.
    """
    import yaml
    errors, out = [], {}
    for name, text in raw.items():
        if name not in spec:
            errors.append(f"unknown parameter {name!r}")
            continue
        p = spec[name]
        value = _convert(text, p.types, yaml)
        if value is _BAD:
            errors.append(f"parameter {name!r} expects {p.type_name}, got {text!r}")
        else:
            out[name] = value
    if "scenario" in out:
        from . import scenarios
        if out["scenario"] not in scenarios.names():
            errors.append(f"unknown scenario {out['scenario']!r}; expected one of: {', '.join(scenarios.names())}"
                          + (" (for your own file use --design FILE)" if str(out["scenario"]).endswith((".yaml", ".yml", ".json")) else ""))
    if out.get("design"):
        problem = design_problem(out["design"])
        if problem:
            errors.append(problem)
        else:
            out["design"] = str(Path(out["design"]).resolve())
    if errors:
        where = f"{notebook}: " if notebook else ""
        accepted = "\n".join(f"  {p.describe()}" for p in spec.values())
        raise RunError(where + "; ".join(errors) + f"\naccepted parameters:\n{accepted}")
    return out


_BAD = object()


def _convert(text: Any, types: tuple[type, ...], yaml) -> Any:
    if isinstance(text, str) and text.strip().lower() in ("none", "null", "~"):
        return None if type(None) in types else (text if str in types else _BAD)
    if not isinstance(text, str):
        value = text
    else:
        try:
            value = yaml.safe_load(text) if text.strip() else text
        except yaml.YAMLError:
            value = text
    if value is None:
        return None if type(None) in types else _BAD
    if isinstance(value, bool):
        return value if bool in types else (str(text) if str in types else _BAD)
    if isinstance(value, int):
        if int in types:
            return value
        if float in types:
            return float(value)
        return str(text) if str in types else _BAD
    if isinstance(value, float):
        if float in types:
            return value
        return str(text) if str in types else _BAD
    if str in types:
        return str(text)
    return _BAD


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """``["seed=3", "scenario=rag-search"]`` → dict; a malformed item is a RunError."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise RunError(f"-p {item!r}: expected NAME=VALUE")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


# -- running ----------------------------------------------------------------------------------
def design_problem(path: str) -> str:
    """Why ``path`` cannot be a notebook's design (empty when it can): missing file, or invalid."""
    from .design import Design
    from .problems import DesignError
    if not Path(path).is_file():
        return f"design {path!r}: no such file"
    try:
        Design.load(path, partial=True)
    except DesignError as exc:
        return f"design {path!r} is not valid yet:\n  " + "\n  ".join(str(p) for p in exc.problems)
    return ""


@dataclass
class RunResult:
    notebook: str
    scenario: str | None
    status: str                     # ok | failed
    duration_s: float
    output: str | None
    results: dict = field(default_factory=dict)
    error: str = ""
    design: str | None = None       # the learner's design file the run used, if any

    @property
    def subject(self) -> str:
        """What the notebook ran on: the design file, or the bundled scenario."""
        return self.design or self.scenario or "default"

    def row(self) -> dict:
        return {"design": self.design or "", "scenario": "" if self.design else (self.scenario or ""),
                "notebook": self.notebook, "status": self.status,
                "duration_s": round(self.duration_s, 2),
                "key_results": "; ".join(f"{k}={v}" for k, v in self.results.items()),
                "error": self.error, "output": self.output or ""}


def prepare(notebook: str | os.PathLike, scenario: str | None = None,
            params: dict[str, str] | None = None, design: str | os.PathLike | None = None) -> dict[str, Any]:
    """Validate a run request and return the typed parameters; nothing executes."""
    spec = parameters_of(notebook)
    raw = dict(params or {})
    if design is not None:
        if "design" not in spec:
            raise RunError(f"{notebook}: takes no `design` parameter; accepted parameters: " + (", ".join(spec) or "none"))
        raw["design"] = str(design)
    if scenario is not None:
        if "scenario" not in spec:
            raise RunError(f"{notebook}: takes no `scenario` parameter; accepted parameters: "
                           + (", ".join(spec) or "none"))
        raw["scenario"] = scenario
    return coerce(spec, raw, notebook=str(notebook))


def execute(notebook: str | os.PathLike, output: str | os.PathLike, parameters: dict[str, Any],
            *, timeout: int = 300, label: str | None = None) -> RunResult:
    """Run one prepared notebook with papermill; a failure is a RunResult, not an exception."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    scenario = parameters.get("scenario", label)
    design = parameters.get("design") or None
    try:
        nb = pm.execute_notebook(str(notebook), str(output), parameters=parameters, kernel_name="python3",
                                 progress_bar=False, request_save_on_cell_execute=False,
                                 extra_arguments=QUIET_KERNEL,
                                 cwd=str(Path(notebook).resolve().parent), execution_timeout=timeout)
    except PapermillExecutionError as exc:
        import nbformat
        done = nbformat.read(str(output), as_version=4) if Path(output).exists() else {}
        return RunResult(str(notebook), scenario, "failed", time.perf_counter() - start, str(output),
                         results_of(done), f"cell {exc.cell_index}: {exc.ename}: {exc.evalue}".strip(), design)
    except Exception as exc:  # noqa: BLE001 - kernel death, timeout: reported, not fatal
        return RunResult(str(notebook), scenario, "failed", time.perf_counter() - start, str(output),
                         {}, f"{type(exc).__name__}: {exc}".strip(), design)
    return RunResult(str(notebook), scenario, "ok", time.perf_counter() - start, str(output), results_of(nb), "", design)


def run(notebook: str | os.PathLike, scenario: str | None = None, params: dict[str, str] | None = None,
        output: str | os.PathLike | None = None, design: str | os.PathLike | None = None) -> RunResult:
    """Validate, then execute one notebook. Raises RunError before executing on bad input."""
    typed = prepare(notebook, scenario, params, design)
    default = parameters_of(notebook).get("scenario")
    tag = typed.get("scenario") or (default.default if default else None)
    if typed.get("design"):
        tag = Path(typed["design"]).stem
    if output is None:
        output = Path("runs") / f"{Path(notebook).stem}__{tag or 'default'}.ipynb"
    return execute(notebook, output, typed, label=tag)


def discover(patterns: list[str] | None = None) -> list[str]:
    """Notebooks matching the patterns (default: notebooks/*.ipynb), sorted."""
    found: list[str] = []
    for pat in patterns or ["notebooks/*.ipynb"]:
        hits = sorted(glob.glob(pat)) if any(ch in pat for ch in "*?[") else ([pat] if Path(pat).exists() else [])
        if not hits:
            raise RunError(f"no notebook matches {pat!r}")
        found += [h for h in hits if h not in found and ".ipynb_checkpoints" not in h]
    return found


def resolve_scenarios(text: str) -> list[str]:
    from . import scenarios
    if text.strip() == "all":
        return scenarios.names()
    asked = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in asked if s not in scenarios.names()]
    if bad or not asked:
        raise RunError(f"unknown scenario{'s' if len(bad) > 1 else ''} {', '.join(map(repr, bad)) or repr(text)}; "
                       f"expected 'all' or a comma-separated list of: {', '.join(scenarios.names())}")
    return asked


def resolve_designs(items: list[str] | None) -> list[str]:
    """Design files named directly or found in folders (``*.yaml``, ``*.yml``, ``*.json``), checked."""
    found: list[str] = []
    for item in items or []:
        p = Path(item)
        if p.is_dir():
            hits = sorted(str(h) for ext in ("*.yaml", "*.yml", "*.json") for h in p.glob(ext))
            if not hits:
                raise RunError(f"{item}: no design files (*.yaml, *.yml, *.json) in this folder")
        else:
            hits = [str(p)]
        for h in hits:
            problem = design_problem(h)
            if problem:
                raise RunError(problem)
            if str(Path(h).resolve()) not in found:
                found.append(str(Path(h).resolve()))
    return found


def run_all(notebooks: list[str], scenario_names: list[str], out_dir: str | os.PathLike,
            params: dict[str, str] | None = None, *, progress: bool = True,
            designs: list[str] | None = None, engine: str = "serial", scheduler: str | None = None,
            workers: int | None = None) -> list[RunResult]:
    """Run every (scenario or design, notebook) pair; write DIR/summary.csv and DIR/summary.html.

    Every request is validated before the first notebook runs. Notebooks without a
    ``scenario`` (or ``design``) parameter run once. A failed run is a row, not the end of the batch.
    """
    from tqdm import tqdm
    out_dir = Path(out_dir)
    plan = []
    for nb in notebooks:
        spec = parameters_of(nb)
        subjects = [("scenario", s) for s in scenario_names] if "scenario" in spec else []
        subjects += [("design", d) for d in designs or []] if "design" in spec else []
        for kind, value in subjects or [(None, None)]:
            typed = prepare(nb, value if kind == "scenario" else None, params, value if kind == "design" else None)
            label = Path(value).stem if kind == "design" else value
            plan.append((nb, label, typed))
    from .dispatch import TaskFailed, run_tasks
    bar = tqdm(total=len(plan), desc="runs", unit="run", disable=not progress)
    tasks = [(nb, out_dir / (label or "default") / Path(nb).name, typed) for nb, label, typed in plan]
    results = run_tasks(_execute_task, tasks, engine=engine, scheduler=scheduler, workers=workers,
                        on_result=lambda i, r: bar.update(1))
    bar.close()
    results = [RunResult(str(nb), label, "failed", 0.0, str(out), {}, r.error) if isinstance(r, TaskFailed) else r
               for (nb, label, _), (_, out, _), r in zip(plan, tasks, results)]
    write_summary(results, out_dir)
    return results


def _execute_task(task: tuple) -> RunResult:
    """One planned run, on whichever engine :func:`run_all` dispatches to."""
    return execute(*task)


SUMMARY_COLUMNS = ["design", "scenario", "notebook", "status", "duration_s", "key_results", "error", "output"]


def write_summary(results: list[RunResult], out_dir: str | os.PathLike) -> tuple[Path, Path]:
    from .files import atomic_write_text
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in results:
        w.writerow(r.row())
    csv_path, html_path = out_dir / "summary.csv", out_dir / "summary.html"
    atomic_write_text(csv_path, buf.getvalue())
    atomic_write_text(html_path, summary_html(results))
    return csv_path, html_path


def summary_html(results: list[RunResult]) -> str:
    ok = sum(r.status == "ok" for r in results)
    rows = []
    for r in results:
        d = r.row()
        colour = "#e6f4ea" if r.status == "ok" else "#fce8e6"
        cells = "".join(f"<td>{esc_html(str(d[c]))}</td>" for c in SUMMARY_COLUMNS)
        rows.append(f"<tr style='background:{colour}'>{cells}</tr>")
    head = "".join(f"<th>{esc_html(c)}</th>" for c in SUMMARY_COLUMNS)
    return ("<!doctype html><html><head><meta charset='utf-8'><title>fallbackkit runs</title>"
            "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}</style></head><body>"
            f"<h1>fallbackkit runs</h1><p>{ok} of {len(results)} runs ok, "
            f"{len(results) - ok} failed; {sum(r.duration_s for r in results):.1f} s in all.</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>\n")
