"""Process-wide TensorFlow settings; call before anything imports TensorFlow or Keras."""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

_configured: dict | None = None
XLA_CACHE_ENV = "WGAN_BENCH_XLA_CACHE"
# `run --deterministic` sets it in the driver; worker processes inherit it.
DETERMINISTIC_ENV = "WGAN_BENCH_DETERMINISTIC"
# Keras imports these at start-up only for integrations wgan-bench never uses (its scikit-learn
# wrappers, image-gallery plotting, DataFrame inputs): ~1.4 s of `import tensorflow`'s ~3.5 s on
# 2 cores, paid by every --jobs worker and Ray task. Our own code imports them normally later.
KERAS_OPTIONAL_IMPORTS = ("sklearn", "matplotlib", "pandas")


def usable_cpus() -> int:
    """The cores this process may run on: fewer than the machine's under `taskset` or a cpuset
    (a container, a batch scheduler), where one thread per machine core would oversubscribe."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def tensorflow_settings(threads: int | None = None) -> dict:
    """The settings `configure_tensorflow(threads)` applies (for the manifest), without importing
    TensorFlow: a driver whose runs train in other processes never needs it."""
    threads = threads or usable_cpus()
    return {"intra_op_threads": threads,
            # Two inter-op threads let independent ops overlap in graphs that XLA does not
            # compile (conv nets: the real and fake critic passes and the penalty's branch):
            # 1.45x on digits-gp with 2 cores, and 1.22x on dcgan_no_bn's ci sweep with two
            # 1-thread --jobs workers. An XLA-compiled loop is one op and does not care.
            "inter_op_threads": 2,
            # Op determinism only on request (--deterministic, for GPUs, whose reductions are not
            # run-to-run deterministic): Keras then turns XLA off. XLA and the TF kernels used here
            # are run-to-run deterministic on CPU with fixed thread pools (tests/test_training.py
            # checks identical histories for one seed).
            "op_determinism": deterministic(), "xla_cpu_deterministic": True,
            "gpu_memory_growth": True,  # several --jobs workers may share a GPU; none takes it all
            "onednn_opts": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "0") == "1",
            "keras_backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
            "xla_persistent_cache": xla_cache_dir()}  # its folder, or None


def configure_tensorflow(threads: int | None = None) -> dict:
    """Quiet logs, Keras on TF, fixed thread pools, the persistent XLA cache; call before anything
    imports TensorFlow or Keras. Returns the settings used (for the manifest)."""
    global _configured
    if _configured is not None:
        return _configured
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # oneDNN reorders sums: not bit-reproducible
    settings = tensorflow_settings(threads)
    cache = settings["xla_persistent_cache"]
    if cache and "tf_xla_persistent_cache_directory" not in os.environ.get("TF_XLA_FLAGS", ""):
        flags = os.environ.get("TF_XLA_FLAGS", "")
        os.environ["TF_XLA_FLAGS"] = f"{flags} --tf_xla_persistent_cache_directory={cache}".strip()
    with _quiet_native_stderr(), _without(KERAS_OPTIONAL_IMPORTS):
        import tensorflow as tf

        tf.config.list_physical_devices()  # CUDA probing logs here on CPU-only machines
    tf.config.threading.set_intra_op_parallelism_threads(settings["intra_op_threads"])
    tf.config.threading.set_inter_op_parallelism_threads(settings["inter_op_threads"])
    for gpu in tf.config.list_physical_devices("GPU"):
        tf.config.experimental.set_memory_growth(gpu, True)
    if settings["op_determinism"]:
        tf.config.experimental.enable_op_determinism()
    tf.get_logger().setLevel("ERROR")
    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
    _configured = settings
    return settings


def deterministic() -> bool:
    return os.environ.get(DETERMINISTIC_ENV) == "1"


def visible_gpus() -> list[str]:
    """The GPUs this process may use, without importing TensorFlow: `CUDA_VISIBLE_DEVICES` when
    set (empty or -1: none), else the indices `nvidia-smi -L` lists; none without a driver."""
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        ids = [d.strip() for d in env.split(",") if d.strip()]
        return [] if not ids or ids[0] == "-1" else ids
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [str(i) for i, _ in enumerate(line for line in out.splitlines() if line.startswith("GPU "))]


def worker_devices(jobs: int, gpus: list[str]) -> list[str | None]:
    """One GPU per `--jobs` worker, round robin (more workers than GPUs share them, memory growth
    on); None for every worker on a machine without GPUs (they keep the CPU settings)."""
    return [gpus[i % len(gpus)] if gpus else None for i in range(jobs)]


def use_device(gpu: str | None) -> None:
    """Restrict this process to one GPU; call before TensorFlow is imported."""
    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu


def xla_cache_dir() -> str | None:
    """Where XLA keeps compiled train loops between processes (a later sweep, check, or --jobs
    worker with the same graph skips its ~3-8 s compile; results are bit-identical).

    Opt-in: `$WGAN_BENCH_XLA_CACHE` names the folder, or "auto" for one per user under ~/.cache,
    per TensorFlow version and CPU (an executable only suits the XLA that built it and the
    instruction set it targets). Off by default because TF 2.21 logs spurious ERROR lines (a
    CPU-feature mismatch on tuning flags, a text-format parse attempt) on every cache hit.
    """
    chosen = os.environ.get(XLA_CACHE_ENV, "off")
    if chosen == "off":
        return None
    if chosen != "auto":
        path = Path(chosen)
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        path = base / "wgan-bench" / "xla" / f"tf{_tf_version()}-{_cpu_fingerprint()}"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only home: compile every time, as without the cache
    return str(path)


def _tf_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("tensorflow", "tensorflow-cpu"):
        with contextlib.suppress(PackageNotFoundError):
            return version(dist)
    return "unknown"


def _cpu_fingerprint() -> str:
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        flags = platform.processor()
    caps = " ".join(os.environ.get(k, "") for k in ("XLA_FLAGS", "ONEDNN_MAX_CPU_ISA"))  # a capped ISA compiles apart
    return hashlib.sha1(f"{platform.machine()} {flags} {caps}".encode()).hexdigest()[:10]


@contextlib.contextmanager
def _without(modules: tuple[str, ...]):
    """Make the not-yet-imported `modules` look absent meanwhile (a `None` entry in sys.modules
    turns `import` into ImportError, which optional imports catch); afterwards they import as usual."""
    hidden = [m for m in modules if m not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))
    try:
        yield
    finally:
        for m in hidden:
            if sys.modules.get(m, "") is None:
                del sys.modules[m]


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence C++ log lines (CUDA probing of the GPU-capable wheel) that bypass TF_CPP_MIN_LOG_LEVEL.

    Python exceptions still propagate; only what native code writes to fd 2 meanwhile is dropped.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
