"""Image data sets as float32 NHWC arrays in [-1, 1] with a train/test split, and their batches.

`digits` is bundled with scikit-learn (no file needed); the others are read from disk by
`image_files` and never downloaded. Grayscale sets keep one channel; folders are RGB.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import image_files


@dataclass(frozen=True)
class ImageData:
    """Train/test images (n, size, size, channels) in [-1, 1]; labels int64 (n,) or None."""

    x_train: np.ndarray
    y_train: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray | None


def to_unit_range(x: np.ndarray, max_value: float, size: int) -> np.ndarray:
    """Map [0, max_value] linearly onto [-1, 1] (0 -> -1, max -> 1), then resize to size x size.

    Bilinear weights are convex, so resizing keeps the range; the clip only removes rounding.
    """
    x = np.asarray(x, np.float32)
    x = x[..., None] if x.ndim == 3 else x
    x = x / np.float32(max_value / 2) - 1.0
    if x.shape[1:3] == (size, size):
        return x
    import tensorflow as tf

    # antialias: downsampling 28 -> 16 averages instead of dropping pixels. Chunks bound memory.
    chunks = [tf.image.resize(x[i:i + 4096], (size, size), "bilinear", antialias=True).numpy()
              for i in range(0, len(x), 4096)]
    return np.clip(np.concatenate(chunks), -1.0, 1.0)


def _labelled(train, test, max_value: float, size: int) -> ImageData:
    return ImageData(to_unit_range(train[0], max_value, size), np.asarray(train[1], np.int64).ravel(),
                     to_unit_range(test[0], max_value, size), np.asarray(test[1], np.int64).ravel())


def load_digits(size: int = 16, root=None) -> ImageData:
    """scikit-learn's 1797 8x8 digits (values 0..16), stratified 80/20 split with a fixed seed."""
    from sklearn.datasets import load_digits as sk_digits
    from sklearn.model_selection import train_test_split

    x, y = sk_digits(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x.reshape(-1, 8, 8), y, test_size=0.2, stratify=y, random_state=0)
    return _labelled((x_tr, y_tr), (x_te, y_te), 16, size)


def load_mnist(size: int = 28, root=None) -> ImageData:
    return _labelled(*image_files.read_mnist(root), 255, size)


def load_fashion_mnist(size: int = 28, root=None) -> ImageData:
    return _labelled(*image_files.read_fashion_mnist(root), 255, size)


def load_cifar10(size: int = 32, root=None) -> ImageData:
    return _labelled(*image_files.read_cifar10(root), 255, size)


def load_image_folder(size: int = 64, root=None, test_fraction: float = 0.1) -> ImageData:
    """The images under `root` (e.g. LSUN bedrooms exported as files), without labels.

    A fixed permutation holds out `test_fraction` of them.
    """
    x = to_unit_range(image_files.read_image_folder(root, size), 255, size)
    order = np.random.default_rng(0).permutation(len(x))
    n_test = int(len(x) * test_fraction)
    return ImageData(x[order[n_test:]], None, x[order[:n_test]], None)


def load(name: str, size: int, root=None) -> ImageData:
    """Data set `name` through its registered loader (the `dataset` entry's `loader`)."""
    from ..registry import DATASETS, Entry

    return Entry(name, DATASETS.meta(name, "loader")).load()(size=size, root=root)


def sampler(cfg, seed: int, batch_size: int):
    """The `dataset` registry's target for labelled image sets: in-graph sampling of the training split."""
    del seed, batch_size
    from .registry import load_images

    return make_sampler(load_images(cfg).x_train)


def folder_sampler(cfg, seed: int, batch_size: int):
    """The `dataset` registry's target for an image folder: batches streamed through tf.data (their
    order follows tf.data's shuffle seed, not the seed generator)."""
    iterator = iter(stream_image_folder(cfg.root, cfg.image_size, batch_size, seed))

    def next_batch(n, gen):
        del gen
        if n != batch_size:
            raise ValueError(f"{cfg.name} streams batches of {batch_size}, not {n}")
        return iterator.get_next()

    return next_batch


def stream_image_folder(root, size: int, batch_size: int, seed: int):
    """Training batches streamed from the image files under `root` (LSUN-scale folders): file
    names shuffled each epoch, decoded, centre-cropped, resized and scaled to [-1, 1] in parallel,
    batched and prefetched, so the images are never all in memory."""
    import tensorflow as tf

    files = [str(p) for p in image_files.list_images(root)]

    def load(path):
        img = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        h, w = tf.shape(img)[0], tf.shape(img)[1]
        s = tf.minimum(h, w)
        img = tf.image.crop_to_bounding_box(img, (h - s) // 2, (w - s) // 2, s, s)
        return tf.image.resize(tf.cast(img, tf.float32), (size, size), antialias=True) / 127.5 - 1.0

    ds = tf.data.Dataset.from_tensor_slices(files).shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    ds = ds.repeat().map(load, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def make_sampler(x: np.ndarray):
    """An in-graph sampler `sample(n, seed_generator)` over `x` (with replacement), like data.toy's.

    Small sets (digits) then need no host input pipeline inside the compiled train loop.
    """
    import keras
    from keras import ops

    pool = ops.convert_to_tensor(x)

    def sample(n, gen):
        return ops.take(pool, keras.random.randint((n,), 0, len(x), seed=gen), axis=0)

    return sample


def mosaic_of(images: np.ndarray) -> np.ndarray:
    """(n, H, W, C) in [-1, 1] -> one (rows·H, cols·W, C) image in [0, 1], one pixel of gap."""
    n, h, w, c = images.shape
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    out = np.ones((rows * (h + 1) - 1, cols * (w + 1) - 1, c))
    for i, img in enumerate(images):
        r, k = divmod(i, cols)
        out[r * (h + 1):r * (h + 1) + h, k * (w + 1):k * (w + 1) + w] = (np.clip(img, -1, 1) + 1) / 2
    return out
