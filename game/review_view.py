"""Drawing one judged step of a conversation: what the customer felt, the choice, its effect, the lesson."""

from __future__ import annotations

import pygame

from sim.debrief import Conversation, Step
from sim.model import clock_text
from sim.scenario import Scenario

from . import text, voice
from .text import Fonts
from .theme import ACCENT, LINE, MUTED, PANEL_2, TEXT, TONE_COLOURS

VERDICT_WORDS = {"good": "worked", "ok": "fine", "mixed": "mixed", "poor": "backfired"}


def step_texts(step: Step, scen: Scenario, segment: str, goal: str, agent: str) -> dict[str, str]:
    """The words of a judged step (shared by the review, the trace and the replay)."""
    label = scen.responses[step.kind].label if step.kind in scen.responses else step.kind
    fb_text, principle, lesson_id = voice.feedback(step.kind, mood=step.mood_before, segment=segment, goal=goal,
                                                   cue=step.cue, hot=step.hot)
    title, _ = voice.lesson(lesson_id or step.lesson)
    better = scen.responses[step.better].label if step.better in scen.responses else ""
    who = "You" if step.by_trainee else f"Team ({agent})"
    hot = ", above their hurdle" if step.hot else ""
    return {
        "felt": f"They were {step.mood_before} ({step.frustration_before:.0f}{hot})",
        "chose": f"{who} chose: {label}",
        "did": f"They {voice.cue_phrase(step.cue)}: frustration {step.frustration_before:.0f} -> "
               f"{step.frustration_after:.0f}",
        "lesson": f"{principle or title}: {fb_text}" if fb_text else f"Lesson: {title}",
        "better": f"Would have worked better: {better}" if better else "",
    }


def step_height(fonts: Fonts, width: int, texts: dict[str, str], scale: float) -> int:
    lh = fonts.line_height(13)
    lines = 3 + len(fonts.wrap(texts["lesson"], width - round(20 * scale), 13)) + (1 if texts["better"] else 0)
    return lines * lh + round(22 * scale)


def draw_step(surface: pygame.Surface, fonts: Fonts, rect: pygame.Rect, step: Step, texts: dict[str, str],
              start_clock: str, scale: float) -> None:
    """One step in a box of rect's size (use `step_height` for the height)."""
    pygame.draw.rect(surface, PANEL_2 if step.by_trainee else (36, 42, 50), rect, border_radius=round(5 * scale))
    tone = TONE_COLOURS.get(step.verdict, MUTED)
    pygame.draw.rect(surface, tone if step.by_trainee else LINE, rect, 2 if step.by_trainee else 1,
                     border_radius=round(5 * scale))
    inner = rect.inflate(-round(20 * scale), -round(14 * scale))
    lh = fonts.line_height(13)
    y = inner.top
    head = f"Turn {step.turn + 1}  ·  {clock_text(start_clock, step.time)}  ·  {texts['felt']}"
    text.draw(surface, fonts, fonts.fit(head, inner.width - round(90 * scale), 13), (inner.left, y), 13, MUTED)
    text.draw(surface, fonts, VERDICT_WORDS.get(step.verdict, step.verdict), (inner.right, y), 13, tone, bold=True,
              anchor="topright")
    y += lh
    text.draw(surface, fonts, fonts.fit(texts["chose"], inner.width, 14), (inner.left, y), 14,
              TEXT if step.by_trainee else MUTED, bold=step.by_trainee)
    y += lh
    text.draw(surface, fonts, fonts.fit(texts["did"], inner.width, 13), (inner.left, y), 13, tone)
    y += lh
    y = text.draw_wrapped(surface, fonts, texts["lesson"], pygame.Rect(inner.left, y, inner.width, inner.bottom - y),
                          13, TEXT)
    if texts["better"]:
        text.draw(surface, fonts, fonts.fit(texts["better"], inner.width, 13), (inner.left, y), 13, ACCENT, bold=True)


def conversation_title(conv: Conversation, scen: Scenario) -> str:
    seg = scen.segments[conv.segment].name if conv.segment in scen.segments else conv.segment
    goal = scen.goals[conv.goal].name if conv.goal in scen.goals else conv.goal
    return f"{seg} · {goal} · {conv.outcome}"
