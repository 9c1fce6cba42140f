"""The class at a glance: what each trainee changed and what it cost, how the scores spread, what the
top quarter did differently, and two sessions (rounds, groups) side by side.

Pure functions over stored results; the dashboard and the report render them.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..lab.stats import mean_interval
from ..model import clock_text


def lever_text(cmd: Mapping[str, Any], start_clock: str) -> str:
    """A replayed policy command in words: 'staffing=[6, 7] at 09:15'."""
    value = cmd.get("value")
    shown = json.dumps(value) if isinstance(value, (list, dict)) else str(value).lower() \
        if isinstance(value, bool) else str(value)
    t = float(cmd.get("time", 0.0))
    return f"{cmd.get('key')}={shown}" + (f" at {clock_text(start_clock, t)}" if t > 0 else " from the start")


def levers_of(commands: Sequence[Mapping[str, Any]], start_clock: str) -> list[str]:
    return [lever_text(c, start_clock) for c in commands if c.get("type") == "policy"]


def _score(r: Any) -> float:
    return float(r.scores.get("overall", {}).get("score", 0.0))


def money_of(r: Any, key: str) -> float | None:
    value = r.scores.get("money", {}).get(key)
    if value is None and key == "staff_cost":
        value = r.scores.get("staff_cost")
    return None if value is None else float(value)


@dataclass(frozen=True)
class PolicyGroup:
    changed: str  # "no lever changed", or the lever keys changed, joined
    trainees: int
    mean_score: float
    mean_staff_cost: float | None
    mean_net_value: float | None
    names: tuple[str, ...]


def by_policy(results: Sequence[Any], commands: Mapping[int, Sequence[Mapping[str, Any]]]) -> list[PolicyGroup]:
    """Trainees grouped by which levers they changed, best mean score first."""
    groups: dict[str, list[Any]] = {}
    for r in results:
        keys = sorted({str(c.get("key")) for c in commands.get(r.participant.id, []) if c.get("type") == "policy"})
        groups.setdefault(" + ".join(keys) if keys else "no lever changed", []).append(r)

    def mean(xs: list[float | None]) -> float | None:
        vals = [x for x in xs if x is not None]
        return sum(vals) / len(vals) if vals else None

    out = [PolicyGroup(k, len(rs), sum(_score(r) for r in rs) / len(rs), mean([money_of(r, "staff_cost") for r in rs]),
                       mean([money_of(r, "net_value") for r in rs]), tuple(r.participant.name for r in rs))
           for k, rs in groups.items()]
    return sorted(out, key=lambda g: -g.mean_score)


@dataclass(frozen=True)
class Bin:
    lo: float
    hi: float
    count: int


def score_bins(results: Sequence[Any], width: float = 10.0) -> list[Bin]:
    """How the overall scores spread, in bins of `width` points from the lowest to the highest."""
    scores = [_score(r) for r in results]
    if not scores:
        return []
    lo = math.floor(min(scores) / width) * width
    hi = max(lo + width, math.floor(max(scores) / width) * width + width)
    bins = []
    x = lo
    while x < hi - 1e-9:
        bins.append(Bin(x, x + width, sum(1 for s in scores if x <= s < x + width or (s == hi and x + width == hi))))
        x += width
    return bins


@dataclass(frozen=True)
class Difference:
    moment: str  # "customer 1, response 2" or "an angry caller, response 1"
    label: str
    top_share: float
    rest_share: float

    @property
    def gap(self) -> float:
        return self.top_share - self.rest_share


def top_quarter_differences(results: Sequence[Any], labels: Mapping[str, str], by: str = "customer",
                            limit: int = 6) -> list[Difference]:
    """The choices where the top quarter of the class (by score) differed most from the rest."""
    ranked = sorted(results, key=_score, reverse=True)
    if len(ranked) < 4:
        return []
    k = max(1, len(ranked) // 4)
    top, rest = ranked[:k], ranked[k:]

    def shares(group: Sequence[Any]) -> dict[tuple[str, str], float]:
        counts: Counter[tuple[str, str]] = Counter()
        totals: Counter[str] = Counter()
        for r in group:
            steps: Counter[Any] = Counter()
            for c in r.choices:
                n = c.get("ordinal")
                steps[n] += 1
                if steps[n] > 3:
                    continue
                where = (f"customer {n}, response {steps[n]}" if by == "customer"
                         else f"{c.get('mood', '?')} caller, response {steps[n]}")
                counts[(where, str(c.get("kind")))] += 1
                totals[where] += 1
        return {key: v / totals[key[0]] for key, v in counts.items()}

    a, b = shares(top), shares(rest)
    out = [Difference(where, labels.get(kind, kind), a.get((where, kind), 0.0), b.get((where, kind), 0.0))
           for where, kind in set(a) | set(b)]
    out.sort(key=lambda d: (-abs(d.gap), d.moment, d.label))
    return [d for d in out[:limit] if abs(d.gap) >= 0.1]


@dataclass(frozen=True)
class SessionSummary:
    code: str
    title: str
    trainees: int
    mean: float | None
    low: float | None
    high: float | None
    stars: tuple[int, int, int, int]  # how many earned 0, 1, 2, 3 stars
    objectives: tuple[tuple[str, float], ...]  # objective text, share met


def objective_share(results: Sequence[Any]) -> list[tuple[str, int, int]]:
    """Each objective's text with how many of the class met it, of how many results."""
    texts: dict[str, list[int]] = {}
    for r in results:
        for ob in r.objectives:
            cell = texts.setdefault(ob["text"], [0, 0])
            cell[0] += bool(ob.get("met"))
            cell[1] += 1
    return [(t, m, n) for t, (m, n) in texts.items()]


def summary(session: Any, results: Sequence[Any]) -> SessionSummary:
    scores = [_score(r) for r in results]
    iv = mean_interval(scores) if len(scores) >= 2 else None
    stars = Counter(int(r.scores.get("overall", {}).get("stars", 0)) for r in results)
    mean = sum(scores) / len(scores) if scores else None
    return SessionSummary(session.code, session.title, len(results), mean,
                          iv.lo if iv is not None else None, iv.hi if iv is not None else None,
                          (stars[0], stars[1], stars[2], stars[3]),
                          tuple((t, m / n) for t, m, n in objective_share(results)))
