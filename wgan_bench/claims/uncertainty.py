"""How sure a verdict is: a 95 % interval of a seed aggregate, and an exact sign test."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

BOOTSTRAP_MIN_SEEDS = 5  # below this a bootstrap interval means little: report the seeds' range
BOOTSTRAP_RESAMPLES = 2000


@dataclass
class Evidence:
    """What a check measured per seed (`values`, aggregated by `stat`), or how many of `n` paired
    seeds satisfied it (`k`)."""

    values: np.ndarray = field(default_factory=lambda: np.empty(0))
    stat: Callable[[np.ndarray], float] | None = None
    k: int | None = None
    n: int | None = None


def interval(values: np.ndarray, stat, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """95 % percentile-bootstrap interval of `stat` over seeds; with fewer than 5 seeds, the range
    of `stat` over single seeds. NaN without values."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if stat is None or not len(values):
        return math.nan, math.nan
    if len(values) < BOOTSTRAP_MIN_SEEDS:
        singles = [stat(values[i:i + 1]) for i in range(len(values))]
        return float(min(singles)), float(max(singles))
    rng = np.random.default_rng(seed)  # fixed: the same tables give the same interval
    idx = rng.integers(0, len(values), size=(BOOTSTRAP_RESAMPLES, len(values)))
    stats = np.array([stat(values[row]) for row in idx])
    tail = (1 - level) / 2 * 100
    return float(np.percentile(stats, tail)), float(np.percentile(stats, 100 - tail))


def sign_test(k: int | None, n: int | None) -> float:
    """Exact one-sided sign test: P(X >= k) for X ~ Binomial(n, 1/2), the chance of k or more
    successes in n paired seeds if each way were equally likely."""
    if k is None or not n:
        return math.nan
    return sum(math.comb(n, i) for i in range(k, n + 1)) / 2**n
