"""The trainee is what is scored: the contacts the trainee answered get their own score (issue 12 part 1)."""

from __future__ import annotations

import numpy as np

from sim import Centre, Playbook, TakeCalls, load_scenario, run
from sim.runner import result_of
from sim.scores import objectives

SEEDS = range(1, 6)


def _shift(sid: str, style: str, seed: int) -> dict:
    """A shift in which the trainee takes agent 0's calls and answers them in `style`; the team plays CARP."""
    centre = Centre(load_scenario(sid), seed=seed, trainee=Playbook(style))
    centre.apply(TakeCalls(0))
    centre.finish(hand_back=False)  # the trainee keeps agent 0's calls to the end of the shift
    return result_of(centre).scores


def test_a_shift_without_a_call_of_the_trainee_has_no_score_of_theirs():
    scores = run(load_scenario("calm_weekday"), seed=1).scores
    assert scores["trainee"] == {"calls": 0, "customers": 0}
    assert scores["overall"]["stars"] >= 0  # the team is still scored, as context


def test_the_trainees_calls_are_scored_from_their_records_and_their_customers():
    scores = _shift("calm_weekday", "carp", 1)
    mine = scores["trainee"]
    assert 5 <= mine["calls"] and mine["customers"] <= mine["calls"]
    assert set(mine) == {"calls", "customers", "speed", "accuracy", "loyalty", "overall"}
    assert 0 <= mine["overall"]["score"] <= 100 and mine["overall"]["stars"] in (0, 1, 2, 3)
    assert [o["met"] for o in objectives(scores, load_scenario("calm_weekday"), of="trainee")] != []


def test_the_trainees_own_choices_decide_their_score_not_the_teams():
    """The same shift, the trainee answering as CARP or with quick fixes: their score moves far, the team's little."""
    own, team = [], []
    for s in SEEDS:
        good, poor = _shift("calm_weekday", "carp", s), _shift("calm_weekday", "fast_and_friendly", s)
        own.append(good["trainee"]["overall"]["score"] - poor["trainee"]["overall"]["score"])
        team.append(good["overall"]["score"] - poor["overall"]["score"])
    assert min(own) > 5, own  # clearly better for the trainee who played well, every seed
    assert np.mean(own) > 4 * abs(np.mean(team)), (own, team)  # one agent of a dozen barely moves the team


def test_a_wrong_answer_of_the_trainees_counts_against_them_when_the_customer_calls_back():
    poor = _shift("calm_weekday", "fast_and_friendly", 2)["trainee"]
    assert poor["accuracy"]["repeat_contact_rate"] > 0  # their customers' repeat contacts are in their score
