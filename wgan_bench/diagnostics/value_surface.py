"""A 2-D critic's value surface on [−3, 3]² (WGAN-GP Fig. 1(a)) and what it says about capacity.

- peaks: mode centres with a local maximum of f within `radius` of them (on the grid);
- grad_compliance: share of real ∪ fake samples with ‖∇f‖ ≥ 0.5·max‖∇f‖ (an optimal critic
  has unit gradient norm almost everywhere between the distributions, WGAN-GP Cor. 1);
- dual_ratio: (E_r f − E_g f) / max‖∇f‖ divided by the exact W1 of the same samples;
- dual_raw_ratio: (E_r f − E_g f) / W1, unnormalised (at most 1 for a 1-Lipschitz critic);
- max_grad_norm: max‖∇f‖ on those samples (at most 1 for a 1-Lipschitz critic).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from ..data.toy import MODES
from ..metrics.surfaces import GRID_LIM, GRID_N, count_peaks
from .base import Diagnostic


def make_surface_fn(model, n: int):
    gen = model.diag_seed_generator
    axis = tf.linspace(-GRID_LIM, GRID_LIM, GRID_N)
    gx, gy = tf.meshgrid(axis, axis)
    grid = tf.stack([tf.reshape(gx, [-1]), tf.reshape(gy, [-1])], axis=1)

    @tf.function(autograph=False)
    def surface():
        real = model.sample_real(n, gen)
        fake = model.generator(model.sample_z(n, gen), training=False)
        x = tf.concat([real, fake], axis=0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            f = model.critic(x, training=False)
        norms = tf.norm(tape.gradient(f, x), axis=1)
        values = tf.reshape(model.critic(grid, training=False), (GRID_N, GRID_N))
        return values, f[:, 0], norms, real, fake

    return surface


def surface_metrics(values, f, norms, real, fake, centres, w1_n: int) -> dict[str, float]:
    from ..metrics.transport import w1_samples  # POT, with the scikit-learn it imports (~1 s): only where recorded

    n = len(real)
    peak = float(norms.max())
    raw = float(f[:n].mean()) - float(f[n:].mean())
    dual = raw / peak if peak > 0 else 0.0
    w1 = w1_samples(real[:w1_n].astype(np.float64), fake[:w1_n].astype(np.float64))
    out = {"grad_compliance": float(np.mean(norms >= 0.5 * peak)), "dual_ratio": dual / w1, "w1_exact": w1,
           "dual_raw_ratio": raw / w1, "max_grad_norm": peak}
    if centres is not None:
        out["peaks"] = count_peaks(values, centres)
    return out


class ValueSurface(Diagnostic):
    artifact = "surface"

    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        self.surface = make_surface_fn(model, cfg.record.quality_samples)

    def record(self, step, logs):
        values, f, norms, real, fake = (np.asarray(t) for t in self.surface())
        self.latest = {"values": values, "real": real[:1000], "fake": fake[:1000]}
        centres = MODES.get(self.cfg.dataset.name, (None, None))[0]
        return surface_metrics(values, f, norms, real, fake, centres, self.cfg.record.w1_samples)
