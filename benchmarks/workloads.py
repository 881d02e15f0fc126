"""Benchmark workloads: one wgan-bench RunConfig each, and the FLOPs each generator iteration needs.

FLOPs count matrix products only (2·m·k·n each); element-wise work is a few percent here. They
are split by shape class, because this CPU runs them at different rates: products that contract
over the batch (weight gradients, x^T·dy) and all others (forward passes and input gradients).
Image workloads (conv nets) have no hand count.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

GP = {"method": {"name": "wgan_gp", "gp_weight": 10, "n_critic": 5},
      "optimizer": {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}}
CLIP = {"method": {"name": "wgan", "clip": 0.01, "n_critic": 5},
        "optimizer": {"name": "rmsprop", "learning_rate": 5e-5}}


def _run_config(settings: dict, steps: int, every: int, batch: int):
    from wgan_bench.config.loader import deep_merge
    from wgan_bench.config.schema import RunConfig

    timing = {"train": {"steps": steps, "batch_size": batch}, "record": {"every": every}}
    return RunConfig.model_validate(deep_merge(settings, timing))


@dataclass(frozen=True)
class MLPWorkload:
    name: str
    about: str
    dataset: str
    depth: int
    width: int
    batch: int
    method: dict
    z_dim: int = 2
    data_dim: int = 2

    def config(self, steps: int, every: int):
        net = {"depth": self.depth, "width": self.width}
        settings = {"dataset": {"name": self.dataset}, "generator": {**net, "z_dim": self.z_dim}, "critic": net,
                    **self.method}
        return _run_config(settings, steps, every, self.batch)

    def dims(self, first: int, last: int) -> list[tuple[int, int]]:
        sizes = [first] + [self.width] * self.depth + [last]
        return list(itertools.pairwise(sizes))

    def needed_gflop(self) -> dict[str, float]:
        """Matmul GFLOP per generator iteration that the algorithm needs, per shape class."""
        b = self.batch
        g, d = self.dims(self.z_dim, self.data_dim), self.dims(self.data_dim, 1)
        fwd_g, fwd_d = (2 * b * sum(i * o for i, o in dims) for dims in (g, d))
        first_d, first_g = 2 * b * d[0][0] * d[0][1], 2 * b * g[0][0] * g[0][1]
        # Critic update: G forward, D forward on real and fake, then for both batches the weight
        # gradients (batch-contracted) and the hidden layers' input gradients.
        other = fwd_g + 2 * fwd_d + 2 * (fwd_d - first_d)
        contracted = 2 * fwd_d
        if self.method["method"]["name"] == "wgan_gp":
            # D forward and input gradient on the interpolates, then differentiating that backward
            # pass (a chain of matmuls) with respect to the weights (batch-contracted) and to the
            # incoming gradients.
            other += 3 * fwd_d
            contracted += fwd_d
        n = self.method["method"]["n_critic"]
        # Generator update: G and D forward, D input gradients, G weight and hidden input gradients.
        return {"other": (n * other + fwd_g + 2 * fwd_d + fwd_g - first_g) / 1e9,
                "batch_contracted": (n * contracted + fwd_g) / 1e9}


@dataclass(frozen=True)
class ImageWorkload:
    name: str
    about: str
    batch: int
    settings: dict = field(hash=False)

    def config(self, steps: int, every: int):
        return _run_config(self.settings, steps, every, self.batch)

    def needed_gflop(self) -> None:
        return None  # no hand count for conv nets


DCGAN_DIGITS = {  # dcgan_no_bn's bn-gp arm (experiments/dcgan_no_bn.yaml)
    "dataset": {"name": "digits", "size": 16},
    "generator": {"kind": "dcgan", "batch_norm": True, "z_dim": 128, "filters": 32, "kernel_size": 3},
    "critic": {"kind": "dcgan", "filters": 32, "kernel_size": 3, "norm": "layer"},
    "method": {"name": "wgan_gp", "gp_weight": 10, "n_critic": 5},
    "optimizer": {"name": "adam", "learning_rate": 3e-4, "beta_1": 0.5, "beta_2": 0.9},
    "train": {"jit_compile": False},
}

WORKLOADS = {w.name: w for w in [
    MLPWorkload("toy-gp", "gan_toy.py WGAN-GP: 3 x 512 ReLU MLPs, 8 Gaussians, batch 256, n_critic 5",
                "8gaussians", 3, 512, 256, GP),
    MLPWorkload("toy-clip", "the same with weight clipping (c = 0.01, RMSProp)", "8gaussians", 3, 512, 256, CLIP),
    MLPWorkload("deep-clip", "clip_sweep: 12 x 512 ReLU MLPs, Swiss Roll, batch 64, clipping", "swissroll", 12, 512,
                64, CLIP),
    MLPWorkload("small-1d", "divergences' 1-D setting: 1 -> 64 -> 64 -> 1, batch 64, WGAN-GP", "gaussian_1d", 2, 64,
                64, GP, z_dim=1, data_dim=1),
    ImageWorkload("digits-gp", "dcgan_no_bn's bn-gp: DCGAN generator, layer-norm DCGAN critic, 16 x 16 digits, "
                  "batch 64, WGAN-GP, no XLA", 64, DCGAN_DIGITS),
]}
