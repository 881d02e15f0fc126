"""Toy data sets sampled in-graph: gan_toy.py's three, the Swiss Roll's noise-free curve (`spiral`,
support of dimension 1, as Arjovsky & Bottou's argument needs), and two for fixed-generator studies.

Each sampler is `sample(batch_size, seed_generator) -> (batch, 2)` float32, built from
`keras.random` ops so it runs inside the compiled train step (no host input pipeline).
Scales follow the reference code: 8 Gaussians /1.414, 25 Gaussians /2.828, Swiss Roll /7.5.
"""

from __future__ import annotations

import math

import numpy as np

SQRT2 = 1.414  # the reference code divides by these rounded constants, not by exact sqrt(2)

# 8 Gaussians: centres at radius 2, noise std 0.02, then /1.414 (radius 1.414, std 0.01414).
EIGHT_CENTRES = np.array(
    [(1, 0), (-1, 0), (0, 1), (0, -1),
     (1 / math.sqrt(2), 1 / math.sqrt(2)), (1 / math.sqrt(2), -1 / math.sqrt(2)),
     (-1 / math.sqrt(2), 1 / math.sqrt(2)), (-1 / math.sqrt(2), -1 / math.sqrt(2))],
    dtype=np.float64) * 2.0 / SQRT2
EIGHT_STD = 0.02 / SQRT2

# 25 Gaussians: a 5x5 grid at (2i, 2j), noise std 0.05, then /2.828.
TWENTYFIVE_CENTRES = np.array([(2 * i, 2 * j) for i in range(-2, 3) for j in range(-2, 3)],
                              dtype=np.float64) / 2.828
TWENTYFIVE_STD = 0.05 / 2.828
TWENTYFIVE_POOL = 100_000  # the reference samples batches from a fixed set of 100k points

SWISS_NOISE = 0.25
SWISS_SCALE = 7.5

# Mode centres and per-mode std for mode-coverage metrics (None: not a mixture).
MODES = {"8gaussians": (EIGHT_CENTRES, EIGHT_STD),
         "25gaussians": (TWENTYFIVE_CENTRES, TWENTYFIVE_STD),
         "swissroll": (None, None), "spiral": (None, None)}


def sampler(cfg, seed: int, batch_size: int):
    """The `dataset` registry's target for toy data (wgan_bench.builtin)."""
    del batch_size
    return make_sampler(cfg.name, seed, cfg.std)


def make_sampler(name: str, seed: int, std: float = 1.0):
    """Return the in-graph sampler for toy data set `name`; `seed` fixes any fixed pool."""
    import keras
    from keras import ops

    if name == "8gaussians":
        centres = ops.convert_to_tensor(EIGHT_CENTRES.astype("float32"))

        def sample(n, gen):
            idx = keras.random.randint((n,), 0, 8, seed=gen)
            return ops.take(centres, idx, axis=0) + EIGHT_STD * keras.random.normal((n, 2), seed=gen)

        return sample

    if name == "25gaussians":
        rng = np.random.default_rng(seed)
        modes = rng.permutation(np.repeat(np.arange(25), TWENTYFIVE_POOL // 25))  # 4000 per mode
        pool = TWENTYFIVE_CENTRES[modes] + TWENTYFIVE_STD * rng.standard_normal((TWENTYFIVE_POOL, 2))
        pool = ops.convert_to_tensor(pool.astype("float32"))

        def sample(n, gen):
            idx = keras.random.randint((n,), 0, TWENTYFIVE_POOL, seed=gen)
            return ops.take(pool, idx, axis=0)

        return sample

    if name in ("swissroll", "spiral"):
        noise = SWISS_NOISE if name == "swissroll" else 0.0  # spiral: the roll's curve, a 1-D manifold

        def sample(n, gen):
            # sklearn.datasets.make_swiss_roll(noise=0.25), columns (0, 2), divided by 7.5
            t = 1.5 * math.pi * (1.0 + 2.0 * keras.random.uniform((n,), seed=gen))
            xy = ops.stack([t * ops.cos(t), t * ops.sin(t)], axis=1)
            if noise:
                xy = xy + noise * keras.random.normal((n, 2), seed=gen)
            return xy / SWISS_SCALE

        return sample

    if name == "gaussian_1d":  # N(0, std²); paired with a shift generator for N(mu, std²)
        def sample(n, gen):
            return std * keras.random.normal((n, 1), seed=gen)

        return sample

    if name == "parallel_lines":  # WGAN Example 1: P0 = (0, Z), Z ~ U[0, 1]
        def sample(n, gen):
            return ops.stack([ops.zeros((n,)), keras.random.uniform((n,), seed=gen)], axis=1)

        return sample

    raise KeyError(f"unknown toy dataset {name!r}")
