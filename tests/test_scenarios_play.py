"""The scenario library, played headless end to end.

Every shipped scenario runs with the three team playbooks and with a random responder, and the
records of every run keep their invariants.  Per scenario, good play (the CARP playbook, plus the
better policy on the manager scenarios) meets more objectives than poor play (the random
responder, by-the-script, the scenario's own baseline policy) and earns more stars.  The game's
three headline claims are checked over three seeds, and the three-representatives story is played
with recorded decisions, one representative at a time.

Runs are cached by (scenario, responder, seed, policy changes), so each is played once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

import numpy as np
import pytest

from sim import Centre, Playbook, Scenario, ScriptedResponder, load_scenario, with_policies
from sim.conversation import MAX_TURNS
from sim.responders import TurnView
from sim.scenario import POLICY_KEYS, list_scenarios
from sim.scores import compute, final_per_customer, objectives

SEEDS = (1, 2, 3)
PLAYBOOKS = ("carp", "fast_and_friendly", "by_the_script")
RESPONDERS = PLAYBOOKS + ("random",)
LIBRARY = ("first_day", "three_reps", "monday_outage", "please_hold", "refund_authority",
           "new_hires", "expert_customer", "sunset", "public_complaint")
SHIPPED = tuple(p.stem for p in list_scenarios())


class RandomResponder:
    """Picks uniformly from the options with its own generator, seeded from the run's seed."""

    def __init__(self, salt: int = 0) -> None:
        self.salt = salt
        self.rng: np.random.Generator | None = None

    def bind(self, centre: Centre) -> None:
        self.rng = np.random.default_rng([centre.seed, 0x5CE7A + self.salt])

    def decide(self, view: TurnView) -> str:
        assert self.rng is not None, "bind() is called before the first turn"
        return view.options[int(self.rng.integers(len(view.options)))]


# ---------------------------------------------------------------------------
# Playing, with invariants checked on every run
# ---------------------------------------------------------------------------


@cache
def scenario(sid: str) -> Scenario:
    return load_scenario(sid)


Policy = tuple[tuple[str, Any], ...]


def policy(**changes: Any) -> Policy:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in changes.items()))


@dataclass(frozen=True)
class Played:
    scores: dict[str, Any]
    met: tuple[bool, ...]
    stars: int
    retention_by_segment: Mapping[str, float]


def check_invariants(centre: Centre) -> None:
    """What must hold for the records of any finished run."""
    scen = centre.scenario
    assert centre.finished and not centre.pending
    rows = list(centre.log.rows())
    ids = sorted(r["contact_id"] for r in rows)
    assert ids == list(range(len(rows)))  # every contact recorded exactly once
    statuses = [r["status"] for r in rows]
    assert set(statuses) <= {"served", "abandoned", "unanswered"}
    scores = compute(centre.log, scen)
    assert scores["speed"]["offered"] == len(rows)
    assert scores["speed"]["answered"] == statuses.count("served")
    assert 0.0 <= scores["overall"]["score"] <= 100.0
    assert scores["overall"]["stars"] == sum(scores["overall"]["score"] >= t for t in scen.scoring.stars)
    if scen.mode == "pure_queue":
        return
    assert len(rows) == centre.next_id

    by_id = {r["contact_id"]: r for r in rows}
    new = [r for r in rows if r["reason"] == "new"]
    assert sorted(r["customer_id"] for r in new) == [c.customer_id for c in centre.customers]
    for sc in scen.scripted:  # every scripted customer came, as written
        assert any(r["arrival_time"] == pytest.approx(sc.arrival_s) and r["segment"] == sc.segment
                   and r["goal"] == sc.goal for r in new), sc.note
    for r in rows:
        assert r["reason"] in ("new", "retry", "repeat")
        if r["reason"] != "new":
            earlier = by_id[r["repeat_of"]]
            assert earlier["customer_id"] == r["customer_id"] and earlier["arrival_time"] < r["arrival_time"]
        if r["status"] == "served":
            assert r["answer_time"] >= r["arrival_time"] and r["agent_id"] is not None
        else:
            assert r["survey_score"] is None and r["turns"] == 0
        if r["status"] == "abandoned":
            # callers give up on the line; anyone may give up at once at the door of a closed channel
            at_door = r["end_time"] == r["arrival_time"] and r["channel"] not in scen.policies.channels_open
            assert (scen.channels[r["channel"]].realtime or at_door) and not r["callback"]
        assert 0.0 <= r["retention_probability"] <= 1.0
        assert r["survey_score"] is None or r["survey_score"] in (1, 2, 3, 4, 5)
        assert -1e-3 <= r["frustration_start"] <= 100.001 and -1e-3 <= r["frustration_end"] <= 100.001
        assert r["money_paid"] >= 0.0
    turns: dict[int, list[int]] = defaultdict(list)
    for t in centre.turns:
        turns[t.contact_id].append(t.turn)
        assert t.kind in scen.responses
    for numbers in turns.values():
        assert sorted(numbers) == list(range(len(numbers)))


def _retention_by_segment(centre: Centre) -> dict[str, float]:
    cols = centre.log.columns()
    if centre.scenario.mode != "full" or not len(cols["contact_id"]):
        return {}
    last = final_per_customer(cols)
    seg, ret = cols["segment"][last], cols["retention_probability"][last]
    return {str(s): float(np.mean(ret[seg == s])) for s in set(seg.tolist())}


@cache
def play(sid: str, who: str, seed: int, changes: Policy = ()) -> Played:
    """One shift of `sid` played by a playbook (or "random"), with policy changes; invariants checked."""
    scen = scenario(sid)
    if changes:
        scen = with_policies(scen, {k: list(v) if isinstance(v, tuple) else v for k, v in changes})
    responder = None
    if who == "random":
        responder = RandomResponder()
    elif who != scen.policies.playbook:
        scen = with_policies(scen, {"playbook": who})
    centre = Centre(scen, seed=seed, responder=responder)
    centre.finish()
    check_invariants(centre)
    scores = compute(centre.log, scen)
    met = tuple(bool(o["met"]) for o in objectives(scores, scen))
    return Played(scores, met, scores["overall"]["stars"], _retention_by_segment(centre))


def mean_of(sid: str, who: str, changes: Policy, key: str) -> float:
    values = []
    for seed in SEEDS:
        p = play(sid, who, seed, changes)
        if key == "met":
            values.append(sum(p.met))
        elif key == "stars":
            values.append(p.stars)
        else:
            group, _, name = key.partition(".")
            values.append(p.scores[group][name])
    return float(np.mean(values))


# ---------------------------------------------------------------------------
# The library is there and every scenario plays
# ---------------------------------------------------------------------------


def test_the_whole_library_is_shipped() -> None:
    assert set(LIBRARY) <= set(SHIPPED)


@pytest.mark.parametrize("sid", LIBRARY)
def test_each_scenario_reads_as_a_lesson(sid: str) -> None:
    scen = scenario(sid)
    assert scen.id == sid and scen.name and 1 <= scen.difficulty <= 5
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", scen.briefing.strip()) if s]
    assert 3 <= len(sentences) <= 6, f"{sid}: a briefing of {len(sentences)} sentences"
    assert 3 <= len(scen.targets) <= 4
    assert all(t.metric and (t.at_least is not None) != (t.at_most is not None) for t in scen.targets)
    assert set(scen.levers) <= set(POLICY_KEYS)
    low, mid, high = scen.scoring.stars
    assert 0 < low < mid < high <= 100


@pytest.mark.parametrize("who", RESPONDERS)
@pytest.mark.parametrize("sid", SHIPPED)
def test_every_scenario_plays_to_the_end(sid: str, who: str) -> None:
    p = play(sid, who, 1)  # invariants are checked inside
    assert p.scores["speed"]["offered"] > 0
    if scenario(sid).mode == "full":
        assert all(o.metric for o in scenario(sid).targets)
        assert len(p.met) == len(scenario(sid).targets)


def test_the_random_responder_is_deterministic() -> None:
    a = Centre(scenario("first_day"), seed=4, responder=RandomResponder())
    b = Centre(scenario("first_day"), seed=4, responder=RandomResponder())
    a.finish()
    b.finish()
    assert a.decisions == b.decisions and [t.kind for t in a.turns] == [t.kind for t in b.turns]
    assert len({t.kind for t in a.turns}) > 3


# ---------------------------------------------------------------------------
# Good play meets more objectives than poor play
# ---------------------------------------------------------------------------

GOOD_POLICY: dict[str, Policy] = {
    "monday_outage": policy(callbacks=True, callback_after_s=30, hold_messages=False, sunset_rule=True),
    "please_hold": policy(callbacks=True, callback_after_s=30, hold_messages=False,
                          channels_open=["phone", "email", "web"], wrap_up_s=15),
    "refund_authority": policy(escalation="supervisor", authority_limit=100),
    "new_hires": policy(hiring_profile="friendly", written_procedures=True, training_hours_per_week=4),
    "sunset": policy(sunset_rule=True),
}
# the baseline policy of each scenario is its poor policy; please_hold also tries the web form alone
EXTRA_POOR: dict[str, list[tuple[str, Policy]]] = {
    "please_hold": [("carp", policy(channels_open=["web"]))],
}
# how many objectives good play meets, on average over SEEDS (from the calibration)
GOOD_MEETS = {
    "first_day": 3, "three_reps": 4, "calm_weekday": 4, "monday_outage": 4, "please_hold": 4,
    "refund_authority": 4, "new_hires": 3.5, "expert_customer": 4, "sunset": 4, "public_complaint": 4,
}


def _poor(sid: str) -> list[tuple[str, Policy]]:
    out: list[tuple[str, Policy]] = [("random", ()), ("by_the_script", ())]
    if sid in GOOD_POLICY:
        out.append(("carp", ()))  # the scenario as shipped: the manager changed nothing
    else:
        out.append(("fast_and_friendly", ()))
    return out + EXTRA_POOR.get(sid, [])


@pytest.mark.parametrize("sid", sorted(GOOD_MEETS))
def test_good_play_meets_more_objectives_than_poor_play(sid: str) -> None:
    good = GOOD_POLICY.get(sid, ())
    good_met = mean_of(sid, "carp", good, "met")
    assert good_met >= GOOD_MEETS[sid], f"{sid}: good play meets {good_met:.2f} objectives on average"
    for who, changes in _poor(sid):
        poor_met = mean_of(sid, who, changes, "met")
        assert good_met > poor_met, f"{sid}: {who} {dict(changes)} meets {poor_met:.2f}, good play {good_met:.2f}"


@pytest.mark.parametrize("sid", sorted(GOOD_MEETS))
def test_stars_reward_good_play(sid: str) -> None:
    good = mean_of(sid, "carp", GOOD_POLICY.get(sid, ()), "stars")
    assert good >= 2.0, f"{sid}: good play earns {good:.2f} stars on average"
    for who, changes in _poor(sid):
        if sid in GOOD_POLICY and who == "carp" and not changes:
            continue  # the baseline policy: see test_the_better_policy_scores_higher_and_...
        poor = mean_of(sid, who, changes, "stars")
        assert poor <= 1.0 + 1e-9, f"{sid}: {who} {dict(changes)} earns {poor:.2f} stars on average"


@pytest.mark.parametrize("sid", sorted(GOOD_POLICY))
def test_the_better_policy_meets_more_objectives_seed_by_seed(sid: str) -> None:
    """Common random numbers: the same customers arrive, so the policy makes the difference."""
    for seed in SEEDS:
        good, base = play(sid, "carp", seed, GOOD_POLICY[sid]), play(sid, "carp", seed)
        assert sum(good.met) > sum(base.met), (sid, seed, good.met, base.met)


@pytest.mark.parametrize("sid", sorted(GOOD_POLICY))
def test_the_better_policy_scores_higher_and_the_baseline_earns_few_stars(sid: str) -> None:
    good_score = np.mean([play(sid, "carp", s, GOOD_POLICY[sid]).scores["overall"]["score"] for s in SEEDS])
    base_score = np.mean([play(sid, "carp", s).scores["overall"]["score"] for s in SEEDS])
    assert good_score > base_score, (sid, good_score, base_score)
    if sid == "monday_outage":
        return  # its shipped policy is already a decent CARP team: the lesson is in the objectives
    base_stars = mean_of(sid, "carp", (), "stars")
    assert base_stars <= 1.34 < mean_of(sid, "carp", GOOD_POLICY[sid], "stars"), (sid, base_stars)


# ---------------------------------------------------------------------------
# The three headline claims, over three seeds
# ---------------------------------------------------------------------------


def test_carp_beats_fast_and_friendly_on_loyalty_in_the_outage() -> None:
    carp = mean_of("monday_outage", "carp", (), "loyalty.retention")
    fast = mean_of("monday_outage", "fast_and_friendly", (), "loyalty.retention")
    assert carp > fast + 0.05, (carp, fast)


def test_fast_and_friendly_beats_carp_on_speed_on_a_calm_weekday() -> None:
    carp = mean_of("calm_weekday", "carp", (), "speed.service_level")
    fast = mean_of("calm_weekday", "fast_and_friendly", (), "speed.service_level")
    assert fast > carp + 0.1, (fast, carp)
    assert mean_of("calm_weekday", "fast_and_friendly", (), "speed.aht_s") < mean_of("calm_weekday", "carp", (), "speed.aht_s")


@pytest.mark.parametrize("sid", ["calm_weekday", "monday_outage"])
def test_the_surface_fix_wins_the_survey_and_loses_on_loyalty(sid: str) -> None:
    assert mean_of(sid, "fast_and_friendly", (), "loyalty.csat") > mean_of(sid, "carp", (), "loyalty.csat")
    assert mean_of(sid, "fast_and_friendly", (), "loyalty.retention") < mean_of(sid, "carp", (), "loyalty.retention")
    assert (mean_of(sid, "fast_and_friendly", (), "accuracy.repeat_contact_rate")
            > mean_of(sid, "carp", (), "accuracy.repeat_contact_rate"))


# ---------------------------------------------------------------------------
# Three representatives: the same dispute, three ways
# ---------------------------------------------------------------------------

STORY_SEEDS = (1, 2, 3, 4, 5, 6, 7, 8)
SURFACE = ["apologise"] + ["quick_answer"] * (MAX_TURNS - 1)
# the second representative admits the first answer was wrong, owns nothing, and gets on with the facts
COLD = ["concede", "diagnose", "diagnose", "verify"] + ["answer"] * (MAX_TURNS - 4)
GOLD = ["stay_calm", "acknowledge", "ask_feelings", "let_talk", "apologise", "refocus",
        "diagnose", "diagnose", "verify", "gesture"] + ["answer"] * (MAX_TURNS - 10)
# whoever takes her call back, if she has to call back, works the same way
FALLBACK = {"surface": "fast_and_friendly", "cold": "by_the_script", "gold": "carp"}


@cache
def rep(style: str, seed: int) -> tuple[dict[str, Any], list[dict[str, Any]], float]:
    """The three_reps shift with her first call answered turn by turn: (scores, rows, hurdle)."""
    scores, rows, hurdle, _ = rep_turns(style, seed)
    return scores, rows, hurdle


@cache
def rep_turns(style: str, seed: int) -> tuple[dict[str, Any], list[dict[str, Any]], float, tuple[Any, ...]]:
    """As `rep`, with the turn records of her first call."""
    scen = scenario("three_reps")
    script = {"surface": SURFACE, "cold": COLD, "gold": GOLD}[style]
    (sc,) = scen.scripted
    centre = Centre(scen, seed=seed, responder=ScriptedResponder(
        {(0, turn): kind for turn, kind in enumerate(script)}, fallback=Playbook(FALLBACK[style])))
    centre.finish()
    check_invariants(centre)
    rows = sorted(centre.log.rows(), key=lambda r: r["arrival_time"])
    assert rows[0]["contact_id"] == 0 and rows[0]["arrival_time"] == pytest.approx(sc.arrival_s)
    turns = tuple(t for t in centre.turns if t.contact_id == 0)
    return compute(centre.log, scen), rows, scen.segments[sc.segment].hurdle, turns


def test_three_reps_is_one_furious_customer_and_one_agent() -> None:
    scen = scenario("three_reps")
    (sc,) = scen.scripted
    assert sum(sum(v) for v in scen.arrivals.values()) == 0 and max(scen.policies.staffing) == 1
    assert sc.frustration >= 80 and scen.goals[sc.goal].needs_acknowledgement and sc.note


def test_rep_one_the_pleasant_quick_fix_wins_the_survey_and_comes_back() -> None:
    wrong_and_back = 0
    for seed in STORY_SEEDS:
        _, rows, _ = rep("surface", seed)
        first = rows[0]
        assert first["survey_score"] >= 4, f"seed {seed}: she liked the call at first"
        assert not first["goal_met"], "nobody owned the mistake: her goal is not met"
        if first["correct_info"] is False and any(r["reason"] == "repeat" for r in rows):
            wrong_and_back += 1
            repeat = next(r for r in rows if r["reason"] == "repeat")
            assert repeat["frustration_start"] > first["frustration_end"], "she comes back angrier"
    assert wrong_and_back >= 2, "a wrong quick fix comes back as a repeat contact"
    surface = np.mean([rep("surface", s)[0]["loyalty"]["retention"] for s in STORY_SEEDS])
    gold = np.mean([rep("gold", s)[0]["loyalty"]["retention"] for s in STORY_SEEDS])
    assert surface < gold - 0.2
    # the survey cannot tell the two apart: both count as satisfied (4 or 5, as CSAT counts them);
    # only what happened afterwards can
    assert all(rep(style, s)[1][0]["survey_score"] >= 4 for style in ("surface", "gold") for s in STORY_SEEDS)


def test_rep_two_the_cold_correct_reply_misses_the_emotional_hurdle() -> None:
    for seed in STORY_SEEDS:
        _, rows, hurdle = rep("cold", seed)
        first = rows[0]
        assert first["frustration_end"] >= hurdle, f"seed {seed}: still above the hurdle"
        assert not first["goal_met"]
        assert first["survey_score"] is None or first["survey_score"] <= 3
    # even when the facts were right, her goal was not met
    assert any(rep("cold", s)[1][0]["correct_info"] for s in STORY_SEEDS)
    # admitting the first answer was wrong, without ownership or care, did not lower her frustration
    for seed in STORY_SEEDS:
        first = rep_turns("cold", seed)[3][0]
        assert first.kind == "concede" and first.frustration_after >= first.frustration_before, seed
        assert first.cue not in ("felt_heard",), seed


def test_rep_three_emotions_first_keeps_her() -> None:
    for seed in STORY_SEEDS:
        scores, rows, hurdle = rep("gold", seed)
        first = rows[0]
        assert len(rows) == 1 and first["goal_met"] and first["correct_info"]
        assert first["frustration_end"] < hurdle
        retention = scores["loyalty"]["retention"]
        for other in ("surface", "cold"):
            assert retention > rep(other, seed)[0]["loyalty"]["retention"], (seed, other)
        assert all(o["met"] for o in objectives(scores, scenario("three_reps")))


# ---------------------------------------------------------------------------
# Scenario-specific lessons
# ---------------------------------------------------------------------------


def test_expert_customer_jargon_costs_end_users_not_professionals() -> None:
    """By the script explains everything in technical terms: the households leave, the experts mostly stay."""
    drop = defaultdict(list)
    for seed in SEEDS:
        carp, script = play("expert_customer", "carp", seed), play("expert_customer", "by_the_script", seed)
        for seg in ("end_user", "professional"):
            drop[seg].append(carp.retention_by_segment[seg] - script.retention_by_segment[seg])
    assert np.mean(drop["end_user"]) > 2 * np.mean(drop["professional"]) > 0


class CarpSaying:
    """The CARP playbook with one habit changed, to show what a single phrase costs."""

    def __init__(self, habit: str) -> None:
        self.habit = habit
        self.carp = Playbook("carp")

    def bind(self, centre: Centre) -> None:
        return None

    def decide(self, v: TurnView) -> str:
        choice = self.carp.decide(v)
        if self.habit == "your_choice" and v.goal == "cancellation_threat" and v.turn == 1:
            return "your_choice"  # "well, that's certainly your choice"
        if self.habit == "make_it_up" and choice == "gesture":
            return "answer" if "make_it_up" in v.used else "make_it_up"
        if self.habit == "early_gift" and v.turn == 0 and v.hot:
            return "gesture"  # a coupon before anyone listened
        if self.habit == "no_gesture" and choice == "gesture":
            return "answer"
        return choice


@cache
def complaint(habit: str, seed: int) -> dict[str, Any]:
    scen = scenario("public_complaint")
    centre = Centre(scen, seed=seed, responder=CarpSaying(habit))
    centre.finish()
    check_invariants(centre)
    return compute(centre.log, scen)


@pytest.mark.parametrize("habit", ["your_choice", "make_it_up", "early_gift", "no_gesture"])
def test_public_complaint_every_bad_habit_costs_loyalty(habit: str) -> None:
    carp = np.mean([complaint("carp", s)["loyalty"]["retention"] for s in SEEDS])
    worse = np.mean([complaint(habit, s)["loyalty"]["retention"] for s in SEEDS])
    assert worse < carp - 0.01, (habit, worse, carp)
    assert (np.mean([complaint(habit, s)["loyalty"]["told_by_lost"] for s in SEEDS])
            > np.mean([complaint("carp", s)["loyalty"]["told_by_lost"] for s in SEEDS]))


def test_public_complaint_a_gesture_after_the_apology_beats_asking_what_they_want() -> None:
    for key in ("retention", "csat"):
        assert (np.mean([complaint("make_it_up", s)["loyalty"][key] for s in SEEDS])
                < np.mean([complaint("no_gesture", s)["loyalty"][key] for s in SEEDS])
                < np.mean([complaint("carp", s)["loyalty"][key] for s in SEEDS])), key


def test_first_day_is_one_caller_at_a_time() -> None:
    scen = scenario("first_day")
    assert sum(sum(v) for v in scen.arrivals.values()) == 0 and max(scen.policies.staffing) <= 2
    times = sorted(sc.arrival_s for sc in scen.scripted)
    assert len(times) >= 4 and min(b - a for a, b in pairwise(times)) >= 600
    assert {sc.channel for sc in scen.scripted} == {"phone"}
