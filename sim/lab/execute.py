"""Run replications: in this process, in worker processes, or on a Dask cluster.

A task is (scenario, seed, measure name); a worker runs the shift and sends back
only the measure's small dict.  Every task is deterministic for its seed, so the
results are the same whatever runs them and in whatever order they finish.

Ctrl-C (KeyboardInterrupt) stops cleanly: tasks not started are cancelled, the
ones already running finish, and the batch reports what is done.  Workers
ignore SIGINT themselves so that only the main process decides.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from ..responders import Responder
from ..runner import run
from ..scenario import Scenario
from ..workshop.classbook import ClassBook, ClassPlaybook
from .measures import MEASURES
from .progress import Progress

OnResult = Callable[[int, dict[str, Any]], None]
DASK_EXTRA = "dask"  # pip install "servicefloor[dask]" (dask[distributed])


class LabError(ValueError):
    """A lab run cannot start (bad arguments, missing optional extra)."""


class ResponderSpec(Protocol):
    """A picklable description of a responder, built afresh in the worker for each run."""

    def make_responder(self) -> Responder: ...


@dataclass(frozen=True)
class Task:
    scenario: Scenario
    seed: int
    measure: str = "kpis"
    responder: ClassBook | ResponderSpec | None = None  # None: the scenario's own playbook


def _responder(spec: ClassBook | ResponderSpec | None) -> Responder | None:
    if spec is None:
        return None
    if isinstance(spec, ClassBook):
        return ClassPlaybook(spec)
    return spec.make_responder()


def run_task(task: Task) -> dict[str, Any]:
    """Run one replication and return its measure (what workers execute)."""
    return MEASURES[task.measure](run(task.scenario, seed=task.seed, responder=_responder(task.responder)))


@dataclass
class Batch:
    """Results in task order (None where a task did not finish) and whether Ctrl-C stopped it."""

    results: list[dict[str, Any] | None]
    interrupted: bool

    @property
    def done(self) -> int:
        return sum(r is not None for r in self.results)


class _Collector:
    def __init__(self, n: int, progress: Progress, on_result: OnResult | None) -> None:
        self.results: list[dict[str, Any] | None] = [None] * n
        self.progress, self.on_result = progress, on_result

    def take(self, i: int, out: dict[str, Any], notify: bool = True) -> None:
        if self.results[i] is not None:
            return
        self.results[i] = out
        self.progress.update()
        if notify and self.on_result is not None:
            self.on_result(i, out)


def run_tasks(tasks: Sequence[Task], workers: int = 1, scheduler: str | None = None,
              progress: Progress | None = None, on_result: OnResult | None = None) -> Batch:
    """Run every task; `workers` > 1 uses that many processes, `scheduler` a Dask cluster.

    `on_result(index, result)` is called in the main process as each task finishes (a
    test can raise KeyboardInterrupt there to act as Ctrl-C).
    """
    if workers < 1:
        raise LabError(f"--workers must be at least 1, got {workers}")
    col = _Collector(len(tasks), progress or Progress(len(tasks), enabled=False), on_result)
    interrupted = False
    try:
        if scheduler:
            _run_dask(tasks, scheduler, col)
        elif workers == 1 or len(tasks) <= 1:
            for i, t in enumerate(tasks):
                col.take(i, run_task(t))
        else:
            _run_pool(tasks, workers, col)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        col.progress.close()
    return Batch(col.results, interrupted)


def _quiet_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _context() -> Any:
    """How worker processes start.

    fork when this process has a single thread (fast, and scripts need no
    ``if __name__ == "__main__"`` guard); forkserver beside other threads (a Dask
    client, a GUI), where fork could copy a held lock; spawn where neither exists.
    """
    methods = mp.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return mp.get_context("fork")
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.lab.execute"])
        return ctx
    return mp.get_context("spawn")


def run_chunk(tasks: Sequence[Task]) -> tuple[list[dict[str, Any]], float]:
    """Run several tasks in one worker call (one round trip; a shared scenario is pickled once).

    Returns the results and the seconds they took in the worker.
    """
    start = time.perf_counter()
    return [run_task(t) for t in tasks], time.perf_counter() - start


class _Feeder:
    """Hands out chunks of task indices, sized so that a chunk takes about CHUNK_S seconds.

    Chunks start at one task; the size follows the measured time per task, so slow
    replications go one by one (even load, prompt Ctrl-C) and tiny ones in batches.
    """

    CHUNK_S = 0.25
    MAX_CHUNK = 64

    def __init__(self, n: int) -> None:
        self.next, self.n = 0, n
        self.size = 1

    def take(self) -> list[int]:
        lo, self.next = self.next, min(self.n, self.next + self.size)
        return list(range(lo, self.next))

    def timed(self, tasks: int, seconds: float) -> None:
        per = seconds / max(1, tasks)
        self.size = max(1, min(self.MAX_CHUNK, int(self.CHUNK_S / per) if per > 0 else self.MAX_CHUNK))


def _run_pool(tasks: Sequence[Task], workers: int, col: _Collector) -> None:
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=_context(),
                               initializer=_quiet_worker)
    feeder = _Feeder(len(tasks))
    running: dict[Future[tuple[list[dict[str, Any]], float]], list[int]] = {}

    def submit() -> None:
        idx = feeder.take()
        if idx:
            running[pool.submit(run_chunk, [tasks[i] for i in idx])] = idx

    try:
        for _ in range(2 * workers):  # two chunks per worker in flight: no idle gaps, little to cancel
            submit()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for f in done:
                idx = running.pop(f)
                out, seconds = f.result()
                feeder.timed(len(idx), seconds)
                submit()
                for i, r in zip(idx, out):
                    col.take(i, r)
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)  # running chunks finish
        for f, idx in running.items():
            if f.done() and not f.cancelled() and f.exception() is None:
                for i, r in zip(idx, f.result()[0]):
                    col.take(i, r, notify=False)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(tasks: Sequence[Task], address: str, col: _Collector) -> None:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise LabError(f"--scheduler needs Dask: pip install \"servicefloor[{DASK_EXTRA}]\" "
                       "(dask[distributed])") from None
    with Client(address, set_as_default=False) as client:
        futures = client.map(run_task, list(tasks), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for f, out in dask_completed(futures, with_results=True, loop=client.loop):
                col.take(index[f.key], out)
        except KeyboardInterrupt:
            client.cancel([f for f in futures if not f.done()])
            for i, f in enumerate(futures):
                if f.status == "finished":
                    col.take(i, f.result(), notify=False)
            raise
