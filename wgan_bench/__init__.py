"""wgan-bench: a reproducibility benchmark suite for Wasserstein GANs.

Importing the package is cheap and never imports TensorFlow: configuration, result store,
claims and report work on machines without it. Training code lives in `wgan_bench.methods`
and `wgan_bench.runner` and imports TensorFlow lazily. `wgan_bench.register` adds a loss, a
method, a network, a data set or a diagnostic (README, "Add your method").
"""

from .registry import register

__all__ = ["register"]
__version__ = "0.1.0"
