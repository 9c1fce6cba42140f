"""The widget layer: one pygame_gui manager, the fonts, and buttons that emit game actions.

A button carries the `Action` it stands for; clicking it queues that action,
which `input.poll` hands to the current scene like any key press.  Scenes
build their widgets in groups and clear them when they leave or re-lay out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pygame
import pygame_gui
from pygame_gui.core import ObjectID

from .text import Fonts
from .theme import gui_theme, scale_for


@dataclass(frozen=True)
class Action:
    """Something the player asked for: a key, a button, a click, a resize."""

    name: str
    arg: Any = None


class Ui:
    """The window's widget manager and fonts at the current scale."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self.scale = scale_for(size)
        self.fonts = Fonts(self.scale)
        self.manager = pygame_gui.UIManager(size, gui_theme(self.scale), enable_live_theme_updates=False)
        self._emitted: list[Action] = []
        self.actions: dict[pygame_gui.core.UIElement, Action] = {}

    def resize(self, size: tuple[int, int]) -> None:
        """Follow a new window size (a new theme when the scale step changes)."""
        scale = scale_for(size)
        self.size = size
        if scale != self.scale:
            for el in list(self.actions):
                el.kill()
            self.actions.clear()
            self.manager.clear_and_reset()
            self.scale = scale
            self.fonts = Fonts(scale)
            self.manager = pygame_gui.UIManager(size, gui_theme(scale), enable_live_theme_updates=False)
        else:
            self.manager.set_window_resolution(size)

    def px(self, n: float) -> int:
        return round(n * self.scale)

    def rect(self, x: float, y: float, w: float, h: float) -> pygame.Rect:
        """A rectangle in base (1280x720) units, scaled."""
        return pygame.Rect(self.px(x), self.px(y), self.px(w), self.px(h))

    def emit(self, action: Action) -> None:
        self._emitted.append(action)

    def take_emitted(self) -> list[Action]:
        out, self._emitted = self._emitted, []
        return out

    def find(self, action: Action) -> pygame_gui.core.UIElement | None:
        """The live widget that emits `action` (tests click on it)."""
        for el, a in self.actions.items():
            if a == action and el.alive() and el.visible:
                return el
        return None

    def group(self) -> Group:
        return Group(self)


class Group:
    """Widgets a scene or panel created together, cleared together."""

    def __init__(self, ui: Ui) -> None:
        self.ui = ui
        self.elements: list[Any] = []

    def button(self, rect: pygame.Rect, text: str, action: Action, cls: str = "", tip: str | None = None,
               enabled: bool = True, selected: bool = False) -> pygame_gui.elements.UIButton:
        ui = self.ui
        name = "_".join(str(x) for x in (action.name, action.arg) if x is not None)
        oid = ObjectID(class_id=cls or None, object_id="#" + "".join(c if c.isalnum() else "_" for c in name))
        b = pygame_gui.elements.UIButton(rect, text, ui.manager, object_id=oid, tool_tip_text=tip,
                                         command=lambda: ui.emit(action))
        if not enabled:
            b.disable()
        if selected:
            b.select()
        ui.actions[b] = action
        self.elements.append(b)
        return b

    def clear(self) -> None:
        for el in self.elements:
            self.ui.actions.pop(el, None)
            el.kill()
        self.elements.clear()
