"""A grid of policy values: every combination, R replications each, the same seeds everywhere.

The Pareto front of cost against loyalty keeps the grid points that no other
point beats on both: nothing cheaper with at least the same loyalty, nothing more
loyal at no more cost (by default staff cost against retention probability, both
as means over the replications).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ScenarioError
from ..scenario import Scenario, with_policies
from .execute import LabError, OnResult, Task, run_tasks
from .kpis import KPIS, kpi
from .progress import Progress
from .stats import Interval, mean_interval

MAX_POINTS = 10_000


@dataclass(frozen=True)
class Point:
    values: tuple[Any, ...]  # one value per axis
    scenario: Scenario


@dataclass
class Sweep:
    axes: dict[str, list[Any]]
    points: list[Point]
    seeds: list[int]
    runs: list[list[dict[str, Any] | None]]  # runs[p][i]
    interrupted: bool
    level: float = 0.95

    def interval(self, p: int, name: str) -> Interval | None:
        """Mean and t interval of KPI `name` at grid point `p` (finished replications only)."""
        return kpi(name).possible(mean_interval([r["kpis"][name] for r in self.runs[p] if r is not None], self.level))

    def mean(self, p: int, name: str) -> float | None:
        iv = self.interval(p, name)
        return None if iv is None else iv.mean

    def done(self, p: int) -> int:
        return sum(r is not None for r in self.runs[p])

    def labels(self, p: int) -> dict[str, Any]:
        return dict(zip(self.axes, self.points[p].values))

    def pareto(self, cost: str = "staff_cost", loyalty: str = "retention") -> list[int]:
        """Grid points on the front: lower `cost` and higher `loyalty` are better (both KPI names)."""
        kc, kl = kpi(cost), kpi(loyalty)
        sign_c = 1.0 if not kc.higher_is_better else -1.0
        sign_l = 1.0 if kl.higher_is_better else -1.0
        pts = [(p, self.mean(p, cost), self.mean(p, loyalty)) for p in range(len(self.points))]
        ok = [(p, sign_c * c, sign_l * lo) for p, c, lo in pts if c is not None and lo is not None]
        return pareto_front([(c, lo) for _, c, lo in ok], [p for p, _, _ in ok])


def pareto_front(points: Sequence[tuple[float, float]], ids: Sequence[int] | None = None) -> list[int]:
    """Ids of the points (cost, benefit) not dominated: lower cost and higher benefit are better.

    Sorted by cost.  Points equal on both count as one (the first id).
    """
    ids = list(range(len(points))) if ids is None else list(ids)
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1], ids[i]))
    front: list[int] = []
    best = float("-inf")
    for i in order:
        if points[i][1] > best:
            front.append(ids[i])
            best = points[i][1]
    return front


def grid(base: Scenario, axes: Mapping[str, list[Any]]) -> list[Point]:
    """Every combination of the axes' values applied to the base scenario (last axis varies fastest)."""
    if not axes:
        raise LabError("sweep: give at least one axis, e.g. staffing=15..20 or callbacks=true,false")
    size = 1
    for vals in axes.values():
        size *= len(vals)
    if size > MAX_POINTS:
        raise LabError(f"sweep: {size} grid points; at most {MAX_POINTS}")
    points = []
    problems = []
    for combo in itertools.product(*axes.values()):
        try:
            points.append(Point(tuple(combo), with_policies(base, dict(zip(axes, combo)), "sweep")))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems[:20])
    return points


def sweep(base: Scenario, axes: Mapping[str, list[Any]], replications: int, base_seed: int = 1, workers: int = 1,
          scheduler: str | None = None, progress: Progress | None = None, on_result: OnResult | None = None,
          level: float = 0.95) -> Sweep:
    """Run every grid point `replications` times with seeds base_seed, base_seed + 1, ..."""
    if replications < 1:
        raise LabError(f"--replications must be at least 1, got {replications}")
    points = grid(base, axes)
    seeds = [base_seed + i for i in range(replications)]
    tasks = [Task(pt.scenario, s, "kpis") for s in seeds for pt in points]
    batch = run_tasks(tasks, workers, scheduler, progress, on_result)
    n = len(points)
    runs = [[batch.results[i * n + p] for i in range(replications)] for p in range(n)]
    return Sweep(dict(axes), points, seeds, runs, batch.interrupted, level)


KPI_NAMES = tuple(k.name for k in KPIS)
