"""The KPIs the lab compares, read out of ``scores.compute`` (never computed here).

Each KPI names where it lives in the scores dict, how to show it and which
direction is better, so tables and charts can mark a change as an improvement.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str
    path: tuple[str, ...]  # keys into the scores dict
    unit: str  # "share" (0-1, shown as %), "s", "money", "points"
    higher_is_better: bool
    short: str = ""  # column heading in narrow tables

    @property
    def heading(self) -> str:
        return self.short or self.label

    @property
    def bounds(self) -> tuple[float, float]:
        """What the KPI can be: a share 0-1, a score 0-100, times and costs not below 0 (net value any)."""
        if self.unit == "share":
            return 0.0, 1.0
        if self.unit == "points":
            return 0.0, 100.0
        if self.name == "net_value":
            return -math.inf, math.inf
        return 0.0, math.inf

    def possible(self, iv: Any) -> Any:
        """A mean's confidence interval clipped to what the KPI can be (no '100.7 %', no negative cost)."""
        if iv is None:
            return None
        import dataclasses

        lo, hi = self.bounds
        return dataclasses.replace(iv, lo=max(lo, iv.lo), hi=min(hi, iv.hi))

    def read(self, scores: Mapping[str, Any]) -> float | None:
        """The KPI's value in one run's scores (None when undefined, e.g. no calls)."""
        v: Any = scores
        for key in self.path:
            v = v.get(key) if isinstance(v, Mapping) else None
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        return float(v)

    def show(self, x: float | None, signed: bool = False) -> str:
        """A value in the KPI's unit: shares as %, differences of shares as points."""
        if x is None or math.isnan(x):
            return "n/a"
        if math.isinf(x):
            return "-inf" if x < 0 else "inf"
        sign = "+" if signed else ""
        x = no_negative_zero(self, x)
        if self.unit == "share":
            return f"{100 * x:{sign}.1f}" + (" pts" if signed else " %")
        if self.unit == "s":
            return f"{x:{sign}.1f} s"
        if self.unit == "money":
            return f"{x:{sign},.0f}"
        return f"{x:{sign}.2f}"


def no_negative_zero(k: Kpi, x: float) -> float:
    """0.0 for a value of KPI `k` that would print as -0.0 (shares in %, 1 decimal; money whole)."""
    digits = {"share": 1, "s": 1, "money": 0}.get(k.unit, 2)
    return 0.0 if round(x * (100.0 if k.unit == "share" else 1.0), digits) == 0 else x


KPIS: tuple[Kpi, ...] = (
    Kpi("service_level", "service level (phone + chat)", ("speed", "service_level"), "share", True, "service level"),
    Kpi("abandon_rate", "abandonment", ("speed", "abandon_rate"), "share", False, "abandonment"),
    Kpi("asa_s", "average speed of answer", ("speed", "asa_s"), "s", False, "ASA"),
    Kpi("first_contact_resolution", "first-contact resolution", ("accuracy", "first_contact_resolution"),
        "share", True, "FCR"),
    Kpi("goal_met_rate", "customer goal met", ("accuracy", "goal_met_rate"), "share", True, "goal met"),
    Kpi("retention", "retention probability", ("loyalty", "retention"), "share", True, "retention"),
    Kpi("revenue_at_risk", "revenue at risk", ("loyalty", "revenue_at_risk"), "money", False, "revenue at risk"),
    Kpi("cost_of_poor_service", "cost of poor service", ("loyalty", "cost_of_poor_service"), "money", False,
        "poor service"),
    Kpi("staff_cost", "staff cost", ("staff_cost",), "money", False, "staff cost"),
    Kpi("refunds_paid", "refunds paid", ("money", "refunds_paid"), "money", False, "refunds"),
    Kpi("overpaid", "over-generous refunds (beyond the need)", ("money", "overpaid"), "money", False, "overpaid"),
    Kpi("gestures_paid", "gestures paid", ("money", "gestures_paid"), "money", False, "gestures"),
    Kpi("value_kept", "lifetime value kept", ("money", "value_kept"), "money", True, "value kept"),
    Kpi("net_value", "net value (kept - refunds - gestures - staff)", ("money", "net_value"), "money", True,
        "net value"),
    Kpi("score", "overall score", ("overall", "score"), "points", True, "score"),
)
KPI_BY_NAME = {k.name: k for k in KPIS}


def kpi_values(scores: Mapping[str, Any]) -> dict[str, float | None]:
    """Every lab KPI of one run, by name."""
    return {k.name: k.read(scores) for k in KPIS}


def kpi(name: str) -> Kpi:
    """The KPI called `name`; ValueError listing the known names otherwise."""
    try:
        return KPI_BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown KPI {name!r} (known: {', '.join(KPI_BY_NAME)})") from None
