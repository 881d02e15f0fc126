"""Train one run (a variant with one seed) and return its tables; no file I/O here.

Import this module only after `tf_setup.configure_tensorflow` (it imports Keras).
Compiled models are cached per process by `scheduling.graph_key` (the configuration without the
seed, the step count, the learning rates, initialisers and a method's `per_run` values), so seeds
and variants of one shape reuse one XLA compilation.
"""

from __future__ import annotations

import math
import time
import traceback
from pathlib import Path
from typing import Callable, NamedTuple

import keras
import numpy as np

from ..config.hashing import config_hash
from ..config.loader import RunSpec
from ..config.schema import RunConfig
from ..nets.export import generator_files, has_latent
from ..registry import CRITICS, DIAGNOSTICS, GENERATORS, METHODS
from ..tf_setup import deterministic
from . import checkpoint
from .provenance import device
from .result import RunResult
from .scheduling import graph_key


class Compiled(NamedTuple):
    """A cached model, its resolved method and the diagnostics compiled for it."""

    model: object
    method: object  # methods.base.Method
    diagnostics: dict  # name -> diagnostics.base.Diagnostic, in recording order


def make_nets_factory(cfg: RunConfig, method):
    """Builds fresh (generator, critic) with the run's initialisers; used for initial weights."""
    from ..data.registry import sample_shape

    shape = sample_shape(cfg.dataset)

    def make_nets():
        return (GENERATORS.load(cfg.generator.kind)(cfg.generator, shape),
                CRITICS.load(cfg.critic.kind)(cfg.critic, shape, method.critic_options()))

    return make_nets


CACHED_GRAPHS = 8  # compiled models a Trainer keeps; sweeps run grouped by graph, so few are reused


class Trainer:
    """Builds, caches and runs adversarial models in this process.

    `cache_dir` holds what runs share and may reuse across processes (the digit classifier);
    with `tensorboard`, each run also logs live to `tensorboard/<experiment>/<profile>/<run_id>`;
    with `checkpoints`, runs that set `record.checkpoint_every` save there and resume from there.
    """

    def __init__(self, cache_dir: str | Path = Path("results") / ".cache", tensorboard: str | None = None,
                 checkpoints: str | None = None):
        self._cache: dict[str, tuple] = {}
        self.cache_dir = Path(cache_dir)
        self.tensorboard = tensorboard
        self.checkpoints = checkpoints

    def compiled(self, cfg: RunConfig, seed: int = 0) -> Compiled:
        """The model and diagnostics compiled for `cfg`'s graph, built on first use (`seed` sets
        the initial weights of a new one; `run` reinitialises them per run anyway)."""
        key = graph_key(cfg)
        if key not in self._cache:
            if len(self._cache) >= CACHED_GRAPHS:  # random architectures: a graph per seed; drop the oldest
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = self._build(cfg, seed, self.cache_dir)
        return self._cache[key]

    @staticmethod
    def _build(cfg: RunConfig, seed: int, cache_dir: Path) -> Compiled:
        from ..data.registry import make_sampler
        from ..diagnostics.base import Context
        from ..methods.adversarial import AdversarialModel

        keras.utils.set_random_seed(seed)
        method = METHODS.load(cfg.method.name)(cfg.method)
        make_nets = make_nets_factory(cfg, method)
        gen, critic = make_nets()
        model = AdversarialModel(gen, critic, make_sampler(cfg.dataset, seed, cfg.train.batch_size), cfg, method,
                                 seed=seed)
        # Under op determinism (--deterministic) Keras cannot compile with XLA.
        model.compile(jit_compile=cfg.train.jit_compile and not deterministic(), steps_per_execution=cfg.record.every)
        context = Context(cache_dir, lambda: make_nets()[1])
        return Compiled(model, method, {name: DIAGNOSTICS.load(name)(model, cfg, context) for name in cfg.diagnostics})

    def run(self, spec: RunSpec, on_steps: Callable[[int], None] | None = None) -> RunResult:
        t0 = time.perf_counter()
        try:
            return self._run(spec, on_steps, t0)
        except Exception as exc:  # a crashed run is recorded, the sweep goes on
            return RunResult(spec.run_id, spec.variant, spec.seed, "failed", 0,
                             time.perf_counter() - t0,
                             error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")

    def _run(self, spec: RunSpec, on_steps, t0) -> RunResult:
        import tensorflow as tf

        cfg = spec.config
        compiled = self.compiled(cfg, spec.seed)
        model = compiled.model
        compiled.method.assign(cfg.method)
        model.set_learning_rates(cfg.optimizer)
        model.reinitialize(spec.seed, make_nets_factory(cfg, compiled.method))
        folder = None
        if self.checkpoints and cfg.record.checkpoint_every:
            folder = checkpoint.run_folder(self.checkpoints, spec, config_hash(cfg.model_dump()))
        recorder = Recorder(spec, compiled, on_steps, folder)
        every = cfg.record.every
        data = tf.data.Dataset.from_tensors(0.0).repeat()  # the train step samples its own data
        callbacks = [recorder]
        if self.tensorboard:
            from .tensorboard import TensorBoardLog, run_folder

            callbacks.append(TensorBoardLog(run_folder(self.tensorboard, spec), recorder))
        model.fit(data, epochs=cfg.train.steps // every, steps_per_epoch=every, verbose=0, shuffle=False,
                  callbacks=callbacks, initial_epoch=recorder.resume_step // every)
        recorder.finish()
        status = "diverged" if recorder.diverged else "ok"
        files = {}
        if spec.save_generator and status == "ok" and has_latent(cfg):
            files = generator_files(model.generator, cfg)
        return RunResult(spec.run_id, spec.variant, spec.seed, status, recorder.step,
                         time.perf_counter() - t0, recorder.rows, recorder.artifacts, files, device=device())


class Recorder(keras.callbacks.Callback):
    """Records every `record.every` generator iterations (Keras epochs): loops over the run's
    diagnostics, quality ones only at quality steps (`record.quality_step`)."""

    def __init__(self, spec: RunSpec, compiled: Compiled, on_steps, checkpoints: Path | None = None):
        super().__init__()
        self.spec, self.on_steps = spec, on_steps
        self.checkpoints = checkpoints
        self.resumed = checkpoint.latest(checkpoints) if checkpoints else None
        self.resume_step = self.resumed["step"] if self.resumed else 0
        self.diagnostics = compiled.diagnostics
        self.quality = {name for name in self.diagnostics if DIAGNOSTICS.meta(name, "quality")}
        self.every = spec.config.record.every
        self.rows: list[dict] = []
        self.artifacts: dict[str, dict[str, np.ndarray]] = {}
        self.step = 0
        self.diverged = False
        self.train_seconds = 0.0  # time inside training steps, recording excluded (WGAN-GP Fig. 3's x axis)
        self._epoch_start = 0.0

    def _add(self, values) -> None:
        for metric, value in values.items():
            if np.ndim(value):
                for layer, v in enumerate(value, start=1):
                    self._row(metric, v, layer)
            else:
                self._row(metric, value, None)

    def _row(self, metric: str, value: float, layer: int | None):
        self.rows.append({"run_id": self.spec.run_id, "variant": self.spec.variant, "seed": self.spec.seed,
                          "step": self.step, "metric": metric, "value": float(value), "layer": layer})

    def on_train_begin(self, logs=None):
        for diagnostic in self.diagnostics.values():
            self._add(diagnostic.start(self.spec.config))
        if self.resumed is None:
            self._record({})
            return
        # Resume: the checkpoint's variables, random streams, rows and per-run state replace the fresh ones.
        checkpoint.restore(self.resumed, self.model, self.diagnostics)
        self.rows, self.step = list(self.resumed["rows"]), self.resume_step
        self.train_seconds = max((r["value"] for r in self.rows if r["metric"] == "train_seconds"), default=0.0)
        if self.on_steps:
            self.on_steps(self.step)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.train_seconds += time.perf_counter() - self._epoch_start
        self.step = (epoch + 1) * self.every
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if not all(math.isfinite(v) for v in logs.values()):
            self._add(self.diagnostics["losses"].record(self.step, logs))
            self.diverged = True
            self.model.stop_training = True
            return
        self._record({**logs, "train_seconds": self.train_seconds})
        every_ckpt, last = self.spec.config.record.checkpoint_every, self.spec.config.train.steps
        if self.checkpoints and every_ckpt and self.step % every_ckpt == 0 and self.step < last:
            checkpoint.save(self.checkpoints, self.step, self.model, self.rows, self.diagnostics)
        if self.on_steps:
            self.on_steps(self.every)

    def _record(self, logs):
        cfg = self.spec.config
        quality_step = cfg.record.quality_step(self.step, cfg.train.steps)
        for name, diagnostic in self.diagnostics.items():
            if name not in self.quality or quality_step:
                self._add(diagnostic.record(self.step, logs))

    def finish(self):
        for diagnostic in self.diagnostics.values():
            self.artifacts.update(diagnostic.artifacts())
