"""The policy levers as the panel shows them: names, how a click changes them, what they cost.

Pure functions of the current `Policies`; the panel turns a click into
`SetPolicy(key, value)` with the value computed here.  No pygame here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.scenario import (
    ESCALATION_PATHS,
    HIRING_PROFILES,
    PLAYBOOKS,
    Policies,
    Scenario,
)
from sim.scores import staff_cost
from sim.team import training_share


@dataclass(frozen=True)
class Lever:
    """How one policy key is shown and changed."""

    key: str
    title: str
    kind: str  # toggle, step, cycle, staffing, channels, priority
    tradeoff: str  # what it costs, in words
    step: float = 1.0
    lo: float = 0.0
    hi: float = 0.0
    unit: str = ""
    choices: tuple[str, ...] = ()


LEVERS: dict[str, Lever] = {lv.key: lv for lv in (
    Lever("staffing", "Agents on shift", "staffing",
          "Each extra agent shortens waits and costs money for every half hour on the schedule."),
    Lever("callbacks", "Offer callbacks", "toggle",
          "Callers facing a long wait keep their place in line and are called back: no hold, a moment to dial."),
    Lever("hold_messages", "Hold messages", "toggle",
          "\"Your call is important to us\" on a loop: the wait feels longer, callers give up sooner."),
    Lever("authority_limit", "Refund authority", "step",
          "Agents may spend up to this per customer without a supervisor: fewer escalations, more money paid out.",
          step=25.0, lo=0.0, hi=500.0),
    Lever("escalation", "Escalation path", "cycle",
          "Where over-limit cases go: a supervisor (slow, usually right), another department, or nowhere.",
          choices=ESCALATION_PATHS),
    Lever("playbook", "Team playbook", "cycle",
          "How the simulated team talks: CARP puts emotions first; quick fixes are fast and often wrong.",
          choices=PLAYBOOKS),
    Lever("sunset_rule", "Follow up by end of day", "toggle",
          "Every open case gets an update before close: kept promises, but agents leave the queue to do it."),
    Lever("wrap_up_s", "After-call work", "step",
          "Seconds of notes after each contact: the next agent knows the story, but nobody answers meanwhile.",
          step=15.0, lo=0.0, hi=180.0, unit="s"),
    Lever("training_hours_per_week", "Training", "step",
          "Hours of training per agent per week: more competent agents, but some are off the floor each interval.",
          step=1.0, lo=0.0, hi=20.0, unit="h/week"),
    Lever("written_procedures", "Written procedures", "toggle",
          "Checklists help new hires get the answer right; they cost writing time, not floor time."),
    Lever("show_history", "Show customer history", "toggle",
          "Agents see earlier contacts: better answers for returning customers."),
    Lever("supervisors", "Supervisors", "step",
          "Supervisors take escalations; with none, over-limit customers are simply told no.",
          step=1.0, lo=0.0, hi=6.0),
    Lever("hiring_profile", "Hiring profile", "cycle",
          "Who the team was hired for: friendly, trainable, competent, or balanced (friendliness first).",
          choices=HIRING_PROFILES),
    Lever("channels_open", "Open channels", "channels",
          "A closed channel is a barrier: its customers must find another way in, angrier, and some "
          "give up at once. The same team answers every open channel."),
    Lever("priority", "Queue priority", "priority",
          "Who is answered first when the queue is long; everyone else waits longer."),
    Lever("callback_after_s", "Callback after", "step",
          "Offer a callback when the predicted wait is longer than this.", step=30.0, lo=0.0, hi=900.0, unit="s"),
)}


def unlocked(scen: Scenario) -> tuple[Lever, ...]:
    """The levers this scenario lets the trainee pull, in the scenario's order."""
    return tuple(LEVERS[k] for k in scen.levers if k in LEVERS)


def _fmt_num(x: float, unit: str) -> str:
    text = f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"
    return f"{text} {unit}".strip()


def value_text(lever: Lever, p: Policies, interval: int | None = 0) -> str:
    """The lever's setting in words; staffing at `interval`, or over the whole shift when it is None."""
    v: Any = getattr(p, lever.key)
    if lever.kind == "toggle":
        return "on" if v else "off"
    if lever.kind == "staffing":
        if interval is None:
            return f"{v[0]} all day" if min(v) == max(v) else f"{min(v)}-{max(v)} per interval"
        i = min(interval, len(v) - 1)
        return f"{v[i]} now"
    if lever.kind == "channels":
        return ", ".join(v) or "none"
    if lever.kind == "priority":
        return " > ".join(v) if v else "first come, first served"
    if lever.kind == "cycle":
        return str(v).replace("_", " ")
    return _fmt_num(float(v), lever.unit)


def changed(lever: Lever, p: Policies, scen: Scenario, direction: int = 1, interval: int = 0,
            item: str = "") -> Any:
    """The new value after one click (+1 / -1, or toggling `item`); None if nothing would change."""
    v: Any = getattr(p, lever.key)
    if lever.kind == "toggle":
        return not v
    if lever.kind == "step":
        new = min(lever.hi, max(lever.lo, float(v) + direction * lever.step))
        if isinstance(v, int):
            new = int(new)
        return None if new == v else new
    if lever.kind == "cycle":
        i = lever.choices.index(v) if v in lever.choices else -1
        return lever.choices[(i + direction) % len(lever.choices)]
    if lever.kind == "staffing":
        i = min(interval, len(v) - 1)
        staffing = list(v[:i]) + [max(1, n + direction) for n in v[i:]]
        return None if staffing == list(v) else staffing
    if lever.kind == "channels":
        chans = list(scen.channels)
        now = [c for c in chans if c in v]
        opened = [c for c in now if c != item] if item in now else [c for c in chans if c in now or c == item]
        return opened or None
    if lever.kind == "priority":
        orders: list[tuple[str, ...]] = [()] + [(s,) for s in scen.segments]
        cur = tuple(v)
        i = orders.index(cur) if cur in orders else 0
        return list(orders[(i + direction) % len(orders)])
    return None


def difference_text(lever: Lever, old: Policies, new: Policies) -> str:
    """How `new` differs from `old` on this lever, in words ('' if it does not)."""
    a, b = getattr(old, lever.key), getattr(new, lever.key)
    if a == b:
        return ""
    if lever.kind == "staffing" and len(a) == len(b):
        deltas = {y - x for x, y in zip(a, b)}
        if len(deltas) == 1:
            d = deltas.pop()
            return f"{lever.title}: {d:+d} in every interval"
        return f"{lever.title}: {sum(b) - sum(a):+d} agent-intervals ({value_text(lever, new, None)})"
    return f"{lever.title}: {value_text(lever, old, None)} → {value_text(lever, new, None)}"


def lever_click(arg: tuple[str, Any]) -> tuple[str, int, str]:
    """A lever button's action argument as (key, direction +1/-1, item toggled)."""
    key, what = arg
    return key, (what if isinstance(what, int) else 1), (what if isinstance(what, str) else "")


def change_word(lever: Lever, old: Any, new: Any) -> str:
    """on / off / up / down / the new value: how the dialogue names a change."""
    if lever.kind == "toggle":
        return "on" if new else "off"
    if lever.kind in ("cycle",):
        return str(new)
    if lever.kind == "staffing":
        return "up" if sum(new) > sum(old) else "down"
    if lever.kind == "step":
        return "up" if float(new) > float(old) else "down"
    return "on" if len(new) > len(old) else "off"


def cost_text(lever: Lever, p: Policies, scen: Scenario) -> str:
    """The lever's running cost or effect in numbers, where there is one."""
    if lever.kind == "staffing":
        per = scen.interval_s / 3600.0 * scen.team.cost_per_agent_hour
        return (f"Staff cost today {staff_cost(scen, p.staffing):,.0f} "
                f"({per:,.0f} per agent per {scen.interval_s / 60:.0f} min)")
    if lever.key == "training_hours_per_week":
        return f"{100 * training_share(p):.0f} % of agents off the floor in training"
    if lever.key == "authority_limit":
        return f"Agents may spend up to {p.authority_limit:,.0f} per customer"
    if lever.key == "supervisors":
        return f"{p.supervisors} on duty"
    return ""
