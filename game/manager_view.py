"""Drawing the policy lab's results: progress, the comparison chart and the table of intervals.

Every number shown comes from ``sim.lab`` (``Comparison.rows()``), formatted by the
lab's own ``Kpi.show`` and ``interval_text``: nothing is computed here.  The chart
has one panel per KPI: each variant's mean with its confidence interval, and the
paired difference to the base with its interval, marked better or worse (in words
and colour) when that interval excludes zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from sim.lab import KPIS, Kpi, KpiRow
from sim.lab.text import interval_text

from . import text
from .text import Fonts
from .theme import ACCENT, BAD, GOOD, LINE, MUTED, ORANGE, PANEL, PANEL_2, TEXT
from .ui import Ui

VARIANT_COLOURS = ((205, 210, 216), ACCENT, ORANGE)  # base, A, B (each has its own shape too)
VARIANT_SHAPES = ("circle", "square", "diamond")


@dataclass(frozen=True)
class Cell:
    """What the results show for one KPI of one variant."""

    kpi: str
    variant: str
    mean: str  # the mean, in the KPI's unit
    mean_ci: str  # mean [low to high]
    diff: str  # paired difference to the base ('' for the base)
    diff_ci: str
    mark: str  # better / worse when the difference's interval excludes zero, else ''


def cells(rows: Sequence[KpiRow]) -> list[Cell]:
    """The texts of every KPI row, as drawn."""
    out = []
    for r in rows:
        k = r.kpi
        mark = "" if r.better is None else "better" if r.better else "worse"
        out.append(Cell(k.name, r.variant, k.show(r.mean.mean if r.mean else None), interval_text(k, r.mean),
                        "" if r.diff is None else k.show(r.diff.mean, signed=True),
                        "" if r.diff is None else interval_text(k, r.diff, signed=True), mark))
    return out


def marker(surface: pygame.Surface, v: int, center: tuple[int, int], r: int) -> None:
    """Variant `v`'s marker: a circle, a square or a diamond in its colour."""
    colour, shape = VARIANT_COLOURS[v % 3], VARIANT_SHAPES[v % 3]
    x, y = center
    if shape == "circle":
        pygame.draw.circle(surface, colour, center, r)
    elif shape == "square":
        pygame.draw.rect(surface, colour, (x - r + 1, y - r + 1, 2 * r - 1, 2 * r - 1))
    else:
        pygame.draw.polygon(surface, colour, [(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)])


def tone(cell: Cell) -> tuple[int, int, int]:
    return GOOD if cell.mark == "better" else BAD if cell.mark == "worse" else MUTED


# -- progress --------------------------------------------------------------------------------------------------


def progress_bar(surface: pygame.Surface, ui: Ui, rect: pygame.Rect, share: float, label: str,
                 colour: tuple[int, int, int] = ACCENT) -> None:
    """A bar filled to `share` with `label` on it: dark words on the filled part, light ones beside it."""
    pygame.draw.rect(surface, PANEL, rect, border_radius=ui.px(4))
    fill = rect.copy()
    fill.width = round(rect.width * max(0.0, min(1.0, share)))
    if fill.width:
        pygame.draw.rect(surface, colour, fill, border_radius=ui.px(4))
    pygame.draw.rect(surface, LINE, rect, 1, border_radius=ui.px(4))
    f = ui.fonts
    shown = f.fit(label, rect.width - ui.px(16), 14, bold=True)
    pos = (rect.left + ui.px(8), rect.centery)
    old_clip = surface.get_clip()
    empty = pygame.Rect(fill.right, rect.top, rect.right - fill.right, rect.height)
    for part, ink in ((fill, (12, 16, 20)), (empty, TEXT)):
        if part.width:
            surface.set_clip(part.clip(old_clip) if old_clip else part)
            text.draw(surface, f, shown, pos, 14, ink, bold=True, anchor="midleft")
    surface.set_clip(old_clip)


def clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    return f"{s // 60}:{s % 60:02d}"


# -- the chart -------------------------------------------------------------------------------------------------


def _span(values: Sequence[float], symmetric: bool = False) -> tuple[float, float]:
    xs = [x for x in values if math.isfinite(x)]
    if symmetric:
        m = max((abs(x) for x in xs), default=0.0) or 1.0
        return -1.1 * m, 1.1 * m
    lo, hi = (min(xs), max(xs)) if xs else (0.0, 1.0)
    pad = 0.08 * (hi - lo) or (abs(hi) * 0.05 or 1.0)
    return lo - pad, hi + pad


def _whisker(surface: pygame.Surface, ui: Ui, box: pygame.Rect, y: int, span: tuple[float, float],
             mean: float, lo: float, hi: float, colour: tuple[int, int, int], v: int | None) -> None:
    a, b = span

    def px(x: float) -> int:
        x = min(b, max(a, x))
        return round(box.left + (x - a) / (b - a) * box.width)

    if math.isfinite(lo) and math.isfinite(hi) and px(hi) - px(lo) >= 2:
        pygame.draw.line(surface, colour, (px(lo), y), (px(hi), y), max(2, ui.px(3)))
        for end in (px(lo), px(hi)):
            pygame.draw.line(surface, colour, (end, y - ui.px(5)), (end, y + ui.px(5)), max(1, ui.px(2)))
    if v is None:
        pygame.draw.circle(surface, colour, (px(mean), y), max(3, ui.px(5)))
    else:
        marker(surface, v, (px(mean), y), max(3, ui.px(6)))


def chart_columns(panel: pygame.Rect) -> dict[str, pygame.Rect]:
    """Where a KPI panel puts the variant names, the means, and the differences."""
    w, x = panel.width, panel.left
    cuts = {"name": (0.0, 0.08), "mean_plot": (0.09, 0.31), "mean": (0.31, 0.45), "diff_plot": (0.48, 0.70),
            "diff": (0.72, 1.0)}
    return {k: pygame.Rect(x + round(a * w), panel.top, round((b - a) * w), panel.height) for k, (a, b) in cuts.items()}


def draw_chart(surface: pygame.Surface, ui: Ui, area: pygame.Rect, rows: Sequence[KpiRow],
               names: Sequence[str], level: float) -> None:
    """Ten KPI panels in two columns, with a heading over each column of panels."""
    f = ui.fonts
    cols, per_col = 2, math.ceil(len(KPIS) / 2)
    gap = ui.px(16)
    pw = (area.width - gap) // cols
    head = f.line_height(12) + ui.px(4)
    ph = (area.height - head) // per_col
    pct = round(100 * level)
    by_kpi = {k.name: [r for r in rows if r.kpi is k] for k in KPIS}
    for c in range(cols):
        col = chart_columns(pygame.Rect(area.left + c * (pw + gap), area.top, pw, head))
        text.muted(surface, f, f.fit(f"mean, {pct} % CI", col["mean_plot"].width + col["mean"].width, 12),
                   col["mean_plot"].topleft, 12)
        text.muted(surface, f, f.fit(f"difference to base, {pct} % CI", col["diff_plot"].width + col["diff"].width, 12),
                   col["diff_plot"].topleft, 12)
    for i, k in enumerate(KPIS):
        c, r = divmod(i, per_col)
        panel = pygame.Rect(area.left + c * (pw + gap), area.top + head + r * ph, pw, ph - ui.px(6))
        _panel(surface, ui, panel, k, by_kpi[k.name], names)


def _panel(surface: pygame.Surface, ui: Ui, panel: pygame.Rect, k: Kpi, rows: Sequence[KpiRow],
           names: Sequence[str]) -> None:
    f = ui.fonts
    pygame.draw.rect(surface, PANEL, panel, border_radius=ui.px(4))
    inner = panel.inflate(-ui.px(12), -ui.px(6))
    way = "higher is better" if k.higher_is_better else "lower is better"
    way_w = f.width(way, 12)
    text.draw(surface, f, f.fit(k.label, inner.width - way_w - ui.px(12), 14, bold=True), inner.topleft, 14, TEXT,
              bold=True)
    text.muted(surface, f, way, (inner.right, inner.top + ui.px(1)), 12, anchor="topright")
    body = pygame.Rect(inner.left, inner.top + f.line_height(14), inner.width,
                       inner.bottom - inner.top - f.line_height(14))
    if not rows or all(r.mean is None for r in rows):
        text.muted(surface, f, "waiting for a replication of every variant", body.topleft, 12)
        return
    col = chart_columns(body)
    means = [x for r in rows if r.mean for x in (r.mean.lo, r.mean.mean, r.mean.hi)]
    diffs = [x for r in rows if r.diff for x in (r.diff.lo, r.diff.mean, r.diff.hi)]
    m_span, d_span = _span(means), _span(diffs, symmetric=True)
    zero = round(col["diff_plot"].centerx)
    pygame.draw.line(surface, LINE, (zero, body.top), (zero, body.bottom), 1)
    row_h = body.height / max(1, len(rows))
    for v, (row, cell) in enumerate(zip(rows, cells(rows))):
        y = round(body.top + (v + 0.5) * row_h)
        pygame.draw.line(surface, PANEL_2, (col["mean_plot"].left, y), (col["mean_plot"].right, y), 1)
        text.draw(surface, f, f.fit(names[v] if v < len(names) else row.variant, col["name"].width, 12),
                  (col["name"].left, y), 12, VARIANT_COLOURS[v % 3], bold=True, anchor="midleft")
        if row.mean is not None:
            _whisker(surface, ui, col["mean_plot"], y, m_span, row.mean.mean, row.mean.lo, row.mean.hi,
                     VARIANT_COLOURS[v % 3], v)
        text.draw(surface, f, f.fit(cell.mean, col["mean"].width, 13), (col["mean"].right, y), 13, TEXT,
                  anchor="midright")
        if row.diff is not None:
            colour = tone(cell)
            _whisker(surface, ui, col["diff_plot"], y, d_span, row.diff.mean, row.diff.lo, row.diff.hi, colour, None)
            shown = f"{cell.diff} {cell.mark}".strip()
            text.draw(surface, f, f.fit(shown, col["diff"].width, 13, bold=bool(cell.mark)), (col["diff"].left, y),
                      13, colour if cell.mark else TEXT, bold=bool(cell.mark), anchor="midleft")


# -- the table -------------------------------------------------------------------------------------------------


def draw_table(surface: pygame.Surface, ui: Ui, area: pygame.Rect, rows: Sequence[KpiRow], names: Sequence[str],
               level: float) -> None:
    """KPIs down, variants across: each cell the mean [CI] and, for variants, the difference [CI]."""
    f: Fonts = ui.fonts
    n = len(names)
    label_w = min(ui.px(240), area.width // 4)
    cw = (area.width - label_w) // max(1, n)
    lh = f.line_height(13)
    pct = round(100 * level)
    text.muted(surface, f, f"mean [{pct} % CI]", (area.left, area.top), 12)
    text.muted(surface, f, f"difference to base [{pct} % CI]", (area.left, area.top + f.line_height(12)), 12)
    for v, name in enumerate(names):
        x = area.left + label_w + v * cw
        marker(surface, v, (x + ui.px(7), area.top + lh // 2 + 1), ui.px(5))
        text.draw(surface, f, f.fit(name, cw - ui.px(24), 13, bold=True), (x + ui.px(18), area.top), 13,
                  VARIANT_COLOURS[v % 3], bold=True)
    top = area.top + 2 * f.line_height(12) + ui.px(4)
    row_h = max(2 * lh + ui.px(2), (area.bottom - top) // len(KPIS))
    shown = cells(rows)
    for i, k in enumerate(KPIS):
        y = top + i * row_h
        if i % 2 == 0:
            pygame.draw.rect(surface, PANEL, (area.left, y, area.width, row_h))
        text.draw_wrapped(surface, f, k.label, pygame.Rect(area.left + ui.px(6), y + ui.px(2), label_w - ui.px(12),
                                                           row_h), 13, TEXT, max_lines=2)
        for v, cell in enumerate(c for c in shown if c.kpi == k.name):
            x = area.left + label_w + v * cw
            text.draw(surface, f, f.fit(cell.mean_ci, cw - ui.px(8), 13), (x, y + ui.px(2)), 13, TEXT)
            if cell.diff_ci:
                words = f"{cell.diff_ci} {cell.mark}".strip()
                text.draw(surface, f, f.fit(words, cw - ui.px(8), 13, bold=bool(cell.mark)), (x, y + ui.px(2) + lh),
                          13, tone(cell) if cell.mark else MUTED, bold=bool(cell.mark))
