"""Run many independent tasks — notebook runs, gradings, simulations — serially or on Dask.

::

    from fallbackkit.dispatch import Engine
    with Engine("dask") as engine:                       # a LocalCluster on this machine's cores
        results = engine.map(work, items, on_result=save_one)
    Engine("dask", scheduler="tcp://10.0.0.5:8786")       # an existing Dask cluster
    Engine("serial")                                     # one after the other, in this process

``map`` returns the results in the order of ``items`` whatever the order they finish in, and
calls ``on_result(index, result)`` in *this* process as each one finishes — where a caller
writes its files atomically, so a killed batch loses nothing already finished. A task that
raises becomes a :class:`TaskFailed` result, not the end of the batch. ``work`` must be a
module-level function (Dask ships it to worker processes by reference).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable

ENGINES = ("dask", "serial")


@dataclass
class TaskFailed:
    """A task raised; ``error`` is ``'Name: message'``."""

    error: str


def _safe(fn: Callable, item: Any) -> Any:
    try:
        return fn(item)
    except Exception as exc:  # noqa: BLE001 - one failed task is a row, not the end of the batch
        return TaskFailed(f"{type(exc).__name__}: {exc}")


class Engine:
    """Where tasks run: ``"serial"`` or ``"dask"`` (a LocalCluster, or ``scheduler=`` an address)."""

    def __init__(self, kind: str = "dask", *, scheduler: str | None = None, workers: int | None = None):
        if kind not in ENGINES:
            raise ValueError(f"engine {kind!r}; expected one of {', '.join(ENGINES)}")
        if workers is not None and workers < 1:
            raise ValueError(f"workers is {workers}; expected at least 1")
        self.kind, self.scheduler, self.workers = kind, scheduler, workers
        self._client = self._cluster = None

    def __enter__(self) -> "Engine":
        if self.kind == "dask":
            self._start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        from distributed import Client, LocalCluster
        if self.scheduler:
            self._client = Client(self.scheduler, timeout="20s")
            return
        n = self.workers or os.cpu_count() or 1
        self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                     dashboard_address=None, silence_logs=logging.ERROR)
        self._client = Client(self._cluster)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    @property
    def description(self) -> str:
        if self.kind == "serial":
            return "serial"
        if self.scheduler:
            return f"dask at {self.scheduler}"
        return f"dask LocalCluster, {self.workers or os.cpu_count()} worker processes"

    def map(self, fn: Callable, items: Iterable[Any], *, on_result: Callable[[int, Any], None] | None = None) -> list:
        items = list(items)
        results: list[Any] = [None] * len(items)
        if not items:
            return results
        if self.kind == "serial":
            for i, item in enumerate(items):
                results[i] = _safe(fn, item)
                if on_result:
                    on_result(i, results[i])
            return results
        if self._client is None:
            self._start()
        from distributed import as_completed
        futures = [self._client.submit(_safe, fn, item, pure=False) for item in items]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            i = index[fut.key]
            try:
                results[i] = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker fails its task only
                results[i] = TaskFailed(f"{type(exc).__name__}: {exc}")
            if on_result:
                on_result(i, results[i])
        return results


def run_tasks(fn: Callable, items: Iterable[Any], *, engine: str = "serial", scheduler: str | None = None,
              workers: int | None = None, on_result: Callable[[int, Any], None] | None = None) -> list:
    """``Engine(engine, ...).map(fn, items)`` in one call, the engine closed afterwards."""
    with Engine(engine, scheduler=scheduler, workers=workers) as e:
        return e.map(fn, items, on_result=on_result)
