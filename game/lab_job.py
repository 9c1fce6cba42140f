"""A policy comparison running in the background while the game keeps drawing.

A thread calls ``sim.lab.compare`` (which hands the replications to worker
processes); the game only reads how far it got and, at the end, the
`Comparison`.  Cancelling raises KeyboardInterrupt in compare's result callback,
the lab's own way to stop: replications not started are dropped, running ones
finish, and the comparison covers what is done.  No pygame here.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from sim.lab import Comparison, Progress, Variant, compare
from sim.lab.comparison import comparison_of, replication_seeds


def default_workers() -> int:
    """Worker processes for the game: one core stays free for drawing; at least two, so that
    replications always run in other processes than the game's."""
    return max(2, min(8, (os.cpu_count() or 2) - 1))


class LabJob:
    """One comparison: `variants` (the base first) over `replications` common seeds."""

    def __init__(self, variants: Sequence[Variant], replications: int, base_seed: int = 1,
                 workers: int | None = None) -> None:
        self.variants = list(variants)
        self.replications, self.base_seed = replications, base_seed
        self.workers = workers or default_workers()
        self.seeds = replication_seeds(replications, base_seed)
        self.total = replications * len(self.variants)
        self.progress = Progress(self.total, enabled=False)
        self.results: list[dict[str, Any] | None] = [None] * self.total  # in compare's task order
        self.comparison: Comparison | None = None
        self.error = ""
        self.started = self.ended = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="policy-lab", daemon=True)

    # -- control (game thread) --------------------------------------------
    def start(self) -> None:
        self.started = time.monotonic()
        self._thread.start()

    def cancel(self) -> None:
        """Stop soon: no new replications start; the finished ones are kept."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True if it did."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- state (read by the game thread) ------------------------------------
    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def finished(self) -> bool:
        return self.ended > 0.0

    @property
    def stopping(self) -> bool:
        return self._stop.is_set() and not self.finished

    @property
    def done(self) -> int:
        """Runs (one variant, one seed) finished so far."""
        return self.progress.done

    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started if self.started else 0.0

    def current(self) -> Comparison:
        """The final comparison, or one of the replications complete so far while it runs."""
        if self.comparison is not None:
            return self.comparison
        return comparison_of(self.variants, self.seeds, list(self.results), True)

    # -- the thread ---------------------------------------------------------
    def _on_result(self, index: int, result: dict[str, Any]) -> None:
        self.results[index] = result
        if self._stop.is_set():
            raise KeyboardInterrupt  # compare stops cleanly and reports what is done

    def _run(self) -> None:
        try:
            self.comparison = compare(self.variants, self.replications, self.base_seed, self.workers,
                                      progress=self.progress, on_result=self._on_result)
        except Exception as exc:  # noqa: BLE001 - shown on the screen instead of killing the thread silently
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.ended = time.monotonic()
