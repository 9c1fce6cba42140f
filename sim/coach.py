"""The tutorial coach: which step of CARP a conversation is at, and what to do in it.

CARP is Control (stay calm yourself), Acknowledge (the facts and the feeling),
Refocus (steer towards the fix) and Problem-solve.  The step is read from the
customer's state in the `TurnView` exactly as the CARP playbook reads it
(`sim.responders.carp_step`), so the coach and the playbook never disagree; the
steps a call has taken come from the responses used and the catalog's ``carp``
column; the words come from the dialogue (``[coach]`` and ``[coach_after]`` in
``assets/dialogue/coach.toml``).  Scenarios with ``tutorial = true`` show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .dialogue import Dialogue, line_key, load_dialogue
from .responders import TurnView, carp_step
from .scenario import CARP_STEPS, ResponseKind

STEPS = tuple(s for s in CARP_STEPS if s)  # control, acknowledge, refocus, problem_solve


@dataclass(frozen=True)
class Coaching:
    """What the coach shows for one turn."""

    step: str  # one of STEPS: where the conversation is
    number: int  # 1-4
    title: str  # the step's name, e.g. "Acknowledge"
    text: str  # what to do now
    note: str  # how the customer took the last reply ('' if the coach has nothing to say about it)
    done: tuple[str, ...]  # steps this call has already taken, in CARP order
    titles: tuple[str, ...] = ()  # the names of all four steps, in order

    @property
    def headline(self) -> str:
        return f"Step {self.number} of {len(STEPS)}: {self.title}"


def titles(dialogue: Dialogue | None = None) -> tuple[str, ...]:
    """The names of the four steps, as the coach shows them."""
    d = dialogue or load_dialogue()
    return tuple(d.coach_titles.get(s, s) for s in STEPS)


def summaries(dialogue: Dialogue | None = None) -> tuple[str, ...]:
    """One line per step: what it means."""
    d = dialogue or load_dialogue()
    return tuple(d.coach_summaries.get(s, "") for s in STEPS)


def steps_taken(view: TurnView, responses: Mapping[str, ResponseKind]) -> tuple[str, ...]:
    """The CARP steps the responses so far belong to (an apology counts as acknowledging)."""
    taken = {responses[k].carp for k in view.used if k in responses and responses[k].carp}
    if view.acknowledged or view.apologised:
        taken.add("acknowledge")
    return tuple(s for s in STEPS if s in taken)


def coach(view: TurnView, responses: Mapping[str, ResponseKind], dialogue: Dialogue | None = None) -> Coaching:
    """The coaching for a pending turn; raises LookupError if the dialogue has no words for the step."""
    d = dialogue or load_dialogue()
    step = carp_step(view)
    key = line_key(view.contact_id, view.turn)
    last = view.last_cue if view.last_cue and view.last_cue != "opening" else ""
    return Coaching(step=step, number=STEPS.index(step) + 1, title=d.coach_titles.get(step, step),
                    text=d.coach_line(step, view.hot, key), note=d.coach_note(last, key) if last else "",
                    done=steps_taken(view, responses), titles=titles(d))


__all__ = ["STEPS", "Coaching", "coach", "steps_taken", "summaries", "titles"]
