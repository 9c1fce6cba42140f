"""What a worker sends back from one replication: a few numbers, never the records.

A measure is a function of one run's Result; workers look it up by name so that a
task stays small and picklable.  KPIs come from ``scores``; per-interval figures
apply ``scores.speed`` to the contacts that arrived in each interval.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import scores as scoring
from ..runner import Result
from .costs import cost_breakdown
from .kpis import kpi_values


def kpis(result: Result) -> dict[str, Any]:
    """The lab KPIs and the cost breakdown of one run."""
    return {"kpis": kpi_values(result.scores), "costs": cost_breakdown(result.contacts, result.scenario)}


def realtime_mask(cols: scoring.Columns, scen: Any) -> np.ndarray:
    """Contacts on the open realtime channels (phone and chat)."""
    realtime = [cid for cid, ch in scen.channels.items() if ch.realtime]
    return np.isin(cols["channel"], realtime)


def intervals(result: Result) -> dict[str, Any]:
    """Service level and abandonment of phone and chat contacts per arrival interval, plus the KPIs.

    Also the mean handle times (seconds) of answered phone and chat contacts and of
    answered email and web contacts, and open cases per answered contact.
    """
    scen = result.scenario
    cols = result.contacts.columns()
    rt = realtime_mask(cols, scen)
    slot = np.minimum((cols["arrival_time"] // scen.interval_s).astype(np.int64), scen.intervals - 1)
    per: list[dict[str, Any]] = []
    for i in range(scen.intervals):
        m = rt & (slot == i)
        sub = {k: v[m] for k, v in cols.items()}
        sp = scoring.speed(sub, scen) if m.any() else {"offered": 0, "service_level": None, "abandon_rate": None}
        per.append({"offered": sp["offered"], "service_level": sp["service_level"],
                    "abandon_rate": sp["abandon_rate"]})
    sp_rt = scoring.speed({k: v[rt] for k, v in cols.items()}, scen) if rt.any() else {"aht_s": None}
    sp_async = scoring.speed({k: v[~rt] for k, v in cols.items()}, scen) if (~rt).any() else {"aht_s": None}
    sp = result.scores["speed"]
    return {"intervals": per, "aht_realtime_s": sp_rt["aht_s"], "aht_async_s": sp_async["aht_s"],
            "open_case_share": sp["open_cases"] / sp["answered"] if sp["answered"] else 0.0,
            "kpis": kpi_values(result.scores)}


def scores(result: Result) -> dict[str, Any]:
    """Every score of one run, as `sim.scores.compute` gives them (the lesson ledger reads any of them)."""
    return result.scores


MEASURES: dict[str, Callable[[Result], dict[str, Any]]] = {"kpis": kpis, "intervals": intervals, "scores": scores}
