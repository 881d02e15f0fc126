"""What a user would write without wgan-bench: the keras.io WGAN-GP example's structure.

(keras.io/examples/generative/wgan_gp.) Numpy arrays go to `fit`; `train_step` runs a Python
loop of critic steps, each with its own GradientTape, on the batch `fit` hands it, then one
generator step; the penalty is a separate nested tape; default compile settings. Clipping,
for the clip workloads, is the straightforward loop of `assign(clip_by_value)` after each
critic update. Architecture and hyper-parameters are the workload's, as in wgan-bench: plain
ReLU MLPs for toy data; for images the same conv classes as wgan-bench (`wgan_bench.nets.dcgan`,
which use no masked ReLU), so only the training loop differs.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def mlp(in_dim: int, depth: int, width: int, out_dim: int) -> keras.Model:
    return keras.Sequential([keras.Input((in_dim,))]
                            + [keras.layers.Dense(width, activation="relu", kernel_initializer="he_uniform")
                               for _ in range(depth)] + [keras.layers.Dense(out_dim)])


class WGAN(keras.Model):
    def __init__(self, critic, generator, latent_dim, critic_extra_steps, gp_weight, clip):
        super().__init__()
        self.critic, self.generator = critic, generator
        self.latent_dim, self.d_steps = latent_dim, critic_extra_steps
        self.gp_weight, self.clip = gp_weight, clip

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def gradient_penalty(self, batch_size, real, fake):
        alpha = tf.random.uniform([batch_size] + [1] * (len(real.shape) - 1), 0.0, 1.0)
        interpolated = real + alpha * (fake - real)
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(interpolated)
            pred = self.critic(interpolated, training=True)
        grads = gp_tape.gradient(pred, [interpolated])[0]
        norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=list(range(1, len(real.shape)))))
        return tf.reduce_mean((norm - 1.0) ** 2)

    def train_step(self, real):
        batch_size = tf.shape(real)[0]
        for _ in range(self.d_steps):
            z = tf.random.normal(shape=(batch_size, self.latent_dim))
            with tf.GradientTape() as tape:
                fake = self.generator(z, training=True)
                d_cost = tf.reduce_mean(self.critic(fake, training=True)) - tf.reduce_mean(
                    self.critic(real, training=True))
                d_loss = d_cost + (self.gp_weight * self.gradient_penalty(batch_size, real, fake)
                                   if self.gp_weight else 0.0)
            grads = tape.gradient(d_loss, self.critic.trainable_variables)
            self.d_optimizer.apply_gradients(zip(grads, self.critic.trainable_variables, strict=True))
            if self.clip:
                for w in self.critic.trainable_variables:
                    w.assign(tf.clip_by_value(w, -self.clip, self.clip))
        z = tf.random.normal(shape=(batch_size, self.latent_dim))
        with tf.GradientTape() as tape:
            g_loss = -tf.reduce_mean(self.critic(self.generator(z, training=True), training=True))
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables, strict=True))
        return {"d_loss": d_loss, "g_loss": g_loss}


def nets(cfg):
    """(critic, generator) with the workload's architecture."""
    from wgan_bench.data.registry import is_image, sample_shape

    if is_image(cfg.dataset):
        from wgan_bench.nets.factory import dcgan_critic, dcgan_generator

        shape = sample_shape(cfg.dataset)
        return dcgan_critic(cfg.critic, shape), dcgan_generator(cfg.generator, shape)
    data_dim = sample_shape(cfg.dataset)[0]
    return (mlp(data_dim, cfg.critic.depth, cfg.critic.width, 1),
            mlp(cfg.generator.z_dim, cfg.generator.depth, cfg.generator.width, data_dim))


def build(cfg) -> WGAN:
    """A baseline model with the workload's architecture and hyper-parameters (a RunConfig)."""
    m, o = cfg.method, cfg.optimizer
    model = WGAN(*nets(cfg), cfg.generator.z_dim, m.n_critic, getattr(m, "gp_weight", 0.0), getattr(m, "clip", None))
    if o.name == "adam":
        opts = [keras.optimizers.Adam(o.learning_rate, beta_1=o.beta_1, beta_2=o.beta_2) for _ in range(2)]
    else:
        opts = [keras.optimizers.RMSprop(o.learning_rate) for _ in range(2)]
    model.compile(d_optimizer=opts[0], g_optimizer=opts[1])
    return model


def real_data(cfg, n: int) -> np.ndarray:
    """Host-side numpy samples of the workload's data set, as a user would prepare them."""
    from wgan_bench.data.registry import make_sampler

    return np.asarray(make_sampler(cfg.dataset, 0, n)(n, keras.random.SeedGenerator(0)))
