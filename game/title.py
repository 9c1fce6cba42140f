"""The title screen: play, resume a saved shift, the policy lab, settings, quit."""

from __future__ import annotations

from typing import Any

import pygame

from sim import SaveError

from . import text
from .scene import Push, Quit, Scene, Transition
from .theme import ACCENT, MUTED, PANEL, TEXT, WARN
from .ui import Action
from .workshop_seat import load_seat


class TitleScene(Scene):
    """Where every session starts."""

    def enter(self) -> None:
        ui = self.ui
        self.w = ui.group()
        self.save: dict[str, Any] | None = self.ctx.storage.load_autosave()
        cx = ui.size[0] // 2
        bw, bh, gap = ui.px(380), ui.px(48), ui.px(14)
        rows = [bh] * (2 if self.save is not None else 1) + [ui.px(40)] * 3
        # centred, but clear of the message box at the bottom
        y = min(ui.size[1] // 2 - ui.px(30), ui.size[1] - ui.px(130) - sum(rows) - gap * (len(rows) - 1))
        if self.save is not None:
            info = self.save["scenario"]
            label = f"Resume shift: {info.get('name', info.get('id', ''))} at {self.save.get('clock', '')}"
            self.w.button(pygame.Rect(cx - bw // 2, y, bw, bh), label, Action("resume"), cls="@primary")
            y += bh + gap
        self.w.button(pygame.Rect(cx - bw // 2, y, bw, bh), "Play a scenario  (Enter)", Action("play"),
                      cls="" if self.save else "@primary")
        y += bh + gap
        s = self.ctx.settings
        half = (bw - gap) // 2
        self.w.button(pygame.Rect(cx - bw // 2, y, half, ui.px(40)), "Join workshop", Action("workshop"),
                      tip="For trainees: play your instructor's session and send in the result")
        self.w.button(pygame.Rect(cx - bw // 2 + half + gap, y, half, ui.px(40)), "Policy lab", Action("lab"),
                      tip="For managers: run policy variants side by side, with confidence intervals")
        y += ui.px(40) + gap
        self.w.button(pygame.Rect(cx - bw // 2, y, half, ui.px(40)),
                      "Fullscreen: " + ("on" if s.fullscreen else "off"), Action("fullscreen"), tip="F11")
        self.w.button(pygame.Rect(cx - bw // 2 + half + gap, y, half, ui.px(40)),
                      "Slow down for calls: " + ("on" if s.slow_on_call else "off"), Action("toggle_slow"),
                      cls="@small", tip="Drop to 1x when a customer reaches you")
        y += ui.px(40) + gap
        self.w.button(pygame.Rect(cx - bw // 2, y, bw, ui.px(40)), "Quit  (Esc)", Action("quit_game"))

    def exit(self) -> None:
        self.w.clear()

    def handle(self, action: Action) -> Transition | None:
        if action.name in ("play", "confirm"):
            from .picker import PickerScene
            return Push(PickerScene(self.ctx))
        if action.name == "workshop":
            from .join import JoinScene
            return Push(JoinScene(self.ctx))
        if action.name == "lab":
            from .manager import ManagerScene
            return Push(ManagerScene(self.ctx))
        if action.name == "resume" and self.save is not None:
            return self._resume()
        if action.name == "toggle_slow":
            self.ctx.settings.slow_on_call = not self.ctx.settings.slow_on_call
            self.ctx.storage.save_settings(self.ctx.settings)
            self.exit()
            self.enter()
        if action.name in ("quit_game", "back"):
            return Quit()
        return None

    def _resume(self) -> Transition | None:
        from .floor import FloorScene
        from .session import Session
        assert self.save is not None
        try:
            session = Session.from_save(self.save)
        except SaveError as exc:
            self.ctx.storage.reject_autosave(str(exc))
            self.exit()
            self.enter()
            return None
        seat = load_seat(self.ctx.storage.home)
        if seat is not None and (seat.scenario, seat.seed) == (self.save["scenario"].get("id"), session.seed):
            self.ctx.workshop = seat  # a workshop shift: the result still goes to the instructor
            session.levers_locked = seat.levers_locked
        return Push(FloorScene(self.ctx, session, self.save.get("ui", {})))

    def draw(self, surface: pygame.Surface) -> None:
        ui, f = self.ui, self.ui.fonts
        w, h = surface.get_size()
        text.draw(surface, f, "ServiceFloor", (w // 2, h // 2 - ui.px(230)), 54, ACCENT, bold=True, anchor="midtop")
        text.draw(surface, f, "Run the floor. Take the calls. Learn what keeps a customer.",
                  (w // 2, h // 2 - ui.px(150)), 19, TEXT, anchor="midtop")
        text.draw(surface, f, "Emotions first, then the problem. Right beats fast.",
                  (w // 2, h // 2 - ui.px(118)), 15, MUTED, anchor="midtop")
        msgs = self.ctx.storage.messages[-3:]
        if msgs:
            box = pygame.Rect(ui.px(40), h - ui.px(120), w - ui.px(80), ui.px(96))
            pygame.draw.rect(surface, PANEL, box, border_radius=ui.px(6))
            pygame.draw.rect(surface, WARN, box, 2, border_radius=ui.px(6))
            inner = box.inflate(-ui.px(24), -ui.px(16))
            y = inner.top
            for m in msgs:
                y = text.draw_wrapped(surface, f, "! " + m, pygame.Rect(inner.left, y, inner.width, inner.bottom - y),
                                      14, TEXT)
        text.draw(surface, f, "F11 fullscreen  ·  Esc quit", (w - ui.px(16), h - ui.px(10)), 13, MUTED,
                  anchor="bottomright")
        if self.save is None and not msgs:
            text.draw(surface, f, "Your progress is saved as you play.", (w // 2, h - ui.px(40)), 13, MUTED,
                      anchor="midbottom")
