"""retrained_critic: the estimate of a critic trained to optimality against a frozen generator.

A running critic lags its generator, so its loss mixes sample quality with how far the critic
is from optimal. Here, at each quality step, a second critic with the run's architecture, loss
and penalty or clip restarts from the run's initial critic weights and trains `record.retrain.steps`
updates against the generator as it is now (WGAN Sec. 4.2 reads its curves as estimates of
W at a near-optimal critic). Sampling uses the diagnostics' stream, so training is unchanged.

Metrics: w_retrained = E f(real) − E f(fake) on `eval_samples` per side; w_retrained_normalized
= that over max ‖∇f‖ on those samples; for a GAN also js_retrained = ½·L(D) + log 2.

dual_convergence: how long the same retraining takes (WGAN Sec. 3: with a large clip the critic
takes long to reach its optimum). The estimate on one fixed evaluation sample is read after
1, ..., `steps` updates at `record.retrain.points` geometrically spaced counts (convergence
times span decades); dual_steps_to_90 is the first count at which it reaches 90 % of its final
value (the median of the last quarter of the readings), dual_w_final that value (NaN steps when
it is not positive). The first reaching, not staying: a critic whose updates are larger than c
keeps flipping its weights between ±c, and its estimate jitters about the optimum for good.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from ..methods.optimizers import build_optimizer, reset_optimizer
from .base import Diagnostic
from .critic_probe import input_grads, js_lower_bound, wasserstein_gap


class _SecondCritic(Diagnostic):
    """A second critic of the run's architecture (sharing its clip variable) with its own
    optimizer, restarted from the run's initial critic weights at each record step."""

    persist = ("critic_start",)

    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        self.critic = context.build_critic()
        opt_cfg = cfg.record.retrain.optimizer or cfg.optimizer
        self.optimizer = build_optimizer(opt_cfg, opt_cfg.learning_rate)
        self.optimizer.build(self.critic.trainable_variables)

    def start(self, cfg):
        self.critic_start = self.model.critic.get_weights()
        return super().start(cfg)

    def restart(self) -> None:
        self.critic.set_weights(self.critic_start)
        reset_optimizer(self.optimizer)
        # cached models serve runs with other rates
        self.optimizer.learning_rate = (self.cfg.record.retrain.optimizer or self.cfg.optimizer).learning_rate


class RetrainedCritic(_SecondCritic):
    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        critic, optimizer = self.critic, self.optimizer
        gen, batch, n = model.diag_seed_generator, model.batch_size, cfg.record.eval_samples
        steps = cfg.record.retrain.steps

        def batch_pair(size):
            return model.sample_real(size, gen), model.generator(model.sample_z(size, gen), training=False)

        def update():
            model.update_critic(critic, optimizer, *batch_pair(batch), gen)

        @tf.function(jit_compile=cfg.train.jit_compile, autograph=False)
        def train_and_measure():
            tf.while_loop(lambda i: i < steps, lambda i: (update() or i + 1,), (tf.constant(0),))
            f, grads = input_grads(critic, tf.concat(batch_pair(n), axis=0))
            slope = tf.reduce_max(tf.norm(grads, axis=1))
            w = wasserstein_gap(f[:n], f[n:])
            out = {"w_retrained": w, "w_retrained_normalized": w / slope}
            if not model.method.wasserstein:
                out["js_retrained"] = js_lower_bound(f[:n], f[n:])
            return out

        self.train_and_measure = train_and_measure

    def record(self, step, logs):
        self.restart()
        return {k: float(v) for k, v in self.train_and_measure().items()}


def steps_to_fraction(steps: np.ndarray, values: np.ndarray, fraction: float = 0.9) -> tuple[float, float]:
    """(first step at which `values` reaches fraction × final, final) with final the median of the
    last quarter of the readings; NaN steps when final is not positive."""
    final = float(np.median(values[-max(1, len(values) // 4):]))
    if not final > 0:
        return float("nan"), final
    return float(steps[np.flatnonzero(values >= fraction * final)[0]]), final


def reading_steps(steps: int, points: int) -> np.ndarray:
    """`points` update counts from 1 to `steps`, geometrically spaced, without repeats."""
    return np.unique(np.round(np.geomspace(1, steps, points)).astype(int))


class DualConvergence(_SecondCritic):
    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        critic, optimizer = self.critic, self.optimizer
        gen, batch, n = model.diag_seed_generator, model.batch_size, cfg.record.eval_samples

        def update(i):
            fake = model.generator(model.sample_z(batch, gen), training=False)
            model.update_critic(critic, optimizer, model.sample_real(batch, gen), fake, gen)
            return (i + 1,)

        @tf.function(jit_compile=cfg.train.jit_compile, autograph=False)
        def train(updates):
            tf.while_loop(lambda i: i < updates, update, (tf.constant(0),))

        @tf.function(autograph=False)
        def evaluation_sample():
            return model.sample_real(n, gen), model.generator(model.sample_z(n, gen), training=False)

        @tf.function(autograph=False)
        def estimate(real, fake):
            return wasserstein_gap(critic(real, training=False), critic(fake, training=False))

        self.train, self.evaluation_sample, self.estimate = train, evaluation_sample, estimate

    def record(self, step, logs):
        self.restart()
        real, fake = self.evaluation_sample()
        retrain = self.cfg.record.retrain
        counts = reading_steps(retrain.steps, retrain.points)
        readings, done = [], 0
        for count in counts:
            self.train(tf.constant(int(count - done)))
            done = count
            readings.append(float(self.estimate(real, fake)))
        to_90, final = steps_to_fraction(counts, np.asarray(readings))
        return {"dual_steps_to_90": to_90, "dual_w_final": final}
