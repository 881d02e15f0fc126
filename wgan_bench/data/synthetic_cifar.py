"""A small synthetic image set written in CIFAR-10's own file format, so the CIFAR-10 pipeline
(reader, training, Inception metrics) runs end to end where the real data is absent (CI).

Ten classes, each a background colour with a square of another colour at a random place and
size, plus pixel noise: easy for a small DCGAN to learn, and distinct in colour statistics, so a
trained generator measurably approaches it. The files are the python-version batches
(`data_batch_1..5`, `test_batch`: pickled dicts of `b"data"`, uint8 rows of R, G, B planes, and
`b"labels"`), read back by `image_files.read_cifar10` like the real ones.
"""

from __future__ import annotations

import functools
import pickle
import tempfile
from pathlib import Path

import numpy as np

PALETTE = np.array([[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48],
                    [145, 30, 180], [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 190]], np.float32)
FOLDER = "cifar-10-batches-py"


def synthetic_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n images (n, 32, 32, 3) uint8 and their labels 0..9, from `seed`."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    images = np.empty((n, 32, 32, 3), np.float32)
    images[:] = 0.6 * PALETTE[labels][:, None, None, :]
    sides = rng.integers(8, 17, n)
    corners = rng.integers(0, 32 - sides[:, None] + 1, (n, 2))
    for i, (side, (r, c)) in enumerate(zip(sides, corners, strict=True)):
        images[i, r:r + side, c:c + side] = PALETTE[(labels[i] + 5) % 10]
    images += rng.normal(0, 8, images.shape)
    return np.clip(np.rint(images), 0, 255).astype(np.uint8), labels


def write_cifar10(root: str | Path, n_train: int = 1000, n_test: int = 200, seed: int = 0) -> Path:
    """Write the set under `root/cifar-10-batches-py/` (the training images split over five
    batches, as CIFAR-10's 50 000 are); returns `root`."""
    folder = Path(root) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    x, y = synthetic_images(n_train + n_test, seed)
    rows = x.transpose(0, 3, 1, 2).reshape(len(x), 3072)  # CHW planes, as the real files
    parts = [(f"data_batch_{i + 1}", idx) for i, idx in enumerate(np.array_split(np.arange(n_train), 5))]
    for name, idx in parts + [("test_batch", np.arange(n_train, n_train + n_test))]:
        batch = {b"batch_label": name.encode(), b"data": rows[idx], b"labels": [int(v) for v in y[idx]]}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=4))
    return Path(root)


@functools.lru_cache(maxsize=2)
def synthetic_root(n: int) -> Path:
    """A per-process temporary folder holding an n-image synthetic set (a sixth of it held out)."""
    return write_cifar10(tempfile.mkdtemp(prefix="wgan-bench-cifar-"), n - n // 6, n // 6)
