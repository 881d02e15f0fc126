"""Optimizers from an `OptimizerConfig` (one instance per network)."""

from __future__ import annotations

import keras


def build_optimizer(cfg, learning_rate: float):
    if cfg.name == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=cfg.beta_1, beta_2=cfg.beta_2)
    if cfg.name == "rmsprop":
        # PyTorch/TF1 RMSProp as in the reference code: no momentum, not centered.
        return keras.optimizers.RMSprop(learning_rate, rho=0.9)
    if cfg.name == "sgd":
        return keras.optimizers.SGD(learning_rate)
    raise KeyError(cfg.name)


def reset_optimizer(opt) -> None:
    """Zero the step counter and slot variables, keeping hyper-parameters, for a new seed."""
    for var in opt.variables:
        if "learning_rate" in var.path:
            continue
        var.assign(keras.ops.zeros(var.shape, var.dtype))
