"""Train one run (a variant with one seed) and return its tables; no file I/O here.

Import this module only after `runner.tf_setup.configure_tensorflow` (it imports Keras).
Compiled models are cached per process by configuration (everything but the seed and the
step count), so seeds and repeated variants of one shape reuse one XLA compilation.
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
from .provenance import device
from .result import RunResult
from .scheduling import graph_key


class Compiled(NamedTuple):
    """A cached model and the compiled diagnostics bound to it."""

    model: object
    clip: object  # the variable holding c, or None
    layer_grads: object
    probes: dict
    quality: object  # draws generated and real samples (sample_quality)
    surface: object  # the critic's 2-D value surface (value_surface)
    retrain: object  # retrains a second critic against the frozen generator (retrained_critic)
    images: object  # draws generated images (digit_scores)
    scorer: object  # scores them with the data set's classifier (digit_scores)


def make_nets_factory(cfg: RunConfig):
    """Builds fresh (generator, critic) with the run's initialisers; used for initial weights."""
    from ..nets.factory import build_critic, build_generator

    def make_nets():
        return build_generator(cfg), build_critic(cfg)

    return make_nets


class Trainer:
    """Builds, caches and runs adversarial models in this process.

    `cache_dir` holds what runs share and may reuse across processes (the digit classifier).
    """

    def __init__(self, cache_dir: str | Path = Path("results") / ".cache"):
        self._cache: dict[str, tuple] = {}
        self.cache_dir = Path(cache_dir)

    def compiled(self, cfg: RunConfig, seed: int = 0) -> Compiled:
        """The model and diagnostics compiled for `cfg`'s graph, built on first use (`seed` sets
        the initial weights of a new one; `run` reinitialises them per run anyway)."""
        key = graph_key(cfg)
        if key not in self._cache:
            self._cache[key] = self._build(cfg, seed, self.cache_dir)
        return self._cache[key]

    @staticmethod
    def _build(cfg: RunConfig, seed: int, cache_dir: Path):
        from ..data.registry import is_image, load_images, make_sampler
        from ..diagnostics.critic_probe import make_probe_fns
        from ..diagnostics.digit_scores import DigitScorer, make_image_fn
        from ..diagnostics.layer_grads import make_layer_grad_fn
        from ..diagnostics.retrained_critic import make_retrain_fn
        from ..diagnostics.sample_quality import make_sampler_fn
        from ..diagnostics.value_surface import make_surface_fn
        from ..methods.adversarial import AdversarialModel
        from ..nets.factory import build_critic, build_generator

        keras.utils.set_random_seed(seed)
        clip = keras.Variable(cfg.method.clip, trainable=False, name="clip") if cfg.method.clip else None
        gen, critic = build_generator(cfg), build_critic(cfg, clip=clip)
        sampler = make_sampler(cfg.dataset, seed, cfg.train.batch_size)
        model = AdversarialModel(gen, critic, sampler, cfg, seed=seed)
        model.compile(jit_compile=cfg.train.jit_compile, steps_per_execution=cfg.record.every)
        wanted, n = set(cfg.record.diagnostics), cfg.record.quality_samples
        return Compiled(model, clip,
                        make_layer_grad_fn(model) if "layer_grad_norms" in wanted else None,
                        make_probe_fns(model, cfg.record),
                        make_sampler_fn(model, n) if "sample_quality" in wanted else None,
                        make_surface_fn(model, n) if "value_surface" in wanted else None,
                        make_retrain_fn(model, build_critic(cfg, clip=clip), cfg.record)
                        if "retrained_critic" in wanted else None,
                        # Images: samples for the report's grids at every quality step, all
                        # `quality_samples` of them when they are scored.
                        make_image_fn(model, n if "digit_scores" in wanted else 64) if is_image(cfg.dataset) else None,
                        DigitScorer(load_images(cfg.dataset), cache_dir / f"classifier-{cfg.dataset.name}-"
                                    f"{cfg.dataset.image_size}.keras") if "digit_scores" in wanted else None)

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
        if compiled.clip is not None:
            compiled.clip.assign(cfg.method.clip)
        model.set_learning_rates(cfg.optimizer)
        model.reinitialize(spec.seed, make_nets_factory(cfg))
        recorder = Recorder(spec, compiled, on_steps)
        every = cfg.record.every
        data = tf.data.Dataset.from_tensors(0.0).repeat()  # the train step samples its own data
        model.fit(data, epochs=cfg.train.steps // every, steps_per_epoch=every, verbose=0, shuffle=False,
                  callbacks=[recorder])
        recorder.finish()
        status = "diverged" if recorder.diverged else "ok"
        return RunResult(spec.run_id, spec.variant, spec.seed, status, recorder.step,
                         time.perf_counter() - t0, recorder.rows, recorder.artifacts, device=device())


class Recorder(keras.callbacks.Callback):
    """Records losses and diagnostics every `record.every` generator iterations (Keras epochs)."""

    def __init__(self, spec: RunSpec, compiled: Compiled, on_steps):
        super().__init__()
        self.spec, self.adv, self.on_steps = spec, compiled.model, on_steps
        self.layer_grad_fn, self.probes = compiled.layer_grads, compiled.probes
        self.quality_fn, self.surface_fn = compiled.quality, compiled.surface
        self.retrain_fn, self.critic_start = compiled.retrain, None
        self.image_fn, self.scorer = compiled.images, compiled.scorer
        cfg = spec.config
        self.every = cfg.record.every
        self.diagnostics = set(cfg.record.diagnostics)
        self.clip = cfg.method.clip
        self.wasserstein = cfg.method.name != "gan"
        self.rows: list[dict] = []
        self.artifacts: dict[str, dict[str, np.ndarray]] = {}
        self.weights: dict[str, np.ndarray] = {}
        self.step = 0
        self.diverged = False
        self.latest: dict[str, dict[str, np.ndarray]] = {}  # arrays of the last record step

    def _add(self, metric: str, value: float, layer: int | None = None):
        self.rows.append({"run_id": self.spec.run_id, "variant": self.spec.variant, "seed": self.spec.seed,
                          "step": self.step, "metric": metric, "value": float(value), "layer": layer})

    def on_train_begin(self, logs=None):
        if self.scorer is not None:
            self._add("classifier_accuracy", self.scorer.accuracy)
            self._add("real_digit_is", self.scorer.real_score)
        if self.retrain_fn is not None:
            self.critic_start = self.adv.critic.get_weights()
        self._record_diagnostics()

    def on_epoch_end(self, epoch, logs=None):
        self.step = (epoch + 1) * self.every
        logs = {k: float(v) for k, v in (logs or {}).items()}
        for name in ("d_loss", "penalty", "g_loss"):
            if name in logs:
                self._add(name, logs[name])
        if self.wasserstein and "d_loss" in logs:
            self._add("w_estimate", -logs["d_loss"])
        if not all(math.isfinite(v) for v in logs.values()):
            self.diverged = True
            self.model.stop_training = True
            return
        self._record_diagnostics()
        if self.on_steps:
            self.on_steps(self.every)

    def finish(self):
        for name in ("grid", "samples", "surface", "images"):
            if self.latest.get(name) is not None:
                self.artifacts[name] = self.latest[name]
        if "weight_hist" in self.diagnostics:
            from ..diagnostics.weights import flat_kernels, weight_sample

            self.weights["final"] = weight_sample(flat_kernels(self.adv.critic), self.spec.config.record.weight_sample)
            self.artifacts["weights"] = dict(self.weights)

    def _record_samples(self):
        record, dataset = self.spec.config.record, self.spec.config.dataset.name
        if not record.quality_step(self.step, self.spec.config.train.steps):
            return
        if self.quality_fn is not None:
            from ..diagnostics.sample_quality import quality_metrics

            fake, real = (np.asarray(t) for t in self.quality_fn())
            for name, value in quality_metrics(fake, real, dataset, record.w1_samples).items():
                self._add(name, value)
            self.latest["samples"] = {"fake": fake, "real": real}
        if self.surface_fn is not None:
            from ..data.toy import MODES
            from ..diagnostics.value_surface import surface_metrics

            values, f, norms, real, fake = (np.asarray(t) for t in self.surface_fn())
            for name, value in surface_metrics(values, f, norms, real, fake, MODES[dataset][0],
                                               record.w1_samples).items():
                self._add(name, value)
            self.latest["surface"] = {"values": values, "real": real[:1000], "fake": fake[:1000]}
        if self.image_fn is not None:
            fake = np.asarray(self.image_fn())
            if self.scorer is not None:
                for name, value in self.scorer(fake).items():
                    self._add(name, value)
            self.latest["images"] = {"fake": fake[:64]}
        if self.retrain_fn is not None:
            cfg = self.spec.config
            rate = (record.retrain.optimizer or cfg.optimizer).learning_rate
            for name, value in self.retrain_fn(self.critic_start, rate).items():
                self._add(name, value)

    def _record_diagnostics(self):
        if "layer_grad_norms" in self.diagnostics:
            from ..diagnostics.layer_grads import log_ratio

            _, norms = self.layer_grad_fn()
            norms = np.asarray(norms, dtype=np.float64)
            for layer, value in enumerate(norms, start=1):
                self._add("grad_norm", value, layer)
            self._add("grad_log_ratio", log_ratio(norms))
        if self.probes:
            from ..diagnostics.critic_probe import run_probes

            scalars, self.latest["grid"] = run_probes(self.probes, self.spec.config.record)
            for name, value in scalars.items():
                self._add(name, value)
        self._record_samples()
        if self.diagnostics & {"weight_stats", "weight_hist"}:
            from ..diagnostics.weights import flat_kernels, weight_sample, weight_stats

            w = flat_kernels(self.adv.critic)
            if "weight_stats" in self.diagnostics:
                for name, value in weight_stats(w, self.clip).items():
                    self._add(name, value)
            if "weight_hist" in self.diagnostics and self.step == 0:
                self.weights["initial"] = weight_sample(w, self.spec.config.record.weight_sample)
