"""The debrief's numbers as text: one function from `sim.scores.compute` output to labelled strings.

Nothing is computed here; values are only formatted, so the debrief shows
exactly what the headless simulation scored.  No pygame here.
"""

from __future__ import annotations

from typing import Any


def pct(x: Any) -> str:
    return "n/a" if x is None else f"{100.0 * x:.1f} %"


def secs(x: Any) -> str:
    if x is None:
        return "n/a"
    s = round(x)
    return f"{s} s" if s < 120 else f"{s // 60} min {s % 60:02d} s"


def money(x: Any) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def headline(scores: dict[str, Any]) -> dict[str, str]:
    """Overall and the three sub-scores, as shown in large type."""
    ov = scores["overall"]
    return {"overall": f"{ov['score']:.1f}", "stars": str(ov["stars"]), "loyalty": f"{ov['loyalty_score']:.0f}",
            "speed": f"{ov['speed_score']:.0f}", "accuracy": f"{ov['accuracy_score']:.0f}"}


def figures(scores: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(group, label, value) rows for the debrief's table of figures."""
    sp, acc, loy, mon = scores["speed"], scores["accuracy"], scores["loyalty"], scores["money"]
    return [
        ("Speed", "Contacts offered / answered", f"{sp['offered']} / {sp['answered']}"),
        ("Speed", "Service level (phone, chat)", pct(sp["service_level"])),
        ("Speed", "Average wait", secs(sp["asa_s"])),
        ("Speed", "Abandoned", pct(sp["abandon_rate"])),
        ("Speed", "Average handle time", secs(sp["aht_s"])),
        ("Speed", "Follow-ups by end of day", pct(sp["sunset_compliance"])),
        ("Accuracy", "First-contact resolution", pct(acc["first_contact_resolution"])),
        ("Accuracy", "Correct information", pct(acc["correct_info_rate"])),
        ("Accuracy", "Customer goal really met", pct(acc["goal_met_rate"])),
        ("Accuracy", "Repeat contacts", pct(acc["repeat_contact_rate"])),
        ("Loyalty", "Chance customers stay", pct(loy["retention"])),
        ("Loyalty", "Customers lost / of them without a word",
         f"{loy['churned']} / {loy['silent_churn']} ({loy['complaints']} complained)"),
        ("Loyalty", "People told bad / good stories", f"{loy['told_by_lost']:.0f} / {loy['told_by_happy']:.0f}"),
        ("Loyalty", "Failures put right, customer kept", f"{loy['recoveries']}"),
        ("Loyalty", "They stay: put right / never failed",
         f"{pct(loy['recovered_retention'])} / {pct(loy['never_failed_retention'])}"),
        ("Loyalty", "Survey: satisfied (4-5 of 5)", pct(loy["csat"])),
        ("Loyalty", "Survey minus goals really met",
         "n/a" if loy["surface_gap"] is None else f"{100 * loy['surface_gap']:+.1f} points"),
        ("Money", "Lifetime value kept", money(mon["value_kept"])),
        ("Money", "Refunds paid (over-generous part)", f"{money(mon['refunds_paid'])} ({money(mon['overpaid'])})"),
        ("Money", "Gestures paid", money(mon["gestures_paid"])),
        ("Money", "Staff cost", money(mon["staff_cost"])),
        ("Money", "Net value", money(mon["net_value"])),
        ("Money", "Cost of poor service", money(loy["cost_of_poor_service"])),
    ]


def objective_text(obj: Any) -> str:
    """An objective's words (a plain string, or an object with `text`)."""
    return obj if isinstance(obj, str) else str(getattr(obj, "text", obj))


def _lookup(scores: dict[str, Any], metric: str) -> float | None:
    node: Any = scores
    for part in metric.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, (int, float)) else None


def _fmt_metric(metric: str, value: float) -> str:
    name = metric.rsplit(".", 1)[-1]
    if name.endswith("_s"):
        return secs(value)
    if name.endswith(("rate", "level", "retention", "compliance", "csat", "resolution", "share")) \
            or name == "value_retention":
        return pct(value)
    return f"{value:,.1f}"


def objectives(scen: Any, scores: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(text, value shown, met?) per objective; met is None when the objective names no score."""
    items = tuple(getattr(scen, "targets", ()) or ()) or tuple(scen.objectives)
    rows: list[tuple[str, str, bool | None]] = []
    for obj in items:
        metric = str(getattr(obj, "metric", "") or "")
        value = _lookup(scores, metric) if metric else None
        if value is None:
            rows.append((objective_text(obj), "", None))
            continue
        lo, hi = getattr(obj, "at_least", None), getattr(obj, "at_most", None)
        met = (lo is None or value >= lo) and (hi is None or value <= hi)
        rows.append((objective_text(obj), _fmt_metric(metric, value), met))
    return rows
