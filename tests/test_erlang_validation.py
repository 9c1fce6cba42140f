"""The pure-queue mode reproduces Erlang C (M/M/c) and Erlang A (M/M/c+M).

Method (steady-state estimation):

* every case is run as ``REPLICATIONS`` independent replications (seeds
  ``BASE_SEED + r``), each starting from an empty floor;
* each replication discards a warm-up of ``WARMUP_RELAX`` relaxation times and
  measures the arrivals of the following ``MEASURE_RELAX`` relaxation times (or
  more, at least ``ARRIVALS_PER_REP`` arrivals on average).  The relaxation time of
  M/M/c is ``1 / (c mu (1 - sqrt(rho))^2)``, the decay rate of its correlations in
  heavy traffic (6.6 hours at rho = 0.98, c = 50: starting empty, the mean wait is
  still 10 % low after 8 hours).  With abandonment every waiting customer leaves at
  rate 1/patience and the queue forgets its start within a few handle or patience
  times (measured: 15 minutes at rho = 0.98); we take 5 x max(handle, patience);
* one estimate per replication, so the estimates are independent and identically
  distributed, and a Student-t interval over them is a valid confidence interval.

There are ``COMPARISONS`` formula comparisons in this module.  Each interval is
widened by Bonferroni to level ``1 - 0.05 / COMPARISONS``, so all of them hold
together with probability at least 95 %: each is (at least) a 95 % CI, and the
module passes for at least 95 % of base seeds if the model is right (try others
with ``SERVICEFLOOR_ERLANG_SEED=N pytest tests/test_erlang_validation.py``).

Metrics, all over every arrival in the measurement window:
p_wait (not answered at once), mean wait (answered: time to answer; abandoned:
time to abandonment), service level (answered within the phone channel's
threshold) and abandonment.

Negative controls show the intervals can fail: a floor with one agent more than
the formula assumes is rejected.  Little's law ties the live queue (snapshots) to
the records, and common random numbers show more agents never make anyone wait
longer in M/M/c (a sample-path theorem for first-come first-served).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pytest

from sim import Centre, run
from sim.scenario import Scenario, parse_scenario
from sim.theory import QueueMetrics, mmc, mmc_abandon

HANDLE_S = 120.0
PATIENCE_S = 180.0
REPLICATIONS = 20
WARMUP_RELAX = 2.0
MEASURE_RELAX = 6.0
ARRIVALS_PER_REP = 10_000
BASE_SEED = int(os.environ.get("SERVICEFLOOR_ERLANG_SEED", "1000"))

# (offered load as a share of the agents, agents)
LOADS = ((0.70, 10), (0.85, 20), (0.95, 40), (0.98, 50))
C_METRICS = ("p_wait", "mean_wait_s", "service_level")
A_METRICS = ("p_wait", "mean_wait_s", "service_level", "p_abandon")
COMPARISONS = len(LOADS) * (len(C_METRICS) + len(A_METRICS))
FAMILY_LEVEL = 0.95


# ---------------------------------------------------------------- statistics


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(200)


def t_cdf(x: float, df: int) -> float:
    """Student-t distribution function, by Gauss-Legendre quadrature of the density."""
    if x < 0:
        return 1.0 - t_cdf(-x, df)
    s = 0.5 * x * (_GL_NODES + 1.0)
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    dens = np.exp(log_c - (df + 1) / 2 * np.log1p(s * s / df))
    return 0.5 + 0.5 * x * float(dens @ _GL_WEIGHTS)


@lru_cache(maxsize=None)
def t_quantile(p: float, df: int) -> float:
    """The p-quantile (p > 0.5) of Student's t with df degrees of freedom, by bisection."""
    lo, hi = 0.0, 60.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class Interval:
    mean: float
    half: float

    @property
    def lo(self) -> float:
        return self.mean - self.half

    @property
    def hi(self) -> float:
        return self.mean + self.half

    def covers(self, x: float) -> bool:
        return self.lo <= x <= self.hi

    def __str__(self) -> str:
        return f"{self.mean:.4g} [{self.lo:.4g}, {self.hi:.4g}]"


def interval(values: np.ndarray, level: float) -> Interval:
    """Two-sided t interval for the mean of i.i.d. values."""
    n = len(values)
    t = t_quantile(0.5 + level / 2.0, n - 1)
    return Interval(float(np.mean(values)), t * float(np.std(values, ddof=1)) / math.sqrt(n))


SIMULTANEOUS = 1.0 - (1.0 - FAMILY_LEVEL) / COMPARISONS  # Bonferroni


def test_t_quantiles_match_the_table() -> None:
    for p, df, table in ((0.975, 9, 2.2622), (0.975, 19, 2.0930), (0.995, 19, 2.8609), (0.95, 4, 2.1318)):
        assert t_quantile(p, df) == pytest.approx(table, abs=2e-4)


# ---------------------------------------------------------------- the queue


def relaxation_s(load: float, agents: int, patience_s: float) -> float:
    """Relaxation time in seconds: M/M/c's 1 / (c mu (1 - sqrt(rho))^2), shorter with abandonment."""
    erlang_c = HANDLE_S / (agents * (1.0 - math.sqrt(load)) ** 2)
    return min(erlang_c, 5.0 * max(HANDLE_S, patience_s)) if patience_s else erlang_c


def pure_scenario(load: float, agents: int, patience_s: float, warmup_s: float, measure_s: float,
                  staff: int | None = None) -> Scenario:
    """One phone queue, one interval long enough for warm-up and measurement.

    `load` x `agents` Erlangs are offered; `staff` agents (default `agents`) answer.
    patience_s = 0 means nobody abandons (Erlang C).
    """
    horizon = warmup_s + measure_s
    per_hour = load * agents / HANDLE_S * 3600.0
    data = {
        "scenario": {"id": "erlang", "mode": "pure_queue", "interval_s": horizon, "drain_s": 4 * 3600.0},
        "arrivals": {"phone": [per_hour]},
        "pure_queue": {"handle_mean_s": HANDLE_S, "patience_mean_s": patience_s},
        "policies": {"staffing": [staff if staff is not None else agents], "channels_open": ["phone"],
                     "wrap_up_s": 0},
    }
    return parse_scenario(data, "<erlang validation>")


@dataclass(frozen=True)
class Waits:
    """Per arrival, in arrival order: arrival time, wait, answered, abandoned."""

    arrival: np.ndarray
    wait: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    status: np.ndarray


def waits_of(cols: dict[str, np.ndarray]) -> Waits:
    order = np.argsort(cols["contact_id"])
    arrival = cols["arrival_time"][order]
    answer = cols["answer_time"][order]
    end = cols["end_time"][order]
    answered = ~np.isnan(answer)
    wait = np.where(answered, answer - arrival, end - arrival)
    return Waits(arrival, wait, answered, cols["abandoned"][order] == 1, cols["status"][order])


def metrics_of(w: Waits, start: float, end: float, threshold: float) -> dict[str, float]:
    m = (w.arrival >= start) & (w.arrival < end)
    wait, answered = w.wait[m], w.answered[m]
    return {
        "p_wait": float(np.mean(wait > 0.0)),
        "mean_wait_s": float(np.mean(wait)),
        "service_level": float(np.mean(answered & (wait <= threshold))),
        "p_abandon": float(np.mean(w.abandoned[m])),
    }


@dataclass(frozen=True)
class Case:
    load: float
    agents: int
    patience_s: float
    staff: int
    per_rep: dict[str, np.ndarray]
    arrivals: int
    statuses: frozenset[str]

    @property
    def lam(self) -> float:
        return self.load * self.agents / HANDLE_S

    def formula(self, agents: int | None = None) -> QueueMetrics:
        c = self.agents if agents is None else agents
        if self.patience_s:
            return mmc_abandon(self.lam, HANDLE_S, c, self.patience_s, THRESHOLD_S)
        return mmc(self.lam, HANDLE_S, c, THRESHOLD_S)

    def ci(self, metric: str, level: float = SIMULTANEOUS) -> Interval:
        return interval(self.per_rep[metric], level)


THRESHOLD_S = pure_scenario(0.5, 1, 0.0, 60.0, 60.0).channels["phone"].sl_threshold_s


@lru_cache(maxsize=None)
def replicate(load: float, agents: int, patience_s: float, staff: int | None = None) -> Case:
    """REPLICATIONS independent runs; one estimate per run from its measurement window."""
    relax = relaxation_s(load, agents, patience_s)
    warmup = WARMUP_RELAX * relax
    measure = max(MEASURE_RELAX * relax, ARRIVALS_PER_REP / (load * agents / HANDLE_S))
    scen = pure_scenario(load, agents, patience_s, warmup, measure, staff)
    per_rep: dict[str, list[float]] = {}
    n = 0
    statuses: set[str] = set()
    for r in range(REPLICATIONS):
        result = run(scen, seed=BASE_SEED + r)
        w = waits_of(result.contacts.columns())
        statuses |= set(w.status.tolist())
        n += len(w.arrival)
        for k, v in metrics_of(w, warmup, warmup + measure, THRESHOLD_S).items():
            per_rep.setdefault(k, []).append(v)
    return Case(load, agents, patience_s, agents if staff is None else staff,
                {k: np.array(v) for k, v in per_rep.items()}, n, frozenset(statuses))


# ---------------------------------------------------------------- Erlang C and Erlang A


@pytest.mark.parametrize(("load", "agents"), LOADS, ids=[f"rho{l:.2f}-c{c}" for l, c in LOADS])
def test_erlang_c(load: float, agents: int) -> None:
    case = replicate(load, agents, 0.0)
    # patience_mean_s = 0: nobody abandons, everyone who arrived is answered
    assert case.statuses == {"served"}
    assert np.all(case.per_rep["p_abandon"] == 0.0)
    theory = case.formula()
    for metric in C_METRICS:
        ci = case.ci(metric)
        assert ci.covers(getattr(theory, metric)), f"{metric}: simulated {ci}, Erlang C {getattr(theory, metric):.4g}"


@pytest.mark.parametrize(("load", "agents"), LOADS, ids=[f"rho{l:.2f}-c{c}" for l, c in LOADS])
def test_erlang_a(load: float, agents: int) -> None:
    case = replicate(load, agents, PATIENCE_S)
    assert case.statuses == {"served", "abandoned"}
    theory = case.formula()
    for metric in A_METRICS:
        ci = case.ci(metric)
        assert ci.covers(getattr(theory, metric)), f"{metric}: simulated {ci}, Erlang A {getattr(theory, metric):.4g}"


NEGATIVE_CONTROLS = ((0.70, 10, 0.0, 1), (0.85, 20, 0.0, 1), (0.95, 40, PATIENCE_S, 2))


@pytest.mark.parametrize(("load", "agents", "patience_s", "extra"), NEGATIVE_CONTROLS,
                         ids=[f"rho{l:.2f}-c{c}-{'A' if p else 'C'}-plus{e}" for l, c, p, e in NEGATIVE_CONTROLS])
def test_negative_control_more_agents_than_the_formula_is_detected(
        load: float, agents: int, patience_s: float, extra: int) -> None:
    """The same intervals exclude the formula when the floor has `extra` agents more than it assumes."""
    wrong = replicate(load, agents, patience_s, staff=agents + extra)
    assumed = replicate(load, agents, patience_s).formula()
    actual = wrong.formula(agents + extra)
    for metric in ("p_wait", "mean_wait_s", "service_level"):
        ci = wrong.ci(metric)
        assert not ci.covers(getattr(assumed, metric)), f"{metric}: {ci} should exclude {getattr(assumed, metric):.4g}"
        # ...while the floor does match the formula for the agents it really has
        assert ci.covers(getattr(actual, metric)), f"{metric}: {ci} should cover {getattr(actual, metric):.4g}"


# ---------------------------------------------------------------- Little's law and monotonicity


def test_littles_law_on_the_live_queue() -> None:
    """Sampled queue length (snapshots) = the records' queue, and L = lambda W."""
    load, agents = 0.95, 40
    warmup, measure = 2 * 3600.0, 10 * 3600.0
    scen = pure_scenario(load, agents, PATIENCE_S, warmup, measure)
    centre = Centre(scen, seed=BASE_SEED)
    step = 7.3
    times = np.arange(warmup + step / 2, warmup + measure, step)
    queue, busy = [], []
    for t in times:
        centre.advance_to(float(t))
        snap = centre.snapshot()
        queue.append(len(snap.queues["phone"]))
        busy.append(sum(1 for a in snap.agents if a.state == "talking"))
    centre.finish()
    cols = centre.log.columns()
    w = waits_of(cols)
    left_queue = w.arrival + w.wait
    # the live queue at each sampled instant is exactly the records' "arrived, not yet answered or gone"
    in_queue = [(int(np.sum((w.arrival <= t) & (left_queue > t)))) for t in times[::50]]
    assert queue[::50] == in_queue
    # Little's law over the window: time-average queue = arrival rate x mean wait (all arrivals)
    m = (w.arrival >= warmup) & (w.arrival < warmup + measure)
    lam_hat = m.sum() / measure
    lq = float(np.mean(queue))
    assert lq == pytest.approx(lam_hat * float(np.mean(w.wait[m])), rel=0.02)
    # ...and on the agents: busy agents = answered rate x mean handle time
    handle = cols["handle_time"][np.argsort(cols["contact_id"])]
    served = m & w.answered
    assert float(np.mean(busy)) == pytest.approx(served.sum() / measure * float(np.mean(handle[served])), rel=0.02)
    # both agree with Erlang A's E[Lq] = lambda E[W]
    theory = mmc_abandon(load * agents / HANDLE_S, HANDLE_S, agents, PATIENCE_S, THRESHOLD_S)
    assert lq == pytest.approx(load * agents / HANDLE_S * theory.mean_wait_s, rel=0.25)


def test_more_agents_never_mean_longer_waits_same_seed() -> None:
    """Common random numbers: the same customers with 1-3 more agents.

    Without abandonment, first-come first-served waits are monotone customer by
    customer (a sample-path property); with abandonment, the totals still improve.
    """
    load, agents = 0.98, 50
    base = waits_of(run(pure_scenario(load, agents, 0.0, 3600.0, 6 * 3600.0), seed=BASE_SEED).contacts.columns())
    assert base.wait.mean() > 10.0  # a real queue, so the comparison means something
    prev = base
    for extra in (1, 2, 3):
        scen = pure_scenario(load, agents, 0.0, 3600.0, 6 * 3600.0, staff=agents + extra)
        w = waits_of(run(scen, seed=BASE_SEED).contacts.columns())
        np.testing.assert_array_equal(w.arrival, prev.arrival)
        assert np.all(w.wait <= prev.wait)
        assert w.wait.mean() < prev.wait.mean()
        prev = w

    prev_m = None
    for staff in (agents - 2, agents, agents + 2):
        scen = pure_scenario(load, agents, PATIENCE_S, 3600.0, 6 * 3600.0, staff=staff)
        m = metrics_of(waits_of(run(scen, seed=BASE_SEED).contacts.columns()), 0.0, math.inf, THRESHOLD_S)
        if prev_m is not None:
            assert m["mean_wait_s"] < prev_m["mean_wait_s"]
            assert m["p_abandon"] < prev_m["p_abandon"]
            assert m["service_level"] > prev_m["service_level"]
        prev_m = m
