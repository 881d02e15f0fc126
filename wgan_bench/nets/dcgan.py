"""Image generators and critic (WGAN Figs 5-7, WGAN-GP Fig 2) for size x size x channels images.

Sizes are powers of two >= 8: the convolutional nets start at 4x4 and double (or halve) the
resolution with stride-2 layers. Defaults follow WGAN-GP's gan_64x64.py (64 filters, 5x5
kernels); CPU runs use 3x3. Generators tanh into [-1, 1] and take their noise size from the
first call (build them on zeros((1, z_dim)); WGAN-GP uses 128); the critic ends in one linear unit.
"""

from __future__ import annotations

import keras
from keras import layers

from ..registry import ACTIVATIONS


def n_resolutions(size: int) -> int:
    """Number of stride-2 layers between 4x4 and size x size."""
    if size < 8 or size & (size - 1):
        raise ValueError(f"image size must be a power of two >= 8, got {size}")
    return size.bit_length() - 3


def extra_layers(depth: int | None, size: int) -> int:
    """Stride-1 convs beyond the stride-2 ones for a net of `depth` conv layers (None: none)."""
    n = n_resolutions(size)
    if depth is not None and depth < n:
        raise ValueError(f"depth {depth} is below the {n} stride-2 layers a {size} x {size} image needs")
    return 0 if depth is None else depth - n


def nonlinearity(name: str | None, default):
    """The `activation` registry entry `name` as a layer; `default()` (the DCGAN layer) when None."""
    return default() if name is None else layers.Activation(ACTIVATIONS.load(name))


class Stack(keras.Model):
    """Layers applied in order; `kernels()` lists the dense/conv kernels, input side first."""

    def __init__(self, blocks, **kwargs):
        super().__init__(**kwargs)
        self.blocks = blocks

    def call(self, x, training=False):
        for layer in self.blocks:
            x = layer(x, training=training)
        return x

    def kernels(self):
        inner = [getattr(layer, "layer", layer) for layer in self.blocks]  # through a wrapper
        linear = (layers.Dense, layers.Conv2D, layers.Conv2DTranspose)
        return [layer.kernel for layer in inner if isinstance(layer, linear)]


class DCGANGenerator(Stack):
    """z -> dense 4x4x(filters·2^(n-1)) -> stride-2 deconvs halving the filters -> deconv to C, tanh.

    With batch norm the layers before it have no bias (BN's beta replaces it), as in DCGAN.
    `depth` conv layers in all (default: one per resolution) puts the extra ones, stride 1, at 4x4;
    `activation` replaces ReLU (WGAN-GP Sec. 5.1's random architectures vary both).
    """

    def __init__(self, size: int, channels: int, filters: int = 64, kernel_size: int = 5,
                 batch_norm: bool = True, kernel_initializer="he_uniform", depth: int | None = None,
                 activation: str | None = None, **kwargs):
        n = n_resolutions(size)
        f = filters * 2 ** (n - 1)
        conv = {"kernel_size": kernel_size, "strides": 2, "padding": "same", "kernel_initializer": kernel_initializer}

        def norm_relu():
            act = nonlinearity(activation, layers.ReLU)
            return [layers.BatchNormalization(), act] if batch_norm else [act]

        blocks = [layers.Dense(16 * f, use_bias=not batch_norm, kernel_initializer=kernel_initializer),
                  layers.Reshape((4, 4, f)), *norm_relu()]
        for _ in range(extra_layers(depth, size)):
            blocks += [layers.Conv2DTranspose(f, use_bias=not batch_norm, **{**conv, "strides": 1}), *norm_relu()]
        for _ in range(n - 1):
            f //= 2
            blocks += [layers.Conv2DTranspose(f, use_bias=not batch_norm, **conv), *norm_relu()]
        blocks += [layers.Conv2DTranspose(channels, **conv), layers.Activation("tanh")]
        super().__init__(blocks, **kwargs)


class ConstantFilterGenerator(Stack):
    """WGAN Fig 6's generator: no batch norm and `filters` channels in every layer.

    As WGAN-GP's WGANPaper_CrippledDCGANGenerator (gan_64x64.py L272-292): dense 4x4xF, ReLU,
    (n-1) x [stride-2 deconv F -> F, ReLU], stride-2 deconv F -> C, tanh. It has the DCGAN
    generator's depth and strides, so the comparison isolates "no BN, constant width".
    """

    def __init__(self, size: int, channels: int, filters: int = 64, kernel_size: int = 5,
                 kernel_initializer="he_uniform", **kwargs):
        conv = {"kernel_size": kernel_size, "strides": 2, "padding": "same", "kernel_initializer": kernel_initializer}
        blocks = [layers.Dense(16 * filters, kernel_initializer=kernel_initializer),
                  layers.Reshape((4, 4, filters)), layers.ReLU()]
        for _ in range(n_resolutions(size) - 1):
            blocks += [layers.Conv2DTranspose(filters, **conv), layers.ReLU()]
        blocks += [layers.Conv2DTranspose(channels, **conv), layers.Activation("tanh")]
        super().__init__(blocks, **kwargs)


class MLPImageGenerator(Stack):
    """WGAN Fig 7 / WGAN-GP FCGenerator: `depth` hidden ReLU layers of `width`, linear, tanh, reshape."""

    def __init__(self, size: int, channels: int, width: int = 512, depth: int = 4,
                 kernel_initializer="he_uniform", **kwargs):
        blocks = []
        for _ in range(depth):
            blocks += [layers.Dense(width, kernel_initializer=kernel_initializer), layers.ReLU()]
        blocks += [layers.Dense(size * size * channels, kernel_initializer=kernel_initializer),
                   layers.Activation("tanh"), layers.Reshape((size, size, channels))]
        super().__init__(blocks, **kwargs)


class DCGANCritic(Stack):
    """Stride-2 convs (filters doubling, down to 4x4), LeakyReLU 0.2, then one linear unit.

    `norm` applies to every conv but the first (DCGAN): "batch", or "layer" = normalisation over
    (H, W, C) per sample with per-channel scale and offset, as tflib's Layernorm in WGAN-GP's
    critics (a GP critic must not mix samples, so no batch norm there). `constraint` (weight
    clipping) is attached to every kernel, bias, gamma and beta. `depth` conv layers in all (default:
    one per resolution) adds stride-1 ones at 4x4; `activation` replaces LeakyReLU 0.2.
    """

    def __init__(self, size: int, channels: int, filters: int = 64, kernel_size: int = 5, norm: str = "none",
                 constraint=None, kernel_initializer="he_uniform", wrap=None, depth: int | None = None,
                 activation: str | None = None, **kwargs):
        if norm not in ("none", "batch", "layer"):
            raise ValueError(f"norm must be none, batch or layer, got {norm!r}")
        wrap = wrap or (lambda layer: layer)
        clip = {"kernel_constraint": constraint, "bias_constraint": constraint,
                "kernel_initializer": kernel_initializer}
        blocks, block_ends = [], []
        n = n_resolutions(size)
        for i in range(n + extra_layers(depth, size)):
            normed = i > 0 and norm != "none"
            blocks.append(wrap(layers.Conv2D(filters * 2 ** min(i, n - 1), kernel_size, strides=2 if i < n else 1,
                                             padding="same", use_bias=not normed, **clip)))
            if normed and norm == "batch":
                blocks.append(layers.BatchNormalization(gamma_constraint=constraint, beta_constraint=constraint))
            elif normed:
                blocks.append(layers.GroupNormalization(groups=1, epsilon=1e-5, gamma_constraint=constraint,
                                                        beta_constraint=constraint))
            blocks.append(nonlinearity(activation, lambda: layers.LeakyReLU(0.2)))
            block_ends.append(len(blocks) - 1)
        blocks += [layers.Flatten(), wrap(layers.Dense(1, **clip))]
        super().__init__(blocks, **kwargs)
        self.block_ends = block_ends

    def call_with_activations(self, x, training=False):
        """(output, [output of each conv block]), for per-layer gradient diagnostics."""
        acts = []
        for i, layer in enumerate(self.blocks):
            x = layer(x, training=training)
            if i in self.block_ends:
                acts.append(x)
        return x, acts

