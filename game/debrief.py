"""The debrief at the end of a shift: scores against the stars, charts, your calls, lost customers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pygame

from sim import debrief
from sim.model import clock_text
from sim.runner import Result, result_document

from . import figures, icons, text
from .review_view import conversation_title, draw_step, step_height, step_texts
from .scene import Pop, Push, Replace, Scene, Transition
from .theme import ACCENT, BAD, GOOD, LINE, MUTED, PANEL, PANEL_2, TEXT, WARN
from .ui import Action
from .workshop_seat import Sender

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context

SHORT_REASONS = {"abandoned": "hung up", "churned": "left us", "silent": "left without a word",
                 "came back angrier": "came back angrier"}
TABS = (("scores", "Scores"), ("charts", "Charts"), ("calls", "Your calls"), ("lost", "Lost customers"))


class DebriefScene(Scene):
    """How the shift went, and why."""

    def __init__(self, ctx: Context, result: Result, path: Path | None, names: dict[int, str]) -> None:
        super().__init__(ctx)
        self.result, self.path, self.names = result, path, names
        self.tab = "scores"
        self.convs = debrief.trainee_conversations(result)
        self.lost = debrief.lost_customers(result)
        self.conv_index = 0
        self.step_offset = 0
        self.pages = {"calls": 0, "lost": 0}
        self.chart: pygame.Surface | None = None
        self.chart_key: tuple[int, int] | None = None
        self.sender: Sender | None = None
        if ctx.workshop is not None:  # a workshop shift: the result goes to the instructor (or to a file)
            self.sender = Sender(ctx.storage.home, ctx.workshop, result_document(result, player=ctx.workshop.name))
            ctx.workshop = None

    # -- layout -----------------------------------------------------------
    def content(self) -> pygame.Rect:
        ui = self.ui
        return pygame.Rect(ui.px(24), ui.px(122), ui.size[0] - ui.px(48), ui.size[1] - ui.px(122 + 20))

    def rows_per_page(self) -> int:
        return max(3, (self.content().height - self.ui.px(90)) // self.ui.px(44))

    def list_rect(self) -> pygame.Rect:
        c = self.content()
        width = self.ui.px(430) if self.tab == "calls" else self.ui.px(660)
        return pygame.Rect(c.left, c.top + self.ui.px(34), min(width, c.width * 55 // 100), c.height - self.ui.px(90))

    # -- widgets ----------------------------------------------------------
    def enter(self) -> None:
        ui = self.ui
        self.w = ui.group()
        x = ui.px(24)
        for key, label in TABS:
            self.w.button(pygame.Rect(x, ui.px(72), ui.px(170), ui.px(36)), label, Action("tab", key), cls="@tab",
                          selected=self.tab == key)
            x += ui.px(176)
        self.w.button(pygame.Rect(ui.size[0] - ui.px(214), ui.px(20), ui.px(190), ui.px(40)), "Back to title  (Esc)",
                      Action("back"))
        if self.sender is not None:  # a workshop at one machine: the next trainee joins the same session
            self.w.button(pygame.Rect(ui.size[0] - ui.px(404), ui.px(20), ui.px(180), ui.px(40)), "Next trainee",
                          Action("next_trainee"), tip="Join the same workshop under another name")
        if self.tab == "calls":
            self._calls_widgets()
        elif self.tab == "lost":
            self._lost_widgets()

    def _paged_rows(self, key: str, items: list[tuple[str, Action]]) -> None:
        ui, r = self.ui, self.list_rect()
        n = self.rows_per_page()
        page = self.pages[key]
        for i, (label, action) in enumerate(items[page * n:(page + 1) * n]):
            self.w.button(pygame.Rect(r.left, r.top + i * ui.px(44), r.width, ui.px(40)),
                          ui.fonts.fit(label, r.width - ui.px(24), 15), action, cls="@row")
        pages = max(1, -(-len(items) // n))
        y = r.bottom + ui.px(12)
        self.w.button(pygame.Rect(r.left, y, ui.px(110), ui.px(36)), "◀ Prev", Action("page", -1), enabled=page > 0)
        self.w.button(pygame.Rect(r.right - ui.px(110), y, ui.px(110), ui.px(36)), "Next ▶", Action("page", 1),
                      enabled=page < pages - 1)

    def _calls_widgets(self) -> None:
        scen = self.result.scenario
        items = [(f"{clock_text(scen.start_clock, c.steps[0].time if c.steps else 0)}  {conversation_title(c, scen)}",
                  Action("conv", i)) for i, c in enumerate(self.convs)]
        self._paged_rows("calls", items)
        if self.convs:
            ui, c = self.ui, self.content()
            self.w.button(pygame.Rect(c.right - ui.px(250), c.top - ui.px(2), ui.px(250), ui.px(36)),
                          "Replay this conversation", Action("replay", self.convs[self.conv_index].contact_id))

    def _lost_widgets(self) -> None:
        scen = self.result.scenario
        items = []
        for lost in self.lost:
            seg = scen.segments[lost.segment].name if lost.segment in scen.segments else "Caller"
            goal = scen.goals[lost.goal].name if lost.goal in scen.goals else ""
            why = ", ".join(SHORT_REASONS.get(r, r) for r in lost.reasons)
            label = f"{clock_text(scen.start_clock, lost.arrival)}  {seg}{' · ' + goal if goal else ''}:  {why}"
            items.append((label, Action("trace", lost.customer_id)))
        self._paged_rows("lost", items)

    def exit(self) -> None:
        self.w.clear()

    # -- actions ----------------------------------------------------------
    def handle(self, action: Action) -> Transition | None:
        name, arg = action.name, action.arg
        if name == "back":
            return Pop()
        if name in ("tab", "next_tab"):
            keys = [k for k, _ in TABS]
            self.tab = arg if name == "tab" else keys[(keys.index(self.tab) + 1) % len(keys)]
            self._relayout()
        elif name == "page" and self.tab in self.pages:
            self.pages[self.tab] = max(0, self.pages[self.tab] + int(arg))
            self._relayout()
        elif name == "conv":
            self.conv_index, self.step_offset = int(arg), 0
            self._relayout()
        elif name in ("up", "down", "prev", "next") and self.tab == "calls" and self.convs:
            steps = len(self.convs[self.conv_index].steps)
            self.step_offset = max(0, min(steps - 1, self.step_offset + (1 if name in ("down", "next") else -1)))
        elif name == "next_trainee" and self.sender is not None:
            from .join import JoinScene
            self.sender.wait(30)  # this trainee's result is in (or saved) before the next one starts
            return Replace(JoinScene(self.ctx))
        elif name == "replay":
            from .replay_view import ReplayScene
            return Push(ReplayScene(self.ctx, self.result, int(arg), self.names))
        elif name == "trace":
            from .trace import TraceScene
            return Push(TraceScene(self.ctx, self.result, int(arg), self.names))
        return None

    def _relayout(self) -> None:
        self.exit()
        self.enter()

    def update(self, dt: float) -> Transition | None:
        if self.tab == "charts":
            size = self.content().size
            if self.chart is None or self.chart_key != size:
                from .charts import render
                self.chart, self.chart_key = render(self.result, size, self.ui.scale), size
        return None

    # -- drawing ----------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        ui, f = self.ui, self.ui.fonts
        scen = self.result.scenario
        text.draw(surface, f, f"Debrief: {scen.name}", (ui.px(24), ui.px(18)), 26, TEXT, bold=True)
        saved = f"seed {self.result.seed}  ·  " + (f"result saved as {self.path.name}" if self.path else "result not saved")
        colour = MUTED
        if self.sender is not None:
            sent = self.sender.poll()
            saved = "Sending your result to the workshop..." if sent is None else sent.message
            colour = MUTED if sent is None else GOOD if sent.sent else WARN
        room = ui.size[0] - ui.px(450 if self.sender is not None else 260)  # clear of the buttons at the right
        text.draw(surface, f, f.fit(saved, room, 13), (ui.px(26), ui.px(52)), 13, colour)
        c = self.content()
        if self.tab == "scores":
            self._draw_scores(surface, c)
        elif self.tab == "charts":
            if self.chart is not None:
                surface.blit(self.chart, c.topleft)
        elif self.tab == "calls":
            self._draw_calls(surface, c)
        else:
            self._draw_lost(surface, c)

    def shown_figures(self) -> list[tuple[str, str, str]]:
        """The figures the scores tab shows (tests compare them with a headless replay)."""
        return figures.figures(self.result.scores)

    def scored(self) -> tuple[dict[str, Any], bool]:
        """The scores the debrief leads with: the trainee's own calls, or (no call taken) the team's shift."""
        scores = self.result.scores
        mine = scores.get("trainee") or {}
        own = int(mine.get("calls", 0)) > 0
        return (mine if own else scores), own

    def _draw_scores(self, surface: pygame.Surface, c: pygame.Rect) -> None:
        ui, f = self.ui, self.ui.fonts
        scen = self.result.scenario
        shown, own = self.scored()
        head = figures.headline(shown)
        left = pygame.Rect(c.left, c.top, c.width * 45 // 100, c.height)
        pygame.draw.rect(surface, PANEL, left, border_radius=ui.px(6))
        x, y = left.left + ui.px(24), left.top + ui.px(18)
        team = self.result.scores["overall"]
        if own:
            mine = self.result.scores["trainee"]
            calls = f"{mine['calls']} call{'s' if mine['calls'] != 1 else ''}"
            who = f"{mine['customers']} customer{'s' if mine['customers'] != 1 else ''}"
            text.draw(surface, f, f"Your calls: {calls} with {who}", (x, y), 16, MUTED)
        else:
            text.draw(surface, f, "The team's shift", (x, y), 16, MUTED)
        text.draw(surface, f, head["overall"], (x, y + ui.px(22)), 44, TEXT, bold=True)
        if own:
            stars = int(head["stars"])
            for k in range(3):
                icons.star(surface, (x + ui.px(190 + 44 * k), y + ui.px(50)), ui.px(18), k < stars, WARN)
            thresholds = ", ".join(f"{t:g}" for t in scen.scoring.stars)
            note = (f"Stars at {thresholds}. The team's whole shift, you as one agent: {team['score']:.1f}, "
                    f"{team['stars']} star{'s' if team['stars'] != 1 else ''}")
        else:
            note = "You took no call this shift, so there are no stars of yours: take calls (T) to be scored."
        text.muted(surface, f, f.fit(note, left.width - ui.px(48), 13), (x, y + ui.px(84)), 13)
        y += ui.px(118)
        s = scen.scoring
        for key, label, weight in (("loyalty", "Loyalty", s.loyalty_weight), ("speed", "Speed", s.speed_weight),
                                   ("accuracy", "Accuracy", s.accuracy_weight)):
            value = float(head[key])
            text.draw(surface, f, f"{label}  (weight {weight:g})", (x, y), 15, TEXT, bold=True)
            text.draw(surface, f, f"{head[key]} / 100", (left.right - ui.px(24), y), 15, TEXT, anchor="topright")
            bar = pygame.Rect(x, y + ui.px(24), left.width - ui.px(48), ui.px(12))
            pygame.draw.rect(surface, PANEL_2, bar)
            pygame.draw.rect(surface, ACCENT, pygame.Rect(bar.left, bar.top, round(bar.width * value / 100), bar.height))
            for t in s.stars:
                tx = bar.left + round(bar.width * t / 100)
                pygame.draw.line(surface, WARN, (tx, bar.top - ui.px(3)), (tx, bar.bottom + ui.px(3)), 2)
            y += ui.px(52)
        text.draw(surface, f, "Objectives", (x, y + ui.px(4)), 15, TEXT, bold=True)
        y += ui.px(28)
        for words, reading, met in figures.objectives(scen, shown):
            mark = met is not None
            if mark:
                icons.verdict(surface, bool(met), (x + ui.px(7), y + ui.px(9)), ui.px(7))
                text.draw(surface, f, reading, (left.right - ui.px(24), y), 14, GOOD if met else BAD,
                          bold=True, anchor="topright")
            width = left.width - ui.px(48) - (ui.px(90) if mark else 0)
            y = text.draw_wrapped(surface, f, ("" if mark else "•  ") + words,
                                  pygame.Rect(x + (ui.px(20) if mark else 0), y, width, left.bottom - y), 14, TEXT)
            y += ui.px(4)
        self._draw_table(surface, pygame.Rect(left.right + ui.px(20), c.top, c.right - left.right - ui.px(20), c.height))

    def _draw_table(self, surface: pygame.Surface, r: pygame.Rect) -> None:
        ui, f = self.ui, self.ui.fonts
        pygame.draw.rect(surface, PANEL, r, border_radius=ui.px(6))
        x, y = r.left + ui.px(20), r.top + ui.px(14)
        rows = self.shown_figures()
        lines = len(rows) + len({g for g, _, _ in rows})
        room = r.height - ui.px(28) - ui.px(4) * len({g for g, _, _ in rows})
        size = 14 if (f.line_height(14) + ui.px(3)) * lines <= room else 13 if (
            f.line_height(13) + ui.px(2)) * lines <= room else 12  # smaller type rather than rows off the panel
        lh = max(f.line_height(size) + ui.px(2), min(room // max(1, lines), f.line_height(size) + ui.px(10)))
        group = ""
        for g, label, value in rows:
            if g != group:
                if group:
                    y += ui.px(4)
                heading = g.upper() + ("  \u00b7  the team's whole shift" if not group else "")
                text.draw(surface, f, heading, (x, y), 13, ACCENT, bold=True)
                y += lh
                group = g
            vw = f.width(value, size, bold=True)
            text.draw(surface, f, f.fit(label, r.width - ui.px(50) - vw, size), (x + ui.px(10), y), size, TEXT)
            text.draw(surface, f, value, (r.right - ui.px(20), y), size, TEXT, bold=True, anchor="topright")
            y += lh

    def _draw_calls(self, surface: pygame.Surface, c: pygame.Rect) -> None:
        ui, f = self.ui, self.ui.fonts
        scen = self.result.scenario
        text.draw(surface, f, f"Your conversations ({len(self.convs)})", c.topleft, 16, TEXT, bold=True)
        if not self.convs:
            text.draw_wrapped(surface, f, "You did not take any calls this shift. Next time, click an agent on the floor "
                              "(or press T) to answer customers yourself.",
                              pygame.Rect(c.left, c.top + ui.px(40), c.width // 2, ui.px(80)), 15, MUTED)
            return
        lr = self.list_rect()
        n = self.rows_per_page()
        sel = self.conv_index - self.pages["calls"] * n
        if 0 <= sel < n:
            pygame.draw.rect(surface, ACCENT, pygame.Rect(lr.left - ui.px(4), lr.top + sel * ui.px(44), ui.px(3),
                                                          ui.px(40)))
        conv = self.convs[self.conv_index]
        right = pygame.Rect(lr.right + ui.px(24), c.top + ui.px(42), c.right - lr.right - ui.px(24), c.height - ui.px(42))
        text.draw(surface, f, f.fit(conversation_title(conv, scen), right.width, 15), (right.left, right.top - ui.px(2)),
                  15, ACCENT, bold=True)
        y = right.top + ui.px(26)
        steps = conv.steps[self.step_offset:]
        if self.step_offset:
            text.muted(surface, f, f"({self.step_offset} earlier turns above: Up/Left)", (right.right, right.top + ui.px(2)),
                       12, anchor="topright")
        for st in steps:
            texts = step_texts(st, scen, conv.segment, conv.goal, self.names.get(st.agent_id, "agent"))
            h = step_height(f, right.width, texts, ui.scale)
            if y + h > right.bottom:
                text.muted(surface, f, "more below: Down/Right", (right.right, right.bottom - ui.px(4)), 12,
                           anchor="bottomright")
                break
            draw_step(surface, f, pygame.Rect(right.left, y, right.width, h), st, texts, scen.start_clock, ui.scale)
            y += h + ui.px(8)

    def _draw_lost(self, surface: pygame.Surface, c: pygame.Rect) -> None:
        ui, f = self.ui, self.ui.fonts
        counts = {SHORT_REASONS[k]: sum(1 for x in self.lost if k in x.reasons) for k in SHORT_REASONS}
        text.draw(surface, f, f"Customers lost or hurt ({len(self.lost)})", c.topleft, 16, TEXT, bold=True)
        lr = self.list_rect()
        right = pygame.Rect(lr.right + ui.px(24), c.top + ui.px(34), c.right - lr.right - ui.px(24), ui.px(340))
        pygame.draw.rect(surface, PANEL, right, border_radius=ui.px(6))
        inner = right.inflate(-ui.px(32), -ui.px(24))
        y = inner.top
        for k, v in counts.items():
            text.draw(surface, f, f"{v}", (inner.left, y), 22, WARN if v else GOOD, bold=True)
            text.draw(surface, f, k, (inner.left + ui.px(70), y + ui.px(5)), 15, TEXT)
            y += ui.px(36)
        loy = self.result.scores["loyalty"]
        text.draw(surface, f, f"{loy['recoveries']}", (inner.left, y), 22, GOOD, bold=True)
        text.draw(surface, f, f.fit(f"put right and kept (stay {figures.pct(loy['recovered_retention'])}, never "
                                    f"failed {figures.pct(loy['never_failed_retention'])})",
                                    inner.width - ui.px(70), 15), (inner.left + ui.px(70), y + ui.px(5)), 15, TEXT)
        y += ui.px(36)
        pygame.draw.line(surface, LINE, (inner.left, y), (inner.right, y))
        text.draw_wrapped(surface, f, "Click a customer to see the causal trace: how long they waited, how their mood "
                          "moved, who answered, what was said and what it cost.",
                          pygame.Rect(inner.left, y + ui.px(10), inner.width, inner.bottom - y), 14, MUTED)
