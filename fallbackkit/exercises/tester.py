"""The grader's process: the exercise's own code and tests, run on the learner's values.

Started fresh for every submission (``python -m fallbackkit.exercises.tester``); it reads the
key and the learner's encoded answers from stdin and prints one JSON line of results. No
learner code runs here: the answers arrive as data and are rebuilt by
:mod:`fallbackkit.exercises.answers`. A test passes only when its code ran to its end here.
"""

from __future__ import annotations

import json
import signal
import sys


class TestTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise TestTimeout


def _run(source: str, ns: dict, seconds: int) -> str | None:
    """Execute trusted ``source`` in ``ns``; the error as 'Name: message', or None when it ran to its end."""
    if not source.strip():
        return None
    signal.alarm(seconds)
    try:
        exec(compile(source, "<grader>", "exec"), ns)
    except TestTimeout:
        return f"TimeoutError: the test ran longer than {seconds} s on your answer"
    except BaseException as exc:  # noqa: BLE001 - any failure of a test is that test's failure
        msg = str(exc).strip()
        return f"{type(exc).__name__}: {msg[:2000]}" if msg else type(exc).__name__
    finally:
        signal.alarm(0)
    return None


def grade(job: dict) -> dict:
    from .answers import decode_names
    from .key import Key
    key = Key.from_json(job["key"])
    values = decode_names(job.get("values") or {})
    seconds = max(1, round(float(job.get("test_s", 60))))
    ns: dict = {"__name__": "__main__"}
    results: dict = {}
    for step in key.steps:
        if step.kind == "setup":
            _run(step.source, ns, seconds)
        elif step.kind == "answer":
            _run(step.source, ns, seconds)
            for name in step.names:
                ns.pop(name, None)          # a given value never stands in for a missing answer
                if name in values:
                    ns[name] = values[name]
        else:
            visible = _run(step.source, ns, seconds)
            hidden = _run(step.hidden, ns, seconds) if visible is None else None
            results[step.qid] = {"visible": visible, "hidden": hidden}
    return results


def main() -> int:
    import io
    signal.signal(signal.SIGALRM, _on_alarm)
    job = json.loads(sys.stdin.read())
    real_stdout, sys.stdout = sys.stdout, io.StringIO()     # what the exercise's cells print is not the result
    try:
        results = grade(job)
    finally:
        sys.stdout = real_stdout
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
