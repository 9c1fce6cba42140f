"""Compare policy variants with common random numbers and paired confidence intervals.

Replication i runs every variant with seed ``base_seed + i``.  Arrivals and
customers come from named random streams that no policy touches, so the
variants face the same customers and the paired difference variant - base per
replication has far less noise than two independent samples.  Each KPI gets a
t interval for its mean per variant and for the mean paired difference; a
difference is marked when its interval excludes zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..scenario import Scenario
from ..workshop.classbook import ClassBook
from ..workshop.classbook import load as load_classbook
from .changes import apply_changes
from .execute import LabError, OnResult, Task, run_tasks
from .kpis import KPIS, Kpi
from .progress import Progress
from .stats import Interval, mean_interval, paired_interval


@dataclass(frozen=True)
class Variant:
    name: str
    changes: tuple[str, ...]  # as typed: key=value, staffing+=2 ...
    scenario: Scenario
    responder: ClassBook | None = None  # responder=FILE: agents answer as a workshop class did


RESPONDER_KEY = "responder="


def _responder(changes: tuple[str, ...], name: str) -> tuple[tuple[str, ...], ClassBook | None]:
    """Split ``responder=FILE`` (a class playbook exported from a workshop) off the policy changes."""
    files = [c[len(RESPONDER_KEY):] for c in changes if c.startswith(RESPONDER_KEY)]
    if len(files) > 1:
        raise LabError(f"--variant {name}: responder= is given {len(files)} times")
    rest = tuple(c for c in changes if not c.startswith(RESPONDER_KEY))
    return rest, (load_classbook(files[0]) if files else None)


def make_variants(base: Scenario, specs: Sequence[Sequence[str]]) -> list[Variant]:
    """``[["more_staff", "staffing+=2"], ...]`` to variants; the first is always the base."""
    out = [Variant("base", (), base)]
    for spec in specs:
        if not spec:
            raise LabError("--variant needs a name, then key=value changes")
        name, changes = spec[0], tuple(spec[1:])
        if "=" in name:
            raise LabError(f"--variant: expected a name before the changes, got {name!r}")
        if name in {v.name for v in out}:
            raise LabError(f"--variant: the name {name!r} is used twice (\"base\" is the unchanged scenario)")
        policy_changes, book = _responder(changes, name)
        scen, _ = apply_changes(base, policy_changes, f"--variant {name}")
        out.append(Variant(name, changes, scen, book))
    return out


@dataclass(frozen=True)
class KpiRow:
    """One KPI of one variant: its mean, and its paired difference to the base."""

    kpi: Kpi
    variant: str
    mean: Interval | None
    diff: Interval | None  # None for the base itself

    @property
    def significant(self) -> bool:
        return self.diff is not None and self.diff.excludes_zero

    @property
    def better(self) -> bool | None:
        """Whether a significant difference is an improvement (None if not significant)."""
        if not self.significant or self.diff is None:
            return None
        return (self.diff.mean > 0) == self.kpi.higher_is_better


@dataclass
class Comparison:
    variants: list[Variant]
    seeds: list[int]
    runs: list[list[dict[str, Any] | None]]  # runs[v][i]: variant v, replication i
    interrupted: bool
    level: float = 0.95

    @property
    def complete(self) -> list[int]:
        """Replications finished for every variant (the ones the statistics use)."""
        return [i for i in range(len(self.seeds)) if all(r[i] is not None for r in self.runs)]

    def values(self, v: int, name: str) -> list[float | None]:
        """KPI `name` of variant `v`, one value per complete replication."""
        runs = self.runs[v]
        return [runs[i]["kpis"][name] for i in self.complete]  # type: ignore[index]

    def rows(self) -> list[KpiRow]:
        out = []
        for k in KPIS:
            base = self.values(0, k.name)
            for v, var in enumerate(self.variants):
                vals = self.values(v, k.name)
                out.append(KpiRow(k, var.name, k.possible(mean_interval(vals, self.level)),
                                  None if v == 0 else paired_interval(vals, base, self.level)))
        return out


def replication_seeds(replications: int, base_seed: int = 1) -> list[int]:
    """Replication i runs every variant with seed ``base_seed + i``."""
    return [base_seed + i for i in range(replications)]


def comparison_tasks(variants: Sequence[Variant], seeds: Sequence[int]) -> list[Task]:
    """One task per variant and seed, replication-major (task ``i * len(variants) + v``).

    If a run stops early, the finished replications are whole sets of every variant.
    """
    return [Task(var.scenario, s, "kpis", var.responder) for s in seeds for var in variants]


def comparison_of(variants: Sequence[Variant], seeds: Sequence[int], results: Sequence[dict[str, Any] | None],
                  interrupted: bool, level: float = 0.95) -> Comparison:
    """The comparison of results in the order of `comparison_tasks` (None where a task has not finished).

    `compare` returns this at the end; a caller watching `on_result` can build one of a run
    still going (its statistics use the replications complete so far).
    """
    nv = len(variants)
    runs = [[results[i * nv + v] for i in range(len(seeds))] for v in range(nv)]
    return Comparison(list(variants), list(seeds), runs, interrupted, level)


def compare(variants: Sequence[Variant], replications: int, base_seed: int = 1, workers: int = 1,
            scheduler: str | None = None, progress: Progress | None = None,
            on_result: OnResult | None = None, level: float = 0.95) -> Comparison:
    """Run every variant `replications` times with the same seeds and collect the KPIs."""
    if replications < 1:
        raise LabError(f"--replications must be at least 1, got {replications}")
    seeds = replication_seeds(replications, base_seed)
    batch = run_tasks(comparison_tasks(variants, seeds), workers, scheduler, progress, on_result)
    return comparison_of(variants, seeds, batch.results, batch.interrupted, level)
