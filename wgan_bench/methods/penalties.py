"""Gradient penalty (Gulrajani et al. 2017, Alg. 1): two-sided and one-sided.

x̂ = ε·x + (1 − ε)·x̃ with ε ~ U[0, 1] per sample; penalty = E (‖∇f(x̂)‖₂ − 1)² (one-sided:
max(0, ‖∇f‖ − 1)²). The norm has an epsilon inside the square root so its gradient is finite
where ∇f = 0.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from .base import Method

NORM_EPS = 1e-10  # as in tensorflow-gan's wasserstein_gradient_penalty


def gradient_norms(critic, x):
    """‖∇ₓ f(x)‖₂ per sample, with an epsilon inside the square root."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = critic(x, training=True)
    grad = tape.gradient(out, x)
    axes = list(range(1, len(grad.shape)))
    return ops.sqrt(ops.sum(ops.square(grad), axis=axes) + NORM_EPS)


def interpolate(real, fake, eps):
    shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
    eps = ops.reshape(eps, shape)
    return eps * real + (1.0 - eps) * fake


def gradient_penalty(critic, real, fake, seed_generator, one_sided: bool = False, eps=None):
    """Unweighted penalty; multiply by λ at the call site. `eps` may be given for tests."""
    if eps is None:
        eps = keras.random.uniform((ops.shape(real)[0],), seed=seed_generator)
    norms = gradient_norms(critic, interpolate(real, fake, eps))
    gap = norms - 1.0
    if one_sided:
        gap = ops.maximum(gap, 0.0)
    return ops.mean(ops.square(gap))


class GradientPenalty(Method):
    """`method: {name: wgan_gp, gp_weight: λ, gp_one_sided: false}`."""

    @property
    def penalty_weight(self) -> float:
        return self.cfg.gp_weight

    def penalty(self, critic, real, fake, seed_generator):
        return gradient_penalty(critic, real, fake, seed_generator, self.cfg.gp_one_sided)
