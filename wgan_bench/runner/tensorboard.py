"""`wgan-bench run --tensorboard DIR`: a run's recorded values, live, as TensorBoard event files.

The logger follows the recorder: after each record step it writes the rows the recorder has
just added (the same values as `history.csv`; per-layer metrics as `metric/layer_N`) and, for
image data, the sample grid drawn at a quality step. One folder per run:
`DIR/<experiment>/<profile>/<run_id>`.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from ..data.images import mosaic_of


def run_folder(root: str | Path, spec) -> Path:
    return Path(root) / spec.experiment / spec.profile / spec.run_id


class TensorBoardLog(keras.callbacks.Callback):
    """Put after the `Recorder` in the callbacks, so each record step is complete when written."""

    def __init__(self, folder: Path, recorder):
        super().__init__()
        self.writer = tf.summary.create_file_writer(str(folder))
        self.recorder, self.written, self.images = recorder, 0, None

    def _write(self):
        rows = self.recorder.rows[self.written:]
        self.written = len(self.recorder.rows)
        with self.writer.as_default():
            for r in rows:
                tag = r["metric"] if r["layer"] is None else f"{r['metric']}/layer_{r['layer']}"
                tf.summary.scalar(tag, r["value"], step=r["step"])
            samples = self.recorder.diagnostics.get("image_samples")
            latest = getattr(samples, "latest", None)
            if latest is not None and latest is not self.images:
                self.images = latest
                grid = mosaic_of(np.asarray(latest["fake"]))
                tf.summary.image("samples", grid[None].astype(np.float32), step=self.recorder.step)
        self.writer.flush()

    def on_train_begin(self, logs=None):
        self._write()

    def on_epoch_end(self, epoch, logs=None):
        self._write()

    def on_train_end(self, logs=None):
        self._write()
        self.writer.close()
