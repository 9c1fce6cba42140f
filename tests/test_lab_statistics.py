"""The lab's statistics do what they claim, on the pure-queue mode (fast, and theory is known).

* Coverage: t intervals over replications cover the Erlang C service level and
  average speed of answer at close to the nominal 95 %.  Each replication is a
  whole day that starts empty, so its mean is a little off the steady state; the
  queue here (2 agents, load 0.5, 20 s handle, 3 hours, ~540 calls) forgets its
  start within two minutes, and on 1,000 other seeds its day means match
  Erlang C within one standard error (busier, shorter days measured 2-3 % low
  and covered only 87-92 %).
* False alarms: two identical setups run with independent seeds are flagged as
  different at close to the nominal 5 %; with common random numbers an identical
  variant differs by exactly zero (tests/test_lab.py).
* Power: one agent more is detected, in the right direction, with 5 replications.

Seeds are fixed, so each check is deterministic.  Acceptance bands are three
binomial standard deviations around the nominal rate.
"""

from __future__ import annotations

import math

import pytest

from sim.lab import (
    Task,
    compare,
    make_variants,
    mean_interval,
    paired_interval,
    run_tasks,
)
from sim.scenario import parse_scenario
from sim.theory import mmc

THRESHOLD_S = 20.0  # the phone channel's service-level threshold in the catalog
LEVEL = 0.95


def pure(hours: float, rate_per_hour: float, agents: int, handle_s: float) -> object:
    """A pure-queue day of `hours` (whole hours, or one shorter interval)."""
    intervals, interval_s = (int(hours), 3600) if hours >= 1 else (1, 3600 * hours)
    data = {
        "scenario": {"id": "lab_pure", "mode": "pure_queue", "interval_s": interval_s, "drain_s": 3600},
        "arrivals": {"phone": [rate_per_hour] * intervals},
        "pure_queue": {"handle_mean_s": handle_s},
        "policies": {"staffing": [agents] * intervals, "channels_open": ["phone"], "wrap_up_s": 0},
    }
    return parse_scenario(data, "lab_pure")


def kpi_runs(scen: object, seeds: range, workers: int = 2) -> list[dict[str, float]]:
    batch = run_tasks([Task(scen, s, "kpis") for s in seeds], workers=workers)  # type: ignore[arg-type]
    assert not batch.interrupted and batch.done == len(seeds)
    return [r["kpis"] for r in batch.results]  # type: ignore[index]


def band(trials: int, p: float) -> tuple[float, float]:
    """Three binomial standard deviations around p, as shares."""
    sd = math.sqrt(p * (1 - p) / trials)
    return p - 3 * sd, p + 3 * sd


COVERAGE = {"hours": 3, "rate": 180.0, "agents": 2, "handle": 20.0}
EXPERIMENTS, REPS = 100, 5


@pytest.fixture(scope="module")
def coverage_runs() -> list[dict[str, float]]:
    c = COVERAGE
    return kpi_runs(pure(c["hours"], c["rate"], c["agents"], c["handle"]), range(10_000, 10_000 + EXPERIMENTS * REPS))


def test_intervals_cover_erlang_c_at_close_to_the_nominal_rate(coverage_runs: list[dict[str, float]]) -> None:
    c = COVERAGE
    theory = mmc(c["rate"] / 3600.0, c["handle"], int(c["agents"]), THRESHOLD_S)
    lo, hi = band(EXPERIMENTS, LEVEL)
    for name, value in (("service_level", theory.service_level), ("asa_s", theory.asa_s)):
        covered = 0
        for e in range(EXPERIMENTS):
            iv = mean_interval([r[name] for r in coverage_runs[e * REPS:(e + 1) * REPS]], LEVEL)
            assert iv is not None and iv.n == REPS
            covered += iv.covers(value)
        assert lo <= covered / EXPERIMENTS <= min(1.0, hi), (name, covered, value)


def test_identical_setups_are_flagged_different_at_close_to_the_nominal_rate() -> None:
    experiments, n = 150, 4  # half-hour days: 1,200 runs in all
    runs = kpi_runs(pure(0.5, 180.0, 2, 20.0), range(20_000, 20_000 + 2 * experiments * n))
    lo, hi = band(experiments, 1 - LEVEL)  # a normal quantile instead of t(3) would flag ~14 %
    for name in ("service_level", "asa_s"):
        flagged = 0
        for e in range(experiments):
            a = runs[2 * e * n:(2 * e + 1) * n]
            b = runs[(2 * e + 1) * n:(2 * e + 2) * n]
            d = paired_interval([x[name] for x in a], [x[name] for x in b], LEVEL)
            assert d is not None and d.n == n
            flagged += d.excludes_zero
        assert max(lo, 1 / experiments) <= flagged / experiments <= hi, (name, flagged)


def test_one_agent_more_is_detected_with_common_random_numbers() -> None:
    c = COVERAGE
    base = pure(c["hours"], c["rate"], c["agents"], c["handle"])
    result = compare(make_variants(base, [["more", "staffing+=1"]]), replications=REPS, workers=2)  # type: ignore[arg-type]
    rows = {r.kpi.name: r for r in result.rows() if r.variant == "more"}
    for name in ("service_level", "asa_s", "score"):
        assert rows[name].significant and rows[name].better, name
    assert rows["staff_cost"].diff is not None and rows["staff_cost"].diff.mean > 0
    # common random numbers: the paired interval is narrower than an unpaired one would be
    sl = rows["service_level"]
    base_row = next(r for r in result.rows() if r.variant == "base" and r.kpi.name == "service_level")
    assert sl.diff is not None and sl.mean is not None and base_row.mean is not None
    assert sl.diff.half_width < math.hypot(sl.mean.half_width, base_row.mean.half_width)


def test_a_mean_interval_is_clipped_to_what_the_kpi_can_be() -> None:
    from sim.lab.kpis import kpi
    from sim.lab.stats import mean_interval

    share = kpi("service_level").possible(mean_interval([1.0, 1.0, 0.96, 1.0]))
    assert share is not None and share.hi == 1.0 and share.lo < 1.0  # no "100.7 %"
    cost = kpi("refunds_paid").possible(mean_interval([0.0, 0.0, 30.0]))
    assert cost is not None and cost.lo == 0.0  # no negative money paid
    net = kpi("net_value").possible(mean_interval([-5.0, 5.0, -20.0]))
    assert net is not None and net.lo < -20.0  # net value can be negative
