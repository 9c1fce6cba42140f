"""The floor: the live view of the shift, with the trainee's calls and the policy levers beside it.

Each frame: actions become commands (through the session), the clock moves
by real time x speed unless paused, and the snapshot is drawn.  The shift is
autosaved as it goes; at the end of the working day the rest is run headless
and the debrief opens.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pygame

from sim import save_result
from sim.runner import Result

from . import floor_view, text, voice
from .coach_view import draw_coach
from .policy_panel import PolicyPanel
from .scene import Pop, Quit, Replace, Scene, Transition
from .session import SIM_SECONDS_PER_REAL_SECOND, SPEEDS, Session
from .spotlight import SpotlightPanel
from .theme import ACCENT, BAD, GOOD, LINE, MUTED, PANEL, TEXT, WARN
from .ui import Action
from .workshop_seat import Heartbeat

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context

AUTOSAVE_EVERY_S = 15.0  # real seconds while the clock runs
BANNER_S = 8.0
TICKER_EVERY_S = 0.5
KEYS_HELP = "Space pause  ·  +/- speed  ·  1-5 answer  ·  T take calls  ·  C/P panels  ·  F11 fullscreen"


def floor_layout(size: tuple[int, int], scale: float, coach: bool = False) -> dict[str, pygame.Rect]:
    """The floor's areas for a window size: the side panel (conversation, policies) and the floor.

    With `coach` (tutorials: one agent, one channel) the queues and the team take a strip each and
    the tutorial coach's card fills the rest of the left side.
    """

    def px(n: float) -> int:
        return round(n * scale)

    w, h = size
    top, bottom = px(62), px(30)
    rw = min(px(480), int(w * 0.42))
    right = pygame.Rect(w - rw - px(8), top + px(6), rw, h - top - bottom - px(12))
    tabs = pygame.Rect(right.left, right.top, right.width, px(34))
    panel = pygame.Rect(right.left + px(12), tabs.bottom + px(12), right.width - px(24), right.bottom - tabs.bottom - px(20))
    left = pygame.Rect(px(10), top + px(6), right.left - px(20), right.height)
    qh = px(64) if coach else min(px(240), int(left.height * 0.42))
    queues = pygame.Rect(left.left, left.top + px(24), left.width, qh)
    team = pygame.Rect(left.left, queues.bottom + px(32), left.width, left.bottom - queues.bottom - px(32))
    out = {"right": right, "tabs": tabs, "panel": panel, "left": left, "queues": queues, "team": team,
           "bottom": pygame.Rect(0, h - bottom, w, bottom)}
    if coach:
        team.height = px(58)
        out["coach"] = pygame.Rect(left.left, team.bottom + px(14), left.width, left.bottom - team.bottom - px(14))
    return out


class FloorScene(Scene):
    """The shift in progress."""

    def __init__(self, ctx: Context, session: Session, ui_state: dict[str, Any] | None = None) -> None:
        super().__init__(ctx)
        state = ui_state or {}
        self.session = session
        self.speed = state.get("speed", 1) if state.get("speed") in SPEEDS else 1
        self.paused = True
        self.tab = state.get("tab", "conversation") if state.get("tab") in ("conversation", "policies") else "conversation"
        self.menu = False
        self.spotlight = SpotlightPanel(ctx, session)
        self.policy = PolicyPanel(ctx, session)
        snap = session.snap
        self.seen_news = len(snap.announcements)
        self.banner = ("Press Space (or 1x) to start the clock." if snap.time <= 0 else
                       f"Shift resumed at {snap.clock}, paused. Press Space to go on.", BANNER_S)
        self.saved_commands = len(session.centre.commands)
        self.save_timer = 0.0
        self.ticker = session.ticker()
        self.ticker_timer = 0.0
        scen = session.scenario
        # the trainee alone on the floor (sim: Scenario.trainee_alone): they play agent 0 and the clock waits
        # for them; in a tutorial a coach helps too
        self.solo = scen.trainee_alone
        self.tutorial = scen.tutorial
        self.auto_taken = session.trainee_agent is not None
        self.coaching: Any = None  # sim.coach.Coaching for the pending turn (tutorials)
        self.coached: tuple[int, int] | None = None
        used = set(scen.arrivals) | {sc.channel for sc in getattr(scen, "scripted", ())}
        self.names = {c.id: c.name for c in scen.channels.values() if c.id in used}
        # a workshop shift tells the instructor's console where the trainee is, and hears the class countdown
        self.heartbeat = Heartbeat(ctx.workshop) if ctx.workshop is not None else None

    # -- layout -----------------------------------------------------------
    def layout(self) -> dict[str, pygame.Rect]:
        return floor_layout(self.ui.size, self.ui.scale, coach=self.tutorial)

    def active_panel(self) -> SpotlightPanel | PolicyPanel:
        return self.spotlight if self.tab == "conversation" else self.policy

    # -- widgets ----------------------------------------------------------
    def enter(self) -> None:
        ui = self.ui
        self.w = ui.group()
        lay = self.layout()
        x = ui.px(300)
        for label, speed in (("Pause", 0), ("1x", 1), ("4x", 4), ("16x", 16)):
            on = self.paused if speed == 0 else (not self.paused and self.speed == speed)
            self.w.button(pygame.Rect(x, ui.px(14), ui.px(62), ui.px(34)), label, Action("speed", speed), selected=on,
                          tip="Space pauses; + and - change speed")
            x += ui.px(66)
        self.w.button(pygame.Rect(ui.size[0] - ui.px(118), ui.px(14), ui.px(108), ui.px(34)), "Menu  (Esc)",
                      Action("back"))
        tabs = lay["tabs"]
        half = tabs.width // 2
        waiting = self.session.snap.pending and self.tab != "conversation"
        self.w.button(pygame.Rect(tabs.left, tabs.top, half - 2, tabs.height),
                      "Call waiting!  (C)" if waiting else "Conversation  (C)",
                      Action("tab", "conversation"), cls="@tab", selected=self.tab == "conversation")
        self.w.button(pygame.Rect(tabs.left + half + 2, tabs.top, half - 2, tabs.height), "Policies  (P)",
                      Action("tab", "policies"), cls="@tab", selected=self.tab == "policies")
        if self.menu:
            self._menu_buttons()
        elif self.session.at_end:
            r = self._overlay_rect()
            self.w.button(pygame.Rect(r.centerx - ui.px(150), r.bottom - ui.px(70), ui.px(300), ui.px(48)),
                          "See the debrief  (Enter)", Action("finish"), cls="@primary")
        else:
            self.active_panel().enter(lay["panel"])

    def _overlay_rect(self) -> pygame.Rect:
        ui = self.ui
        r = pygame.Rect(0, 0, ui.px(520), ui.px(300))
        r.center = (ui.size[0] // 2, ui.size[1] // 2)
        return r

    def _menu_buttons(self) -> None:
        ui, r = self.ui, self._overlay_rect()
        y = r.top + ui.px(64)
        for label, action, cls in (("Back to the floor  (Esc)", "back", "@primary"),
                                   ("End the shift now: fast-forward  (E)", "end_shift", ""),
                                   ("Save and leave to the title", "leave", ""),
                                   ("Save and quit the game", "quit_game", "@danger")):
            self.w.button(pygame.Rect(r.left + ui.px(60), y, r.width - ui.px(120), ui.px(44)), label, Action(action),
                          cls=cls)
            y += ui.px(54)

    def exit(self) -> None:
        self.spotlight.exit()
        self.policy.exit()
        self.w.clear()

    def relayout(self) -> None:
        self.exit()
        self.enter()

    # -- actions ----------------------------------------------------------
    def handle(self, action: Action) -> Transition | None:
        name = action.name
        if self.menu:
            return self._handle_menu(name)
        if self.session.at_end:
            if name in ("finish", "confirm"):
                return self._finish()
            if name == "back":
                self._open_menu()
            return None
        if name in ("back", "end_shift"):
            self._open_menu()
        elif name == "pause":
            self._set_speed(0 if not self.paused else self.speed)
        elif name == "speed":
            self._set_speed(int(action.arg))
        elif name in ("faster", "slower"):
            i = SPEEDS.index(self.speed) + (1 if name == "faster" else -1)
            self._set_speed(SPEEDS[max(0, min(len(SPEEDS) - 1, i))])
        elif name in ("tab", "conversation", "policies", "next_tab"):
            want = action.arg if name == "tab" else name
            if name == "next_tab":
                want = "policies" if self.tab == "conversation" else "conversation"
            self._switch(str(want))
        elif name == "click":
            self._click(action.arg)
        elif name in ("take_calls", "take_as"):
            self._switch("conversation")
            self.spotlight.handle(action)
        else:
            self.active_panel().handle(action)
        return None

    def _handle_menu(self, name: str) -> Transition | None:
        if name == "back":
            self.menu = False
            self.relayout()
        elif name == "end_shift":
            return self._finish()
        elif name == "leave":
            self.save()
            return Pop()
        elif name == "quit_game":
            return Quit()
        return None

    def _open_menu(self) -> None:
        self.menu = True
        self.relayout()

    def _set_speed(self, speed: int) -> None:
        if speed == 0:
            self.paused = True
        else:
            self.paused, self.speed = False, speed
            self.banner = ("", 0.0) if self.banner[0].startswith(("Press Space", "Shift resumed")) else self.banner
        self.relayout()

    def _switch(self, tab: str) -> None:
        if tab != self.tab:
            self.tab = tab
            self.relayout()

    def _click(self, pos: tuple[int, int]) -> None:
        agents = self.session.snap.agents
        a = floor_view.agent_at(self.layout()["team"], agents, self.ui.fonts, pos)
        if a is not None and a.state not in ("sick", "training", "off"):
            self._switch("conversation")
            self.spotlight.handle(Action("take_as", a.id))

    # -- time -------------------------------------------------------------
    def waiting_for_trainee(self) -> bool:
        """Solo scenarios stop the clock while a turn waits for the trainee's choice."""
        return self.solo and bool(self.session.snap.pending)

    def update(self, dt: float) -> Transition | None:
        s = self.session
        seat = self.ctx.workshop
        if self.heartbeat is not None:
            self.heartbeat.beat(s.snap.time, len(s.centre.trainee_contacts), paused=self.paused or self.menu)
        if seat is not None and seat.seconds_left() == 0.0 and not s.centre.finished:
            # the workshop's time limit: the rest of the shift is played by the team, and the result goes in
            return self._finish()
        if self.solo and not self.auto_taken:
            self.auto_taken = True
            self.spotlight.take(0)
            self.relayout()
        running = not (self.menu or self.paused or s.at_end or self.waiting_for_trainee())
        if running:
            s.advance(dt * self.speed * SIM_SECONDS_PER_REAL_SECOND)
        if s.handing_back and s.settle_hand_back():
            self.relayout()
        self.spotlight.update(dt)
        self._follow_coach()
        if self.spotlight.new_call:
            self.spotlight.new_call = False
            if self.ctx.settings.slow_on_call and self.speed > 1:
                self.speed = 1
            self.tab = "conversation"
            self.relayout()
        news = s.snap.announcements
        if len(news) > self.seen_news:
            self.banner = (f"{self._clock_of(news[-1][0])}  {news[-1][1]}", BANNER_S)
            self.seen_news = len(news)
        self.banner = (self.banner[0], max(0.0, self.banner[1] - dt)) if running else self.banner
        self.ticker_timer += dt
        if self.ticker_timer >= TICKER_EVERY_S:
            self.ticker, self.ticker_timer = s.ticker(), 0.0
        self.save_timer += dt if running else 0.0
        if (len(s.centre.commands) != self.saved_commands and self.save_timer >= 1.0) or self.save_timer >= AUTOSAVE_EVERY_S:
            self.save()
        if s.at_end and not self.menu and self.ctx.ui.find(Action("finish")) is None:
            self.relayout()
        return None

    def _follow_coach(self) -> None:
        """Tutorials: what the coach says about the trainee's pending turn (from sim.coach)."""
        if not self.tutorial:
            return
        v = self.spotlight.view
        at = (v.contact_id, v.turn) if v is not None else None
        if at != self.coached:
            self.coached = at
            self.coaching = voice.coaching(v, self.session.scenario.responses) if v is not None else None

    def _clock_of(self, t: float) -> str:
        from sim.model import clock_text
        return clock_text(self.session.scenario.start_clock, t)

    # -- saving and the end -----------------------------------------------
    def save(self) -> None:
        self.ctx.storage.save_autosave(self.session.to_save({"speed": self.speed, "tab": self.tab}))
        self.saved_commands = len(self.session.centre.commands)
        self.save_timer = 0.0

    def on_quit(self) -> None:
        if not self.session.centre.finished:
            self.save()

    def _finish(self) -> Transition:
        from .debrief import DebriefScene
        result: Result = self.session.finish()
        storage = self.ctx.storage
        path: Path | None = storage.new_result_path(self.session.scenario.id, self.session.seed)
        try:
            save_result(result, path)  # type: ignore[arg-type]
        except OSError as exc:
            storage.messages.append(f"Could not write the result file: {exc}")
            path = None
        storage.discard_autosave()
        names = {a.id: a.name for a in self.session.centre.agents}
        return Replace(DebriefScene(self.ctx, result, path, names))

    # -- drawing ----------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        ui, f = self.ui, self.ui.fonts
        lay = self.layout()
        snap = self.session.snap
        self._draw_top(surface)
        floor_view.draw_legend(surface, f, (lay["left"].left + ui.px(4), lay["left"].top), ui.scale)
        floor_view.draw_queues(surface, f, lay["queues"], snap, self.names, ui.scale)
        on = [a for a in snap.agents if a.state != "off"]
        counts = {st: sum(1 for a in on if a.state == st) for st in ("talking", "idle", "wrap_up")}
        head = (f"Team: {len(on)} on the floor  ·  {counts['talking']} talking  ·  {counts['idle']} idle  ·  "
                f"{counts['wrap_up']} wrap-up")
        text.draw(surface, f, head, (lay["team"].left + ui.px(4), lay["team"].top - ui.px(24)), 14, TEXT, bold=True)
        if self.session.trainee_agent is None and self.session.scenario.mode != "pure_queue":
            text.muted(surface, f, "click an agent to take their calls", (lay["team"].right, lay["team"].top - ui.px(22)),
                       12, anchor="topright")
        floor_view.draw_agents(surface, f, lay["team"], snap.agents)
        if "coach" in lay:
            v = self.spotlight.view
            draw_coach(surface, f, lay["coach"], self.coaching, voice.coach_steps(), v.note if v else "", ui.scale,
                       voice.cue_tone(v.last_cue) if v else "neutral")
        pygame.draw.rect(surface, PANEL, lay["right"], border_radius=ui.px(6))
        if not self.menu and not self.session.at_end:
            self.active_panel().draw(surface)
        self._draw_bottom(surface, lay["bottom"])
        if self.banner[1] > 0 and self.banner[0]:
            self._draw_banner(surface, lay["left"])
        if self.menu or self.session.at_end:
            self._draw_overlay(surface)

    def _draw_top(self, surface: pygame.Surface) -> None:
        ui, f = self.ui, self.ui.fonts
        snap, scen = self.session.snap, self.session.scenario
        pygame.draw.rect(surface, PANEL, pygame.Rect(0, 0, ui.size[0], ui.px(62)))
        text.draw(surface, f, snap.clock, (ui.px(14), ui.px(6)), 30, TEXT, bold=True)
        text.muted(surface, f, f.fit(scen.name, ui.px(160), 13), (ui.px(118), ui.px(9)), 13)
        bar = pygame.Rect(ui.px(118), ui.px(30), ui.px(160), ui.px(8))
        pygame.draw.rect(surface, LINE, bar)
        done = bar.copy()
        done.width = round(bar.width * min(1.0, snap.time / max(1.0, snap.horizon_s)))
        pygame.draw.rect(surface, ACCENT, done)
        waiting = self.waiting_for_trainee() and not self.paused
        state = "PAUSED" if self.paused or self.menu else "YOUR TURN" if waiting else f"{self.speed}x"
        shown = text.draw(surface, f, state, (ui.px(118), ui.px(42)), 13, WARN if self.paused or waiting else GOOD,
                          bold=True)
        finished = f"{snap.contacts_done} done"
        if ui.px(278) - f.width(finished, 12) > shown.right + ui.px(6):
            text.muted(surface, f, finished, (ui.px(278), ui.px(43)), 12, anchor="topright")
        x = ui.px(580)
        target = scen.scoring.service_level_target
        for label, value, tone in self._ticker_items(target):
            text.muted(surface, f, label, (x, ui.px(8)), 12)
            text.draw(surface, f, value, (x, ui.px(26)), 20, tone, bold=True)
            x += ui.px(134)

    def _ticker_items(self, target: float) -> list[tuple[str, str, tuple[int, int, int]]]:
        t = self.ticker

        def pct(v: float | None) -> str:
            return "-" if v is None else f"{100 * v:.0f} %"

        def tone(v: float | None, good: bool, ok: bool) -> tuple[int, int, int]:
            return MUTED if v is None else GOOD if good else WARN if ok else BAD

        sl, ab, asa, ret = t.get("service_level"), t.get("abandon_rate"), t.get("asa_s"), t.get("retention")
        return [
            ("Service level", pct(sl), tone(sl, (sl or 0) >= target, (sl or 0) >= target - 0.1)),
            ("Abandoned", pct(ab), tone(ab, (ab or 0) < 0.05, (ab or 0) < 0.1)),
            ("Average wait", "-" if asa is None else floor_view.fmt_wait(asa), tone(asa, (asa or 0) < 30, (asa or 0) < 90)),
            ("Loyalty", pct(ret), tone(ret, (ret or 0) >= 0.85, (ret or 0) >= 0.75)),
        ]

    def _draw_bottom(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        ui, f = self.ui, self.ui.fonts
        pygame.draw.rect(surface, PANEL, rect)
        x = ui.px(12)
        seat = self.ctx.workshop
        if seat is not None:  # whose shift this is, for which workshop, and the time left
            left = seat.seconds_left()
            label = f"Workshop {seat.code} · {seat.name}" + ("" if left is None else
                                                             f" · {int(left) // 60}:{int(left) % 60:02d} left")
            tone = TEXT if left is None or left >= 300 else WARN if left >= 60 else BAD
            label = f.fit(label, ui.px(330), 13, bold=True)
            text.draw(surface, f, label, (x, rect.centery), 13, tone, bold=True, anchor="midleft")
            x += f.width(label, 13, bold=True) + ui.px(20)
        news = self.session.snap.announcements
        if news:
            t, msg = news[-1]
            room = rect.right - f.width(KEYS_HELP, 12) - ui.px(36) - x
            text.draw(surface, f, f.fit(f"{self._clock_of(t)}  {msg}", room, 13), (x, rect.centery),
                      13, WARN, anchor="midleft")
        text.muted(surface, f, KEYS_HELP, (rect.right - ui.px(12), rect.centery), 12, anchor="midright")

    def _draw_banner(self, surface: pygame.Surface, left: pygame.Rect) -> None:
        ui, f = self.ui, self.ui.fonts
        msg = self.banner[0]
        box = pygame.Rect(left.left + ui.px(40), left.bottom - ui.px(64), left.width - ui.px(80), ui.px(48))
        pygame.draw.rect(surface, (60, 52, 20), box, border_radius=ui.px(6))
        pygame.draw.rect(surface, WARN, box, 2, border_radius=ui.px(6))
        text.draw(surface, f, f.fit(msg, box.width - ui.px(24), 16), box.center, 16, TEXT, bold=True, anchor="center")

    def _draw_overlay(self, surface: pygame.Surface) -> None:
        ui, f = self.ui, self.ui.fonts
        shade = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 150))
        surface.blit(shade, (0, 0))
        r = self._overlay_rect()
        pygame.draw.rect(surface, PANEL, r, border_radius=ui.px(8))
        pygame.draw.rect(surface, ACCENT, r, 2, border_radius=ui.px(8))
        if self.menu:
            text.draw(surface, f, "Paused", (r.centerx, r.top + ui.px(20)), 22, TEXT, bold=True, anchor="midtop")
            return
        text.draw(surface, f, "The working day is over", (r.centerx, r.top + ui.px(24)), 22, TEXT, bold=True,
                  anchor="midtop")
        text.draw_wrapped(surface, f, "The team clears the queue and follows up on open cases; then you see how the "
                          "shift went and what each of your choices did.",
                          pygame.Rect(r.left + ui.px(40), r.top + ui.px(76), r.width - ui.px(80), ui.px(100)), 15, MUTED)
