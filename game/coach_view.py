"""The tutorial coach's card beside the floor: the four CARP steps, where this call is, what to do now.

Everything it says comes from `sim.coach` (the step, the steps taken, the words);
this module only lays it out.  No rules here.
"""

from __future__ import annotations

import pygame

from sim.coach import STEPS, Coaching

from . import text
from .text import Fonts
from .theme import ACCENT, BG, GOOD, LINE, MUTED, PANEL, PANEL_2, TEXT, TONE_COLOURS

CHECK = "\u2713"


def draw_coach(surface: pygame.Surface, fonts: Fonts, rect: pygame.Rect, coaching: Coaching | None,
               steps: tuple[tuple[str, str], ...], caller: str, scale: float, note_tone: str = "neutral") -> None:
    """The card: a strip of the four steps, the current step's advice, the last reply, the caller's note,
    and at the bottom, if there is room, what each step means."""

    def px(n: float) -> int:
        return round(n * scale)

    pygame.draw.rect(surface, PANEL, rect, border_radius=px(8))
    pygame.draw.rect(surface, ACCENT, rect, 1, border_radius=px(8))
    inner = rect.inflate(-px(28), -px(24))
    text.draw(surface, fonts, "Coach", inner.topleft, 16, ACCENT, bold=True)
    text.muted(surface, fonts, "CARP, one step at a time", (inner.right, inner.top + px(2)), 13, anchor="topright")
    y = inner.top + px(30)
    chip_h = max(px(30), fonts.line_height(13) + px(10))
    gap = px(6)
    chip_w = (inner.width - gap * (len(STEPS) - 1)) // len(STEPS)
    for i, step in enumerate(STEPS):
        chip = pygame.Rect(inner.left + i * (chip_w + gap), y, chip_w, chip_h)
        now = coaching is not None and coaching.step == step
        done = coaching is not None and step in coaching.done and not now
        title = steps[i][0] if i < len(steps) else step
        label = f"{i + 1} {title}" + (f" {CHECK}" if done else "")
        if now:
            pygame.draw.rect(surface, ACCENT, chip, border_radius=px(5))
            colour = BG
        else:
            pygame.draw.rect(surface, PANEL_2, chip, border_radius=px(5))
            pygame.draw.rect(surface, GOOD if done else LINE, chip, 1, border_radius=px(5))
            colour = GOOD if done else MUTED
        text.draw(surface, fonts, fonts.fit(label, chip.width - px(8), 13, bold=now), chip.center, 13, colour,
                  bold=now, anchor="center")
    y += chip_h + px(16)
    inner = pygame.Rect(inner.left, inner.top, inner.width, _draw_key(surface, fonts, inner, steps, y, scale) - inner.top)
    if coaching is None:
        text.draw_wrapped(surface, fonts, "Between callers the clock runs: 16x skips ahead. It stops again the moment "
                          "the next caller is waiting for you.", pygame.Rect(inner.left, y, inner.width,
                                                                             inner.bottom - y), 14, MUTED)
        return
    text.draw(surface, fonts, coaching.headline, (inner.left, y), 17, TEXT, bold=True)
    y += fonts.line_height(17) + px(6)
    y = text.draw_wrapped(surface, fonts, coaching.text, pygame.Rect(inner.left, y, inner.width, inner.bottom - y),
                          15, TEXT) + px(10)
    if coaching.note and y < inner.bottom:
        y = text.draw_wrapped(surface, fonts, "Last reply: " + coaching.note,
                              pygame.Rect(inner.left, y, inner.width, inner.bottom - y), 14,
                              TONE_COLOURS.get(note_tone, MUTED)) + px(10)
    if caller and y < inner.bottom:
        text.draw_wrapped(surface, fonts, "About this caller: " + caller,
                          pygame.Rect(inner.left, y, inner.width, inner.bottom - y), 13, MUTED)



def _draw_key(surface: pygame.Surface, fonts: Fonts, inner: pygame.Rect, steps: tuple[tuple[str, str], ...],
              top: int, scale: float) -> int:
    """What each step means, at the bottom of the card if it leaves room for the advice; returns its top."""
    lh = fonts.line_height(13)
    rows = [(f"{i + 1} {title}", summary) for i, (title, summary) in enumerate(steps) if summary]
    height = len(rows) * (lh + round(3 * scale)) + round(14 * scale)
    if not rows or inner.bottom - height - top < round(150 * scale):
        return inner.bottom
    y = inner.bottom - height
    pygame.draw.line(surface, LINE, (inner.left, y), (inner.right, y))
    y += round(10 * scale)
    col = max(fonts.width(name, 13, bold=True) for name, _ in rows) + round(12 * scale)
    for name, summary in rows:
        text.draw(surface, fonts, name, (inner.left, y), 13, MUTED, bold=True)
        text.draw(surface, fonts, fonts.fit(summary, inner.width - col, 13), (inner.left + col, y), 13, MUTED)
        y += lh + round(3 * scale)
    return inner.bottom - height - round(8 * scale)
