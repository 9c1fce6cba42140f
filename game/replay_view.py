"""Replaying one conversation from the records, turn by turn, with the review of each step.

The words are chosen with the same keys as in the live game (the result's
play number among them), so the trainee sees the conversation they had; the replay also tells what live play hid
(for example that a relieved customer was given wrong information).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from sim import debrief
from sim.conversation import band
from sim.debrief import Step
from sim.runner import Result

from . import text, voice
from .review_view import draw_step, step_height, step_texts
from .scene import Pop, Scene, Transition
from .talk_view import Line, draw_mood_meter, draw_transcript
from .theme import ACCENT, PANEL, TEXT
from .ui import Action

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context

STEP_S = 1.8  # real seconds per turn when playing
CLOSING_CUES = ("relieved", "relieved_but_misinformed", "needs_supervisor", "waits_for_supervisor",
                "waits_for_follow_up", "passed_around", "told_no", "hangs_up", "gives_up")


class ReplayScene(Scene):
    """Step through a recorded conversation."""

    def __init__(self, ctx: Context, result: Result, contact_id: int, names: dict[int, str]) -> None:
        super().__init__(ctx)
        self.result, self.names = result, names
        rec = next(r for r in result.contacts.rows() if r["contact_id"] == contact_id)
        turns = sorted((t for t in result.turns if t.contact_id == contact_id), key=lambda t: t.turn)
        chosen = {(d.contact_id, d.turn) for d in result.decisions}
        self.rec = rec
        self.steps: tuple[Step, ...] = debrief.steps_of(result.scenario, rec, turns, chosen)
        self.shown = 1 if self.steps else 0
        self.playing = False
        self.clock = 0.0

    def enter(self) -> None:
        ui = self.ui
        self.w = ui.group()
        w, h = ui.size
        y = h - ui.px(64)
        self.w.button(pygame.Rect(ui.px(24), y, ui.px(120), ui.px(44)), "◀ Prev", Action("prev"),
                      enabled=self.shown > 0)
        self.w.button(pygame.Rect(ui.px(152), y, ui.px(140), ui.px(44)), "Pause" if self.playing else "Play",
                      Action("pause"), cls="@primary")
        self.w.button(pygame.Rect(ui.px(300), y, ui.px(120), ui.px(44)), "Next ▶", Action("next"),
                      enabled=self.shown < len(self.steps))
        self.w.button(pygame.Rect(w - ui.px(174), ui.px(20), ui.px(150), ui.px(40)), "Back  (Esc)", Action("back"))

    def exit(self) -> None:
        self.w.clear()

    def handle(self, action: Action) -> Transition | None:
        if action.name == "back":
            return Pop()
        if action.name in ("next", "prev"):
            self._go(1 if action.name == "next" else -1)
            self.playing = False
        elif action.name == "pause":
            self.playing = not self.playing
            if self.playing and self.shown >= len(self.steps):
                self.shown = 0
        self.exit()
        self.enter()
        return None

    def _go(self, step: int) -> None:
        self.shown = max(0, min(len(self.steps), self.shown + step))

    def update(self, dt: float) -> Transition | None:
        if self.playing:
            self.clock += dt
            if self.clock >= STEP_S:
                self.clock = 0.0
                self._go(1)
                if self.shown >= len(self.steps):
                    self.playing = False
                self.exit()
                self.enter()
        return None

    # -- the conversation as lines ------------------------------------------
    def lines(self) -> list[Line]:
        """The transcript up to the current step (same words as the live game)."""
        rec, scen, cid, play = self.rec, self.result.scenario, self.rec["contact_id"], self.result.play
        goal, seg = rec["goal"], rec["segment"]
        if not self.steps:
            return [Line("note", "No conversation: this customer was never answered.", "bad")]
        first = self.steps[0]
        agent = self.names.get(first.agent_id, "")
        out = [Line("customer", voice.customer_line(goal, seg, first.mood_before, "opening", cid, first.turn, agent,
                                                    play=play))]
        for st in self.steps[:self.shown]:
            agent = self.names.get(st.agent_id, "")
            label = scen.responses[st.kind].label if st.kind in scen.responses else st.kind
            who = "you" if st.by_trainee else "agent"
            said = [ln.text for ln in out if ln.who in ("you", "agent")]
            out.append(Line(who, voice.response_line(st.kind, label, seg, goal, cid, st.turn, agent, play=play,
                                                     avoid=said),
                            "neutral", ("You: " if st.by_trainee else f"{agent}: ") + label))
            turn = 99 if st.cue in CLOSING_CUES else st.turn + 1
            last = next((ln.text for ln in reversed(out) if ln.who == "customer"), "")
            words = voice.customer_line(goal, seg, band(st.frustration_after), st.cue, cid, turn, agent, avoid=last,
                                        play=play)
            out.append(Line("customer", words, voice.cue_tone(st.cue), "they " + voice.cue_phrase(st.cue)))
        return out

    def frustration(self) -> float:
        if not self.steps:
            return float(self.rec["frustration_end"] or 0.0)
        if self.shown == 0:
            return self.steps[0].frustration_before
        return self.steps[self.shown - 1].frustration_after

    def draw(self, surface: pygame.Surface) -> None:
        ui, f = self.ui, self.ui.fonts
        scen = self.result.scenario
        seg = scen.segments[self.rec["segment"]].name if self.rec["segment"] in scen.segments else ""
        goal = scen.goals[self.rec["goal"]].name if self.rec["goal"] in scen.goals else ""
        text.draw(surface, f, f"Replay: {seg} · {goal}", (ui.px(24), ui.px(18)), 24, TEXT, bold=True)
        text.muted(surface, f, f"turn {self.shown} of {len(self.steps)}  ·  {debrief.outcome_words(self.rec, self.steps)}",
                   (ui.px(26), ui.px(52)), 14)
        w, h = ui.size
        left = pygame.Rect(ui.px(24), ui.px(90), w * 55 // 100 - ui.px(24), h - ui.px(90 + 84))
        pygame.draw.rect(surface, PANEL, left, border_radius=ui.px(6))
        draw_transcript(surface, f, left.inflate(-ui.px(24), -ui.px(24)), self.lines(), ui.scale)
        right = pygame.Rect(left.right + ui.px(20), left.top, w - left.right - ui.px(44), left.height)
        draw_mood_meter(surface, f, pygame.Rect(right.left, right.top, right.width, ui.px(60)), self.frustration(),
                        ui.scale)
        if self.shown > 0:
            st = self.steps[self.shown - 1]
            texts = step_texts(st, scen, self.rec["segment"], self.rec["goal"], self.names.get(st.agent_id, "agent"))
            hgt = step_height(f, right.width, texts, ui.scale)
            draw_step(surface, f, pygame.Rect(right.left, right.top + ui.px(84), right.width, hgt), st, texts,
                      scen.start_clock, ui.scale)
            title, body = voice.lesson(st.lesson)
            y = right.top + ui.px(84) + hgt + ui.px(20)
            if body:
                text.draw(surface, f, f.fit(f"The lesson: {title}", right.width, 15), (right.left, y), 15, ACCENT,
                          bold=True)
                text.draw_wrapped(surface, f, body, pygame.Rect(right.left, y + ui.px(26), right.width,
                                                                right.bottom - y - ui.px(26)), 14, TEXT)
        else:
            text.draw_wrapped(surface, f, "Press Next (or Right) to hear the first response; Play runs the whole call.",
                              pygame.Rect(right.left, right.top + ui.px(90), right.width, ui.px(60)), 14, ACCENT)
