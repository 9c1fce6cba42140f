"""The class debrief: at each key moment, who chose what and what it led to.

Everyone in a workshop plays the same seeded scenario, so the n-th customer a
trainee talks to is, in the scripted scenarios, the same customer for the whole
class.  A key moment is "customer n, the trainee's k-th response"; for each we
count the class's choices and average what followed (the change in the
customer's frustration over that turn, and whether the customer's goal was met
in the end).  Pure functions over graded choices.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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

    @property
    def tone(self) -> str:
        """good (calmer and mostly resolved), bad (angrier, or calmer but never resolved: a surface fix), mixed."""
        if self.mean_delta > 0.5:
            return "bad"
        if self.goal_met >= 0.5:
            return "good" if self.mean_delta < -0.5 else "mixed"
        return "bad" if self.goal_met == 0.0 else "mixed"

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
    reached: int  # how many trainees got to this moment
    options: tuple[Option, ...]  # most chosen first


def key_moments(plays: Sequence[Sequence[Mapping[str, Any]]], labels: Mapping[str, str],
                goal_names: Mapping[str, str], max_customers: int = MAX_CUSTOMERS,
                max_steps: int = MAX_STEPS) -> list[Moment]:
    """`plays`: one list of graded choices per trainee (see grading.Graded.choices)."""
    cells: dict[tuple[int, int], list[Mapping[str, Any]]] = {}
    for choices in plays:
        steps: Counter[int] = Counter()
        for c in choices:
            n = int(c["ordinal"])
            steps[n] += 1
            if n <= max_customers and steps[n] <= max_steps:
                cells.setdefault((n, steps[n]), []).append(c)
    out = []
    for (n, k), rows in sorted(cells.items()):
        mood = Counter(r["mood"] for r in rows).most_common(1)[0][0]
        goal = Counter(r["goal"] for r in rows).most_common(1)[0][0]
        seg = Counter(r["segment"] for r in rows).most_common(1)[0][0]
        which = "first" if k == 1 else "second" if k == 2 else "third" if k == 3 else f"{k}th"
        title = (f"Customer {n} ({mood} {seg.replace('_', ' ')}, {goal_names.get(goal, goal).lower()}): "
                 f"your {which} response")
        by_kind: dict[str, list[Mapping[str, Any]]] = {}
        for r in rows:
            by_kind.setdefault(r["kind"], []).append(r)
        opts = [Option(kind, labels.get(kind, kind), len(rs), len(rs) / len(rows),
                       sum(float(r["delta"]) for r in rs) / len(rs),
                       sum(bool(r["goal_met"]) for r in rs) / len(rs))
                for kind, rs in by_kind.items()]
        opts.sort(key=lambda o: (-o.count, o.mean_delta, o.kind))
        out.append(Moment(n, k, title, len(rows), tuple(opts)))
    return out
