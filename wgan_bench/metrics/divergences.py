"""KL, JS, TV and W1 between P = N(0, 1) and Q = N(mu, 1), and their derivatives in mu.

JS has no closed form; it is integrated numerically with adaptive quadrature:
JS = log 2 − E_{x~P}[softplus(mu·x − mu²/2)] (both halves of the JS sum are equal by
symmetry). The gap log 2 − JS is computed directly so it keeps its precision when JS is
within 1e-13 of log 2. KL is integrated from the log density ratio (closed form mu²/2),
TV = 2Φ(mu/2) − 1, and W1 from the quantile formula ∫|F_P⁻¹(u) − F_Q⁻¹(u)| du (= |mu|).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import integrate, special, stats

LOG2 = math.log(2.0)


def _expect_p(g, mu: float) -> float:
    """E_{x~N(0,1)} g(x), with the breakpoint of the logistic at x = mu/2 given to quad."""
    f = lambda x: stats.norm.pdf(x) * g(x)  # noqa: E731
    pts = sorted({-8.0, mu / 2.0, 8.0})
    lo, hi = min(pts[0], mu / 2 - 12), max(pts[-1], mu / 2 + 12)
    total = 0.0
    edges = [lo, *[p for p in pts if lo < p < hi], hi]
    for a, b in itertools.pairwise(edges):
        total += integrate.quad(f, a, b, limit=200, epsabs=0.0, epsrel=1e-12)[0]
    return total


def js_gap(mu: float) -> float:
    """log 2 − JS(P, Q)."""
    return _expect_p(lambda x: np.logaddexp(0.0, mu * x - mu * mu / 2.0), mu)


def js(mu: float) -> float:
    return LOG2 - js_gap(mu)


def djs_dmu(mu: float) -> float:
    """d JS / d mu = −E_P[σ(mu·x − mu²/2)·(x − mu)]."""
    return -_expect_p(lambda x: special.expit(mu * x - mu * mu / 2.0) * (x - mu), mu)


def kl(mu: float) -> float:
    """KL(P‖Q) by integrating the log density ratio log p/q = mu²/2 − mu·x."""
    return _expect_p(lambda x: mu * mu / 2.0 - mu * x, mu)


def dkl_dmu(mu: float) -> float:
    return _expect_p(lambda x: mu - x, mu)


def tv(mu: float) -> float:
    return 2.0 * stats.norm.cdf(abs(mu) / 2.0) - 1.0


def dtv_dmu(mu: float) -> float:
    return stats.norm.pdf(mu / 2.0) * np.sign(mu)


def w1(mu: float) -> float:
    """W1 from the quantile coupling, integrated over u in (0, 1)."""
    return integrate.quad(lambda u: abs(stats.norm.ppf(u) - (stats.norm.ppf(u) + mu)), 0.0, 1.0)[0]


def central_difference(fn, x: float, h: float = 1e-4) -> float:
    return (fn(x + h) - fn(x - h)) / (2.0 * h)


def gaussian_table(mus) -> dict[str, np.ndarray]:
    """Every divergence and its derivative on a grid of mu (arrays for figures and claims)."""
    mus = np.asarray(mus, dtype=float)
    gap = np.array([js_gap(m) for m in mus])
    out = {"mu": mus,
           "kl": np.array([kl(m) for m in mus]), "kl_closed": mus ** 2 / 2,
           "js": LOG2 - gap, "js_gap": gap,
           "tv": np.array([tv(m) for m in mus]), "w1": np.array([w1(m) for m in mus]),
           "dkl": np.array([dkl_dmu(m) for m in mus]), "djs": np.array([djs_dmu(m) for m in mus]),
           "dtv": np.array([dtv_dmu(m) for m in mus]),
           "dw1": np.array([central_difference(w1, m, 1e-3) if m > 1e-3 else np.nan for m in mus])}
    return out
