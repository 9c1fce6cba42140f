"""Responders: whoever picks the agent's next response in a conversation.

One interface, three kinds of implementation:

* `Playbook` — the built-in team playbooks for simulated agents
  ("carp", "fast_and_friendly", "by_the_script");
* `ScriptedResponder` — a recorded list of decisions (tests, replays of a
  trainee's shift), optionally answering at the recorded simulated times;
* the trainee's clicks in the game, which answer through `Centre.apply`.

`decide(view)` returns a response id at once, or None to say "I will answer
later": the conversation then waits on a SimPy event until someone calls
`Centre.apply(Answer(...))`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Protocol, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from .model import Centre


@dataclass(frozen=True, slots=True)
class TurnView:
    """What the agent can see when choosing a response (a read-only value)."""

    contact_id: int
    customer_id: int
    agent_id: int
    turn: int
    time: float
    channel: str
    segment: str
    goal: str  # the goal id; playbooks use goal_known to decide whether they know it
    goal_known: bool
    frustration: float
    trust: float
    hot: bool  # above the emotional hurdle: problem-solving mostly fails now
    mood: str  # calm, uneasy, annoyed, angry, furious
    understanding: float
    acknowledged: bool
    apologised: bool
    need: float | None  # money the fix needs, once understood
    authority_limit: float
    history: int  # earlier contacts on file (0 when the policy hides history)
    reason: str  # new, retry, repeat
    transfers: int
    last_cue: str
    used: tuple[str, ...]  # response ids used so far in this contact
    options: tuple[str, ...]  # every response id the agent may choose
    note: str = ""  # what the scenario tells the trainee about a scripted customer
    was_hot: bool = False  # has been above the emotional hurdle at some turn of this contact (now included)


class Responder(Protocol):
    """Chooses responses.  `bind` is called once with the centre before the run."""

    def bind(self, centre: "Centre") -> None: ...

    def decide(self, view: TurnView) -> str | None: ...


class Playbook:
    """A team playbook: simple rules a simulated agent follows."""

    def __init__(self, name: str = "carp") -> None:
        if name not in PLAYBOOK_RULES:
            raise ValueError(f"unknown playbook {name!r} (known: {', '.join(PLAYBOOK_RULES)})")
        self.name = name
        self._rule = PLAYBOOK_RULES[name]

    def bind(self, centre: "Centre") -> None:
        return None

    def decide(self, view: TurnView) -> str:
        return self._rule(view)


def _authority_blocked(v: TurnView) -> bool:
    return v.need is not None and v.need > v.authority_limit


def carp(v: TurnView) -> str:
    """Control, acknowledge, refocus, problem-solve: emotions first, then accuracy."""
    used = v.used
    if v.hot:
        if "stay_calm" not in used:
            return "stay_calm"
        if "ask_feelings" not in used:
            return "ask_feelings"  # find out what they feel and why, so the acknowledgement names it
        if "acknowledge" not in used:
            return "acknowledge"
        if "let_talk" not in used:
            return "let_talk"
        if "apologise" not in used:
            return "apologise"
        return "acknowledge"
    if v.was_hot and "stay_calm" in used and "acknowledge" not in used:
        # they were over the hurdle and the calm word settled them: control is step one, not the
        # whole of the emotional work; however quickly it worked, acknowledge comes next
        return "ask_feelings" if "ask_feelings" not in used else "acknowledge"
    if (v.reason != "new" or "ask_feelings" in used) and "acknowledge" not in used:
        return "acknowledge"
    if ("acknowledge" in used or "apologise" in used) and "refocus" not in used:
        return "refocus"
    if v.understanding < 0.6 and used.count("diagnose") < 3:
        return "diagnose"
    if _authority_blocked(v):
        return "escalate"
    if "verify" not in used:
        return "verify"
    if v.segment == "end_user" and "plain_language" not in used:
        return "plain_language"
    if v.goal in ("complaint_repeat", "cancellation_threat") and v.acknowledged and "gesture" not in used:
        return "gesture"
    if v.goal == "faulty_product" and "promise_follow_up" not in used:
        return "promise_follow_up"
    return "answer"


def carp_step(v: TurnView) -> str:
    """The CARP step a conversation is at, read from the customer's state as `carp` reads it.

    control, acknowledge, refocus or problem_solve: the step of the response `carp` picks
    (for kinds the catalog gives no step, the step they serve: an apology acknowledges,
    plain words, a gesture, an escalation or a follow-up solve).
    """
    used = v.used
    if v.hot:
        return "control" if "stay_calm" not in used else "acknowledge"
    if v.was_hot and "stay_calm" in used and "acknowledge" not in used:
        return "acknowledge"  # calmed by the first word, but not yet heard
    if (v.reason != "new" or "ask_feelings" in used) and "acknowledge" not in used:
        return "acknowledge"
    if ("acknowledge" in used or "apologise" in used) and "refocus" not in used:
        return "refocus"
    return "problem_solve"


def fast_and_friendly(v: TurnView) -> str:
    """Be pleasant, be quick: an apology and the first fix that comes to mind."""
    if v.hot and "apologise" not in v.used:
        return "apologise"
    if _authority_blocked(v) and v.turn > 3:
        return "escalate"
    return "quick_answer"


def by_the_script(v: TurnView) -> str:
    """Follow the script: questions, the technical explanation, the answer; no small talk."""
    n = v.used.count("diagnose")
    if n < 2:
        return "diagnose"
    if "jargon" not in v.used:
        return "jargon"
    if _authority_blocked(v):
        return "transfer" if v.transfers == 0 else "escalate"
    if v.turn > 8:
        return "answer"
    return "answer"


PLAYBOOK_RULES = {"carp": carp, "fast_and_friendly": fast_and_friendly, "by_the_script": by_the_script}


@dataclass(frozen=True, slots=True)
class Decision:
    """One recorded choice: at `time` (s), for contact `contact_id`, turn `turn`, response `kind`."""

    contact_id: int
    turn: int
    kind: str
    time: float | None = None


class ScriptedResponder:
    """Answers from a recorded list of decisions; falls back to a playbook for the rest.

    With ``timed=True`` each decision is delivered at its recorded simulated
    time, exactly as a trainee's click was, so a replay reproduces the run.
    """

    def __init__(self, decisions: Sequence[Decision] | Mapping[tuple[int, int], str],
                 fallback: Responder | None = None, timed: bool = False) -> None:
        if isinstance(decisions, Mapping):
            self._by_key = {k: Decision(k[0], k[1], v) for k, v in decisions.items()}
        else:
            self._by_key = {(d.contact_id, d.turn): d for d in decisions}
        self.fallback = fallback
        self.timed = timed
        self.unused = set(self._by_key)
        self._centre: Centre | None = None

    def bind(self, centre: "Centre") -> None:
        self._centre = centre
        if self.fallback is not None:
            self.fallback.bind(centre)

    def decide(self, view: TurnView) -> str | None:
        d = self._by_key.get((view.contact_id, view.turn))
        if d is None:
            if self.fallback is not None:
                return self.fallback.decide(view)
            if self.timed:
                return None  # as the trainee did: someone else (a hand-back) answers it later
            raise LookupError(f"no recorded decision for contact {view.contact_id} turn {view.turn}")
        self.unused.discard((view.contact_id, view.turn))
        if self.timed and d.time is not None and self._centre is not None and d.time > view.time:
            self._centre.answer_at(d.time, d.contact_id, d.kind)
            return None
        return d.kind


class Interactive:
    """The trainee: never answers by itself; the game answers through Centre.apply."""

    def bind(self, centre: "Centre") -> None:
        return None

    def decide(self, view: TurnView) -> None:
        return None
