"""Weight clipping as a Keras constraint (WGAN, Arjovsky et al. 2017, Alg. 1)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="wgan_bench")
class Clip(keras.constraints.Constraint):
    """Clamp every entry into [-c, c]; Keras applies it right after each optimizer step."""

    def __init__(self, c: float):
        if not c > 0:
            raise ValueError(f"clip value must be > 0, got {c}")
        self.c = float(c)

    def __call__(self, w):
        return ops.clip(w, -self.c, self.c)

    def get_config(self):
        return {"c": self.c}
