"""The game's pygame-free parts: the session, offered responses, levers, saves, voice and the debrief facts."""

from __future__ import annotations

import json
import subprocess
import sys

from pathlib import Path

import pytest

from game import levers, voice
from game.options import choose, tempting_poor
from game.session import Session
from game.storage import Settings, Storage, check_autosave
from sim import Centre, debrief, load_scenario, read_result, replay, save_result
from sim.responders import carp

POOR = {"quick_answer", "make_it_up", "your_choice", "gesture", "refocus", "transfer", "over_promise", "jargon",
        "answer", "concede"}


class Recorder:
    """A responder that answers like CARP and keeps every view it was shown."""

    def __init__(self) -> None:
        self.views = []

    def bind(self, centre):
        return None

    def decide(self, view):
        self.views.append(view)
        return carp(view)


@pytest.fixture(scope="module")
def views():
    rec = Recorder()
    centre = Centre(load_scenario("monday_outage"), seed=5, responder=rec)
    centre.advance_to(4 * 3600)
    return rec.views[:3000]


def test_three_to_five_options_with_a_good_and_a_tempting_poor_one(views):
    assert len(views) > 500
    for v in views:
        opts = choose(v)
        assert 3 <= len(opts) <= 5 and len(set(opts)) == len(opts)
        assert carp(v) in opts
        assert set(opts) & POOR - {carp(v)}, (v, opts)
        assert set(opts) <= set(v.options)
        assert choose(v) == opts  # a function of the view: replays show the same choices
    assert len({choose(v) for v in views}) > 50  # and they vary


def test_the_poor_option_depends_on_the_situation(views):
    hot = [tempting_poor(v) for v in views if v.hot]
    calm = [tempting_poor(v) for v in views if not v.hot]
    assert set(hot) <= {"quick_answer", "make_it_up", "refocus", "your_choice", "gesture", "concede"}
    assert "concede" in hot  # admitting the facts and no more tempts when they were let down before
    assert all(v.reason == "repeat" or v.history for v in views if v.hot and tempting_poor(v) == "concede")
    assert "refocus" not in calm


def _session(name="calm_weekday", seed=3):
    return Session(load_scenario(name), seed=seed)


def _play(s: Session, answers: int, step: float = 15.0) -> int:
    n = 0
    while n < answers and s.now < s.scenario.horizon_s:
        s.advance(step)
        for v in s.snap.pending:
            assert s.answer(v.contact_id, choose(v)[(v.turn + n) % 3]) == ""
            n += 1
    return n


@pytest.mark.parametrize("answers,after", [(1, 0.0), (2, 1.0), (5, 2.0), (9, 1.0)])
def test_ending_at_any_moment_of_a_call_replays_exactly(tmp_path, answers, after):
    s = _session(seed=answers)
    assert s.take_calls(2) == ""
    _play(s, answers)
    s.advance(after)
    result = s.finish()  # while the trainee's next turn is on its way (asked, not yet pending)
    save_result(result, tmp_path / "r.json")
    assert replay(read_result(tmp_path / "r.json")).scores == result.scores


def test_handing_back_mid_call_lets_the_call_finish_and_replays(tmp_path):
    s = _session(seed=11)
    s.take_calls(0)
    _play(s, 3)
    s.hand_back()
    for _ in range(200):
        s.advance(5.0)
        if s.settle_hand_back():
            break
    assert s.trainee_agent is None and not s.snap.pending
    s.advance(1800)
    s.take_calls(1)
    _play(s, 2)
    result = s.finish()
    save_result(result, tmp_path / "r.json")
    assert replay(read_result(tmp_path / "r.json")).scores == result.scores


def test_a_saved_shift_resumes_to_the_same_state():
    s = _session("monday_outage", seed=4)
    s.take_calls(1)
    _play(s, 4)
    s.set_policy("callbacks", True)
    s.advance(900)
    doc = json.loads(json.dumps(s.to_save({"speed": 4})))
    assert check_autosave(doc) == ""
    again = Session.from_save(doc)
    assert again.now == s.now and again.centre.commands == s.centre.commands
    assert again.snap.policies == s.snap.policies and len(again.centre.log) == len(s.centre.log)
    assert again.finish().scores == s.finish().scores


def test_a_lever_change_takes_effect_and_reports_levers_it_reset():
    s = _session("monday_outage")
    s.advance(600)
    scen = s.scenario
    for lever in levers.unlocked(scen):
        new = levers.changed(lever, s.snap.policies, scen, 1, s.snap.interval, item="email")
        err, reset = s.set_policy(lever.key, new)
        assert err == "", (lever.key, err)
        assert s.snap.policies == s.centre.policies
        assert isinstance(reset, tuple)
    err, _ = s.set_policy("authority_limit", -5)
    assert "authority_limit" in err


def test_lever_steps_stay_in_range_and_staffing_changes_only_the_future():
    scen = load_scenario("calm_weekday")
    p = scen.policies
    auth = levers.LEVERS["authority_limit"]
    assert levers.changed(auth, p, scen, 1) == p.authority_limit + auth.step
    staff = levers.changed(levers.LEVERS["staffing"], p, scen, 1, interval=4)
    assert staff[:4] == list(p.staffing[:4]) and staff[4:] == [n + 1 for n in p.staffing[4:]]
    assert levers.changed(levers.LEVERS["playbook"], p, scen, 1) != p.playbook
    assert levers.cost_text(levers.LEVERS["staffing"], p, scen).startswith("Staff cost today")


def test_storage_keeps_a_bad_file_aside_and_never_overwrites_it(tmp_path):
    st = Storage(tmp_path)
    st.save_settings(Settings(seed=7))
    assert Storage(tmp_path).load_settings().seed == 7
    st.autosave_path.write_text('{"format": "servicefloor-autosave/1"}')
    assert st.load_autosave() is None and st.messages
    aside = list(tmp_path.glob("autosave.bad-*.json"))
    assert len(aside) == 1
    st.save_autosave({"format": "x"})
    assert aside[0].read_text() == '{"format": "servicefloor-autosave/1"}'


def test_best_results_come_from_result_files(tmp_path):
    st = Storage(tmp_path)
    for seed in (1, 2):
        s = _session(seed=seed)
        save_result(s.finish(), st.new_result_path("calm_weekday", seed))
    (st.results_dir / "broken.json").write_text("{")
    assert st.best_results() == {}  # the team's shifts without a call of the trainee's earn the trainee nothing
    import json
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from workshop_helpers import result_doc
    doc = result_doc("three_reps", 1, 0)  # a shift in which the trainee answered
    (st.results_dir / "three_reps-20260101-000000-seed1.json").write_text(json.dumps(doc))
    best = st.best_results()
    assert set(best) == {"three_reps"} and best["three_reps"]["score"] == doc["scores"]["trainee"]["overall"]["score"]


def test_lost_customers_agree_with_the_scores():
    s = _session("monday_outage", seed=2)
    result = s.finish()
    lost = debrief.lost_customers(result)
    assert sum("churned" in x.reasons for x in lost) == result.scores["loyalty"]["churned"]
    rows = list(result.contacts.rows())
    abandoned = {r["customer_id"] for r in rows if r["status"] == "abandoned"}
    assert {x.customer_id for x in lost if "abandoned" in x.reasons} == abandoned
    tr = debrief.trace(result, lost[0].customer_id)
    assert tr.visits and tr.mood and tr.lost_value in (0.0, tr.lifetime_value)


def test_every_cue_has_words():
    from sim.dialogue import CUES
    for cue in CUES:
        assert voice.cue_phrase(cue) and voice.customer_line("billing_dispute", "end_user", "angry", cue, 1, 2)


def test_the_game_logic_modules_do_not_import_pygame():
    code = ("import sys; import game.session, game.storage, game.options, game.levers, game.voice, "
            "game.figures, sim.debrief; assert 'pygame' not in sys.modules, 'pygame imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- plays: a replay of a scenario and seed hears other words, never other scores ---------------------


def _play_recording(play: int) -> tuple[Session, list[str], list[str]]:
    """calm_weekday seed 3 with the same decisions every time: (session, customer lines, chosen wordings)."""
    s = Session(load_scenario("calm_weekday"), seed=3, play=play)
    assert s.take_calls(2) == ""
    customers, wordings, n = [], [], 0
    while n < 12 and s.now < s.scenario.horizon_s:
        s.advance(15.0)
        for v in s.snap.pending:
            kind = choose(v)[(v.turn + n) % 3]
            customers.append(voice.says(v, "Sam", play=s.play))
            wordings.append(voice.response_line(kind, kind, v.segment, v.goal, v.contact_id, v.turn, "Sam", v.need,
                                                play=s.play))
            assert s.answer(v.contact_id, kind) == ""
            n += 1
    return s, customers, wordings


def test_two_plays_of_a_seed_with_the_same_decisions_score_the_same_in_other_words():
    from sim.runner import result_document
    (first, said_first, worded_first), (second, said_second, worded_second) = _play_recording(0), _play_recording(1)
    a, b = first.finish(), second.finish()
    assert (a.play, b.play) == (0, 1)
    assert a.scores == b.scores and a.decisions == b.decisions
    assert len(said_first) == len(said_second) == 12
    assert all(x != y for x, y in zip(said_first, said_second)), "a customer line came back in the next play"
    assert sum(x != y for x, y in zip(worded_first, worded_second)) >= 9
    doc_a, doc_b = (json.loads(json.dumps(result_document(r), default=float)) for r in (a, b))
    assert (doc_a.pop("play"), doc_b.pop("play")) == (0, 1)
    assert doc_a == doc_b  # the play is the only difference in the result files


def test_a_result_without_a_play_replays_as_the_first_play(tmp_path):
    from sim import SaveError
    s = Session(load_scenario("calm_weekday"), seed=2, play=5)
    s.take_calls(1)
    _play(s, 4)
    result = s.finish()
    save_result(result, tmp_path / "r.json")
    doc = read_result(tmp_path / "r.json")
    assert doc["play"] == 5 and replay(doc).play == 5
    del doc["play"]  # a result file written before plays were counted
    (tmp_path / "old.json").write_text(json.dumps(doc))
    again = replay(read_result(tmp_path / "old.json"))
    assert again.play == 0 and again.scores == result.scores
    for bad in (-1, True, "2", 256, 1.5):
        (tmp_path / "bad.json").write_text(json.dumps(dict(doc, play=bad)))
        with pytest.raises(SaveError, match="play"):
            read_result(tmp_path / "bad.json")


def test_each_new_shift_of_a_scenario_and_seed_is_the_next_play(tmp_path):
    st = Storage(tmp_path)
    assert [st.start_play("calm_weekday", 1) for _ in range(3)] == [0, 1, 2]
    assert st.start_play("calm_weekday", 2) == 0 and st.start_play("monday_outage", 1) == 0
    assert Storage(tmp_path).start_play("calm_weekday", 1) == 3  # kept in plays.json
    json.loads(st.plays_path.read_text())  # written whole
    # a finished play is never played again, even when the counts are lost or damaged
    s = Session(load_scenario("calm_weekday"), seed=1, play=6)
    save_result(s.finish(), st.new_result_path("calm_weekday", 1))
    st.plays_path.write_text("{")
    st = Storage(tmp_path)
    assert st.start_play("calm_weekday", 1) == 7 and st.messages and list(tmp_path.glob("plays.bad-*.json"))
    assert st.start_play("calm_weekday", 10) == 0  # seed 10 is not seed 1
    st.plays_path.unlink()
    assert Storage(tmp_path).start_play("calm_weekday", 1) == 7


def test_the_autosave_keeps_the_play():
    s = Session(load_scenario("calm_weekday"), seed=4, play=3)
    s.take_calls(0)
    _play(s, 2)
    doc = json.loads(json.dumps(s.to_save()))
    assert doc["play"] == 3 and check_autosave(doc) == ""
    assert Session.from_save(doc).play == 3
    del doc["play"]  # a save from before plays were counted
    assert check_autosave(doc) == "" and Session.from_save(doc).play == 0
    assert "play" in check_autosave(dict(doc, play=-2))
