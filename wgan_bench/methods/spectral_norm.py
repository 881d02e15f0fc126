"""Spectral normalisation (Miyato et al. 2018): every critic layer computes with W / σ(W).

σ(W) is the largest singular value of the kernel (a conv kernel reshaped to (k·k·c_in, c_out)),
estimated by power iteration from a persistent vector u: `power_iterations` steps per training
call (the paper: 1), u kept between calls; at inference u is used as stored. The paper starts u
at random; here u starts from `WARM_START` iterations on the initial kernel, so the untrained
critic (the claims' control at step 0) is normalised too. Gradients flow through σ with u and v
held fixed, as in the paper. A layer's output is linear in its kernel, so (layer(x) − b) / σ + b
is the layer with the normalised kernel. For dense layers with 1-Lipschitz activations and no
normalisation layers the critic's Lipschitz constant is then at most the product of the σ's, 1
(for a conv layer σ of the reshaped kernel is not its operator norm).
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from .base import Method

WARM_START = 50  # power iterations on the initial kernel


def _unit(x):
    return x / ops.sqrt(ops.sum(ops.square(x)) + 1e-12)


class SpectralNormalization(keras.layers.Wrapper):
    """Wraps a linear layer (Dense or Conv, no activation) so it uses W / σ(W)."""

    def __init__(self, layer, power_iterations: int = 1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations < 1:
            raise ValueError(f"power_iterations must be >= 1, got {power_iterations}")
        if getattr(layer, "activation", keras.activations.linear) is not keras.activations.linear:
            raise ValueError("spectral normalisation wraps a layer without activation")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.u = self.add_weight(shape=(1, self.layer.kernel.shape[-1]), initializer="random_normal",
                                 trainable=False, name="u")
        self.warm = False

    def _iterate(self, u, steps: int):
        w = ops.reshape(self.layer.kernel, (-1, self.layer.kernel.shape[-1]))  # (in, out)
        for _ in range(steps):
            v = _unit(ops.matmul(u, ops.transpose(w)))
            u = _unit(ops.matmul(v, w))
        return u

    def sigma(self, training: bool = False):
        w = ops.reshape(self.layer.kernel, (-1, self.layer.kernel.shape[-1]))  # (in, out)
        u = ops.convert_to_tensor(self.u)
        if training:
            u = ops.stop_gradient(self._iterate(u, self.power_iterations))
            self.u.assign(u)
        v = ops.stop_gradient(_unit(ops.matmul(u, ops.transpose(w))))
        return ops.sum(ops.matmul(v, w) * u)

    def call(self, x, training=False):
        if not self.warm and tf.executing_eagerly():
            # The first eager call (the nets are built on zeros): Keras may build layers while
            # tracing symbolically, where assigning u would not persist.
            self.u.assign(self._iterate(_unit(ops.convert_to_tensor(self.u)), WARM_START))
            self.warm = True
        sigma = self.sigma(training)
        out = self.layer(x)
        bias = getattr(self.layer, "bias", None)
        return out / sigma if bias is None else (out - bias) / sigma + bias

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}


class SpectralNorm(Method):
    """`method: {name: wgan_sn, power_iterations: 1}`: a Wasserstein critic whose every layer is
    spectrally normalised; no clip, no penalty."""

    def critic_options(self):
        from ..nets.factory import CriticOptions

        iterations = self.cfg.power_iterations
        return CriticOptions(wrap=lambda layer: SpectralNormalization(layer, iterations))
