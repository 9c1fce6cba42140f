"""Plain-text tables of lab results for the terminal."""

from __future__ import annotations

import math
from typing import Any

from ..model import clock_text
from .comparison import Comparison
from .cost_runs import CostStudy
from .costs import CAUSE_LABELS, REWORK_LABELS
from .grid import Sweep
from .kpis import KPI_BY_NAME, KPIS, Kpi, no_negative_zero
from .staff import StaffPlan
from .stats import Interval

SWEEP_COLUMNS = ("service_level", "abandon_rate", "asa_s", "retention", "revenue_at_risk", "staff_cost", "score")


def _num(kpi: Kpi, x: float, signed: bool = False) -> str:
    """A number in the KPI's unit without the unit (for the insides of brackets)."""
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    sign = "+" if signed else ""
    x = no_negative_zero(kpi, x)
    if kpi.unit == "share":
        return f"{100 * x:{sign}.1f}"
    if kpi.unit == "money":
        return f"{x:{sign},.0f}"
    if kpi.unit == "points":
        return f"{x:{sign}.2f}"
    return f"{x:{sign}.1f}"


def interval_text(kpi: Kpi, iv: Interval | None, signed: bool = False) -> str:
    """``75.9 % [74.1 to 77.6]`` (a difference of shares in points)."""
    if iv is None:
        return "n/a"
    if iv.n < 2:
        return f"{kpi.show(iv.mean, signed)} (1 replication)"
    return f"{kpi.show(iv.mean, signed)} [{_num(kpi, iv.lo, signed)} to {_num(kpi, iv.hi, signed)}]"


def replications_text(n: int) -> str:
    return f"{n} replication" + ("" if n == 1 else "s")


def seeds_text(seeds: list[int]) -> str:
    return "none" if not seeds else f"{seeds[0]}" if len(seeds) == 1 else f"{seeds[0]}-{seeds[-1]}"


def _stopped(done: int, total: int, what: str) -> list[str]:
    return [f"STOPPED (Ctrl-C): {done} of {total} {what} finished; the figures use those only", ""]


def format_comparison(c: Comparison) -> str:
    base = c.variants[0].scenario
    n = len(c.complete)
    lines = [(f"compare: {base.name} ({base.id}, digest {base.digest}) - {replications_text(n)}, "
             f"seeds {seeds_text([c.seeds[i] for i in c.complete])}, common random numbers"), ""]
    if c.interrupted:
        lines[1:1] = _stopped(n, len(c.seeds), "replications of every variant")
    lines.append("variants:")
    for v in c.variants:
        lines.append(f"  {v.name:16s} " + ("the scenario as it is" if not v.changes else " ".join(v.changes)))
    level = round(100 * c.level)
    lines += ["", (f"mean [{level} % confidence interval] per variant; diff = paired difference to base "
              f"[{level} % CI]; * = the interval excludes 0"), ""]
    width = max(16, *(len(v.name) for v in c.variants)) + 2
    rows = c.rows()
    for k in KPIS:
        lines.append(k.label)
        for r in (r for r in rows if r.kpi is k):
            line = f"  {r.variant.ljust(width)}{interval_text(k, r.mean):32s}"
            if r.diff is not None:
                line += f"{interval_text(k, r.diff, signed=True):34s}"
                if r.significant:
                    line += " * " + ("better" if r.better else "worse")
            lines.append(line.rstrip())
    return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "  n/a" if x is None else f"{100 * x:5.1f}"


def workload_text(plan: StaffPlan) -> str:
    """What the analytic start assumed, in one sentence."""
    w = plan.work
    model = "Erlang C" if w.patience_s is None else f"Erlang A (mean patience {w.patience_s:.0f} s)"
    text = f"{model} for phone + chat with handle time {w.handle_s:.0f} s"
    if plan.scenario.pure is None:
        text += (f" (pilot, incl. wrap-up); plus email/web work ({w.async_handle_s:.0f} s each), "
                 f"follow-ups ({100 * w.open_case_share:.0f} % of contacts x {w.followup_s:.0f} s) "
                 f"and {100 * w.shrinkage:.1f} % training shrinkage")
    return text


def format_staff(plan: StaffPlan) -> str:
    scen = plan.scenario
    ab = "" if plan.max_abandon is None else f", abandonment <= {100 * plan.max_abandon:g} %"
    lines = [(f"staff: {scen.name} ({scen.id}) - {100 * plan.target_sl:g} % of phone + chat answered within "
             f"{plan.within_s:g} s{ab}"),
             f"analytic: {workload_text(plan)}"]
    first, final = plan.analytic_sim, plan.final_sim
    reps = first.replications if first else 0
    status = ("target met in every interval" if plan.met else "TARGET NOT MET in every interval "
              "(raise --max-iterations or --replications)")
    lines.append(f"simulation: {reps} replications per schedule, {len(plan.steps)} schedules simulated; {status}")
    if plan.interrupted:
        lines.append("STOPPED (Ctrl-C): the corrected schedule is the last one fully simulated")
    lines += ["", "queue = Erlang agents for phone + chat alone; agents = with the other work and shrinkage;",
              ("SL, ab = service level and abandonment in % (Erlang's prediction for the queue agents); "
              "sim = simulated mean over the replications"),
              f"{'':5s} {'calls':>6s} | {'Erlang schedule':<45s} | {'simulation-corrected':<22s}",
              (f"{'start':5s} {'/hour':>6s} | {'queue':>5s} {'agents':>6s} {'SL':>6s} {'ab':>6s} {'SL sim':>8s} "
              f"{'ab sim':>8s} | {'agents':>6s} {'SL sim':>8s} {'ab sim':>6s}")]
    for i in range(scen.intervals):
        clock = clock_text(scen.start_clock, i * scen.interval_s)
        lines.append(
            f"{clock:5s} {plan.calls_per_hour[i]:6.0f} | {plan.queue_agents[i]:5d} {plan.analytic[i]:6d} "
            f"{_pct(plan.analytic_sl[i]):>6s} {_pct(plan.analytic_abandon[i]):>6s} "
            f"{_pct(first.service_level[i] if first else None):>8s} "
            f"{_pct(first.abandon_rate[i] if first else None):>8s} | {plan.final[i]:6d} "
            f"{_pct(final.service_level[i] if final else None):>8s} "
            f"{_pct(final.abandon_rate[i] if final else None):>6s}")
    lines += ["",
              (f"agent hours: Erlang {plan.agent_hours(plan.analytic):,.1f} h, cost {plan.cost(plan.analytic):,.0f}"
              f" | simulation-corrected {plan.agent_hours(plan.final):,.1f} h, cost {plan.cost(plan.final):,.0f}"),
              (f"scenario's own schedule: {plan.agent_hours(scen.policies.staffing):,.1f} h, "
              f"cost {plan.cost(scen.policies.staffing):,.0f}"),
              "",
              "staffing = [" + ", ".join(str(x) for x in plan.final) + "]"]
    return "\n".join(lines)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def format_sweep(s: Sweep, cost: str = "staff_cost", loyalty: str = "retention") -> str:
    front = set(s.pareto(cost, loyalty))
    scen = s.points[0].scenario
    done = sum(s.done(p) for p in range(len(s.points)))
    lines = [(f"sweep: {scen.name} ({scen.id}) - {len(s.points)} grid points x {len(s.seeds)} replications "
             f"(seeds {seeds_text(s.seeds)}, the same at every point)"), ""]
    if s.interrupted:
        lines[1:1] = _stopped(done, len(s.points) * len(s.seeds), "runs")
    cols = list(dict.fromkeys([*SWEEP_COLUMNS, cost, loyalty]))
    keys = list(s.axes)
    widths = [max(len(k), *(len(_value(pt.values[j])) for pt in s.points)) for j, k in enumerate(keys)]
    head = "  ".join(k.rjust(w) for k, w in zip(keys, widths))
    head += "  " + "  ".join(f"{KPI_BY_NAME[c].heading:>15s}" for c in cols) + "  Pareto"
    lines += [(f"means over the replications; Pareto = not beaten on both {KPI_BY_NAME[cost].label} "
              f"and {KPI_BY_NAME[loyalty].label}"), "", head]
    for p, pt in enumerate(s.points):
        row = "  ".join(_value(v).rjust(w) for v, w in zip(pt.values, widths))
        row += "  " + "  ".join(f"{KPI_BY_NAME[c].show(s.mean(p, c)):>15s}" for c in cols)
        lines.append(row + ("  *" if p in front else ""))
    return "\n".join(lines)


def format_costs(study: CostStudy) -> str:
    scen = study.scenario
    n = len(study.finished)
    lines = [(f"cost: {scen.name} ({scen.id}) - cost of poor service per shift, {replications_text(n)} "
             f"(seeds {seeds_text([s for s, r in zip(study.seeds, study.runs) if r is not None])})"), ""]
    if scen.pure is not None:
        lines[1:1] = ["(a pure-queue scenario has no customer value or conversations: every line is 0)"]
    if study.interrupted:
        lines[1:1] = _stopped(n, len(study.seeds), "replications")
    money = KPI_BY_NAME["revenue_at_risk"]
    level = round(100 * study.level)
    lines += [f"mean [{level} % CI] in money; lost value = (1 - retention) x lifetime value of each customer's",
              "final contact, given whole to its first failure (see sim/lab/costs.py); above baseline = the",
              "part beyond what a flawless contact with a calm customer would lose", "",
              f"{'':44s}{'lost value':>30s}{'above baseline':>30s}{'customers':>11s}"]
    for c in study.causes_by_size():
        cust = study.customers(c)
        lines.append(f"{CAUSE_LABELS[c]:44s}{interval_text(money, study.line(f'lost.{c}')):>30s}"
                     f"{interval_text(money, study.line(f'above_baseline.{c}')):>30s}"
                     f"{'n/a' if cust is None else f'{cust:,.1f}':>11s}")
    lines.append(f"{'= revenue at risk':44s}{interval_text(money, study.kpi('revenue_at_risk')):>30s}")
    for r, label in REWORK_LABELS.items():
        lines.append(f"{label:44s}{interval_text(money, study.line(f'rework.{r}')):>30s}")
    lines.append(f"{'= cost of poor service':44s}{interval_text(money, study.kpi('cost_of_poor_service')):>30s}")
    lines.append(f"{'(staff cost, for scale)':44s}{interval_text(money, study.kpi('staff_cost')):>30s}")
    return "\n".join(lines)
