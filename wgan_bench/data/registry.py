"""One entry point for every data set, through the `dataset` registry: its sample shape and an
in-graph sampler.

Toy data are sampled from formulas; labelled image sets are loaded once per process and sampled
with replacement from the training split held as one tensor, so the compiled train loop needs no
host input pipeline (digits: 1437 images of 16 x 16). Image folders (LSUN) are streamed from disk
through tf.data with prefetch.
"""

from __future__ import annotations

import functools

from ..registry import DATASETS


def is_image(cfg) -> bool:
    return bool(DATASETS.meta(cfg.name, "image"))


def sample_shape(cfg) -> tuple[int, ...]:
    if is_image(cfg):
        return (cfg.image_size, cfg.image_size, DATASETS.meta(cfg.name, "channels"))
    return (DATASETS.meta(cfg.name, "dim"),)


@functools.lru_cache(maxsize=4)
def image_data(name: str, size: int, root: str | None, synthetic: int | None = None):
    from .images import load

    if synthetic:
        from .synthetic_cifar import synthetic_root

        root = synthetic_root(synthetic)
    return load(name, size, root)


def load_images(cfg):
    return image_data(cfg.name, cfg.image_size, cfg.root, cfg.synthetic)


def make_sampler(cfg, seed: int, batch_size: int):
    """`sample(n, seed_generator)` drawing real samples inside a compiled function (the data
    set's registered target builds it)."""
    return DATASETS.load(cfg.name)(cfg, seed, batch_size)
