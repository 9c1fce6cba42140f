"""The policy and staffing panel: the levers the scenario unlocks, their cost, live changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from sim.scenario import Policies

from . import text, voice
from .lever_rows import LeverRows
from .levers import (
    LEVERS,
    Lever,
    change_word,
    changed,
    lever_click,
    unlocked,
    value_text,
)
from .panel import Panel
from .session import Session
from .theme import BAD, GOOD, MUTED, PANEL, TEXT
from .ui import Action, Group

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context


class PolicyPanel(Panel):
    """Change how the floor is run while the shift goes on."""

    def __init__(self, ctx: Context, session: Session) -> None:
        super().__init__(ctx)
        self.session = session
        self.levers = () if session.levers_locked else unlocked(session.scenario)
        self.lever_rows = LeverRows(ctx.ui, session.scenario, self.levers)
        self.message = (("Your instructor locked the levers for this workshop: the whole class plays the same "
                         "policies, so the results compare your conversations.", "neutral") if session.levers_locked
                        else ("Every change takes effect at once and is kept in the result file.", "neutral"))

    @property
    def policies(self) -> Policies:
        return self.session.snap.policies

    # -- layout -----------------------------------------------------------
    def message_rect(self) -> pygame.Rect:
        r = self.rect
        return pygame.Rect(r.left, r.bottom - self.ui.px(58), r.width, self.ui.px(58))

    def lever_area(self) -> pygame.Rect:
        """Where the lever rows go: below the title, above the message."""
        top = self.rect.top + self.ui.px(30)
        return pygame.Rect(self.rect.left, top, self.rect.width, self.message_rect().top - self.ui.px(6) - top)

    def rows(self) -> list[tuple[Lever, pygame.Rect, int]]:
        """Each lever's row and how many lines of its trade-off fit (fewer when the window is short)."""
        return self.lever_rows.rows(self.lever_area(), self.policies)

    def build(self, w: Group) -> None:
        self.lever_rows.build(w, self.lever_area(), self.policies)

    # -- actions ----------------------------------------------------------
    def handle(self, action: Action) -> bool:
        if action.name != "lever":
            return False
        key, direction, item = lever_click(action.arg)
        lever = next((lv for lv in self.levers if lv.key == key), None)
        if lever is None:
            return True
        old = getattr(self.policies, key)
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
        text.draw(surface, f, "Policies and staffing", r.topleft, 17, TEXT, bold=True)
        if not self.levers:
            none = ("Locked by your instructor for this workshop." if self.session.levers_locked
                    else "This scenario unlocks no levers.")
            text.muted(surface, f, none, (r.left, r.top + ui.px(34)), 14)
        self.lever_rows.draw(surface, self.lever_area(), self.policies, self.session.snap.interval)
        msg, tone = self.message
        box = self.message_rect()
        pygame.draw.rect(surface, PANEL, box, border_radius=ui.px(4))
        colour = {"good": GOOD, "bad": BAD}.get(tone, MUTED)
        text.draw_wrapped(surface, f, msg, box.inflate(-ui.px(16), -ui.px(8)), 13, colour, max_lines=3)
