"""Mode coverage of samples from a Gaussian mixture (VEEGAN Sec. 5.1, PacGAN's metric).

A sample is *high quality* when it lies within `radius` of its nearest mode centre; a mode is
*covered* when it is the nearest centre of at least one high-quality sample. The strict radius
is 3σ (VEEGAN/PacGAN); the relaxed one is a quarter of the smallest distance between modes,
which measures coverage rather than sharpness. The reverse KL compares the histogram of
nearest modes over all samples with the uniform distribution over modes: 0 when every mode
gets the same share, log K when one mode takes everything.

`modes_learned` counts coverage only for a generator that has learned (issue #15): at least half
its samples high quality at 3σ, and an exact W1 at most half its own untrained generator's. An
untrained generator's blob reaches 2-8 modes at the relaxed radius; it scores 0 here.
"""

from __future__ import annotations

import numpy as np


def nearest_modes(samples: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dist = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)
    return dist.argmin(axis=1), dist.min(axis=1)


def min_mode_distance(centres: np.ndarray) -> float:
    d = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=-1)
    return float(d[~np.eye(len(centres), dtype=bool)].min())


def coverage(samples: np.ndarray, centres: np.ndarray, radius: float) -> tuple[int, float]:
    """(modes covered, share of high-quality samples) for one high-quality radius."""
    idx, dist = nearest_modes(samples, centres)
    good = dist < radius
    return int(len(np.unique(idx[good]))), float(good.mean())


def reverse_kl_uniform(samples: np.ndarray, centres: np.ndarray) -> float:
    idx, _ = nearest_modes(samples, centres)
    q = np.bincount(idx, minlength=len(centres)) / len(idx)
    q = q[q > 0]
    return float(np.sum(q * np.log(q * len(centres))))


def mode_metrics(samples: np.ndarray, centres: np.ndarray, std: float) -> dict[str, float]:
    strict_modes, strict_hq = coverage(samples, centres, 3.0 * std)
    relaxed_modes, relaxed_hq = coverage(samples, centres, 0.25 * min_mode_distance(centres))
    return {"modes_3sigma": strict_modes, "hq_3sigma": strict_hq, "modes_relaxed": relaxed_modes,
            "hq_relaxed": relaxed_hq, "mode_rev_kl": reverse_kl_uniform(samples, centres)}


LEARNED_HQ = 0.5  # share of samples within 3σ of a mode
LEARNED_W1 = 0.5  # W1 at most this share of the untrained generator's (step 0)


def modes_learned(metrics: dict[str, float], w1_untrained: float) -> float:
    """Relaxed coverage if the generator has learned (see the module note), else 0."""
    learned = metrics["hq_3sigma"] >= LEARNED_HQ and metrics["w1_exact"] <= LEARNED_W1 * w1_untrained
    return float(metrics["modes_relaxed"]) if learned else 0.0
