"""MLP generator and critic (gan_toy.py, WGAN-GP Fig. 1): Dense -> [norm] -> activation, linear out.

The critic can return its hidden activations so diagnostics can take gradients with respect
to each layer's output (‖∂L_D/∂h_l‖, layer 1 nearest the input).
"""

from __future__ import annotations

import keras

from ..registry import ACTIVATIONS, NORMS


def _same(layer):
    return layer


class MLP(keras.Model):
    """`constraint` goes on every weight, `wrap` around every dense layer (both set by the method)."""

    def __init__(self, cfg, out_dim: int, constraint=None, kernel_initializer="he_uniform", wrap=None, **kwargs):
        super().__init__(**kwargs)
        wrap = wrap or _same
        self.hidden = []
        for i in range(cfg.depth):
            block = [wrap(keras.layers.Dense(cfg.width, kernel_initializer=kernel_initializer,
                                             kernel_constraint=constraint, bias_constraint=constraint,
                                             name=f"dense_{i + 1}"))]
            if cfg.norm != "none":
                block.append(NORMS.load(cfg.norm)(gamma_constraint=constraint, beta_constraint=constraint,
                                                  name=f"{cfg.norm}_norm_{i + 1}"))
            block.append(keras.layers.Activation(ACTIVATIONS.load(cfg.activation), name=f"act_{i + 1}"))
            self.hidden.append(block)
        self.out = wrap(keras.layers.Dense(out_dim, kernel_initializer=kernel_initializer, kernel_constraint=constraint,
                                           bias_constraint=constraint, name="out"))

    def call_with_activations(self, x, training=False):
        acts = []
        for block in self.hidden:
            for layer in block:
                x = layer(x, training=training)
            acts.append(x)
        return self.out(x), acts

    def call(self, x, training=False):
        return self.call_with_activations(x, training=training)[0]

    def kernels(self):
        dense = [block[0] for block in self.hidden] + [self.out]
        return [getattr(layer, "layer", layer).kernel for layer in dense]  # through a wrapper


class ShiftGenerator(keras.Model):
    """G(x) = x + theta·e1 on fresh real samples: a fixed generator with one parameter, theta."""

    def __init__(self, theta: float, data_dim: int, **kwargs):
        super().__init__(**kwargs)
        self.data_dim = data_dim
        self.theta = self.add_weight(shape=(), initializer=keras.initializers.Constant(theta), name="theta")
        self.axis = keras.ops.one_hot(0, data_dim)

    def call(self, x, training=False):
        return x + self.theta * self.axis

    def kernels(self):
        return []


class NoiseGenerator(keras.Model):
    """G(x) = x + std·N(0, I) on fresh real samples: gan_toy.py's fixed generator."""

    def __init__(self, std: float, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.std = std
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        return x + self.std * keras.random.normal(keras.ops.shape(x), seed=self.seed_generator)

    def kernels(self):
        return []


def build_critic(cfg, data_dim: int, constraint=None, kernel_initializer="he_uniform", wrap=None) -> MLP:
    net = MLP(cfg, 1, constraint, kernel_initializer, wrap, name="critic")
    net(keras.ops.zeros((1, data_dim)))
    return net
