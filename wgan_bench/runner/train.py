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

from ..config.loader import RunSpec
from ..config.schema import RunConfig
from ..nets.export import generator_files, has_latent
from ..registry import CRITICS, DIAGNOSTICS, GENERATORS, METHODS
from ..tf_setup import deterministic
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


class Trainer:
    """Builds, caches and runs adversarial models in this process.

    `cache_dir` holds what runs share and may reuse across processes (the digit classifier);
    with `tensorboard`, each run also logs live to `tensorboard/<experiment>/<profile>/<run_id>`.
    """

    def __init__(self, cache_dir: str | Path = Path("results") / ".cache", tensorboard: str | None = None):
        self._cache: dict[str, tuple] = {}
        self.cache_dir = Path(cache_dir)
        self.tensorboard = tensorboard

    def compiled(self, cfg: RunConfig, seed: int = 0) -> Compiled:
        """The model and diagnostics compiled for `cfg`'s graph, built on first use (`seed` sets
        the initial weights of a new one; `run` reinitialises them per run anyway)."""
        key = graph_key(cfg)
        if key not in self._cache:
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
        recorder = Recorder(spec, compiled, on_steps)
        every = cfg.record.every
        data = tf.data.Dataset.from_tensors(0.0).repeat()  # the train step samples its own data
        callbacks = [recorder]
        if self.tensorboard:
            from .tensorboard import TensorBoardLog, run_folder

            callbacks.append(TensorBoardLog(run_folder(self.tensorboard, spec), recorder))
        model.fit(data, epochs=cfg.train.steps // every, steps_per_epoch=every, verbose=0, shuffle=False,
                  callbacks=callbacks)
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

    def __init__(self, spec: RunSpec, compiled: Compiled, on_steps):
        super().__init__()
        self.spec, self.on_steps = spec, on_steps
        self.diagnostics = compiled.diagnostics
        self.quality = {name for name in self.diagnostics if DIAGNOSTICS.meta(name, "quality")}
        self.every = spec.config.record.every
        self.rows: list[dict] = []
        self.artifacts: dict[str, dict[str, np.ndarray]] = {}
        self.step = 0
        self.diverged = False

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
        self._record({})

    def on_epoch_end(self, epoch, logs=None):
        self.step = (epoch + 1) * self.every
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if not all(math.isfinite(v) for v in logs.values()):
            self._add(self.diagnostics["losses"].record(self.step, logs))
            self.diverged = True
            self.model.stop_training = True
            return
        self._record(logs)
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
