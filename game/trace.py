"""The causal trace of one lost customer: waits, mood over time, who answered, what was said, the cost."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pygame

from sim import debrief
from sim.conversation import band as band_of
from sim.model import clock_text
from sim.runner import Result

from . import figures, icons, text, voice
from .floor_view import fmt_wait
from .scene import Pop, Push, Scene, Transition
from .theme import (
    ACCENT,
    BAD,
    LINE,
    MOOD_COLOURS,
    MOODS,
    MUTED,
    PANEL,
    TEXT,
    TONE_COLOURS,
    WARN,
)
from .ui import Action

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context


class TraceScene(Scene):
    """Everything that happened to one customer, in order."""

    def __init__(self, ctx: Context, result: Result, customer_id: int, names: dict[int, str]) -> None:
        super().__init__(ctx)
        self.result, self.names = result, names
        self.trace = debrief.trace(result, customer_id)

    def columns(self) -> tuple[pygame.Rect, pygame.Rect]:
        ui = self.ui
        w, h = ui.size
        top = ui.px(100)
        left = pygame.Rect(ui.px(24), top, int(w * 0.6) - ui.px(24), h - top - ui.px(20))
        right = pygame.Rect(left.right + ui.px(20), top, w - left.right - ui.px(44), left.height)
        return left, right

    def enter(self) -> None:
        ui = self.ui
        self.w = ui.group()
        self.w.button(pygame.Rect(ui.size[0] - ui.px(174), ui.px(20), ui.px(150), ui.px(40)), "Back  (Esc)",
                      Action("back"))
        _, right = self.columns()
        talked = [v for v in self.trace.visits if v.steps]
        y = right.top + ui.px(300)
        for v in talked[-3:]:
            cid = v.record["contact_id"]
            label = f"Replay the {clock_text(self.result.scenario.start_clock, v.record['arrival_time'])} conversation"
            self.w.button(pygame.Rect(right.left, y, right.width, ui.px(40)), label, Action("replay", cid),
                          cls="@primary" if v is talked[-1] else "")
            y += ui.px(48)

    def exit(self) -> None:
        self.w.clear()

    def handle(self, action: Action) -> Transition | None:
        if action.name == "back":
            return Pop()
        if action.name == "replay":
            from .replay_view import ReplayScene
            return Push(ReplayScene(self.ctx, self.result, int(action.arg), self.names))
        return None

    # -- drawing ----------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        ui, f = self.ui, self.ui.fonts
        tr, scen = self.trace, self.result.scenario
        seg = scen.segments[tr.segment].name if tr.segment in scen.segments else "Caller"
        goal = scen.goals[tr.goal].name if tr.goal in scen.goals else ""
        text.draw(surface, f, f"Customer {tr.customer_id}: {seg}{' · ' + goal if goal else ''}", (ui.px(24), ui.px(18)),
                  24, TEXT, bold=True)
        words = {"churned": "left us", "silent": "without a word"}
        text.draw(surface, f, "Lost: " + ", ".join(words.get(r, r) for r in tr.reasons), (ui.px(26), ui.px(54)), 16,
                  BAD, bold=True)
        left, right = self.columns()
        chart = pygame.Rect(left.left, left.top, left.width, ui.px(200))
        self._mood_chart(surface, chart)
        self._timeline(surface, pygame.Rect(left.left, chart.bottom + ui.px(16), left.width,
                                            left.bottom - chart.bottom - ui.px(16)))
        self._costs(surface, pygame.Rect(right.left, right.top, right.width, ui.px(350)))

    def _mood_chart(self, surface: pygame.Surface, r: pygame.Rect) -> None:
        ui, f = self.ui, self.ui.fonts
        pygame.draw.rect(surface, PANEL, r, border_radius=ui.px(6))
        plot = r.inflate(-ui.px(110), -ui.px(40)).move(ui.px(40), ui.px(4))
        for i, m in enumerate(MOODS):
            band = pygame.Rect(plot.left, plot.bottom - round(plot.height * (i + 1) / 5), plot.width,
                               round(plot.height / 5))
            pygame.draw.rect(surface, tuple(c // 5 for c in MOOD_COLOURS[m]), band)
            icons.mood(surface, m, (r.left + ui.px(16), band.centery), ui.px(6))
            text.muted(surface, f, m, (r.left + ui.px(28), band.centery), 12, anchor="midleft")
        pts = self.trace.mood
        if not pts:
            return
        t0, t1 = pts[0][0], max(p[0] for p in pts)
        span = max(60.0, t1 - t0)

        def xy(t: float, v: float) -> tuple[int, int]:
            return (plot.left + round(plot.width * (t - t0) / span), plot.bottom - round(plot.height * v / 100.0))

        for points in self.visit_points():
            line = [xy(t, v) for t, v in points]
            if len(line) > 1:
                pygame.draw.lines(surface, TEXT, False, line, max(2, ui.px(2)))
            icons.mood(surface, band_of(points[-1][1]), line[-1], ui.px(6))
        for v in self.trace.visits:
            rec = v.record
            x, _ = xy(rec["arrival_time"], 0)
            pygame.draw.line(surface, LINE, (x, plot.top), (x, plot.bottom))
            text.muted(surface, f, clock_text(self.result.scenario.start_clock, rec["arrival_time"]),
                       (x, plot.bottom + ui.px(3)), 12, anchor="midtop")
        text.draw(surface, f, "Mood over time", (r.left + ui.px(12), r.top + ui.px(6)), 13, TEXT, bold=True)

    def visit_points(self) -> list[list[tuple[float, float]]]:
        """Frustration over each contact separately (no line across the time between contacts)."""
        out = []
        for v in self.trace.visits:
            rec = v.record
            pts = [(rec["arrival_time"], rec["frustration_start"] or 0.0)]
            for st in v.steps:
                pts += [(st.time, st.frustration_before), (st.time, st.frustration_after)]
            if rec["end_time"] is not None and rec["frustration_end"] is not None:
                pts.append((rec["end_time"], rec["frustration_end"]))
            out.append(pts)
        return out

    def _timeline(self, surface: pygame.Surface, r: pygame.Rect) -> None:
        ui, f = self.ui, self.ui.fonts
        scen = self.result.scenario
        lh = f.line_height(13) + ui.px(2)
        y = r.top
        for i, v in enumerate(self.trace.visits, start=1):
            rec = v.record
            chan = scen.channels[rec["channel"]].name if rec["channel"] in scen.channels else rec["channel"]
            head = (f"Contact {i}  ·  {clock_text(scen.start_clock, rec['arrival_time'])}  ·  {chan}  ·  {rec['reason']}"
                    f"  ·  waited {fmt_wait(v.waited_s)}  ·  {debrief.outcome_words(rec, v.steps)}")
            if y + lh > r.bottom:
                return
            text.draw(surface, f, f.fit(head, r.width, 14), (r.left, y), 14, ACCENT, bold=True)
            y += lh + ui.px(2)
            for st in v.steps:
                if y + lh > r.bottom:
                    text.muted(surface, f, "...", (r.left, y - ui.px(4)), 13)
                    return
                label = scen.responses[st.kind].label if st.kind in scen.responses else st.kind
                who = "You" if st.by_trainee else self.names.get(st.agent_id, f"agent {st.agent_id}")
                line = (f"{clock_text(scen.start_clock, st.time)}  {who}: {label}  ->  they {voice.cue_phrase(st.cue)}"
                        f"  ({st.frustration_before:.0f} -> {st.frustration_after:.0f})")
                text.draw(surface, f, f.fit(line, r.width - ui.px(16), 13), (r.left + ui.px(16), y), 13,
                          TONE_COLOURS.get(st.verdict, TEXT))
                y += lh
            facts = self._facts(rec)
            if y + lh <= r.bottom:
                text.muted(surface, f, f.fit(facts, r.width - ui.px(16), 13), (r.left + ui.px(16), y), 13)
            y += lh + ui.px(8)

    @staticmethod
    def _facts(rec: Mapping[str, Any]) -> str:
        parts = []
        if rec["status"] == "served":
            parts.append("goal met" if rec["goal_met"] else "goal not met")
            if rec["correct_info"] is not None:
                parts.append("information right" if rec["correct_info"] else "information WRONG")
            if rec["survey_score"] is not None:
                parts.append(f"survey {rec['survey_score']}/5")
        if rec["frustration_end"] is not None:
            parts.append(f"frustration at the end {rec['frustration_end']:.0f}")
        return "  ·  ".join(parts)

    def _costs(self, surface: pygame.Surface, r: pygame.Rect) -> None:
        ui, f = self.ui, self.ui.fonts
        tr = self.trace
        pygame.draw.rect(surface, PANEL, r, border_radius=ui.px(6))
        x, y = r.left + ui.px(18), r.top + ui.px(14)
        text.draw(surface, f, "What it cost", (x, y), 16, TEXT, bold=True)
        y += ui.px(32)
        rows = [
            ("Lifetime value", figures.money(tr.lifetime_value)),
            ("Chance they stay", figures.pct(tr.retention)),
            ("Value lost (they left)" if tr.churned else "Value at risk", figures.money(tr.lost_value if tr.churned
                                                                                         else tr.value_at_risk)),
            ("Rework (contacts again)", figures.money(tr.rework_cost)),
            ("Refunds and gestures paid", figures.money(tr.money_paid)),
            ("Contacts", str(len(tr.visits))),
            ("Failure put right", "yes" if tr.recovered else "no"),
            ("People they will tell", f"{tr.told} ({'good story' if tr.good_story else 'bad story'})" if tr.told
             else "nobody"),
        ]
        for label, value in rows:
            text.draw(surface, f, label, (x, y), 14, TEXT)
            text.draw(surface, f, value, (r.right - ui.px(18), y), 14, WARN if "lost" in label else TEXT, bold=True,
                      anchor="topright")
            y += ui.px(30)
        if tr.churned:
            words = ("They left and told us why: one of the few who complain." if tr.complained
                     else "They left without a word, as most who leave do.")
            text.draw(surface, f, f.fit(words, r.width - ui.px(36), 13), (x, y + ui.px(2)), 13, MUTED)
        elif tr.recovered:
            text.draw(surface, f, f.fit("Something went wrong first, and it was put right.", r.width - ui.px(36), 13),
                      (x, y + ui.px(2)), 13, MUTED)
