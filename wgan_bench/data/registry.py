"""One entry point for every data set: its sample shape and an in-graph sampler.

Toy data are sampled from formulas; labelled image sets are loaded once per process and sampled
with replacement from the training split held as one tensor, so the compiled train loop needs no
host input pipeline (digits: 1437 images of 16 x 16). Image folders (LSUN) are streamed from disk
through tf.data with prefetch.
"""

from __future__ import annotations

import functools

from ..config.schema import IMAGE_DATASETS, DatasetConfig

CHANNELS = {"digits": 1, "mnist": 1, "fashion_mnist": 1, "cifar10": 3, "image_folder": 3}


def is_image(cfg: DatasetConfig) -> bool:
    return cfg.name in IMAGE_DATASETS


def sample_shape(cfg: DatasetConfig) -> tuple[int, ...]:
    if is_image(cfg):
        return (cfg.image_size, cfg.image_size, CHANNELS[cfg.name])
    from .toy import DATA_DIMS

    return (DATA_DIMS[cfg.name],)


@functools.lru_cache(maxsize=4)
def image_data(name: str, size: int, root: str | None):
    from .images import load

    return load(name, size, root)


def load_images(cfg: DatasetConfig):
    return image_data(cfg.name, cfg.image_size, cfg.root)


def make_sampler(cfg: DatasetConfig, seed: int, batch_size: int):
    """`sample(n, seed_generator)` drawing real samples inside a compiled function.

    Toy data and labelled image sets are sampled in-graph; an image folder is streamed through
    tf.data (`images.stream_image_folder`), one `batch_size` batch per call (its order follows
    tf.data's shuffle seed, not the seed generator).
    """
    if cfg.name == "image_folder":
        from .images import stream_image_folder

        iterator = iter(stream_image_folder(cfg.root, cfg.image_size, batch_size, seed))

        def next_batch(n, gen):
            del gen
            if n != batch_size:
                raise ValueError(f"image_folder streams batches of {batch_size}, not {n}")
            return iterator.get_next()

        return next_batch
    if is_image(cfg):
        from .images import make_sampler as image_sampler

        return image_sampler(load_images(cfg).x_train)
    from .toy import make_sampler as toy_sampler

    return toy_sampler(cfg.name, seed, cfg.std)
