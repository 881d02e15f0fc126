"""Process-wide TensorFlow settings; call before anything imports TensorFlow or Keras."""

from __future__ import annotations

import contextlib
import os
import sys

_configured: dict | None = None


def configure_tensorflow(threads: int | None = None) -> dict:
    """Quiet logs, Keras on TF, fixed thread pools. Returns the settings used (for the manifest)."""
    global _configured
    if _configured is not None:
        return _configured
    threads = threads or os.cpu_count() or 1
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # oneDNN reorders sums: not bit-reproducible
    with _quiet_native_stderr():
        import tensorflow as tf

        tf.config.list_physical_devices()  # CUDA probing logs here on CPU-only machines
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    # Two inter-op threads let independent ops overlap in graphs that XLA does not compile
    # (conv nets: the real and fake critic passes and the penalty's branch), 1.45x on
    # digits-gp with 2 cores; an XLA-compiled loop is one op and does not care.
    inter_op = min(threads, 2)
    tf.config.threading.set_inter_op_parallelism_threads(inter_op)
    # Not tf.config.experimental.enable_op_determinism(): Keras then silently disables XLA.
    # XLA and the TF kernels used here are run-to-run deterministic on CPU with fixed thread
    # pools; tests/test_determinism.py checks identical tables for identical seeds.
    tf.get_logger().setLevel("ERROR")
    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
    _configured = {"intra_op_threads": threads, "inter_op_threads": inter_op,
                   "op_determinism": False, "xla_cpu_deterministic": True, "onednn_opts": os.environ["TF_ENABLE_ONEDNN_OPTS"] == "1",
                   "keras_backend": os.environ["KERAS_BACKEND"]}
    return _configured


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
