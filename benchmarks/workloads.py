"""Benchmark workloads: one wgan-bench RunConfig each, and the FLOPs each generator iteration needs.

FLOPs count matrix products only (2·m·k·n each); element-wise work is a few percent here.
"""

from __future__ import annotations

from dataclasses import dataclass

GP = {"method": {"name": "wgan_gp", "gp_weight": 10, "n_critic": 5},
      "optimizer": {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9}}
CLIP = {"method": {"name": "wgan", "clip": 0.01, "n_critic": 5},
        "optimizer": {"name": "rmsprop", "learning_rate": 5e-5}}


@dataclass(frozen=True)
class Workload:
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
        from wgan_bench.config.schema import RunConfig

        net = {"depth": self.depth, "width": self.width}
        return RunConfig.model_validate({
            "dataset": {"name": self.dataset}, "generator": {**net, "z_dim": self.z_dim}, "critic": net,
            **self.method, "train": {"steps": steps, "batch_size": self.batch}, "record": {"every": every}})

    def dims(self, first: int, last: int) -> list[tuple[int, int]]:
        sizes = [first] + [self.width] * self.depth + [last]
        return list(zip(sizes[:-1], sizes[1:]))

    def needed_gflop(self) -> float:
        """Matmul GFLOP per generator iteration that the algorithm needs (see benchmarks/README.md)."""
        b = self.batch
        g, d = self.dims(self.z_dim, self.data_dim), self.dims(self.data_dim, 1)
        fwd_g, fwd_d = (2 * b * sum(i * o for i, o in dims) for dims in (g, d))
        first_d, first_g = 2 * b * d[0][0] * d[0][1], 2 * b * g[0][0] * g[0][1]
        # Critic update: G forward, D forward on real and fake, weight gradients and hidden-layer
        # input gradients for both batches (the first layer's input gradient is not needed).
        critic = fwd_g + 2 * fwd_d + 2 * (fwd_d + fwd_d - first_d)
        if self.method["method"]["name"] == "wgan_gp":
            # D forward and input gradient on the interpolates, then differentiating that backward
            # pass (a chain of matmuls) with respect to weights and incoming gradients: 2x its cost.
            critic += fwd_d + fwd_d + 2 * fwd_d
        # Generator update: G and D forward, D input gradients, G weight and hidden input gradients.
        generator = fwd_g + fwd_d + fwd_d + fwd_g + (fwd_g - first_g)
        return (self.method["method"]["n_critic"] * critic + generator) / 1e9


WORKLOADS = {w.name: w for w in [
    Workload("toy-gp", "gan_toy.py WGAN-GP: 3 x 512 ReLU MLPs, 8 Gaussians, batch 256, n_critic 5",
             "8gaussians", 3, 512, 256, GP),
    Workload("toy-clip", "the same with weight clipping (c = 0.01, RMSProp)", "8gaussians", 3, 512, 256, CLIP),
    Workload("deep-clip", "clip_sweep: 12 x 512 ReLU MLPs, Swiss Roll, batch 64, clipping", "swissroll", 12, 512,
             64, CLIP),
    Workload("small-1d", "divergences' 1-D setting: 1 -> 64 -> 64 -> 1, batch 64, WGAN-GP", "gaussian_1d", 2, 64,
             64, GP, z_dim=1, data_dim=1),
]}
