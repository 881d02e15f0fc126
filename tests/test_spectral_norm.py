"""Spectral normalisation (Miyato et al. 2018): σ by power iteration, W/σ in the forward pass, and
the Lipschitz bound of a product of unit spectral norms."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def keras(tf_ready):
    import keras

    return keras


def _wrapped_dense(keras, units=8, in_dim=5, seed=0):
    from wgan_bench.methods.spectral_norm import SpectralNormalization

    keras.utils.set_random_seed(seed)
    layer = SpectralNormalization(keras.layers.Dense(units, kernel_initializer="glorot_uniform",
                                                     bias_initializer="random_normal"))
    layer(np.zeros((1, in_dim), "float32"))
    return layer


def test_sigma_is_the_largest_singular_value_from_the_start(keras):
    """u is warm-started on the initial kernel, so even the untrained layer is normalised."""
    layer = _wrapped_dense(keras, 16, 12)
    true = np.linalg.svd(np.asarray(layer.layer.kernel), compute_uv=False)[0]
    assert float(layer.sigma(training=False)) == pytest.approx(true, rel=1e-3)
    assert float(layer.sigma(training=True)) <= true * (1 + 1e-5)  # a Rayleigh quotient never overestimates σ


def test_a_one_output_layer_has_sigma_equal_to_its_kernel_norm(keras):
    last = _wrapped_dense(keras, units=1, in_dim=7, seed=3)
    assert float(last.sigma(training=False)) == pytest.approx(np.linalg.norm(np.asarray(last.layer.kernel)), rel=1e-5)


def test_forward_uses_the_normalised_kernel(keras):
    layer = _wrapped_dense(keras)
    for _ in range(30):
        layer.sigma(training=True)
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    w, b = np.asarray(layer.layer.kernel), np.asarray(layer.layer.bias)
    sigma = float(layer.sigma(training=False))
    assert np.asarray(layer(x)) == pytest.approx(x @ (w / sigma) + b, rel=1e-5, abs=1e-6)
    assert np.linalg.svd(w / sigma, compute_uv=False)[0] == pytest.approx(1.0, rel=1e-4)


def test_inference_does_not_move_u_training_does(keras):
    layer = _wrapped_dense(keras)
    layer.layer.kernel.assign(np.random.default_rng(1).normal(size=(5, 8)).astype("float32"))  # an update
    u = np.asarray(layer.u).copy()
    layer(np.ones((2, 5), "float32"), training=False)
    assert np.array_equal(np.asarray(layer.u), u)
    layer(np.ones((2, 5), "float32"), training=True)
    assert not np.array_equal(np.asarray(layer.u), u)


def test_conv_kernel_is_normalised_as_a_matrix(keras):
    from wgan_bench.methods.spectral_norm import SpectralNormalization

    keras.utils.set_random_seed(1)
    layer = SpectralNormalization(keras.layers.Conv2D(4, 3, padding="same"))
    layer(np.zeros((1, 6, 6, 2), "float32"))
    for _ in range(60):
        sigma = float(layer.sigma(training=True))
    matrix = np.asarray(layer.layer.kernel).reshape(-1, 4)
    assert sigma == pytest.approx(np.linalg.svd(matrix, compute_uv=False)[0], rel=1e-4)


def test_layers_with_an_activation_are_refused(keras):
    from wgan_bench.methods.spectral_norm import SpectralNormalization

    with pytest.raises(ValueError, match="without activation"):
        SpectralNormalization(keras.layers.Dense(3, activation="relu"))


def test_a_deep_sn_critic_is_1_lipschitz(tf_ready, keras):
    """Theory: ReLU is 1-Lipschitz and every layer has spectral norm 1, so ‖∇f‖ ≤ 1 everywhere,
    however deep the critic (here 12 layers of 64, untrained); the same critic without it is far steeper."""
    from wgan_bench.builtin import SNMethod
    from wgan_bench.config.schema import MLPCriticConfig
    from wgan_bench.methods.spectral_norm import SpectralNorm
    from wgan_bench.nets.factory import mlp_critic

    tf = tf_ready
    keras.utils.set_random_seed(0)
    critic = mlp_critic(MLPCriticConfig(depth=12, width=64), (2,),
                        SpectralNorm(SNMethod(name="wgan_sn")).critic_options())
    x = tf.constant(np.random.default_rng(0).normal(size=(256, 2)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = critic(x, training=False)
    norms = np.linalg.norm(np.asarray(tape.gradient(out, x)), axis=1)
    assert norms.max() <= 1.0 + 1e-3
    keras.utils.set_random_seed(0)
    plain = mlp_critic(MLPCriticConfig(depth=12, width=64), (2,))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = plain(x, training=False)
    assert np.linalg.norm(np.asarray(tape.gradient(out, x)), axis=1).max() > 10 * norms.max()
