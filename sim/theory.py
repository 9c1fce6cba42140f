"""Queueing formulas used to validate the simulation and to staff a contact centre.

Units: rates are per second, times are seconds, offered load is in Erlangs
(arrival rate x mean handle time).  Standard library and numpy only.

* Erlang B / Erlang C: blocking and waiting probability of M/M/c(/c).
* :func:`mmc`: Erlang C (M/M/c, infinite patience).
* :func:`mmc_abandon`: Erlang A (M/M/c+M, exponential patience, FIFO), computed
  exactly from the birth-death chain of the number in system.

Erlang A service level, derivation.  An arrival that finds ``c + k`` customers in
the system (probability ``pi_{c+k}`` by PASTA) has ``k`` customers ahead in the
queue.  With ``j`` ahead, its position drops at rate ``c*mu + j*theta`` and it
abandons at rate ``theta``, so each of its ``k + 1`` phases lasts an
``Exp(c*mu + (j+1)*theta)`` time (independent of how the phase ends) and ends in
progress with probability ``(c*mu + j*theta) / (c*mu + (j+1)*theta)``.  Hence,
with ``b = c*mu/theta``:

* P(answered | k) = ``b / (b + k + 1)`` (telescoping product);
* P(answered within t | k) = P(answered | k) * P(sum of the k+1 phases <= t), and
  ``exp(-theta * sum)`` is Beta(b+1, k+1) distributed;
* summing over ``pi_{c+k} = pi_c (lambda/theta)^k / (b+1)_k`` collapses the
  series, so the density of "answered after waiting exactly s" is
  ``h(s) = pi_c * c*mu * exp(-(c*mu + theta) s + (lambda/theta)(1 - exp(-theta s)))``
  which is log-concave and integrated with composite Gauss-Legendre quadrature.
  For theta -> 0 it becomes Erlang C's ``C (c*mu - lambda) exp(-(c*mu - lambda) s)``.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np

__all__ = [
    "QueueMetrics",
    "agents_for_service_level",
    "erlang_b",
    "erlang_c",
    "mmc",
    "mmc_abandon",
]

_TAIL_TOL = 1e-13  # truncated stationary mass of the Erlang A chain (relative)
_MAX_STATES = 2_000_000  # refuse chains longer than this (pathological inputs)
_LOG_DROP = 50.0  # integrate h(s) where log h >= max log h - _LOG_DROP
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state performance of one queue.

    p_wait: probability an arriving customer is not answered immediately.
    mean_wait_s: mean time in queue over ALL arrivals, in seconds (abandoning
        customers contribute their time until abandonment; immediate answers 0).
    service_level: share of ALL arrivals answered within threshold_s (wait <=
        threshold_s); abandoned customers count as failures.
    p_abandon: share of arrivals who abandon (0 for Erlang C).
    asa_s: average speed of answer, seconds: mean wait of answered customers only
        (immediately answered customers count with wait 0).
    occupancy: agent utilisation, mean busy agents / agents, in [0, 1].
    """

    p_wait: float
    mean_wait_s: float
    service_level: float
    p_abandon: float
    asa_s: float
    occupancy: float


# ---------------------------------------------------------------- validation


def _agents(agents: int, minimum: int = 1) -> int:
    if isinstance(agents, bool):
        raise TypeError("agents must be an integer, got bool")
    try:
        c = operator.index(agents)
    except TypeError:
        raise TypeError(f"agents must be an integer, got {agents!r}") from None
    if c < minimum:
        raise ValueError(f"agents must be >= {minimum}, got {c}")
    return c


def _nonneg(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


def _positive(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v <= 0.0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v


# ---------------------------------------------------------------- Erlang B / C


def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability of M/M/c/c with ``c`` servers and offered load ``a`` Erlangs.

    Uses the stable recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)).
    """
    c = _agents(c, minimum=0)
    a = _nonneg("offered load a", a)
    b = 1.0
    for k in range(1, c + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability an arrival waits in M/M/c with offered load ``a`` Erlangs.

    Returns 1.0 when the queue is unstable (a >= c).
    """
    c = _agents(c, minimum=0)
    a = _nonneg("offered load a", a)
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


# ---------------------------------------------------------------- Erlang C metrics


def mmc(arrival_rate_per_s: float, mean_handle_s: float, agents: int, threshold_s: float) -> QueueMetrics:
    """Erlang C (M/M/c, infinite patience) metrics; times in seconds, rates per second.

    service_level = 1 - C exp(-(c mu - lambda) t); mean_wait_s = asa_s = C / (c mu - lambda).
    Raises ValueError if the offered load lambda * mean_handle_s >= agents.
    """
    lam = _nonneg("arrival_rate_per_s", arrival_rate_per_s)
    handle = _positive("mean_handle_s", mean_handle_s)
    c = _agents(agents)
    t = _nonneg("threshold_s", threshold_s)
    a = lam * handle
    if a >= c:
        raise ValueError(
            f"unstable Erlang C queue: offered load {a:.6g} Erlangs "
            f"(arrival_rate_per_s * mean_handle_s) must be below agents = {c}"
        )
    if lam == 0.0:
        return QueueMetrics(0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    p_wait = erlang_c(c, a)
    drain = c / handle - lam  # c*mu - lambda, per second
    mean_wait = p_wait / drain
    sl = 1.0 - p_wait * math.exp(-drain * t)
    return QueueMetrics(
        p_wait=p_wait,
        mean_wait_s=mean_wait,
        service_level=min(1.0, max(0.0, sl)),
        p_abandon=0.0,
        asa_s=mean_wait,
        occupancy=a / c,
    )


# ---------------------------------------------------------------- Erlang A


def _erlang_a_distribution(lam: float, mu: float, theta: float, c: int) -> np.ndarray:
    """Stationary distribution pi_0..pi_N of the M/M/c+M number in system (tail < _TAIL_TOL)."""
    a = lam / mu
    if a <= c:
        mode, var = a, max(a, 1.0)
    else:
        mode, var = c + (lam - c * mu) / theta, max(lam / theta, 1.0)
    n_max = int(math.ceil(mode + 12.0 * math.sqrt(var) + 40.0))
    while True:
        if n_max > _MAX_STATES:
            raise ValueError(
                "Erlang A state space too large (patience too long for an overloaded queue); "
                "use a shorter patience_mean_s or more agents"
            )
        n = np.arange(1, n_max + 2, dtype=float)
        death = np.minimum(n, c) * mu + np.maximum(n - c, 0.0) * theta
        log_ratio = math.log(lam) - np.log(death)
        logw = np.empty(n_max + 1)
        logw[0] = 0.0
        np.cumsum(log_ratio[:-1], out=logw[1:])
        logw -= logw.max()
        w = np.exp(logw)
        total = w.sum()
        r = lam / death[-1]  # ratio pi_{N+1}/pi_N; later ratios are smaller
        if r < 1.0:
            tail = w[-1] * r / (1.0 - r) / total
            if tail < _TAIL_TOL:
                return w / total
            extra = math.log(_TAIL_TOL * (1.0 - r) * total / w[-1]) / math.log(r)
            n_max = int(n_max + math.ceil(extra) + 1)
        else:
            n_max *= 2


def _answered_within(lam: float, cmu: float, theta: float, pi_c: float, t: float) -> float:
    """P(wait > 0 and answered with wait <= t) = integral_0^t h(s) ds for Erlang A (see module doc)."""
    if t <= 0.0 or pi_c <= 0.0:
        return 0.0
    rate = cmu + theta
    log_k = math.log(pi_c) + math.log(cmu)
    ratio = lam / theta

    def log_h(s: float) -> float:
        return log_k - rate * s - ratio * math.expm1(-theta * s)

    def slope(s: float) -> float:
        return -rate + lam * math.exp(-theta * s)

    peak = math.log(lam / rate) / theta if lam > rate else 0.0
    top = log_h(peak) - _LOG_DROP
    # lower end: log h is concave, increasing on [0, peak]
    if log_h(0.0) >= top:
        lo = 0.0
    else:
        x0, x1 = 0.0, peak
        for _ in range(200):
            mid = 0.5 * (x0 + x1)
            if log_h(mid) < top:
                x0 = mid
            else:
                x1 = mid
            if x1 - x0 <= 1e-12 * max(1.0, x1):
                break
        lo = x0
    if lo >= t:
        return 0.0
    # upper end: decreasing after peak; bracket then bisect
    step = max(1.0 / rate, 1e-12)
    x0, x1 = peak, peak + step
    while log_h(x1) >= top and x1 < t:
        x0, x1 = x1, x1 + 2.0 * (x1 - peak)
    hi = min(t, x1)
    if hi < t:
        for _ in range(200):
            mid = 0.5 * (x0 + x1)
            if log_h(mid) >= top:
                x0 = mid
            else:
                x1 = mid
            if x1 - x0 <= 1e-12 * max(1.0, x1):
                break
        hi = min(t, x1)
    width = hi - lo
    if width <= 0.0:
        return 0.0
    steep = max(abs(slope(lo)), abs(slope(hi)))
    curve = math.sqrt(lam * theta * math.exp(-theta * lo))
    panels = int(min(100_000, max(1, math.ceil(max(steep * width / 4.0, curve * width / 2.0)))))
    edges = np.linspace(lo, hi, panels + 1)
    half = 0.5 * (edges[1:] - edges[:-1])
    mids = 0.5 * (edges[1:] + edges[:-1])
    s = mids[:, None] + half[:, None] * _GL_X[None, :]
    vals = np.exp(log_k - rate * s - ratio * np.expm1(-theta * s))
    return float(np.sum((vals @ _GL_W) * half))


def mmc_abandon(
    arrival_rate_per_s: float,
    mean_handle_s: float,
    agents: int,
    patience_mean_s: float,
    threshold_s: float,
) -> QueueMetrics:
    """Erlang A (M/M/c+M, exponential patience, FIFO) metrics; times in seconds, rates per second.

    From the stationary distribution pi_n of the number in system (theta = 1/patience):
    p_wait = sum_{n>=c} pi_n; mean_wait_s = E[Lq]/lambda (over all arrivals, abandoners
    counted until they abandon); p_abandon = theta E[Lq]/lambda; service_level =
    P(no wait) + P(answered after waiting <= threshold_s); asa_s = E[wait | answered].
    ``patience_mean_s = math.inf`` gives Erlang C (:func:`mmc`).
    """
    lam = _nonneg("arrival_rate_per_s", arrival_rate_per_s)
    handle = _positive("mean_handle_s", mean_handle_s)
    c = _agents(agents)
    t = _nonneg("threshold_s", threshold_s)
    patience = float(patience_mean_s)
    if patience == math.inf:
        return mmc(lam, handle, c, t)
    patience = _positive("patience_mean_s", patience)
    if lam == 0.0:
        return QueueMetrics(0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    mu = 1.0 / handle
    theta = 1.0 / patience
    cmu = c * mu
    pi = _erlang_a_distribution(lam, mu, theta, c)
    pi_c = float(pi[c]) if len(pi) > c else 0.0
    q = pi[c:]  # pi_{c+k}, k = 0..K
    k = np.arange(len(q), dtype=float)
    p_wait = float(q.sum())
    p_now = max(0.0, 1.0 - p_wait)
    mean_lq = float(np.dot(k, q))
    mean_wait = mean_lq / lam
    p_abandon = min(1.0, theta * mean_lq / lam)
    # tagged customer with k ahead: phase rates c*mu + (j+1)*theta, j = 0..k
    phase_rate = cmu + (k + 1.0) * theta
    p_served_k = cmu / phase_rate
    mean_time_k = np.cumsum(1.0 / phase_rate)
    served_after_wait = float(np.dot(q, p_served_k))
    wait_served = float(np.dot(q, p_served_k * mean_time_k))
    p_answered = p_now + served_after_wait
    asa = wait_served / p_answered if p_answered > 0.0 else 0.0
    sl = p_now + _answered_within(lam, cmu, theta, pi_c, t)
    sl = min(sl, p_answered)
    busy = float(np.dot(np.minimum(np.arange(len(pi)), c), pi))
    return QueueMetrics(
        p_wait=p_wait,
        mean_wait_s=mean_wait,
        service_level=min(1.0, max(0.0, sl)),
        p_abandon=p_abandon,
        asa_s=asa,
        occupancy=min(1.0, busy / c),
    )


# ---------------------------------------------------------------- staffing


def agents_for_service_level(
    arrival_rate_per_s: float,
    mean_handle_s: float,
    target_sl: float,
    threshold_s: float,
    patience_mean_s: float | None = None,
    max_abandon: float | None = None,
) -> int:
    """Fewest agents whose service level (share answered within threshold_s seconds) >= target_sl.

    Erlang C when patience_mean_s is None (only stable staffings qualify), Erlang A
    otherwise; if max_abandon is given, p_abandon <= max_abandon is also required.
    Returns 0 when there are no arrivals.  target_sl must lie in [0, 1).
    """
    lam = _nonneg("arrival_rate_per_s", arrival_rate_per_s)
    handle = _positive("mean_handle_s", mean_handle_s)
    t = _nonneg("threshold_s", threshold_s)
    target = float(target_sl)
    if not 0.0 <= target < 1.0:
        raise ValueError(f"target_sl must be in [0, 1), got {target_sl!r}")
    if max_abandon is not None:
        max_ab = float(max_abandon)
        if not 0.0 < max_ab <= 1.0:
            raise ValueError(f"max_abandon must be in (0, 1], got {max_abandon!r}")
    if patience_mean_s is not None:
        patience = float(patience_mean_s)
        if not patience > 0.0:
            raise ValueError(f"patience_mean_s must be > 0, got {patience_mean_s!r}")
    if lam == 0.0:
        return 0
    a = lam * handle

    def ok(c: int) -> bool:
        if c <= 0:
            return False
        if patience_mean_s is None:
            if a >= c:
                return False
            m = mmc(lam, handle, c, t)
        else:
            m = mmc_abandon(lam, handle, c, patience_mean_s, t)
        if m.service_level < target:
            return False
        return max_abandon is None or m.p_abandon <= float(max_abandon)

    lo = int(math.floor(a)) if patience_mean_s is None else 0  # fails: unstable / no agents
    hi = max(lo + 1, int(math.ceil(a)))
    gap = 1
    while not ok(hi):
        lo = hi
        hi += gap
        gap *= 2
        if hi > 10_000_000:
            raise ValueError("no staffing up to 10,000,000 agents meets the target")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi
