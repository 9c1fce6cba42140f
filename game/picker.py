"""The scenario picker: every shipped scenario with its briefing, objectives, stars and your best."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pygame

from sim import ScenarioError, list_scenarios, load_scenario
from sim.scenario import Scenario

from . import figures, icons, text
from .scene import Pop, Replace, Scene, Transition
from .theme import ACCENT, BAD, LINE, MUTED, PANEL, TEXT, WARN
from .ui import Action


def load_all(extra: str | None = None) -> list[tuple[str, Scenario | None, str]]:
    """(name, scenario or None, problem) for every shipped scenario, and `extra` (a file) first if given."""
    paths: list[str | Path] = list(list_scenarios())
    if extra and Path(extra).suffix == ".toml" and Path(extra).resolve() not in [Path(p).resolve() for p in paths]:
        paths.insert(0, extra)
    out: list[tuple[str, Scenario | None, str]] = []
    for path in paths:
        try:
            out.append((Path(path).stem, load_scenario(path), ""))
        except ScenarioError as exc:
            out.append((Path(path).stem, None, str(exc.problems[0]) if exc.problems else "cannot be loaded"))
    return out


UNLOCK_ALL_ENV = "SERVICEFLOOR_UNLOCK_ALL"  # an instructor's machine: every scenario open from the start


def curriculum(items: list[tuple[str, Scenario | None, str]], extra: str | None = None
               ) -> list[tuple[str, Scenario | None, str]]:
    """The trainee's path: a scenario file given on the command line first, then the tutorials, then
    the rest by difficulty (easiest first); pure-queue scenarios validate the queue, they are not played."""
    given = [it for it in items if extra and it[0] == Path(extra).stem and it[1] is not None
             and Path(extra).suffix == ".toml"][:1]
    rest = [it for it in items if it not in given and (it[1] is None or it[1].mode != "pure_queue")]
    rest.sort(key=lambda it: (it[1] is None, not (it[1] and it[1].tutorial), it[1].difficulty if it[1] else 9, it[0]))
    return given + rest


def locks(items: list[tuple[str, Scenario | None, str]], best: dict[str, dict[str, Any]],
          unlock_all: bool) -> list[str]:
    """Why each scenario is locked ('' when open): each opens with a star of the trainee's own in the one before."""
    out = []
    for i, (_stem, scen, _problem) in enumerate(items):
        before = items[i - 1][1] if i > 0 else None
        if unlock_all or i == 0 or scen is None or before is None or best.get(before.id, {}).get("stars", 0) >= 1:
            out.append("")
        else:
            out.append(f"Earn a star of your own in {before.name} first")
    return out


def shift_span(scen: Scenario) -> str:
    from sim.model import clock_text
    return f"{scen.start_clock}-{clock_text(scen.start_clock, scen.horizon_s)}"


class PickerScene(Scene):
    """Choose a scenario and a seed, then start the shift."""

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        self.items = curriculum(load_all(ctx.start_scenario), ctx.start_scenario)
        self.best = ctx.storage.best_results()
        unlock_all = bool(getattr(ctx.settings, "unlock_all", False)) or os.environ.get(UNLOCK_ALL_ENV) == "1"
        self.locked = locks(self.items, self.best, unlock_all)
        names = [stem for stem, _, _ in self.items]
        want = Path(ctx.settings.last_scenario).stem
        self.index = names.index(want) if want in names and not self.locked[names.index(want)] else 0

        self.seed = ctx.settings.seed

    @property
    def selected(self) -> Scenario | None:
        if not self.items or self.locked[self.index]:
            return None
        return self.items[self.index][1]

    def enter(self) -> None:
        ui = self.ui
        self.w = ui.group()
        x, y, bw = ui.px(32), ui.px(96), ui.px(330)
        first, count, bh = self.list_window()
        for i in range(first, first + count):
            stem, scen, problem = self.items[i]
            label = scen.name if scen else f"{stem} (cannot be loaded)"
            if scen is not None and scen.tutorial:
                label += "  \u00b7  start here"
            if self.locked[i]:
                label += "  (locked)"
            self.w.button(pygame.Rect(x, y, bw, bh), label, Action("select", i), cls="@row",
                          selected=i == self.index, enabled=scen is not None and not self.locked[i],
                          tip=problem or self.locked[i] or None)
            y += bh + ui.px(6)
        w, h = ui.size
        by = h - ui.px(76)
        self.w.button(pygame.Rect(w - ui.px(292), by, ui.px(260), ui.px(50)), "Start shift  (Enter)",
                      Action("start"), cls="@primary", enabled=self.selected is not None)
        self.w.button(pygame.Rect(ui.px(32), by, ui.px(160), ui.px(50)), "Back  (Esc)", Action("back"))
        sx = w - ui.px(560)
        self.w.button(pygame.Rect(sx, by + ui.px(5), ui.px(40), ui.px(40)), "-", Action("seed", -1), tip="Seed")
        self.w.button(pygame.Rect(sx + ui.px(150), by + ui.px(5), ui.px(40), ui.px(40)), "+", Action("seed", 1),
                      tip="Seed")
        self.seed_rect = pygame.Rect(sx + ui.px(40), by + ui.px(5), ui.px(110), ui.px(40))

    def list_window(self) -> tuple[int, int, int]:
        """(first row shown, rows shown, row height): rows shrink to fit, then scroll with the selection."""
        ui = self.ui
        room = ui.size[1] - ui.px(96 + 100)
        n = max(1, len(self.items))
        bh = max(ui.px(32), min(ui.px(46), room // n - ui.px(6)))
        count = min(n, max(1, room // (bh + ui.px(6))))
        first = min(max(0, self.index - count // 2), n - count)
        return first, count, bh

    def exit(self) -> None:
        self.w.clear()

    def handle(self, action: Action) -> Transition | None:
        if action.name == "select":
            self.index = int(action.arg)
            self.exit()
            self.enter()
        elif action.name in ("up", "down") and self.items:
            step = -1 if action.name == "up" else 1
            open_ = [i for i, why in enumerate(self.locked) if not why] or [0]
            at = open_.index(self.index) if self.index in open_ else 0
            self.index = open_[(at + step) % len(open_)]
            self.exit()
            self.enter()
        elif action.name == "seed":
            self.seed = max(0, self.seed + int(action.arg))
        elif action.name in ("start", "confirm") and self.selected is not None:
            return self._start(self.selected)
        elif action.name == "back":
            return Pop()
        return None

    def _start(self, scen: Scenario) -> Transition:
        from .floor import FloorScene
        from .session import Session
        s = self.ctx.settings
        s.last_scenario, s.seed = self.items[self.index][0], self.seed
        self.ctx.storage.save_settings(s)
        self.ctx.storage.discard_autosave()
        play = self.ctx.storage.start_play(scen.id, self.seed)  # a replay of this seed hears other words
        return Replace(FloorScene(self.ctx, Session(scen, seed=self.seed, play=play)))

    def draw(self, surface: pygame.Surface) -> None:
        ui, f = self.ui, self.ui.fonts
        w, h = surface.get_size()
        text.draw(surface, f, "Choose a shift", (ui.px(32), ui.px(28)), 28, TEXT, bold=True)
        text.muted(surface, f, "Up/Down to choose, Enter to start", (ui.px(34), ui.px(66)), 13)
        box = pygame.Rect(ui.px(390), ui.px(96), w - ui.px(422), h - ui.px(96 + 100))
        pygame.draw.rect(surface, PANEL, box, border_radius=ui.px(6))
        seed_box = self.seed_rect
        pygame.draw.rect(surface, PANEL, seed_box)
        text.draw(surface, f, f"Seed {self.seed}", seed_box.center, 15, TEXT, anchor="center")
        scen = self.selected
        if scen is None:
            text.draw(surface, f, "This scenario file cannot be loaded.", box.move(ui.px(20), ui.px(20)).topleft, 16, BAD)
            return
        self._details(surface, scen, box.inflate(-ui.px(40), -ui.px(36)))

    def _details(self, surface: pygame.Surface, scen: Scenario, r: pygame.Rect) -> None:
        ui, f = self.ui, self.ui.fonts
        text.draw(surface, f, scen.name, r.topleft, 24, ACCENT, bold=True)
        y = r.top + ui.px(40)
        text.muted(surface, f, "Difficulty", (r.left, y + ui.px(2)), 14)
        for i in range(5):
            icons.star(surface, (r.left + ui.px(96 + 22 * i), y + ui.px(10)), ui.px(9), i < scen.difficulty, WARN)
        span = f"{shift_span(scen)}  ·  {', '.join(c.name for c in scen.channels.values() if c.id in scen.arrivals)}"
        text.muted(surface, f, span, (r.left + ui.px(230), y + ui.px(2)), 14)
        y += ui.px(34)
        y = text.draw_wrapped(surface, f, " ".join(scen.briefing.split()), pygame.Rect(r.left, y, r.width, ui.px(110)),
                              15, TEXT) + ui.px(12)
        text.draw(surface, f, "Objectives", (r.left, y), 16, TEXT, bold=True)
        y += ui.px(26)
        for obj in scen.objectives or ("Serve customers well: loyalty, speed and accuracy",):
            y = text.draw_wrapped(surface, f, "•  " + figures.objective_text(obj), pygame.Rect(r.left + ui.px(8), y, r.width - ui.px(8),
                                  ui.px(44)), 15, TEXT) + ui.px(2)
        y += ui.px(10)
        text.draw(surface, f, "Stars", (r.left, y), 16, TEXT, bold=True)
        x = r.left + ui.px(70)
        for n, threshold in enumerate(scen.scoring.stars, start=1):
            for k in range(n):
                icons.star(surface, (x + ui.px(9 + 18 * k), y + ui.px(10)), ui.px(8), True, WARN)
            text.draw(surface, f, f"{threshold:g}+", (x + ui.px(20 + 18 * n), y), 15, TEXT)
            x += ui.px(120)
        y += ui.px(34)
        levers = ", ".join(k.replace("_", " ") for k in scen.levers) or "none"
        y = text.draw_wrapped(surface, f, f"Levers you can pull: {levers}", pygame.Rect(r.left, y, r.width, ui.px(44)),
                              14, MUTED) + ui.px(10)
        pygame.draw.line(surface, LINE, (r.left, y), (r.right, y))
        y += ui.px(12)
        best = self.best.get(scen.id)
        if best:
            text.draw(surface, f, f"Your best: {best['score']:.1f}", (r.left, y), 17, TEXT, bold=True)
            for k in range(3):
                icons.star(surface, (r.left + ui.px(170 + 22 * k), y + ui.px(11)), ui.px(9), k < best["stars"], WARN)
            text.muted(surface, f, f"seed {best['seed']}", (r.left + ui.px(250), y + ui.px(3)), 14)
        else:
            text.draw(surface, f, "Not played yet", (r.left, y), 17, MUTED)
