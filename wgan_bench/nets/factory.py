"""Build the generator and critic a run's config asks for: the targets of the `generator` and
`critic` registries (MLPs for toy data, conv nets for images).

A builder takes the network's config section, the data's sample shape and, for critics, the
`CriticOptions` the run's method asks for (a weight constraint, the scale of the ±c/2
initialiser, a wrapper for every linear layer), so networks know nothing of methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import keras


@dataclass(frozen=True)
class CriticOptions:
    constraint: Any = None  # a keras Constraint on every weight (weight clipping)
    init_scale: float | None = None  # c of the U(-c/2, c/2) initialiser (`init: uniform_half_clip`)
    wrap: Callable | None = None  # applied to every dense/conv layer (spectral normalisation)


def kernel_initializer(name: str, scale: float | None = None) -> str | dict:
    """A Keras initializer *identifier*, so every layer builds its own instance: one unseeded
    instance shared by layers gives every layer of the same shape the same initial weights."""
    if name in ("he_uniform", "glorot_uniform"):  # tflib 'he' init: uniform with std sqrt(2 / fan_in)
        return name
    if name == "uniform_half_clip":  # starts strictly inside the clipping box
        return {"class_name": "RandomUniform", "config": {"minval": -scale / 2, "maxval": scale / 2}}
    raise KeyError(name)


def mlp_generator(cfg, shape):
    from . import dcgan, mlp

    if len(shape) == 1:
        return _built(mlp.MLP(cfg, shape[0], kernel_initializer=kernel_initializer(cfg.init), name="generator"),
                      cfg.z_dim)
    return _built(dcgan.MLPImageGenerator(shape[0], shape[2], cfg.width, cfg.depth, name="generator"), cfg.z_dim)


def shift_generator(cfg, shape):
    from . import mlp

    return _built(mlp.ShiftGenerator(cfg.theta, shape[0], name="generator"), shape[0])


def noise_generator(cfg, shape):
    from . import mlp

    return _built(mlp.NoiseGenerator(cfg.std, name="generator"), shape[0])


def dcgan_generator(cfg, shape):
    from . import dcgan

    net = dcgan.DCGANGenerator(shape[0], shape[2], cfg.filters, cfg.kernel_size, cfg.batch_norm, name="generator",
                               **_shape(cfg))
    return _built(net, cfg.z_dim)


def constant_filter_generator(cfg, shape):
    from . import dcgan

    return _built(dcgan.ConstantFilterGenerator(shape[0], shape[2], cfg.filters, cfg.kernel_size, name="generator"),
                  cfg.z_dim)


def mlp_critic(cfg, shape, options: CriticOptions = CriticOptions()):
    from . import mlp

    return mlp.build_critic(cfg, shape[0], options.constraint,
                            kernel_initializer(cfg.init, options.init_scale), options.wrap)


def dcgan_critic(cfg, shape, options: CriticOptions = CriticOptions()):
    from . import dcgan

    net = dcgan.DCGANCritic(shape[0], shape[2], cfg.filters, cfg.kernel_size, cfg.norm, constraint=options.constraint,
                            kernel_initializer=kernel_initializer(cfg.init, options.init_scale), wrap=options.wrap,
                            name="critic", **_shape(cfg))
    net(keras.ops.zeros((1, *shape)))
    return net


def _shape(cfg) -> dict:
    """A `conv` net's depth and nonlinearity; DCGAN's own where the kind has none."""
    return {"depth": getattr(cfg, "depth", None), "activation": getattr(cfg, "activation", None)}


def _built(net, in_dim: int):
    net(keras.ops.zeros((1, in_dim)))
    return net
