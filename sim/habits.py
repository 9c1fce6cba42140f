"""Habits: small, named edits of the CARP team playbook.

A habit is one thing an agent does differently from `sim.responders.carp`: a
step skipped, a phrase said too early, one kind of response always swapped for
another.  The lesson ledger (`sim.ledger`) plays a scenario with the CARP
playbook and with the same playbook plus a habit, on the same seeds, so the
paired difference is the cost (or the gain) of that one habit.

Every habit is a pure function of what the agent can see (`TurnView`) and of
what the plain CARP playbook would say next: no state, no random draws, so a
run with habits is as deterministic for its seed as any other.  A habit that
skips a line lets CARP carry on as if it had been said; one that swaps a line
for another says the other once per contact and then skips the line.

`Habits(names, script)` is the responder: it first answers a `script` of
response kinds in order for each contact (turn 0, 1, ... of the contact),
then the CARP playbook with the habits applied in the order given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .responders import Playbook, TurnView

if TYPE_CHECKING:  # pragma: no cover
    from .model import Centre

# the response kind a habit uses for a precise, technical answer to a specialist; the
# first of these the scenario's response table has (the catalog's technical explanation last)
PRECISE_KINDS = ("precise", "precise_answer", "technical", "jargon")

# A rule gets the view and the function that asks the playbook below it (CARP with the
# earlier habits applied) for its choice; it returns the response kind to use.
Next = Callable[[TurnView], str]
Rule = Callable[[TurnView, Next], str]


@dataclass(frozen=True)
class Habit:
    name: str
    text: str  # what the agent does, in plain words
    rule: Rule


def _pretend(v: TurnView, kind: str, times: int = 1) -> TurnView:
    """The view as if `kind` had been said (at least `times` times) in this contact."""
    return replace(v, used=v.used + (kind,) * max(1, times - v.used.count(kind)))


def _skip(kind: str, times: int = 1, instead: str = "") -> Rule:
    """Never say `kind`: where the playbook would, it goes on as if `kind` had been said.

    `times`: as if said that often (CARP asks up to three diagnostic questions).  Where the
    playbook would still pick it (CARP's last resort while a customer stays hot is another
    acknowledgement), `instead` is said.
    """
    def rule(v: TurnView, nxt: Next) -> str:
        choice = nxt(v)
        if choice != kind:
            return choice
        choice = nxt(_pretend(v, kind, times))
        return instead if choice == kind and instead else choice
    return rule


def _swap(kind: str, other: str, when: Callable[[TurnView], bool] = lambda v: True) -> Rule:
    """Say `other` where the playbook would say `kind` (and `when` holds).

    Once `other` has been said in the contact, a later `kind` is skipped instead (the playbook
    goes on as if it had been said), so the swap does not repeat the same line all call long.
    """
    def rule(v: TurnView, nxt: Next) -> str:
        choice = nxt(v)
        if choice != kind or not when(v):
            return choice
        if other not in v.used:
            return other
        return nxt(_pretend(v, kind))
    return rule


ENDINGS = ("answer", "promise_follow_up")  # CARP's last words in a contact it can settle itself


def _before_ending(kind: str, when: Callable[[TurnView], bool]) -> Rule:
    """Say `kind` once, just before the playbook's answer or follow-up promise, where `when` holds."""
    def rule(v: TurnView, nxt: Next) -> str:
        choice = nxt(v)
        if choice in ENDINGS and when(v) and kind not in v.used:
            return kind
        return choice
    return rule


def _precise_kind(v: TurnView) -> str:
    return next((k for k in PRECISE_KINDS if k in v.options), "jargon")


def _refocus_while_hot(v: TurnView, nxt: Next) -> str:
    if v.hot and "stay_calm" in v.used and "refocus" not in v.used:
        return "refocus"  # straight after the first calm word, before they have calmed down
    return nxt(v)


def _early_gesture(v: TurnView, nxt: Next) -> str:
    if v.turn == 0 and v.hot and not v.acknowledged and not v.apologised:
        return "gesture"  # a coupon before anyone listened
    return nxt(v)


def _your_choice(v: TurnView, nxt: Next) -> str:
    if v.goal == "cancellation_threat" and v.turn == 1:
        return "your_choice"  # "well, that's certainly your choice"
    return nxt(v)


def _make_it_up(v: TurnView, nxt: Next) -> str:
    choice = nxt(v)
    if choice == "gesture":
        return "answer" if "make_it_up" in v.used else "make_it_up"
    return choice


def _fix_first(v: TurnView, nxt: Next) -> str:
    return nxt(replace(v, hot=False))  # straight to the problem, however upset they are


def _is(segment: str) -> Callable[[TurnView], bool]:
    return lambda v: v.segment == segment


def _precise_for_professionals(v: TurnView, nxt: Next) -> str:
    return _before_ending(_precise_kind(v), _is("professional"))(v, nxt)


HABITS: dict[str, Habit] = {h.name: h for h in (
    Habit("skip_stay_calm", "never says the steady, calming first line", _skip("stay_calm")),
    Habit("skip_acknowledge", "never acknowledges what went wrong (repeats the calming line where CARP would "
          "acknowledge again)", _skip("acknowledge", instead="stay_calm")),
    Habit("skip_ask_feelings", "never asks how the customer feels about it", _skip("ask_feelings")),
    Habit("interrupt", "cuts in with a diagnostic question where CARP lets the customer talk",
          _swap("let_talk", "diagnose")),
    Habit("skip_apologise", "never apologises", _skip("apologise", instead="acknowledge")),
    Habit("refocus_while_hot", "refocuses on the problem right after the first calm word, while the customer "
          "is still above the hurdle", _refocus_while_hot),
    Habit("fix_first", "problem-solves at once, as if the customer were calm: no control or acknowledgement "
          "while they are hot", _fix_first),
    Habit("concede_not_acknowledge", "admits the facts instead of acknowledging what went wrong and how it felt",
          _swap("acknowledge", "concede")),
    Habit("no_diagnose", "asks no diagnostic questions", _skip("diagnose", times=3)),
    Habit("no_verify", "answers without checking first", _skip("verify")),
    Habit("quick_fix", "gives a quick fix wherever CARP gives the answer", _swap("answer", "quick_answer")),
    Habit("defer_answers", "promises a follow-up wherever CARP gives the answer",
          _swap("answer", "promise_follow_up")),
    Habit("over_promise", "promises more than can be done wherever CARP promises a follow-up",
          _swap("promise_follow_up", "over_promise")),
    Habit("no_follow_up", "answers at once wherever CARP would promise a follow-up",
          _swap("promise_follow_up", "answer")),
    Habit("transfer_instead", "transfers to another department wherever CARP escalates",
          _swap("escalate", "transfer")),
    Habit("escalate_instead", "asks a supervisor wherever CARP would give the answer itself",
          _swap("answer", "escalate", lambda v: "escalate" not in v.used)),
    Habit("early_gesture", "offers a gesture on the first turn while the customer is hot, before any "
          "acknowledgement or apology", _early_gesture),
    Habit("no_gesture", "gives the answer wherever CARP offers a gesture", _swap("gesture", "answer")),
    Habit("make_it_up", "asks what it can do to make it up to them wherever CARP offers a gesture, "
          "then gives the answer", _make_it_up),
    Habit("your_choice", "tells a customer threatening to leave that it is their choice (second turn)",
          _your_choice),
    Habit("jargon_for_end_users", "explains in technical terms where CARP explains plainly to an end user",
          _swap("plain_language", "jargon", _is("end_user"))),
    Habit("no_plain_language", "never explains in plain words", _skip("plain_language")),
    Habit("plain_for_professionals", "explains in plain words just before answering (or promising a follow-up "
          "to) a professional",
          _before_ending("plain_language", _is("professional"))),
    Habit("precise_for_professionals", "gives the precise technical explanation just before answering (or "
          "promising a follow-up to) a professional (the first of " + ", ".join(PRECISE_KINDS) + " the scenario has)",
          _precise_for_professionals),
)}


class Habits:
    """The CARP playbook with habits applied, after an optional per-contact script."""

    def __init__(self, habits: Sequence[str] = (), script: Sequence[str] = ()) -> None:
        unknown = [h for h in habits if h not in HABITS]
        if unknown:
            raise ValueError(f"unknown habit {unknown[0]!r} (known: {', '.join(HABITS)})")
        self.habits = tuple(habits)
        self.script = tuple(script)
        carp = Playbook("carp")
        decide: Next = carp.decide
        for name in self.habits:  # each habit edits what CARP with the habits before it would say
            decide = _layer(HABITS[name].rule, decide)
        self._decide = decide

    def bind(self, centre: "Centre") -> None:
        return None

    def decide(self, view: TurnView) -> str:
        if view.turn < len(self.script):
            return self.script[view.turn]
        return self._decide(view)


def _layer(rule: Rule, nxt: Next) -> Next:
    return lambda v: rule(v, nxt)


__all__ = ["ENDINGS", "HABITS", "Habit", "Habits", "PRECISE_KINDS"]
