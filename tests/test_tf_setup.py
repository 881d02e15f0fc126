"""Process-wide TensorFlow settings: thread counts, the persistent XLA cache, a lean import."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import XLA_CACHE


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs CPU affinity and 2 usable cores")
def test_threads_follow_the_cores_a_process_may_use_not_the_machines():
    code = "from wgan_bench.tf_setup import tensorflow_settings as s; print(s()['intra_op_threads'])"
    cores = os.sched_getaffinity(0)
    pinned = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            preexec_fn=lambda: os.sched_setaffinity(0, {min(cores)}))  # as under `taskset -c`
    free = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert pinned.stdout.split() == ["1"]
    assert free.stdout.split() == [str(len(cores))]


def test_xla_cache_folder_rules(tmp_path, monkeypatch):
    from wgan_bench.tf_setup import XLA_CACHE_ENV, xla_cache_dir

    monkeypatch.delenv(XLA_CACHE_ENV)
    assert xla_cache_dir() is None  # opt-in
    monkeypatch.setenv(XLA_CACHE_ENV, "off")
    assert xla_cache_dir() is None
    monkeypatch.setenv(XLA_CACHE_ENV, str(tmp_path / "mine"))
    assert xla_cache_dir() == str(tmp_path / "mine") and (tmp_path / "mine").is_dir()
    monkeypatch.setenv(XLA_CACHE_ENV, "auto")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    default = Path(xla_cache_dir())
    assert default.parent == tmp_path / "xdg" / "wgan-bench" / "xla"
    assert default.name.startswith("tf2.")  # per TensorFlow version (and CPU)


def test_xla_compiles_land_in_the_persistent_cache(tf_ready):
    tf = tf_ready
    before = set(Path(XLA_CACHE).iterdir())

    @tf.function(jit_compile=True)
    def f(x):
        return tf.reduce_sum(tf.sin(x) * 3.25)

    f(tf.ones((7, 13)))
    assert any(p.name.startswith("xla_compile_cache") for p in set(Path(XLA_CACHE).iterdir()) - before)


def test_tensorflow_starts_without_kerass_optional_imports_which_still_import_afterwards():
    code = """
import sys
import pandas as pd  # the driver has it already: left alone
from wgan_bench.tf_setup import configure_tensorflow
configure_tensorflow(1)
import keras
assert "sklearn" not in sys.modules and "matplotlib" not in sys.modules, "Keras imported them"
assert sys.modules["pandas"] is pd
import matplotlib, sklearn.datasets
assert sys.modules["sklearn"] is not None and sys.modules["matplotlib"] is not None
x = keras.ops.convert_to_numpy(keras.layers.Dense(2, kernel_initializer="ones")(keras.ops.ones((1, 3))))
assert x.tolist() == [[3.0, 3.0]]
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
