"""Readers for image data a user already has on disk; nothing is ever downloaded.

MNIST, Fashion-MNIST and CIFAR-10 in the keras.datasets cache formats (`root` defaults to
`$KERAS_HOME/datasets`, else `~/.keras/datasets`), returned like `keras.datasets.*.load_data()`:
((x_train, y_train), (x_test, y_test)) with uint8 images (n, h, w[, 3]). A missing file is a
`UserError` naming the data set, the path looked at, and how to fetch it once.
"""

from __future__ import annotations

import gzip
import os
import pickle
from pathlib import Path

import numpy as np

from ..errors import UserError, problem

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
FETCH = 'python -c "import keras; keras.datasets.{}.load_data()"'


def keras_datasets_dir() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser() / "datasets"


def _missing(name: str, path: Path, how: str) -> UserError:
    return UserError(problem(str(path), None, f"dataset {name!r} not found (wgan-bench never downloads "
                                              f"data); get it with: {how}"))


def _mnist_path(root=None) -> Path:
    path = Path(root or keras_datasets_dir()) / "mnist.npz"
    if not path.is_file():
        raise _missing("mnist", path, FETCH.format("mnist"))
    return path


def read_mnist(root=None):
    path = _mnist_path(root)
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def read_idx(path: Path) -> np.ndarray:
    """A gzip'd IDX file of unsigned bytes: magic 0,0,0x08,ndim, then ndim big-endian uint32 sizes."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[:3] != b"\x00\x00\x08":
        raise UserError(problem(str(path), None, "not an IDX file of unsigned bytes"))
    shape = np.frombuffer(raw, ">u4", count=raw[3], offset=4)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * raw[3]).reshape(shape)


def _fashion_files(root=None) -> list[Path]:
    folder = Path(root or keras_datasets_dir()) / "fashion-mnist"
    files = [folder / name for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")]
    for path in files:
        if not path.is_file():
            raise _missing("fashion_mnist", path, FETCH.format("fashion_mnist"))
    return files


def read_fashion_mnist(root=None):
    x_tr, y_tr, x_te, y_te = (read_idx(path) for path in _fashion_files(root))
    return (x_tr, y_tr), (x_te, y_te)


class _ArrayUnpickler(pickle.Unpickler):
    """Rebuilds numpy arrays and nothing else, so a tampered batch file cannot run code."""

    ALLOWED = frozenset({("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
                         ("numpy._core.multiarray", "_reconstruct")})

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR batch")


def _cifar_batch(path: Path):
    with open(path, "rb") as f:
        d = _ArrayUnpickler(f, encoding="bytes").load()
    # Rows are 3072 bytes: the red, green, blue 32x32 planes in turn (CHW).
    return np.asarray(d[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), d[b"labels"]


def _cifar_folder(root=None) -> Path:
    base = Path(root or keras_datasets_dir())
    # Keras 3 extracts into cifar-10-batches-py-target/; Keras 2 and the raw tarball do not.
    candidates = (base / "cifar-10-batches-py-target" / "cifar-10-batches-py", base / "cifar-10-batches-py")
    folder = next((c for c in candidates if (c / "test_batch").is_file()), None)
    if folder is None:
        raise _missing("cifar10", candidates[-1], FETCH.format("cifar10")
                       + " or untar https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz there")
    return folder


def read_cifar10(root=None):
    folder = _cifar_folder(root)
    train = [_cifar_batch(folder / f"data_batch_{i}") for i in range(1, 6)]
    return (np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train])), \
        _cifar_batch(folder / "test_batch")


def locate(name: str, root=None) -> None:
    """Raise the data set's missing-file error now, before any training, if its files are absent
    (the bundled digits need none)."""
    if name == "mnist":
        _mnist_path(root)
    elif name == "fashion_mnist":
        _fashion_files(root)
    elif name == "cifar10":
        _cifar_folder(root)
    elif name == "image_folder":
        list_images(root)


def list_images(root) -> list[Path]:
    """Every PNG/JPEG under `root`, recursive and sorted; a clear error when there is none."""
    files = [] if root is None else sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise UserError(problem(str(root), None, "dataset 'image_folder' needs a folder of .png/.jpg images"))
    return files


def read_image_folder(root, size: int) -> np.ndarray:
    """Every PNG/JPEG under `root` (recursive, sorted) as RGB uint8 (n, size, size, 3):
    centre-cropped to a square, then bilinearly resized."""
    from PIL import Image

    images = []
    for path in list_images(root):
        with Image.open(path) as im:
            w, h = im.size
            s = min(w, h)
            box = ((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)
            # Crop first: resize(box=...) would let the filter reach pixels outside the box.
            images.append(np.asarray(im.convert("RGB").crop(box).resize((size, size), Image.BILINEAR)))
    return np.stack(images)
