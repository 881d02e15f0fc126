"""Weight clipping as a Keras constraint (WGAN, Arjovsky et al. 2017, Alg. 1)."""

from __future__ import annotations

import keras
from keras import ops


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
