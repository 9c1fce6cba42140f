"""Coverage: every lesson the game must teach is defined and reachable in play.

Reachable means: staged by at least one scenario, shown by at least one
response kind or policy lever that exists, revealed by score keys that exist,
and named by at least one feedback text the debrief can show.
"""

from __future__ import annotations

import re

import pytest

from sim import load_scenario, run
from sim.dialogue import load_dialogue
from sim.lessons import LessonError, load_lessons
from sim.scenario import POLICY_KEYS, list_scenarios

# The nine scenarios of the training plan.  Those not shipped yet may be named by
# lessons; once a file exists in assets/scenarios it counts as shipped.
PLANNED_SCENARIOS = ("first_day", "three_reps", "monday_outage", "please_hold", "refund_authority",
                     "new_hires", "expert_customer", "sunset", "public_complaint")

# Every lesson of the source digest, by topic, and the lesson id that carries it.
DIGEST = {
    "principle: know your audience": "know_your_audience",
    "principle: be available": "be_available",
    "principle: emotional hurdles": "emotional_hurdle",
    "principle: speed and accuracy": "accuracy_over_speed",
    "principle: hit the goal": "hit_the_goal",
    "surface service": "surface_service",
    "gold-star service": "gold_star",
    "emotions first": "emotions_first",
    "sunset rule": "sunset_rule",
    "five controllable causes": "five_causes",
    "cause: policies": "customer_first_policies",
    "cause: procedures": "written_procedures",
    "cause: training": "ongoing_training",
    "cause: management": "active_management",
    "cause: staffing (friendly, trainable, competent)": "hire_friendly",
    "service as a core value": "service_core_value",
    "empower the front line": "empower_front_line",
    "feedback and customer types": "customer_types",
    "customer history on file": "customer_history",
    "choose the right customers": "choose_customers",
    "true cost of poor service": "true_cost",
    "barriers: holds and forms": "no_barriers",
    "don't take it personally": "dont_take_it_personally",
    "acknowledge": "carp_acknowledge",
    "never give permission": "never_permission",
    "avoid 'make it up to you'": "avoid_make_it_up",
    "meaningful gesture": "meaningful_gesture",
    "the unexpected favour": "unexpected_favour",
    "word of mouth": "word_of_mouth",
    "silent churn": "silent_churn",
    "value your mistakes": "value_mistakes",
    "CARP: control": "carp_control",
    "CARP: acknowledge": "carp_acknowledge",
    "CARP: refocus": "carp_refocus",
    "CARP: problem-solve": "carp_problem_solve",
    "be quick, keep updated": "be_quick",
    "give time, listen": "listen",
    "speak their language": "plain_language",
    "be knowledgeable": "be_knowledgeable",
    "under-promise": "under_promise",
    "no hot potato": "hot_potato",
}


@pytest.fixture(scope="module")
def lessons():
    return load_lessons()


@pytest.fixture(scope="module")
def scen():
    return load_scenario("calm_weekday")


@pytest.fixture(scope="module")
def shipped():
    return {p.stem for p in list_scenarios()}


def test_every_digest_lesson_is_defined(lessons):
    ids = {lesson.id for lesson in lessons}
    missing = {topic: lid for topic, lid in DIGEST.items() if lid not in ids}
    assert not missing


def test_every_lesson_named_by_the_response_catalog_is_defined(lessons, scen):
    ids = {lesson.id for lesson in lessons}
    for kind in scen.responses.values():
        assert kind.lesson in ids, f"responses.{kind.id}.lesson = {kind.lesson!r} is not in lessons.toml"


def test_every_lesson_is_staged_by_a_scenario(lessons, shipped):
    for lesson in lessons:
        assert lesson.scenarios, lesson.id
        for sid in lesson.scenarios:
            assert sid in shipped or sid in PLANNED_SCENARIOS, f"{lesson.id}: unknown scenario {sid!r}"


def test_some_lessons_are_playable_today(lessons, shipped):
    playable = [lesson.id for lesson in lessons if set(lesson.scenarios) & shipped]
    assert len(playable) >= 5, playable


def test_every_lesson_is_shown_by_a_response_or_lever_that_exists(lessons, scen):
    for lesson in lessons:
        assert lesson.responses or lesson.levers, lesson.id
        assert set(lesson.responses) <= set(scen.responses), lesson.id
        assert set(lesson.levers) <= set(POLICY_KEYS), lesson.id


def test_every_lesson_is_revealed_by_score_keys_that_exist(lessons, scen):
    scores = run(scen, seed=1).scores
    for lesson in lessons:
        assert lesson.metrics, lesson.id
        for metric in lesson.metrics:
            group, _, key = metric.partition(".")
            assert key in scores[group], f"{lesson.id}: no score {metric}"


def test_every_lesson_is_named_by_feedback(lessons):
    named = set(load_dialogue().feedback_texts().values())
    for lesson in lessons:
        assert lesson.id in named, f"no feedback text names lesson {lesson.id}"


def test_lessons_read_well(lessons):
    titles = [lesson.title for lesson in lessons]
    assert len(set(titles)) == len(titles)
    for lesson in lessons:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", lesson.text) if s]
        assert 2 <= len(sentences) <= 4, f"{lesson.id}: {len(sentences)} sentences"
        assert lesson.title[0].isupper() and lesson.principle[0].isupper()


def test_loader_errors_name_file_key_and_expectation(tmp_path):
    bad = tmp_path / "lessons.toml"
    bad.write_text('[lessons.x]\ntitle = "X"\nprinciple = "P"\ntext = "A. B."\nresponses = ["juggle"]\n'
                   'levers = ["coffee"]\nmetrics = ["speed"]\nscenarios = []\ncolour = 1\n')
    with pytest.raises(LessonError) as info:
        load_lessons(bad)
    by_key = {p.key: p for p in info.value.problems}
    assert "response kind 'juggle'" in by_key["lessons.x.responses"].message
    assert "policy 'coffee'" in by_key["lessons.x.levers"].message
    assert "loyalty.retention" in by_key["lessons.x.metrics"].message
    assert "at least one scenario" in by_key["lessons.x.scenarios"].message
    assert "unknown key" in by_key["lessons.x.colour"].message
    assert all(p.file == str(bad) for p in info.value.problems)


def test_a_lesson_shown_only_by_levers_is_staged_where_those_levers_can_be_pulled(lessons, shipped):
    for lesson in lessons:
        if lesson.responses:
            continue  # responses are open to the trainee in every conversation
        staged = [sid for sid in lesson.scenarios if sid in shipped]
        if not staged:
            continue  # only planned scenarios so far
        exposed = {lever for sid in staged for lever in load_scenario(sid).levers}
        assert exposed & set(lesson.levers), f"{lesson.id}: none of {lesson.levers} is a lever in {staged}"
