"""Text drawing with the shipped font: cached glyph surfaces, wrapping, alignment."""

from __future__ import annotations

from collections import OrderedDict

import pygame

from .theme import MUTED, TEXT, font_path

Colour = tuple[int, int, int]
MIN_PX = 12  # nothing is drawn smaller than this, at any window size


class Fonts:
    """Fonts of the shipped typeface at a UI scale, and a cache of rendered lines."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._cache: OrderedDict[tuple[str, int, Colour, bool], pygame.Surface] = OrderedDict()

    def px(self, size: float) -> int:
        return max(MIN_PX, round(size * self.scale))

    def font(self, size: float, bold: bool = False) -> pygame.font.Font:
        key = (self.px(size), bold)
        f = self._fonts.get(key)
        if f is None:
            f = pygame.font.Font(str(font_path(bold)), key[0])
            self._fonts[key] = f
        return f

    def render(self, text: str, size: float = 15, colour: Colour = TEXT, bold: bool = False) -> pygame.Surface:
        key = (text, self.px(size), colour, bold)
        surf = self._cache.get(key)
        if surf is None:
            surf = self.font(size, bold).render(text, True, colour)
            self._cache[key] = surf
            if len(self._cache) > 2000:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return surf

    def width(self, text: str, size: float = 15, bold: bool = False) -> int:
        return self.font(size, bold).size(text)[0]

    def line_height(self, size: float = 15) -> int:
        return self.font(size).get_linesize()

    def wrap(self, text: str, width: int, size: float = 15, bold: bool = False) -> list[str]:
        """Split text into lines no wider than `width` pixels (long words are kept whole)."""
        f = self.font(size, bold)
        lines: list[str] = []
        for para in text.split("\n"):
            line = ""
            for word in para.split(" "):
                trial = f"{line} {word}" if line else word
                if f.size(trial)[0] <= width or not line:
                    line = trial
                else:
                    lines.append(line)
                    line = word
            lines.append(line)
        return lines

    def fit(self, text: str, width: int, size: float = 15, bold: bool = False) -> str:
        """The text, shortened with an ellipsis if it is wider than `width`."""
        f = self.font(size, bold)
        if f.size(text)[0] <= width:
            return text
        while text and f.size(text + "…")[0] > width:
            text = text[:-1]
        return text + "…"


def draw(surface: pygame.Surface, fonts: Fonts, text: str, pos: tuple[int, int], size: float = 15,
         colour: Colour = TEXT, bold: bool = False, anchor: str = "topleft") -> pygame.Rect:
    """Blit one line; returns its rectangle."""
    surf = fonts.render(text, size, colour, bold)
    rect = surf.get_rect(**{anchor: pos})
    surface.blit(surf, rect)
    return rect


def draw_wrapped(surface: pygame.Surface, fonts: Fonts, text: str, rect: pygame.Rect, size: float = 15,
                 colour: Colour = TEXT, bold: bool = False, max_lines: int = 0) -> int:
    """Draw wrapped text inside rect (clipped at its bottom); returns the y below the last line."""
    lh = fonts.line_height(size)
    y = rect.top
    lines = fonts.wrap(text, rect.width, size, bold)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = fonts.fit(lines[-1] + " …", rect.width, size, bold)
    for line in lines:
        if y + lh > rect.bottom + 1:
            break
        surface.blit(fonts.render(line, size, colour, bold), (rect.left, y))
        y += lh
    return y


def muted(surface: pygame.Surface, fonts: Fonts, text: str, pos: tuple[int, int], size: float = 13,
          anchor: str = "topleft") -> pygame.Rect:
    return draw(surface, fonts, text, pos, size, MUTED, anchor=anchor)
