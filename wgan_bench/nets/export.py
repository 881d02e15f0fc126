"""A trained generator as a result: its weights in Keras' format plus the run configuration.

`generator.weights.h5` holds the weights (`Model.save_weights`); `generator.json` holds the run
configuration they belong to. Loading rebuilds the generator through the `generator` registry
from that configuration, so built-in and plugin generators reload alike without each class
being serialisable, and the same noise gives the same samples.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from ..config.schema import RunConfig
from ..registry import GENERATORS

WEIGHTS, CONFIG = "generator.weights.h5", "generator.json"


def has_latent(cfg: RunConfig) -> bool:
    """Whether the run trains a generator from noise (not a fixed shift or noise generator)."""
    return cfg.train.train_generator and not GENERATORS.meta(cfg.generator.kind, "fixed")


def generator_files(generator, cfg: RunConfig) -> dict[str, bytes]:
    """The two files that store `generator`, as bytes (they travel back from worker processes)."""
    import keras

    with tempfile.TemporaryDirectory(prefix="wgan-bench-gen-") as tmp:
        path = Path(tmp) / WEIGHTS
        generator.save_weights(path)
        weights = path.read_bytes()
    meta = {"config": cfg.model_dump(mode="json"), "z_dim": cfg.generator.z_dim, "keras": keras.__version__}
    return {WEIGHTS: weights, CONFIG: json.dumps(meta, indent=1, sort_keys=True).encode()}


def load_generator(folder: Path):
    """(generator, run configuration) from a run's artifact folder written by `generator_files`."""
    import keras

    from ..data.registry import sample_shape

    meta = json.loads((Path(folder) / CONFIG).read_text())
    cfg = RunConfig.model_validate(meta["config"])
    generator = GENERATORS.load(cfg.generator.kind)(cfg.generator, sample_shape(cfg.dataset))
    generator(keras.ops.zeros((1, cfg.generator.z_dim)))  # build the variables before loading them
    generator.load_weights(Path(folder) / WEIGHTS)
    return generator, cfg


def latent(n: int, z_dim: int, seed: int) -> np.ndarray:
    """The noise `sample` feeds the generator: N(0, I), as in training, from a NumPy stream."""
    return np.random.default_rng(seed).standard_normal((n, z_dim)).astype(np.float32)
