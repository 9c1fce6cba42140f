"""The people levers teach what the source says, for the reason it gives.

Hire friendly, trainable, competent (friendliness cannot be trained, training raises
competence in proportion to trainability); supervisors shorten escalations; wrap-up
writes the notes that help the next contact; history on file makes answers right;
a priority order serves the chosen segment first.  Every comparison is paired (the
same seeds on both sides, common random numbers) and asserts that the 95 % interval
of the mean paired difference excludes zero in the claimed direction.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import pytest

from sim.model import Centre, notes_quality
from sim.rng import Streams
from sim.runner import run
from sim.scenario import load_scenario, with_policies
from sim.scores import metric
from sim.team import hire, trained

T975 = {10: 2.262, 12: 2.201, 15: 2.145, 20: 2.093}  # two-sided 95 % t quantiles for n - 1 degrees of freedom
TRAINED = (("training_hours_per_week", 4),)


@cache
def _scores(sid: str, changes: tuple[tuple[str, Any], ...], seed: int) -> dict[str, Any]:
    scen = load_scenario(sid)
    if changes:
        scen = with_policies(scen, {k: list(v) if isinstance(v, tuple) else v for k, v in changes}, source="test")
    return run(scen, seed).scores


def paired(sid: str, base: dict[str, Any], variant: dict[str, Any], path: str, n: int) -> tuple[float, float, float]:
    """Mean paired difference variant - base over seeds 1..n, and its 95 % interval."""
    b, v = tuple(sorted(base.items())), tuple(sorted(variant.items()))
    d = np.array([metric(_scores(sid, v, s), path) - metric(_scores(sid, b, s), path) for s in range(1, n + 1)],
                 dtype=float)
    half = T975[n] * d.std(ddof=1) / math.sqrt(n)
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def higher(*args: Any) -> None:
    mean, lo, hi = paired(*args)
    assert lo > 0, f"{args[1]} -> {args[2]}: {args[3]} {mean:+.4f} [{lo:+.4f}, {hi:+.4f}] should be higher"


def lower(*args: Any) -> None:
    mean, lo, hi = paired(*args)
    assert hi < 0, f"{args[1]} -> {args[2]}: {args[3]} {mean:+.4f} [{lo:+.4f}, {hi:+.4f}] should be lower"


def profile(name: str, *extra: tuple[str, Any]) -> dict[str, Any]:
    return {"hiring_profile": name, **dict(extra)}


# ---------------------------------------------------------------------------
# Hiring: friendliness is the foundation, trainability lets skill grow
# ---------------------------------------------------------------------------


def test_training_closes_the_competence_gap_in_proportion_to_trainability() -> None:
    assert trained(0.4, 0.8, 0.0) == pytest.approx(0.4)  # no training, no change
    slow, fast = trained(0.4, 0.3, 52.0), trained(0.4, 0.9, 52.0)
    assert 0.4 < slow < fast < 1.0
    # the gain is proportional to trainability at the start, and shrinks as skill approaches full
    assert (trained(0.4, 0.8, 1.0) - 0.4) == pytest.approx(2 * (trained(0.4, 0.4, 1.0) - 0.4), rel=0.02)
    gap_before = 0.6 - 0.4
    gap_after = trained(0.6, 0.6, 52.0) - trained(0.4, 0.6, 52.0)
    assert 0 < gap_after < gap_before  # training shrinks differences in competence


def test_training_never_changes_friendliness_and_balanced_screens_friendly_first() -> None:
    scen = load_scenario("new_hires")

    def team(**changes: Any) -> list[Any]:
        return hire(scen.team, with_policies(scen, changes, source="test").policies, Streams(7), 200)

    untrained, trained_team = team(training_hours_per_week=0), team(training_hours_per_week=8)
    assert [a.friendliness for a in untrained] == [a.friendliness for a in trained_team]
    assert all(t.competence >= u.competence for u, t in zip(untrained, trained_team))
    assert np.mean([t.competence - u.competence for u, t in zip(untrained, trained_team)]) > 0.05

    def means(name: str) -> np.ndarray:
        return np.mean([[a.friendliness, a.trainability, a.competence] for a in team(hiring_profile=name)], axis=0)

    balanced = means("balanced")
    # friendly first, then trainable, then competent: the screen lifts the traits in that order
    lift = balanced - np.array([scen.team.friendliness_mean, scen.team.trainability_mean, scen.team.competence_mean])
    assert lift[0] > lift[1] > lift[2] > 0
    assert means("friendly")[0] > balanced[0] > means("competent")[0]


def test_warm_hires_calm_customers_and_keep_more_of_them_once_training_works() -> None:
    base, friendly = profile("competent", *TRAINED), profile("friendly", *TRAINED)
    # the mechanism: how customers feel when the contact ends
    lower("new_hires", base, friendly, "loyalty.frustration_end", 20)
    higher("new_hires", base, friendly, "loyalty.trust_end", 20)
    # and therefore whether they stay
    higher("new_hires", base, friendly, "loyalty.retention", 20)
    higher("new_hires", base, profile("balanced", *TRAINED), "loyalty.retention", 12)


def test_friendliness_is_not_a_free_win_on_accuracy() -> None:
    base, friendly = profile("competent", *TRAINED), profile("friendly", *TRAINED)
    mean, lo, hi = paired("new_hires", base, friendly, "accuracy.correct_info_rate", 20)
    assert hi < 0.002, (mean, lo, hi)  # warm but less skilled hires are no more accurate
    # and without any training, skill has to be hired: competent hires are the accurate ones
    lower("new_hires", profile("competent"), profile("friendly"), "accuracy.correct_info_rate", 12)


def test_training_pays_back_with_people_who_learn() -> None:
    higher("new_hires", profile("trainable"), profile("trainable", *TRAINED), "accuracy.correct_info_rate", 12)
    lower("new_hires", profile("competent"), profile("trainable"), "accuracy.correct_info_rate", 12)


# ---------------------------------------------------------------------------
# Supervisors: backup for escalations
# ---------------------------------------------------------------------------


def test_more_supervisors_shorten_escalations_and_keep_more_customers() -> None:
    none, one, three = {"supervisors": 0}, {"supervisors": 1}, {"supervisors": 3}
    assert all(_scores("new_hires", (("supervisors", 0),), s)["accuracy"]["escalation_rate"] == 0
               for s in range(1, 11))  # nobody to escalate to: cases over the limit are refused
    lower("new_hires", one, three, "speed.escalation_time_s", 10)
    higher("new_hires", none, one, "loyalty.retention", 10)
    higher("new_hires", one, three, "loyalty.retention", 10)


def test_a_busy_supervisor_calls_back_instead_of_leaving_the_customer_on_hold() -> None:
    scen = with_policies(load_scenario("new_hires"), {"supervisors": 1}, source="test")
    centre = Centre(scen, seed=3)
    held, queued = 120.0, 3600.0
    contact = type("C", (), {"channel": "phone"})()
    f = centre._escalation_wait_frustration(contact, held, queued)  # noqa: SLF001 - the rule itself
    on_hold_all_along = centre._escalation_wait_frustration(contact, held + queued, 0.0)  # noqa: SLF001
    assert 0 < f < on_hold_all_along / 2


# ---------------------------------------------------------------------------
# Notes and history: keep customer history on file
# ---------------------------------------------------------------------------


def test_notes_quality_grows_with_wrap_up_time() -> None:
    assert notes_quality(0) == 0.0
    assert 0 < notes_quality(15) < notes_quality(30) < notes_quality(90) < 1.0


def test_wrap_up_notes_get_returning_customers_right_at_a_cost_in_speed() -> None:
    none, minute = {"wrap_up_s": 0}, {"wrap_up_s": 60}
    higher("new_hires", none, minute, "accuracy.repeat_correct_info_rate", 12)
    lower("new_hires", none, minute, "speed.service_level", 12)


def test_history_on_screen_makes_answers_right_and_contacts_shorter() -> None:
    hidden, shown = {"show_history": False}, {}  # both scenarios ship with history on screen
    assert load_scenario("expert_customer").policies.show_history and load_scenario("new_hires").policies.show_history
    higher("expert_customer", hidden, shown, "accuracy.correct_info_rate", 10)
    lower("expert_customer", hidden, shown, "speed.aht_s", 10)
    higher("new_hires", hidden, shown, "accuracy.repeat_correct_info_rate", 12)


# ---------------------------------------------------------------------------
# Priority: choose your core customers
# ---------------------------------------------------------------------------


def test_serving_a_segment_first_cuts_its_wait_and_keeps_more_of_it_at_the_others_cost() -> None:
    fifo, business = {"priority": ()}, {"priority": ("business",)}
    lower("monday_outage", fifo, business, "speed.per_segment.business.asa_s", 12)
    higher("monday_outage", fifo, business, "loyalty.per_segment.business.retention", 12)
    higher("monday_outage", fifo, business, "speed.per_segment.end_user.asa_s", 12)
    lower("monday_outage", fifo, business, "loyalty.per_segment.end_user.retention", 12)
