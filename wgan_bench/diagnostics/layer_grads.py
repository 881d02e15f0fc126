"""‖∂L_D/∂h_l‖ for every hidden layer of the critic (WGAN-GP Fig. 1(b), left).

L_D is the critic loss without the penalty on a fresh batch; h_l is the output of hidden
layer l (1 = nearest the input); the norm is the Frobenius norm over the batch.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .base import Diagnostic


def make_layer_grad_fn(model):
    """A compiled function returning (critic loss, per-layer gradient norms) on a fresh batch."""

    @tf.function(autograph=False)
    def layer_grads():
        gen = model.diag_seed_generator
        real = model.sample_real(model.batch_size, gen)
        fake = model.generator(model.sample_z(model.batch_size, gen), training=False)
        with tf.GradientTape() as tape:
            real_out, real_acts = model.critic.call_with_activations(real, training=False)
            fake_out, fake_acts = model.critic.call_with_activations(fake, training=False)
            d_loss = model.adv_loss.critic(real_out, fake_out)
        # The loss depends on layer l through both the real and the fake pass.
        grads = tape.gradient(d_loss, real_acts + fake_acts)
        n = len(real_acts)
        norms = [_frobenius(tf.concat([grads[i], grads[n + i]], axis=0)) for i in range(n)]
        return d_loss, tf.stack(norms)

    return layer_grads


def _frobenius(g):
    """‖g‖_F scaled by max|g| first: with c = 0.001 the squares of ~1e-25 would underflow float32."""
    scale = tf.reduce_max(tf.abs(g))
    safe = tf.where(scale > 0, scale, tf.ones_like(scale))
    return scale * tf.sqrt(tf.reduce_sum(tf.square(g / safe)))


def log_ratio(norms: np.ndarray) -> float:
    """r = log10‖∂L/∂h_1‖ − log10‖∂L/∂h_L‖ (input side minus output side)."""
    with np.errstate(divide="ignore"):
        return float(np.log10(norms[0]) - np.log10(norms[-1]))


class LayerGradNorms(Diagnostic):
    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        self.layer_grads = make_layer_grad_fn(model)

    def record(self, step, logs):
        _, norms = self.layer_grads()
        norms = np.asarray(norms, dtype=np.float64)
        return {"grad_norm": norms, "grad_log_ratio": log_ratio(norms)}
