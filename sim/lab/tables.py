"""CSV text of lab results: one summary table per command and the raw replications."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

from ..model import clock_text
from .comparison import Comparison
from .cost_runs import CostStudy
from .costs import CAUSES
from .grid import Sweep
from .kpis import KPIS
from .staff import StaffPlan
from .stats import Interval


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(round(v, 6)) if math.isfinite(v) else str(v)
    if isinstance(v, (list, tuple)):
        return " ".join(_cell(x) for x in v)
    return str(v)


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([_cell(x) for x in r])
    return buf.getvalue()


def _iv(iv: Interval | None) -> list[Any]:
    return [None] * 4 if iv is None else [iv.n, iv.mean, iv.lo, iv.hi]


def comparison_csv(c: Comparison) -> str:
    """One row per KPI and variant: mean with interval, paired difference with interval."""
    rows = []
    for r in c.rows():
        d = _iv(r.diff)[1:] if r.diff is not None else [None] * 3
        rows.append([r.kpi.name, r.variant, *_iv(r.mean), *d, r.significant if r.diff else None,
                     r.better, c.level])
    return _csv(["kpi", "variant", "n", "mean", "ci_low", "ci_high", "diff_mean", "diff_low", "diff_high",
                 "significant", "better", "level"], rows)


def replications_csv(names: Sequence[str], seeds: Sequence[int], runs: Sequence[Sequence[dict[str, Any] | None]],
                     label: str = "variant") -> str:
    """Every finished replication's KPIs: one row per (variant or grid point, seed)."""
    rows = []
    for name, rs in zip(names, runs):
        for seed, r in zip(seeds, rs):
            if r is not None:
                rows.append([name, seed, *(r["kpis"][k.name] for k in KPIS)])
    return _csv([label, "seed", *(k.name for k in KPIS)], rows)


def sweep_csv(s: Sweep) -> str:
    """One row per grid point: the axis values, then mean, ci_low and ci_high of every KPI."""
    front = set(s.pareto())
    header = [*s.axes, "replications", *(f"{k.name}{suf}" for k in KPIS for suf in ("", "_low", "_high")),
              "pareto_staff_cost_retention"]
    rows = []
    for p, pt in enumerate(s.points):
        vals: list[Any] = []
        for k in KPIS:
            iv = s.interval(p, k.name)
            vals += [None] * 3 if iv is None else [iv.mean, iv.lo, iv.hi]
        rows.append([*pt.values, s.done(p), *vals, p in front])
    return _csv(header, rows)


def staff_csv(plan: StaffPlan) -> str:
    """One row per interval: rates, the Erlang schedule and its simulation, the corrected schedule."""
    first, final, scen = plan.analytic_sim, plan.final_sim, plan.scenario
    rows = []
    for i in range(scen.intervals):
        rows.append([i, clock_text(scen.start_clock, i * scen.interval_s), plan.calls_per_hour[i],
                     scen.policies.staffing[i], plan.queue_agents[i], plan.analytic[i], plan.analytic_sl[i],
                     plan.analytic_abandon[i],
                     first.service_level[i] if first else None, first.abandon_rate[i] if first else None,
                     plan.final[i], final.service_level[i] if final else None,
                     final.abandon_rate[i] if final else None])
    return _csv(["interval", "start", "realtime_calls_per_hour", "scenario_agents", "erlang_queue_agents",
                 "erlang_agents", "erlang_sl",
                 "erlang_abandon", "erlang_sim_sl", "erlang_sim_abandon", "agents", "sim_sl", "sim_abandon"], rows)


def cost_csv(study: CostStudy) -> str:
    """One row per line of the breakdown: mean and interval over the replications."""
    rows = []
    for c in CAUSES:
        for part in ("lost", "above_baseline"):
            rows.append([part, c, *_iv(study.line(f"{part}.{c}"))])
    for r in ("repeat", "retry"):
        rows.append(["rework", r, *_iv(study.line(f"rework.{r}"))])
    rows.append(["total", "cost_of_poor_service", *_iv(study.line("total"))])
    return _csv(["part", "cause", "n", "mean", "ci_low", "ci_high"], rows)
