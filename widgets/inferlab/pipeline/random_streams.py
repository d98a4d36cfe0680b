"""Independent, seeded random streams and the samplers the pipeline draws from.

Each source of randomness (arrivals, prompt popularity, token counts, worker
crashes, ...) owns its own :class:`random.Random`, seeded from the run seed and
the source's name.  Changing one control therefore changes only the draws of
the stream it touches: the k-th request keeps its prompt and token counts
whether the cache is on or off.  String seeds go through SHA-512 inside
``random.seed`` (version 2), so the streams are identical on every platform,
CPython or Pyodide.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable

#: The named sources; each gets its own stream.
STREAM_NAMES = (
    "arrivals",     # inter-arrival gaps and diurnal thinning
    "bursts",       # on/off durations of the bursty pattern
    "popularity",   # which prompt (cache key) a request carries
    "prompt_tokens",
    "output_tokens",
    "service",      # --service-dist override: service times
    "failures",     # worker crashes (at-least-once redelivery)
)


class Streams:
    """One ``random.Random`` per name, derived from a single integer seed."""

    __slots__ = ("seed", "_streams")

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._streams = {name: random.Random(f"inferlab.pipeline:{seed}:{name}") for name in STREAM_NAMES}

    def __getitem__(self, name: str) -> random.Random:
        return self._streams[name]


class ZipfSampler:
    """Draw ranks 1..n with P(k) proportional to k**-s, in O(1) time and memory.

    Rejection-inversion sampling (W. Hörmann and G. Derflinger, "Rejection-
    inversion to generate variates from monotone discrete distributions",
    ACM TOMACS 6(3), 1996): invert the integral H of the continuous density
    x**-s over [k - 1/2, k + 1/2] cells and accept with a cheap test; the
    expected number of iterations is close to 1.  Works for any s >= 0 and
    key spaces far too large for a table (10**9 keys).
    """

    __slots__ = ("n", "s", "_h_x1", "_h_n", "_squeeze", "_rand", "_span", "_one_minus_s", "_inv")

    def __init__(self, n: int, s: float, rng: random.Random) -> None:
        self.n = n
        self.s = s
        self._rand = rng.random
        self._h_x1 = self._big_h(1.5) - 1.0
        self._h_n = self._big_h(n + 0.5)
        self._squeeze = 2.0 - self._big_h_inv(self._big_h(2.5) - 2.0 ** -s)
        # Constants of the sampling loop, computed once.
        self._span = self._h_x1 - self._h_n
        self._one_minus_s = 1.0 - s
        self._inv = 1.0 / (1.0 - s) if abs(1.0 - s) > 1e-6 else 0.0

    def _big_h(self, x: float) -> float:
        """Integral of t**-s from 1 to x: (x**(1-s) - 1) / (1-s), or log x at s = 1."""
        log_x = math.log(x)
        return _expm1_over_x((1.0 - self.s) * log_x) * log_x

    def _big_h_inv(self, y: float) -> float:
        """Inverse of :meth:`_big_h`."""
        t = max(-1.0, y * (1.0 - self.s))
        return math.exp(_log1p_over_x(t) * y)

    def sample(self) -> int:
        """One rank in 1..n (1 is the most popular key)."""
        n = self.n
        h_n, span, squeeze = self._h_n, self._span, self._squeeze
        rand = self._rand
        one_minus_s = self._one_minus_s
        if abs(one_minus_s) > 1e-6:
            # Closed forms of H and its inverse, cheaper than the log/expm1 helpers.
            inv = self._inv
            neg_s = -self.s
            while True:
                u = h_n + rand() * span
                t = 1.0 + u * one_minus_s
                x = t ** inv if t > 0.0 else 0.0
                k = int(x + 0.5)
                if k < 1:
                    k = 1
                elif k > n:
                    k = n
                if k - x <= squeeze or u >= ((k + 0.5) ** one_minus_s - 1.0) * inv - k ** neg_s:
                    return k
        big_h, big_h_inv, s = self._big_h, self._big_h_inv, self.s
        while True:
            u = h_n + rand() * span
            x = big_h_inv(u)
            k = int(x + 0.5)
            if k < 1:
                k = 1
            elif k > n:
                k = n
            if k - x <= squeeze or u >= big_h(k + 0.5) - k ** -s:
                return k


def _log1p_over_x(x: float) -> float:
    """log(1+x)/x, continuous at 0."""
    return math.log1p(x) / x if abs(x) > 1e-8 else 1.0 - x * (0.5 - x / 3.0)


def _expm1_over_x(x: float) -> float:
    """(exp(x)-1)/x, continuous at 0."""
    return math.expm1(x) / x if abs(x) > 1e-8 else 1.0 + x * (0.5 + x / 6.0)


#: Resolution of the tabulated normal quantile function used by TokenCount.
QUANTILE_POINTS = 4096
_LAST_CELL = QUANTILE_POINTS - 1  # cells 1 .. N-2 are interpolated, 0 and N-1 are exact tails


@functools.lru_cache(maxsize=1)
def _normal_quantiles() -> tuple[float, ...]:
    """Standard normal quantiles at i / QUANTILE_POINTS, i = 1 .. QUANTILE_POINTS - 1."""
    import statistics  # on first use: --ideal runs draw no token counts

    inv = statistics.NormalDist().inv_cdf
    return tuple(inv(i / QUANTILE_POINTS) for i in range(1, QUANTILE_POINTS))


@functools.lru_cache(maxsize=8)
def _lognormal_tables(mu: float, sigma: float, cap: int) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """(table, cells) for :class:`TokenCount`, shared by every sampler with these parameters.

    ``table[i]`` is the quantile at i / N (``table[0]`` is unused); ``cells[i]``
    is the count every draw u in [i, i+1) / N gives, or 0 where it varies.
    """
    table = (0.0,) + tuple(math.exp(mu + sigma * z) for z in _normal_quantiles())
    cells = [0] * QUANTILE_POINTS
    for i in range(1, _LAST_CELL):
        lo, hi = table[i], table[i + 1]
        k = int(lo + 0.5)
        margin = 1e-9 * (1.0 + hi)  # far beyond any rounding in the interpolation
        if k == int(hi + 0.5) and lo + 0.5 - k > margin and k + 1 - (hi + 0.5) > margin:
            cells[i] = 1 if k < 1 else (cap if k > cap else k)
    return table, tuple(cells)


class TokenCount:
    """Token counts with a given mean and coefficient of variation (cv).

    cv = 0 gives a fixed count; otherwise a log-normal, the usual shape of
    prompt and completion lengths in serving traces (heavy right tail), with
    sigma**2 = ln(1 + cv**2) and mu = ln(mean) - sigma**2 / 2 so that the mean
    is *mean* before rounding.  Draws are rounded and clamped to 1..cap.

    Sampling is by inversion with one uniform draw: the log-normal quantile
    function is tabulated at 4096 points and interpolated linearly; the
    outer 1/4096 of each tail uses the exact quantile.  (Four times faster
    than ``random.lognormvariate`` in CPython; the interpolation error is
    far below the rounding to whole tokens.)  Most cells between two table
    points round to one count wherever the draw falls in them; those counts
    are looked up directly, with the same results as interpolating.
    """

    __slots__ = ("mean", "cv", "cap", "_sigma", "_random", "_table", "_inv", "_cells")

    def __init__(self, mean: float, cv: float, cap: int, rng: random.Random) -> None:
        self.mean = mean
        self.cv = cv
        self.cap = cap
        sigma2 = math.log1p(cv * cv)
        self._sigma = sigma = math.sqrt(sigma2)
        mu = math.log(mean) - sigma2 / 2.0
        self._random = rng.random
        self._inv: Callable[[float], float] | None = None
        if sigma > 0:
            import statistics  # see _normal_quantiles

            self._inv = statistics.NormalDist(mu, sigma).inv_cdf
        self._table, self._cells = _lognormal_tables(mu, sigma, cap) if sigma > 0 else ((), ())

    def sample(self) -> int:
        """One token count (an int in 1..cap)."""
        if self._sigma == 0.0:  # cv = 0 (or too small to matter): always the mean
            k = int(self.mean + 0.5)
            return 1 if k < 1 else (self.cap if k > self.cap else k)
        u = self._random() * QUANTILE_POINTS
        return self._cells[int(u)] or self.at(u)

    def expected(self) -> float:
        """The mean of what :meth:`sample` draws: the capped, rounded distribution, not the nominal *mean*."""
        return expected_count(self.mean, self.cv, self.cap)

    def at(self, u: float) -> int:
        """The count for the draw ``u / N`` (0 <= u < N), by interpolation or in the tails exactly."""
        i = int(u)
        if 0 < i < _LAST_CELL:
            table = self._table
            lo = table[i]
            x = lo + (table[i + 1] - lo) * (u - i)
        else:  # the extreme tails: exact
            inv = self._inv
            assert inv is not None  # at() runs only with sigma > 0 (see sample)
            p = u / QUANTILE_POINTS
            x = math.exp(inv(p if p > 0.0 else 1e-300))
        k = int(x + 0.5)
        if k < 1:
            return 1
        return self.cap if k > self.cap else k


#: Points per tail cell of the numerical mean (the outer 1/4096 of each tail is drawn from the exact quantile).
_TAIL_POINTS = 128


@functools.lru_cache(maxsize=32)
def expected_count(mean: float, cv: float, cap: int) -> float:
    """E[TokenCount(mean, cv, cap).sample()]: exact over the interpolated cells, numerical in the two tails.

    Inside cell i a draw is ``x = lo + (hi - lo) f`` with f uniform on
    [0, 1), and the count is ``clamp(floor(x + 0.5), 1, cap)``, so the cell's
    mean is the integral of the clamped floor function over ``[lo + 0.5,
    hi + 0.5)`` divided by its width (:func:`_clamped_floor_integral`).
    """
    sampler = TokenCount(mean, cv, cap, random.Random(0))
    if sampler._sigma == 0.0:
        return float(sampler.sample())
    table, cells = sampler._table, sampler._cells
    total = 0.0
    for i in range(1, _LAST_CELL):
        if cells[i]:
            total += cells[i]
            continue
        a, b = table[i] + 0.5, table[i + 1] + 0.5
        total += (_clamped_floor_integral(b, cap) - _clamped_floor_integral(a, cap)) / (b - a)
    for i in (0, _LAST_CELL):  # the tails: midpoint rule on the exact quantile
        total += sum(sampler.at(i + (j + 0.5) / _TAIL_POINTS) for j in range(_TAIL_POINTS)) / _TAIL_POINTS
    return total / QUANTILE_POINTS


def _clamped_floor_integral(y: float, cap: int) -> float:
    """The integral from 0 to *y* of ``clamp(floor(t), 1, cap)`` dt (y >= 0)."""
    if y <= 1.0:
        return y
    if y > cap + 1:
        return _clamped_floor_integral(cap + 1.0, cap) + cap * (y - cap - 1)
    n = math.floor(y)
    return 1.0 + n * (n - 1) / 2.0 + n * (y - n)  # 1 for [0, 1), then the floor function's own integral
