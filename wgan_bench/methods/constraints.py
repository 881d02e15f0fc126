"""Weight clipping (WGAN, Arjovsky et al. 2017, Alg. 1): a Keras constraint and its method."""

from __future__ import annotations

import keras
from keras import ops

from .base import Method


@keras.saving.register_keras_serializable(package="wgan_bench")
class Clip(keras.constraints.Constraint):
    """Clamp every entry into [-c, c]; Keras applies it right after each optimizer step.

    `c` may be a non-trainable `keras.Variable`, so runs that differ only in c share one
    compiled train step (the value is assigned before each run).
    """

    def __init__(self, c):
        if isinstance(c, (int, float)) and not c > 0:
            raise ValueError(f"clip value must be > 0, got {c}")
        self.c = c

    def __call__(self, w):
        return ops.clip(w, -self.c, self.c)

    def get_config(self):
        return {"c": float(ops.convert_to_numpy(self.c))}


class WeightClipping(Method):
    """`method: {name: wgan, clip: c}`: every critic weight clipped into [-c, c] after each update."""

    def __init__(self, cfg):
        super().__init__(cfg)
        self.c = keras.Variable(cfg.clip, trainable=False, name="clip")

    def critic_options(self):
        from ..nets.factory import CriticOptions

        return CriticOptions(constraint=Clip(self.c), init_scale=self.cfg.clip)

    def weight_bound(self) -> float:
        return self.cfg.clip

    def assign(self, cfg) -> None:
        super().assign(cfg)
        self.c.assign(cfg.clip)
