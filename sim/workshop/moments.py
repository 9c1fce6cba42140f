"""The class debrief: at each key moment, who chose what and what it led to.

Everyone in a workshop plays the same seeded scenario.  In a scripted scenario
(no random arrivals) the n-th customer a trainee talks to is the same customer
for the whole class, so a key moment is "customer n, the trainee's k-th
response".  With random arrivals, who reaches a trainee depends on their own
pace, so moments group by the customer's state instead: "an angry customer,
your first response".  For each moment we count the class's choices and average
what followed (the change in the customer's frustration over that turn, and
whether the customer's goal was met in the end).  Pure functions over graded
choices.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..dialogue import MOODS

MAX_CUSTOMERS = 6
MAX_STEPS = 3


@dataclass(frozen=True)
class Option:
    kind: str
    label: str
    count: int
    share: float
    mean_delta: float  # frustration change over the turn, points on 0-100
    goal_met: float  # share of these customers whose goal was met in the end
    unit: str = "trainee"  # what one count is: a trainee (by customer) or a call (by mood: a trainee has many)

    @property
    def tone(self) -> str:
        """good (calmer and mostly resolved), bad (angrier, or calmer but never resolved: a surface fix), mixed."""
        if self.mean_delta > 0.5:
            return "bad"
        if self.goal_met >= 0.5:
            return "good" if self.mean_delta < -0.5 else "mixed"
        return "bad" if self.goal_met == 0.0 else "mixed"

    @property
    def mark(self) -> str:
        """The tone as a mark, so it reads without colour (and in print): good, bad or mixed."""
        return {"good": "\u2713", "bad": "\u2717"}.get(self.tone, "~")

    @property
    def tone_words(self) -> str:
        return {"good": "worked", "bad": "backfired"}.get(self.tone, "mixed")

    def share_text(self) -> str:
        """'4 % \u00b7 1 trainee': the share and the count behind it."""
        who = self.unit if self.count == 1 else f"{self.unit}s"
        return f"{self.share * 100:.0f}\u00a0% \u00b7 {self.count} {who}"

    def sentence(self) -> str:
        move = "fell" if self.mean_delta < -0.5 else "rose" if self.mean_delta > 0.5 else "barely moved"
        by = f" by {abs(self.mean_delta):.0f} points" if move != "barely moved" else ""
        return (f"{self.share:.0%} chose \u201c{self.label}\u201d; their customers' frustration {move}{by}, "
                f"and {self.goal_met:.0%} of those customers got what they came for.")


@dataclass(frozen=True)
class Moment:
    ordinal: int  # the trainee's n-th customer
    step: int  # the trainee's k-th response to them
    title: str
    reached: int  # how many trainees (by customer) or calls (by mood) got to this moment
    options: tuple[Option, ...]  # most chosen first
    unit: str = "trainee"

    @property
    def reached_text(self) -> str:
        return f"{self.reached} {self.unit if self.reached == 1 else self.unit + 's'}"


UPSET_FIRST = tuple(reversed(MOODS))  # the order moments grouped by mood are listed in
ORDINALS = {1: "first", 2: "second", 3: "third"}


def _options(rows: list[Mapping[str, Any]], labels: Mapping[str, str], unit: str = "trainee") -> tuple[Option, ...]:
    by_kind: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r)
    opts = [Option(kind, labels.get(kind, kind), len(rs), len(rs) / len(rows),
                   sum(float(r["delta"]) for r in rs) / len(rs),
                   sum(bool(r["goal_met"]) for r in rs) / len(rs), unit)
            for kind, rs in by_kind.items()]
    opts.sort(key=lambda o: (-o.count, o.mean_delta, o.kind))
    return tuple(opts)


def key_moments(plays: Sequence[Sequence[Mapping[str, Any]]], labels: Mapping[str, str],
                goal_names: Mapping[str, str], max_customers: int = MAX_CUSTOMERS,
                max_steps: int = MAX_STEPS, by: str = "customer") -> list[Moment]:
    """`plays`: one list of graded choices per trainee (see grading.Graded.choices).

    `by="customer"` (scripted scenarios): customer n, response k.  `by="mood"` (random
    arrivals): the customer's mood when the conversation began, response k; `ordinal`
    is then the mood's place in UPSET_FIRST.
    """
    cells: dict[tuple[int, int], list[Mapping[str, Any]]] = {}
    for choices in plays:
        steps: Counter[int] = Counter()
        opening: dict[int, str] = {}
        for c in choices:
            n = int(c["ordinal"])
            steps[n] += 1
            opening.setdefault(n, str(c["mood"]))
            if by == "mood":
                if steps[n] <= max_steps and opening[n] in UPSET_FIRST:
                    cells.setdefault((UPSET_FIRST.index(opening[n]) + 1, steps[n]), []).append(c)
            elif n <= max_customers and steps[n] <= max_steps:
                cells.setdefault((n, steps[n]), []).append(c)
    out = []
    for (n, k), rows in sorted(cells.items()):
        which = ORDINALS.get(k, f"{k}th")
        if by == "mood":
            title = f"{UPSET_FIRST[n - 1].capitalize()} when you picked up: your {which} response"
        else:
            mood = Counter(r["mood"] for r in rows).most_common(1)[0][0]
            goal = Counter(r["goal"] for r in rows).most_common(1)[0][0]
            seg = Counter(r["segment"] for r in rows).most_common(1)[0][0]
            title = (f"Customer {n} ({mood} {seg.replace('_', ' ')}, {goal_names.get(goal, goal).lower()}): "
                     f"your {which} response")
        unit = "call" if by == "mood" else "trainee"
        out.append(Moment(n, k, title, len(rows), _options(rows, labels, unit), unit))
    return out
