"""An example plugin: the LP penalty (Petzka et al. 2018) as a Lipschitz method, and the hinge loss.

Register it with a `wgan_bench.register(...)` call (below, in `register`) or from your package's
`pyproject.toml`:

    [project.entry-points."wgan_bench.plugins"]
    my_method = "my_method:register"

then name it in a YAML file: `method: {name: wgan_lp, lp_weight: 10}` or
`method: {name: gan, gan_loss: hinge}`. Nothing here imports TensorFlow until a run uses it.
"""

from __future__ import annotations

from pydantic import Field

import wgan_bench
from wgan_bench.config.schema import MethodConfig
from wgan_bench.methods.base import Method


class LPConfig(MethodConfig):
    """Fields of `method: {name: wgan_lp}`: the shared ones (n_critic, bursts) plus the weight."""

    lp_weight: float = Field(10.0, ge=0, description="λ of the one-sided penalty")


class LipschitzPenalty(Method):
    """Wasserstein loss; penalty E max(0, ‖∇f(x̂)‖ − 1)² on the WGAN-GP interpolates."""

    @property
    def penalty_weight(self) -> float:
        return self.cfg.lp_weight

    def penalty(self, critic, real, fake, seed_generator):
        from wgan_bench.methods.penalties import gradient_penalty

        return gradient_penalty(critic, real, fake, seed_generator, one_sided=True)


class Hinge:
    """The hinge loss (Lim & Ye 2017; Miyato et al. 2018) on the critic's raw outputs."""

    @staticmethod
    def critic(real_out, fake_out):
        from keras import ops

        return ops.mean(ops.relu(1.0 - real_out)) + ops.mean(ops.relu(1.0 + fake_out))

    @staticmethod
    def generator(fake_out):
        from keras import ops

        return -ops.mean(fake_out)


def register() -> None:
    wgan_bench.register("method", "wgan_lp", "my_method:LipschitzPenalty", LPConfig,
                        doc="Wasserstein loss plus the one-sided LP penalty (Petzka et al. 2018)")
    wgan_bench.register("loss", "hinge", "my_method:Hinge", wasserstein=False)
