"""Waiting and money: callbacks, hold messages, refunds, staff cost, word of mouth, recoveries.

Every direction is a paired experiment (common random numbers: base and variant on the
same seeds) whose 95 % interval must lie clear of zero.  Runs are cached per
(scenario, policy, seed) so the tests share them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from sim import load_scenario, with_policies
from sim.debrief import trace
from sim.lab.stats import Interval, paired_interval
from sim.model import Centre, SetPolicy
from sim.runner import Result, result_of, run
from sim.scores import columns_of, final_per_customer, metric

SEEDS = tuple(range(1, 21))
FEW = tuple(range(1, 11))
Policy = tuple[tuple[str, Any], ...]


def policy(**kw: Any) -> Policy:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kw.items()))


@cache
def result(sid: str, changes: Policy, seed: int) -> Result:
    scen = load_scenario(sid)
    if changes:
        scen = with_policies(scen, {k: list(v) if isinstance(v, tuple) else v for k, v in changes})
    return run(scen, seed=seed)


def paired(sid: str, base: Policy, variant: Policy, path: str, seeds: tuple[int, ...] = SEEDS) -> Interval:
    b = [metric(result(sid, base, s).scores, path) for s in seeds]
    v = [metric(result(sid, variant, s).scores, path) for s in seeds]
    iv = paired_interval(v, b)
    assert iv is not None
    return iv


def higher(iv: Interval) -> bool:
    return iv.lo > 0.0


def lower(iv: Interval) -> bool:
    return iv.hi < 0.0


CALLBACKS = policy(callbacks=True)
NO_HOLD_LOOP = policy(hold_messages=False)


# ---------------------------------------------------------------------------
# Callbacks: the caller keeps their place in line and is not stuck on hold
# ---------------------------------------------------------------------------


def _per_customer(res: Result) -> dict[int, float]:
    c = columns_of(res.contacts)
    last = final_per_customer(c)
    return dict(zip(c["customer_id"][last].tolist(), c["retention_probability"][last].tolist()))


def test_a_customer_called_back_comes_out_better_than_the_same_customer_holding() -> None:
    """The same customers arrive in both runs: those offered a callback stay more often than when they held."""
    diffs = []
    for seed in FEW:
        base, cb = result("monday_outage", (), seed), result("monday_outage", CALLBACKS, seed)
        cols = columns_of(cb.contacts)
        called = cols["callback"] == 1
        assert called.any()
        assert not np.any(called & (cols["status"] == "abandoned"))  # nobody gives up waiting for our call
        ids = set(cols["customer_id"][called & (cols["reason"] == "new")].tolist())
        before, after = _per_customer(base), _per_customer(cb)
        diffs.append(float(np.mean([after[i] - before[i] for i in ids])))
    iv = paired_interval(diffs, [0.0] * len(diffs))
    assert iv is not None and higher(iv), iv


def test_waiting_for_a_callback_builds_no_hold_frustration() -> None:
    """A callback customer answered within the hour starts the call as frustrated as they arrived."""
    cols = columns_of(result("monday_outage", CALLBACKS, 1).contacts)
    m = (cols["callback"] == 1) & (cols["status"] == "served") & (cols["answer_time"] - cols["arrival_time"] < 3600)
    m &= cols["reason"] == "new"  # a returning customer's notes may spare them some of the story: not the wait's doing
    assert m.sum() > 20
    turns = {t.contact_id: t.frustration_before for t in result("monday_outage", CALLBACKS, 1).turns if t.turn == 0}
    ids = cols["contact_id"][m]
    start = cols["frustration_start"][m]
    first = np.array([turns[int(i)] for i in ids])
    assert np.allclose(first, start, atol=1e-3)


def test_callbacks_no_longer_cost_retention_in_the_outage() -> None:
    kept = paired("monday_outage", (), CALLBACKS, "loyalty.retention", FEW)
    assert kept is not None and kept.mean > 0 and kept.hi > 0  # no longer a cost (the ledger shows the gain on 20)
    assert lower(paired("monday_outage", (), CALLBACKS, "speed.abandon_rate", FEW))


def test_hold_messages_make_callers_give_up_sooner_and_stay_less() -> None:
    """The loop makes the wait feel longer: switching it off, fewer give up and more customers stay."""
    assert lower(paired("please_hold", (), NO_HOLD_LOOP, "speed.abandon_rate"))
    assert higher(paired("please_hold", (), NO_HOLD_LOOP, "loyalty.retention"))


# ---------------------------------------------------------------------------
# Money: refunds, gestures, over-generous decisions, staff cost, net value
# ---------------------------------------------------------------------------

MODERATE = policy(authority_limit=100)
UNLIMITED = policy(authority_limit=1_000_000)


def test_money_adds_up_from_the_records() -> None:
    res = result("refund_authority", MODERATE, 1)
    cols = columns_of(res.contacts)
    money = res.scores["money"]
    assert money["refunds_paid"] == pytest.approx(float(np.nansum(cols["refund_paid"])), abs=0.05)
    assert money["gestures_paid"] == pytest.approx(float(np.nansum(cols["gesture_paid"])), abs=0.05)
    assert np.allclose(cols["refund_paid"] + cols["gesture_paid"], cols["money_paid"], atol=0.02)
    assert money["refunds_paid"] > 0 and money["gestures_paid"] > 0 and money["overpaid"] > 0
    assert money["staff_cost"] == res.scores["staff_cost"]
    assert money["net_value"] == pytest.approx(money["value_kept"] - money["refunds_paid"] - money["gestures_paid"]
                                               - money["staff_cost"], abs=0.05)


def test_most_front_line_decisions_are_sound() -> None:
    """With unlimited authority about one refund in ten pays more than the fix needed, never the rest."""
    shares = []
    for seed in FEW:
        cols = columns_of(result("refund_authority", UNLIMITED, seed).contacts)
        paid = cols["refund_paid"] > 0
        shares.append(float(np.mean(cols["overpaid"][paid] > 0.005)))
    assert 0.04 < np.mean(shares) < 0.16, shares


def test_a_moderate_limit_beats_a_very_low_one_on_net_value() -> None:
    assert higher(paired("refund_authority", (), MODERATE, "money.net_value"))
    assert higher(paired("refund_authority", policy(authority_limit=0), MODERATE, "money.net_value", FEW))


def test_unlimited_authority_is_not_free() -> None:
    """The occasional over-generous call costs more when nothing caps it (measured: it still keeps enough
    customers to win on net value in the refund pilot, so that is not asserted either way)."""
    assert higher(paired("refund_authority", MODERATE, UNLIMITED, "money.overpaid"))
    assert higher(paired("refund_authority", MODERATE, UNLIMITED, "money.refunds_paid"))


def test_staff_cost_is_of_the_staffing_actually_used() -> None:
    """Four agents more from 10:00 are paid from 10:00, in the scores of the game and of a replay."""
    scen = load_scenario("monday_outage")
    planned = scen.policies.staffing
    centre = Centre(scen, seed=1)
    centre.advance_to(7200.0)
    more = tuple(x + 4 for x in planned)
    centre.apply(SetPolicy("staffing", list(more)))
    centre.finish()
    got = result_of(centre).scores
    rate = scen.team.cost_per_agent_hour
    hours = sum(planned[:4]) * 0.5 + sum(more[4:]) * 0.5
    assert got["staff_cost"] == pytest.approx(hours * rate)
    assert got["money"]["staff_cost"] == got["staff_cost"]
    assert got["staff_cost"] > run(scen, seed=1).scores["staff_cost"]


# ---------------------------------------------------------------------------
# Word of mouth, silent churn and recoveries
# ---------------------------------------------------------------------------

CARELESS = policy(playbook="fast_and_friendly")


def test_word_of_mouth_counts_people_and_moves_the_right_way() -> None:
    for seed in FEW:
        loy = result("public_complaint", (), seed).scores["loyalty"]
        assert loy["told_by_lost"] >= 0 and loy["told_by_happy"] >= 0
        assert 0.0 <= loy["good_word_share"] <= 1.0
    assert higher(paired("public_complaint", (), CARELESS, "loyalty.told_by_lost", FEW))
    assert lower(paired("public_complaint", (), CARELESS, "loyalty.told_by_happy", FEW))
    assert higher(paired("calm_weekday", (), CARELESS, "loyalty.silent_churn", FEW))


def test_the_trace_tells_silent_churn_and_recoveries_as_the_scores_count_them() -> None:
    res = result("public_complaint", (), 2)
    loy = res.scores["loyalty"]
    assert loy["silent_churn"] and loy["recoveries"]
    traces = [trace(res, int(c)) for c in np.unique(columns_of(res.contacts)["customer_id"])]
    assert sum(t.churned and not t.complained for t in traces) == loy["silent_churn"]
    assert sum(t.churned and t.complained for t in traces) == loy["complaints"]
    assert sum(t.recovered and not t.churned for t in traces) == loy["recoveries"]
    assert sum(t.told for t in traces if t.churned) == loy["told_by_lost"]
    assert sum(t.told for t in traces if t.good_story) == loy["told_by_happy"]


def test_empowered_agents_put_more_failures_right_and_a_failure_put_right_keeps_the_customer() -> None:
    assert higher(paired("refund_authority", (), MODERATE, "loyalty.recoveries"))
    assert higher(paired("refund_authority", (), MODERATE, "loyalty.recovered_retention"))
    # the recovery paradox: customers whose failure was put right stay more often than those never failed
    gaps = [result("refund_authority", MODERATE, s).scores["loyalty"]["recovery_gap"] for s in SEEDS]
    iv = paired_interval(gaps, [0.0] * len(gaps))
    assert iv is not None and higher(iv), iv
