"""Exact optimal transport with POT (linear programming), and discrete-distribution helpers."""

from __future__ import annotations

import os

import numpy as np

# POT imports every array backend it finds (TensorFlow, JAX, PyTorch) unless told not to;
# NumPy is all we need, and importing TensorFlow here would cost seconds and log noise.
for _backend in ("TENSORFLOW", "JAX", "PYTORCH", "CUPY"):
    os.environ.setdefault(f"POT_BACKEND_DISABLE_{_backend}", "1")

import ot  # noqa: E402


def _as_2d(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x


def emd_plan(x, y, a=None, b=None) -> tuple[np.ndarray, float]:
    """Optimal plan γ and its cost between weighted point sets, Euclidean ground cost."""
    x, y = _as_2d(x), _as_2d(y)
    a = np.full(len(x), 1.0 / len(x)) if a is None else np.asarray(a, dtype=np.float64)
    b = np.full(len(y), 1.0 / len(y)) if b is None else np.asarray(b, dtype=np.float64)
    cost = ot.dist(x, y, metric="euclidean")
    plan = ot.emd(a, b, cost)
    return plan, float(np.sum(plan * cost))


def plan_cost(plan, x, y) -> float:
    return float(np.sum(np.asarray(plan) * ot.dist(_as_2d(x), _as_2d(y), metric="euclidean")))


def w1_samples(x, y) -> float:
    """Exact W1 between two equally weighted samples (1-D: sorted coupling; else the LP)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim == 1 or x.shape[1] == 1:
        return float(ot.wasserstein_1d(x.ravel(), y.ravel(), p=1))
    return float(ot.emd2(np.full(len(x), 1 / len(x)), np.full(len(y), 1 / len(y)),
                         ot.dist(x, y, metric="euclidean"), numItermax=10_000_000))


def marginals(joint) -> tuple[np.ndarray, np.ndarray]:
    """(P(row variable), P(column variable)) of a joint probability table."""
    joint = np.asarray(joint, dtype=np.float64)
    return joint.sum(axis=1), joint.sum(axis=0)


def random_coupling(n: int, rng: np.random.Generator, mixtures: int = 3) -> np.ndarray:
    """A random plan between two uniform measures on n points: a mix of permutation plans."""
    weights = rng.dirichlet(np.ones(mixtures))
    plan = np.zeros((n, n))
    for w in weights:
        plan[np.arange(n), rng.permutation(n)] += w / n
    return plan
