"""Grading a class: 200 generated submissions (correct, partly correct, broken, hostile) graded
serially and on a local Dask cluster, then throughput against the number of Dask workers.

Prints submissions per minute for each run, the Dask/serial ratio, and whether the gradebooks
are byte-for-byte identical. Processes on this machine stand in for cluster nodes; on a shared
machine the ratio is bounded by the free cores, not by the engine.
Run from the repo root:

    .venv/bin/python benchmarks/bench_grade.py              # 200 submissions, workers = cores
    .venv/bin/python benchmarks/bench_grade.py --n 40 --workers 2
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fallbackkit.exercises import Limits  # noqa: E402
from fallbackkit.exercises.gradebook import grade_class  # noqa: E402

KINDS = [("correct", 10), ("partial", 4), ("broken", 3), ("forged", 1), ("endless-loop", 1), ("fork-bomb", 1)]


def make_class(root: Path, n: int) -> Path:
    from test_grade import FORGE, Q1, Q2, submission      # the same submissions the tests grade
    answers = {"correct": (Q1, Q2, None), "partial": (None, Q2, None),
               "broken": ("fixed = broken.model_copy(deep=True)\nfixed.edges[0].handles = 'oops'", Q2, None),
               "forged": (None, None, FORGE), "endless-loop": ("while True:\n    pass", Q2, None),
               "fork-bomb": ("import os\nwhile True:\n    os.fork()", Q2, None)}
    cycle = [k for k, w in KINDS for _ in range(w)]
    for i in range(n):
        q1, q2, before = answers[cycle[i % len(cycle)]]
        submission(root / f"learner{i:03d}" / "ex3_recovery_workflow.ipynb", q1, q2, before)
    return root


def timed(subs: Path, out: Path, limits: Limits, **engine) -> float:
    t = time.perf_counter()
    res = grade_class(subs, "ex3", out, limits=limits, **engine)
    assert res.graded == res.learners
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    args = ap.parse_args()
    limits = Limits(cell_s=5, wall_s=60)
    with tempfile.TemporaryDirectory(prefix="fk-bench-grade-") as tmp:
        tmp = Path(tmp)
        subs = make_class(tmp / "subs", args.n)
        print(f"{args.n} submissions of ex3 ({', '.join(f'{w}/{sum(x for _, x in KINDS)} {k}' for k, w in KINDS)}); "
              f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
        serial = timed(subs, tmp / "serial", limits, engine="serial")
        dask = timed(subs, tmp / "dask", limits, engine="dask", workers=args.workers)
        same = all((tmp / "serial" / f).read_bytes() == (tmp / "dask" / f).read_bytes()
                   for f in ("gradebook.csv", "gradebook.html"))
        print(f"serial:                 {serial:7.1f} s  {60 * args.n / serial:6.1f} submissions/min")
        print(f"dask, {args.workers} workers:       {dask:7.1f} s  {60 * args.n / dask:6.1f} submissions/min "
              f"(incl. cluster start)")
        print(f"dask / serial throughput: {serial / dask:.2f}x; gradebooks identical: {same}")
        part = max(4, args.n // 4)
        few = make_class(tmp / "few", part)
        print(f"\nthroughput vs workers ({part} submissions each):")
        for w in (1, 2):
            s = timed(few, tmp / f"w{w}", limits, engine="dask", workers=w)
            print(f"  {w} worker{'s' if w > 1 else ' '}: {s:7.1f} s  {60 * part / s:6.1f} submissions/min")


if __name__ == "__main__":
    main()
