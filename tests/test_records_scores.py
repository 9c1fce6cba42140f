"""Scores computed by hand on a tiny hand-built contact log equal sim.scores.compute.

Six contacts of four customers on a phone line (real-time, 20 s threshold) and
by e-mail (not real-time, so outside service level, speed of answer and
abandonment).  Every expected figure below is worked out from the rows by hand.
"""

from __future__ import annotations

import math

import pytest

from sim.records import CONTACT_FIELDS, ContactLog, contacts_csv
from sim.scenario import Scenario, parse_scenario
from sim.scores import compute, final_per_customer


@pytest.fixture(scope="module")
def scen() -> Scenario:
    data = {
        "scenario": {"id": "tiny", "interval_s": 1800},
        "arrivals": {"phone": [40, 60, 60, 40]},
        "policies": {"staffing": [6, 8, 8, 6]},
        "scoring": {"loyalty_weight": 0.4, "speed_weight": 0.3, "accuracy_weight": 0.3, "stars": [50, 60, 85],
                    "service_level_target": 0.8, "rework_cost": 8, "complaint_rate": 0.04,
                    "word_of_mouth_churned": 9, "word_of_mouth_happy": 3},
        "team": {"cost_per_agent_hour": 30},
    }
    return parse_scenario(data, "tiny.toml")


def row(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "segment": "end_user", "goal": "how_to", "reason": "new", "repeat_of": None, "status": "served",
        "abandoned": False, "callback": False, "agent_id": 1, "turns": 4, "transfers": 0, "escalated": False,
        "resolved": True, "open_case": False, "followup_time": None, "promise": "", "money_paid": 0.0,
        "frustration_start": 30.0, "frustration_end": 20.0, "trust_end": 60.0,
    }
    base.update(kw)
    return base


ROWS = [
    # customer 0: answered in 10 s, goal met first time; a follow-up at 2000 s closes the case
    row(contact_id=0, customer_id=0, channel="phone", arrival_time=0.0, answer_time=10.0, end_time=200.0,
        handle_time=190.0, goal_met=True, correct_info=True, open_case=True, followup_time=2000.0, promise="kept",
        survey_score=5, retention_probability=0.9, lifetime_value=600.0, loyalty_draw=0.5, agent_stress=0.1),
    # customer 1: waits 60 s, is told something wrong and comes back (a repeat, transferred once)
    row(contact_id=1, customer_id=1, channel="phone", arrival_time=100.0, answer_time=160.0, end_time=400.0,
        handle_time=240.0, goal_met=False, correct_info=False, survey_score=4, retention_probability=0.7,
        lifetime_value=2500.0, loyalty_draw=0.8, agent_stress=0.7),
    row(contact_id=2, customer_id=1, channel="phone", reason="repeat", repeat_of=1, arrival_time=3000.0,
        answer_time=3005.0, end_time=3300.0, handle_time=295.0, transfers=1, goal_met=True, correct_info=True,
        survey_score=2, retention_probability=0.6, lifetime_value=2500.0, loyalty_draw=0.8, agent_stress=0.3),
    # customer 2: hangs up after 90 s, tries again and is answered in 15 s (not surveyed)
    row(contact_id=3, customer_id=2, channel="phone", status="abandoned", abandoned=True, agent_id=None, turns=0,
        arrival_time=200.0, answer_time=None, end_time=290.0, handle_time=None, resolved=False, goal_met=False,
        correct_info=None, survey_score=None, retention_probability=0.5, lifetime_value=12000.0, loyalty_draw=0.3),
    row(contact_id=5, customer_id=2, channel="phone", reason="retry", repeat_of=3, arrival_time=1200.0,
        answer_time=1215.0, end_time=1500.0, handle_time=285.0, goal_met=True, correct_info=True,
        survey_score=None, retention_probability=0.8, lifetime_value=12000.0, loyalty_draw=0.3, agent_stress=0.65),
    # customer 3: an e-mail answered after an hour, escalated, refund paid, goal not met; leaves and complains
    row(contact_id=4, customer_id=3, channel="email", arrival_time=50.0, answer_time=3650.0, end_time=4000.0,
        handle_time=350.0, escalated=True, goal_met=False, correct_info=True, money_paid=45.0, refund_paid=40.0,
        gesture_paid=5.0, overpaid=10.0, survey_score=3,
        retention_probability=0.95, lifetime_value=600.0, loyalty_draw=0.951, agent_stress=0.2),
]


@pytest.fixture(scope="module")
def log() -> ContactLog:
    out = ContactLog()
    for r in ROWS:
        out.append(r)
    return out


def test_log_gives_back_what_was_written(log: ContactLog) -> None:
    assert len(log) == len(ROWS)
    for written, read in zip(ROWS, log.rows()):
        assert set(read) == set(CONTACT_FIELDS)
        for key, value in written.items():
            assert read[key] == (pytest.approx(value) if isinstance(value, float) else value), key
    cols = log.columns()
    assert math.isnan(cols["answer_time"][3]) and cols["correct_info"][3] == -1 and cols["survey_score"][4] == -1
    lines = contacts_csv(log).splitlines()
    assert lines[0].split(",") == list(CONTACT_FIELDS) and len(lines) == 1 + len(ROWS)


def test_final_record_per_customer_is_the_last_to_end(log: ContactLog) -> None:
    assert sorted(log.columns()["contact_id"][final_per_customer(log.columns())].tolist()) == [0, 2, 4, 5]


def test_speed_by_hand(log: ContactLog, scen: Scenario) -> None:
    sp = compute(log, scen)["speed"]
    assert sp["offered"] == 6 and sp["answered"] == 5
    # phone only: waits 10, 60, 5, 15 answered; 90 abandoned
    assert sp["asa_s"] == pytest.approx((10 + 60 + 5 + 15) / 4)
    assert sp["service_level"] == pytest.approx(3 / 5)  # 10, 5 and 15 s are within 20 s
    assert sp["abandon_rate"] == pytest.approx(1 / 5)
    assert sp["aht_s"] == pytest.approx((190 + 240 + 295 + 285 + 350) / 5)  # every answered contact
    assert sp["per_channel"]["email"] == {"offered": 1, "service_level": 1.0, "asa_s": 3600.0, "abandon_rate": 0.0}
    assert sp["per_channel"]["phone"]["offered"] == 5
    # from each customer's first arrival to the end (or follow-up) of a contact that met the goal
    assert sp["time_to_resolution_s"] == pytest.approx(((2000 - 0) + (3300 - 100) + (1500 - 200)) / 3)
    assert sp["open_cases"] == 1 and sp["sunset_compliance"] == 1.0


def test_accuracy_by_hand(log: ContactLog, scen: Scenario) -> None:
    acc = compute(log, scen)["accuracy"]
    # new and served: contacts 0, 1, 4; only 0 met the goal without transfer, escalation or a repeat
    assert acc["first_contact_resolution"] == pytest.approx(1 / 3)
    assert acc["correct_info_rate"] == pytest.approx(4 / 5)  # contact 1 was wrong; 3 gave no answer
    assert acc["goal_met_rate"] == pytest.approx(3 / 4)  # last records: 0, 2, 5 met; 4 not
    assert acc["repeat_contact_rate"] == pytest.approx(1 / 5)
    assert acc["escalation_rate"] == pytest.approx(1 / 5) and acc["transfer_rate"] == pytest.approx(1 / 5)


def test_loyalty_by_hand(log: ContactLog, scen: Scenario) -> None:
    loy = compute(log, scen)["loyalty"]
    # last records: (retention, value, draw) = (.9, 600, .5) (.6, 2500, .8) (.8, 12000, .3) (.95, 600, .951)
    assert loy["customers"] == 4
    assert loy["retention"] == pytest.approx((0.9 + 0.6 + 0.8 + 0.95) / 4)
    assert loy["value_retention"] == pytest.approx((0.9 * 600 + 0.6 * 2500 + 0.8 * 12000 + 0.95 * 600) / 15700)
    assert loy["churned"] == 2 and loy["churn_rate"] == 0.5  # draws above retention: customers 1 and 3
    # customer 3 is barely over (0.001 of 0.05 = 2 % < 4 %): complains; customer 1 leaves silently
    assert loy["complaints"] == 1 and loy["silent_churn"] == 1
    # the two who left tell 9 people each; customer 0 (delighted: retention >= 0.9) and customer 2 (a hang-up
    # put right by the retry, and kept) tell 3 each; customer 1's repeat met the goal, but they left anyway
    assert loy["told_by_lost"] == pytest.approx(2 * 9) and loy["told_by_happy"] == pytest.approx(2 * 3)
    assert loy["good_word_share"] == pytest.approx(6 / 24)
    assert loy["recoveries"] == 1
    assert loy["recovered_retention"] == pytest.approx((0.6 + 0.8) / 2)  # customers 1 and 2: failed, then goal met
    assert loy["never_failed_retention"] == pytest.approx(0.9)  # customer 0 (customer 3's goal was not met)
    assert loy["recovery_gap"] == pytest.approx(0.7 - 0.9)
    assert loy["revenue_at_risk"] == pytest.approx(0.1 * 600 + 0.4 * 2500 + 0.2 * 12000 + 0.05 * 600)
    assert loy["lost_value"] == pytest.approx(2500 + 600)
    assert loy["rework_cost"] == pytest.approx(2 * 8)  # one repeat and one retry
    assert loy["cost_of_poor_service"] == pytest.approx(3490 + 16)
    assert loy["money_paid"] == pytest.approx(45.0)
    # surveys 5, 4, 2, 3: CSAT = share of 4-5; NPS = promoters (5) - detractors (1-3)
    assert loy["csat"] == pytest.approx(2 / 4)
    assert loy["nps"] == pytest.approx(100 * (1 / 4 - 2 / 4))
    assert loy["surface_gap"] == pytest.approx(2 / 4 - 3 / 4)


def test_overall_by_hand(log: ContactLog, scen: Scenario) -> None:
    s = compute(log, scen)
    ov = s["overall"]
    speed = 100 * (0.5 * (0.6 / 0.8) + 0.25 * (1 - min(1, 0.2 / 0.15)) + 0.25 * (1 - 22.5 / 300))
    accuracy = 100 * (0.4 * 0.8 + 0.3 * 0.75 + 0.3 * (1 / 3))
    value_retention = 12210 / 15700
    loyalty = 100 * (value_retention - 0.5) / 0.45
    score = (0.4 * loyalty + 0.3 * speed + 0.3 * accuracy) / 1.0
    assert ov["speed_score"] == pytest.approx(speed, abs=0.005)
    assert ov["accuracy_score"] == pytest.approx(accuracy, abs=0.005)
    assert ov["loyalty_score"] == pytest.approx(loyalty, abs=0.005)
    assert ov["score"] == pytest.approx(score, abs=0.005)
    assert ov["stars"] == 2  # 62.2 passes 50 and 60, not 85
    assert s["staff_cost"] == pytest.approx((6 + 8 + 8 + 6) * 0.5 * 30)
    money = s["money"]
    assert money["refunds_paid"] == pytest.approx(40.0) and money["gestures_paid"] == pytest.approx(5.0)
    assert money["overpaid"] == pytest.approx(10.0) and money["staff_cost"] == s["staff_cost"]
    assert money["value_kept"] == pytest.approx(12210.0)
    assert money["net_value"] == pytest.approx(12210.0 - 40.0 - 5.0 - 420.0)


def test_staff_cost_is_of_the_staffing_actually_used(scen: Scenario, log: ContactLog) -> None:
    """A staffing change mid-shift is paid from the moment it is made (intervals of 30 min)."""
    # at 45 min (half-way through interval 1) the plan becomes 10 agents in every interval
    s = compute(log, scen, [(2700.0, (10, 10, 10, 10))])
    assert s["staff_cost"] == pytest.approx((6 * 0.5 + 8 * 0.25 + 10 * 0.25 + 10 * 0.5 + 10 * 0.5) * 30)
    assert s["money"]["staff_cost"] == s["staff_cost"]
    # a change at the start replaces the plan; two changes: the later one wins from its time
    assert compute(log, scen, [(0.0, (2, 2, 2, 2))])["staff_cost"] == pytest.approx(4 * 2 * 0.5 * 30)
    assert compute(log, scen, [(0.0, (2, 2, 2, 2)), (3600.0, (4, 4, 4, 4))])["staff_cost"] == pytest.approx(
        (2 + 2 + 4 + 4) * 0.5 * 30)


def test_team_stress_by_hand(log: ContactLog, scen: Scenario) -> None:
    """The answering agent's stress over the five answered contacts (the hang-up has none)."""
    team = compute(log, scen)["team"]
    assert team["stress_mean"] == pytest.approx((0.1 + 0.7 + 0.3 + 0.65 + 0.2) / 5, abs=1e-4)
    assert team["stressed_share"] == pytest.approx(2 / 5)  # 0.7 and 0.65 are above sim.team.STRESSED
    assert team["stress_peak"] == pytest.approx(0.7, abs=1e-4)


def test_an_objective_can_measure_the_team_s_stress(scen: Scenario, log: ContactLog) -> None:
    from sim.scores import objectives
    data = {
        "scenario": {"id": "calm_team", "interval_s": 1800, "objectives": [
            {"text": "Keep the team's average stress under 0.3", "metric": "team.stress_mean", "at_most": 0.3},
            {"text": "Fewer than half the calls taken by a stressed agent", "metric": "team.stressed_share",
             "at_most": 0.5}]},
        "arrivals": {"phone": [40, 60, 60, 40]},
        "policies": {"staffing": [6, 8, 8, 6]},
    }
    tiny = parse_scenario(data, "calm_team.toml")
    got = objectives(compute(log, tiny), tiny)
    assert [o["met"] for o in got] == [False, True]
    assert got[0]["value"] == pytest.approx(0.39, abs=1e-4)


def test_fewer_agents_are_more_stressed() -> None:
    from sim import load_scenario, run, with_policies
    base = load_scenario("monday_outage")
    n = len(base.policies.staffing)
    few, many = (with_policies(base, {"staffing": [k] * n}) for k in (10, 40))
    for seed in (1, 2):
        assert run(few, seed=seed).scores["team"]["stress_mean"] > run(many, seed=seed).scores["team"]["stress_mean"]


def test_empty_log_scores_without_numbers(scen: Scenario) -> None:
    s = compute(ContactLog(), scen)
    assert s["speed"]["offered"] == 0
    assert s["speed"]["service_level"] is None and s["speed"]["asa_s"] is None
    assert s["accuracy"]["first_contact_resolution"] is None and s["loyalty"]["csat"] is None
    assert s["loyalty"]["customers"] == 0 and s["loyalty"]["nps"] is None
    assert s["team"] == {"stress_mean": None, "stressed_share": None, "stress_peak": None}
    assert 0.0 <= s["overall"]["score"] <= 100.0
