"""The debrief's facts, derived from a shift's records by pure functions.

What the trainee chose and what it did, which customers were lost and how
(the causal trace), and the time series behind the debrief charts.  Every
score still comes from `sim.scores`; this module only selects and arranges
records.  Times are simulated seconds; frustration is on the 0-100 scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .conversation import band
from .records import TurnRecord
from .responders import TurnView, carp
from .runner import Result
from .scenario import Scenario
from .scores import churn_rule, columns_of, complained_rule, final_per_customer, speed, tells_good_story

GOOD_CUES = frozenset({"felt_heard", "explains", "appreciates_precision", "relieved"})
BAD_CUES = frozenset({"outraged", "irritated", "confused", "feels_talked_down_to", "not_ready", "feels_bought_off",
                      "rejects_answer", "gives_up", "hangs_up", "passed_around", "told_no",
                      "relieved_but_misinformed"})
ALWAYS_POOR = frozenset({"your_choice", "make_it_up"})


@dataclass(frozen=True)
class Step:
    """One response in a conversation, judged."""

    contact_id: int
    turn: int
    time: float
    agent_id: int
    kind: str
    by_trainee: bool
    mood_before: str
    frustration_before: float
    frustration_after: float
    hot: bool  # the customer was above their emotional hurdle
    cue: str  # how the customer reacted
    verdict: str  # good, ok, mixed, poor
    better: str  # the response CARP would have chosen instead ('' if this was it or it went well)
    lesson: str  # lesson id of the chosen response


@dataclass(frozen=True)
class Conversation:
    """One contact's conversation with its record."""

    contact_id: int
    customer_id: int
    channel: str
    segment: str
    goal: str
    reason: str
    outcome: str  # in words
    steps: tuple[Step, ...]
    record: Mapping[str, Any]


@dataclass(frozen=True)
class Lost:
    """A customer the shift lost or hurt, and why."""

    customer_id: int
    contact_id: int  # the contact to open first
    reasons: tuple[str, ...]  # abandoned, churned, silent (churned without a word), came back angrier
    segment: str
    goal: str
    channel: str
    arrival: float
    lifetime_value: float


@dataclass(frozen=True)
class Visit:
    """One contact of a customer in the causal trace."""

    record: Mapping[str, Any]
    waited_s: float
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Trace:
    """Everything that happened to one customer, in order, and what it cost."""

    customer_id: int
    segment: str
    goal: str
    visits: tuple[Visit, ...]
    mood: tuple[tuple[float, float], ...]  # (time, frustration) from first arrival to the end
    reasons: tuple[str, ...]
    churned: bool
    retention: float | None
    lifetime_value: float
    lost_value: float  # the lifetime value, if they left
    value_at_risk: float  # (1 - retention) x lifetime value
    rework_cost: float  # repeat and retry contacts x the scenario's rework cost
    money_paid: float
    complained: bool = False  # they left and said so (most who leave never do)
    recovered: bool = False  # an earlier contact failed, and the last one put it right
    told: int = 0  # people they will tell: a bad story if they left, a good one if delighted or put right
    good_story: bool = False


# ---------------------------------------------------------------------------
# Judging a response
# ---------------------------------------------------------------------------


def verdict(scen: Scenario, kind_id: str, hot: bool, cue: str, delta: float) -> str:
    """good, ok, mixed or poor: how a response landed, from the effect table and the reaction."""
    kind = scen.responses.get(kind_id)
    if kind is None or kind_id in ALWAYS_POOR or kind.promise == "over" or cue in BAD_CUES:
        return "poor"
    if hot and (kind.carp in ("problem_solve", "refocus") or kind.outcome):
        return "poor"
    if kind.accuracy < 0:
        return "mixed"
    if cue in GOOD_CUES or delta <= -6.0:
        return "good"
    return "ok"


def _view_before(scen: Scenario, rec: Mapping[str, Any], prev: list[TurnRecord], t: TurnRecord) -> TurnView:
    """The conversation as it stood before turn `t`, rebuilt from the turn records."""
    seg = scen.segments.get(rec["segment"])
    hurdle = seg.hurdle if seg else 45.0
    understanding = prev[-1].understanding if prev else 0.0
    kinds = [p.kind for p in prev]
    marks = {scen.responses[k].marks for k in kinds if k in scen.responses}
    return TurnView(
        contact_id=t.contact_id, customer_id=int(rec["customer_id"]), agent_id=t.agent_id, turn=t.turn,
        time=t.time, channel=rec["channel"], segment=rec["segment"], goal=rec["goal"],
        goal_known=understanding >= 0.2, frustration=t.frustration_before,
        trust=prev[-1].trust_after if prev else 50.0, hot=t.frustration_before >= hurdle,
        mood=band(t.frustration_before), understanding=understanding, acknowledged="acknowledged" in marks,
        apologised="apologised" in marks, need=None, authority_limit=scen.policies.authority_limit,
        history=0, reason=rec["reason"], transfers=0, last_cue=prev[-1].cue if prev else "opening",
        used=tuple(kinds), options=tuple(scen.responses),
        was_hot=any(p.frustration_before >= hurdle for p in prev) or t.frustration_before >= hurdle,
    )


def steps_of(scen: Scenario, rec: Mapping[str, Any], turns: list[TurnRecord],
             trainee_turns: set[tuple[int, int]]) -> tuple[Step, ...]:
    """Judge every turn of one contact (turns in order)."""
    out = []
    for i, t in enumerate(turns):
        view = _view_before(scen, rec, turns[:i], t)
        delta = t.frustration_after - t.frustration_before
        v = verdict(scen, t.kind, view.hot, t.cue, delta)
        better = ""
        if v != "good":
            alt = carp(view)
            better = "" if alt == t.kind else alt
        kind = scen.responses.get(t.kind)
        out.append(Step(t.contact_id, t.turn, t.time, t.agent_id, t.kind, (t.contact_id, t.turn) in trainee_turns,
                        view.mood, t.frustration_before, t.frustration_after, view.hot, t.cue, v, better,
                        kind.lesson if kind else ""))
    return tuple(out)


def outcome_words(rec: Mapping[str, Any], steps: tuple[Step, ...] = ()) -> str:
    """How a contact ended, in a few words."""
    status = rec["status"]
    if status == "abandoned":
        return "hung up while waiting"
    if status == "unanswered":
        return "never answered"
    last = steps[-1].cue if steps else ""
    if last in ("hangs_up", "gives_up"):
        return "hung up on the agent"
    if rec.get("escalated"):
        return "escalated to a supervisor" + (", goal met" if rec.get("goal_met") else ", goal not met")
    if rec.get("correct_info") is False:
        return "answered, but wrongly"
    if rec.get("goal_met"):
        return "goal met"
    if rec.get("open_case"):
        return "follow-up " + ("kept" if rec.get("promise") == "kept" else "promised")
    return "answered, goal not met"


# ---------------------------------------------------------------------------
# The trainee's conversations
# ---------------------------------------------------------------------------


def _turns_by_contact(turns: list[TurnRecord]) -> dict[int, list[TurnRecord]]:
    out: dict[int, list[TurnRecord]] = {}
    for t in turns:
        out.setdefault(t.contact_id, []).append(t)
    for v in out.values():
        v.sort(key=lambda t: (t.turn, t.time))
    return out


def trainee_conversations(result: Result) -> list[Conversation]:
    """Every contact in which the trainee chose at least one response, in order of the first choice."""
    chosen = {(d.contact_id, d.turn) for d in result.decisions}
    order: list[int] = []
    for d in result.decisions:
        if d.contact_id not in order:
            order.append(d.contact_id)
    rows = {r["contact_id"]: r for r in result.contacts.rows() if r["contact_id"] in set(order)}
    turns = _turns_by_contact(result.turns)
    out = []
    for cid in order:
        rec = rows.get(cid)
        if rec is None:
            continue
        steps = steps_of(result.scenario, rec, turns.get(cid, []), chosen)
        out.append(Conversation(cid, int(rec["customer_id"]), rec["channel"], rec["segment"], rec["goal"],
                                rec["reason"], outcome_words(rec, steps), steps, rec))
    return out


# ---------------------------------------------------------------------------
# Lost customers and the causal trace
# ---------------------------------------------------------------------------


def _churned(rec: Mapping[str, Any]) -> bool:
    ret, draw = rec.get("retention_probability"), rec.get("loyalty_draw")
    return ret is not None and draw is not None and bool(churn_rule(np.float64(ret), np.float64(draw)))


def _by_customer(result: Result) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for r in result.contacts.rows():
        out.setdefault(int(r["customer_id"]), []).append(r)
    for v in out.values():
        v.sort(key=lambda r: (r["arrival_time"], r["contact_id"]))
    return out


def _final(recs: list[dict[str, Any]]) -> dict[str, Any]:
    return max(recs, key=lambda r: (-1.0 if r["end_time"] is None else r["end_time"], r["contact_id"]))


def _complained(rec: Mapping[str, Any], scen: Scenario) -> bool:
    ret, draw = rec.get("retention_probability"), rec.get("loyalty_draw")
    return ret is not None and draw is not None and bool(
        complained_rule(np.float64(ret), np.float64(draw), scen.scoring.complaint_rate))


def _recovered(recs: list[dict[str, Any]]) -> bool:
    """As `sim.scores.failed_before`: a retry or repeat exists only after a failure; the last contact met the goal."""
    return any(r["reason"] in ("retry", "repeat") for r in recs) and bool(_final(recs).get("goal_met"))


def _reasons(recs: list[dict[str, Any]], scen: Scenario) -> tuple[str, ...]:
    by_id = {r["contact_id"]: r for r in recs}
    reasons = []
    if any(r["status"] == "abandoned" for r in recs):
        reasons.append("abandoned")
    final = _final(recs)
    if _churned(final):
        reasons.append("churned")
        if not _complained(final, scen):
            reasons.append("silent")
    for r in recs:
        before = by_id.get(r["repeat_of"]) if r["repeat_of"] is not None else None
        if before is not None and r["reason"] in ("retry", "repeat") and (
                (r["frustration_start"] or 0.0) > (before["frustration_end"] or before["frustration_start"] or 0.0)):
            reasons.append("came back angrier")
            break
    return tuple(reasons)


def lost_customers(result: Result) -> list[Lost]:
    """Customers who abandoned, churned or came back angrier, biggest value first."""
    out = []
    for cid, recs in _by_customer(result).items():
        reasons = _reasons(recs, result.scenario)
        if not reasons:
            continue
        first = recs[0]
        ltv = first.get("lifetime_value") or 0.0
        out.append(Lost(cid, int(first["contact_id"]), reasons, first["segment"], first["goal"], first["channel"],
                        float(first["arrival_time"]), float(ltv)))
    out.sort(key=lambda x: (-len(x.reasons), -x.lifetime_value, x.arrival))
    return out


def trace(result: Result, customer_id: int) -> Trace:
    """The causal trace of one customer: every visit, every turn, the mood over time, the cost."""
    recs = _by_customer(result).get(customer_id)
    if not recs:
        raise LookupError(f"no customer {customer_id} in this shift")
    scen = result.scenario
    turns = _turns_by_contact(result.turns)
    chosen = {(d.contact_id, d.turn) for d in result.decisions}
    visits, mood = [], []
    for r in recs:
        ts = turns.get(r["contact_id"], [])
        steps = steps_of(scen, r, ts, chosen)
        answered = r["answer_time"]
        waited = (answered if answered is not None else (r["end_time"] or r["arrival_time"])) - r["arrival_time"]
        visits.append(Visit(r, float(waited), steps))
        mood.append((r["arrival_time"], r["frustration_start"] or 0.0))
        for t in ts:
            mood.append((t.time, t.frustration_before))
            mood.append((t.time, t.frustration_after))
        if r["end_time"] is not None and r["frustration_end"] is not None:
            mood.append((r["end_time"], r["frustration_end"]))
    final = _final(recs)
    ret = final.get("retention_probability")
    ltv = float(final.get("lifetime_value") or 0.0)
    churned = _churned(final)
    repeats = sum(1 for r in recs if r["reason"] in ("repeat", "retry"))
    recovered = _recovered(recs)
    good = ret is not None and bool(tells_good_story(churned, ret, recovered))
    told = (scen.scoring.word_of_mouth_churned if churned else scen.scoring.word_of_mouth_happy if good else 0.0)
    return Trace(
        customer_id=customer_id, segment=recs[0]["segment"], goal=recs[0]["goal"], visits=tuple(visits),
        mood=tuple(mood), reasons=_reasons(recs, scen), churned=churned, retention=ret, lifetime_value=ltv,
        lost_value=ltv if churned else 0.0, value_at_risk=0.0 if ret is None else (1.0 - ret) * ltv,
        rework_cost=repeats * scen.scoring.rework_cost,
        money_paid=float(sum(r["money_paid"] or 0.0 for r in recs)),
        complained=churned and _complained(final, scen), recovered=recovered, told=int(round(told)), good_story=good,
    )


# ---------------------------------------------------------------------------
# Chart series
# ---------------------------------------------------------------------------


def queue_series(result: Result, step_s: float = 300.0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Customers waiting per channel, sampled every `step_s` seconds: (times, {channel: counts})."""
    cols = columns_of(result.contacts)
    scen = result.scenario
    end = scen.horizon_s + scen.drain_s
    times = np.arange(0.0, end + step_s, step_s)
    out = {}
    arrival, answer, left = cols["arrival_time"], cols["answer_time"], cols["end_time"]
    depart = np.where(np.isnan(answer), left, answer)
    depart = np.where(np.isnan(depart), math.inf, depart)
    for ch in scen.channels:
        m = cols["channel"] == ch
        if not m.any():
            continue
        a, d = np.sort(arrival[m]), np.sort(depart[m])
        out[ch] = np.searchsorted(a, times, side="right") - np.searchsorted(d, times, side="right")
    return times, out


def service_level_series(result: Result) -> list[tuple[float, float | None]]:
    """(interval start, service level of phone and chat contacts arriving in it), by `sim.scores.speed`."""
    cols = columns_of(result.contacts)
    scen = result.scenario
    out = []
    for i in range(scen.intervals):
        t0 = i * scen.interval_s
        m = (cols["arrival_time"] >= t0) & (cols["arrival_time"] < t0 + scen.interval_s)
        sub = {k: v[m] for k, v in cols.items()}
        out.append((t0, speed(sub, scen)["service_level"] if m.any() else None))
    return out


def frustration_before_after(result: Result) -> tuple[np.ndarray, np.ndarray]:
    """Frustration at arrival and at the end, for every contact that was served."""
    cols = columns_of(result.contacts)
    m = (cols["status"] == "served") & ~np.isnan(cols["frustration_start"]) & ~np.isnan(cols["frustration_end"])
    return cols["frustration_start"][m], cols["frustration_end"][m]


def survey_vs_outcome(result: Result) -> dict[int, tuple[int, int]]:
    """Per survey score 1-5: (contacts whose goal was really met, contacts whose goal was not)."""
    cols = columns_of(result.contacts)
    survey, met = cols["survey_score"], cols["goal_met"]
    return {s: (int(np.sum((survey == s) & (met == 1))), int(np.sum((survey == s) & (met != 1))))
            for s in range(1, 6)}


def final_records(result: Result) -> np.ndarray:
    """Index of each customer's last record (as the loyalty score uses)."""
    return final_per_customer(columns_of(result.contacts))
