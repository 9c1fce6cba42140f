"""The class debrief (key moments) and the class as a playbook the policy lab can run."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import load_scenario, run
from sim.cli import main
from sim.errors import ScenarioError
from sim.lab.comparison import compare, make_variants
from sim.workshop import classbook
from sim.workshop.classbook import ClassPlaybook, from_choices, parse, to_toml
from sim.workshop.grading import Rules, grade
from sim.workshop.moments import key_moments
from sim.workshop.practice import play, trainee
from sim.workshop.store import Store
from workshop_helpers import class_results


def _choice(kind, delta, met, ordinal=1, mood="furious"):
    return {"ordinal": ordinal, "turn": 0, "kind": kind, "mood": mood, "hot": True, "acknowledged": False,
            "goal": "billing_dispute", "segment": "end_user", "delta": delta, "goal_met": met}


def test_key_moments_count_shares_and_average_what_followed():
    plays = [[_choice("acknowledge", -30, True)], [_choice("acknowledge", -20, True)],
             [_choice("acknowledge", -40, False)], [_choice("quick_answer", 6, False)],
             [_choice("acknowledge", -30, True), _choice("answer", -5, True)]]
    ms = key_moments(plays, {"acknowledge": "Acknowledge", "quick_answer": "Quick fix"},
                     {"billing_dispute": "Disputed charge"})
    first = ms[0]
    assert (first.ordinal, first.step, first.reached) == (1, 1, 5)
    ack, quick = first.options
    assert (ack.kind, ack.count, ack.share, ack.mean_delta, ack.goal_met) == ("acknowledge", 4, 0.8, -30.0, 0.75)
    assert ack.sentence().startswith("80% chose \u201cAcknowledge\u201d; their customers' frustration fell by 30")
    assert "rose by 6" in quick.sentence() and quick.tone == "bad" and ack.tone == "good"
    calmer_unresolved = key_moments([[_choice("quick_answer", -13, False)]], {}, {})[0].options[0]
    assert calmer_unresolved.tone == "bad", "a surface fix calms the customer but leaves the goal unmet"
    assert ms[1].reached == 1 and ms[1].options[0].kind == "answer"
    assert "furious end user, disputed charge" in first.title


def test_a_class_that_acknowledges_becomes_a_playbook_that_acknowledges():
    plays = [[_choice("acknowledge", -30, True)] * 3, [_choice("stay_calm", -10, True)]]
    book = from_choices("class", "three_reps", plays)
    assert book.table() == {"furious|not_acknowledged|first": {"acknowledge": 3, "stay_calm": 1}}
    scen = load_scenario("three_reps")
    picks = []
    for seed in range(40):
        res = run(scen, seed=seed, responder=ClassPlaybook(book))
        picks.append(res.turns[0].kind)
    assert set(picks) <= {"acknowledge", "stay_calm"}
    assert 0.55 < picks.count("acknowledge") / len(picks) < 0.95  # drawn with the class's frequencies (3:1)
    again = run(scen, seed=3, responder=ClassPlaybook(book))
    assert [t.kind for t in again.turns] == [t.kind for t in run(scen, seed=3, responder=ClassPlaybook(book)).turns]


states = st.tuples(st.sampled_from(classbook.MOODS), st.booleans(), st.integers(0, 6))
kinds = st.sampled_from(["acknowledge", "answer", "quick_answer", "stay_calm", "verify", "diagnose"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(states, kinds), max_size=12), max_size=6), st.text(max_size=30))
def test_class_playbook_files_round_trip(plays, name):
    rows = [[{"mood": m, "acknowledged": a, "turn": t, "kind": k} for (m, a, t), k in p] for p in plays]
    book = from_choices(name, "calm_weekday", rows)
    assert parse(__import__("tomllib").loads(to_toml(book)), "class.toml") == book
    assert book.total() == sum(len(p) for p in plays)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.one_of(st.integers(-3, 3), st.text(max_size=4), st.none()),
                       max_size=4))
def test_broken_class_playbooks_raise_only_scenario_errors_naming_the_key(junk):
    data = {"format": classbook.FORMAT, "name": "x", "scenario": "s", "participants": 1,
            "choices": {"calm|acknowledged|first": junk, "sunny|maybe|never": {"answer": 1}}}
    with pytest.raises(ScenarioError) as err:
        parse(data, "class.toml")
    assert any(p.file == "class.toml" and p.key.startswith("choices.") for p in err.value.problems)


def _class_book(style: str, tmp_path, n: int = 4):
    """A class of `n` trainees who mostly play `style` on three_reps, exported as a playbook file."""
    scen = load_scenario("three_reps")
    plays = []
    for i in range(n):
        g = grade(json.loads(json.dumps(__import__("sim.runner", fromlist=["x"]).result_document(
            play(scen, 1, trainee(style, i, wander=0.1))), default=float)), Rules("three_reps", 1, True))
        plays.append(g.choices)
    path = tmp_path / f"class-{style}.toml"
    path.write_text(to_toml(from_choices(style, "three_reps", plays)))
    return path


def test_the_lab_runs_a_class_playbook_and_a_carp_class_keeps_more_customers(tmp_path):
    good, poor = _class_book("carp", tmp_path), _class_book("fast_and_friendly", tmp_path)
    base = load_scenario("calm_weekday")
    variants = make_variants(base, [["carp_class", f"responder={good}"], ["quick_class", f"responder={poor}"]])
    c = compare(variants, replications=3)
    rows = {(r.variant, r.kpi.name): r for r in c.rows()}
    assert rows[("carp_class", "retention")].mean.mean > rows[("quick_class", "retention")].mean.mean
    assert rows[("carp_class", "goal_met_rate")].mean.mean > rows[("quick_class", "goal_met_rate")].mean.mean


def test_workshop_commands_create_import_and_export(tmp_path, capsys):
    db = tmp_path / "w.db"
    assert main(["workshop", "create", "three_reps", "--seed", "1", "--db", str(db)]) == 0
    code = capsys.readouterr().out.strip()
    name, text = class_results("three_reps", 1, 4)[0]
    entry = tmp_path / "entry.json"
    entry.write_text(json.dumps({"format": "servicefloor-workshop-entry/1", "code": code, "name": name,
                                 "result": json.loads(text)}))
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert main(["workshop", "import", str(entry), str(broken), "--db", str(db)]) == 1
    out = capsys.readouterr()
    assert f"{name} in {code}" in out.out and "broken.json: not imported" in out.err
    assert [r.participant.name for r in Store(db).results(code)] == [name]
    book = tmp_path / "class.toml"
    assert main(["workshop", "playbook", code, "-o", str(book), "--db", str(db)]) == 0
    loaded = classbook.load(book)
    assert loaded.participants == 1 and loaded.total() == len(json.loads(text)["decisions"])


def test_with_random_arrivals_moments_group_by_how_upset_the_customer_was():
    plays = [[_choice("acknowledge", -20, True, ordinal=1, mood="angry"),
              _choice("answer", -5, True, ordinal=2, mood="calm")],
             [_choice("quick_answer", 4, False, ordinal=1, mood="calm"),
              _choice("stay_calm", -8, True, ordinal=2, mood="angry")]]
    ms = key_moments(plays, {}, {}, by="mood")
    assert [(m.title, m.reached) for m in ms] == [
        ("Angry when you picked up: your first response", 2),
        ("Calm when you picked up: your first response", 2)]
    assert {o.kind for o in ms[0].options} == {"acknowledge", "stay_calm"}


def test_the_dashboard_groups_by_customer_only_where_everyone_meets_the_same_customers():
    from sim.workshop.server import moments_by
    assert moments_by(load_scenario("three_reps")) == "customer"
    assert moments_by(load_scenario("first_day")) == "customer"
    assert moments_by(load_scenario("calm_weekday")) == "mood"
