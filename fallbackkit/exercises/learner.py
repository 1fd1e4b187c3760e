"""The learner's process: run a notebook's cells in IPython, hand back the answers as data.

Started by :func:`fallbackkit.exercises.grade.grade_notebook` as
``python -m fallbackkit.exercises.learner`` inside the submission's fresh folder. It reads its
job (cells, the answer names, the folders to protect) from stdin, installs the guard, runs
each learner cell with a per-cell alarm, and after every cell rewrites ``answers.json``
(atomically) with the values bound so far and each cell's error. Nothing it writes is a
verdict: the grader's own process runs the tests on these values.
"""

from __future__ import annotations

import json
import os
import signal
import sys


class CellTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise CellTimeout


def _error_text(exc: BaseException | None) -> str | None:
    if exc is None:
        return None
    try:
        name, msg = type(exc).__name__, str(exc).strip()
    except Exception:  # noqa: BLE001 - a learner exception whose str() fails
        return "error"
    return f"{name}: {msg[:500]}" if msg else name


def main() -> int:
    job = json.loads(sys.stdin.read())
    out_path = os.path.abspath(job["answers"])
    from fallbackkit.exercises import answers, isolation
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance(history_length=0, cache_size=0)
    shell.history_manager.enabled = False
    state = {"errors": {}, "values": {}, "done": False}

    def save() -> None:
        state["values"] = answers.encode_names(shell.user_ns, job["names"])
        tmp = out_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(state, fh)
        os.replace(tmp, out_path)

    isolation.install_guard(os.getcwd(), job["protected"])
    signal.signal(signal.SIGALRM, _on_alarm)
    cell_s = max(1, round(float(job["cell_s"])))   # alarm(0) would mean no limit at all
    for index, source in job["cells"]:
        signal.alarm(cell_s)
        try:
            result = shell.run_cell(source, store_history=False, silent=False)
            err = result.error_in_exec or result.error_before_exec
        except CellTimeout as exc:      # raised outside the cell's own code (IPython's machinery)
            err = exc
        finally:
            signal.alarm(0)
        text = _error_text(err)
        if isinstance(err, CellTimeout) or (text or "").startswith("CellTimeout"):
            text = f"TimeoutError: stopped after {cell_s} s (an endless loop, or a long computation?)"
        if text:
            state["errors"][str(index)] = text
        save()
    state["done"] = True
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
