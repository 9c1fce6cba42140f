"""The policy levers as rows of widgets: one title, value and buttons per lever.

Shared by the floor's policy panel (live changes during a shift) and the policy
lab (setting up variants to compare).  Every button emits
``Action("lever", (key, +1 / -1 / 0 / channel))``; what a click changes is
worked out in ``levers.py``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pygame

from sim.scenario import Policies, Scenario

from . import text
from .levers import Lever, cost_text, value_text
from .theme import ACCENT, LINE, MUTED, PANEL_2, TEXT, WARN
from .ui import Action, Group, Ui

Row = tuple[Lever, pygame.Rect, int]  # lever, its rectangle, lines of trade-off text shown


class LeverRows:
    """Rows for `levers` of `scen`, laid out inside a rectangle."""

    def __init__(self, ui: Ui, scen: Scenario, levers: Sequence[Lever]) -> None:
        self.ui, self.scen, self.levers = ui, scen, tuple(levers)

    def row_height(self, lever: Lever, notes: int, p: Policies) -> int:
        """A lever's row: title line, staffing chart, cost line, `notes` lines of trade-off text."""
        ui, lh = self.ui, self.ui.fonts.line_height(13)
        h = ui.px(30) + notes * lh
        if cost_text(lever, p, self.scen):
            h += lh
        if lever.kind == "staffing":
            h += ui.px(34)
        return h + ui.px(8)

    def rows(self, area: pygame.Rect, p: Policies) -> list[Row]:
        """Each lever's row and how many lines of its trade-off fit (fewer when the area is short)."""
        notes = [0] * len(self.levers)
        used = sum(self.row_height(lv, 0, p) for lv in self.levers)
        lh = self.ui.fonts.line_height(13)
        for _ in range(2):  # give every lever a line, then a second, while they fit
            for i in range(len(notes)):
                if used + lh <= area.height:
                    notes[i] += 1
                    used += lh
        out, y = [], area.top
        for lever, n in zip(self.levers, notes):
            h = self.row_height(lever, n, p)
            out.append((lever, pygame.Rect(area.left, y, area.width, h), n))
            y += h
        return out

    def fits(self, area: pygame.Rect, p: Policies) -> bool:
        return sum(self.row_height(lv, 0, p) for lv in self.levers) <= area.height

    def build(self, w: Group, area: pygame.Rect, p: Policies, enabled: bool = True) -> None:
        ui = self.ui
        bw, bh = ui.px(34), ui.px(28)
        for lever, row, _ in self.rows(area, p):
            right, top = row.right, row.top
            if lever.kind in ("step", "staffing", "cycle", "priority"):
                minus, plus = ("◀", "▶") if lever.kind in ("cycle", "priority") else ("-", "+")
                w.button(pygame.Rect(right - bw, top, bw, bh), plus, Action("lever", (lever.key, 1)),
                         tip=lever.tradeoff, enabled=enabled)
                w.button(pygame.Rect(right - 2 * bw - ui.px(4), top, bw, bh), minus, Action("lever", (lever.key, -1)),
                         tip=lever.tradeoff, enabled=enabled)
            elif lever.kind == "toggle":
                on = bool(getattr(p, lever.key))
                w.button(pygame.Rect(right - ui.px(76), top, ui.px(76), bh), "On" if on else "Off",
                         Action("lever", (lever.key, 0)), selected=on, tip=lever.tradeoff, enabled=enabled)
            elif lever.kind == "channels":
                chans = list(self.scen.channels)
                cw = ui.px(66)
                for i, ch in enumerate(reversed(chans)):
                    name = self.scen.channels[ch].name.split()[0]
                    w.button(pygame.Rect(right - (i + 1) * (cw + ui.px(4)) + ui.px(4), top, cw, bh), name,
                             Action("lever", (lever.key, ch)), cls="@small", selected=ch in p.channels_open,
                             enabled=enabled)

    def draw(self, surface: pygame.Surface, area: pygame.Rect, p: Policies, interval: int | None,
             marked: Collection[str] = (), reference: Policies | None = None) -> None:
        """Paint the rows; staffing at `interval` (None: the whole shift); `marked` keys get a bar.

        With a `reference`, the staffing chart also marks its staffing where it differs.
        """
        ui, f = self.ui, self.ui.fonts
        for lever, row, notes in self.rows(area, p):
            pygame.draw.line(surface, LINE, (row.left, row.top - ui.px(4)), (row.right, row.top - ui.px(4)))
            title_x = row.left
            if lever.key in marked:
                pygame.draw.rect(surface, WARN, (row.left, row.top + ui.px(2), ui.px(4), ui.px(20)))
                title_x += ui.px(10)
            text.draw(surface, f, lever.title, (title_x, row.top + ui.px(4)), 14, TEXT, bold=True)
            if lever.kind not in ("channels", "toggle"):
                value = value_text(lever, p, interval)
                text.draw(surface, f, f.fit(value, ui.px(170), 14), (row.right - ui.px(86), row.top + ui.px(5)),
                          14, ACCENT, anchor="topright")
            y = row.top + ui.px(30)
            if lever.kind == "staffing":
                self._staffing_chart(surface, pygame.Rect(row.left, y, row.width, ui.px(28)), p, interval,
                                     reference.staffing if reference is not None else None)
                y += ui.px(34)
            cost = cost_text(lever, p, self.scen)
            if cost:
                text.draw(surface, f, f.fit(cost, row.width, 13), (row.left, y), 13, TEXT)
                y += f.line_height(13)
            if notes:
                text.draw_wrapped(surface, f, lever.tradeoff, pygame.Rect(row.left, y, row.width,
                                                                          notes * f.line_height(13)),
                                  13, MUTED, max_lines=notes)

    @staticmethod
    def _staffing_chart(surface: pygame.Surface, rect: pygame.Rect, p: Policies, now: int | None,
                        reference: Sequence[int] | None = None) -> None:
        staffing = p.staffing
        n = len(staffing)
        top = max(max(staffing), max(reference or (1,)), 1)
        bw = rect.width / n
        for i, s in enumerate(staffing):
            h = round(rect.height * s / top)
            bar = pygame.Rect(rect.left + round(i * bw), rect.bottom - h, max(1, round(bw) - 2), h)
            if now is None:
                colour = (110, 140, 170)
            else:
                colour = ACCENT if i == now else (PANEL_2 if i < now else (110, 140, 170))
            pygame.draw.rect(surface, colour, bar)
            if reference is not None and i < len(reference) and reference[i] != s:
                y = rect.bottom - round(rect.height * reference[i] / top)
                pygame.draw.line(surface, WARN, (bar.left, y), (bar.right - 1, y), 2)
