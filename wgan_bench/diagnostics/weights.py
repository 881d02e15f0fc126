"""Critic weight statistics (WGAN-GP Fig. 1(b), right): pile-up at the clipping bound."""

from __future__ import annotations

import numpy as np


def flat_kernels(critic) -> np.ndarray:
    return np.concatenate([np.asarray(k).ravel() for k in critic.kernels()])


def weight_stats(w: np.ndarray, clip: float | None) -> dict[str, float]:
    """`clip_fraction`: share of |w| ≥ 0.95·c; `edge_fraction`: share of |w| ≥ 0.95·max|w|."""
    a = np.abs(w)
    out = {"edge_fraction": float(np.mean(a >= 0.95 * a.max())), "weight_abs_max": float(a.max())}
    if clip is not None:
        out["clip_fraction"] = float(np.mean(a >= 0.95 * clip))
    return out


def weight_sample(w: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """A fixed random subset of the weights, for histograms."""
    if w.size <= n:
        return w.astype(np.float32)
    idx = np.random.default_rng(seed).choice(w.size, n, replace=False)
    return w[np.sort(idx)].astype(np.float32)
