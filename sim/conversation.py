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
UNCONTROLLED = 0.8  # above the hurdle before any steady first word: share of calming and trust that lands (irritation / this)
FEELINGS_UNHEARD = 0.6  # share of an acknowledgement that lands when nobody asked how they feel
TRUST_SCAR = 8.0  # trust points lost in a contact that halve every later gain in it
BRIBE_FRUSTRATION = 5.0  # a gesture before any acknowledgement: frustration...
BRIBE_TRUST = -5.0  # ...and trust (the money is spent all the same)
CALM_MARGIN = 5.0  # calming at full strength reaches this far below the hurdle, the rest at the calm rate
ANSWER_RELIEF = 10.0  # frustration an answer they believe takes off
SURFACE_MAX = 1.0  # the most a pleasant manner adds to the survey, however many pleasant turns
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
    feelings: float = 0.0  # how well the agent knows what the customer feels and why (0-1)
    controlled: bool = False  # the agent has set a steady, calm tone (CARP control)
    was_hot: bool = False  # was above the emotional hurdle at some turn of this contact
    brushed_off: bool = False  # refocused while still hot, and not refocused properly since
    doubt: float = 0.0  # 0-1: a specialist given only the simplified version cannot tell if it is right
    trust_lost: float = 0.0  # trust lost in this contact so far (makes later gains smaller)
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
    had_their_say: bool = False  # the customer has had their say (a response that marks "heard")
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


def heard(talk: Talk) -> float:
    """How fully an acknowledgement lands: 60 % when nobody found out what they feel, 100 % when asked."""
    return FEELINGS_UNHEARD + (1.0 - FEELINGS_UNHEARD) * talk.feelings


def relief(talk: Talk) -> float:
    """How much an answer they believe settles it takes off their frustration.

    A customer who was over the emotional hurdle and was never asked how they feel is
    less relieved by a fix: the problem is gone, the feeling nobody asked about is not.
    A specialist who was given only the simplified version is less sure the answer is
    right (`Talk.doubt`), and is relieved in proportion to what they can believe.
    """
    return ANSWER_RELIEF * (heard(talk) if talk.was_hot else 1.0) * (1.0 - talk.doubt)


def gain_trust(talk: Talk, d: float) -> None:
    """Change trust by `d`: a loss is remembered, and every later gain in the contact is smaller.

    A wrong step costs several steps of trust: once trust has been lost in a
    conversation, the customer is wary and kind words rebuild it more slowly.
    """
    if d > 0:
        d /= 1.0 + talk.trust_lost / TRUST_SCAR
    elif d < 0:
        talk.trust_lost -= d
    talk.trust = _clip(talk.trust + d)


def apply_response(talk: Talk, kind: ResponseKind, agent: Agent, stress: float,
                   channel_factor: float) -> tuple[float, str]:
    """Apply a non-closing response; returns (seconds it took, customer's reaction cue)."""
    uses = talk.uses.get(kind.id, 0)
    talk.uses[kind.id] = uses + 1
    mult = kind.decay ** uses
    hot = talk.hot
    talk.was_hot = talk.was_hot or hot
    d_f = kind.frustration_hot if hot else kind.frustration
    w = warmth(agent)
    if d_f < 0:
        # helpful effects fade with repetition; care lands as warmly as it is given
        d_f *= mult * (w if _caring(kind) else 1.0)
    elif d_f > 0:
        d_f *= coldness(agent)  # a pushy question sounds pushier from a cold voice
    base_t = kind.trust_hot if hot else kind.trust
    d_t = base_t * mult * w if base_t > 0 else base_t
    if kind.marks or kind.needs_acknowledged:
        # an acknowledgement, an apology or a gesture lands fully only when the agent has
        # found out what the customer feels and why: otherwise it is words about the wrong thing
        land = heard(talk)
        d_f = d_f * land if d_f < 0 else d_f
        d_t = d_t * land if d_t > 0 else d_t
    if hot and kind.carp != "control" and not talk.controlled:
        # no steady first word: the agent is reacting to the heat. Until the conversation feels
        # safe every calming step works less well, a pushy or solving turn is met as part of a
        # fight (it inflames more), and an angry customer who was never met with a calm voice
        # trusts less of what follows
        if d_f < 0:
            d_f *= UNCONTROLLED
        elif d_f > 0:
            d_f /= UNCONTROLLED
        if d_t > 0:
            d_t *= UNCONTROLLED
    if kind.carp == "control":
        talk.controlled = True
    cue = ""
    if kind.needs_acknowledged and not (talk.acknowledged or talk.apologised):
        # a gift before any acknowledgement reads as a bribe: paid for, and resented
        talk.money += kind.cost
        d_f, d_t, cue = BRIBE_FRUSTRATION, BRIBE_TRUST, "feels_bought_off"
    else:
        talk.money += kind.cost
        talk.retention_delta += kind.retention * mult
        talk.survey_bonus += kind.survey * mult
    if hot and d_f < 0:
        # calming is strong only for the part of the heat above the hurdle; what it would
        # take off below the hurdle it takes off at the calm rate (there is less left to calm)
        room = max(0.0, talk.frustration - talk.hurdle + CALM_MARGIN)
        if -d_f > room:
            cool = kind.frustration / kind.frustration_hot if kind.frustration < 0 else 0.0
            d_f = -(room + (-d_f - room) * min(1.0, cool))
    if kind.jargon:
        # technical words confuse those who do not tolerate them and settle those who do;
        # plain words (negative jargon) do the opposite: an expert feels talked down to
        d_f += 20.0 * kind.jargon * (1.0 - talk.tolerance) - 12.0 * kind.jargon * talk.tolerance
        d_t += 12.0 * kind.jargon * (talk.tolerance - 0.5)
        if kind.jargon < 0:
            # the plain version leaves out the detail a specialist needs to judge it: the more they
            # want precision (tolerance above the middle), the less sure they are it is right
            talk.doubt = _clip(talk.doubt - 2.0 * kind.jargon * (talk.tolerance - 0.5), 0.0, 1.0)
        else:
            talk.doubt = 0.0  # the precise terms answer the question they asked
    skill = 0.5 + agent.competence
    # above the hurdle, or after a refocus that came too early, the customer is in the emotional
    # frame: problem-solving works only as much as the kind's hot_factor says
    frame = kind.hot_factor if hot or talk.brushed_off else 1.0
    gain = kind.understanding * mult * skill * frame
    if kind.jargon > 0:
        gain += 0.15 * kind.jargon * talk.tolerance  # experts explain faster in their own terms
    if kind.marks == "heard":
        talk.had_their_say = True
    elif hot and not talk.had_their_say and kind.understanding > 0 and kind.hot_factor < 1.0:
        talk.cut_off = True  # a problem-solving question put to an upset customer who has not had their say
    understanding = _clip(talk.understanding + gain, 0.0, 1.0)
    if talk.cut_off and not talk.had_their_say:
        understanding = min(understanding, max(talk.understanding, UNTOLD_CEILING))
    talk.understanding = understanding
    talk.feelings = _clip(talk.feelings + kind.feelings * mult * (1.0 - talk.feelings), 0.0, 1.0)
    talk.accuracy_bonus += kind.accuracy * mult * frame
    if kind.carp == "refocus":
        # said before they have calmed it sounds like brushing them off: they stay in the emotional
        # frame until a refocus that comes once they are calm moves them to the problem
        talk.brushed_off = hot
    before = talk.frustration
    talk.frustration = _clip(talk.frustration + d_f)
    gain_trust(talk, d_t)
    if kind.marks == "acknowledged":
        talk.acknowledged = True
    elif kind.marks == "apologised":
        talk.apologised = True
    if not cue:
        cue = _cue(kind, before, talk, hot or talk.brushed_off)  # brushed off: still not ready
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
    A pleasant manner adds at most `SURFACE_MAX`, however many pleasant turns there were, and
    the score is bounded by how the customer feels at the end: someone still furious, or who
    no longer trusts the company at all, does not give top marks for a friendly voice.
    """
    wait_weight = 0.2 if callback else 1.0
    s = (2.6 + 1.4 * perceived_resolved + 0.8 * agent_friendliness + min(SURFACE_MAX, talk.survey_bonus)
         - talk.frustration / 45.0 - wait_weight * max(0.0, wait_s - 2 * speed_expectation_s) / 600.0
         - max(0.0, handle_s - 300.0) / 600.0 + 0.45 * noise)
    ceiling = 5.0 - max(0.0, talk.frustration - 65.0) / 8.0 - max(0.0, 25.0 - talk.trust) / 8.0
    return int(_clip(round(min(s, ceiling)), 1, 5))


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
