"""Losses and the gradient penalty against closed forms and tensorflow-gan."""

import numpy as np
import pytest

from wgan_bench.registry import LOSSES


@pytest.fixture(scope="module")
def tfgan(tf_ready):
    from wgan_bench.compat import tfgan

    return tfgan.losses()


@pytest.fixture(scope="module")
def outputs(tf_ready):
    rng = np.random.default_rng(0)
    return (tf_ready.constant(rng.normal(1.0, 2.0, (64, 1)), tf_ready.float32),
            tf_ready.constant(rng.normal(-0.5, 1.5, (64, 1)), tf_ready.float32))


def test_tfgan_loader_skips_broken_init(tfgan):
    import sys

    assert hasattr(tfgan, "wasserstein_gradient_penalty")
    # the stub parent package has no attributes from the real (broken) __init__
    assert not hasattr(sys.modules["tensorflow_gan"], "gan_model")


def test_wasserstein_matches_tfgan(tfgan, outputs):
    real, fake = outputs
    assert float(LOSSES.load("wasserstein").critic(real, fake)) == pytest.approx(
        float(tfgan.wasserstein_discriminator_loss(real, fake)), rel=1e-6)
    assert float(LOSSES.load("wasserstein").generator(fake)) == pytest.approx(
        float(tfgan.wasserstein_generator_loss(fake)), rel=1e-6)


def test_minimax_matches_tfgan(tfgan, outputs):
    real, fake = outputs
    # tensorflow-gan averages the two BCE terms' sums; with equal batch sizes that is the same sum of means
    assert float(LOSSES.load("minimax").critic(real, fake)) == pytest.approx(
        float(tfgan.minimax_discriminator_loss(real, fake, label_smoothing=0.0)), rel=1e-5)
    # tfgan writes the generator loss as -D_loss(real_logits=ones, fake): the same function of the
    # fake logits plus the constant softplus(-1), so values differ by it and gradients agree.
    assert float(LOSSES.load("minimax").generator(fake)) == pytest.approx(
        float(tfgan.minimax_generator_loss(fake)) + float(np.log1p(np.exp(-1.0))), rel=1e-5)


def test_non_saturating_matches_tfgan(tfgan, outputs):
    real, fake = outputs
    assert float(LOSSES.load("non_saturating").critic(real, fake)) == pytest.approx(
        float(tfgan.modified_discriminator_loss(real, fake, label_smoothing=0.0)), rel=1e-5)
    assert float(LOSSES.load("non_saturating").generator(fake)) == pytest.approx(
        float(tfgan.modified_generator_loss(fake)), rel=1e-5)


def _linear_critic(w):
    import keras

    critic = keras.Sequential([keras.Input((len(w),)), keras.layers.Dense(1, use_bias=True)])
    critic.layers[0].set_weights([np.asarray(w, np.float32)[:, None], np.array([0.3], np.float32)])
    return critic


@pytest.mark.parametrize("w,one_sided", [([0.3, 0.4], False), ([3.0, 4.0], False), ([0.3, 0.4], True),
                                         ([3.0, 4.0], True)])
def test_penalty_closed_form_for_linear_critic(tf_ready, w, one_sided):
    import keras

    from wgan_bench.methods.penalties import gradient_penalty

    rng = np.random.default_rng(1)
    real = tf_ready.constant(rng.normal(size=(32, 2)), tf_ready.float32)
    fake = tf_ready.constant(rng.normal(3, 1, size=(32, 2)), tf_ready.float32)
    got = float(gradient_penalty(_linear_critic(w), real, fake, keras.random.SeedGenerator(0), one_sided))
    gap = np.linalg.norm(w) - 1
    want = max(gap, 0) ** 2 if one_sided else gap ** 2
    assert got == pytest.approx(want, rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("one_sided", [False, True])
def test_penalty_matches_tfgan_on_mlp(tfgan, tf_ready, one_sided):
    """With real == fake every interpolate is the data point, so tfgan's random ε cannot matter."""
    import keras

    from wgan_bench.methods.penalties import gradient_penalty

    keras.utils.set_random_seed(0)
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(32, activation="tanh"),
                               keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1),
                               keras.layers.Rescaling(4.0)])  # norms on both sides of 1
    x = tf_ready.constant(np.random.default_rng(2).normal(size=(64, 2)) * 3, tf_ready.float32)
    ours = float(gradient_penalty(critic, x, x, keras.random.SeedGenerator(0), one_sided))

    @tf_ready.function
    def reference():
        return tfgan.wasserstein_gradient_penalty(x, x, None, lambda inp, _: critic(inp), "critic",
                                                  one_sided=one_sided)

    assert ours == pytest.approx(float(reference()), rel=1e-5)
    assert ours > 0.01  # the check is not vacuous


def test_tfgan_classifier_metrics_load_and_agree_with_closed_form(tf_ready):
    """Fréchet distance between activations and the same activations shifted by c is ‖c‖²."""
    from wgan_bench.compat import tfgan

    metrics = tfgan.classifier_metrics()
    acts = np.random.default_rng(0).normal(size=(500, 4)).astype(np.float32)
    shift = np.array([1.0, -2.0, 0.5, 0.0], np.float32)
    fd = float(metrics.frechet_classifier_distance_from_activations(acts, acts + shift))
    assert fd == pytest.approx(float(shift @ shift), rel=1e-3)


def test_instance_noise_perturbs_what_the_discriminator_sees_only_when_asked(tf_ready):
    import keras

    from wgan_bench.registry import METHODS

    def gan(sigma):
        entry = METHODS.get("gan")
        return entry.load()(entry.config(name="gan", instance_noise=sigma))

    x = np.zeros((20000, 2), np.float32)
    seen = np.asarray(gan(0.5).perturb(x, keras.random.SeedGenerator(0)))
    assert seen.std() == pytest.approx(0.5, rel=0.02) and abs(seen.mean()) < 0.01
    assert gan(0.0).perturb(x, keras.random.SeedGenerator(0)) is x  # no draw: other runs' streams unchanged
