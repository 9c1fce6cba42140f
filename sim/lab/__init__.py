"""The manager's lab: what-if questions answered with replications and confidence intervals.

``compare`` runs policy variants with common random numbers; ``plan_staffing``
finds the fewest agents per interval for a service-level target; ``sweep`` runs
a grid of policies; ``cost_study`` breaks the cost of poor service down by cause.
Replications run in this process, in worker processes or on a Dask cluster
(``execute``); every number comes from ``sim.scores`` or the pure functions here.
"""

from __future__ import annotations

from .comparison import Comparison, KpiRow, Variant, compare, make_variants
from .cost_runs import CostStudy, cost_study
from .costs import CAUSES, cost_breakdown
from .execute import Batch, LabError, Task, run_task, run_tasks
from .grid import Sweep, pareto_front, sweep
from .kpis import KPIS, Kpi, kpi
from .progress import Progress
from .staff import StaffPlan, plan_staffing
from .stats import Interval, mean_interval, paired_interval, t_quantile

__all__ = [
    "CAUSES",
    "KPIS",
    "Batch",
    "Comparison",
    "CostStudy",
    "Interval",
    "Kpi",
    "KpiRow",
    "LabError",
    "Progress",
    "StaffPlan",
    "Sweep",
    "Task",
    "Variant",
    "compare",
    "cost_breakdown",
    "cost_study",
    "kpi",
    "make_variants",
    "mean_interval",
    "paired_interval",
    "pareto_front",
    "plan_staffing",
    "run_task",
    "run_tasks",
    "sweep",
    "t_quantile",
]
