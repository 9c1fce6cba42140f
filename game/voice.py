"""Every word the game puts in a customer's or agent's mouth, behind one door.

The shipped dialogue (`sim.dialogue`, text in ``assets/dialogue``) is used when
it loads; if it is missing, broken or has no line for a case, a small set of
lines written here fills in, so the game never stops for want of a sentence.
Every line takes the play number (`Session.play`, `Result.play`): the live
game and everything that shows the shift later pass the same, so they show
the same words, and the next play of the scenario and seed shows others.
Lessons come from ``assets/lessons.toml`` the same way.  No pygame here.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any

from sim.responders import TurnView

MOODS = ("calm", "uneasy", "annoyed", "angry", "furious")

CUE_PHRASES = {  # read after "they"
    "opening": "explain why they are calling",
    "felt_heard": "feel heard",
    "outraged": "are outraged",
    "irritated": "are irritated",
    "explains": "explain more",
    "listening": "are listening",
    "confused": "are confused",
    "appreciates_precision": "appreciate the precision",
    "feels_talked_down_to": "feel talked down to",
    "not_ready": "are not ready to problem-solve",
    "feels_bought_off": "feel bought off",
    "rejects_answer": "reject the answer",
    "gives_up": "give up",
    "hangs_up": "hang up",
    "relieved": "are relieved",
    "relieved_but_misinformed": "are relieved, but were told something wrong",
    "needs_supervisor": "need a supervisor (over the limit)",
    "passed_around": "feel passed around",
    "told_no": "were told no",
    "waits_for_supervisor": "wait for a supervisor",
    "waits_for_follow_up": "wait for the promised follow-up",
}
GOOD_CUES = frozenset({"felt_heard", "explains", "appreciates_precision", "relieved", "listening"})
BAD_CUES = frozenset({"outraged", "irritated", "confused", "feels_talked_down_to", "not_ready", "feels_bought_off",
                      "rejects_answer", "gives_up", "hangs_up", "passed_around", "told_no",
                      "relieved_but_misinformed"})

_FALLBACK_OPENING = {
    "calm": "Hi, I hope you can help me with something.",
    "uneasy": "I've been trying to sort this out and I'm getting a bit worried.",
    "annoyed": "This is the second time I've had to deal with this and it's really annoying.",
    "angry": "I am fed up. Nobody has sorted this out and I want it fixed now.",
    "furious": "This is unbelievable! I want someone to fix this right now!",
}
_FALLBACK_REACTION = {
    "felt_heard": "Thank you. It helps that someone is actually listening.",
    "outraged": "Are you serious? That is exactly the problem with this company!",
    "irritated": "That's not really what I asked.",
    "explains": "Well, what happened is this... let me explain.",
    "listening": "Okay. Go on.",
    "confused": "Sorry, I don't understand any of that.",
    "appreciates_precision": "Right, that's the detail I needed.",
    "feels_talked_down_to": "I know how it works, thank you. I'm not a beginner.",
    "not_ready": "I don't want questions right now, I want you to understand what this did to me.",
    "feels_bought_off": "So you think you can just buy me off?",
    "rejects_answer": "No. That doesn't solve anything.",
    "gives_up": "Forget it. I'll go somewhere else.",
    "hangs_up": "I'm done with this. Goodbye.",
    "relieved": "Great, thank you, that sorts it.",
    "relieved_but_misinformed": "Oh good, thanks, that sorts it.",
    "needs_supervisor": "So you can't do it yourself? Fine, get someone who can.",
    "passed_around": "Another department? I've already explained all of this.",
    "told_no": "So the answer is just no?",
    "waits_for_supervisor": "Fine, I'll wait for your supervisor.",
    "waits_for_follow_up": "Okay. I'll wait to hear from you today, then.",
}


@functools.lru_cache(maxsize=1)
def _dialogue() -> Any:
    """The shipped dialogue, or None if it cannot be loaded (the fallback lines are used)."""
    try:
        from sim.dialogue import load_dialogue
        return load_dialogue()
    except Exception:  # noqa: BLE001 - any failure means: use our own lines
        return None


def _key(contact_id: int, turn: int, play: int = 0) -> int:
    try:
        from sim.dialogue import line_key
        return int(line_key(contact_id, turn, play))
    except Exception:  # noqa: BLE001
        return contact_id * 1_000_003 + turn * 7_919 + play * 104_729


def _plays(play: int) -> tuple[int, ...]:
    """The plays whose words a line of `play` may use, in order (`sim.dialogue.plays_to_try`)."""
    try:
        from sim.dialogue import plays_to_try
        return tuple(plays_to_try(play))
    except Exception:  # noqa: BLE001
        return (play, play + 2, play + 3, play + 1)


def money(x: float | None) -> str:
    """The money at stake for {amount}: unknown until the agent has asked, or none at all, reads as a phrase."""
    return "the full amount" if not x else f"{x:,.0f}"


def customer_line(goal: str, segment: str, mood: str, cue: str, contact_id: int, turn: int,
                  agent: str = "", need: float | None = None, avoid: str = "", play: int = 0) -> str:
    """What the customer says: the opening line, or the reaction to the last response.

    `avoid` is the customer's previous line: another wording is picked if this one repeats it.
    `play` is the play of this scenario and seed (0 the first time): each play has its own words.
    """
    line = ""
    for p in _plays(play):
        line = _customer_line(goal, segment, mood, cue, contact_id, turn, agent, need, p)
        if line != avoid:
            break
    return line


def _values(need: float | None, agent: str) -> dict[str, str]:
    """What a line's placeholders are filled with: the sum at stake and the agent's name."""
    return {"amount": money(need), "agent": agent} if agent else {"amount": money(need)}


def _customer_line(goal: str, segment: str, mood: str, cue: str, contact_id: int, turn: int,
                   agent: str, need: float | None, play: int) -> str:
    cue = cue or "opening"
    d = _dialogue()
    if d is not None:
        try:
            return str(d.customer_line(goal, segment, mood, cue, _key(contact_id, turn, play), _values(need, agent)))
        except (LookupError, ValueError):
            pass
    if cue == "opening":
        return _FALLBACK_OPENING.get(mood, _FALLBACK_OPENING["uneasy"])
    return _FALLBACK_REACTION.get(cue, "Hmm.")


def says(view: TurnView, agent: str = "", avoid: str = "", play: int = 0) -> str:
    """The customer's line for a pending turn."""
    return customer_line(view.goal, view.segment, view.mood, view.last_cue, view.contact_id, view.turn,
                         agent, view.need, avoid, play)


def response_line(kind: str, label: str, segment: str, goal: str, contact_id: int, turn: int,
                  agent: str = "", need: float | None = None, play: int = 0, avoid: Collection[str] = ()) -> str:
    """The words the trainee says for a response kind (the catalog label if none are written).

    `avoid` holds what was already said in this call: another wording is picked if this one repeats it.
    The live options and the replay pass the same (and the same `play`), so both show the same words.
    """
    line = label
    for p in _plays(play):
        line = _response_line(kind, label, segment, goal, contact_id, turn, agent, need, p)
        if line not in avoid:
            break
    return line


def _response_line(kind: str, label: str, segment: str, goal: str, contact_id: int, turn: int,
                   agent: str, need: float | None, play: int) -> str:
    d = _dialogue()
    if d is not None:
        try:
            return str(d.response_line(kind, segment, goal, _key(contact_id, turn, play), _values(need, agent)))
        except (LookupError, ValueError):
            pass
    return label


def cue_phrase(cue: str) -> str:
    return CUE_PHRASES.get(cue, cue.replace("_", " "))


def cue_tone(cue: str) -> str:
    """good, bad or neutral: how the reaction is shown."""
    return "good" if cue in GOOD_CUES else "bad" if cue in BAD_CUES else "neutral"


def feedback(kind: str, *, mood: str, segment: str, goal: str, cue: str, hot: bool) -> tuple[str, str, str]:
    """Debrief feedback for a choice: (text, principle, lesson id); ('', '', '') if none is written."""
    d = _dialogue()
    if d is not None:
        try:
            fb = d.feedback(kind, mood=mood if mood in MOODS else "uneasy", segment=segment, goal=goal,
                            cue=cue, hot=hot)
            return fb.text, fb.principle, fb.lesson_id
        except (LookupError, ValueError):
            pass
    return "", "", ""


def lesson(lesson_id: str) -> tuple[str, str]:
    """A lesson's (title, text); the id itself when lessons cannot be read."""
    try:
        from sim.lessons import load_lessons
        for item in load_lessons():
            if item.id == lesson_id:
                return item.title, item.text
    except Exception:  # noqa: BLE001, S110 - no lessons file: show the id as a title
        pass
    return lesson_id.replace("_", " ").capitalize(), ""


def lever_note(lever: str, change: str) -> str:
    """What pulling a lever teaches, if the dialogue says ('' otherwise)."""
    d = _dialogue()
    if d is not None:
        try:
            return str(d.lever_feedback(lever, change).text)
        except (LookupError, ValueError, AttributeError):
            pass
    return ""


STEP_TITLES = ("Control", "Acknowledge", "Refocus", "Problem-solve")  # if the dialogue cannot be read


def coaching(view: TurnView, responses: Any) -> Any:
    """The tutorial coach for a pending turn (`sim.coach.Coaching`), or None if it has no words for it."""
    try:
        from sim.coach import coach
        return coach(view, responses)
    except Exception:  # noqa: BLE001 - no coach rather than no game
        return None


def coach_steps() -> tuple[tuple[str, str], ...]:
    """The four CARP steps as the coach names them: (title, one-line summary)."""
    try:
        from sim.coach import summaries, titles
        return tuple(zip(titles(), summaries(), strict=True))
    except Exception:  # noqa: BLE001
        return tuple((t, "") for t in STEP_TITLES)
