"""inception_scores: the papers' Inception score, FID and KID of generated images (WGAN-GP Table 3).

The network is a file the user names (`run --inception PATH` or `$WGAN_BENCH_INCEPTION`, see
`metrics.inception`); it is loaded once per worker process. The real side of FID and KID is
`quality_samples` images from the training data, drawn once per run.
"""

from __future__ import annotations

import functools

import numpy as np

from ..metrics.inception import InceptionNet, inception_metrics, inception_path, network_outputs
from .base import Diagnostic
from .digit_scores import make_image_fn


@functools.lru_cache(maxsize=1)
def _network(path: str) -> InceptionNet:
    return InceptionNet(path)


class InceptionScores(Diagnostic):
    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        self.net = _network(str(inception_path()))
        n = cfg.record.quality_samples
        self.draw = make_image_fn(model, n)
        self.n = n

    def start(self, cfg):
        super().start(cfg)
        real = np.asarray(self.model.sample_real(self.n, self.model.diag_seed_generator))
        self.real_features, _ = network_outputs(self.net, [real])
        return {}

    def record(self, step, logs):
        return inception_metrics(self.net, [np.asarray(self.draw())], self.real_features)
