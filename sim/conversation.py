"""The turn engine: what a response does to a customer, read from the effect table.

No response has code of its own: every effect comes from the fields of its
`ResponseKind` row, interpreted against the customer's state.  The key rule
of the model lives here: above the emotional hurdle, problem-solving mostly
fails (``hot_factor``), so emotions must be dealt with first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .scenario import Goal, ResponseKind, Segment
from .team import Agent

MAX_TURNS = 14  # after this many turns the agent gives its best answer
HANG_UP_FRUSTRATION = 97.0  # a customer this frustrated ends the conversation
# An upset customer cut off with a question before they have had their say answers what is
# asked and keeps the rest of the story to themselves: until they are let talk, questions
# find out no more than this much of the problem (the point where the agent sees the need).
UNTOLD_CEILING = 0.5


@dataclass(slots=True)
class Talk:
    """Mutable state of one conversation (carried across transfers)."""

    frustration: float
    trust: float
    hurdle: float
    tolerance: float  # the segment's jargon tolerance
    draws: list[float]
    overflow: Callable[[], float]  # draws once the customer's reserved ones run out
    cursor: int = 0
    understanding: float = 0.0
    accuracy_bonus: float = 0.0
    acknowledged: bool = False
    apologised: bool = False
    survey_bonus: float = 0.0
    retention_delta: float = 0.0
    money: float = 0.0
    turns: int = 0
    seconds: float = 0.0
    uses: dict[str, int] = field(default_factory=dict)
    last_cue: str = "opening"
    heard: bool = False  # the customer has had their say (a response that marks "heard")
    cut_off: bool = False  # questioned while upset before they had their say

    def draw(self) -> float:
        """The customer's next uniform number (reserved per customer, so order is stable)."""
        if self.cursor < len(self.draws):
            u = self.draws[self.cursor]
            self.cursor += 1
            return u
        return self.overflow()

    @property
    def hot(self) -> bool:
        return self.frustration >= self.hurdle


def band(frustration: float) -> str:
    """A mood word for a frustration level: calm, uneasy, annoyed, angry, furious."""
    if frustration < 20:
        return "calm"
    if frustration < 40:
        return "uneasy"
    if frustration < 60:
        return "annoyed"
    if frustration < 80:
        return "angry"
    return "furious"


def _clip(x: float, lo: float = 0.0, hi: float = 100.0) -> float:
    return lo if x < lo else hi if x > hi else x


def warmth(agent: Agent) -> float:
    """How an agent's friendliness scales what customers feel from their words: 2 x friendliness.

    Friendliness is the one trait training never adds.  The same calming word, acknowledgement
    or apology settles a customer, and earns trust, in proportion to the warmth behind it: from
    an average agent (0.5) it works as the response table says, from a warm one up to twice as
    well, and from someone with no warmth at all it is a bare admission of the facts, which
    settles nobody.
    """
    return 2.0 * agent.friendliness


def coldness(agent: Agent) -> float:
    """How much harder an irritating turn lands from a cold voice (1 at friendliness 0.5)."""
    return 1.5 - agent.friendliness


def _caring(kind: ResponseKind) -> bool:
    """The responses that work through care rather than information: calm, acknowledgement, apology, gesture."""
    return kind.carp in ("control", "acknowledge") or kind.marks in ("acknowledged", "apologised") \
        or kind.needs_acknowledged


def apply_response(talk: Talk, kind: ResponseKind, agent: Agent, stress: float,
                   channel_factor: float) -> tuple[float, str]:
    """Apply a non-closing response; returns (seconds it took, customer's reaction cue)."""
    uses = talk.uses.get(kind.id, 0)
    talk.uses[kind.id] = uses + 1
    mult = kind.decay ** uses
    hot = talk.hot
    d_f = kind.frustration_hot if hot else kind.frustration
    w = warmth(agent)
    if d_f < 0:
        # helpful effects fade with repetition; care lands as warmly as it is given
        d_f *= mult * (w if _caring(kind) else 1.0)
    elif d_f > 0:
        d_f *= coldness(agent)  # a pushy question sounds pushier from a cold voice
    d_t = kind.trust * mult * w if kind.trust > 0 else kind.trust
    cue = ""
    if kind.needs_acknowledged and not (talk.acknowledged or talk.apologised):
        # a gift before any acknowledgement feels like being bought off
        d_f, d_t, cue = 5.0, -3.0, "feels_bought_off"
    else:
        talk.money += kind.cost
        talk.retention_delta += kind.retention * mult
        talk.survey_bonus += kind.survey * mult
    if kind.jargon:
        # technical words confuse those who do not tolerate them and settle those who do;
        # plain words (negative jargon) do the opposite: an expert feels talked down to
        d_f += 20.0 * kind.jargon * (1.0 - talk.tolerance) - 12.0 * kind.jargon * talk.tolerance
        d_t += 12.0 * kind.jargon * (talk.tolerance - 0.5)
    skill = 0.5 + agent.competence
    gain = kind.understanding * mult * skill * (kind.hot_factor if hot else 1.0)
    if kind.jargon > 0:
        gain += 0.15 * kind.jargon * talk.tolerance  # experts explain faster in their own terms
    if kind.marks == "heard":
        talk.heard = True
    elif hot and not talk.heard and kind.understanding > 0 and kind.hot_factor < 1.0:
        talk.cut_off = True  # a problem-solving question put to an upset customer who has not had their say
    understanding = _clip(talk.understanding + gain, 0.0, 1.0)
    if talk.cut_off and not talk.heard:
        understanding = min(understanding, max(talk.understanding, UNTOLD_CEILING))
    talk.understanding = understanding
    talk.accuracy_bonus += kind.accuracy * mult * (kind.hot_factor if hot else 1.0)
    before = talk.frustration
    talk.frustration = _clip(talk.frustration + d_f)
    talk.trust = _clip(talk.trust + d_t)
    if kind.marks == "acknowledged":
        talk.acknowledged = True
    elif kind.marks == "apologised":
        talk.apologised = True
    if not cue:
        cue = _cue(kind, before, talk, hot)
    seconds = kind.seconds * channel_factor * (1.0 + 0.5 * stress)
    talk.turns += 1
    talk.seconds += seconds
    talk.last_cue = cue
    return seconds, cue


def _cue(kind: ResponseKind, before: float, talk: Talk, hot: bool) -> str:
    delta = talk.frustration - before
    if kind.jargon > 0 and talk.tolerance < 0.5:
        return "confused"
    if kind.jargon > 0:
        return "appreciates_precision"
    if kind.jargon < 0 and talk.tolerance >= 0.7:
        return "feels_talked_down_to"
    if hot and kind.hot_factor < 1.0 and kind.understanding > 0:
        return "not_ready"
    if delta <= -6:
        return "felt_heard"
    if delta >= 15:
        return "outraged"
    if delta >= 4:
        return "irritated"
    if kind.understanding > 0:
        return "explains"
    return "listening"


def answer_accepted(talk: Talk, kind: ResponseKind) -> bool:
    """Above the hurdle an answer is mostly rejected: the customer does not feel heard."""
    if not talk.hot:
        return True
    return talk.draw() < kind.hot_factor


def correct_probability(talk: Talk, kind: ResponseKind, agent: Agent, goal: Goal, stress: float,
                        history_bonus: float, procedures_bonus: float) -> float:
    """Chance the information given is right."""
    skill = agent.skills.get(goal.knowledge, agent.competence)
    p = (0.45 + 0.35 * agent.competence * (0.5 + skill) / 1.5 + 0.25 * talk.understanding
         - 0.25 * goal.complexity + talk.accuracy_bonus + kind.accuracy + history_bonus
         + procedures_bonus - 0.15 * stress)
    return _clip(p, 0.03, 0.98)


def survey_score(talk: Talk, agent_friendliness: float, perceived_resolved: float, wait_s: float,
                 speed_expectation_s: float, handle_s: float, noise: float, callback: bool = False) -> int:
    """The survey right after the contact (1-5): it sees pleasantness and speed, not truth.

    A customer who was called back did not sit on hold: their wait weighs a fifth as much.
    """
    wait_weight = 0.2 if callback else 1.0
    s = (2.6 + 1.4 * perceived_resolved + 0.8 * agent_friendliness + talk.survey_bonus
         - talk.frustration / 45.0 - wait_weight * max(0.0, wait_s - 2 * speed_expectation_s) / 600.0
         - max(0.0, handle_s - 300.0) / 600.0 + 0.45 * noise)
    return int(_clip(round(s), 1, 5))


def retention(segment: Segment, frustration: float, trust: float, goal_met: bool, correct: bool | None,
              transfers: int, recovered: bool, delta: float) -> float:
    """Chance the customer stays after this contact, from the true outcome."""
    r = segment.retention_base - 0.35 * (frustration / 100.0) ** 1.3 + 0.08 * (trust - 50.0) / 50.0
    if not goal_met:
        r -= 0.12
    if correct is False:
        r -= 0.10
    r -= 0.05 * transfers
    if recovered:
        r += 0.06
    r += delta
    return _clip(r, 0.02, 0.99)
