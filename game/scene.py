"""Scenes on a stack, behind one small protocol.

A scene builds its widgets in `enter`, removes them in `exit`, turns actions
into commands in `handle`, moves time on in `update` and paints in `draw`
(which must not change any state).  To change scene it returns a
`Transition` from `handle` or `update`; the `Stack` carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygame

from .ui import Action, Ui

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context


class Scene:
    """Base scene: override what you need."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @property
    def ui(self) -> Ui:
        return self.ctx.ui

    def enter(self) -> None:
        """Build widgets (called on first show, on return to this scene, and after a resize)."""

    def exit(self) -> None:
        """Remove widgets (called when covered, left, or before a re-layout)."""

    def handle(self, action: Action) -> Transition | None:
        return None

    def update(self, dt: float) -> Transition | None:
        return None

    def draw(self, surface: pygame.Surface) -> None:
        """Paint the scene; must not change any state."""

    def on_quit(self) -> None:
        """The game is closing: save what must be saved."""


@dataclass(frozen=True)
class Push:
    scene: Scene


@dataclass(frozen=True)
class Pop:
    pass


@dataclass(frozen=True)
class Replace:
    scene: Scene


@dataclass(frozen=True)
class Quit:
    pass


Transition = Push | Pop | Replace | Quit


class Stack:
    """The scene stack: only the top scene has widgets and receives actions."""

    def __init__(self) -> None:
        self.scenes: list[Scene] = []
        self.quit = False

    @property
    def top(self) -> Scene:
        return self.scenes[-1]

    def push(self, scene: Scene) -> None:
        if self.scenes:
            self.top.exit()
        self.scenes.append(scene)
        scene.enter()

    def apply(self, t: Transition | None) -> None:
        if t is None:
            return
        if isinstance(t, Quit):
            self.quit = True
        elif isinstance(t, Push):
            self.push(t.scene)
        elif isinstance(t, Pop):
            self.top.exit()
            self.scenes.pop()
            if self.scenes:
                self.top.enter()
            else:
                self.quit = True
        elif isinstance(t, Replace):
            self.top.exit()
            self.scenes.pop()
            self.push(t.scene)

    def relayout(self) -> None:
        if self.scenes:
            self.top.exit()
            self.top.enter()
