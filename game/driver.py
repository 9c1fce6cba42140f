"""Drive the game without a person: synthetic mouse and key events for tests, screenshots and benchmarks.

Events go through the real pygame event queue and the real widgets, exactly
as a player's clicks and key presses do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygame

from .app import App
from .scene import Scene
from .ui import Action


class Driver:
    """Wraps an `App` and plays it frame by frame."""

    def __init__(self, app: App, dt: float = 1 / 60) -> None:
        self.app = app
        self.dt = dt

    @property
    def scene(self) -> Scene:
        return self.app.stack.top

    def step(self, frames: int = 1, dt: float | None = None) -> None:
        for _ in range(frames):
            if not self.app.step(self.dt if dt is None else dt):
                return

    def widget_center(self, action: Action) -> tuple[int, int]:
        el = self.app.ctx.ui.find(action)
        if el is None:
            known = sorted({repr(a) for a in self.app.ctx.ui.actions.values()})
            raise LookupError(f"no widget for {action!r} on {type(self.scene).__name__}; there are {known}")
        return tuple(el.rect.center)  # type: ignore[return-value]

    def click_at(self, pos: tuple[int, int]) -> None:
        pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=pos))
        self.step()

    def click(self, action: Action) -> None:
        """Click the widget that emits `action`, at its real position on screen."""
        self.click_at(self.widget_center(action))

    def key(self, key: int, mod: int = 0) -> None:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod, unicode="", scancode=0))
        pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key, mod=mod, unicode="", scancode=0))
        self.step()

    def resize(self, size: tuple[int, int]) -> None:
        pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, size=size, w=size[0], h=size[1]))
        self.step()

    def until(self, done: Callable[[], bool], frames: int = 5000, dt: float | None = None) -> bool:
        """Step until `done()` (True) or the frame budget runs out (False)."""
        for _ in range(frames):
            if done():
                return True
            self.step(dt=dt)
        return done()

    def layout_problems(self) -> list[str]:
        """Widgets outside the window or overlapping each other (an empty list when the layout is sound)."""
        w, h = self.app.screen.get_size()
        rects = [el.rect for el in self.app.ctx.ui.actions if el.alive() and el.visible]
        out = [] if rects else ["no widgets on screen"]
        out += [f"{r} outside the {w}x{h} window" for r in rects
                if not (0 <= r.left and r.right <= w and 0 <= r.top and r.bottom <= h)]
        out += [f"{a} overlaps {b}" for i, a in enumerate(rects) for b in rects[i + 1:] if a.colliderect(b)]
        return out

    def shot(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.app.screen, str(path))
