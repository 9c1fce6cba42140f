"""Charts of lab results as PNG bytes (matplotlib's object API, no pyplot, no display).

matplotlib is imported inside the functions so that running replications never
needs it.
"""

from __future__ import annotations

import io
import itertools
import math
from typing import Any

from ..model import clock_text
from .comparison import Comparison
from .cost_runs import CostStudy
from .costs import CAUSE_LABELS, REWORK_LABELS
from .grid import Sweep
from .kpis import KPI_BY_NAME, KPIS, Kpi
from .staff import StaffPlan

GOOD, BAD, NEUTRAL, BASE = "#1a7f37", "#c0392b", "#7f8c8d", "#2c3e50"
MAX_PANELS = 6


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _thousands() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: f"{x:,.0f}")


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _scale(k: Kpi) -> float:
    return 100.0 if k.unit == "share" else 1.0


def _axis_label(k: Kpi, diff: bool = False) -> str:
    unit = {"share": "percentage points" if diff else "%", "s": "seconds", "money": "money", "points": "points"}
    return unit[k.unit]


def _grid(n: int, cols: int, panel_h: float, width: float = 10.0) -> tuple[Any, list[Any]]:
    rows = math.ceil(n / cols)
    fig = _figure(width, panel_h * rows + 0.4)
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def comparison_charts(c: Comparison) -> list[tuple[str, bytes]]:
    """Paired differences to the base per KPI, and the means per variant."""
    rows = c.rows()
    others = [v.name for v in c.variants[1:]]
    out = []
    if others:
        fig, axes = _grid(len(KPIS), 2, 0.45 * len(others) + 1.1)
        for ax, k in zip(axes, KPIS):
            for y, name in enumerate(others):
                r = next(r for r in rows if r.kpi is k and r.variant == name)
                if r.diff is None or r.diff.n < 2:
                    continue
                s = _scale(k)
                color = NEUTRAL if not r.significant else GOOD if r.better else BAD
                err = [[(r.diff.mean - r.diff.lo) * s], [(r.diff.hi - r.diff.mean) * s]]
                ax.errorbar([r.diff.mean * s], [y], xerr=err, fmt="o", color=color, capsize=4, lw=2)
            ax.axvline(0.0, color=BASE, lw=1)
            ax.set_yticks(range(len(others)), others)
            ax.set_ylim(-0.6, len(others) - 0.4)
            ax.invert_yaxis()
            ax.set_title(f"{k.label} ({_axis_label(k, True)})", fontsize=9, loc="left")
            ax.tick_params(labelsize=8)
            ax.grid(axis="x", alpha=0.3)
        fig.suptitle(f"Difference to base, mean and {round(100 * c.level)} % CI "
                     "(green better, red worse, grey not significant)", fontsize=10)
        out.append(("Paired differences to the base", _png(fig)))
    names = [v.name for v in c.variants]
    fig, axes = _grid(len(KPIS), 2, 0.45 * len(names) + 1.1)
    for ax, k in zip(axes, KPIS):
        s = _scale(k)
        for y, name in enumerate(names):
            r = next(r for r in rows if r.kpi is k and r.variant == name)
            if r.mean is None or r.mean.n < 2:
                continue
            err = [[(r.mean.mean - r.mean.lo) * s], [(r.mean.hi - r.mean.mean) * s]]
            ax.errorbar([r.mean.mean * s], [y], xerr=err, fmt="s", color=BASE if y == 0 else "#2e86c1", capsize=4, lw=2)
        ax.set_yticks(range(len(names)), names)
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.invert_yaxis()
        ax.set_title(f"{k.label} ({_axis_label(k)})", fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Mean per variant with {round(100 * c.level)} % CI", fontsize=10)
    out.append(("Means per variant", _png(fig)))
    return out


def staff_chart(plan: StaffPlan) -> bytes:
    """Agents per interval (scenario, Erlang, corrected) and the simulated service level."""
    scen = plan.scenario
    x = list(range(scen.intervals))
    fig = _figure(10, 6.5)
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.step(x, scen.policies.staffing, where="mid", color=NEUTRAL, label="scenario's schedule", lw=1.5)
    top.step(x, plan.analytic, where="mid", color="#2e86c1", label="Erlang", lw=2)
    top.step(x, plan.final, where="mid", color=GOOD, label="simulation-corrected", lw=2, ls="--")
    top.set_ylabel("agents")
    top.legend(fontsize=8, loc="upper left")
    top.grid(alpha=0.3)
    top.set_title("Agents per interval", fontsize=10, loc="left")
    bottom.plot(x, [100 * s for s in plan.analytic_sl], color="#2e86c1", ls=":", marker=".", label="Erlang prediction")
    for sim, color, label in ((plan.analytic_sim, "#2e86c1", "simulated, Erlang schedule"),
                              (plan.final_sim, GOOD, "simulated, corrected schedule")):
        if sim is not None:
            bottom.plot(x, [None if v is None else 100 * v for v in sim.service_level], color=color, marker="o",
                        ms=3, label=label)
    bottom.axhline(100 * plan.target_sl, color=BAD, lw=1, label="target")
    bottom.set_ylabel(f"% answered within {plan.within_s:g} s")
    bottom.legend(fontsize=8, loc="lower left")
    bottom.grid(alpha=0.3)
    bottom.set_title("Service level of phone and chat contacts arriving in each interval", fontsize=10, loc="left")
    step = max(1, len(x) // 12)
    bottom.set_xticks(x[::step], [clock_text(scen.start_clock, i * scen.interval_s) for i in x[::step]], fontsize=8)
    return _png(fig)


def _value_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{v:g}" if isinstance(v, float) else str(v)


def sweep_heatmaps(s: Sweep) -> list[tuple[str, bytes]]:
    """One heat map per KPI over the first two axes (one panel per value of any further axes)."""
    keys = list(s.axes)
    ax0 = keys[0]
    ax1 = keys[1] if len(keys) > 1 else None
    rest = keys[2:]
    combos = list(itertools.product(*(s.axes[k] for k in rest)))[:MAX_PANELS]
    index = {pt.values: p for p, pt in enumerate(s.points)}
    out = []
    for k in KPIS:
        every = [_cell_mean(s, index, pt.values, k) for pt in s.points]
        known = [v for v in every if v is not None]
        vmin, vmax = (min(known), max(known)) if known else (0.0, 1.0)
        fig, axes = _grid(len(combos), min(2, len(combos)), 0.45 * len(s.axes[ax0]) + 1.6,
                          width=min(10.0, 2.5 + 0.9 * len(s.axes[ax1]) * min(2, len(combos))) if ax1 else 7.0)
        for ax, combo in zip(axes, combos):
            rows, cols = s.axes[ax0], s.axes[ax1] if ax1 else [None]
            grid = [[_cell_mean(s, index, (r, *([c] if ax1 else []), *combo), k) for c in cols] for r in rows]
            cmap = "RdYlGn" if k.higher_is_better else "RdYlGn_r"  # green is better, one scale for all panels
            im = ax.imshow([[math.nan if v is None else v for v in row] for row in grid], cmap=cmap, aspect="auto",
                           vmin=vmin, vmax=vmax)
            for i, row in enumerate(grid):
                for j, v in enumerate(row):
                    far = v is not None and vmax > vmin and abs((v - vmin) / (vmax - vmin) - 0.5) > 0.3
                    ax.text(j, i, k.show(v if v is None else v / _scale(k)), ha="center", va="center", fontsize=7,
                            color="white" if far else "black")
            ax.set_yticks(range(len(rows)), [_value_text(v) for v in rows], fontsize=8)
            ax.set_ylabel(ax0, fontsize=8)
            ax.set_xticks(range(len(cols)), [_value_text(v) for v in cols] if ax1 else [""], fontsize=8)
            if ax1:
                ax.set_xlabel(ax1, fontsize=8)
            if rest:
                ax.set_title(", ".join(f"{a}={_value_text(v)}" for a, v in zip(rest, combo)), fontsize=8)
            fig.colorbar(im, ax=ax, shrink=0.8).ax.tick_params(labelsize=7)
        fig.suptitle(f"{k.label} ({_axis_label(k)}), mean over replications", fontsize=10)
        out.append((k.label, _png(fig)))
    return out


def _cell_mean(s: Sweep, index: dict[tuple[Any, ...], int], values: tuple[Any, ...], k: Kpi) -> float | None:
    p = index.get(values)
    m = None if p is None else s.mean(p, k.name)
    return None if m is None else m * _scale(k)


def pareto_chart(s: Sweep, cost: str = "staff_cost", loyalty: str = "retention") -> bytes:
    kc, kl = KPI_BY_NAME[cost], KPI_BY_NAME[loyalty]
    front = s.pareto(cost, loyalty)
    fig = _figure(9, 5.5)
    ax = fig.subplots()
    pts = [(p, s.mean(p, cost), s.mean(p, loyalty)) for p in range(len(s.points))]
    pts = [(p, c * _scale(kc), lo * _scale(kl)) for p, c, lo in pts if c is not None and lo is not None]
    ax.scatter([c for _, c, _ in pts], [lo for _, _, lo in pts], color=NEUTRAL, s=18, label="grid point")
    fx = [s.mean(p, cost) * _scale(kc) for p in front]  # type: ignore[operator]
    fy = [s.mean(p, loyalty) * _scale(kl) for p in front]  # type: ignore[operator]
    ax.plot(fx, fy, color=GOOD, marker="o", lw=2, label="Pareto front")
    for p, x, y in zip(front, fx, fy):
        ax.annotate(", ".join(f"{a}={_value_text(v)}" for a, v in s.labels(p).items()), (x, y), fontsize=7,
                    xytext=(4, -10), textcoords="offset points")
    ax.set_xlabel(f"{kc.label} ({_axis_label(kc)}), lower is better")
    if kc.unit == "money":
        ax.xaxis.set_major_formatter(_thousands())
    ax.set_ylabel(f"{kl.label} ({_axis_label(kl)}), higher is better")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"Pareto front: {kc.label} against {kl.label}", fontsize=10, loc="left")
    return _png(fig)


def cost_chart(study: CostStudy) -> bytes:
    """Lost value per cause (the part above the baseline darker) and rework, with intervals."""
    fig = _figure(10, 4.8)
    ax = fig.subplots()
    labels, lost, above, err = [], [], [], []
    for c in study.causes_by_size():
        iv, ab = study.line(f"lost.{c}"), study.line(f"above_baseline.{c}")
        labels.append(CAUSE_LABELS[c])
        lost.append(iv.mean if iv else 0.0)
        above.append(ab.mean if ab else 0.0)
        err.append(iv.half_width if iv and iv.n > 1 else 0.0)
    for r, label in REWORK_LABELS.items():
        iv = study.line(f"rework.{r}")
        labels.append(label)
        lost.append(iv.mean if iv else 0.0)
        above.append(iv.mean if iv else 0.0)
        err.append(iv.half_width if iv and iv.n > 1 else 0.0)
    y = list(range(len(labels)))
    ax.barh(y, lost, color="#f5b7b1", xerr=err, capsize=3, label="lost value (mean, CI)")
    ax.barh(y, above, color=BAD, height=0.45, label="above the baseline / rework")
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("money per shift")
    ax.xaxis.set_major_formatter(_thousands())
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Cost of poor service by cause", fontsize=10, loc="left")
    return _png(fig)
