"""The game's entry point and frame loop.

Frame loop: events -> actions -> the top scene's commands -> update (which
advances the simulation clock unless paused) -> draw.  Only the display and
font modules of pygame are started: the game needs no sound device.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pygame

from .input import poll
from .scene import Stack
from .storage import Settings, Storage
from .theme import BG, MIN_SIZE
from .ui import Action, Ui
from .workshop_seat import Seat

FPS = 60
MAX_DT = 0.1  # a slow frame never moves the clock more than this many real seconds


@dataclass
class Context:
    """What every scene may use: widgets, the player's files and settings."""

    ui: Ui
    storage: Storage
    settings: Settings
    start_scenario: str | None = None
    workshop: Seat | None = None  # the workshop session this shift is played for, if any


def _check_scenario(name: str, storage: Storage) -> None:
    """Say so on the title screen if the scenario asked for on the command line cannot be used."""
    from sim import ScenarioError, load_scenario
    try:
        load_scenario(name)
    except ScenarioError as exc:
        first = exc.problems[0] if exc.problems else "cannot be loaded"
        storage.messages.append(f"The scenario {name!r} cannot be used ({first}); choose one from the list.")


def _clamp(size: tuple[int, int]) -> tuple[int, int]:
    return max(MIN_SIZE[0], int(size[0])), max(MIN_SIZE[1], int(size[1]))


class App:
    """The window, the scene stack and the loop."""

    def __init__(self, scenario: str | None = None, size: tuple[int, int] | None = None,
                 storage: Storage | None = None) -> None:
        pygame.display.init()
        pygame.font.init()
        storage = storage or Storage()
        settings = storage.load_settings()
        if scenario:
            settings.last_scenario = scenario
            _check_scenario(scenario, storage)
        self.windowed = _clamp(size or settings.window)
        pygame.display.set_caption("ServiceFloor")
        self.screen = self._set_mode(settings.fullscreen)
        self.ctx = Context(Ui(self.screen.get_size()), storage, settings, scenario)
        self.stack = Stack()
        self.clock = pygame.time.Clock()
        from .title import (
            TitleScene,  # scenes import the app's Context: import them late
        )
        self.stack.push(TitleScene(self.ctx))

    # -- window -----------------------------------------------------------
    def _set_mode(self, fullscreen: bool) -> pygame.Surface:
        if fullscreen:
            try:
                return pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
            except pygame.error:
                pass
        return pygame.display.set_mode(self.windowed, pygame.RESIZABLE)

    def resize(self, size: tuple[int, int]) -> None:
        """Lay the current scene out again for a new window size (never below the minimum)."""
        size = _clamp(size)
        if not self.ctx.settings.fullscreen:
            self.windowed = size
            self.ctx.settings.window = size
        if self.screen.get_size() != size:
            self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        self.ctx.ui.resize(self.screen.get_size())
        self.stack.relayout()

    def toggle_fullscreen(self) -> None:
        s = self.ctx.settings
        s.fullscreen = not s.fullscreen
        self.screen = self._set_mode(s.fullscreen)
        self.ctx.ui.resize(self.screen.get_size())
        self.stack.relayout()
        self.ctx.storage.save_settings(s)

    # -- loop -------------------------------------------------------------
    def handle(self, action: Action) -> None:
        if action.name == "quit":
            self.close()
        elif action.name == "resize":
            self.resize(action.arg)
        elif action.name == "fullscreen":
            self.toggle_fullscreen()
        else:
            self.stack.apply(self.stack.top.handle(action))

    def step(self, dt: float) -> bool:
        """One frame; returns False once the game should close."""
        for action in poll(self.ctx.ui):
            self.handle(action)
            if self.stack.quit:
                return False
        self.stack.apply(self.stack.top.update(min(dt, MAX_DT)))
        if self.stack.quit:
            self.close()
            return False
        self.ctx.ui.manager.update(dt)
        self.draw()
        return True

    def draw(self) -> None:
        self.screen.fill(BG)
        self.stack.top.draw(self.screen)
        self.ctx.ui.manager.draw_ui(self.screen)
        pygame.display.flip()

    def close(self) -> None:
        """Save what must be saved (the running shift, settings) and stop."""
        if not self.stack.quit or self.stack.scenes:
            for scene in reversed(self.stack.scenes):
                scene.on_quit()
            self.ctx.storage.save_settings(self.ctx.settings)
        self.stack.scenes.clear()
        self.stack.quit = True

    def run(self) -> None:
        while self.step(self.clock.tick(FPS) / 1000.0):
            pass


def main(scenario: str | None = None) -> int:
    """Open the game (on `scenario`, else the last one played); returns an exit code."""
    try:
        app = App(scenario)
    except pygame.error as exc:
        print(f"servicefloor: cannot open a window: {exc}", file=sys.stderr)
        return 2
    try:
        app.run()
    except KeyboardInterrupt:
        app.close()
        return 130
    except Exception:
        try:
            app.close()  # save the running shift (its commands replay from scratch), then report the bug
        except Exception:  # noqa: BLE001, S110 - the original error matters more
            pass
        raise
    finally:
        pygame.quit()
    return 0
