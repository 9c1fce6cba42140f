"""The cost of poor service, broken down by cause: a pure function over contact records.

Each customer's value at risk, ``(1 - retention_probability) x lifetime_value`` of
their final record (the same sum as ``scores`` reports as revenue at risk), is
given whole to ONE cause, the first of these rules that their final record meets:

1. ``missing_followup`` - an open case that was not updated by the end of the day
   (no ``followup_time``, or after the shift) or whose promise was broken;
2. ``unresolved_escalation`` - escalated, and the customer's goal was not met;
3. ``wrong_answer`` - the answer was wrong (``correct_info`` = 0), or the record is a
   repeat contact, which exists only because an earlier answer was wrong;
4. ``long_wait`` - never answered (abandoned or unanswered), a retry after hanging
   up, or answered after the wait started to frustrate: on phone and chat after the
   segment's ``speed_expectation_s``, on email and web after an hour;
5. ``unmet_goal`` - goal not met for another reason (transfers, hang-ups mid-call);
6. ``no_failure`` - none of the above: churn from the customer's own mood and the
   segment's baseline, which even a flawless contact leaves.

The order puts the failure that costs most retention first (an unkept case costs
retention and trust on top of the unmet goal) and the consequence after its cause
(a repeat contact that then waits is still the wrong answer's fault).

``above_baseline`` is the part of the value at risk beyond the segment's baseline,
``max(0, retention_base - retention) x lifetime_value``: what the contact lost on
top of the churn a flawless contact with a calm customer leaves.  Rework is
``scoring.rework_cost`` per repeat contact (after a wrong answer) and per retry
(after hanging up in a queue); the two add up to the rework cost in
``scores``.  Money is in the scenario's currency.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..scenario import Scenario
from ..scores import Columns, columns_of, final_per_customer

CAUSES = ("long_wait", "wrong_answer", "missing_followup", "unresolved_escalation", "unmet_goal", "no_failure")
CAUSE_LABELS = {
    "long_wait": "churn from long waits",
    "wrong_answer": "churn from wrong answers",
    "missing_followup": "churn from missing follow-up",
    "unresolved_escalation": "churn from unresolved escalations",
    "unmet_goal": "churn from other unmet goals",
    "no_failure": "no service failure (moods, baseline)",
}
REWORK_LABELS = {"repeat": "rework: repeat contacts after wrong answers",
                 "retry": "rework: retries after hanging up"}
ASYNC_PATIENCE_S = 3600.0  # email and web: waiting frustrates after an hour (as in the model)


def _long_waits(cols: Columns, scen: Scenario, idx: np.ndarray) -> np.ndarray:
    """For the records `idx`: answered after the customer started to mind the wait."""
    channel, segment = cols["channel"][idx], cols["segment"][idx]
    wait = cols["answer_time"][idx] - cols["arrival_time"][idx]
    limit = np.full(len(idx), ASYNC_PATIENCE_S)
    for sid, seg in scen.segments.items():
        for cid, ch in scen.channels.items():
            if ch.realtime:
                limit[(segment == sid) & (channel == cid)] = seg.speed_expectation_s
    return ~np.isnan(wait) & (wait > limit)


def causes_of_final_records(cols: Columns, scen: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(index of each customer's final record, its cause), rules as in the module doc."""
    last = final_per_customer(cols)
    open_case = cols["open_case"][last] == 1
    follow = cols["followup_time"][last]
    missed = open_case & (np.isnan(follow) | (follow > scen.horizon_s) | (cols["promise"][last] == "broken"))
    unmet = cols["goal_met"][last] != 1
    escalation = (cols["escalated"][last] == 1) & unmet
    wrong = (cols["correct_info"][last] == 0) | (cols["reason"][last] == "repeat")
    waited = ((cols["status"][last] != "served") | (cols["reason"][last] == "retry")
              | _long_waits(cols, scen, last))
    cause = np.select([missed, escalation, wrong, waited, unmet],
                      ["missing_followup", "unresolved_escalation", "wrong_answer", "long_wait", "unmet_goal"],
                      default="no_failure").astype(object)
    return last, cause


def cost_breakdown(log: Any, scen: Scenario) -> dict[str, Any]:
    """Lost value, loss above the baseline and customers per cause, and rework, for one run.

    ``log`` is a ContactLog or its columns.  ``lost[cause]`` adds up to the revenue at
    risk in ``scores``; ``total`` (lost value plus rework) to its cost of poor service.
    """
    cols = columns_of(log)
    last, cause = causes_of_final_records(cols, scen)
    ret = cols["retention_probability"][last]
    ok = ~np.isnan(ret)
    ltv = np.nan_to_num(cols["lifetime_value"][last].astype(np.float64))
    base = np.array([scen.segments[s].retention_base if s in scen.segments else 1.0
                     for s in cols["segment"][last]], dtype=np.float64)
    lost = np.where(ok, (1.0 - np.nan_to_num(ret)) * ltv, 0.0)
    above = np.where(ok, np.maximum(0.0, base - np.nan_to_num(ret)) * ltv, 0.0)
    out: dict[str, Any] = {"lost": {}, "above_baseline": {}, "customers": {}, "rework": {}}
    for c in CAUSES:
        m = (cause == c) & ok
        out["lost"][c] = round(float(lost[m].sum()), 2)
        out["above_baseline"][c] = round(float(above[m].sum()), 2)
        out["customers"][c] = int(m.sum())
    reason = cols["reason"]
    for r in ("repeat", "retry"):
        out["rework"][r] = round(float(np.sum(reason == r)) * scen.scoring.rework_cost, 2)
    out["total"] = round(sum(out["lost"].values()) + sum(out["rework"].values()), 2)
    return out


def flat_costs(breakdown: dict[str, Any]) -> dict[str, float]:
    """One number per line of the breakdown: ``lost.long_wait``, ``rework.repeat``, ``total`` ..."""
    parts = ("lost", "above_baseline", "rework")
    flat = {f"{part}.{k}": float(v) for part in parts for k, v in breakdown[part].items()}
    flat["total"] = float(breakdown["total"])
    return flat
