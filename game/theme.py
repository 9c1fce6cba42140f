"""Colours, sizes and the pygame_gui theme, scaled to the window.

Colours follow the Okabe-Ito palette, which stays distinguishable for the
common kinds of colour blindness; every mood and agent state also has its own
shape (see ``icons.py``), so colour is never the only cue.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sim.scenario import assets_dir

BASE_SIZE = (1280, 720)
MIN_SIZE = (960, 540)
BASE_FONT = 15

BG = (22, 26, 32)
PANEL = (32, 38, 46)
PANEL_2 = (42, 50, 60)
LINE = (66, 78, 92)
TEXT = (232, 236, 240)
MUTED = (163, 174, 186)
ACCENT = (86, 180, 233)  # sky blue
GOOD = (0, 158, 115)  # bluish green
WARN = (240, 228, 66)  # yellow
ORANGE = (230, 159, 0)
BAD = (213, 94, 0)  # vermillion
PURPLE = (204, 121, 167)

MOOD_COLOURS = {
    "calm": ACCENT,
    "uneasy": GOOD,
    "annoyed": WARN,
    "angry": ORANGE,
    "furious": BAD,
}
MOODS = tuple(MOOD_COLOURS)

STATE_STYLE = {  # state: (colour, short word)
    "idle": (GOOD, "idle"),
    "talking": (ACCENT, "talking"),
    "wrap_up": (WARN, "wrap-up"),
    "followup": (PURPLE, "follow-up"),
    "training": ((150, 160, 172), "training"),
    "sick": (BAD, "sick"),
    "off": ((90, 98, 108), "off"),
}

TONE_COLOURS = {"good": GOOD, "ok": ACCENT, "neutral": MUTED, "mixed": WARN, "poor": BAD, "bad": BAD}


def scale_for(size: tuple[int, int]) -> float:
    """UI scale for a window size: 1.0 at 1280x720, in steps of 1/8 so themes are reused."""
    s = min(size[0] / BASE_SIZE[0], size[1] / BASE_SIZE[1])
    s = max(0.75, min(2.0, s))
    return round(s * 8) / 8


def font_path(bold: bool = False) -> Path:
    return assets_dir() / "fonts" / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")


def gui_theme(scale: float) -> dict[str, Any]:
    """The pygame_gui theme from ``assets/ui/theme.json`` with font sizes scaled and paths filled in."""
    path = assets_dir() / "ui" / "theme.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raw = {"defaults": {"font": {"name": "dejavu", "size": str(BASE_FONT)}}}
    theme = copy.deepcopy(raw)
    for block in theme.values():
        font = block.get("font") if isinstance(block, dict) else None
        if isinstance(font, dict):
            font["size"] = str(max(12, round(int(font.get("size", BASE_FONT)) * scale)))
            font["regular_path"] = str(font_path(False))
            font["bold_path"] = str(font_path(True))
            font.setdefault("name", "dejavu")
    return theme
