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


def test_visible_gpus_from_cuda_visible_devices_or_nvidia_smi(tmp_path, monkeypatch):
    from wgan_bench.tf_setup import visible_gpus

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2, 5")
    assert visible_gpus() == ["2", "5"]
    for none in ("", "-1"):
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", none)
        assert visible_gpus() == []
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    smi = tmp_path / "nvidia-smi"  # a stand-in driver tool that lists two GPUs
    smi.write_text("#!/bin/sh\necho 'GPU 0: NVIDIA H200 (UUID: GPU-a)'\necho 'GPU 1: NVIDIA H200 (UUID: GPU-b)'\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert visible_gpus() == ["0", "1"]
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert visible_gpus() == []  # no driver: CPU settings


def test_each_jobs_worker_gets_its_own_gpu(monkeypatch):
    import queue

    from wgan_bench.runner import worker
    from wgan_bench.tf_setup import worker_devices

    assert worker_devices(4, ["0", "1"]) == ["0", "1", "0", "1"]  # more workers than GPUs share them
    assert worker_devices(2, ["3", "7", "9"]) == ["3", "7"]
    assert worker_devices(2, []) == [None, None]
    slots = queue.Queue()
    for d in worker_devices(2, ["3", "7"]):
        slots.put(d)
    started = []
    monkeypatch.setattr(worker, "process_trainer",
                        lambda threads, ws: started.append(os.environ["CUDA_VISIBLE_DEVICES"]))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,7")
    worker.init_pool_worker(1, None, None, slots)
    worker.init_pool_worker(1, None, None, slots)
    assert started == ["3", "7"]  # set before TensorFlow starts in the worker


def test_deterministic_flag_is_a_recorded_setting(monkeypatch):
    from wgan_bench.cli import build_parser
    from wgan_bench.tf_setup import DETERMINISTIC_ENV, tensorflow_settings

    monkeypatch.delenv(DETERMINISTIC_ENV, raising=False)
    settings = tensorflow_settings(1)
    assert settings["op_determinism"] is False and settings["gpu_memory_growth"] is True
    assert build_parser().parse_args(["run", "x.yaml", "--deterministic"]).deterministic
    monkeypatch.setenv(DETERMINISTIC_ENV, "1")
    assert tensorflow_settings(1)["op_determinism"] is True  # what the manifest records


def test_deterministic_runs_compile_without_xla(tf_ready, monkeypatch):
    from wgan_bench.config.schema import RunConfig
    from wgan_bench.runner.train import Trainer
    from wgan_bench.tf_setup import DETERMINISTIC_ENV

    cfg = RunConfig.model_validate({"dataset": {"name": "8gaussians"}, "generator": {"depth": 1, "width": 8},
                                    "critic": {"depth": 1, "width": 8}, "method": {"name": "wgan"},
                                    "optimizer": {"name": "rmsprop", "learning_rate": 1e-3}, "train": {"steps": 10}})
    assert Trainer().compiled(cfg).model.jit_compile is True
    monkeypatch.setenv(DETERMINISTIC_ENV, "1")
    assert Trainer().compiled(cfg).model.jit_compile is False  # Keras cannot use XLA under op determinism
