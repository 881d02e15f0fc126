"""Sample quality of a 2-D generator on record steps: mode coverage and exact W1 to real data."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from ..data.toy import MODES
from ..metrics.modes import mode_metrics, modes_learned
from .base import Diagnostic


def make_sampler_fn(model, n: int):
    """Compiled: n generated and n real samples from the diagnostics' random stream."""
    gen = model.diag_seed_generator

    @tf.function(autograph=False)
    def draw():
        fake = model.generator(model.sample_z(n, gen), training=False)
        return fake, model.sample_real(n, gen)

    return draw


def quality_metrics(fake: np.ndarray, real: np.ndarray, dataset: str, w1_n: int) -> dict[str, float]:
    """Mode metrics (mixtures only) on all samples; exact W1 on the first `w1_n` of each."""
    from ..metrics.transport import w1_samples  # POT, with the scikit-learn it imports (~1 s): only where recorded

    out = {"w1_exact": w1_samples(fake[:w1_n].astype(np.float64), real[:w1_n].astype(np.float64))}
    centres, std = MODES.get(dataset, (None, None))
    if centres is not None:
        out.update(mode_metrics(fake.astype(np.float64), centres, std))
    return out


class SampleQuality(Diagnostic):
    artifact = "samples"
    persist = ("w1_untrained",)

    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        self.draw = make_sampler_fn(model, cfg.record.quality_samples)

    def start(self, cfg):
        self.w1_untrained = None
        return super().start(cfg)

    def record(self, step, logs):
        fake, real = (np.asarray(t) for t in self.draw())
        self.latest = {"fake": fake, "real": real}
        out = quality_metrics(fake, real, self.cfg.dataset.name, self.cfg.record.w1_samples)
        if self.w1_untrained is None:  # the first record is the untrained generator's (step 0)
            self.w1_untrained = out["w1_exact"]
        if "modes_relaxed" in out:
            out["modes_learned"] = modes_learned(out, self.w1_untrained)
        return out
