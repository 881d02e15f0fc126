"""Mode-coverage metrics on hand-made samples."""

import numpy as np
import pytest

from wgan_bench.data.toy import EIGHT_CENTRES, EIGHT_STD, TWENTYFIVE_CENTRES
from wgan_bench.metrics.modes import coverage, min_mode_distance, mode_metrics, reverse_kl_uniform


def test_perfect_samples_cover_everything():
    rng = np.random.default_rng(0)
    idx = np.repeat(np.arange(8), 300)
    x = EIGHT_CENTRES[idx] + EIGHT_STD * rng.standard_normal((len(idx), 2))
    m = mode_metrics(x, EIGHT_CENTRES, EIGHT_STD)
    assert m["modes_3sigma"] == 8 and m["modes_relaxed"] == 8
    assert m["hq_3sigma"] == pytest.approx(1 - np.exp(-4.5), abs=0.01)  # Rayleigh: P(r < 3σ) in 2-D
    assert m["hq_relaxed"] == 1.0 and m["mode_rev_kl"] == pytest.approx(0.0, abs=1e-12)


def test_collapse_to_one_mode():
    x = np.tile(EIGHT_CENTRES[3], (500, 1))
    m = mode_metrics(x, EIGHT_CENTRES, EIGHT_STD)
    assert m["modes_3sigma"] == 1 and m["hq_3sigma"] == 1.0
    assert m["mode_rev_kl"] == pytest.approx(np.log(8))


def test_blurry_samples_count_only_with_the_relaxed_radius():
    # every sample 0.1 from its mode: beyond 3σ (0.042) but inside a quarter of the spacing (0.27)
    offsets = 0.1 * np.array([[np.cos(a), np.sin(a)] for a in np.linspace(0, 2 * np.pi, 80)])
    x = np.concatenate([c + offsets for c in EIGHT_CENTRES])
    assert coverage(x, EIGHT_CENTRES, 3 * EIGHT_STD) == (0, 0.0)
    assert coverage(x, EIGHT_CENTRES, 0.25 * min_mode_distance(EIGHT_CENTRES)) == (8, 1.0)


def test_geometry_and_reverse_kl_of_half_the_modes():
    assert min_mode_distance(TWENTYFIVE_CENTRES) == pytest.approx(2 / 2.828)
    assert min_mode_distance(EIGHT_CENTRES) == pytest.approx(2 * np.sin(np.pi / 8) * 2 / 1.414)
    x = np.repeat(EIGHT_CENTRES[:4], 10, axis=0)
    assert reverse_kl_uniform(x, EIGHT_CENTRES) == pytest.approx(np.log(2))


def test_peaks_on_a_synthetic_surface():
    from wgan_bench.metrics.surfaces import GRID_LIM, GRID_N, count_peaks, local_max_mask

    axis = np.linspace(-GRID_LIM, GRID_LIM, GRID_N)
    gx, gy = np.meshgrid(axis, axis)
    bumps = sum(np.exp(-((gx - cx) ** 2 + (gy - cy) ** 2) / 0.02) for cx, cy in EIGHT_CENTRES[:5])
    assert count_peaks(bumps, EIGHT_CENTRES) == 5
    assert count_peaks(-(gx ** 2 + gy ** 2), EIGHT_CENTRES) == 0  # one peak at the origin, on no mode
    assert not local_max_mask(np.zeros((4, 4))).any()  # a flat critic has no peaks


def test_modes_learned_counts_only_a_generator_that_has_learned():
    from wgan_bench.metrics.modes import modes_learned

    sharp = {"modes_relaxed": 8, "hq_3sigma": 0.8, "w1_exact": 0.1}
    assert modes_learned(sharp, w1_untrained=0.7) == 8
    assert modes_learned({**sharp, "hq_3sigma": 0.49}, w1_untrained=0.7) == 0  # blurry
    assert modes_learned({**sharp, "w1_exact": 0.36}, w1_untrained=0.7) == 0  # not below half its untrained W1
    assert modes_learned({**sharp, "w1_exact": 0.35}, w1_untrained=0.7) == 8
    # an untrained blob at the origin: relaxed coverage of every mode, no high-quality samples
    blob = np.random.default_rng(0).standard_normal((2500, 2))
    m = mode_metrics(blob, EIGHT_CENTRES, EIGHT_STD)
    assert m["modes_relaxed"] == 8 and modes_learned({**m, "w1_exact": 1.0}, w1_untrained=1.0) == 0
