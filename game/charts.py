"""The debrief charts, drawn with matplotlib (Agg) into a pygame surface.

Queue length and service level over the shift, frustration at arrival and
at the end, and the survey score beside the real outcome.  Colours are
Okabe-Ito and every series also differs in line style or hatching.
matplotlib is imported only when a chart is first drawn.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pygame

from sim import debrief
from sim.model import clock_text
from sim.runner import Result

BG = "#202630"
FG = "#e8ecf0"
GRID = "#3a4552"
CHANNEL_STYLE = {"phone": ("#56B4E9", "-"), "chat": ("#E69F00", "--"), "email": ("#009E73", ":"),
                 "web": ("#CC79A7", "-.")}


def _style(ax: Any) -> None:
    ax.set_facecolor(BG)
    for side in ax.spines.values():
        side.set_color(GRID)
    ax.tick_params(colors=FG, labelsize=9)
    ax.grid(True, color=GRID, linewidth=0.6, alpha=0.8)


def _hours(result: Result, times: np.ndarray) -> tuple[list[float], list[str]]:
    scen = result.scenario
    step = 7200.0 if scen.horizon_s > 6 * 3600 else 3600.0
    ticks = list(np.arange(0.0, scen.horizon_s + scen.drain_s + 1.0, step))
    return ticks, [clock_text(scen.start_clock, t) for t in ticks]


def render(result: Result, size: tuple[int, int], scale: float = 1.0) -> pygame.Surface:
    """All four charts in one surface of `size` pixels."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = 100.0 * scale
    fig = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi, facecolor=BG)
    canvas = FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2)
    _queues(axes[0][0], result)
    _service_level(axes[0][1], result)
    _frustration(axes[1][0], result)
    _survey(axes[1][1], result)
    for ax in axes.flat:
        _style(ax)
        ax.title.set_color(FG)
        ax.title.set_fontsize(11)
        ax.xaxis.label.set_color(FG)
        ax.yaxis.label.set_color(FG)
        legend = ax.get_legend()
        if legend is not None:
            legend.get_frame().set_facecolor(BG)
            legend.get_frame().set_edgecolor(GRID)
            for t in legend.get_texts():
                t.set_color(FG)
    fig.tight_layout(pad=1.2, h_pad=1.6, w_pad=1.6)
    canvas.draw()
    w, h = canvas.get_width_height()
    return pygame.image.frombuffer(bytes(canvas.buffer_rgba()), (w, h), "RGBA").convert_alpha() \
        if pygame.display.get_surface() else pygame.image.frombuffer(bytes(canvas.buffer_rgba()), (w, h), "RGBA")


def _queues(ax: Any, result: Result) -> None:
    times, series = debrief.queue_series(result)
    for ch, counts in series.items():
        colour, style = CHANNEL_STYLE.get(ch, ("#ffffff", "-"))
        name = result.scenario.channels[ch].name if ch in result.scenario.channels else ch
        ax.plot(times, counts, color=colour, linestyle=style, linewidth=1.8, label=name)
    ticks, labels = _hours(result, times)
    ax.set_xticks(ticks, labels)
    ax.set_title("Customers waiting")
    ax.axvline(result.scenario.horizon_s, color=FG, linewidth=0.8, linestyle=":")
    ax.legend(fontsize=8, loc="upper right")


def _service_level(ax: Any, result: Result) -> None:
    series = debrief.service_level_series(result)
    scen = result.scenario
    xs = [t for t, v in series if v is not None]
    ys = [100.0 * v for t, v in series if v is not None]
    target = 100.0 * scen.scoring.service_level_target
    below = [y < target for y in ys]
    bars = ax.bar(xs, ys, width=scen.interval_s * 0.85, align="edge",
                  color=["#D55E00" if b else "#009E73" for b in below], edgecolor="#1e242b")
    for bar, b in zip(bars, below):
        if b:
            bar.set_hatch("xx")  # below target: hatched as well as orange
    ax.axhline(target, color=FG, linestyle="--", linewidth=1.2, label=f"target {target:.0f} %")
    ticks, labels = _hours(result, np.array(xs))
    ax.set_xticks([t for t in ticks if t <= scen.horizon_s], [lb for t, lb in zip(ticks, labels)
                                                           if t <= scen.horizon_s])
    ax.set_ylim(0, 105)
    minutes = scen.interval_s / 60
    per = "half hour" if minutes == 30 else "hour" if minutes == 60 else f"{minutes:.0f} minutes"
    ax.set_title(f"Service level per {per} (phone, chat)")
    ax.legend(fontsize=8, loc="lower left")


def _empty(ax: Any, title: str) -> None:
    ax.set_title(title)
    ax.text(0.5, 0.5, "no conversations in this scenario", ha="center", va="center", color=FG,
            transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _frustration(ax: Any, result: Result) -> None:
    start, end = debrief.frustration_before_after(result)
    if not len(start):
        _empty(ax, "Frustration before and after")
        return
    bins = np.arange(0, 105, 10)
    ax.hist(start, bins=bins, histtype="step", linewidth=2.0, color="#E69F00", label="on arrival")
    ax.hist(end, bins=bins, histtype="stepfilled", alpha=0.45, color="#56B4E9", hatch="//",
            edgecolor="#56B4E9", label="at the end")
    ax.set_xlabel("frustration (0 calm - 100 furious)")
    ax.set_title("Frustration before and after (served contacts)")
    ax.legend(fontsize=8)


def _survey(ax: Any, result: Result) -> None:
    table = debrief.survey_vs_outcome(result)
    if not any(a + b for a, b in table.values()):
        _empty(ax, "What customers said vs what really happened")
        return
    scores = np.arange(1, 6)
    met = np.array([table[int(s)][0] for s in scores])
    unmet = np.array([table[int(s)][1] for s in scores])
    ax.bar(scores - 0.2, met, width=0.4, color="#009E73", label="goal really met")
    ax.bar(scores + 0.2, unmet, width=0.4, color="#D55E00", hatch="xx", edgecolor="#1e242b",
           label="goal not met")
    ax.set_xticks(scores, [str(s) for s in scores])
    ax.set_xlabel("survey score right after the contact")
    ax.set_title("What customers said vs what really happened")
    ax.legend(fontsize=8)
