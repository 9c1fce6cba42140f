"""The tutorial coach: the CARP step read from the customer's state, the words for it, and the tutorial flag."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sim import Centre, load_scenario, run
from sim.coach import STEPS, coach, steps_taken
from sim.dialogue import DialogueError, load_dialogue
from sim.responders import TurnView, carp, carp_step
from sim.scenario import scenario_digest


class Recorder:
    """Answers like CARP, or at random, and keeps every view it was shown."""

    def __init__(self, random: bool) -> None:
        self.random, self.views, self.rng = random, [], None

    def bind(self, centre):
        self.rng = np.random.default_rng(centre.seed)

    def decide(self, view):
        self.views.append(view)
        return view.options[int(self.rng.integers(len(view.options)))] if self.random else carp(view)


@pytest.fixture(scope="module")
def views() -> list[TurnView]:
    out = []
    for sid, random in (("first_day", True), ("monday_outage", False), ("three_reps", True)):
        rec = Recorder(random)
        centre = Centre(load_scenario(sid), seed=3, responder=rec)
        centre.advance_to(3 * 3600)
        out += rec.views[:1500]
    return out


@pytest.fixture(scope="module")
def responses():
    return load_scenario("first_day").responses


def test_the_step_is_the_one_the_carp_playbook_is_at(views, responses):
    assert len(views) > 500
    seen = set()
    for v in views:
        step = carp_step(v)
        seen.add((step, v.hot))
        kind = responses[carp(v)]
        assert kind.carp in ("", step), (v, carp(v), step)  # the playbook's pick belongs to the coach's step
    assert {s for s, _ in seen} == set(STEPS)  # every step happens


def test_a_furious_caller_walks_through_the_four_steps(views):
    hot = next(v for v in views if v.hot and v.reason == "new" and not v.used)
    assert carp_step(hot) == "control"
    assert carp_step(replace(hot, used=("stay_calm",))) == "acknowledge"
    calmer = replace(hot, hot=False, used=("stay_calm", "acknowledge"), acknowledged=True)
    assert carp_step(calmer) == "refocus"
    assert carp_step(replace(calmer, used=calmer.used + ("refocus",))) == "problem_solve"
    assert carp_step(replace(hot, hot=False, reason="repeat")) == "acknowledge"  # called before: acknowledge first
    assert carp_step(replace(hot, hot=False)) == "problem_solve"  # calm and new: straight to solving


def test_the_coach_has_words_for_every_turn_and_counts_the_steps_taken(views, responses):
    dlg = load_dialogue()
    texts = set()
    for v in views:
        c = coach(v, responses, dlg)
        assert c.step == carp_step(v) and c.number == STEPS.index(c.step) + 1
        assert c.title and c.text and c.headline.startswith(f"Step {c.number} of 4")
        assert set(c.done) <= set(STEPS) and list(c.done) == [s for s in STEPS if s in c.done]
        assert c.done == steps_taken(v, responses)
        texts.add(c.text)
        if v.last_cue in ("not_ready", "confused", "outraged"):
            assert c.note
        assert coach(v, responses, dlg) == c  # the same turn always gets the same words
    assert len(texts) >= 8
    first = next(v for v in views if not v.used)
    assert coach(first, responses, dlg).done == ()
    v = replace(first, used=("stay_calm", "apologise", "diagnose"), apologised=True)
    assert steps_taken(v, responses) == ("control", "acknowledge", "problem_solve")


def test_the_coach_words_are_checked_on_load(tmp_path):
    (tmp_path / "settings.toml").write_text('[placeholders]\nagent = "Sam"\ncompany = "K"\namount = "1"\n')
    (tmp_path / "coach.toml").write_text('[coach.breathe]\ntitle = "Breathe"\nhot = ["In, out."]\n'
                                         '[coach.refocus]\ntitle = "Refocus"\n'
                                         '[coach_after.sings]\nlines = ["La."]\n')
    with pytest.raises(DialogueError) as info:
        load_dialogue(tmp_path)
    problems = {p.key: p.message for p in info.value.problems}
    assert "CARP step" in problems["coach.breathe"] and "problem_solve" in problems["coach.breathe"]
    assert "hot customers, cool ones" in problems["coach.refocus"]
    assert "reaction cue" in problems["coach_after.sings"]


def test_the_tutorial_flag_shows_the_shift_differently_but_runs_it_the_same():
    tutorial = load_scenario("first_day")
    assert tutorial.tutorial and not load_scenario("calm_weekday").tutorial
    plain = replace(tutorial, tutorial=False)
    assert scenario_digest(plain) == scenario_digest(tutorial) == tutorial.digest
    assert run(plain, seed=2).scores == run(tutorial, seed=2).scores
