"""optimizer_step: the cosine between the critic optimizer's next step and the critic's gradient.

WGAN Sec. 3: with a momentum optimizer (Adam) on the clipped critic, training turned unstable,
and as the loss blew up the cosine between Adam's step and the gradient went negative; RMSProp,
whose step is the gradient scaled by a positive diagonal, cannot point uphill. At each record
step the critic's gradient on a fresh batch (the diagnostics' stream, the run's loss and
penalty) goes to a shadow optimizer that holds a copy of the critic optimizer's state and
moves shadow weights without the clip: the step the optimizer would take, while training is
left untouched (batch-norm statistics are restored).

Metric: step_grad_cosine = cos(−step, gradient) over all critic weights; 1 for plain gradient
descent, below 0 when the step climbs the critic's loss, NaN when the gradient is zero.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ..methods.optimizers import build_optimizer
from .base import Diagnostic
from .critic_probe import _probe_samples


def _flat(tensors):
    return tf.concat([tf.reshape(t, [-1]) for t in tensors], axis=0)


class OptimizerStep(Diagnostic):
    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        critic, source = model.critic, model.d_optimizer
        weights = critic.trainable_variables
        shadow = [keras.Variable(keras.ops.zeros(v.shape, v.dtype), name=f"shadow_{i}") for i, v in enumerate(weights)]
        shadow_opt = build_optimizer(cfg.optimizer, cfg.optimizer.learning_rate)
        shadow_opt.build(shadow)
        state = list(zip(shadow_opt.variables, source.variables, strict=True))
        n = cfg.train.batch_size

        @tf.function(autograph=False)
        def cosine(grads):
            """cos(−step, grads) for the step the critic's optimizer would take on `grads` now."""
            for mine, theirs in state:  # step count, learning rate, moments
                mine.assign(theirs)
            for mine, theirs in zip(shadow, weights, strict=True):
                mine.assign(theirs)
            shadow_opt.apply(grads, shadow)
            step = _flat([s - w for s, w in zip(shadow, weights, strict=True)])
            g = _flat(grads)
            norms = tf.norm(step) * tf.norm(g)
            # Undefined (NaN) without a gradient, e.g. once every ReLU of the critic is dead.
            return tf.where(norms > 0, -tf.reduce_sum(step * g) / norms, float("nan"))

        @tf.function(autograph=False)
        def gradients():
            real, fake = _probe_samples(model, n)
            kept = [tf.identity(v) for v in critic.non_trainable_variables]  # batch norm's moving statistics
            _, _, grads = model.critic_gradients(critic, real, fake, model.diag_seed_generator)
            with tf.control_dependencies(grads):
                restore = [v.assign(k) for v, k in zip(critic.non_trainable_variables, kept, strict=True)]
            with tf.control_dependencies(restore):
                return [tf.identity(g) for g in grads]

        self.cosine, self.gradients = cosine, gradients

    def record(self, step, logs):
        return {"step_grad_cosine": float(self.cosine(self.gradients()))}
