"""Every conversation ends: no policy or responder can make the model loop forever."""

from __future__ import annotations

from collections import Counter

import pytest

from sim import run, with_policies
from sim.conversation import MAX_TURNS
from sim.model import MAX_TRANSFERS
from sim.scenario import parse_scenario


def _small(**policies):
    data = {
        "scenario": {"id": "bounds", "interval_s": 1800},
        "arrivals": {"phone": [60, 60], "chat": [20, 20]},
        "policies": {"staffing": [4, 4], **policies},
    }
    return parse_scenario(data, "bounds")


class Stubborn:
    """Always chooses the same response: the worst case for loops."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def bind(self, centre) -> None:
        return None

    def decide(self, view) -> str:
        return self.kind


@pytest.mark.parametrize("escalation", ["supervisor", "transfer", "none"])
@pytest.mark.parametrize("kind", ["answer", "transfer", "escalate", "jargon", "your_choice", "quick_answer"])
def test_conversations_end_under_any_policy_and_responder(escalation, kind):
    scen = _small(escalation=escalation, authority_limit=0.0)
    result = run(scen, seed=5, responder=Stubborn(kind))
    per_contact = Counter(t.contact_id for t in result.turns)
    assert per_contact, "no conversation happened"
    limit = (MAX_TURNS + 1) * (MAX_TRANSFERS + 2)
    assert max(per_contact.values()) <= limit
    transfers = [r["transfers"] for r in result.contacts.rows() if r["transfers"] is not None]
    assert max(transfers) <= MAX_TRANSFERS + 1
    statuses = {r["status"] for r in result.contacts.rows()}
    assert statuses <= {"served", "abandoned", "unanswered"}


def test_authority_transfer_reaches_the_bigger_budget(calm):
    scen = with_policies(calm, {"escalation": "transfer", "authority_limit": 30.0})
    result = run(scen, seed=2)
    rows = [r for r in result.contacts.rows() if r["transfers"]]
    assert rows, "no authority transfers happened"
    # the receiving team can grant most of them: goals get met after a transfer
    assert sum(1 for r in rows if r["goal_met"]) > len(rows) / 3
