"""Saves from several processes at once lose nothing; a killed save leaves a valid file and
no litter once the next save has run.

The processes are forked from the test (the package is imported once), so each holds its own
open file descriptions: the lock at work is the OS lock, not one inside a process.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest

import fallbackkit as fk
from fallbackkit import store

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")


def _fork(fn) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            code = fn() or 0
        finally:
            os._exit(code)
    return pid


def _wait(pid: int, timeout: float = 300) -> int:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"child {pid} did not finish in {timeout} s")


def _design_file(tmp_path: Path, name: str) -> Path:
    p = tmp_path / name
    d = fk.default_design()
    d.postmortem.triggers = ["seed"]
    d.save(p)
    return p


def _append(p: Path, where: str, label: str, n: int, log: Path) -> int:
    """Load, append one entry, save — n times, as a person with an editor would; log successes."""
    saved = []
    for i in range(n):
        d = fk.load(p)
        entry = f"{label}{i}"
        if where == "triggers":
            d.postmortem.triggers.append(entry)
        else:
            d.taxonomy.modes[0].references.append(entry)
        try:
            d.save(p)
        except store.ConflictError:
            continue
        saved.append(entry)
    log.write_text("\n".join(saved))
    return 0


@pytest.mark.parametrize("name, n", [("d.json", 100), ("d.yaml", 15)])
def test_two_processes_saving_different_artifacts_lose_nothing(tmp_path, name, n):
    p = _design_file(tmp_path, name)
    a = _fork(lambda: _append(p, "triggers", "A", n, tmp_path / "a.log"))
    b = _fork(lambda: _append(p, "references", "B", n, tmp_path / "b.log"))
    assert (_wait(a), _wait(b)) == (0, 0)
    d = fk.load(p)
    assert d.postmortem.triggers == ["seed"] + [f"A{i}" for i in range(n)]
    assert d.taxonomy.modes[0].references[-n:] == [f"B{i}" for i in range(n)]
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.log", "b.log", name]


def test_against_a_busy_second_editor_every_reported_save_is_on_disk(tmp_path):
    p = _design_file(tmp_path, "d.json")
    a = _fork(lambda: _append(p, "triggers", "A", 100, tmp_path / "a.log"))
    b = _fork(lambda: _append(p, "triggers", "B", 100, tmp_path / "b.log"))
    assert (_wait(a), _wait(b)) == (0, 0)
    reported = [x for f in ("a.log", "b.log") for x in (tmp_path / f).read_text().split("\n") if x]
    on_disk = fk.load(p).postmortem.triggers[1:]
    assert sorted(on_disk) == sorted(reported)
    assert len(reported) >= 100  # each refusal is the other editor's success


def test_threads_in_one_process_are_serialised_too(tmp_path):
    import threading
    p = _design_file(tmp_path, "d.json")
    errors = []

    def work(k):
        try:
            for i in range(10):
                fk.Design.edit_file(p, lambda cur, i=i: _with_trigger(cur, f"T{k}-{i}"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(fk.load(p).postmortem.triggers) == 41


def _with_trigger(d: fk.Design, trigger: str) -> fk.Design:
    pm = d.postmortem.model_copy(update={"triggers": [*d.postmortem.triggers, trigger]})
    return d.model_copy(update={"postmortem": pm})


def test_kill_9_mid_save_leaves_old_or_new_and_no_litter(tmp_path):
    p = tmp_path / "design.yaml"
    shutil.copy(fk.default_design_path(), p)
    names = {f"v{i}" for i in range(10_000)} | {f"after {k}" for k in range(30)} | {fk.default_design().context.name}
    rng = random.Random(16)
    for trial in range(30):
        def saver():
            d = fk.load(p)
            for i in range(10_000):
                d.context.name = f"v{i}"
                d.save(p)
        pid = _fork(saver)
        time.sleep(rng.uniform(0.05, 0.6))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        d = fk.load(p)                      # a whole, valid version: the old or a new one
        assert d.context.name in names
        d.context.name = f"after {trial}"
        d.save(p)                           # the next save cleans what the kill left
        assert [x.name for x in tmp_path.iterdir()] == ["design.yaml"], trial
        assert fk.load(p).context.name == f"after {trial}"
