"""Dialogue: what customers say, the wordings the trainee picks from, and debrief feedback.

The text lives in ``assets/dialogue/*.toml`` (format: ``assets/dialogue/README.md``)
and is validated on load into frozen values; every problem names the file, the
key and what was expected.  Selection is deterministic: the caller passes an
integer `key` (see `line_key`) and the same key always gives the same line,
while different keys spread over the alternatives (a customer's lines rotate
turn by turn, so one call does not hear the same line twice in a row of
turns); `avoid` skips a line just shown.  Placeholders ({agent}, {company}, {amount}) are filled from `values`,
else from the defaults in the data.

* customer lines: ``openings.<goal>.<segment>.<mood>`` for the first turn,
  ``reactions.<cue>.<segment>.<mood>`` for the reaction to each response (shared by
  every goal, so free of any goal's ``topics`` words) and
  ``goal_reactions.<goal>.<cue>.<segment>.<mood>`` mixed in for one goal; the
  ``goal_lines`` cues need lines of each goal's own for every segment and mood;
* response lines: ``responses.<kind>.<segment>`` (shared by every goal, so free
  of any goal's ``topics`` words) plus ``responses.<kind>.by_goal.<goal>.<segment
  or any>``; the ``goal_wordings`` kinds need wordings of their own for every goal;
* the tutorial coach: ``coach.<carp step>`` (a title, lines for hot and cool
  customers) and ``coach_after.<cue>`` (a note on the last reaction), see `sim.coach`;
* feedback: ``feedback.<kind>`` with a default text and variants chosen by
  context (above or below the emotional hurdle, segment, goal, cue, mood): a
  matching variant with a cue wins, then one with a goal, then the one with
  most conditions; ``levers.<policy>.<change>`` says what a policy lever teaches.

Errors: `DialogueError` (a `ScenarioError`) for the dialogue files, `LessonError`
for ``assets/lessons.toml``; lookups of ids with no text raise `LookupError`.
"""

from __future__ import annotations

import functools
import math
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import ScenarioError
from .lessons import Lesson, load_lessons
from .scenario import assets_dir

MOODS = ("calm", "uneasy", "annoyed", "angry", "furious")  # sim.conversation.band, calm first
HOT_MOODS = ("annoyed", "angry", "furious")  # assumed above the hurdle when `hot` is not given
CUES = (
    "opening", "felt_heard", "outraged", "irritated", "explains", "listening", "confused",
    "appreciates_precision", "feels_talked_down_to", "not_ready", "feels_bought_off",
    "rejects_answer", "gives_up", "hangs_up", "relieved", "relieved_but_misinformed",
    "needs_supervisor", "passed_around", "told_no", "waits_for_supervisor", "waits_for_follow_up",
)
PLACEHOLDERS = ("agent", "company", "amount")  # {agent} name, {company} name, {amount} money
# Lengths that fit the conversation panel at the smallest window (960x540); tests/test_dialogue.py
# measures every line with the game's font, and that ordinary text at these limits fits.
MAX_LINE_CHARS = 120  # what a customer says: three lines of a transcript bubble
MAX_RESPONSE_CHARS = 90  # a wording the trainee picks: two lines of an option card
MAX_FEEDBACK_CHARS = 420  # the debrief panel is taller
MAX_COACH_CHARS = 160  # the tutorial coach's card beside the floor
_SYNONYMS = {"on": "up", "up": "on", "off": "down", "down": "off"}  # for lever changes
_MASK = (1 << 64) - 1
_CONTACT_MASK, _TURN_SHIFT, _TURN_MASK, _PLAY_SHIFT, _PLAY_MASK = (1 << 40) - 1, 40, 0xFFFF, 56, 0xFF  # line_key
PLAYS = _PLAY_MASK + 1  # plays 0..PLAYS-1 have words of their own (line_key keeps the play modulo this)
_ALTERNATE_PLAYS = (0, 2, 3, 1)  # plays_to_try: this play's words, then other plays', the next play's last
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class DialogueError(ScenarioError):
    """The dialogue files could not be used.  Holds every problem found."""


@dataclass(frozen=True)
class Feedback:
    """Debrief text for one choice: what it did and why, with the principle it teaches."""

    text: str
    principle: str
    lesson_id: str


@dataclass(frozen=True, kw_only=True)
class Variant:
    """A feedback text for one context; empty conditions match anything."""

    text: str
    lesson: str
    heat: str  # "", hot (above the emotional hurdle), cool
    segments: tuple[str, ...]
    goals: tuple[str, ...]
    cues: tuple[str, ...]
    moods: tuple[str, ...]

    def matches(self, *, hot: bool, segment: str, goal: str, cue: str, mood: str) -> bool:
        return ((not self.heat or (self.heat == "hot") == hot)
                and (not self.segments or segment in self.segments)
                and (not self.goals or goal in self.goals)
                and (not self.cues or cue in self.cues)
                and (not self.moods or mood in self.moods))

    @property
    def specificity(self) -> tuple[bool, bool, int]:
        """A cue (the outcome) outranks everything, then a goal, then the number of conditions."""
        return (bool(self.cues), bool(self.goals),
                sum(bool(x) for x in (self.heat, self.segments, self.goals, self.cues, self.moods)))


@dataclass(frozen=True, kw_only=True)
class KindFeedback:
    kind: str
    text: str  # when no variant matches
    lesson: str
    variants: tuple[Variant, ...]


@dataclass(frozen=True, kw_only=True)
class Dialogue:
    """All dialogue text, validated.  Keys are tuples of ids; values are lines in file order."""

    source: str
    placeholders: Mapping[str, str]
    openings: Mapping[tuple[str, str, str], tuple[str, ...]]  # (goal, segment, mood)
    reactions: Mapping[tuple[str, str, str], tuple[str, ...]]  # (cue, segment, mood)
    goal_reactions: Mapping[tuple[str, str, str, str], tuple[str, ...]]  # (goal, cue, segment, mood)
    responses: Mapping[tuple[str, str], tuple[str, ...]]  # (kind, segment)
    goal_responses: Mapping[tuple[str, str, str], tuple[str, ...]]  # (kind, goal, segment or "any")
    feedbacks: Mapping[str, KindFeedback]
    levers: Mapping[tuple[str, str], tuple[str, str]]  # (policy, change) -> (text, lesson id)
    lessons: tuple[Lesson, ...]
    topics: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))  # goal -> its words
    goal_keyed: tuple[str, ...] = ()  # response kinds with wordings of their own for every goal
    goal_lines: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # cue -> own lines per goal
    coach_titles: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # CARP step -> title
    coach_summaries: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # step -> one line
    coach: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    coach_after: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))  # cue -> notes

    # -- customer lines ----------------------------------------------------
    def customer_pool(self, goal: str, segment: str, mood: str, cue: str) -> tuple[str, ...]:
        """Every line the customer may say here (falls back to the nearest mood)."""
        _check(mood, MOODS, "mood")
        _check(cue, CUES, "cue")
        pool = self.own_customer_lines(goal, segment, mood, cue)
        if cue != "opening":
            pool += _near(self.reactions, (cue,), segment, mood, required=not pool)
        if not pool:
            raise LookupError(f"no customer line for goal {goal!r}, segment {segment!r}, cue {cue!r}")
        return pool

    def own_customer_lines(self, goal: str, segment: str, mood: str, cue: str,
                           borrow: bool = True) -> tuple[str, ...]:
        """The lines in `customer_pool` written for this goal only (every opening is).

        A goal's reactions are used for the mood band written and the bands next to it; openings
        for the nearest band written and, with `borrow`, another segment's if this one has none.
        """
        if cue == "opening":
            return _near(self.openings, (goal,), segment, mood, required=False, borrow=borrow)
        return _near(self.goal_reactions, (goal, cue), segment, mood, required=False, reach=1, borrow=False)

    def customer_line(self, goal: str, segment: str, mood: str, cue: str, key: int,
                      values: Mapping[str, str] | None = None, avoid: str = "") -> str:
        """What a customer says: the opening (cue "opening") or the reaction to a response.

        `avoid` is a line just shown (filled or not): another one is picked if the pool allows.
        With keys from `line_key`, one contact's turns walk through the pool: the same goal,
        segment, mood and cue give a different line on each of up to as many turns as it has lines.
        """
        pool = self.customer_pool(goal, segment, mood, cue)
        return self._pick(pool, key, f"c/{goal}/{segment}/{mood}/{cue}", values, avoid, rotate=True)

    # -- response lines ----------------------------------------------------
    def response_pool(self, kind: str, segment: str, goal: str) -> tuple[str, ...]:
        """Every wording of a response kind for this customer."""
        pool = self.goal_responses.get((kind, goal, segment), ()) + self.goal_responses.get((kind, goal, "any"), ())
        own = self.responses.get((kind, segment))
        if own is None:  # a segment the dialogue does not know: borrow the first one written
            own = next((v for (k, _s), v in self.responses.items() if k == kind), ())
        pool += own
        if not pool:
            raise LookupError(f"no wording for response kind {kind!r}")
        return pool

    def goal_wordings(self, kind: str, segment: str, goal: str) -> tuple[str, ...]:
        """The wordings written for this goal only (for this segment, then for any segment)."""
        return self.goal_responses.get((kind, goal, segment), ()) + self.goal_responses.get((kind, goal, "any"), ())

    def topics_of(self, text: str) -> dict[str, str]:
        """The goals whose topic words `text` uses, each with the first such word found."""
        out = {}
        for goal, words in self.topics.items():
            m = _topic_pattern(words).search(text)
            if m:
                out[goal] = m.group(0)
        return out

    def response_line(self, kind: str, segment: str, goal: str, key: int,
                      values: Mapping[str, str] | None = None, avoid: str = "") -> str:
        """The words the trainee sees (and says) for one response kind; `avoid` as above."""
        pool = self.response_pool(kind, segment, goal)
        return self._pick(pool, key, f"r/{kind}/{segment}/{goal}", values, avoid)

    def _pick(self, pool: tuple[str, ...], key: int, slot: str, values: Mapping[str, str] | None,
              avoid: str, rotate: bool = False) -> str:
        i = (_rotate if rotate else _index)(key, slot, len(pool))
        if avoid and len(pool) > 1 and avoid in (pool[i], self.fill(pool[i], values)):
            i = (i + 1) % len(pool)
        return self.fill(pool[i], values)

    # -- the tutorial coach ----------------------------------------------------
    def coach_line(self, step: str, hot: bool, key: int) -> str:
        """What the coach says at a CARP step (`sim.coach`), for a customer above the hurdle or not."""
        heat, other = ("hot", "cool") if hot else ("cool", "hot")
        pool = self.coach.get((step, heat)) or self.coach.get((step, other))
        if not pool:
            raise LookupError(f"no coach line for step {step!r}")
        return self._pick(pool, key, f"coach/{step}/{heat}", None, "")

    def coach_note(self, cue: str, key: int) -> str:
        """The coach's note on the customer's last reaction ('' when there is none for this cue)."""
        pool = self.coach_after.get(cue, ())
        return self._pick(pool, key, f"coach_after/{cue}", None, "") if pool else ""

    # -- feedback ------------------------------------------------------------
    def feedback(self, kind: str, *, mood: str, segment: str, goal: str, cue: str,
                 hot: bool | None = None) -> Feedback:
        """Debrief feedback for choosing `kind` in this context.

        `hot` is whether the customer was above their emotional hurdle (pass
        `TurnView.hot`); if omitted, annoyed, angry and furious count as hot.
        """
        _check(mood, MOODS, "mood")
        entry = self.feedbacks.get(kind)
        if entry is None:
            raise LookupError(f"no feedback for response kind {kind!r}")
        heat = mood in HOT_MOODS if hot is None else hot
        best: Variant | None = None
        for v in entry.variants:
            if v.matches(hot=heat, segment=segment, goal=goal, cue=cue, mood=mood):
                if best is None or v.specificity > best.specificity:
                    best = v
        text, lesson = (best.text, best.lesson or entry.lesson) if best else (entry.text, entry.lesson)
        return Feedback(self.fill(text), self.lesson(lesson).principle, lesson)

    def lever_feedback(self, lever: str, change: str) -> Feedback:
        """What pulling a policy lever teaches; `change` is on, off, up, down or a named value."""
        change = change if (lever, change) in self.levers else _SYNONYMS.get(change, change)
        if (lever, change) not in self.levers:
            known = ", ".join(c for (k, c) in self.levers if k == lever) or "none"
            raise LookupError(f"no note for policy {lever!r} change {change!r} (known: {known})")
        text, lesson = self.levers[(lever, change)]
        return Feedback(self.fill(text), self.lesson(lesson).principle, lesson)

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise LookupError(f"no lesson {lesson_id!r}")

    def fill(self, text: str, values: Mapping[str, str] | None = None) -> str:
        """Replace {placeholders} with `values`, else with the defaults in the data."""
        merged = {**self.placeholders, **(values or {})}
        return _PLACEHOLDER.sub(lambda m: str(merged.get(m.group(1), m.group(0))), text)

    # -- inventory -----------------------------------------------------------
    def customer_lines(self) -> set[str]:
        return {s for table in (self.openings, self.reactions, self.goal_reactions) for v in table.values() for s in v}

    def response_lines(self) -> set[str]:
        return {s for table in (self.responses, self.goal_responses) for v in table.values() for s in v}

    def feedback_texts(self) -> dict[str, str]:
        """Every distinct feedback text (response kinds and levers) with the lesson it names."""
        out = {}
        for fb in self.feedbacks.values():
            out[fb.text] = fb.lesson
            for v in fb.variants:
                out[v.text] = v.lesson or fb.lesson
        for text, lesson in self.levers.values():
            out[text] = lesson
        return out


@functools.lru_cache(maxsize=64)
def _topic_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def line_key(contact_id: int, turn: int, play: int = 0) -> int:
    """A selection key for one turn; bump `play` on a replay to hear different words.

    The contact, the turn and the play are packed into one integer (turn and play in the high
    bits), so customer lines can walk through their pool turn by turn (`_rotate`) and every
    line, a customer's or a wording, moves on by one from one play to the next.  The play is
    kept modulo `PLAYS`.
    """
    return (((play & _PLAY_MASK) << _PLAY_SHIFT) | ((turn & _TURN_MASK) << _TURN_SHIFT)
            | (contact_id & _CONTACT_MASK))


def plays_to_try(play: int) -> tuple[int, ...]:
    """The plays whose keys one line of `play` may use, in the order to try them.

    The play's own first; the others only when that line must be avoided (it repeats what was
    just said).  Every play moves each line on by one, so the next play (+1) comes last and the
    previous one (+3 = -1 with four lines) next to last: a line avoided in this play is rarely
    the line the neighbouring plays show at this turn.
    """
    return tuple((play + k) % PLAYS for k in _ALTERNATE_PLAYS)


def _mix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK  # splitmix64 finaliser
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _index(key: int, slot: str, n: int) -> int:
    """A hashed index of the contact and turn, moved on by one per play (play 0: the hash alone)."""
    key = int(key) & _MASK
    play = (key >> _PLAY_SHIFT) & _PLAY_MASK
    rest = key & ~(_PLAY_MASK << _PLAY_SHIFT)
    return (_mix(rest ^ (zlib.crc32(slot.encode("utf-8")) << 32)) % n + play) % n


def _rotate(key: int, slot: str, n: int) -> int:
    """An index that walks an order of the pool, one step per turn of the `line_key`.

    The start and the stride depend on the contact and the slot.  Within one contact and play,
    turns fewer than `n` apart never get the same index, so a customer who gives the same kind of
    reaction turn after turn says something new each time; the next play starts one further on,
    so a replayed turn never gets the index it had in the play before.
    """
    key = int(key) & _MASK
    turn, play = (key >> _TURN_SHIFT) & _TURN_MASK, (key >> _PLAY_SHIFT) & _PLAY_MASK
    h = _mix((key & _CONTACT_MASK) ^ (zlib.crc32(slot.encode("utf-8")) << 32))
    strides = [b for b in range(1, n) if math.gcd(b, n) == 1] or [1]
    return (h % n + play + strides[(h >> 40) % len(strides)] * turn) % n


def _check(value: str, known: tuple[str, ...], what: str) -> None:
    if value not in known:
        raise LookupError(f"unknown {what} {value!r} (expected one of {', '.join(known)})")


def _near(table: Mapping[Any, tuple[str, ...]], head: tuple[str, ...], segment: str, mood: str,
          required: bool = True, reach: int = len(MOODS), borrow: bool = True) -> tuple[str, ...]:
    """Lines for the mood, else the nearest mood written (at most `reach` bands away).

    With `borrow`, a segment with no lines here uses another segment's (scenarios may add segments).
    """
    segments = [segment]
    if borrow:
        segments += sorted({k[-2] for k in table if k[:-2] == head} - {segment})
    i = MOODS.index(mood)
    order = sorted((j for j in range(len(MOODS)) if abs(j - i) <= reach), key=lambda j: (abs(j - i), j))
    for seg in segments:
        for j in order:
            lines = table.get(head + (seg, MOODS[j]))
            if lines:
                return lines
    if required:
        raise LookupError(f"no customer line for {'/'.join(head)} / {segment} / {mood}")
    return ()


@functools.lru_cache(maxsize=8)
def _load(folder: str) -> Dialogue:
    from .dialogue_files import read_folder  # the loader builds the values defined here
    return read_folder(folder)


def load_dialogue(folder: str | Path | None = None) -> Dialogue:
    """Load and validate ``assets/dialogue/*.toml`` (cached); raises DialogueError."""
    return _load(str(Path(folder) if folder else assets_dir() / "dialogue"))


def customer_line(goal: str, segment: str, mood: str, cue: str, key: int, *,
                  values: Mapping[str, str] | None = None, avoid: str = "") -> str:
    """What the customer says (shipped dialogue); see `Dialogue.customer_line`."""
    return load_dialogue().customer_line(goal, segment, mood, cue, key, values, avoid)


def response_line(kind: str, segment: str, goal: str, key: int, *,
                  values: Mapping[str, str] | None = None, avoid: str = "") -> str:
    """The trainee's wording of a response (shipped dialogue); see `Dialogue.response_line`."""
    return load_dialogue().response_line(kind, segment, goal, key, values, avoid)


def feedback(kind: str, *, mood: str, segment: str, goal: str, cue: str, hot: bool | None = None) -> Feedback:
    """Debrief feedback (shipped dialogue); see `Dialogue.feedback`."""
    return load_dialogue().feedback(kind, mood=mood, segment=segment, goal=goal, cue=cue, hot=hot)


def lever_feedback(lever: str, change: str) -> Feedback:
    """What a policy change teaches (shipped dialogue); see `Dialogue.lever_feedback`."""
    return load_dialogue().lever_feedback(lever, change)


def lessons() -> tuple[Lesson, ...]:
    """Every lesson the game teaches, in the order of ``assets/lessons.toml``."""
    return load_lessons()


__all__ = [
    "CUES", "Dialogue", "DialogueError", "Feedback", "MAX_FEEDBACK_CHARS", "MAX_LINE_CHARS", "MAX_RESPONSE_CHARS",
    "MOODS",
    "PLACEHOLDERS", "PLAYS", "customer_line", "feedback", "lessons", "lever_feedback", "line_key", "load_dialogue",
    "plays_to_try", "response_line",
]
