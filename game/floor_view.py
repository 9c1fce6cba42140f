"""Drawing the floor from a snapshot: the queues per channel and the team.

Pure drawing plus the layout functions that clicks are tested against; the
layout depends only on the rectangle and the number of items, so `draw` and
hit-testing always agree and drawing changes nothing.
"""

from __future__ import annotations

import pygame

from sim import Snapshot
from sim.model import AgentView, WaitingView

from . import icons, text
from .text import Fonts
from .theme import ACCENT, LINE, MOODS, MUTED, PANEL, PANEL_2, STATE_STYLE, TEXT, WARN

CHANNEL_ORDER = ("phone", "chat", "email", "web")


def fmt_wait(seconds: float) -> str:
    s = int(max(0.0, seconds))
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def _tile_text_h(fonts: Fonts) -> int:
    """Height a tile needs for its name, its state word and the stress bar."""
    return fonts.line_height(13) + fonts.line_height(12) + round(11 * fonts.scale)


def agent_tiles(area: pygame.Rect, n: int, fonts: Fonts) -> list[pygame.Rect]:
    """Where the n agent tiles go inside `area` (row by row, shrinking to fit)."""
    if n <= 0:
        return []
    scale = fonts.scale
    gap = max(2, round(4 * scale))
    tw, th = max(round(104 * scale), 92), max(round(42 * scale), _tile_text_h(fonts))
    cols = max(1, (area.width + gap) // (tw + gap))
    rows = -(-n // cols)
    if rows * (th + gap) > area.height:
        th = max(round(24 * scale), min(th, area.height // rows - gap))
        tw = max(round(80 * scale), (area.width + gap) // cols - gap)
    return [pygame.Rect(area.left + (i % cols) * (tw + gap), area.top + (i // cols) * (th + gap), tw, th)
            for i in range(n)]


def agent_at(area: pygame.Rect, agents: tuple[AgentView, ...], fonts: Fonts, pos: tuple[int, int]) -> AgentView | None:
    for rect, a in zip(agent_tiles(area, len(agents), fonts), agents):
        if rect.collidepoint(pos):
            return a
    return None


def draw_legend(surface: pygame.Surface, fonts: Fonts, pos: tuple[int, int], scale: float) -> None:
    x, y = pos
    r = max(5, round(7 * scale))
    for band in MOODS:
        icons.mood(surface, band, (x + r, y + r + 1), r)
        x = text.muted(surface, fonts, band, (x + 2 * r + round(5 * scale), y - 1), 13).right + round(12 * scale)
    icons.mood(surface, "calm", (x + r, y + r + 1), r, outline=True)
    text.muted(surface, fonts, "callback", (x + 2 * r + round(5 * scale), y - 1), 13)


def draw_queues(surface: pygame.Surface, fonts: Fonts, area: pygame.Rect, snap: Snapshot, names: dict[str, str],
                scale: float) -> None:
    """One row per channel in `names`: the count, the longest wait, and every waiting customer as a mood icon."""
    chans = [c for c in CHANNEL_ORDER if c in snap.queues and c in names]
    if not chans:
        return
    row_h = area.height // len(chans)
    label_w = max(round(150 * scale), fonts.width("99 waiting  longest 0:00", 13) + round(18 * scale))
    cell = max(10, round(17 * scale))
    r = max(4, cell // 2 - 2)
    for i, ch in enumerate(chans):
        row = pygame.Rect(area.left, area.top + i * row_h, area.width, row_h - round(4 * scale))
        pygame.draw.rect(surface, PANEL, row, border_radius=round(4 * scale))
        waiting = snap.queues[ch]
        text.draw(surface, fonts, names.get(ch, ch), (row.left + round(10 * scale), row.top + round(5 * scale)), 15,
                  TEXT, bold=True)
        colour = WARN if len(waiting) >= 10 else TEXT
        y2 = row.top + round(7 * scale) + fonts.line_height(15)
        count = text.draw(surface, fonts, f"{len(waiting)} waiting", (row.left + round(10 * scale), y2), 13, colour)
        if waiting:
            longest = max(w.waited_s for w in waiting)
            text.muted(surface, fonts, f"longest {fmt_wait(longest)}", (count.right + round(8 * scale), y2 + 1), 12)
        _draw_icons(surface, fonts, pygame.Rect(row.left + label_w, row.top + round(4 * scale),
                                                row.width - label_w - round(6 * scale), row.height - round(8 * scale)),
                    waiting, cell, r)


def _draw_icons(surface: pygame.Surface, fonts: Fonts, box: pygame.Rect, waiting: tuple[WaitingView, ...],
                cell: int, r: int) -> None:
    cols = max(1, box.width // cell)
    rows = max(1, box.height // cell)
    capacity = cols * rows
    shown = waiting if len(waiting) <= capacity else waiting[:capacity - 2]
    for j, w in enumerate(shown):
        cx = box.left + (j % cols) * cell + cell // 2
        cy = box.top + (j // cols) * cell + cell // 2
        icons.mood(surface, w.mood, (cx, cy), r, outline=w.callback)
    if len(shown) < len(waiting):
        j = len(shown)
        pos = (box.left + (j % cols) * cell, box.top + (j // cols) * cell + cell // 2)
        text.draw(surface, fonts, f"+{len(waiting) - len(shown)}", pos, 12, TEXT, bold=True, anchor="midleft")


def draw_agents(surface: pygame.Surface, fonts: Fonts, area: pygame.Rect, agents: tuple[AgentView, ...]) -> None:
    """A tile per agent on the floor: name, state (glyph and word), stress."""
    scale = fonts.scale
    full = _tile_text_h(fonts)
    for rect, a in zip(agent_tiles(area, len(agents), fonts), agents):
        colour, word = STATE_STYLE.get(a.state, STATE_STYLE["off"])
        pygame.draw.rect(surface, PANEL_2 if a.state not in ("off", "sick", "training") else PANEL, rect,
                         border_radius=round(4 * scale))
        border = ACCENT if a.trainee else LINE
        pygame.draw.rect(surface, border, rect, 3 if a.trainee else 1, border_radius=round(4 * scale))
        ir = max(4, round(7 * scale))
        icons.agent_state(surface, a.state, (rect.left + ir + round(6 * scale), rect.top + rect.height // 2), ir)
        tx = rect.left + 2 * ir + round(12 * scale)
        tw = rect.right - tx - round(4 * scale)
        name = ("YOU: " if a.trainee else "") + a.name
        text.draw(surface, fonts, fonts.fit(name, tw, 13, bold=a.trainee), (tx, rect.top + round(3 * scale)), 13,
                  TEXT, bold=a.trainee)
        if rect.height >= full:
            text.draw(surface, fonts, fonts.fit(word, tw, 12), (tx, rect.top + round(2 * scale) + fonts.line_height(13)),
                      12, colour)
        bar = pygame.Rect(rect.left + round(4 * scale), rect.bottom - round(5 * scale),
                          rect.width - round(8 * scale), max(2, round(3 * scale)))
        pygame.draw.rect(surface, PANEL, bar)
        fill = bar.copy()
        fill.width = round(bar.width * min(1.0, max(0.0, a.stress)))
        pygame.draw.rect(surface, WARN if a.stressed else MUTED, fill)
        if a.stressed:
            icons.stress_mark(surface, (rect.right - round(10 * scale), rect.top + round(11 * scale)),
                              max(4, round(6 * scale)))
