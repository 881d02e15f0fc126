"""Image generators and critic: shapes, tanh range, normalisation layers, clipping, parameter counts."""

import numpy as np
import pytest

Z = 8


def _build(net, *shape):
    import keras

    net(keras.ops.zeros((2, *shape)))
    return net


def _generators(size, channels):
    from wgan_bench.nets import dcgan

    return {"dcgan": dcgan.DCGANGenerator(size, channels, filters=8, kernel_size=3),
            "dcgan_nobn": dcgan.DCGANGenerator(size, channels, filters=8, kernel_size=3, batch_norm=False),
            "constant_filter": dcgan.ConstantFilterGenerator(size, channels, filters=8, kernel_size=3),
            "mlp": dcgan.MLPImageGenerator(size, channels, width=16, depth=2)}


def _layer_types(net):
    return {type(layer).__name__ for layer in net.blocks}


@pytest.mark.parametrize("size", [16, 32])
@pytest.mark.parametrize("channels", [1, 3])
def test_generators_output_shape_and_tanh_range(tf_ready, size, channels):
    z = 50 * np.random.default_rng(0).normal(size=(4, Z)).astype("float32")  # large z saturates tanh
    for kind, net in _generators(size, channels).items():
        x = np.asarray(net(z))
        assert x.shape == (4, size, size, channels), kind
        assert np.abs(x).max() <= 1.0 and np.abs(x).max() > 0.5, kind


@pytest.mark.parametrize("size", [16, 32])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("norm", ["none", "batch", "layer"])
def test_critic_output_and_block_activations(tf_ready, size, channels, norm):
    from wgan_bench.nets import dcgan

    critic = dcgan.DCGANCritic(size, channels, filters=8, kernel_size=3, norm=norm)
    x = np.random.default_rng(0).uniform(-1, 1, (3, size, size, channels)).astype("float32")
    out, acts = critic.call_with_activations(x)
    assert out.shape == (3, 1)
    assert np.allclose(out, critic(x), atol=1e-6)
    # One activation per stride-2 conv, filters doubling down to 4x4.
    assert [tuple(a.shape[1:]) for a in acts] == [(size // 2 ** (i + 1),) * 2 + (8 * 2 ** i,)
                                                  for i in range(len(acts))]
    assert acts[-1].shape[1] == 4 and len(critic.kernels()) == len(acts) + 1


def test_normalisation_layers(tf_ready):
    from wgan_bench.nets import dcgan

    gens = _generators(16, 1)
    assert "BatchNormalization" in _layer_types(gens["dcgan"])
    for kind in ("dcgan_nobn", "constant_filter", "mlp"):
        assert "BatchNormalization" not in _layer_types(gens[kind]), kind
    layer_critic = dcgan.DCGANCritic(32, 3, filters=8, kernel_size=3, norm="layer")
    types = _layer_types(layer_critic)
    assert "BatchNormalization" not in types and "GroupNormalization" in types
    assert "BatchNormalization" in _layer_types(dcgan.DCGANCritic(32, 3, norm="batch"))
    # Layer norm = each sample normalised over (H, W, C), as tflib's Layernorm([1, 2, 3]).
    ln = next(layer for layer in layer_critic.blocks if type(layer).__name__ == "GroupNormalization")
    h = np.random.default_rng(0).normal(3.0, 2.0, (2, 8, 8, 16)).astype("float32")
    y = np.asarray(ln(h)).reshape(2, -1)
    assert np.allclose(y.mean(1), 0, atol=1e-5) and np.allclose(y.std(1), 1, atol=1e-3)


def test_no_first_layer_norm_and_image_size_rules(tf_ready):
    from wgan_bench.nets import dcgan

    critic = dcgan.DCGANCritic(16, 1, filters=8, norm="batch")
    assert type(critic.blocks[1]).__name__ == "LeakyReLU"  # DCGAN: no norm on the first conv
    assert [dcgan.n_resolutions(s) for s in (8, 16, 32, 64)] == [1, 2, 3, 4]
    for bad in (4, 12, 48):
        with pytest.raises(ValueError, match="power of two"):
            dcgan.n_resolutions(bad)
    with pytest.raises(ValueError, match="norm"):
        dcgan.DCGANCritic(16, 1, norm="instance")


@pytest.mark.parametrize("norm", ["none", "batch", "layer"])
def test_clip_constraint_on_every_parameter(tf_ready, norm):
    import keras

    from wgan_bench.methods.constraints import Clip
    from wgan_bench.nets import dcgan

    clip = Clip(0.01)
    critic = _build(dcgan.DCGANCritic(16, 1, filters=8, kernel_size=3, norm=norm, constraint=clip), 16, 16, 1)
    assert len(critic.trainable_variables) > 0
    assert all(v.constraint is clip for v in critic.trainable_variables)
    # Keras applies it right after an optimizer step.
    opt = keras.optimizers.SGD(1.0)
    opt.apply([keras.ops.ones_like(v) for v in critic.trainable_variables], critic.trainable_variables)
    assert max(float(np.abs(v.numpy()).max()) for v in critic.trainable_variables) <= 0.01 + 1e-7


def test_parameter_counts_by_hand(tf_ready):
    from wgan_bench.nets import dcgan

    gens = {k: _build(net, Z) for k, net in _generators(16, 1).items()}
    # DCGAN, z 8 -> 4x4x16 (no bias) -> BN 16 -> deconv 3x3 16->8 (no bias) -> BN 8 -> deconv 8->1 (+bias)
    assert gens["dcgan"].count_params() == 8 * 256 + 4 * 16 + 9 * 16 * 8 + 4 * 8 + 9 * 8 + 1
    assert sum(int(np.prod(v.shape)) for v in gens["dcgan"].trainable_variables) == \
        8 * 256 + 2 * 16 + 9 * 16 * 8 + 2 * 8 + 9 * 8 + 1  # BN moving mean/variance are not trained
    assert gens["dcgan_nobn"].count_params() == (8 * 256 + 256) + (9 * 16 * 8 + 8) + (9 * 8 + 1)
    # constant filters: z 8 -> 4x4x8 -> deconv 8->8 -> deconv 8->1
    assert gens["constant_filter"].count_params() == (8 * 128 + 128) + (9 * 8 * 8 + 8) + (9 * 8 + 1)
    assert gens["mlp"].count_params() == (8 * 16 + 16) + (16 * 16 + 16) + (16 * 256 + 256)
    critic = _build(dcgan.DCGANCritic(16, 1, filters=8, kernel_size=3, norm="layer"), 16, 16, 1)
    # conv 1->8 (+bias), conv 8->16 (no bias) + layer norm (16 scales, 16 offsets), dense 4x4x16 -> 1
    assert critic.count_params() == (9 * 8 + 8) + 9 * 8 * 16 + 2 * 16 + (256 + 1)
    assert [tuple(k.shape) for k in critic.kernels()] == [(3, 3, 1, 8), (3, 3, 8, 16), (256, 1)]


def test_constant_filter_generator_is_an_order_of_magnitude_smaller(tf_ready):
    """WGAN Sec 4.3: no BN and constant filters cut the parameters by "a bit more than an order of
    magnitude" (64x64x3, 5x5 kernels, 64 filters, z 128)."""
    from wgan_bench.nets import dcgan

    full = _build(dcgan.DCGANGenerator(64, 3), 128).count_params()
    crippled = _build(dcgan.ConstantFilterGenerator(64, 3), 128).count_params()
    assert crippled == (128 * 1024 + 1024) + 3 * (25 * 64 * 64 + 64) + (25 * 64 * 3 + 3)
    assert 10 < full / crippled < 15
