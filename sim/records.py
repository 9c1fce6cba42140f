"""Tidy records: one row per contact and one per conversation turn.

Contact rows are stored column by column in compact arrays so that a
million-contact pure-queue run stays well under 500 MB.  Empty values are
NaN for floats, -1 for integers and booleans.  Every score is computed from
these columns (see ``scores.py``).  Times are simulated seconds from the
start of the scenario.
"""

from __future__ import annotations

import csv
import io
import math
from array import array
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

# name, storage: f = float64 (NaN empty), g = float32 for bounded scores (NaN empty),
# i = int32 (-1 empty), b = bool or small int (-1 empty), s = category
CONTACT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("contact_id", "i"),
    ("customer_id", "i"),
    ("channel", "s"),
    ("segment", "s"),
    ("goal", "s"),
    ("reason", "s"),  # new, retry (after abandoning), repeat (after a wrong answer)
    ("repeat_of", "i"),  # the contact this one follows from
    ("status", "s"),  # served, abandoned, unanswered
    ("arrival_time", "f"),
    ("answer_time", "f"),
    ("end_time", "f"),
    ("abandoned", "b"),
    ("callback", "b"),
    ("agent_id", "i"),
    ("turns", "i"),
    ("handle_time", "f"),
    ("transfers", "b"),
    ("escalated", "b"),
    ("resolved", "b"),  # the agent closed it as solved (may be wrong)
    ("goal_met", "b"),  # the customer's own goal was met
    ("correct_info", "b"),  # empty when no answer was given
    ("open_case", "b"),
    ("followup_time", "f"),
    ("promise", "s"),  # "", kept, broken
    ("money_paid", "g"),  # refunds and gestures
    ("refund_paid", "g"),  # of which refunds: money paid to fix the problem (over-generous calls included)
    ("gesture_paid", "g"),  # of which gestures of regret
    ("overpaid", "g"),  # of the refunds, what over-generous decisions paid beyond what the fix needed
    ("frustration_start", "g"),
    ("frustration_end", "g"),
    ("trust_end", "g"),
    ("survey_score", "b"),  # 1-5, empty when not surveyed
    ("retention_probability", "f"),
    ("lifetime_value", "g"),
    ("loyalty_draw", "f"),  # uniform draw: the customer churns if it exceeds retention
    ("agent_stress", "g"),  # 0-1: the answering agent's stress when the conversation began
    ("by_trainee", "b"),  # the trainee chose at least one response in this contact
)
CONTACT_FIELDS = tuple(name for name, _ in CONTACT_COLUMNS)

TURN_FIELDS = (
    "contact_id", "turn", "time", "agent_id", "kind", "frustration_before",
    "frustration_after", "trust_after", "understanding", "cue",
)


@dataclass(frozen=True, slots=True)
class TurnRecord:
    contact_id: int
    turn: int
    time: float
    agent_id: int
    kind: str
    frustration_before: float
    frustration_after: float
    trust_after: float
    understanding: float
    cue: str  # how the customer reacted, e.g. felt_heard, confused, rejects_answer


_SMALL_INTS = {"transfers", "survey_score"}
_TYPECODES = {"f": "d", "g": "f", "i": "i", "b": "b", "s": "b"}


class ContactLog:
    """Append-only columnar store of contact records."""

    def __init__(self) -> None:
        self._cols: dict[str, array] = {n: array(_TYPECODES[t]) for n, t in CONTACT_COLUMNS}
        self._kinds = dict(CONTACT_COLUMNS)
        self._cats: dict[str, list[str]] = {n: [] for n, t in CONTACT_COLUMNS if t == "s"}
        self._cat_index: dict[str, dict[str, int]] = {n: {} for n in self._cats}
        self._appenders = [(self._cols[n].append, t, n) for n, t in CONTACT_COLUMNS]

    def __len__(self) -> int:
        return len(self._cols["contact_id"])

    def append(self, row: dict[str, Any]) -> None:
        for add, kind, name in self._appenders:
            v = row.get(name)
            if kind == "f" or kind == "g":
                add(math.nan if v is None else float(v))
            elif kind == "i":
                add(-1 if v is None else int(v))
            elif kind == "b":
                add(-1 if v is None else int(v))
            else:
                idx = self._cat_index[name]
                key = "" if v is None else str(v)
                code = idx.get(key)
                if code is None:
                    code = idx[key] = len(self._cats[name])
                    self._cats[name].append(key)
                add(code)

    def column(self, name: str) -> np.ndarray:
        """A numpy view of one column (floats, ints, 0/1/-1 booleans, or strings)."""
        kind = self._kinds[name]
        raw = np.frombuffer(self._cols[name], dtype=np.dtype(self._cols[name].typecode)) if len(self) else np.array(
            [], dtype=np.dtype(self._cols[name].typecode))
        if kind == "s":
            cats = np.array(self._cats[name] or [""], dtype=object)
            return cats[raw.astype(np.int64)] if len(raw) else np.array([], dtype=object)
        return raw.copy()

    def columns(self) -> dict[str, np.ndarray]:
        return {n: self.column(n) for n in CONTACT_FIELDS}

    def rows(self) -> Iterator[dict[str, Any]]:
        """Rows as dicts with Python values (None for empty)."""
        cols = {n: self._cols[n] for n in CONTACT_FIELDS}
        for i in range(len(self)):
            yield {n: self._value(n, cols[n][i]) for n in CONTACT_FIELDS}

    def _value(self, name: str, raw: Any) -> Any:
        kind = self._kinds[name]
        if kind == "f":
            return None if raw != raw else raw
        if kind == "g":
            return None if raw != raw else round(raw, 4)  # float32: 7 significant digits
        if kind == "i":
            return None if raw == -1 else raw
        if kind == "b":
            if raw == -1:
                return None
            return raw if name in _SMALL_INTS else bool(raw)
        return self._cats[name][raw]

    def nbytes(self) -> int:
        return sum(c.itemsize * len(c) for c in self._cols.values())


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return repr(round(v, 6))
    return str(v)


def contacts_csv(log: ContactLog) -> str:
    """The contact records as CSV text (one header line, one row per contact)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CONTACT_FIELDS)
    for row in log.rows():
        w.writerow([_fmt(row[n]) for n in CONTACT_FIELDS])
    return buf.getvalue()


def turns_csv(turns: list[TurnRecord]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(TURN_FIELDS)
    for t in turns:
        w.writerow([_fmt(getattr(t, n)) for n in TURN_FIELDS])
    return buf.getvalue()
