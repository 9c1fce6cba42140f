"""Scores: pure functions over the contact records, nothing else.

The CLI, the game's ticker and debrief, reports and tests all call these
functions, so every number is computed in exactly one place.  Rates are
shares (0-1), times are seconds, money is in the scenario's currency.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from .records import ContactLog
from .scenario import Scenario
from .team import STRESSED

Columns = Mapping[str, np.ndarray]
DELIGHTED = 0.9  # retention at or above this: a delighted customer, who tells others


def _mean(x: np.ndarray) -> float | None:
    x = x[~np.isnan(x)] if x.dtype.kind == "f" else x
    return float(np.mean(x)) if len(x) else None


def _share(mask: np.ndarray, of: np.ndarray | None = None) -> float | None:
    if of is not None:
        mask = mask[of]
    return float(np.mean(mask)) if len(mask) else None


def columns_of(log: ContactLog | Columns) -> Columns:
    return log.columns() if isinstance(log, ContactLog) else log


def final_per_customer(cols: Columns) -> np.ndarray:
    """Index of each customer's last record (by end time, then contact id)."""
    n = len(cols["contact_id"])
    if not n:
        return np.zeros(0, dtype=np.int64)
    end = np.nan_to_num(cols["end_time"], nan=-1.0)
    order = np.lexsort((cols["contact_id"], end, cols["customer_id"]))
    cust = cols["customer_id"][order]
    last = np.ones(n, dtype=bool)
    last[:-1] = cust[1:] != cust[:-1]
    return order[last]


def speed(cols: Columns, scen: Scenario) -> dict[str, Any]:
    ch = cols["channel"]
    arrival, answer = cols["arrival_time"], cols["answer_time"]
    status = cols["status"]
    answered = ~np.isnan(answer)
    wait = np.where(answered, answer - arrival, cols["end_time"] - arrival)
    realtime = np.ones(len(ch), dtype=bool)
    threshold = np.full(len(ch), 20.0)
    for name, spec in scen.channels.items():
        m = ch == name
        realtime[m] = spec.realtime
        threshold[m] = spec.sl_threshold_s
    within = answered & (wait <= threshold)
    callback = cols["callback"] == 1
    # service level and speed of answer measure people holding on the line; a callback
    # is a promise kept later, reported on its own. With no phone or chat at all, the
    # written channels' own targets count instead.
    live = realtime & ~callback
    if not live.any():
        live = ~callback
    out: dict[str, Any] = {
        "offered": int(len(ch)),
        "answered": int(answered.sum()),
        "asa_s": _mean(wait[answered & live]),
        "service_level": _share(within, live),
        "abandon_rate": _share(status == "abandoned", realtime if realtime.any() else live),
        "callbacks": int(callback.sum()),
        "callback_wait_s": _mean(wait[callback & answered]),
        "aht_s": _mean(cols["handle_time"][answered]),
        "per_channel": {},
    }
    for c in sorted(set(ch.tolist())):
        m = ch == c
        out["per_channel"][c] = {
            "offered": int(m.sum()),
            "service_level": _share(within, m),
            "asa_s": _mean(wait[m & answered]),
            "abandon_rate": _share(status == "abandoned", m),
        }
    # per customer segment (who a priority order serves first): live contacts only, as above
    out["per_segment"] = {}
    seg = cols["segment"]
    for sg in sorted(s for s in set(seg.tolist()) if s):
        m = (seg == sg) & live
        out["per_segment"][sg] = {
            "offered": int(m.sum()),
            "service_level": _share(within, m),
            "asa_s": _mean(wait[m & answered]),
            "abandon_rate": _share(status == "abandoned", m),
        }
    # time to resolution, per customer, including repeat contacts and follow-ups
    met = cols["goal_met"] == 1
    resolved_at = np.where(~np.isnan(cols["followup_time"]), cols["followup_time"], cols["end_time"])
    cust = cols["customer_id"].astype(np.int64)
    first = np.full(int(cust.max()) + 1 if len(cust) else 0, np.inf)
    np.minimum.at(first, cust, arrival)
    out["time_to_resolution_s"] = _mean(resolved_at[met] - first[cust[met]])
    # from answering to the end of an escalated contact: the agent's part, then the wait for a supervisor
    escalated = answered & (cols["escalated"] == 1)
    out["escalation_time_s"] = _mean(cols["end_time"][escalated] - answer[escalated])
    open_case = cols["open_case"] == 1
    on_time = ~np.isnan(cols["followup_time"]) & (cols["followup_time"] <= scen.horizon_s)
    out["open_cases"] = int(open_case.sum())
    out["sunset_compliance"] = _share(on_time, open_case)
    return out


def accuracy(cols: Columns) -> dict[str, Any]:
    served = cols["status"] == "served"
    correct = cols["correct_info"]
    answered = correct >= 0
    repeated = np.unique(cols["repeat_of"][cols["reason"] == "repeat"])
    new_served = served & (cols["reason"] == "new")
    first_ok = ((cols["goal_met"] == 1) & (cols["transfers"] == 0) & (cols["escalated"] == 0)
                & ~np.isin(cols["contact_id"], repeated))
    last = final_per_customer(cols)
    repeat = cols["reason"] == "repeat"
    return {
        "first_contact_resolution": _share(first_ok, new_served),
        "correct_info_rate": _share(correct == 1, answered),
        # the second try of those given wrong information: what the notes on file are for
        "repeat_correct_info_rate": _share(correct == 1, answered & repeat),
        "goal_met_rate": _share(cols["goal_met"][last] == 1),
        "repeat_contact_rate": _share(cols["reason"] == "repeat", served),
        "escalation_rate": _share(cols["escalated"] == 1, served),
        "transfer_rate": _share(cols["transfers"] > 0, served),
    }


def churn_rule(retention: np.ndarray | np.floating[Any], loyalty_draw: np.ndarray | np.floating[Any]) -> Any:
    """Who leaves: a customer whose uniform loyalty draw exceeds their retention probability."""
    return loyalty_draw > retention


def complained_rule(retention: Any, loyalty_draw: Any, complaint_rate: float) -> Any:
    """Who of those leaving says so: the few whose draw lies just past their retention (1 in 25 by default).

    Of the customers who churn, the share `complaint_rate` complain directly; the rest leave silently.
    """
    retention, loyalty_draw = np.asarray(retention, dtype=np.float64), np.asarray(loyalty_draw, dtype=np.float64)
    gone = churn_rule(retention, loyalty_draw)
    loudness = np.where(gone, (loyalty_draw - retention) / np.maximum(1e-9, 1.0 - retention), 1.0)
    return gone & (loudness < complaint_rate)


def tells_good_story(churned: Any, retention: Any, recovered: Any) -> Any:
    """Who spreads a good word: kept customers who were delighted, or whose failure was put right."""
    return ~np.asarray(churned, dtype=bool) & ((np.asarray(retention) >= DELIGHTED) | np.asarray(recovered, dtype=bool))


def failed_before(cols: Columns) -> np.ndarray:
    """Per record: does this customer have an earlier contact that failed?

    A retry exists only because an earlier contact was abandoned, a repeat only because an
    earlier answer was wrong, so a customer with either has had a failure.
    """
    again = np.isin(cols["reason"], ("retry", "repeat"))
    cust = cols["customer_id"].astype(np.int64)
    failed = set(cust[again].tolist())
    return np.isin(cust, list(failed)) if failed else np.zeros(len(cust), dtype=bool)


def churned(cols: Columns) -> np.ndarray:
    """Per record: would this customer leave if this were their last contact."""
    return churn_rule(cols["retention_probability"], cols["loyalty_draw"])


def loyalty(cols: Columns, scen: Scenario) -> dict[str, Any]:
    last = final_per_customer(cols)
    ret = cols["retention_probability"][last]
    ltv = cols["lifetime_value"][last]
    draw = cols["loyalty_draw"][last]
    ok = ~np.isnan(ret)
    ret, ltv, draw = ret[ok], np.nan_to_num(ltv[ok]), draw[ok]
    churned = churn_rule(ret, draw)
    # of those who leave, only a few say so: the rest leave silently
    complained = complained_rule(ret, draw, scen.scoring.complaint_rate)
    # recovery: an earlier contact failed (abandoned, or a wrong answer), and the last one met the goal
    failed = failed_before(cols)[last][ok]
    met = (cols["goal_met"][last] == 1)[ok]
    recovered = failed & met
    # never failed: one contact, the goal met the first time, the information right
    clean = ~failed & met & ((cols["correct_info"][last] != 0)[ok])
    survey = cols["survey_score"]
    surveyed = survey >= 1
    csat = _share(survey >= 4, surveyed)
    promoters = _share(survey == 5, surveyed)
    detractors = _share(survey <= 3, surveyed)
    # lost customers tell everyone; the delighted, and those whose failure was put right, tell a good story
    storytellers = tells_good_story(churned, ret, recovered)
    rec_ret, clean_ret = _mean(ret[recovered]), _mean(ret[clean])
    repeats = int(np.sum(np.isin(cols["reason"], ("repeat", "retry"))))
    revenue_at_risk = float(np.sum((1.0 - ret) * ltv))
    goal_met = _share(cols["goal_met"][last] == 1)
    value = float(np.sum(ltv))
    served_repeat = (cols["status"] == "served") & (cols["reason"] == "repeat")
    seg = cols["segment"][last][ok]
    per_segment = {str(sg): {"customers": int((seg == sg).sum()), "retention": _mean(ret[seg == sg])}
                   for sg in sorted(set(seg.tolist())) if sg}
    return {
        "customers": int(len(ret)),
        "retention": _mean(ret),
        "value_retention": float(np.sum(ret * ltv) / value) if value > 0 else _mean(ret),
        "churned": int(churned.sum()),
        "churn_rate": _share(churned),
        "complaints": int(complained.sum()),
        "silent_churn": int((churned & ~complained).sum()),
        "told_by_lost": float(churned.sum() * scen.scoring.word_of_mouth_churned),
        "told_by_happy": float(storytellers.sum() * scen.scoring.word_of_mouth_happy),
        "good_word_share": _good_share(storytellers.sum() * scen.scoring.word_of_mouth_happy,
                                       churned.sum() * scen.scoring.word_of_mouth_churned),
        "recoveries": int((recovered & ~churned).sum()),
        "recovered_retention": rec_ret,
        "never_failed_retention": clean_ret,
        "recovery_gap": None if rec_ret is None or clean_ret is None else round(rec_ret - clean_ret, 4),
        "revenue_at_risk": round(revenue_at_risk, 2),
        "lost_value": round(float(np.sum(ltv[churned])), 2),
        "rework_cost": round(repeats * scen.scoring.rework_cost, 2),
        "cost_of_poor_service": round(revenue_at_risk + repeats * scen.scoring.rework_cost, 2),
        "money_paid": round(float(np.nansum(cols["money_paid"])), 2),
        "csat": csat,
        "nps": None if promoters is None or detractors is None else round(100.0 * (promoters - detractors), 1),
        "surface_gap": None if csat is None or goal_met is None else round(csat - goal_met, 4),
        # how customers felt when the contact ended (0-100), as an average over every one served
        "frustration_end": _mean(cols["frustration_end"][cols["status"] == "served"].astype(np.float64)),
        "trust_end": _mean(cols["trust_end"][cols["status"] == "served"].astype(np.float64)),
        # how frustrated customers who had to come back after a wrong answer left their second contact
        "repeat_frustration": _mean(cols["frustration_end"][served_repeat].astype(np.float64)),
        "per_segment": per_segment,
    }


def _good_share(good: float, bad: float) -> float | None:
    """Of the people who hear a story about us today, the share who hear a good one."""
    return None if good + bad <= 0 else round(float(good) / float(good + bad), 4)


def team(cols: Columns) -> dict[str, Any]:
    """How hard the shift was on the agents, from each answered contact's agent at the moment of answering.

    stress_mean: their mean stress (0-1); stressed_share: the share of answered contacts taken by an
    agent above the stressed mark (`sim.team.STRESSED`), who is slower and more often wrong.
    """
    s = cols["agent_stress"].astype(np.float64) if "agent_stress" in cols else np.zeros(0)
    s = s[~np.isnan(s)]
    mean = _mean(s)
    return {"stress_mean": None if mean is None else round(mean, 4), "stressed_share": _share(s > STRESSED),
            "stress_peak": round(float(np.max(s)), 4) if len(s) else None}


def _clip01(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


def overall(sp: Mapping[str, Any], acc: Mapping[str, Any], loy: Mapping[str, Any], scen: Scenario) -> dict[str, Any]:
    """Sub-scores 0-100 and the weighted overall score with stars."""
    s = scen.scoring

    def v(x: Any, default: float) -> float:
        return default if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)

    sl = v(sp["service_level"], 1.0)
    speed_score = 100.0 * (0.5 * _clip01(sl / max(s.service_level_target, 1e-9))
                           + 0.25 * (1.0 - _clip01(v(sp["abandon_rate"], 0.0) / 0.15))
                           + 0.25 * (1.0 - _clip01(v(sp["asa_s"], 0.0) / 300.0)))
    accuracy_score = 100.0 * (0.4 * v(acc["correct_info_rate"], 1.0) + 0.3 * v(acc["goal_met_rate"], 1.0)
                              + 0.3 * v(acc["first_contact_resolution"], 1.0))
    loyalty_score = 100.0 * _clip01((v(loy["value_retention"], 1.0) - 0.5) / 0.45)
    wsum = s.loyalty_weight + s.speed_weight + s.accuracy_weight
    score = (s.loyalty_weight * loyalty_score + s.speed_weight * speed_score
             + s.accuracy_weight * accuracy_score) / wsum
    stars = sum(1 for t in s.stars if score >= t)
    return {"loyalty_score": round(loyalty_score, 2), "speed_score": round(speed_score, 2),
            "accuracy_score": round(accuracy_score, 2), "score": round(score, 2), "stars": stars}


StaffingChanges = Sequence[tuple[float, Sequence[int]]]


def staff_cost(scen: Scenario, staffing: tuple[int, ...] | None = None, changes: StaffingChanges = ()) -> float:
    """Agent hours on the schedule times the hourly cost.

    `changes` are the staffing changes made during the shift, (time, the staffing in force from
    then on): each interval is paid at the staffing in force over each part of it, so the cost is
    that of the staffing actually used.
    """
    staffing = tuple(staffing or scen.policies.staffing)
    points = sorted(((float(t), tuple(v)) for t, v in changes), key=lambda x: x[0])
    hours = 0.0
    for i in range(scen.intervals):
        t0, t1 = i * scen.interval_s, (i + 1) * scen.interval_s
        cuts = [(t0, staffing)] + [(min(max(t, t0), t1), v) for t, v in points if t < t1]
        cuts.sort(key=lambda x: x[0])  # stable: a change at t0 replaces the plan from the start
        for (a, plan), (b, _) in zip(cuts, cuts[1:] + [(t1, ())]):
            if b > a and plan:
                hours += plan[min(i, len(plan) - 1)] * (b - a) / 3600.0
    return round(hours * scen.team.cost_per_agent_hour, 2)


def money(cols: Columns, staff: float) -> dict[str, Any]:
    """The shift in money: what it kept and what it paid.

    value_kept: the lifetime value the customers are still expected to bring (retention x
    lifetime value of each customer's final record); net_value: that minus refunds, gestures and
    the staff cost. Refunds include the odd over-generous decision (overpaid: what those paid
    beyond the need); the staff cost is of the staffing actually used.
    """
    last = final_per_customer(cols)
    ret = cols["retention_probability"][last]
    ok = ~np.isnan(ret)
    kept = float(np.sum(ret[ok] * np.nan_to_num(cols["lifetime_value"][last][ok].astype(np.float64))))
    refunds = float(np.nansum(cols["refund_paid"].astype(np.float64))) if "refund_paid" in cols else 0.0
    gestures = float(np.nansum(cols["gesture_paid"].astype(np.float64))) if "gesture_paid" in cols else 0.0
    over = float(np.nansum(cols["overpaid"].astype(np.float64))) if "overpaid" in cols else 0.0
    return {"refunds_paid": round(refunds, 2), "overpaid": round(over, 2), "gestures_paid": round(gestures, 2),
            "staff_cost": staff,
            "value_kept": round(kept, 2), "net_value": round(kept - refunds - gestures - staff, 2)}


def trainee(cols: Columns, scen: Scenario) -> dict[str, Any]:
    """The trainee's own calls, scored like the shift: what the trainee's choices did.

    The customers the trainee answered at least once, with every contact of theirs (so a
    repeat call after the trainee's wrong answer counts against the trainee, whoever takes
    it), scored by the same speed, accuracy, loyalty and overall rules as the whole shift.
    With no call of the trainee's there is nothing of theirs to score: calls 0 and no scores.
    """
    mine = cols["by_trainee"] == 1 if "by_trainee" in cols else np.zeros(len(cols["contact_id"]), dtype=bool)
    calls = int(mine.sum())
    if not calls:
        return {"calls": 0, "customers": 0}
    customers = np.unique(cols["customer_id"][mine])
    theirs = np.isin(cols["customer_id"], customers)
    sub = {k: v[theirs] for k, v in cols.items()}
    sp, acc, loy = speed(sub, scen), accuracy(sub), loyalty(sub, scen)
    return {"calls": calls, "customers": int(len(customers)), "speed": sp, "accuracy": acc, "loyalty": loy,
            "overall": overall(sp, acc, loy, scen)}


def compute(log: ContactLog | Columns, scen: Scenario, staffing_changes: StaffingChanges = ()) -> dict[str, Any]:
    """All scores for a run: speed, accuracy, loyalty, overall, money, the staff cost and the team's stress.

    `staffing_changes`: staffing changed during the shift, (time, staffing from then on), as
    `sim.model.Centre.staffing_changes` logs them; the staff cost is of the staffing actually used.
    """
    cols = columns_of(log)
    sp = speed(cols, scen)
    acc = accuracy(cols)
    loy = loyalty(cols, scen)
    staff = staff_cost(scen, changes=staffing_changes)
    return {"speed": sp, "accuracy": acc, "loyalty": loy, "overall": overall(sp, acc, loy, scen),
            "money": money(cols, staff), "staff_cost": staff, "team": team(cols), "trainee": trainee(cols, scen)}


def ticker(log: ContactLog, scen: Scenario) -> dict[str, float | None]:
    """The few live figures the game shows while the shift runs."""
    if not len(log):
        return {"service_level": None, "abandon_rate": None, "asa_s": None, "retention": None, "csat": None}
    s = compute(log, scen)
    return {"service_level": s["speed"]["service_level"], "abandon_rate": s["speed"]["abandon_rate"],
            "asa_s": s["speed"]["asa_s"], "retention": s["loyalty"]["retention"], "csat": s["loyalty"]["csat"]}


def metric(scores: Mapping[str, Any], path: str) -> Any:
    """The score at a dotted path such as "speed.service_level" (None if absent)."""
    node: Any = scores
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def objectives(scores: Mapping[str, Any], scen: Scenario, of: str = "") -> list[dict[str, Any]]:
    """Each objective of the scenario with its measured value and whether it was met.

    `of="trainee"` measures them on the trainee's own calls (`trainee`); objectives of the
    whole team (its stress) have no value there and count as not met.
    """
    out: list[dict[str, Any]] = []
    for obj in scen.targets:
        if not obj.metric:
            out.append({"text": obj.text, "metric": "", "value": None, "met": None})
            continue
        value = metric(scores, f"{of}.{obj.metric}" if of else obj.metric)
        if value is None:
            met = False
        elif obj.at_least is not None:
            met = value >= obj.at_least
        else:
            met = value <= obj.at_most  # type: ignore[operator]
        out.append({"text": obj.text, "metric": obj.metric, "value": value, "met": bool(met)})
    return out
