"""Confidence intervals over replications: Student-t quantiles without SciPy.

Every interval here is over independent replications (one value per seed), so
a t interval is valid.  Paired differences use the same seed for both sides
(common random numbers) and are one value per replication as well.

The t distribution function is exact for whole degrees of freedom: Abramowitz
& Stegun 26.7.3 and 26.7.4 give P(|T| <= t) as a finite sum in theta =
atan(t / sqrt(df)).  The quantile starts from the Cornish-Fisher expansion
(A&S 26.7.5) and is polished by Newton's method on that exact function.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

_NORMAL = NormalDist()
_SERIES_MAX_DF = 2000  # beyond this the Cornish-Fisher expansion alone is exact to ~1e-13


def _two_sided(t: float, df: int) -> float:
    """P(|T| <= t) for t >= 0 and whole df >= 1 (A&S 26.7.3 / 26.7.4)."""
    theta = math.atan(t / math.sqrt(df))
    s, c2 = math.sin(theta), math.cos(theta) ** 2
    if df % 2:
        if df == 1:
            return 2.0 * theta / math.pi
        term, total = math.cos(theta), math.cos(theta)
        for k in range(3, df - 1, 2):  # terms cos^k, coefficients 2/3, 2*4/(3*5), ...
            term *= c2 * (k - 1) / k
            total += term
            if term < 1e-17 * total:
                break
        return 2.0 / math.pi * (theta + s * total)
    term, total = 1.0, 1.0
    for k in range(2, df - 1, 2):  # terms cos^k, coefficients 1/2, 1*3/(2*4), ...
        term *= c2 * (k - 1) / k
        total += term
        if term < 1e-17 * total:
            break
    return s * total


def t_cdf(x: float, df: int) -> float:
    """Student-t distribution function with `df` (whole, >= 1) degrees of freedom."""
    _check_df(df)
    half = 0.5 * _two_sided(abs(x), df)
    return 0.5 + half if x >= 0 else 0.5 - half


def t_pdf(x: float, df: int) -> float:
    """Student-t density."""
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1) / 2 * math.log1p(x * x / df))


def _cornish_fisher(p: float, df: int) -> float:
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    x = _NORMAL.inv_cdf(p)
    x2 = x * x
    g1 = (x2 + 1) * x / 4
    g2 = ((5 * x2 + 16) * x2 + 3) * x / 96
    g3 = (((3 * x2 + 19) * x2 + 17) * x2 - 15) * x / 384
    g4 = ((((79 * x2 + 776) * x2 + 1482) * x2 - 1920) * x2 - 945) * x / 92160
    n = float(df)
    return x + g1 / n + g2 / n**2 + g3 / n**3 + g4 / n**4


def t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t with `df` degrees of freedom (0 < p < 1)."""
    _check_df(df)
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p!r}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    if p == 0.5:
        return 0.0
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    t = _cornish_fisher(p, df)
    if df > _SERIES_MAX_DF:
        return t
    for _ in range(50):  # Newton on the exact distribution function
        step = (t_cdf(t, df) - p) / t_pdf(t, df)
        t = max(t - step, 0.5 * t)  # never jump past zero
        if abs(step) <= 1e-13 * max(1.0, t):
            break
    return t


def _check_df(df: int) -> None:
    if isinstance(df, bool) or not isinstance(df, int) or df < 1:
        raise ValueError(f"degrees of freedom must be a whole number >= 1, got {df!r}")


@dataclass(frozen=True)
class Interval:
    """A mean with a two-sided t confidence interval over `n` replications."""

    mean: float
    lo: float
    hi: float
    n: int
    level: float

    @property
    def half_width(self) -> float:
        return 0.5 * (self.hi - self.lo)

    def covers(self, x: float) -> bool:
        return self.lo <= x <= self.hi

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies wholly above or below zero."""
        return self.lo > 0.0 or self.hi < 0.0


def mean_interval(values: Iterable[float | None], level: float = 0.95) -> Interval | None:
    """t interval for the mean of independent values (None and NaN are skipped).

    Returns None without values; with one value the interval is infinitely wide.
    """
    xs = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    n = len(xs)
    if not n:
        return None
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    m = math.fsum(xs) / n
    if n == 1:
        return Interval(m, -math.inf, math.inf, 1, level)
    sd = math.sqrt(math.fsum((x - m) ** 2 for x in xs) / (n - 1))
    half = t_quantile(0.5 + level / 2.0, n - 1) * sd / math.sqrt(n)
    return Interval(m, m - half, m + half, n, level)


def paired_interval(variant: Sequence[float | None], base: Sequence[float | None],
                    level: float = 0.95) -> Interval | None:
    """t interval for the mean of variant[i] - base[i] over replications where both exist."""
    if len(variant) != len(base):
        raise ValueError(f"paired samples differ in length: {len(variant)} and {len(base)}")
    diffs = [float(v) - float(b) for v, b in zip(variant, base)
             if v is not None and b is not None and not math.isnan(float(v)) and not math.isnan(float(b))]
    return mean_interval(diffs, level)
