"""Small drawn icons: a shape and a colour per mood, per agent state, and stars.

Shapes carry the meaning on their own (circle calm, diamond uneasy, triangle
annoyed, square angry, burst furious), so the cues read without colour.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pygame

from .theme import BAD, BG, GOOD, MOOD_COLOURS, STATE_STYLE, WARN

Point = tuple[float, float]


def _poly(cx: float, cy: float, r: float, n: int, start: float = -90.0) -> list[Point]:
    return [(cx + r * math.cos(math.radians(start + i * 360.0 / n)),
             cy + r * math.sin(math.radians(start + i * 360.0 / n))) for i in range(n)]


def _burst(cx: float, cy: float, r: float, points: int = 8) -> list[Point]:
    out = []
    for i in range(points * 2):
        rr = r if i % 2 == 0 else r * 0.5
        a = math.radians(-90.0 + i * 180.0 / points)
        out.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return out


_CACHE: dict[tuple[str, str, int, bool], pygame.Surface] = {}


def _cached(kind: str, name: str, r: int, outline: bool, paint: Callable[..., None]) -> pygame.Surface:
    """A pre-drawn icon (drawing hundreds of polygons a frame is slow; blitting is not)."""
    key = (kind, name, r, outline)
    surf = _CACHE.get(key)
    if surf is None:
        size = 3 * r + 4
        surf = pygame.Surface((size, size), pygame.SRCALPHA)
        paint(surf, name, (size // 2, size // 2), r, outline)
        _CACHE[key] = surf
    return surf


def mood(surface: pygame.Surface, band: str, center: tuple[int, int], r: int, outline: bool = False) -> None:
    """The mood icon for a band, centred, radius r (outline: hollow, e.g. a callback)."""
    icon = _cached("mood", band, r, outline, _paint_mood)
    surface.blit(icon, icon.get_rect(center=center))


def _paint_mood(surface: pygame.Surface, band: str, center: tuple[int, int], r: int, outline: bool) -> None:
    colour = MOOD_COLOURS.get(band, MOOD_COLOURS["uneasy"])
    cx, cy = center
    width = max(1, r // 3) if outline else 0
    if band == "calm":
        pygame.draw.circle(surface, colour, center, r, width)
    elif band == "uneasy":
        pygame.draw.polygon(surface, colour, _poly(cx, cy, r * 1.1, 4), width)
    elif band == "annoyed":
        pygame.draw.polygon(surface, colour, _poly(cx, cy + r * 0.15, r * 1.15, 3), width)
    elif band == "angry":
        side = int(r * 1.6)
        pygame.draw.rect(surface, colour, pygame.Rect(cx - side // 2, cy - side // 2, side, side), width)
    else:
        pygame.draw.polygon(surface, colour, _burst(cx, cy, r * 1.25), width)


def agent_state(surface: pygame.Surface, state: str, center: tuple[int, int], r: int) -> None:
    """A state glyph: idle ring, talking bubble, wrap-up pencil, follow-up envelope, training book, sick cross."""
    icon = _cached("agent", state, r, False, _paint_state)
    surface.blit(icon, icon.get_rect(center=center))


def _paint_state(surface: pygame.Surface, state: str, center: tuple[int, int], r: int, _outline: bool) -> None:
    colour = STATE_STYLE.get(state, STATE_STYLE["off"])[0]
    cx, cy = center
    if state == "idle":
        pygame.draw.circle(surface, colour, center, r, max(2, r // 3))
    elif state == "talking":
        pygame.draw.ellipse(surface, colour, pygame.Rect(cx - r, cy - r * 0.8, 2 * r, 1.5 * r))
        pygame.draw.polygon(surface, colour, [(cx - r * 0.5, cy + r * 0.4), (cx - r * 0.9, cy + r), (cx, cy + r * 0.5)])
    elif state == "wrap_up":
        pygame.draw.polygon(surface, colour, [(cx - r, cy + r), (cx - r, cy + r * 0.4), (cx + r * 0.6, cy - r),
                                              (cx + r, cy - r * 0.6), (cx - r * 0.4, cy + r)])
    elif state == "followup":
        rect = pygame.Rect(cx - r, cy - r * 0.7, 2 * r, 1.4 * r)
        pygame.draw.rect(surface, colour, rect, max(1, r // 4))
        pygame.draw.lines(surface, colour, False, [rect.topleft, (cx, cy + r * 0.1), rect.topright], max(1, r // 4))
    elif state == "training":
        pygame.draw.rect(surface, colour, pygame.Rect(cx - r, cy - r * 0.7, r * 0.9, 1.4 * r))
        pygame.draw.rect(surface, colour, pygame.Rect(cx + r * 0.1, cy - r * 0.7, r * 0.9, 1.4 * r))
    elif state == "sick":
        w = max(2, r // 2)
        pygame.draw.rect(surface, colour, pygame.Rect(cx - w // 2, cy - r, w, 2 * r))
        pygame.draw.rect(surface, colour, pygame.Rect(cx - r, cy - w // 2, 2 * r, w))
    else:
        pygame.draw.line(surface, colour, (cx - r, cy), (cx + r, cy), max(1, r // 3))


def stress_mark(surface: pygame.Surface, center: tuple[int, int], r: int) -> None:
    """A warning triangle with a bar: this agent is stressed."""
    cx, cy = center
    pygame.draw.polygon(surface, WARN, _poly(cx, cy + r * 0.2, r * 1.2, 3))
    pygame.draw.line(surface, BG, (cx, cy - r * 0.35), (cx, cy + r * 0.35), max(1, r // 4))


def star(surface: pygame.Surface, center: tuple[int, int], r: int, filled: bool, colour: tuple[int, int, int]) -> None:
    pts = []
    for i in range(10):
        rr = r if i % 2 == 0 else r * 0.45
        a = math.radians(-90 + i * 36)
        pts.append((center[0] + rr * math.cos(a), center[1] + rr * math.sin(a)))
    pygame.draw.polygon(surface, colour, pts, 0 if filled else max(1, r // 6))


def verdict(surface: pygame.Surface, ok: bool, center: tuple[int, int], r: int) -> None:
    """A tick (met) or a cross (missed): the shape says it without the colour."""
    cx, cy = center
    w = max(2, r // 3)
    if ok:
        pygame.draw.lines(surface, GOOD, False, [(cx - r, cy), (cx - r // 3, cy + r * 2 // 3), (cx + r, cy - r)], w)
    else:
        pygame.draw.line(surface, BAD, (cx - r, cy - r), (cx + r, cy + r), w)
        pygame.draw.line(surface, BAD, (cx - r, cy + r), (cx + r, cy - r), w)
