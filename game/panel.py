"""The small protocol of the floor's side panels (conversation, policies)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from .ui import Action, Group, Ui

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context


class Panel:
    """A part of the floor scene with its own widgets inside a rectangle."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rect = pygame.Rect(0, 0, 0, 0)
        self.w: Group | None = None

    @property
    def ui(self) -> Ui:
        return self.ctx.ui

    def enter(self, rect: pygame.Rect) -> None:
        self.rect = rect
        self.w = self.ui.group()
        self.build(self.w)

    def exit(self) -> None:
        if self.w is not None:
            self.w.clear()
            self.w = None

    def rebuild(self) -> None:
        if self.w is not None:
            self.w.clear()
            self.build(self.w)

    def build(self, w: Group) -> None:
        """Create the panel's widgets inside self.rect."""

    def handle(self, action: Action) -> bool:
        """React to an action; True if it was for this panel."""
        return False

    def update(self, dt: float) -> None:
        """Follow the model (after the clock moved)."""

    def draw(self, surface: pygame.Surface) -> None:
        """Paint; must not change any state."""
