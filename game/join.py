"""Join a workshop: the server's address, the session code and the name the class will see.

Joining runs in a background thread (a wrong address must not freeze the
window); when the server answers, the shift starts on the session's scenario
and seed, with the levers locked if the instructor locked them.
"""

from __future__ import annotations

import threading
from typing import Any

import pygame
import pygame_gui

from sim import ScenarioError, load_scenario

from . import text
from .scene import Pop, Replace, Scene, Transition
from .theme import ACCENT, BAD, PANEL, TEXT
from .ui import Action
from .workshop_seat import Seat, join, last_joined, remember, save_seat

FIELDS = (("address", "Server address", "e.g. 192.168.1.20:8765 (your instructor shows it)"),
          ("code", "Session code", "the six letters and digits on the screen"),
          ("name", "Your name", "as the class will see it on the leaderboard"))


class JoinScene(Scene):
    """Where a trainee joins their instructor's workshop session."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        address, code = last_joined(ctx.storage.home)  # taking turns at one machine: only the name changes
        self.values = {"address": address, "code": code, "name": ""}
        self.status: tuple[str, str] = ("", "")
        self.busy = False
        self._result: Seat | Exception | None = None
        self._thread: threading.Thread | None = None
        self.entries: dict[str, pygame_gui.elements.UITextEntryLine] = {}

    # -- layout -----------------------------------------------------------
    def box(self) -> pygame.Rect:
        ui = self.ui
        w, h = min(ui.size[0] - ui.px(40), ui.px(620)), ui.px(420)
        return pygame.Rect((ui.size[0] - w) // 2, max(ui.px(90), (ui.size[1] - h) // 2), w, h)

    def field_rect(self, i: int) -> pygame.Rect:
        b, ui = self.box(), self.ui
        return pygame.Rect(b.left + ui.px(24), b.top + ui.px(84) + i * ui.px(86), b.width - ui.px(48), ui.px(38))

    def enter(self) -> None:
        ui = self.ui
        self.w = ui.group()
        for i, (key, _, _) in enumerate(FIELDS):
            entry = pygame_gui.elements.UITextEntryLine(self.field_rect(i), ui.manager,
                                                        object_id=f"#workshop_{key}")
            entry.set_text(self.values[key])
            entry.length_limit = 120 if key == "address" else 40
            self.entries[key] = entry
            self.w.elements.append(entry)
        b = self.box()
        bw, bh = ui.px(200), ui.px(44)
        self.w.button(pygame.Rect(b.right - ui.px(24) - bw, b.bottom - ui.px(20) - bh, bw, bh), "Join  (Enter)",
                      Action("join"), cls="@primary", enabled=not self.busy)
        self.w.button(pygame.Rect(b.left + ui.px(24), b.bottom - ui.px(20) - bh, ui.px(140), bh), "Back  (Esc)",
                      Action("back"))
        first_empty = next((k for k, _, _ in FIELDS if not self.values[k]), None)
        if first_empty is not None and not self.busy:
            self.entries[first_empty].focus()

    def exit(self) -> None:
        self._read()
        self.entries.clear()
        self.w.clear()

    def _read(self) -> None:
        for key, entry in self.entries.items():
            if entry.alive():
                self.values[key] = entry.get_text()

    # -- actions ----------------------------------------------------------
    def handle(self, action: Action) -> Transition | None:
        if action.name == "back" and not self.busy:
            return Pop()
        if action.name in ("join", "confirm") and not self.busy:
            self._read()
            self.busy = True
            self.status = ("Joining...", "neutral")
            self._thread = threading.Thread(target=self._join, daemon=True, name="workshop-join")
            self._thread.start()
            self.exit()
            self.enter()
        return None

    def _join(self) -> None:
        try:
            self._result = join(self.values["address"], self.values["code"], self.values["name"])
        except Exception as exc:  # noqa: BLE001 - shown to the trainee, who can fix the address or code
            self._result = exc

    def update(self, dt: float) -> Transition | None:
        if not self.busy or self._result is None:
            return None
        result, self._result = self._result, None
        self.busy = False
        if isinstance(result, Exception):
            self.status = (str(result) or type(result).__name__, "bad")
            self.exit()
            self.enter()
            return None
        return self._start(result)

    def _start(self, seat: Seat) -> Transition | None:
        from .floor import FloorScene
        from .session import Session
        try:
            scen = load_scenario(seat.scenario)
        except ScenarioError:
            self.status = (f"This game does not have the workshop's scenario {seat.scenario!r}; "
                           "update ServiceFloor to the instructor's version.", "bad")
            self.exit()
            self.enter()
            return None
        save_seat(self.ctx.storage.home, seat)
        remember(self.ctx.storage.home, seat)
        self.ctx.workshop = seat
        self.ctx.storage.discard_autosave()  # the workshop's shift replaces any unfinished one
        play = self.ctx.storage.start_play(scen.id, seat.seed)
        return Replace(FloorScene(self.ctx, Session(scen, seed=seat.seed, levers_locked=seat.levers_locked,
                                                    play=play)))

    # -- drawing ----------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        ui, f = self.ui, self.ui.fonts
        b = self.box()
        pygame.draw.rect(surface, PANEL, b, border_radius=ui.px(8))
        text.draw(surface, f, "Join a workshop", (b.left + ui.px(24), b.top + ui.px(20)), 24, ACCENT, bold=True)
        for i, (_, label, hint) in enumerate(FIELDS):
            r = self.field_rect(i)
            text.draw(surface, f, label, (r.left, r.top - ui.px(24)), 15, TEXT, bold=True)
            text.muted(surface, f, hint, (r.left, r.bottom + ui.px(3)), 12)
        msg, tone = self.status
        if msg:
            area = pygame.Rect(b.left + ui.px(24), b.top + ui.px(340) - ui.px(28), b.width - ui.px(300), ui.px(80))
            text.draw_wrapped(surface, f, msg, area, 14, BAD if tone == "bad" else TEXT, max_lines=3)
        text.muted(surface, f, "Your shift and its result go to the instructor's workshop; with no network the "
                               "result is saved as a file to hand in.", (ui.size[0] // 2, b.bottom + ui.px(14)), 12,
                   anchor="midtop")
