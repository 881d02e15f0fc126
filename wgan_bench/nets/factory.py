"""Build the generator and critic a run's config asks for (MLPs for toy data, conv nets for images)."""

from __future__ import annotations

import keras

from ..data.registry import is_image, sample_shape
from ..methods.constraints import Clip


def build_generator(cfg):
    from . import dcgan, mlp

    shape = sample_shape(cfg.dataset)
    g = cfg.generator
    if not is_image(cfg.dataset):
        return mlp.build_generator(g, shape[0])
    size, channels = shape[0], shape[2]
    if g.kind == "dcgan":
        net = dcgan.DCGANGenerator(size, channels, g.filters, g.kernel_size, g.batch_norm, name="generator")
    elif g.kind == "constant_filter":
        net = dcgan.ConstantFilterGenerator(size, channels, g.filters, g.kernel_size, name="generator")
    else:
        net = dcgan.MLPImageGenerator(size, channels, g.width, g.depth, name="generator")
    net(keras.ops.zeros((1, g.z_dim)))
    return net


def build_critic(cfg, clip=None):
    """`clip`: None, a float or the variable holding c (shared by the runs of one compiled model)."""
    from . import dcgan, mlp

    shape = sample_shape(cfg.dataset)
    c, init_clip = cfg.critic, cfg.method.clip
    if not is_image(cfg.dataset):
        return mlp.build_critic(c, shape[0], clip=clip, init_clip=init_clip)
    init = (keras.initializers.RandomUniform(-init_clip / 2, init_clip / 2) if c.init == "uniform_half_clip"
            else keras.initializers.HeUniform())
    net = dcgan.DCGANCritic(shape[0], shape[2], c.filters, c.kernel_size, c.norm,
                            constraint=Clip(clip) if clip is not None else None, kernel_initializer=init,
                            name="critic")
    net(keras.ops.zeros((1, *shape)))
    return net
