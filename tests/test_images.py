"""Image data sets: digits, the keras.datasets cache formats and image folders (read from disk only)."""

import gzip
import os
import pickle
import struct
import textwrap

import numpy as np
import pytest

from wgan_bench.data import image_files, images
from wgan_bench.errors import UserError


def _uint8_images(n, h=28, w=28, channels=None):
    """n images with 0 and 255 present: image 0 black, image 1 white, the rest random."""
    shape = (n, h, w) if channels is None else (n, h, w, channels)
    x = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    x[0], x[1] = 0, 255
    return x


def test_digits_split_shape_and_range(tf_ready):
    data = images.load_digits(16)
    assert len(data.x_train) + len(data.x_test) == 1797
    assert (len(data.x_train), len(data.x_test)) == (1437, 360)
    assert data.x_train.shape[1:] == (16, 16, 1) and data.x_train.dtype == np.float32
    for x in (data.x_train, data.x_test):
        assert x.min() == -1.0 and x.max() <= 1.0
    # Stratified: each class is ~20 % of its images in the test split.
    all_counts = np.bincount(np.concatenate([data.y_train, data.y_test]))
    assert np.all(np.abs(np.bincount(data.y_test) - 0.2 * all_counts) <= 1)
    again = images.load_digits(16)
    assert np.array_equal(data.x_test, again.x_test) and np.array_equal(data.y_test, again.y_test)


def test_digits_native_size_maps_0_to_minus_1_and_16_to_1():
    data = images.load_digits(8)
    values = np.unique(np.concatenate([data.x_train, data.x_test]))
    assert np.array_equal(values, np.arange(17, dtype=np.float32) / 8 - 1)


def test_mnist_npz(tmp_path, tf_ready):
    x_tr, x_te = _uint8_images(6), _uint8_images(3)
    np.savez(tmp_path / "mnist.npz", x_train=x_tr, y_train=np.arange(6) % 10, x_test=x_te, y_test=np.arange(3))
    native = images.load("mnist", 28, root=tmp_path)
    assert native.x_train.shape == (6, 28, 28, 1)
    assert np.array_equal(native.x_train[..., 0], x_tr / np.float32(127.5) - 1)
    assert native.x_train[0].min() == -1.0 and native.x_train[1].max() == 1.0
    assert list(native.y_train) == [0, 1, 2, 3, 4, 5] and list(native.y_test) == [0, 1, 2]
    small = images.load("mnist", 16, root=tmp_path)
    assert small.x_train.shape == (6, 16, 16, 1) and small.x_test.shape == (3, 16, 16, 1)
    assert np.allclose(small.x_train[0], -1.0, atol=1e-6) and np.allclose(small.x_train[1], 1.0, atol=1e-6)
    assert small.x_train.min() >= -1.0 and small.x_train.max() <= 1.0


def _write_idx(path, array):
    header = b"\x00\x00\x08" + bytes([array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_idx(tmp_path, tf_ready):
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    x_tr, x_te = _uint8_images(5), _uint8_images(2)
    _write_idx(folder / "train-images-idx3-ubyte.gz", x_tr)
    _write_idx(folder / "train-labels-idx1-ubyte.gz", np.array([9, 8, 7, 6, 5]))
    _write_idx(folder / "t10k-images-idx3-ubyte.gz", x_te)
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.array([1, 2]))
    data = images.load("fashion_mnist", 28, root=tmp_path)
    assert data.x_train.shape == (5, 28, 28, 1) and data.x_test.shape == (2, 28, 28, 1)
    assert np.array_equal(data.x_test[..., 0], x_te / np.float32(127.5) - 1)
    assert list(data.y_train) == [9, 8, 7, 6, 5] and list(data.y_test) == [1, 2]
    assert images.load("fashion_mnist", 32, root=tmp_path).x_train.shape == (5, 32, 32, 1)


def test_idx_reader_rejects_other_files(tmp_path):
    with gzip.open(tmp_path / "bad.gz", "wb") as f:
        f.write(b"\x00\x00\x0d\x01" + struct.pack(">I", 1) + b"\x00" * 4)  # float32 IDX
    with pytest.raises(UserError, match="not an IDX file of unsigned bytes"):
        image_files.read_idx(tmp_path / "bad.gz")


@pytest.mark.parametrize("subdir", ["cifar-10-batches-py", "cifar-10-batches-py-target/cifar-10-batches-py"])
def test_cifar10_pickle_batches(tmp_path, subdir, tf_ready):
    folder = tmp_path / subdir
    folder.mkdir(parents=True)
    # One pixel per plane: R = 255, G = 0, B = 51 everywhere in image 0 (rows are R, G, B planes).
    planes = np.concatenate([np.full(1024, 255), np.zeros(1024), np.full(1024, 51)]).astype(np.uint8)
    for name, label in [(f"data_batch_{i}", i) for i in range(1, 6)] + [("test_batch", 0)]:
        batch = {b"data": np.stack([planes, np.arange(3072) % 256]).astype(np.uint8), b"labels": [label, 9]}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)
    data = images.load("cifar10", 32, root=tmp_path)
    assert data.x_train.shape == (10, 32, 32, 3) and data.x_test.shape == (2, 32, 32, 3)
    assert np.allclose(data.x_train[0, 5, 7], [1.0, -1.0, 51 / 127.5 - 1])
    assert list(data.y_train) == [1, 9, 2, 9, 3, 9, 4, 9, 5, 9] and list(data.y_test) == [0, 9]
    assert images.load("cifar10", 16, root=tmp_path).x_test.shape == (2, 16, 16, 3)


def test_cifar_batches_cannot_run_code(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in ("data_batch_1", "test_batch"):
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": os.getcwd}, f)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        images.load("cifar10", 32, root=tmp_path)


@pytest.mark.parametrize("name, fetch", [("mnist", "mnist.load_data"), ("fashion_mnist", "fashion_mnist.load_data"),
                                         ("cifar10", "cifar10.load_data")])
def test_missing_dataset_is_a_clear_user_error(tmp_path, name, fetch):
    with pytest.raises(UserError) as err:
        images.load(name, 16, root=tmp_path)
    (message,) = err.value.problems
    assert str(tmp_path) in message and repr(name) in message and "never downloads" in message
    assert f"keras.datasets.{fetch}()" in message
    with pytest.raises(UserError) as early:  # what `run` checks before training
        image_files.locate(name, tmp_path)
    assert early.value.problems == [message]


def test_image_folder_crops_centre_and_resizes(tmp_path, tf_ready):
    from PIL import Image

    wide = np.zeros((10, 20, 3), np.uint8)  # 20 wide, 10 high: the centre 10x10 is white
    wide[:, 5:15] = 255
    Image.fromarray(wide).save(tmp_path / "a.png")
    (tmp_path / "sub").mkdir()
    Image.fromarray(np.full((12, 12), 255, np.uint8)).save(tmp_path / "sub" / "b.PNG")  # grayscale -> RGB
    Image.fromarray(np.zeros((9, 9, 3), np.uint8)).save(tmp_path / "c.jpg")
    (tmp_path / "notes.txt").write_text("not an image")
    data = images.load_image_folder(8, root=tmp_path, test_fraction=0.34)
    assert data.y_train is None and data.y_test is None
    assert data.x_train.shape == (2, 8, 8, 3) and data.x_test.shape == (1, 8, 8, 3)
    x = np.concatenate([data.x_train, data.x_test])
    assert sorted(float(v.mean()) for v in x) == [-1.0, 1.0, 1.0]  # black jpg, white crop, white gray


def test_image_folder_without_images_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="image_folder"):
        images.load("image_folder", 16, root=tmp_path)


def test_image_folder_streams_cropped_batches(tmp_path, tf_ready):
    """The tf.data path (LSUN-scale folders): same crop and scaling as the in-memory reader."""
    from PIL import Image

    wide = np.zeros((10, 20, 3), np.uint8)
    wide[:, 5:15] = 255  # the centre square is white
    Image.fromarray(wide).save(tmp_path / "a.png")
    Image.fromarray(np.zeros((9, 9, 3), np.uint8)).save(tmp_path / "b.jpg")
    ds = images.stream_image_folder(tmp_path, 8, batch_size=4, seed=0)
    assert ds.element_spec.shape.as_list() == [4, 8, 8, 3]  # a static batch: drop_remainder
    batch = next(iter(ds)).numpy()
    means = sorted(float(v.mean()) for v in batch)
    assert len(set(np.round(means, 5))) == 2 and means[0] == -1.0 and means[-1] == pytest.approx(1.0, abs=1e-6)


def test_in_graph_sampler_draws_rows_of_x(tf_ready):
    import keras

    x = np.arange(6, dtype=np.float32).reshape(6, 1, 1, 1) / 5
    batch = np.asarray(images.make_sampler(x)(32, keras.random.SeedGenerator(0)))
    assert batch.shape == (32, 1, 1, 1) and set(batch.ravel()) <= set(x.ravel())


def test_synthetic_cifar_set_is_read_back_by_the_cifar10_reader(tmp_path, tf_ready):
    from wgan_bench.data.synthetic_cifar import synthetic_images, write_cifar10

    write_cifar10(tmp_path, n_train=50, n_test=10, seed=3)
    data = images.load("cifar10", 32, root=tmp_path)
    x, y = synthetic_images(60, 3)
    assert data.x_train.shape == (50, 32, 32, 3) and data.x_test.shape == (10, 32, 32, 3)
    assert list(data.y_train) == list(y[:50]) and list(data.y_test) == list(y[50:])
    assert np.array_equal(data.x_test, x[50:].astype(np.float32) / 127.5 - 1)  # every pixel, channels in place
    # The classes differ in colour: class mean colours lie pairwise at least 20 levels apart.
    means = np.stack([x[y == k].reshape(-1, 3).mean(0) for k in range(10)])
    gaps = np.sqrt(((means[:, None] - means[None]) ** 2).sum(-1))[np.triu_indices(10, 1)]
    assert gaps.min() > 20


def test_synthetic_dataset_config_reads_a_fresh_set(tf_ready):
    from wgan_bench.config.schema import DatasetConfig
    from wgan_bench.data.registry import load_images

    data = load_images(DatasetConfig(name="cifar10", size=16, synthetic=120))
    assert data.x_train.shape == (100, 16, 16, 3) and data.x_test.shape == (20, 16, 16, 3)
    assert -1.0 <= data.x_train.min() < data.x_train.max() <= 1.0


def test_run_with_missing_data_is_bad_input_before_any_training(tmp_path, capsys, monkeypatch):
    """`run` stops with exit 2 and the missing file's message, instead of one failed run per variant."""
    from wgan_bench.cli import main

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    exp = tmp_path / "c10.yaml"
    exp.write_text(textwrap.dedent("""
        name: c10
        title: t
        source: s
        defaults:
          dataset: {name: cifar10, size: 8}
          generator: {kind: dcgan, filters: 4, kernel_size: 3, z_dim: 8}
          critic: {kind: dcgan, filters: 4, kernel_size: 3}
          method: {name: wgan_gp}
          optimizer: {name: adam, learning_rate: 1.0e-3}
          train: {steps: 2, batch_size: 8, jit_compile: false}
          record: {every: 1}
        variants: {a: {}, b: {}}
        seeds: [0]
    """))
    assert main(["run", str(exp), "--results", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "dataset 'cifar10' not found" in err[0] and "keras.datasets.cifar10" in err[0]
    assert not (tmp_path / "r" / "c10").exists()
