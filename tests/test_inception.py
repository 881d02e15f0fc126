"""Inception metrics on a stand-in graph with the 2015-12-05 graph's interface (nothing downloads):
the formulas against closed forms."""

import numpy as np
import pytest

from wgan_bench.errors import UserError


@pytest.fixture(scope="module")
def graph_file(tf_ready, tmp_path_factory):
    """Mul:0 (N, 299, 299, 3) → pool_3:0 = the mean colour (N, 1, 1, 3); logits:0 = 50 × that colour."""
    tf = tf_ready

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 299, 299, 3], name="Mul")
        mean = tf.reduce_mean(tf.cast(x, tf.float64), axis=[1, 2], keepdims=True)  # exact enough to test FID
        pooled = tf.identity(tf.cast(mean, tf.float32), name="pool_3")
        tf.identity(tf.matmul(tf.reshape(pooled, [-1, 3]), tf.constant(50.0 * np.eye(3, dtype=np.float32))),
                    name="logits")
    path = tmp_path_factory.mktemp("inception") / "stand_in.pb"
    path.write_bytes(graph.as_graph_def().SerializeToString())
    return path


@pytest.fixture(scope="module")
def net(graph_file):
    from wgan_bench.metrics.inception import InceptionNet

    return InceptionNet(graph_file)


def _flat(colours: np.ndarray, size: int = 8) -> np.ndarray:
    """Images of one colour each (a resize keeps a constant image constant)."""
    return np.broadcast_to(colours[:, None, None, :], (len(colours), size, size, 3)).astype(np.float32)


def test_is_of_k_equiprobable_confident_classes_is_k(net):
    from wgan_bench.metrics.inception import inception_metrics

    onehot = -np.ones((300, 3), np.float32)
    onehot[np.arange(300), np.arange(300) % 3] = 1.0  # classes interleaved: every split has all three
    out = inception_metrics(net, [_flat(onehot)])
    assert out["inception_score"] == pytest.approx(3.0, abs=1e-6) and out["inception_score_std"] < 1e-6
    single = inception_metrics(net, [_flat(np.tile([1.0, -1.0, -1.0], (50, 1)).astype(np.float32))], splits=5)
    assert single["inception_score"] == pytest.approx(1.0, abs=1e-6)  # one class: no information


def test_fid_is_zero_on_itself_and_the_squared_shift_on_shifted_features(net):
    from wgan_bench.metrics.inception import inception_metrics, network_outputs

    rng = np.random.default_rng(0)
    colours = (0.2 * rng.standard_normal((400, 3))).astype(np.float32)
    real, _ = network_outputs(net, [_flat(colours)])
    assert np.allclose(real, colours, atol=1e-6)
    shift = np.array([0.1, -0.2, 0.05], np.float32)
    same = inception_metrics(net, [_flat(colours[:150]), _flat(colours[150:])], real)  # two batches: streamed
    moved = inception_metrics(net, [_flat(colours + shift)], real)
    assert same["fid"] == pytest.approx(0.0, abs=1e-6)
    assert moved["fid"] == pytest.approx(float(shift @ shift), rel=1e-3)


def test_kid_is_the_unbiased_mmd_with_the_cubic_kernel(net):
    from wgan_bench.metrics.inception import inception_metrics, network_outputs

    rng = np.random.default_rng(1)
    a, b = (0.3 * rng.standard_normal((60, 3))).astype(np.float32), (0.3 * rng.standard_normal((50, 3)) + 0.2)
    real, _ = network_outputs(net, [_flat(a)])
    kid = inception_metrics(net, [_flat(b.astype(np.float32))], real)["kid"]
    x, y = a.astype(np.float64), b.astype(np.float32).astype(np.float64)
    k = lambda u, v: (u @ v.T / 3 + 1) ** 3  # noqa: E731
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    m, n = len(x), len(y)
    expected = ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                - 2 * kxy.mean())
    assert kid == pytest.approx(expected, rel=1e-4, abs=1e-7)


def test_grey_images_are_repeated_into_three_channels(net):
    grey = np.full((2, 8, 8, 1), 0.25, np.float32)
    features, _ = net(grey)
    assert np.allclose(features, 0.25, atol=1e-6) and features.shape == (2, 3)


def test_missing_or_wrong_graph_is_a_clear_error(tf_ready, tmp_path, monkeypatch):
    from wgan_bench.metrics.inception import INCEPTION_ENV, InceptionNet, inception_path

    monkeypatch.delenv(INCEPTION_ENV, raising=False)
    with pytest.raises(UserError, match="no Inception graph named.*frozen_inception_v1_2015_12_05"):
        inception_path()
    with pytest.raises(UserError, match="--inception: .*nope.pb: no such file"):
        inception_path(str(tmp_path / "nope.pb"))
    monkeypatch.setenv(INCEPTION_ENV, str(tmp_path / "x.pb"))
    (tmp_path / "x.pb").write_bytes(b"not a graph")
    assert inception_path() == tmp_path / "x.pb"
    with pytest.raises(UserError, match="not a frozen TensorFlow GraphDef"):
        InceptionNet(tmp_path / "x.pb")


def test_a_run_records_the_scores_at_quality_steps(graph_file, monkeypatch):
    from wgan_bench.config.loader import RunSpec
    from wgan_bench.config.schema import RunConfig
    from wgan_bench.metrics.inception import INCEPTION_ENV
    from wgan_bench.runner.train import Trainer

    monkeypatch.setenv(INCEPTION_ENV, str(graph_file))
    cfg = RunConfig.model_validate({
        "dataset": {"name": "digits", "size": 16}, "generator": {"kind": "constant_filter", "z_dim": 8, "filters": 4},
        "critic": {"kind": "dcgan", "filters": 4, "norm": "layer"}, "method": {"name": "wgan_gp", "n_critic": 1},
        "optimizer": {"name": "adam", "learning_rate": 1e-3},
        "train": {"steps": 2, "batch_size": 8, "jit_compile": False},
        "record": {"every": 1, "quality_every": 2, "quality_samples": 40, "diagnostics": ["inception_scores"]}})
    result = Trainer().run(RunSpec("t", "quick", "v", 0, cfg, False))
    assert result.status == "ok", result.error
    rows = {(r["step"], r["metric"]): r["value"] for r in result.history}
    assert {s for s, m in rows if m == "fid"} == {0, 2}  # quality steps only
    assert 1.0 <= rows[(2, "inception_score")] <= 3.0 and rows[(2, "fid")] >= 0.0  # 3 stand-in classes


def test_stand_in_network_has_the_inception_interface_and_separates_colours(tf_ready, tmp_path):
    from wgan_bench.metrics.inception import InceptionNet, inception_metrics, network_outputs, write_stand_in

    net = InceptionNet(write_stand_in(tmp_path / "s.pb"))
    again = InceptionNet(write_stand_in(tmp_path / "t.pb"))
    rng = np.random.default_rng(2)
    images = rng.uniform(-1, 1, (30, 32, 32, 3)).astype(np.float32)
    feats, logits = network_outputs(net, [images])
    assert feats.shape == (30, 64) and logits.shape == (30, 10) and (feats >= 0).all()
    assert np.array_equal(feats, network_outputs(again, [images])[0])  # fixed weights: the same network
    red, blue = _flat(np.tile([[0.8, -0.8, -0.8]], (40, 1)), 32), _flat(np.tile([[-0.8, -0.8, 0.8]], (40, 1)), 32)
    real, _ = network_outputs(net, [red])
    assert inception_metrics(net, [red], real)["fid"] == pytest.approx(0.0, abs=1e-4)
    assert inception_metrics(net, [blue], real)["fid"] > 1.0  # another colour is far in its features
