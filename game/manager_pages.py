"""Painting the policy lab's two pages: the setup of the variants, and the run with its results.

Reads the scene's state and never changes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from sim.lab.comparison import replication_seeds
from sim.lab.text import replications_text, seeds_text

from . import manager_view as view
from . import text
from .theme import BAD, GOOD, LINE, MUTED, PANEL, PANEL_2, TEXT

if TYPE_CHECKING:  # pragma: no cover
    from .manager import ManagerScene

KEYS_SETUP = "Up/Down scenario  ·  Tab variant  ·  Enter run  ·  Esc back"
KEYS_RESULTS = "Tab chart/table  ·  Esc cancel a run, then change variants"


def _header(scene: ManagerScene, surface: pygame.Surface, title: str, sub: str, keys: str) -> None:
    ui, f = scene.ui, scene.ui.fonts
    w = surface.get_width()
    keys_w = f.width(keys, 12) + ui.px(24)
    text.draw(surface, f, f.fit(title, w - ui.px(56) - keys_w, 26, bold=True), (ui.px(28), ui.px(20)), 26, TEXT,
              bold=True)
    text.muted(surface, f, keys, (w - ui.px(28), ui.px(30)), 12, anchor="topright")
    text.muted(surface, f, f.fit(sub, w - ui.px(56), 13), (ui.px(30), ui.px(58)), 13)


def draw_setup(scene: ManagerScene, surface: pygame.Surface) -> None:
    ui, f = scene.ui, scene.ui.fonts
    lay = scene.layout()
    _header(scene, surface, "Policy lab",
            "Every variant meets the same customers (common random numbers): differences are the policies', "
            "not luck's.", KEYS_SETUP)
    left = lay["left"]
    text.draw(surface, f, "Scenario", left.topleft, 15, TEXT, bold=True)
    if len(scene.usable()) < len(scene.items):
        text.muted(surface, f, f.fit("Greyed: no levers to compare", left.width, 12),
                   (left.left, left.bottom), 12, anchor="bottomleft")
    box = lay["levers"]
    pygame.draw.rect(surface, PANEL, box, border_radius=ui.px(6))
    pygame.draw.rect(surface, LINE, box, 1, border_radius=ui.px(6))
    scen = scene.scenario
    if scen is None or scene.lever_rows is None or not scene.levers:
        msg = "This scenario has no policy levers to compare." if scen is not None else "This scenario cannot be loaded."
        text.draw_wrapped(surface, f, msg, lay["lever_area"], 15, MUTED)
    else:
        p = scene.variants[scene.tab].policies
        ref = scen.policies if scene.tab == 0 else scene.variants[0].policies
        marked = {lv.key for lv in scene.levers if getattr(ref, lv.key) != getattr(p, lv.key)}
        scene.lever_rows.draw(surface, lay["lever_area"], p, None, marked, ref)
    _summary(scene, surface, lay["summary"])
    reps = lay["reps"]
    text.draw(surface, f, "Replications per variant", reps.topleft, 15, TEXT, bold=True)
    n, nv = scene.replications, len(scene.variants)
    note = f"Seeds {seeds_text(replication_seeds(n, scene.base_seed))}  ·  {n * nv} runs"
    text.muted(surface, f, f.fit(note, reps.width, 12), (reps.left, reps.top + ui.px(64)), 12)
    problems = scene.problems()
    msg, tone = (problems[0], "bad") if problems else scene.message
    box = lay["message"]
    pygame.draw.rect(surface, PANEL, box, border_radius=ui.px(4))
    colour = {"good": GOOD, "bad": BAD}.get(tone, MUTED)
    text.draw_wrapped(surface, f, msg, box.inflate(-ui.px(16), -ui.px(10)), 13, colour, max_lines=3)


def _summary(scene: ManagerScene, surface: pygame.Surface, r: pygame.Rect) -> None:
    ui, f = scene.ui, scene.ui.fonts
    text.draw(surface, f, "Variants", r.topleft, 15, TEXT, bold=True)
    lh = f.line_height(13)
    for v, block, lines in scene.summary_blocks(r):
        if v == scene.tab:
            pygame.draw.rect(surface, PANEL_2, block.inflate(ui.px(8), ui.px(4)), border_radius=ui.px(4))
        view.marker(surface, v, (block.left + ui.px(7), block.top + ui.px(11)), ui.px(6))
        text.draw(surface, f, scene.TABS[v], (block.left + ui.px(20), block.top + ui.px(2)), 14, view.VARIANT_COLOURS[v],
                  bold=True)
        y = block.top + ui.px(28)
        for line in lines:
            text.draw(surface, f, line, (block.left + ui.px(10), y), 13, MUTED)
            y += lh


def draw_results(scene: ManagerScene, surface: pygame.Surface) -> None:
    ui, f = scene.ui, scene.ui.fonts
    job = scene.job
    if job is None:
        return
    w, h = surface.get_size()
    base = job.variants[0].scenario
    pct = round(100 * scene.level)
    _header(scene, surface, f"Policy lab: {base.name}",
            f"{replications_text(job.replications)} per variant (seeds {seeds_text(job.seeds)}, common random numbers)  ·  "
            f"means with {pct} % CIs  ·  better / worse: the paired difference's CI excludes 0",
            KEYS_RESULTS)
    label, share, colour = scene.status()
    view.progress_bar(surface, ui, pygame.Rect(ui.px(28), ui.px(84), w - ui.px(56), ui.px(30)), share, label, colour)
    legend_y = ui.px(124)
    cw = (w - ui.px(56)) // len(job.variants)
    lh = f.line_height(13)
    legend = [f.wrap(f"{'base' if v == 0 else 'variant ' + job.variants[v].name}: {'; '.join(words)}",
                     cw - ui.px(36), 13) for v, words in enumerate(scene.run_words)]
    rows = min(2, max(len(lines) for lines in legend))
    for v, lines in enumerate(legend):
        x = ui.px(28) + v * cw
        view.marker(surface, v, (x + ui.px(7), legend_y + lh // 2), ui.px(6))
        if len(lines) > rows:
            lines = lines[:rows - 1] + [f.fit(" ".join(lines[rows - 1:]), cw - ui.px(36), 13)]
        name, _, rest = lines[0].partition(":")
        r = text.draw(surface, f, name + ":", (x + ui.px(20), legend_y), 13, view.VARIANT_COLOURS[v])
        text.draw(surface, f, rest, (r.right, legend_y), 13, TEXT)
        for i, line in enumerate(lines[1:], start=1):
            text.draw(surface, f, line, (x + ui.px(20), legend_y + i * lh), 13, TEXT)
    top = legend_y + rows * lh + ui.px(10)
    area = pygame.Rect(ui.px(28), top, w - ui.px(56), h - ui.px(92) - top)
    names = [v.name for v in job.variants]
    if scene.view == "table":
        view.draw_table(surface, ui, area, scene.rows, [n if n == "base" else f"variant {n}" for n in names],
                        scene.level)
    else:
        view.draw_chart(surface, ui, area, scene.rows, names, scene.level)
