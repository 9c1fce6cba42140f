"""The cost of poor service over replications: mean and interval per cause."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..scenario import Scenario
from .costs import CAUSES, flat_costs
from .execute import LabError, OnResult, Task, run_tasks
from .kpis import kpi
from .progress import Progress
from .stats import Interval, mean_interval


@dataclass
class CostStudy:
    scenario: Scenario
    seeds: list[int]
    runs: list[dict[str, Any] | None]
    interrupted: bool
    level: float = 0.95

    @property
    def finished(self) -> list[dict[str, Any]]:
        return [r for r in self.runs if r is not None]

    def line(self, key: str) -> Interval | None:
        """One line of the breakdown (``lost.long_wait``, ``above_baseline.wrong_answer``, ``rework.repeat``,
        ``total``) as a mean with its interval."""
        return mean_interval([flat_costs(r["costs"])[key] for r in self.finished], self.level)

    def customers(self, cause: str) -> float | None:
        runs = self.finished
        return sum(r["costs"]["customers"][cause] for r in runs) / len(runs) if runs else None

    def kpi(self, name: str) -> Interval | None:
        return kpi(name).possible(mean_interval([r["kpis"][name] for r in self.finished], self.level))

    def causes_by_size(self) -> list[str]:
        """Causes of lost value, largest mean first (baseline churn last)."""
        def size(c: str) -> float:
            iv = self.line(f"lost.{c}")
            return iv.mean if iv else 0.0
        return sorted((c for c in CAUSES if c != "no_failure"), key=size, reverse=True) + ["no_failure"]


def cost_study(scen: Scenario, replications: int, base_seed: int = 1, workers: int = 1,
               scheduler: str | None = None, progress: Progress | None = None,
               on_result: OnResult | None = None, level: float = 0.95) -> CostStudy:
    if replications < 1:
        raise LabError(f"--replications must be at least 1, got {replications}")
    seeds = [base_seed + i for i in range(replications)]
    batch = run_tasks([Task(scen, s, "kpis") for s in seeds], workers, scheduler, progress, on_result)
    return CostStudy(scen, seeds, batch.results, batch.interrupted, level)
