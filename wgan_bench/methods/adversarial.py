"""The adversarial `keras.Model`: `train_step` = n_critic critic updates, then one generator update.

Real data is sampled inside the step (toy data), each critic update on a fresh batch.
`steps_per_execution` generator iterations run in one compiled in-graph loop (one XLA
cluster with `jit_compile`), between two record steps. Diagnostics live elsewhere
(`wgan_bench.diagnostics`) and run only on record steps.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ..registry import GENERATORS
from .base import Method
from .optimizers import build_optimizer, reset_optimizer


class AdversarialModel(keras.Model):
    """`method` is the run's resolved method: its loss, penalty and weight bound."""

    def __init__(self, generator, critic, sample_real, cfg, method: Method, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.critic = critic
        self.sample_real = sample_real
        self.cfg = cfg
        self.method = method
        self.train_generator = cfg.train.train_generator
        # A shift generator moves fresh real samples; an MLP generator maps Gaussian noise.
        self.fixed_input = bool(GENERATORS.meta(cfg.generator.kind, "fixed"))
        self.adv_loss = method.loss
        self.n_critic = cfg.method.n_critic
        self.batch_size = cfg.train.batch_size
        self.z_dim = None if self.fixed_input else cfg.generator.z_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        # Diagnostics draw from their own stream so recording never changes the training path.
        self.diag_seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.penalty_tracker = keras.metrics.Mean(name="penalty")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        # Keras resets and reads every metric with eager ops at each epoch (one record step here):
        # ~2 ms per record step, as long as ~100 iterations of the 1-D nets. One compiled call each.
        self._reset_metrics_fn = tf.function(self._reset_all_metrics, autograph=False)
        self._metrics_result_fn = tf.function(self._all_metric_results, autograph=False)

    @property
    def metrics(self):
        trackers = [self.d_loss_tracker, self.penalty_tracker]
        return trackers + [self.g_loss_tracker] if self.train_generator else trackers

    def reset_metrics(self):
        self._reset_metrics_fn()

    def get_metrics_result(self):
        return self._metrics_result_fn()

    def _reset_all_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def _all_metric_results(self):
        return {m.name: m.result() for m in self.metrics}

    def compile(self, **kwargs):
        opt = self.cfg.optimizer
        self.d_optimizer = build_optimizer(opt, opt.learning_rate)
        self.g_optimizer = build_optimizer(opt, opt.generator_learning_rate or opt.learning_rate)
        super().compile(**kwargs)
        self.d_optimizer.build(self.critic.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def set_learning_rates(self, opt_cfg) -> None:
        self.d_optimizer.learning_rate = opt_cfg.learning_rate  # assigns the existing variable
        self.g_optimizer.learning_rate = opt_cfg.generator_learning_rate or opt_cfg.learning_rate

    def sample_z(self, n, seed_generator=None):
        """The generator's input: Gaussian noise, or fresh real samples for a shift generator."""
        gen = seed_generator or self.seed_generator
        if self.fixed_input:
            return self.sample_real(n, gen)
        return keras.random.normal((n, self.z_dim), seed=gen)

    def critic_step(self):
        real = self.sample_real(self.batch_size, self.seed_generator)
        fake = self.generator(self.sample_z(self.batch_size), training=True)
        return self.update_critic(self.critic, self.d_optimizer, real, fake, self.seed_generator)

    def critic_gradients(self, critic, real, fake, seed_generator):
        """This method's critic loss and penalty on a batch, and the gradients of their weighted
        sum with respect to `critic`'s trainable variables: (loss, penalty, gradients)."""
        seen_real, seen_fake = self.method.perturb(real, seed_generator), self.method.perturb(fake, seed_generator)
        with tf.GradientTape() as tape:
            d_loss = self.adv_loss.critic(critic(seen_real, training=True), critic(seen_fake, training=True))
            weight = self.method.penalty_weight
            penalty = self.method.penalty(critic, real, fake, seed_generator) if weight else tf.zeros(())
            total = d_loss + weight * penalty
        return d_loss, penalty, tape.gradient(total, critic.trainable_variables)

    def update_critic(self, critic, optimizer, real, fake, seed_generator):
        """One update of `critic` with this method's loss and penalty; returns (loss, penalty).
        Also trains the second critic of `retrained_critic`."""
        d_loss, penalty, grads = self.critic_gradients(critic, real, fake, seed_generator)
        # The optimizer applies the clipping constraint right after the update (Keras semantics).
        optimizer.apply(grads, critic.trainable_variables)
        return d_loss, penalty

    def generator_step(self):
        z = self.sample_z(self.batch_size)
        with tf.GradientTape() as tape:
            fake = self.method.perturb(self.generator(z, training=True), self.seed_generator)
            g_loss = self.adv_loss.generator(self.critic(fake, training=True))
        variables = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(g_loss, variables), variables)
        return g_loss

    def _critic_update(self):
        d_loss, penalty = self.critic_step()
        self.d_loss_tracker.update_state(d_loss)
        self.penalty_tracker.update_state(penalty)

    def train_step(self, data):
        del data  # toy data is sampled in-graph
        burst = self.cfg.method.n_critic_burst
        if burst is None:
            for _ in range(self.n_critic):
                self._critic_update()
        else:
            # The WGAN reference code (main.py): 100 critic steps for the first 25 generator
            # iterations and every 500th, to keep the critic near-optimal; n_critic otherwise.
            g_iter = self.g_optimizer.iterations
            m = self.cfg.method
            in_burst = tf.logical_or(g_iter < m.burst_first, tf.equal(g_iter % m.burst_every, 0))
            n = tf.where(in_burst, burst, self.n_critic)

            def body(i):
                self._critic_update()
                return (i + 1,)

            tf.while_loop(lambda i: i < n, body, (tf.constant(0),))
        if self.train_generator:
            self.g_loss_tracker.update_state(self.generator_step())
        return {m.name: m.result() for m in self.metrics}

    def make_train_function(self, force=False):
        """Run `steps_per_execution` train steps in one in-graph loop, compiled as one XLA cluster.

        Keras' default calls a compiled single step from a host-side loop over the data
        iterator; each call then reads and writes every variable and optimizer slot. Toy data
        is sampled in-graph, so the iterator is not needed and the whole loop compiles at once
        (about 1.5x faster on the 12 x 512 clip-sweep nets on 2 CPU cores).
        """
        if self.train_function is not None and not force:
            return self.train_function
        steps = self.steps_per_execution

        def many_steps():
            def body(i):
                self.train_step(None)
                return (i + 1,)

            tf.while_loop(lambda i: i < steps, body, (tf.constant(0),))
            return {m.name: m.result() for m in self.metrics}

        # No AutoGraph here or in the diagnostics: loops and branches on tensors are explicit
        # (tf.while_loop), and converting Keras' code cost ~0.7 s of tracing per function.
        compiled = tf.function(many_steps, jit_compile=self.jit_compile, reduce_retracing=True, autograph=False)

        def train_function(iterator):
            del iterator  # a dummy dataset only drives Keras' epoch/callback machinery
            return compiled()

        self.train_function = train_function
        return train_function

    def project_critic(self):
        """Apply the critic's constraints now (the reference PyTorch code clamps before each step)."""
        for var in self.critic.variables:
            if getattr(var, "constraint", None) is not None:
                var.assign(var.constraint(var))

    def reinitialize(self, seed: int, make_nets) -> None:
        """Reset weights, optimizer state and random stream for a new seed, keeping compiled functions.

        `make_nets()` builds a fresh (generator, critic) pair after the global seed is set, so a
        reused model starts from exactly the weights a new one would.
        """
        keras.utils.set_random_seed(seed)
        fresh_g, fresh_c = make_nets()
        self.generator.set_weights(fresh_g.get_weights())
        self.critic.set_weights(fresh_c.get_weights())
        self.project_critic()
        reset_optimizer(self.d_optimizer)
        reset_optimizer(self.g_optimizer)
        streams = [(self.seed_generator, 0), (self.diag_seed_generator, 1)]
        if hasattr(self.generator, "seed_generator"):  # a noise generator's own stream
            streams.append((self.generator.seed_generator, 2))
        for gen, offset in streams:
            gen.state.assign(keras.ops.convert_to_tensor([seed, offset], dtype=gen.state.dtype))
        for m in self.metrics:
            m.reset_state()
