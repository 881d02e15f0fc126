"""masked_relu: ReLU's values and gradients, without the penalty's wasted second-order path."""

import numpy as np
import pytest


def _penalty_and_grads(tf, act, x):
    import keras

    from wgan_bench.methods.penalties import gradient_penalty

    keras.utils.set_random_seed(3)
    critic = keras.Sequential([keras.Input((2,))] + [keras.layers.Dense(64, activation=act) for _ in range(3)]
                              + [keras.layers.Dense(1)])
    with tf.GradientTape() as tape:
        out = critic(x)
        penalty = gradient_penalty(critic, x, x[::-1], keras.random.SeedGenerator(0))
    grads = tape.gradient(penalty, critic.trainable_variables)
    return out, penalty, grads, critic


def test_masked_relu_equals_relu_in_value_first_and_penalty_gradients(tf_ready):
    from wgan_bench.nets.activations import masked_relu

    tf = tf_ready
    x = tf.constant(np.random.default_rng(0).normal(size=(128, 2)) * 2, tf.float32)
    out_r, pen_r, grads_r, _ = _penalty_and_grads(tf, "relu", x)
    out_m, pen_m, grads_m, _ = _penalty_and_grads(tf, masked_relu, x)
    np.testing.assert_array_equal(out_r.numpy(), out_m.numpy())
    assert float(pen_m) == float(pen_r) and float(pen_r) > 0.01
    kernels = slice(0, None, 2)
    for g_r, g_m in zip(grads_r[kernels], grads_m[kernels], strict=True):
        np.testing.assert_allclose(g_m.numpy(), g_r.numpy(), rtol=1e-6, atol=1e-9)
        assert np.abs(g_r.numpy()).max() > 0
    # Hidden biases reach the penalty only through the mask: tf.nn.relu builds that path and
    # returns exact zeros; masked_relu never builds it.
    for g_r, g_m in zip(grads_r[1:-1:2], grads_m[1:-1:2], strict=True):
        assert g_m is None
        assert not np.any(g_r.numpy())


@pytest.mark.parametrize("value", [-2.0, -0.0, 0.0, 2.0 ** -100, 3.5])
def test_masked_relu_pointwise(tf_ready, value):
    from wgan_bench.nets.activations import masked_relu

    got = float(masked_relu(tf_ready.constant([value]))[0])
    assert got == max(value, 0.0)
