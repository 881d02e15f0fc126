"""A method record resolved once per run into what training needs (`Method`), and the GAN.

The `method` registry maps `method.name` to a `Method` subclass; the trainer builds one per
compiled model and the adversarial model, the critic builder and the diagnostics ask it for the
loss, the penalty and the critic's options instead of branching on names. A Lipschitz method
(clipping, a penalty, a normalisation) overrides the hooks it needs.
"""

from __future__ import annotations

from ..registry import LOSSES


class Method:
    """Defaults: a Wasserstein critic with no Lipschitz control of its own."""

    loss_name = "wasserstein"

    def __init__(self, cfg):
        self.cfg = cfg
        self.loss = LOSSES.load(self.loss_name)

    @property
    def wasserstein(self) -> bool:
        """Whether the critic's output difference estimates W1 (so runs record `w_estimate`)."""
        return bool(LOSSES.meta(self.loss_name, "wasserstein"))

    @property
    def penalty_weight(self) -> float:
        return 0.0

    def penalty(self, critic, real, fake, seed_generator):
        """The unweighted penalty added to the critic loss (`penalty_weight` times it)."""
        del critic, real, fake, seed_generator
        return 0.0

    def critic_options(self):
        """Constraint, initialiser scale and layer wrapper for building the critic."""
        from ..nets.factory import CriticOptions

        return CriticOptions()

    def perturb(self, x, seed_generator):
        """What the critic sees of a real or generated batch `x` (the batch itself by default)."""
        del seed_generator
        return x

    def weight_bound(self) -> float | None:
        """The bound the critic's weights are held to, for weight statistics (clipping only)."""
        return None

    def assign(self, cfg) -> None:
        """Take the values of another run with the same compiled graph (e.g. a new clip value)."""
        self.cfg = cfg


class GAN(Method):
    """A discriminator with a BCE loss (`gan_loss`: minimax or non-saturating generator cost)."""

    def __init__(self, cfg):
        self.loss_name = cfg.gan_loss
        super().__init__(cfg)

    def perturb(self, x, seed_generator):
        """Instance noise: both distributions convolved with N(0, σ²), so their supports overlap
        and no discriminator is perfect (Arjovsky & Bottou Sec. 4)."""
        sigma = self.cfg.instance_noise
        if not sigma:
            return x
        import keras

        return x + sigma * keras.random.normal(keras.ops.shape(x), seed=seed_generator)
