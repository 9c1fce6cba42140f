"""The policy and staffing panel: the levers the scenario unlocks, their cost, live changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from sim.scenario import Policies

from . import text, voice
from .levers import LEVERS, Lever, change_word, changed, cost_text, unlocked, value_text
from .panel import Panel
from .session import Session
from .theme import ACCENT, BAD, GOOD, LINE, MUTED, PANEL, PANEL_2, TEXT
from .ui import Action, Group

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context


class PolicyPanel(Panel):
    """Change how the floor is run while the shift goes on."""

    def __init__(self, ctx: Context, session: Session) -> None:
        super().__init__(ctx)
        self.session = session
        self.levers = unlocked(session.scenario)
        self.message = ("Every change takes effect at once and is kept in the result file.", "neutral")

    @property
    def policies(self) -> Policies:
        return self.session.snap.policies

    # -- layout -----------------------------------------------------------
    def row_height(self, lever: Lever, notes: int) -> int:
        """A lever's row: title line, staffing chart, cost line, `notes` lines of trade-off text."""
        ui, lh = self.ui, self.ui.fonts.line_height(13)
        h = ui.px(30) + notes * lh
        if cost_text(lever, self.policies, self.session.scenario):
            h += lh
        if lever.kind == "staffing":
            h += ui.px(34)
        return h + ui.px(8)

    def message_rect(self) -> pygame.Rect:
        r = self.rect
        return pygame.Rect(r.left, r.bottom - self.ui.px(58), r.width, self.ui.px(58))

    def rows(self) -> list[tuple[Lever, pygame.Rect, int]]:
        """Each lever's row and how many lines of its trade-off fit (fewer when the window is short)."""
        room = self.message_rect().top - self.ui.px(6) - (self.rect.top + self.ui.px(30))
        notes = [0] * len(self.levers)
        used = sum(self.row_height(lv, 0) for lv in self.levers)
        lh = self.ui.fonts.line_height(13)
        for _ in range(2):  # give every lever a line, then a second, while they fit
            for i in range(len(notes)):
                if used + lh <= room:
                    notes[i] += 1
                    used += lh
        out, y = [], self.rect.top + self.ui.px(30)
        for lever, n in zip(self.levers, notes):
            h = self.row_height(lever, n)
            out.append((lever, pygame.Rect(self.rect.left, y, self.rect.width, h), n))
            y += h
        return out

    def build(self, w: Group) -> None:
        ui = self.ui
        bw, bh = ui.px(34), ui.px(28)
        for lever, row, _ in self.rows():
            right = row.right
            top = row.top
            if lever.kind in ("step", "staffing", "cycle", "priority"):
                minus, plus = ("◀", "▶") if lever.kind in ("cycle", "priority") else ("-", "+")
                w.button(pygame.Rect(right - bw, top, bw, bh), plus, Action("lever", (lever.key, 1)), tip=lever.tradeoff)
                w.button(pygame.Rect(right - 2 * bw - ui.px(4), top, bw, bh), minus, Action("lever", (lever.key, -1)),
                         tip=lever.tradeoff)
            elif lever.kind == "toggle":
                on = bool(getattr(self.policies, lever.key))
                w.button(pygame.Rect(right - ui.px(76), top, ui.px(76), bh), "On" if on else "Off",
                         Action("lever", (lever.key, 0)), selected=on, tip=lever.tradeoff)
            elif lever.kind == "channels":
                chans = list(self.session.scenario.channels)
                cw = ui.px(66)
                for i, ch in enumerate(reversed(chans)):
                    name = self.session.scenario.channels[ch].name.split()[0]
                    w.button(pygame.Rect(right - (i + 1) * (cw + ui.px(4)) + ui.px(4), top, cw, bh), name,
                             Action("lever", (lever.key, ch)), cls="@small",
                             selected=ch in self.policies.channels_open)

    # -- actions ----------------------------------------------------------
    def handle(self, action: Action) -> bool:
        if action.name != "lever":
            return False
        key, arg = action.arg
        lever = next((lv for lv in self.levers if lv.key == key), None)
        if lever is None:
            return True
        old = getattr(self.policies, key)
        direction = arg if isinstance(arg, int) else 1
        item = arg if isinstance(arg, str) else ""
        new = changed(lever, self.policies, self.session.scenario, direction, self.session.snap.interval, item)
        if new is None:
            self.message = (f"{lever.title}: cannot go further.", "bad")
            return True
        err, reset = self.session.set_policy(key, new)
        if err:
            self.message = (f"{lever.title}: {err}", "bad")
        else:
            note = voice.lever_note(key, change_word(lever, old, new))
            shown = value_text(lever, self.policies, self.session.snap.interval)
            if reset:
                titles = ", ".join(LEVERS[k].title if k in LEVERS else k for k in reset)
                note = f"{titles} went back to the scenario's setting. {note}"
            self.message = (f"{lever.title}: {shown} from {self.session.snap.clock}. {note}".strip(), "good")
        self.rebuild()
        return True

    # -- drawing ----------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        ui, f, r = self.ui, self.ui.fonts, self.rect
        p, scen = self.policies, self.session.scenario
        text.draw(surface, f, "Policies and staffing", r.topleft, 17, TEXT, bold=True)
        if not self.levers:
            text.muted(surface, f, "This scenario unlocks no levers.", (r.left, r.top + ui.px(34)), 14)
        for lever, row, notes in self.rows():
            pygame.draw.line(surface, LINE, (row.left, row.top - ui.px(4)), (row.right, row.top - ui.px(4)))
            text.draw(surface, f, lever.title, (row.left, row.top + ui.px(4)), 14, TEXT, bold=True)
            if lever.kind not in ("channels", "toggle"):
                value = value_text(lever, p, self.session.snap.interval)
                text.draw(surface, f, f.fit(value, ui.px(170), 14), (row.right - ui.px(86), row.top + ui.px(5)),
                          14, ACCENT, anchor="topright")
            y = row.top + ui.px(30)
            if lever.kind == "staffing":
                self._staffing_chart(surface, pygame.Rect(row.left, y, row.width, ui.px(28)), p)
                y += ui.px(34)
            cost = cost_text(lever, p, scen)
            if cost:
                text.draw(surface, f, f.fit(cost, row.width, 13), (row.left, y), 13, TEXT)
                y += f.line_height(13)
            if notes:
                text.draw_wrapped(surface, f, lever.tradeoff, pygame.Rect(row.left, y, row.width,
                                                                          notes * f.line_height(13)),
                                  13, MUTED, max_lines=notes)
        msg, tone = self.message
        box = self.message_rect()
        pygame.draw.rect(surface, PANEL, box, border_radius=ui.px(4))
        colour = {"good": GOOD, "bad": BAD}.get(tone, MUTED)
        text.draw_wrapped(surface, f, msg, box.inflate(-ui.px(16), -ui.px(8)), 13, colour, max_lines=3)

    def _staffing_chart(self, surface: pygame.Surface, rect: pygame.Rect, p: Policies) -> None:
        staffing = p.staffing
        n = len(staffing)
        top = max(max(staffing), 1)
        bw = rect.width / n
        now = self.session.snap.interval
        for i, s in enumerate(staffing):
            h = round(rect.height * s / top)
            bar = pygame.Rect(rect.left + round(i * bw), rect.bottom - h, max(1, round(bw) - 2), h)
            colour = ACCENT if i == now else (PANEL_2 if i < now else (110, 140, 170))
            pygame.draw.rect(surface, colour, bar)
