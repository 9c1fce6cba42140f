"""Tests for sim.theory: Erlang B/C/A formulas and staffing.

Reference values are recomputed here by independent means (direct finite sums,
a generic phase-type / uniformisation computation of the tagged customer, and a
discrete-event Monte Carlo of M/M/c+M), never by calling the function under test.
"""

from __future__ import annotations

import heapq
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.theory import (
    QueueMetrics,
    agents_for_service_level,
    erlang_b,
    erlang_c,
    mmc,
    mmc_abandon,
)

# ---------------------------------------------------------------- independent references


def direct_erlang_b(c: int, a: float) -> float:
    """B = (a^c/c!) / sum_{k<=c} a^k/k!, exact rational arithmetic."""
    af = Fraction(a)
    terms = [af**k / math.factorial(k) for k in range(c + 1)]
    return float(terms[-1] / sum(terms))


def direct_erlang_c(c: int, a: float) -> float:
    """C = (a^c/c! * c/(c-a)) / (sum_{k<c} a^k/k! + a^c/c! * c/(c-a))."""
    af = Fraction(a)
    top = af**c / math.factorial(c) * Fraction(c) / (c - af)
    return float(top / (sum(af**k / math.factorial(k) for k in range(c)) + top))


def chain_pi(lam: float, mu: float, theta: float, c: int, n_max: int) -> np.ndarray:
    """Stationary distribution of M/M/c+M by a plain loop (truncated at n_max)."""
    w = [1.0]
    for n in range(1, n_max + 1):
        death = min(n, c) * mu + max(n - c, 0) * theta
        w.append(w[-1] * lam / death)
    arr = np.array(w)
    return arr / arr.sum()


def tagged_generator(c: int, mu: float, theta: float, k_max: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tagged waiting customer, states j = 0..k_max customers ahead.

    From j: move to j-1 (or to service when j = 0) at rate c*mu + j*theta, abandon at theta.
    Returns (T transient generator, s_served exit rates, s_abandon exit rates).
    """
    size = k_max + 1
    T = np.zeros((size, size))
    served = np.zeros(size)
    aband = np.full(size, theta)
    for j in range(size):
        move = c * mu + j * theta
        T[j, j] = -(move + theta)
        if j == 0:
            served[j] = move
        else:
            T[j, j - 1] = move
    return T, served, aband


def reference_erlang_a(
    lam: float, handle: float, c: int, patience: float, t: float, n_max: int = 400
) -> dict[str, float]:
    """Erlang A metrics by generic phase-type algebra and uniformisation (PASTA)."""
    mu, theta = 1.0 / handle, 1.0 / patience
    pi = chain_pi(lam, mu, theta, c, n_max)
    alpha = pi[c:]  # arrival finds c + k, k ahead
    k_max = len(alpha) - 1
    T, s_served, s_aband = tagged_generator(c, mu, theta, k_max)
    # P(served eventually) = alpha (-T)^-1 s ; E[W 1{served}] = alpha T^-2 s
    x = np.linalg.solve(-T, s_served)
    p_served_wait = float(alpha @ x)
    wait_served = float(alpha @ np.linalg.solve(-T, x))
    # uniformisation for P(served by t): absorbing states appended
    size = k_max + 1
    rate = float(np.max(-np.diag(T)))
    P = np.zeros((size + 2, size + 2))
    P[:size, :size] = np.eye(size) + T / rate
    P[:size, size] = s_served / rate
    P[:size, size + 1] = s_aband / rate
    P[size, size] = P[size + 1, size + 1] = 1.0
    v = np.concatenate([alpha, [0.0, 0.0]])
    lt = rate * t
    n_terms = int(lt + 12 * math.sqrt(lt) + 30)
    within = 0.0
    log_pois = -lt
    for m in range(n_terms):
        within += math.exp(log_pois) * v[size]
        v = v @ P
        log_pois += math.log(lt) - math.log(m + 1) if lt > 0 else -math.inf
    p_now = float(pi[:c].sum())
    lq = float(np.dot(np.arange(len(alpha)), alpha))
    return {
        "p_wait": 1.0 - p_now,
        "service_level": p_now + within,
        "p_abandon": 1.0 - p_now - p_served_wait,
        "asa_s": wait_served / (p_now + p_served_wait),
        "mean_wait_s": lq / lam,
        "theta_lq_over_lam": theta * lq / lam,
    }


def simulate_mmc_abandon(
    lam: float, handle: float, c: int, patience: float, t: float, n: int, seed: int
) -> dict[str, float]:
    """Discrete-event M/M/c+M FIFO: the offered wait of each arrival follows from earlier ones."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1.0 / lam, n))
    services = rng.exponential(handle, n)
    patiences = rng.exponential(patience, n)
    free = [0.0] * c  # heap of agent free times
    warm = n // 10
    waited = within = abandoned = 0
    wait_all = wait_answered = 0.0
    answered = 0
    for i in range(n):
        arr = float(arrivals[i])
        start = max(arr, free[0])
        offered = start - arr
        if offered > patiences[i]:
            wait = float(patiences[i])
            ab = True
        else:
            heapq.heapreplace(free, start + float(services[i]))
            wait = offered
            ab = False
        if i < warm:
            continue
        waited += offered > 0.0
        wait_all += wait
        if ab:
            abandoned += 1
        else:
            answered += 1
            wait_answered += wait
            within += wait <= t
    m = n - warm
    return {
        "p_wait": waited / m,
        "service_level": within / m,
        "p_abandon": abandoned / m,
        "mean_wait_s": wait_all / m,
        "asa_s": wait_answered / answered,
    }


# ---------------------------------------------------------------- Erlang B / C


@pytest.mark.parametrize(
    ("c", "a", "textbook"),
    [(10, 5.0, 0.01838), (5, 3.0, 0.11005), (1, 1.0, 0.5), (20, 15.0, 0.04559), (100, 80.0, 0.004)],
)
def test_erlang_b_matches_direct_sum_and_textbook(c: int, a: float, textbook: float) -> None:
    ref = direct_erlang_b(c, a)
    assert ref == pytest.approx(textbook, abs=5e-4 if c == 100 else 5e-5)
    assert erlang_b(c, a) == pytest.approx(ref, rel=1e-12)


def test_erlang_b_edge_cases() -> None:
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(5, 0.0) == 0.0
    assert erlang_b(300, 250.0) == pytest.approx(direct_erlang_b(300, 250.0), rel=1e-10)


@pytest.mark.parametrize(
    ("c", "a", "textbook"),
    [(10, 8.0, 0.4092), (2, 1.0, 1.0 / 3.0), (1, 0.5, 0.5), (5, 4.0, 0.5541)],
)
def test_erlang_c_matches_direct_sum_and_textbook(c: int, a: float, textbook: float) -> None:
    ref = direct_erlang_c(c, a)
    assert ref == pytest.approx(textbook, abs=1e-4)
    assert erlang_c(c, a) == pytest.approx(ref, rel=1e-12)


def test_erlang_c_unstable_is_one() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(10, 12.5) == 1.0


@pytest.mark.parametrize(
    ("lam", "handle", "c", "t"),
    [(8 / 300, 300.0, 10, 20.0), (1.0, 4.0, 5, 2.0), (0.5, 180.0, 100, 30.0), (0.3, 10.0, 4, 0.0)],
)
def test_mmc_closed_forms(lam: float, handle: float, c: int, t: float) -> None:
    mu = 1.0 / handle
    cw = direct_erlang_c(c, lam * handle)
    m = mmc(lam, handle, c, t)
    assert isinstance(m, QueueMetrics)
    assert m.p_wait == pytest.approx(cw, rel=1e-10)
    assert m.service_level == pytest.approx(1.0 - cw * math.exp(-(c * mu - lam) * t), rel=1e-10)
    assert m.mean_wait_s == pytest.approx(cw / (c * mu - lam), rel=1e-10)
    assert m.asa_s == pytest.approx(m.mean_wait_s, rel=1e-12)
    assert m.p_abandon == 0.0
    assert m.occupancy == pytest.approx(lam * handle / c)


@pytest.mark.parametrize(("lam", "handle", "c"), [(1.0, 10.0, 10), (1.0, 10.0, 9), (2.0, 5.0, 3)])
def test_mmc_unstable_raises(lam: float, handle: float, c: int) -> None:
    with pytest.raises(ValueError, match="unstable"):
        mmc(lam, handle, c, 20.0)


def test_invalid_inputs_raise() -> None:
    with pytest.raises(ValueError):
        mmc(-1.0, 10.0, 5, 1.0)
    with pytest.raises(ValueError):
        mmc(0.1, 0.0, 5, 1.0)
    with pytest.raises(ValueError):
        mmc_abandon(0.1, 10.0, 5, 0.0, 1.0)
    with pytest.raises(ValueError):
        mmc_abandon(0.1, 10.0, 0, 30.0, 1.0)
    with pytest.raises(ValueError):
        agents_for_service_level(0.1, 10.0, 1.0, 20.0)


# ---------------------------------------------------------------- Erlang A


@pytest.mark.parametrize(("lam", "handle", "c", "t"), [(8 / 300, 300.0, 10, 20.0), (1.0, 4.0, 5, 2.0), (0.6, 300.0, 200, 15.0)])
def test_erlang_a_converges_to_erlang_c(lam: float, handle: float, c: int, t: float) -> None:
    ec = mmc(lam, handle, c, t)
    ea = mmc_abandon(lam, handle, c, 1e9, t)
    for field in ("p_wait", "service_level", "mean_wait_s", "asa_s", "occupancy"):
        assert getattr(ea, field) == pytest.approx(getattr(ec, field), rel=1e-5, abs=1e-9), field
    assert ea.p_abandon < 1e-5
    assert mmc_abandon(lam, handle, c, math.inf, t) == ec
    # the gap shrinks monotonically as patience grows
    gaps = [abs(mmc_abandon(lam, handle, c, p, t).service_level - ec.service_level) for p in (1e2, 1e4, 1e6)]
    assert gaps[0] > gaps[1] > gaps[2]


CASES_A = [
    (1.0, 4.0, 5, 5.0, 2.0),  # moderate load
    (0.5, 20.0, 9, 30.0, 10.0),  # overloaded (a = 10 > c), held by abandonment
    (8 / 300, 300.0, 10, 120.0, 20.0),  # contact-centre scale
    (2.0, 3.0, 4, 0.5, 1.0),  # very impatient
]


@pytest.mark.parametrize(("lam", "handle", "c", "patience", "t"), CASES_A)
def test_erlang_a_against_independent_phase_type(lam: float, handle: float, c: int, patience: float, t: float) -> None:
    m = mmc_abandon(lam, handle, c, patience, t)
    ref = reference_erlang_a(lam, handle, c, patience, t)
    for field in ("p_wait", "service_level", "p_abandon", "asa_s", "mean_wait_s"):
        assert getattr(m, field) == pytest.approx(ref[field], rel=1e-8, abs=1e-10), field
    # conservation: abandonment rate lambda * P(ab) equals theta * E[Lq]
    assert m.p_abandon * lam == pytest.approx(m.mean_wait_s * lam / patience, rel=1e-12)
    # tagged-customer view and chain view of abandonment agree
    assert ref["p_abandon"] == pytest.approx(ref["theta_lq_over_lam"], rel=1e-8)
    # served work balances busy agents: occupancy = lambda (1 - P(ab)) / (c mu)
    assert m.occupancy == pytest.approx(lam * (1.0 - m.p_abandon) * handle / c, rel=1e-9)


@pytest.mark.parametrize(("lam", "handle", "c", "patience", "t"), CASES_A[:2])
def test_erlang_a_against_monte_carlo(lam: float, handle: float, c: int, patience: float, t: float) -> None:
    m = mmc_abandon(lam, handle, c, patience, t)
    sim = simulate_mmc_abandon(lam, handle, c, patience, t, n=150_000, seed=12345)
    assert sim["service_level"] == pytest.approx(m.service_level, abs=0.012)
    assert sim["p_abandon"] == pytest.approx(m.p_abandon, abs=0.008)
    assert sim["p_wait"] == pytest.approx(m.p_wait, abs=0.012)
    assert sim["mean_wait_s"] == pytest.approx(m.mean_wait_s, rel=0.04)
    assert sim["asa_s"] == pytest.approx(m.asa_s, rel=0.04)


def test_erlang_a_service_level_limits() -> None:
    lam, handle, c, patience = 0.5, 20.0, 9, 30.0
    m0 = mmc_abandon(lam, handle, c, patience, 0.0)
    assert m0.service_level == pytest.approx(1.0 - m0.p_wait, rel=1e-12)
    big = mmc_abandon(lam, handle, c, patience, 1e5)
    assert big.service_level == pytest.approx(1.0 - big.p_abandon, rel=1e-9)
    assert mmc_abandon(0.0, handle, c, patience, 5.0).service_level == 1.0


# ---------------------------------------------------------------- monotonicity (hypothesis)


@settings(max_examples=150, deadline=None)
@given(
    lam=st.floats(0.005, 2.0),
    handle=st.floats(5.0, 600.0),
    c=st.integers(1, 80),
    patience=st.floats(2.0, 1000.0),
    t=st.floats(0.0, 180.0),
)
def test_more_agents_never_hurt_erlang_a(lam: float, handle: float, c: int, patience: float, t: float) -> None:
    m1 = mmc_abandon(lam, handle, c, patience, t)
    m2 = mmc_abandon(lam, handle, c + 1, patience, t)
    tol = 1e-9
    assert m2.service_level >= m1.service_level - tol
    assert m2.mean_wait_s <= m1.mean_wait_s * (1 + tol) + tol
    assert m2.p_abandon <= m1.p_abandon + tol
    assert m2.p_wait <= m1.p_wait + tol
    for m in (m1, m2):
        assert 0.0 <= m.service_level <= 1.0 - m.p_abandon + tol
        assert 0.0 <= m.p_abandon <= m.p_wait + tol
        assert 0.0 <= m.occupancy <= 1.0


@settings(max_examples=150, deadline=None)
@given(
    lam=st.floats(0.005, 2.0),
    handle=st.floats(5.0, 600.0),
    extra=st.integers(1, 30),
    t=st.floats(0.0, 180.0),
)
def test_more_agents_never_hurt_erlang_c(lam: float, handle: float, extra: int, t: float) -> None:
    c = int(math.floor(lam * handle)) + extra
    m1 = mmc(lam, handle, c, t)
    m2 = mmc(lam, handle, c + 1, t)
    assert m2.service_level >= m1.service_level - 1e-12
    assert m2.mean_wait_s <= m1.mean_wait_s * (1 + 1e-12)
    assert m2.p_wait <= m1.p_wait + 1e-12


# ---------------------------------------------------------------- staffing


def _meets(lam: float, handle: float, c: int, target: float, t: float, patience: float | None, max_ab: float | None) -> bool:
    if patience is None:
        if c <= lam * handle:
            return False
        m = mmc(lam, handle, c, t)
    else:
        m = mmc_abandon(lam, handle, c, patience, t)
    return m.service_level >= target and (max_ab is None or m.p_abandon <= max_ab)


@pytest.mark.parametrize(
    ("lam", "handle", "target", "t", "patience", "max_ab"),
    [
        (190 / 300, 300.0, 0.8, 20.0, None, None),
        (190 / 300, 300.0, 0.8, 20.0, 120.0, None),
        (190 / 300, 300.0, 0.5, 20.0, 120.0, 0.01),  # abandonment cap binds
        (0.05, 240.0, 0.9, 30.0, None, None),
        (0.05, 240.0, 0.0, 30.0, None, None),  # only stability needed
        (3.0, 60.0, 0.95, 10.0, 45.0, 0.02),
    ],
)
def test_staffing_returns_minimum(
    lam: float, handle: float, target: float, t: float, patience: float | None, max_ab: float | None
) -> None:
    n = agents_for_service_level(lam, handle, target, t, patience_mean_s=patience, max_abandon=max_ab)
    assert _meets(lam, handle, n, target, t, patience, max_ab)
    assert n == 1 or not _meets(lam, handle, n - 1, target, t, patience, max_ab)
    if patience is None:
        assert n > lam * handle


def test_staffing_known_erlang_c_example() -> None:
    # classic: 100 calls / 30 min, AHT 180 s -> a = 10 E; 80/20 needs 14 agents
    # (13 agents give 79.6 %, 14 give 88.8 %)
    lam, handle = 100 / 1800, 180.0
    n = agents_for_service_level(lam, handle, 0.8, 20.0)
    assert n == 14
    # independent closed form check of the boundary using the direct Erlang C
    for c, ok in ((13, False), (14, True)):
        sl = 1 - direct_erlang_c(c, lam * handle) * math.exp(-(c / handle - lam) * 20.0)
        assert (sl >= 0.8) is ok


def test_staffing_abandonment_cap_can_only_add_agents() -> None:
    lam, handle = 190 / 300, 300.0
    base = agents_for_service_level(lam, handle, 0.5, 20.0, patience_mean_s=120.0)
    capped = agents_for_service_level(lam, handle, 0.5, 20.0, patience_mean_s=120.0, max_abandon=0.005)
    assert capped > base
    assert agents_for_service_level(0.0, handle, 0.8, 20.0) == 0


@settings(max_examples=40, deadline=None)
@given(
    lam=st.floats(0.01, 1.0),
    handle=st.floats(30.0, 400.0),
    target=st.floats(0.0, 0.97),
    t=st.floats(0.0, 60.0),
    patience=st.one_of(st.none(), st.floats(10.0, 600.0)),
)
def test_staffing_minimum_random(lam: float, handle: float, target: float, t: float, patience: float | None) -> None:
    n = agents_for_service_level(lam, handle, target, t, patience_mean_s=patience)
    assert _meets(lam, handle, n, target, t, patience, None)
    assert n == 1 or not _meets(lam, handle, n - 1, target, t, patience, None)
