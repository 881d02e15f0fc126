"""digit_scores: generated images scored by a small classifier trained on the data set's labels.

Comparable within wgan-bench only; these are not the Inception-network IS/FID of the papers.
The classifier is trained once per data set and size and cached (with its held-out accuracy)
in the trainer's cache folder; the real held-out split's score is the reference for ratios.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow as tf

from ..data.registry import load_images
from ..metrics.classifier import ClassifierScorer, cached_classifier, inception_score
from .base import Diagnostic

MIN_ACCURACY = 0.97  # below this the scores mean little; the run records the accuracy either way


class DigitScorer:
    def __init__(self, data, cache_file: Path):
        self.model, self.accuracy = cached_classifier(cache_file, data)
        self.real = data.x_test
        self.score = ClassifierScorer(self.model, self.real)
        self.real_score = inception_score(self.score.reference_probs)

    def __call__(self, fake: np.ndarray) -> dict[str, float]:
        out = self.score(fake)
        out["digit_is_ratio"] = out["digit_is"] / self.real_score
        return out


def make_image_fn(model, n: int, batch: int = 500):
    """Compiled: n generated images from the diagnostics' random stream, in batches of `batch`."""
    gen = model.diag_seed_generator

    @tf.function(autograph=False)
    def draw():
        return tf.concat([model.generator(model.sample_z(min(batch, n - i), gen), training=False)
                          for i in range(0, n, batch)], axis=0)

    return draw


class DigitScores(Diagnostic):
    """`quality_samples` generated images scored at each quality step."""

    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        data = cfg.dataset
        self.scorer = DigitScorer(load_images(data),
                                  context.cache_dir / f"classifier-{data.name}-{data.image_size}.keras")
        self.draw = make_image_fn(model, cfg.record.quality_samples)

    def start(self, cfg):
        super().start(cfg)
        return {"classifier_accuracy": self.scorer.accuracy, "real_digit_is": self.scorer.real_score}

    def record(self, step, logs):
        return self.scorer(np.asarray(self.draw()))


class ImageSamples(Diagnostic):
    """64 generated images at each quality step: the last 64 and the first 16 of every quality
    step are kept, for the report's final grids and its step-by-variant grid."""

    artifact = "images"
    persist = ("by_step",)
    PER_STEP = 16

    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        self.draw = make_image_fn(model, 64)

    def start(self, cfg):
        self.by_step = {}
        return super().start(cfg)

    def record(self, step, logs):
        self.latest = {"fake": np.asarray(self.draw())}
        self.by_step[step] = self.latest["fake"][:self.PER_STEP]
        return {}

    def artifacts(self):
        if self.latest is None:
            return {}
        steps = sorted(self.by_step)
        return {"images": {**self.latest, "steps": np.asarray(steps, dtype=np.int64),
                           "by_step": np.stack([self.by_step[s] for s in steps])}}
