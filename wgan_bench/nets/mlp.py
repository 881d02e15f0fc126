"""MLP generator and critic (gan_toy.py, WGAN-GP Fig. 1): Dense -> [norm] -> activation, linear out.

The critic can return its hidden activations so diagnostics can take gradients with respect
to each layer's output (‖∂L_D/∂h_l‖, layer 1 nearest the input).
"""

from __future__ import annotations

import keras

from ..config.schema import NetConfig
from ..methods.constraints import Clip
from .activations import masked_relu

# ReLU as a mask select: same values and gradients, no wasted second-order path (activations.py).
ACTIVATIONS = {"relu": masked_relu, "leaky_relu": "leaky_relu", "tanh": "tanh", "elu": "elu"}


def kernel_initializer(cfg: NetConfig, clip: float | None):
    if cfg.init == "he_uniform":  # tflib 'he' init: uniform with std sqrt(2 / fan_in)
        return keras.initializers.HeUniform()
    if cfg.init == "glorot_uniform":
        return keras.initializers.GlorotUniform()
    if cfg.init == "uniform_half_clip":  # starts strictly inside the clipping box
        return keras.initializers.RandomUniform(-clip / 2, clip / 2)
    raise KeyError(cfg.init)


class MLP(keras.Model):
    def __init__(self, cfg: NetConfig, out_dim: int, constraint=None, init_clip: float | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        init = kernel_initializer(cfg, init_clip)
        self.hidden = []
        for i in range(cfg.depth):
            block = [keras.layers.Dense(cfg.width, kernel_initializer=init, kernel_constraint=constraint,
                                        bias_constraint=constraint, name=f"dense_{i + 1}")]
            if cfg.norm == "batch":
                block.append(keras.layers.BatchNormalization(gamma_constraint=constraint,
                                                             beta_constraint=constraint, name=f"bn_{i + 1}"))
            elif cfg.norm == "layer":
                block.append(keras.layers.LayerNormalization(gamma_constraint=constraint,
                                                             beta_constraint=constraint, name=f"ln_{i + 1}"))
            block.append(keras.layers.Activation(ACTIVATIONS[cfg.activation], name=f"act_{i + 1}"))
            self.hidden.append(block)
        self.out = keras.layers.Dense(out_dim, kernel_initializer=init, kernel_constraint=constraint,
                                      bias_constraint=constraint, name="out")

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
        return [layer.kernel for block in self.hidden for layer in block
                if isinstance(layer, keras.layers.Dense)] + [self.out.kernel]


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


def build_generator(cfg, data_dim: int):
    if cfg.kind == "noise":
        net = NoiseGenerator(cfg.std, name="generator")
        net(keras.ops.zeros((1, data_dim)))
        return net
    if cfg.kind == "shift":
        net = ShiftGenerator(cfg.theta, data_dim, name="generator")
        net(keras.ops.zeros((1, data_dim)))
        return net
    net = MLP(cfg, data_dim, name="generator")
    net(keras.ops.zeros((1, cfg.z_dim)))
    return net


def build_critic(cfg, data_dim: int, clip=None, init_clip: float | None = None) -> MLP:
    """`clip`: None, a float or a variable holding c; `init_clip`: c for the ±c/2 initialiser."""
    net = MLP(cfg, 1, constraint=Clip(clip) if clip is not None else None, init_clip=init_clip, name="critic")
    net(keras.ops.zeros((1, data_dim)))
    return net
