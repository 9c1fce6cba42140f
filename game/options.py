"""Which 3-5 responses the trainee is offered for a turn.

A deterministic function of the `TurnView` (so a replay shows the same
choices, and so does the next play of the scenario and seed: the play number
changes only their words, `game.voice`): the response the CARP playbook would pick (a good one), one that
is tempting in this situation but poor, and plausible others, in an order
that varies from turn to turn.  A calm professional or business caller is
always offered the technical explanation (they want precision); for an end
user it stays what it is, a tempting trap.  No pygame here.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from sim.responders import TurnView, carp

CALMING = ("stay_calm", "acknowledge", "ask_feelings", "let_talk", "apologise")
SOLVING = ("diagnose", "verify", "plain_language", "refocus", "answer")
CLOSING = ("answer", "quick_answer", "escalate", "promise_follow_up", "transfer", "over_promise")
PRECISE = "jargon"  # the technical explanation: precision to a specialist, a wall of words to an end user
SPECIALISTS = ("professional", "business")  # callers who want the exact detail (know your audience)


def _stable(view: TurnView, salt: str) -> int:
    return zlib.crc32(f"{view.contact_id}:{view.turn}:{salt}".encode())


def tempting_poor(view: TurnView) -> str:
    """A response that feels right in the moment but hurts here."""
    pick = _stable(view, "poor")
    if view.hot:
        if view.goal == "cancellation_threat" and pick % 3 == 0:
            return "your_choice"
        if not (view.acknowledged or view.apologised) and pick % 3 == 1:
            return "gesture"  # a gift before an acknowledgement feels like a bribe
        if (view.reason == "repeat" or view.history) and not view.acknowledged and pick % 3 == 2:
            return "concede"  # they were let down before: admitting it, and no more, sounds fair but lands cold
        return ("quick_answer", "make_it_up", "refocus")[pick % 3]
    if view.need is not None and view.need > view.authority_limit:
        return ("transfer", "over_promise")[pick % 2]
    if view.understanding < 0.5:
        if view.segment == "end_user" and pick % 2:
            return "jargon"
        return "quick_answer"
    return ("quick_answer", "over_promise", "make_it_up")[pick % 3]


def _pool(view: TurnView) -> tuple[str, ...]:
    if view.hot:
        return CALMING + ("refocus",)
    if view.understanding < 0.5:
        return ("diagnose", "let_talk", "acknowledge", "plain_language", "verify", "refocus")
    return SOLVING + ("promise_follow_up", "escalate", "apologise")


def _wants_precision(view: TurnView) -> bool:
    """A calm professional or business caller who has not had the technical detail yet."""
    return view.segment in SPECIALISTS and not view.hot and PRECISE not in view.used


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for i in items:
        if i not in out:
            out.append(i)
    return out


def choose(view: TurnView) -> tuple[str, ...]:
    """The responses offered for this turn (3-5 ids, at least one good and one poor)."""
    allowed = set(view.options)
    good = carp(view)
    poor = tempting_poor(view)
    if poor == good or poor not in allowed:
        poor = next(k for k in ("make_it_up", "your_choice", "transfer", "quick_answer") if k in allowed and k != good)
    extras = [k for k in _pool(view) if k in allowed and k not in (good, poor)]
    extras.sort(key=lambda k: _stable(view, k))
    precise = _wants_precision(view) and PRECISE in allowed and PRECISE not in (good, poor)
    if precise:  # a specialist is always offered the precise answer, once they are calm
        extras = [PRECISE] + [k for k in extras if k != PRECISE][:1]
    chosen = _unique([good, poor] + extras[:2])
    if not view.hot and view.understanding >= 0.5 and not any(k in CLOSING for k in chosen) and "answer" in allowed:
        chosen.append("answer")
    chosen.sort(key=lambda k: _stable(view, "order" + k))
    return tuple(chosen[:5])
