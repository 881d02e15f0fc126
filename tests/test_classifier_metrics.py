"""Digit-classifier sample metrics: closed-form values, tf-gan feature distances, caching, training."""

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import linalg

from wgan_bench.metrics import classifier as C


def _one_hot(labels, k=10):
    return np.eye(k)[np.asarray(labels)]


def test_inception_score_closed_forms():
    assert C.inception_score(_one_hot(np.tile(np.arange(10), 3))) == pytest.approx(10.0, rel=1e-12)
    row = np.random.default_rng(0).dirichlet(np.ones(10))
    assert C.inception_score(np.tile(row, (50, 1))) == pytest.approx(1.0, abs=1e-12)
    # p(y) = (3/4, 1/4): KL rows log(4/3) and ½·log(2/3) + ½·log 2 = ½·log(4/3).
    assert C.inception_score(np.array([[1.0, 0.0], [0.5, 0.5]])) == pytest.approx((4 / 3) ** 0.75, rel=1e-12)


def test_classes_covered_counts_confident_classes_above_one_percent():
    n = 200  # 1 % = 2 samples
    rows = ([(0, 0.95)] * 150  # covered
            + [(1, 0.95)] * 2  # exactly 1 %: covered
            + [(2, 0.99)] * 1  # 0.5 %: not covered
            + [(3, 0.90)] * 47)  # max probability not > 0.9: not covered
    probs = np.full((n, 10), 0.0)
    for i, (cls, conf) in enumerate(rows):
        probs[i] = (1 - conf) / 9
        probs[i, cls] = conf
    assert C.classes_covered(probs) == 2
    assert C.classes_covered(probs, min_conf=0.5) == 3
    assert C.classes_covered(probs, min_frac=0.005) == 3
    assert C.classes_covered(_one_hot(np.arange(10))) == 10


def test_class_reverse_kl():
    assert C.class_reverse_kl(_one_hot(np.tile(np.arange(10), 7))) == pytest.approx(0.0, abs=1e-12)
    assert C.class_reverse_kl(_one_hot(np.full(30, 4))) == pytest.approx(math.log(10), rel=1e-12)
    # Half in class 0, half in class 1, eight empty classes: log 10 - log 2.
    assert C.class_reverse_kl(_one_hot([0, 1] * 5)) == pytest.approx(math.log(5), rel=1e-12)


def _with_moments(mean, cov, n=400, seed=0):
    """n points whose sample mean and unbiased covariance are exactly `mean` and `cov`."""
    z = np.random.default_rng(seed).normal(size=(n, len(mean)))
    z -= z.mean(0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    return z @ np.linalg.cholesky(cov).T + mean


def test_frechet_distance_closed_forms(tf_ready):
    acts = np.random.default_rng(0).normal(size=(300, 6))
    assert C.frechet_distance(acts, acts) == pytest.approx(0.0, abs=1e-6)
    # Diagonal covariances: ‖(3, 4)‖² + (1 + 4) + (4 + 1) - 2(√4 + √4) = 25 + 2.
    a = _with_moments(np.zeros(2), np.diag([1.0, 4.0]))
    b = _with_moments(np.array([3.0, 4.0]), np.diag([4.0, 1.0]), seed=1)
    assert C.frechet_distance(a, b) == pytest.approx(27.0, rel=1e-6)
    # Non-commuting covariances against scipy's matrix square root.
    rng = np.random.default_rng(2)
    m1, m2 = rng.normal(size=4), rng.normal(size=4)
    s1, s2 = (x @ x.T + 0.5 * np.eye(4) for x in rng.normal(size=(2, 4, 4)))
    expected = np.sum((m1 - m2) ** 2) + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert C.frechet_distance(_with_moments(m1, s1), _with_moments(m2, s2, seed=3)) == pytest.approx(expected, rel=1e-6)


def _kid_numpy(x, y):
    """Unbiased MMD² with k(x, y) = (x·y/d + 1)³, one block."""
    def k(a, b):
        return (a @ b.T / x.shape[1] + 1) ** 3

    m, n = len(x), len(y)
    kxx, kyy = k(x, x), k(y, y)
    return ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
            - 2 * k(x, y).mean())


def test_kernel_distance(tf_ready):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(200, 5)), rng.normal(0.5, 1.0, size=(150, 5))
    assert C.kernel_distance(x, x) == pytest.approx(_kid_numpy(x, x), rel=1e-9)
    # Identical sets: the cross term keeps the diagonal k(x_i, x_i), so the estimate is
    # -2 (mean k(x_i, x_i) - mean_{i != j} k(x_i, x_j)) / n: ~0, slightly negative, O(1/n).
    k = (x @ x.T / 5 + 1) ** 3
    off_diagonal = (k.sum() - np.trace(k)) / (200 * 199)
    assert C.kernel_distance(x, x) == pytest.approx(-2 * (np.trace(k) / 200 - off_diagonal) / 200, rel=1e-9)
    assert abs(C.kernel_distance(x, x)) < 0.1 * C.kernel_distance(x, y)
    assert C.kernel_distance(x, y) == pytest.approx(_kid_numpy(x, y), rel=1e-9)
    assert C.kernel_distance(x, y) > 0.1


def test_save_load_and_cache(tf_ready, tmp_path, monkeypatch):
    from wgan_bench.data.images import ImageData

    x = np.random.default_rng(0).uniform(-1, 1, (20, 8, 8, 1)).astype("float32")
    data = ImageData(x, np.arange(20) % 10, x[:10], np.arange(10))
    model = C.build_classifier((8, 8, 1))
    path = tmp_path / "cache" / "classifier.keras"
    assert C.load_classifier(path) is None
    monkeypatch.setattr(C, "TRAIN_THREADS", C._intra_op_threads())  # train in this process
    monkeypatch.setattr(C, "train_classifier", lambda *a, **k: (model, 0.5))
    assert C.cached_classifier(path, data, epochs=3, seed=0)[1] == 0.5  # trained, then saved
    assert sorted(p.name for p in path.parent.iterdir()) == ["classifier.json", "classifier.keras"]
    loaded, info = C.load_classifier(path)
    assert info["accuracy"] == 0.5 and info["epochs"] == 3 and info["input_shape"] == [8, 8, 1]
    assert np.allclose(C.predict_probs(loaded, x), C.predict_probs(model, x))
    assert np.allclose(C.features(loaded, x), C.features(model, x)) and C.features(model, x).shape == (20, 128)

    def no_training(*args, **kwargs):
        raise AssertionError("the cached classifier should have been used")

    monkeypatch.setattr(C, "train_classifier", no_training)
    assert C.cached_classifier(path, data, epochs=3, seed=0)[1] == 0.5
    # Other settings, or other images of the same shape: retrain.
    monkeypatch.setattr(C, "train_classifier", lambda *a, **k: (model, 0.25))
    assert C.cached_classifier(path, data, epochs=4, seed=0)[1] == 0.25
    assert C.load_classifier(path)[1]["epochs"] == 4
    other = ImageData(-x, data.y_train, data.x_test, data.y_test)
    monkeypatch.setattr(C, "train_classifier", lambda *a, **k: (model, 0.125))
    assert C.cached_classifier(path, other, epochs=4, seed=0)[1] == 0.125


def test_scorer_gives_predicts_values_in_one_compiled_pass(tf_ready):
    """The diagnostics' scorer: the same probabilities and features as Keras' predict, bit for
    bit, over batches of PREDICT_BATCH (the last one short), with the reference's features
    computed once. (Other batch sizes change the last bits.)"""
    rng = np.random.default_rng(1)
    model = C.build_classifier((8, 8, 1))
    reference, samples = (rng.uniform(-1, 1, (n, 8, 8, 1)).astype("float32") for n in (13, 2 * C.PREDICT_BATCH + 100))
    scorer = C.ClassifierScorer(model, reference)
    probs, feats = scorer.probs_and_features(samples)
    assert np.array_equal(probs, C.predict_probs(model, samples))
    assert np.array_equal(feats, C.features(model, samples)) and feats.shape == (len(samples), 128)
    assert np.array_equal(scorer.reference_features, C.features(model, reference))
    scores = scorer(samples)
    assert scores["classifier_fd"] == C.frechet_distance(C.features(model, reference), feats)
    assert scores["digit_is"] == C.inception_score(probs)


@pytest.mark.slow
def test_digit_classifier_scores_real_digits(tf_ready, tmp_path):
    from wgan_bench.data.images import load_digits

    data = load_digits(16)
    model, accuracy = C.cached_classifier(tmp_path / "classifier.keras", data)
    assert accuracy >= 0.97
    cached, cached_accuracy = C.cached_classifier(tmp_path / "classifier.keras", data)  # loaded, not retrained
    assert cached_accuracy == accuracy
    assert np.array_equal(C.predict_probs(cached, data.x_test), C.predict_probs(model, data.x_test))
    score = C.ClassifierScorer(model, data.x_train)
    scores = score(data.x_test)
    assert scores["digit_is"] >= 8.0 and scores["classes_covered"] == 10
    assert scores["class_reverse_kl"] < 0.01  # the test split is stratified: near-uniform classes
    noise = np.random.default_rng(0).uniform(-1, 1, data.x_test.shape).astype("float32")
    assert score(noise)["classifier_fd"] > 10 * scores["classifier_fd"]


@pytest.mark.slow
def test_classifier_is_the_same_whichever_process_trains_it(tmp_path):
    """A process with 2 threads trains it in a 1-thread child; one with 1 thread trains it itself."""
    code = """
import sys
from wgan_bench.tf_setup import configure_tensorflow
configure_tensorflow(int(sys.argv[1]))
from wgan_bench.data.images import ImageData, load_digits
from wgan_bench.metrics import classifier as C
d = load_digits(16)  # big enough that one and two threads give different weights
C.cached_classifier(sys.argv[2], ImageData(d.x_train[:256], d.y_train[:256], d.x_test, d.y_test), epochs=1)
print(C._intra_op_threads())
"""
    weights = []
    for threads in (2, 1):
        path = tmp_path / f"from-{threads}-threads.keras"
        proc = subprocess.run([sys.executable, "-c", code, str(threads), str(path)], capture_output=True, text=True,
                              timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.split() == [str(threads)]
        model, info = C.load_classifier(path)
        assert info["threads"] == 1
        weights.append(model.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*weights, strict=True))
