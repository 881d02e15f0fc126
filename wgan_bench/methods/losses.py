"""Adversarial losses, one `loss` registry entry each (wgan_bench.builtin):
`Loss(critic(real_out, fake_out), generator(fake_out))`.

Inputs are the critic's raw outputs (logits for the GAN losses); results are batch means.
The critic loss never includes a penalty, so for the Wasserstein loss its negative is the
critic's estimate of W1.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from keras import ops


class Loss(NamedTuple):
    critic: Callable
    generator: Callable


def _bce_critic(real_out, fake_out):
    # D = sigmoid(logit): -log D(x) = softplus(-logit), -log(1 - D(x)) = softplus(logit)
    return ops.mean(ops.softplus(-real_out)) + ops.mean(ops.softplus(fake_out))


def _minimax_generator(fake_out):
    return -ops.mean(ops.softplus(fake_out))  # E log(1 - D(G(z))): the saturating cost


def _non_saturating_generator(fake_out):
    return ops.mean(ops.softplus(-fake_out))  # -E log D(G(z))


def _wasserstein_critic(real_out, fake_out):
    return ops.mean(fake_out) - ops.mean(real_out)


def _wasserstein_generator(fake_out):
    return -ops.mean(fake_out)


MINIMAX = Loss(_bce_critic, _minimax_generator)
NON_SATURATING = Loss(_bce_critic, _non_saturating_generator)
WASSERSTEIN = Loss(_wasserstein_critic, _wasserstein_generator)
