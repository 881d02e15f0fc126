"""inception_scores: the papers' Inception score, FID and KID of generated images (WGAN-GP Table 3).

The network is a file the user names (`run --inception PATH` or `$WGAN_BENCH_INCEPTION`, see
`metrics.inception`), or with `record.inception_network: stand_in` the small stand-in of the same
interface (pipeline checks); it is loaded once per worker process. The real side of FID and KID is
`quality_samples` images from the training data, drawn once per run; their own score is recorded
at step 0 (`real_inception_score`), and `fid_ratio` is FID over the run's untrained FID (step 0),
so 1 means no progress whatever the network's scale.
"""

from __future__ import annotations

import functools

import numpy as np

from ..metrics.inception import InceptionNet, inception_metrics, network_outputs, network_path, split_inception_score
from .base import Diagnostic
from .digit_scores import make_image_fn


@functools.lru_cache(maxsize=1)
def _network(network: str) -> InceptionNet:
    return InceptionNet(network_path(network))


class InceptionScores(Diagnostic):
    persist = ("fid0",)

    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        self.net = _network(cfg.record.inception_network)
        n = cfg.record.quality_samples
        self.draw = make_image_fn(model, n)
        self.n = n

    def start(self, cfg):
        super().start(cfg)
        real = np.asarray(self.model.sample_real(self.n, self.model.diag_seed_generator))
        self.real_features, logits = network_outputs(self.net, [real])
        self.fid0 = None
        return {"real_inception_score": split_inception_score(logits)[0]}

    def record(self, step, logs):
        out = inception_metrics(self.net, [np.asarray(self.draw())], self.real_features)
        self.fid0 = out["fid"] if self.fid0 is None else self.fid0
        return {**out, "fid_ratio": out["fid"] / self.fid0}
