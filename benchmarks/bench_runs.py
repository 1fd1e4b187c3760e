"""What a parameterised notebook run costs: papermill (the runner) against executing the same
notebook with nbclient directly, and the notebook suite against its 3-minute limit.

Prints seconds per run (best of 3) and the papermill/nbclient ratio, then the time of one
pass over every guided notebook with its default parameters (limit: 20 s each, 180 s all).
Run from the repo root: .venv/bin/python benchmarks/bench_runs.py
"""

import copy
import glob
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from fallbackkit import runner

NB = "notebooks/02_day1_latency_budget_matrix.ipynb"


def best_of(fn, n=3):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def direct():
    nb = nbformat.read(NB, as_version=4)
    NotebookClient(copy.deepcopy(nb), timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": "notebooks"}}).execute()


tmp = Path(tempfile.mkdtemp())


def via_runner():
    res = runner.run(NB, "voice-assistant", {"seed": "3"}, tmp / "out.ipynb")
    assert res.status == "ok", res.error


d, p = best_of(direct), best_of(via_runner)
print(f"nbclient, direct             {d:6.2f} s per run")
print(f"fallbackkit run (papermill)  {p:6.2f} s per run   ratio runner/direct = {p / d:.2f}")

total, worst = 0.0, ("", 0.0)
for path in sorted(glob.glob("notebooks/*.ipynb")):
    t = time.perf_counter()
    res = runner.run(path, None, {}, tmp / Path(path).name)
    dt = time.perf_counter() - t
    total += dt
    worst = max(worst, (path, dt), key=lambda x: x[1])
    print(f"  {Path(path).name:48s} {dt:5.2f} s  {res.status}")
print(f"all guided notebooks         {total:6.2f} s   (limit 180 s; slowest {worst[1]:.2f} s, limit 20 s)")
sys.exit(0 if total < 180 and worst[1] < 20 else 1)
