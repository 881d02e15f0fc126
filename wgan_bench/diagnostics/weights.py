"""Critic weight statistics (WGAN-GP Fig. 1(b), right): pile-up at the clipping bound.

weight_stats: shares of weights at the method's bound (clipping only) and at their own extreme;
weight_hist: a fixed sample of the weights at step 0 and at the end, for histograms.
"""

from __future__ import annotations

import numpy as np

from .base import Diagnostic


def flat_kernels(critic) -> np.ndarray:
    return np.concatenate([np.asarray(k).ravel() for k in critic.kernels()])


def edge_share(w: np.ndarray) -> float:
    a = np.abs(w)
    return float(np.mean(a >= 0.95 * a.max()))


def weight_stats(kernels: list, clip: float | None) -> dict[str, float]:
    """`clip_fraction`: share of |w| ≥ 0.95·c; `edge_fraction`: share of |w| ≥ 0.95·max|w|;
    `edge_fraction_layers`: the largest over the kernels of that share within one layer (layers
    differ in scale, so the pooled share hides a pile-up in one layer). Uniform weights give 0.05."""
    kernels = [np.asarray(k) for k in kernels]
    w = np.concatenate([k.ravel() for k in kernels])
    a = np.abs(w)
    out = {"edge_fraction": edge_share(w), "weight_abs_max": float(a.max()),
           "edge_fraction_layers": max(edge_share(k) for k in kernels)}
    if clip is not None:
        out["clip_fraction"] = float(np.mean(a >= 0.95 * clip))
    return out


def weight_sample(w: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """A fixed random subset of the weights, for histograms."""
    if w.size <= n:
        return w.astype(np.float32)
    idx = np.random.default_rng(seed).choice(w.size, n, replace=False)
    return w[np.sort(idx)].astype(np.float32)


class WeightStats(Diagnostic):
    def record(self, step, logs):
        return weight_stats(self.model.critic.kernels(), self.model.method.weight_bound())


class WeightHist(Diagnostic):
    persist = ("weights",)

    def start(self, cfg):
        self.weights = {}
        return super().start(cfg)

    def record(self, step, logs):
        if step == 0:
            self.weights["initial"] = weight_sample(flat_kernels(self.model.critic), self.cfg.record.weight_sample)
        return {}

    def artifacts(self):
        final = weight_sample(flat_kernels(self.model.critic), self.cfg.record.weight_sample)
        return {"weights": {**self.weights, "final": final}}
