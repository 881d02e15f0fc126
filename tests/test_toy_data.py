"""Toy data sets match gan_toy.py: centres, spreads and scale."""

import numpy as np
import pytest

from wgan_bench.data import toy


def _sample(tf_ready, name, n=20000, seed=0):
    import keras

    sampler = toy.make_sampler(name, seed)
    return np.asarray(sampler(n, keras.random.SeedGenerator(seed)), dtype=np.float64)


def _nearest(x, centres):
    d = np.linalg.norm(x[:, None, :] - centres[None], axis=-1)
    return d.argmin(1), d.min(1)


def test_eight_gaussians(tf_ready):
    x = _sample(tf_ready, "8gaussians")
    idx, _ = _nearest(x, toy.EIGHT_CENTRES)
    assert np.allclose(np.linalg.norm(toy.EIGHT_CENTRES, axis=1), 2 / 1.414)
    counts = np.bincount(idx, minlength=8) / len(x)
    assert np.all(np.abs(counts - 1 / 8) < 0.01)
    resid = x - toy.EIGHT_CENTRES[idx]
    assert resid.std(0) == pytest.approx([0.02 / 1.414] * 2, rel=0.03)
    assert np.abs(resid.mean(0)).max() < 1e-3


def test_twentyfive_gaussians(tf_ready):
    x = _sample(tf_ready, "25gaussians")
    idx, _ = _nearest(x, toy.TWENTYFIVE_CENTRES)
    grid = np.unique(np.round(toy.TWENTYFIVE_CENTRES[:, 0], 6))
    assert np.allclose(np.diff(grid), 2 / 2.828) and grid.max() == pytest.approx(4 / 2.828)
    counts = np.bincount(idx, minlength=25) / len(x)
    assert np.all(np.abs(counts - 1 / 25) < 0.006)
    resid = x - toy.TWENTYFIVE_CENTRES[idx]
    assert resid.std(0) == pytest.approx([0.05 / 2.828] * 2, rel=0.04)


def test_twentyfive_pool_is_fixed_per_seed(tf_ready):
    a = _sample(tf_ready, "25gaussians", n=100, seed=3)
    b = _sample(tf_ready, "25gaussians", n=100, seed=3)
    assert np.array_equal(a, b)


def test_swissroll_matches_sklearn(tf_ready):
    from sklearn.datasets import make_swiss_roll

    x = _sample(tf_ready, "swissroll", n=20000)
    ref = make_swiss_roll(20000, noise=0.25, random_state=0)[0][:, [0, 2]] / 7.5
    # same law: compare moments and radial quantiles
    assert x.mean(0) == pytest.approx(ref.mean(0), abs=0.03)
    assert x.std(0) == pytest.approx(ref.std(0), rel=0.03)
    q = [0.05, 0.25, 0.5, 0.75, 0.95]
    assert np.quantile(np.linalg.norm(x, axis=1), q) == pytest.approx(
        np.quantile(np.linalg.norm(ref, axis=1), q), abs=0.02)
    r = np.linalg.norm(x, axis=1)
    assert 1.5 * np.pi / 7.5 - 0.2 < r.min() and r.max() < 4.5 * np.pi / 7.5 + 0.2


def test_spiral_is_the_swiss_roll_curve_without_noise(tf_ready):
    x = _sample(tf_ready, "spiral", n=5000) * toy.SWISS_SCALE
    t = np.linalg.norm(x, axis=1)  # on the curve t·(cos t, sin t), the radius is t itself
    assert t.min() >= 1.5 * np.pi - 1e-3 and t.max() <= 4.5 * np.pi + 1e-3
    assert np.abs(x - t[:, None] * np.stack([np.cos(t), np.sin(t)], axis=1)).max() < 1e-3
