"""Process-wide TensorFlow settings; call before anything imports TensorFlow or Keras."""

from __future__ import annotations

import os

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
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1 if threads <= 2 else 2)
    # Not tf.config.experimental.enable_op_determinism(): Keras then silently disables XLA.
    # XLA and the TF kernels used here are run-to-run deterministic on CPU with fixed thread
    # pools; tests/test_determinism.py checks identical tables for identical seeds.
    tf.get_logger().setLevel("ERROR")
    import absl.logging

    absl.logging.set_verbosity(absl.logging.ERROR)
    _configured = {"intra_op_threads": threads, "inter_op_threads": 1 if threads <= 2 else 2,
                   "op_determinism": False, "xla_cpu_deterministic": True, "onednn_opts": os.environ["TF_ENABLE_ONEDNN_OPTS"] == "1",
                   "keras_backend": os.environ["KERAS_BACKEND"]}
    return _configured
