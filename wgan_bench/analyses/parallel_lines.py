"""WGAN Example 1: P0 = (0, Z), P_theta = (theta, Z), Z ~ U[0, 1]; W = |theta|, JS = log 2, TV = 1.

W is exact OT (POT) between samples. JS and TV are computed between the two samples'
histograms on a grid finer than the smallest nonzero offset, so for theta != 0 the supports
are disjoint cells and the values are exact; at theta = 0 they measure sampling noise.
"""

from __future__ import annotations

import numpy as np

from ..metrics.transport import w1_samples

X_BIN, Y_BINS = 0.02, 20


def _lines(theta: float, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    p0 = np.stack([np.zeros(n), rng.uniform(size=n)], axis=1)
    p1 = np.stack([np.full(n, theta), rng.uniform(size=n)], axis=1)
    return p0, p1


def histogram_js_tv(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    lo = min(a[:, 0].min(), b[:, 0].min()) - X_BIN
    hi = max(a[:, 0].max(), b[:, 0].max()) + X_BIN
    edges = (np.arange(lo, hi + X_BIN, X_BIN), np.linspace(0, 1, Y_BINS + 1))
    p = np.histogram2d(a[:, 0], a[:, 1], bins=edges)[0].ravel()
    q = np.histogram2d(b[:, 0], b[:, 1], bins=edges)[0].ravel()
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2
    def kl_to_m(u):
        keep = u > 0
        return float(np.sum(u[keep] * np.log(u[keep] / m[keep])))

    return 0.5 * kl_to_m(p) + 0.5 * kl_to_m(q), 0.5 * float(np.abs(p - q).sum())


def parallel_lines(cfg, seed: int):
    rng = np.random.default_rng(seed)
    rows = []
    for theta in cfg.thetas:
        a, b = _lines(theta, cfg.samples, rng)
        js, tv = histogram_js_tv(a, b)
        rows.append((theta, w1_samples(a, b), js, tv))
    thetas, w, js, tv = map(np.array, zip(*rows, strict=True))
    nonzero = thetas != 0
    curve_t = np.linspace(-1, 1, 41)
    curve = [(w1_samples(*_lines(t, cfg.samples // 2, rng)), histogram_js_tv(*_lines(t, cfg.samples // 2, rng))[0])
             for t in curve_t]
    err = np.abs(w - np.abs(thetas))
    scalars = {"lines_w_abs_err_max": float(np.max(err)),
               # at θ = 0 the two samples share a line and W is pure sampling distance, not 0
               "lines_w_abs_err_max_nonzero": float(np.max(err[nonzero])) if nonzero.any() else float("nan"),
               "lines_js_min_nonzero": float(js[nonzero].min()), "lines_tv_min_nonzero": float(tv[nonzero].min()),
               "lines_js_at_0": float(js[~nonzero].max()) if (~nonzero).any() else float("nan")}
    return scalars, {"theta": thetas, "w": w, "js": js, "tv": tv, "curve_theta": curve_t,
                     "curve_w": np.array([c[0] for c in curve]), "curve_js": np.array([c[1] for c in curve])}
