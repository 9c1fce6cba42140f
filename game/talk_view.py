"""Drawing a conversation: the mood meter, the transcript bubbles and the response options.

The options show the words the trainee would say, with the response kind as a
small tag on the card's top edge and the number key on the left.  Their size
is computed here (`option_rects`) so the widgets that take the clicks and the
cards drawn under them always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from sim.conversation import band

from . import icons, text
from .text import Fonts
from .theme import ACCENT, LINE, MOOD_COLOURS, MOODS, MUTED, PANEL, PANEL_2, TEXT, TONE_COLOURS

OPTION_SIZE = 14  # the words
TAG_SIZE = 12  # the response kind, on the card's top edge
OPTION_LINES = 2  # the most lines a wording may take at the smallest window (the content linter checks)
CUSTOMER_LINES = 3  # the most lines a customer's line may take in a bubble at the smallest window
BUBBLE_SHARE = 0.86  # a bubble's width, as a share of the transcript's
_PAD_X, _PAD_TOP, _PAD_BOTTOM, _KEY_W, _KEY_GAP, _GAP = 10, 9, 7, 20, 8, 9  # base units (1280x720)


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


def draw_mood_row(surface: pygame.Surface, fonts: Fonts, rect: pygame.Rect, frustration: float, trust: float,
                  scale: float) -> None:
    """The compact meter of a live call: mood and trust on one line, the five bands under it."""
    mood = band(frustration)
    text.draw(surface, fonts, f"Mood: {mood}", rect.topleft, 14, TEXT, bold=True)
    text.muted(surface, fonts, f"frustration {frustration:.0f}", (rect.right, rect.top + 1), 13, anchor="topright")
    mid = pygame.Rect(rect.left + round(rect.width * 0.36), rect.top + 1, round(rect.width * 0.3), round(16 * scale))
    draw_bar(surface, fonts, mid, trust, "trust", (86, 180, 233))
    bar = pygame.Rect(rect.left, rect.top + round(24 * scale), rect.width, round(8 * scale))
    seg = bar.width / len(MOODS)
    r = max(4, round(5 * scale))
    for i, m in enumerate(MOODS):
        part = pygame.Rect(bar.left + round(i * seg), bar.top, round(seg) - 2, bar.height)
        colour = MOOD_COLOURS[m]
        pygame.draw.rect(surface, colour if m == mood else tuple(c // 3 for c in colour), part)
        icons.mood(surface, m, (part.centerx, bar.bottom + r + round(3 * scale)), r)
    x = bar.left + round(bar.width * min(100.0, max(0.0, frustration)) / 100.0)
    k = round(6 * scale)
    pygame.draw.polygon(surface, TEXT, [(x, bar.top + round(2 * scale)), (x - k, bar.top - k + 1), (x + k, bar.top - k + 1)])


MOOD_ROW_HEIGHT = 46  # base units taken by draw_mood_row


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


def bubble_text_width(width: int, scale: float) -> int:
    """How wide the words in a bubble run, in a transcript `width` pixels wide."""
    return round(width * BUBBLE_SHARE) - round(20 * scale)


def bubble_height(fonts: Fonts, line: Line, width: int, scale: float) -> int:
    lines = fonts.wrap(line.text, width - round(20 * scale), 14)
    cap = round(17 * scale) if line.label else 0
    return len(lines) * fonts.line_height(14) + round(12 * scale) + cap


def draw_transcript(surface: pygame.Surface, fonts: Fonts, rect: pygame.Rect, lines: list[Line], scale: float) -> None:
    """The latest lines that fit, newest at the bottom; customer on the left, you on the right."""
    width = round(rect.width * BUBBLE_SHARE)
    y = rect.bottom
    clip = surface.get_clip()
    surface.set_clip(rect.clip(clip))  # the newest line is drawn even when only its end fits
    try:
        _draw_lines(surface, fonts, rect, lines, scale, width, y)
    finally:
        surface.set_clip(clip)


def _draw_lines(surface: pygame.Surface, fonts: Fonts, rect: pygame.Rect, lines: list[Line], scale: float,
                width: int, y: int) -> None:
    for i, line in enumerate(reversed(lines)):
        h = bubble_height(fonts, line, width, scale)
        if y - h < rect.top and i:
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


# -- response options ---------------------------------------------------------


def _px(n: float, scale: float) -> int:
    return round(n * scale)


def option_text_width(width: int, scale: float) -> int:
    """How wide the words of an option may run in a card `width` pixels wide."""
    return width - _px(2 * _PAD_X + _KEY_W + _KEY_GAP, scale)


def option_height(fonts: Fonts, words: str, width: int, scale: float) -> int:
    lines = len(fonts.wrap(words, option_text_width(width, scale), OPTION_SIZE))
    return lines * fonts.line_height(OPTION_SIZE) + _px(_PAD_TOP + _PAD_BOTTOM, scale)


def option_gap(fonts: Fonts, scale: float) -> int:
    """Space between cards: room for the upper half of the next card's tag."""
    return max(_px(_GAP, scale), fonts.line_height(TAG_SIZE) // 2 + 2)


def option_rects(fonts: Fonts, left: int, bottom: int, width: int, words: list[str], scale: float) -> list[pygame.Rect]:
    """The cards of the options, stacked so the last one ends at `bottom`; in the order given."""
    gap = option_gap(fonts, scale)
    rects: list[pygame.Rect] = []
    y = bottom
    for w in reversed(words):
        h = option_height(fonts, w, width, scale)
        rects.append(pygame.Rect(left, y - h, width, h))
        y -= h + gap
    return rects[::-1]


def draw_option(surface: pygame.Surface, fonts: Fonts, rect: pygame.Rect, number: int, words: str, tag: str,
                scale: float, hovered: bool = False, bg: tuple[int, int, int] = PANEL) -> None:
    """One option: the number key, the words to say, and the kind of response as a tag on the top edge."""
    radius = _px(6, scale)
    pygame.draw.rect(surface, (58, 80, 104) if hovered else (43, 58, 74), rect, border_radius=radius)
    pygame.draw.rect(surface, ACCENT if hovered else (86, 140, 180), rect, 2 if hovered else 1, border_radius=radius)
    key = pygame.Rect(rect.left + _px(_PAD_X, scale), rect.top + _px(_PAD_TOP, scale), _px(_KEY_W, scale),
                      fonts.line_height(OPTION_SIZE))
    pygame.draw.rect(surface, ACCENT if hovered else (31, 111, 158), key, border_radius=_px(4, scale))
    text.draw(surface, fonts, str(number), key.center, 13, TEXT, bold=True, anchor="center")
    body = pygame.Rect(key.right + _px(_KEY_GAP, scale), key.top, option_text_width(rect.width, scale),
                       rect.bottom - key.top)
    text.draw_wrapped(surface, fonts, words, body, OPTION_SIZE, TEXT)
    if tag:
        room = rect.width - _px(2 * _PAD_X + 24, scale)
        label = fonts.fit(tag, room, TAG_SIZE)
        tw, th = fonts.width(label, TAG_SIZE), fonts.line_height(TAG_SIZE)
        box = pygame.Rect(rect.right - _px(_PAD_X + 8, scale) - tw - _px(6, scale), rect.top - th // 2,
                          tw + _px(12, scale), th)
        pygame.draw.rect(surface, bg, box, border_radius=_px(4, scale))
        text.draw(surface, fonts, label, box.center, TAG_SIZE, ACCENT if hovered else MUTED, anchor="center")
