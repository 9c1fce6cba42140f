"""Drawing a conversation: the mood meter and the transcript bubbles (live and in replays)."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from sim.conversation import band

from . import icons, text
from .text import Fonts
from .theme import LINE, MOOD_COLOURS, MOODS, MUTED, PANEL, PANEL_2, TEXT, TONE_COLOURS


@dataclass(frozen=True)
class Line:
    """One line of a conversation: who said it, the words, and how it landed."""

    who: str  # customer, you, agent, note
    text: str
    tone: str = "neutral"  # good, bad, neutral
    label: str = ""  # a small caption, e.g. the reaction or the response kind


def draw_mood_meter(surface: pygame.Surface, fonts: Fonts, rect: pygame.Rect, frustration: float,
                    scale: float, title: str = "Mood") -> None:
    """Five coloured bands with their shapes, a marker at the frustration, and the band's name."""
    mood = band(frustration)
    text.draw(surface, fonts, f"{title}: {mood}", rect.topleft, 15, TEXT, bold=True)
    text.muted(surface, fonts, f"frustration {frustration:.0f} / 100", (rect.right, rect.top + 2), 13,
               anchor="topright")
    bar = pygame.Rect(rect.left, rect.top + round(30 * scale), rect.width, round(12 * scale))
    seg = bar.width / len(MOODS)
    for i, m in enumerate(MOODS):
        part = pygame.Rect(bar.left + round(i * seg), bar.top, round(seg) - 2, bar.height)
        colour = MOOD_COLOURS[m]
        pygame.draw.rect(surface, colour if m == mood else tuple(c // 3 for c in colour), part)
        r = max(4, round(6 * scale))
        icons.mood(surface, m, (part.centerx, bar.bottom + r + round(5 * scale)), r)
    x = bar.left + round(bar.width * min(100.0, max(0.0, frustration)) / 100.0)
    k = round(7 * scale)
    pygame.draw.polygon(surface, TEXT, [(x, bar.top + round(2 * scale)), (x - k, bar.top - k + 1), (x + k, bar.top - k + 1)])


def draw_bar(surface: pygame.Surface, fonts: Fonts, rect: pygame.Rect, value: float, label: str,
             colour: tuple[int, int, int]) -> None:
    """A small labelled 0-100 bar (trust)."""
    text.muted(surface, fonts, label, rect.topleft, 13)
    bar = pygame.Rect(rect.left + fonts.width(label, 13) + 8, rect.top + 4, rect.width - fonts.width(label, 13) - 8,
                      max(4, rect.height - 8))
    pygame.draw.rect(surface, PANEL, bar)
    fill = bar.copy()
    fill.width = round(bar.width * min(100.0, max(0.0, value)) / 100.0)
    pygame.draw.rect(surface, colour, fill)


def bubble_height(fonts: Fonts, line: Line, width: int, scale: float) -> int:
    lines = fonts.wrap(line.text, width - round(20 * scale), 14)
    cap = round(17 * scale) if line.label else 0
    return len(lines) * fonts.line_height(14) + round(12 * scale) + cap


def draw_transcript(surface: pygame.Surface, fonts: Fonts, rect: pygame.Rect, lines: list[Line], scale: float) -> None:
    """The latest lines that fit, newest at the bottom; customer on the left, you on the right."""
    width = round(rect.width * 0.86)
    y = rect.bottom
    for line in reversed(lines):
        h = bubble_height(fonts, line, width, scale)
        if y - h < rect.top:
            break
        y -= h
        if line.who == "note":
            text.draw(surface, fonts, fonts.fit(line.text, rect.width, 13), (rect.centerx, y + h // 2), 13,
                      TONE_COLOURS.get(line.tone, MUTED), anchor="center")
            y -= round(6 * scale)
            continue
        left = line.who == "customer"
        box = pygame.Rect(rect.left if left else rect.right - width, y, width, h - round(4 * scale))
        pygame.draw.rect(surface, PANEL_2 if left else PANEL, box, border_radius=round(8 * scale))
        edge = TONE_COLOURS.get(line.tone, LINE) if line.tone != "neutral" else LINE
        pygame.draw.rect(surface, edge, box, 2 if line.tone != "neutral" else 1, border_radius=round(8 * scale))
        inner = box.inflate(-round(20 * scale), -round(10 * scale))
        ty = inner.top
        if line.label:
            text.draw(surface, fonts, fonts.fit(line.label, inner.width, 12), (inner.left, ty), 12,
                      TONE_COLOURS.get(line.tone, MUTED))
            ty += round(17 * scale)
        text.draw_wrapped(surface, fonts, line.text, pygame.Rect(inner.left, ty, inner.width, inner.bottom - ty + 4),
                          14, TEXT)
        y -= round(6 * scale)
