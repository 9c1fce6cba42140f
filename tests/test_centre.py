"""The façade the game drives: policy changes, the trainee's turns, hand-backs and replays."""

from __future__ import annotations

import json

from sim import Answer, Centre, Interactive, SetPolicy, TakeCalls, replay
from sim.runner import result_document, result_of


def test_policy_changes_accumulate_instead_of_undoing_each_other(calm):
    centre = Centre(calm, seed=1)
    centre.advance_to(600)
    centre.apply(SetPolicy("callbacks", True))
    centre.apply(SetPolicy("authority_limit", 120.0))
    assert centre.policies.callbacks is True
    assert centre.policies.authority_limit == 120.0


def _play(calm, answers_before_hand_back: int):
    """A trainee answers turns for a while, then hands back mid-shift."""
    centre = Centre(calm, seed=4, trainee=Interactive())
    centre.apply(TakeCalls(0))
    answered = 0
    t = 0.0
    while answered < answers_before_hand_back and t < calm.horizon_s:
        t += 5.0
        centre.advance_to(t)
        for view in centre.snapshot().pending:
            kind = "acknowledge" if view.hot and "acknowledge" not in view.used else "answer"
            centre.apply(Answer(view.contact_id, kind))
            answered += 1
    assert answered >= answers_before_hand_back
    centre.advance_to(t + 7.0)  # a turn may be waiting for the trainee right now
    centre.apply(TakeCalls(None))
    centre.finish()
    return result_of(centre)


def test_a_trainee_shift_replays_to_identical_scores(calm):
    played = _play(calm, answers_before_hand_back=12)
    assert played.decisions, "the trainee's answers are recorded"
    doc = json.loads(json.dumps(result_document(played), default=float))
    again = replay(doc, calm)
    assert json.dumps(again.scores, sort_keys=True, default=float) == json.dumps(played.scores, sort_keys=True,
                                                                                  default=float)
    assert len(again.contacts) == len(played.contacts)


def test_handing_back_leaves_no_turn_waiting_forever(calm):
    played = _play(calm, answers_before_hand_back=5)
    first = {r["customer_id"] for r in played.contacts.rows() if r["reason"] == "new"}
    assert len(first) == len({r["customer_id"] for r in played.contacts.rows()})
    # every contact that reached an agent was recorded: none is stuck in a conversation
    statuses = [r["status"] for r in played.contacts.rows()]
    assert statuses.count("served") > 0 and "talking" not in statuses


def test_finish_hands_the_trainee_back_as_a_logged_command(calm):
    centre = Centre(calm, seed=2, trainee=Interactive())
    centre.apply(TakeCalls(3))
    centre.advance_to(900)
    centre.finish()
    assert any(isinstance(cmd, TakeCalls) and cmd.agent_id is None for _, cmd in centre.commands)
    assert not centre.pending


def test_an_answer_given_at_the_same_instant_as_the_hand_back_replays(calm):
    """Found by the workshop load test: a turn answered at the very end of the day, then the hand-back."""
    from sim.workshop.practice import play, simulated_class

    # the first simulated trainee who answers a turn at the moment they leave (which one depends on the
    # response catalog: each picks among the options)
    plays = (play(calm, 1, choose) for _name, choose in simulated_class(60))
    played = next((p for p in plays if p.decisions and p.decisions[-1].time == calm.horizon_s), None)
    assert played is not None, "some play answers a turn at the moment the trainee leaves"
    doc = json.loads(json.dumps(result_document(played), default=float))
    again = replay(doc, calm)
    assert again.scores == played.scores and again.decisions == played.decisions
