"""The class as a playbook: how often a class chose each response, per customer state.

A workshop's graded choices are counted per state -- the customer's mood, whether
the agent had acknowledged the problem yet, and how far into the conversation it
was -- and saved as a small TOML file.  `ClassPlaybook` is a responder that
answers each turn by drawing from the class's choices in that state (from a
named random stream, so runs are reproducible), so the policy lab can ask "what
would our service level and loyalty be if the team handled calls the way this
class did?".
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..dialogue import MOODS
from ..errors import Problem, ScenarioError
from ..responders import TurnView, carp
from ..tomlread import read_toml

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Centre

FORMAT = "servicefloor-class-playbook/1"
STAGES = ("first", "early", "late")
STREAM = "responder.class_playbook"


def stage_of(turn: int) -> str:
    """first (the opening response), early (the next two) or late."""
    return "first" if turn <= 0 else "early" if turn <= 2 else "late"


def state_key(mood: str, acknowledged: bool, turn: int) -> str:
    return f"{mood}|{'acknowledged' if acknowledged else 'not_acknowledged'}|{stage_of(turn)}"


@dataclass(frozen=True)
class ClassBook:
    """Counts of the class's choices per state (a frozen, picklable value)."""

    name: str
    scenario: str
    participants: int
    counts: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # (state, ((kind, n), ...))

    def table(self) -> dict[str, dict[str, int]]:
        return {s: dict(kinds) for s, kinds in self.counts}

    def total(self) -> int:
        return sum(n for _, kinds in self.counts for _, n in kinds)


def from_choices(name: str, scenario: str, plays: Iterable[Iterable[Mapping[str, Any]]]) -> ClassBook:
    """Count graded choices (grading.Graded.choices, one iterable per trainee)."""
    table: dict[str, Counter[str]] = {}
    people = 0
    for choices in plays:
        people += 1
        for c in choices:
            table.setdefault(state_key(c["mood"], bool(c["acknowledged"]), int(c["turn"])), Counter())[c["kind"]] += 1
    counts = tuple((s, tuple(sorted(table[s].items()))) for s in sorted(table))
    return ClassBook(name, scenario, people, counts)


def _quote(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except that TOML also forbids a raw DEL."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def to_toml(book: ClassBook) -> str:
    lines = ["# How a class chose its responses, per customer state: run it with",
             "#   servicefloor compare SCENARIO --variant class responder=THIS_FILE",
             f"format = {_quote(FORMAT)}", f"name = {_quote(book.name)}", f"scenario = {_quote(book.scenario)}",
             f"participants = {book.participants}", ""]
    for state, kinds in book.counts:
        lines.append(f"[choices.{_quote(state)}]")
        lines.extend(f"{k} = {n}" for k, n in kinds)
        lines.append("")
    return "\n".join(lines)


def parse(data: Any, source: str) -> ClassBook:
    """Validate a parsed class playbook; raises ScenarioError naming the file, key and expectation."""
    problems: list[Problem] = []

    def fail(key: str, msg: str) -> None:
        problems.append(Problem(source, key, msg))

    if not isinstance(data, dict):
        raise ScenarioError([Problem(source, "", "expected a TOML table")])
    if data.get("format") != FORMAT:
        fail("format", f"expected {FORMAT!r}, got {data.get('format')!r}")
    name, scen, people = data.get("name", ""), data.get("scenario", ""), data.get("participants", 0)
    if not isinstance(name, str):
        fail("name", "expected a string")
    if not isinstance(scen, str):
        fail("scenario", "expected a string")
    if isinstance(people, bool) or not isinstance(people, int) or people < 0:
        fail("participants", f"expected a whole number >= 0, got {people!r}")
    choices = data.get("choices", {})
    counts = []
    if not isinstance(choices, dict):
        fail("choices", "expected a table of states")
        choices = {}
    for state, kinds in sorted(choices.items()):
        parts = state.split("|")
        if len(parts) != 3 or parts[0] not in MOODS or parts[1] not in ("acknowledged", "not_acknowledged") \
                or parts[2] not in STAGES:
            fail(f"choices.{state}", "expected a state MOOD|acknowledged or not_acknowledged|first, early or "
                                     f"late (moods: {', '.join(MOODS)})")
            continue
        if not isinstance(kinds, dict):
            fail(f"choices.{state}", "expected a table of response kind = count")
            continue
        good = []
        for k, n in sorted(kinds.items()):
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                fail(f"choices.{state}.{k}", f"expected a count >= 0, got {n!r}")
            elif n:
                good.append((k, n))
        counts.append((state, tuple(good)))
    if problems:
        raise ScenarioError(problems)
    return ClassBook(str(name), str(scen), int(people), tuple(counts))


def load(path: str | os.PathLike[str]) -> ClassBook:
    problems: list[Problem] = []
    data = read_toml(Path(path), problems)
    if problems:
        raise ScenarioError(problems)
    return parse(data, str(path))


class ClassPlaybook:
    """A responder that answers as the class did, state by state.

    In a state the class met, it draws a response with the class's frequencies
    (among the responses this turn allows); in a state it never met, it backs off
    to the same mood, then to all the class's choices, and finally to CARP.
    """

    def __init__(self, book: ClassBook) -> None:
        self.book = book
        table = book.table()
        self._exact = table
        self._mood: dict[str, Counter[str]] = {}
        self._all: Counter[str] = Counter()
        for state, kinds in table.items():
            self._mood.setdefault(state.split("|")[0], Counter()).update(kinds)
            self._all.update(kinds)
        self._rng: np.random.Generator = np.random.default_rng(0)

    def bind(self, centre: "Centre") -> None:
        self._rng = centre.streams.fresh(STREAM)

    def _draw(self, counts: Mapping[str, int], options: tuple[str, ...]) -> str | None:
        kinds = [k for k in sorted(counts) if k in options and counts[k] > 0]
        if not kinds:
            return None
        w = np.array([counts[k] for k in kinds], dtype=float)
        return kinds[int(self._rng.choice(len(kinds), p=w / w.sum()))]

    def decide(self, view: TurnView) -> str:
        for counts in (self._exact.get(state_key(view.mood, view.acknowledged, view.turn), {}),
                       self._mood.get(view.mood, {}), self._all):
            kind = self._draw(counts, view.options)
            if kind is not None:
                return kind
        return carp(view)
