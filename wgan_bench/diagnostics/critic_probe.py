"""Probes of a critic trained against fixed distributions (WGAN Fig. 2, A&B Figs. 2-3).

All run on record steps only, on fresh samples from the diagnostics' own random stream:
- dual_estimate: the critic's W estimate E f(real) − E f(fake) on `eval_samples` per side,
  its largest input-gradient norm on those samples, and their ratio (the estimate of a
  1-Lipschitz rescaling of the critic).
- disc_stats (BCE discriminators): accuracy, the JS lower bound ½·L(D) + log 2, and the
  minimax generator's input gradient E_fake |d/dx log(1 − D(x))| = E_fake σ(f)·|f′|.
- theta_grads (shift generators): d/dθ of the generator costs on `grad_batches` minibatches;
  mean, std and std/|mean| over minibatches of minimax E log(1 − D), non-saturating −E log D
  (GAN) or E f (WGAN).
- interp_grad_norms: the distribution of ‖∇f‖ at `eval_samples` interpolates between real and
  fake samples (ε ~ U[0, 1] per pair, as the penalty draws them; WGAN-GP Prop. 1 and Sec. 4):
  median, 10th and 90th percentiles, and the relative spread (p90 − p10) / median.
- batch_dependence: how much a sample's input gradient, in training mode as the penalty takes
  it, depends on the rest of its batch (WGAN-GP Sec. 4: batch norm makes the per-sample penalty
  invalid): 64 interpolates evaluated in two batches that differ in every other sample; the
  median of ‖g_A − g_B‖ / ‖g_A‖ over them. The critic's batch-norm statistics are restored after.
- critic_grid (1-D data): f and f′ on a grid; R² of a linear fit of the output on [fit_lo, fit_hi]
  and median |output′| there over max |output′| on the grid, where the output is what WGAN Fig. 2
  plots: f for a critic, D = σ(f) for a BCE discriminator (its logit is near-linear too).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from ..registry import LOSSES
from .base import Diagnostic


def input_grads(critic, x):
    """The critic's outputs on `x` and their gradients with respect to `x`."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = critic(x, training=False)
    return out, tape.gradient(out, x)


def wasserstein_gap(f_real, f_fake):
    """E f(real) − E f(fake): a critic's estimate of W1 (when f is 1-Lipschitz)."""
    return tf.reduce_mean(f_real) - tf.reduce_mean(f_fake)


def js_lower_bound(f_real, f_fake):
    """½·L(D) + log 2 for a BCE discriminator with logits f: a lower bound on JS."""
    bce = tf.reduce_mean(tf.nn.softplus(-f_real)) + tf.reduce_mean(tf.nn.softplus(f_fake))
    return math.log(2.0) - 0.5 * bce


def grid_metrics(x: np.ndarray, f: np.ndarray, df: np.ndarray, fit_lo: float, fit_hi: float) -> dict[str, float]:
    """R² of a straight-line fit of f on [fit_lo, fit_hi]; median |f′| there over max |f′| on the grid."""
    inside = (x >= fit_lo) & (x <= fit_hi)
    xi, fi = x[inside].astype(np.float64), f[inside].astype(np.float64)
    slope, intercept = np.polyfit(xi, fi, 1)
    resid = fi - (slope * xi + intercept)
    total = np.sum((fi - fi.mean()) ** 2)
    r2 = 1.0 - np.sum(resid ** 2) / total if total > 0 else 0.0
    peak = np.max(np.abs(df))
    ratio = float(np.median(np.abs(df[inside])) / peak) if peak > 0 else 0.0
    return {"linear_r2": float(r2), "slope_ratio": ratio}


def plotted_output(f: np.ndarray, df: np.ndarray, wasserstein: bool) -> tuple[np.ndarray, np.ndarray]:
    """What WGAN Fig. 2 plots, and its slope: the critic f itself, or a discriminator's D = σ(f)."""
    if wasserstein:
        return f, df
    d = 1.0 / (1.0 + np.exp(-f))
    return d, d * (1.0 - d) * df


def _probe_samples(model, n):
    gen = model.diag_seed_generator
    real = model.sample_real(n, gen)
    return real, model.generator(model.sample_z(n, gen), training=False)


def _probe_interpolates(model, n):
    """n points on the lines between fresh real and generated samples, ε ~ U[0, 1] per pair, as
    the penalty draws them."""
    from ..methods.penalties import interpolate

    real, fake = _probe_samples(model, n)
    return interpolate(real, fake, keras.random.uniform((n,), seed=model.diag_seed_generator))


class _Compiled(Diagnostic):
    """A probe whose compiled function `fn` returns its scalar metrics."""

    def record(self, step, logs):
        return {k: float(v) for k, v in self.fn().items()}


class DualEstimate(_Compiled):
    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        n = cfg.record.eval_samples

        @tf.function(autograph=False)
        def evaluate():
            real, fake = _probe_samples(model, n)
            f_real, g_real = input_grads(model.critic, real)
            f_fake, g_fake = input_grads(model.critic, fake)
            w = wasserstein_gap(f_real, f_fake)
            slope = tf.reduce_max(tf.norm(tf.concat([g_real, g_fake], axis=0), axis=1))
            return {"w_dual": w, "max_slope": slope, "w_dual_normalized": w / slope}

        self.fn = evaluate


class DiscStats(_Compiled):
    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        n = cfg.record.eval_samples

        @tf.function(autograph=False)
        def evaluate():
            real, fake = _probe_samples(model, n)
            f_real = model.critic(real, training=False)
            f_fake, g_fake = input_grads(model.critic, fake)
            correct = tf.concat([tf.cast(f_real > 0, tf.float32), tf.cast(f_fake < 0, tf.float32)], 0)
            fake_norms = tf.norm(g_fake, axis=1)
            return {"accuracy": tf.reduce_mean(correct), "js_bound": js_lower_bound(f_real, f_fake),
                    "minimax_input_grad": tf.reduce_mean(tf.sigmoid(f_fake[:, 0]) * fake_norms)}

        self.fn = evaluate


class ThetaGrads(_Compiled):
    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        theta, batches = model.generator.theta, cfg.record.grad_batches
        costs = ({"w": LOSSES.load("wasserstein").generator} if model.method.wasserstein
                 else {"minimax": LOSSES.load("minimax").generator, "ns": LOSSES.load("non_saturating").generator})

        @tf.function(autograph=False)
        def theta_grads():
            per_batch = {name: [] for name in costs}
            for _ in range(batches):
                z = model.sample_z(model.batch_size, model.diag_seed_generator)
                with tf.GradientTape(persistent=True) as tape:
                    seen = model.method.perturb(model.generator(z, training=False), model.diag_seed_generator)
                    f = model.critic(seen, training=False)
                    values = {name: cost(f) for name, cost in costs.items()}
                for name, value in values.items():
                    per_batch[name].append(tape.gradient(value, theta))
                del tape
            out = {}
            for name, grads in per_batch.items():
                g = tf.stack(grads)
                mean, std = tf.abs(tf.reduce_mean(g)), tf.math.reduce_std(g)
                out[f"grad_theta_{name}"], out[f"grad_theta_{name}_std"] = mean, std
                out[f"grad_theta_{name}_rel_std"] = std / (mean + 1e-30)  # noise beyond what the mean's growth explains
            return out

        self.fn = theta_grads


class InterpGradNorms(_Compiled):
    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        n = cfg.record.eval_samples

        @tf.function(autograph=False)
        def evaluate():
            _, grads = input_grads(model.critic, _probe_interpolates(model, n))
            return {"norms": tf.norm(tf.reshape(grads, (n, -1)), axis=1)}

        self.fn = evaluate

    def record(self, step, logs):
        p10, median, p90 = np.percentile(np.asarray(self.fn()["norms"], np.float64), [10, 50, 90])
        return {"interp_grad_median": median, "interp_grad_p10": p10, "interp_grad_p90": p90,
                "interp_grad_spread": (p90 - p10) / median if median > 0 else math.inf}


class BatchDependence(_Compiled):
    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        n = cfg.train.batch_size
        k = min(64, n // 2)
        critic = model.critic

        def train_mode_grads(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                out = critic(x, training=True)
            return tf.reshape(tape.gradient(out, x)[:k], (k, -1))

        @tf.function(autograph=False)
        def evaluate():
            x = _probe_interpolates(model, 2 * n - k)
            saved = [tf.identity(v) for v in critic.non_trainable_variables]  # batch norm's moving statistics
            g_a = train_mode_grads(x[:n])
            g_b = train_mode_grads(tf.concat([x[:k], x[n:]], axis=0))  # the same k probes, other companions
            with tf.control_dependencies([g_a, g_b]):
                restore = [v.assign(s) for v, s in zip(critic.non_trainable_variables, saved, strict=True)]
            with tf.control_dependencies(restore):
                return {"rel": tf.norm(g_a - g_b, axis=1) / (tf.norm(g_a, axis=1) + 1e-12)}

        self.fn = evaluate

    def record(self, step, logs):
        return {"grad_batch_dependence": float(np.median(np.asarray(self.fn()["rel"])))}


class CriticGrid(Diagnostic):
    artifact = "grid"

    def __init__(self, model, cfg, context):
        super().__init__(model, cfg, context)
        grid = cfg.record.grid
        xs = tf.reshape(tf.linspace(grid.lo, grid.hi, grid.n), (-1, 1))

        @tf.function(autograph=False)
        def critic_grid():
            f, df = input_grads(model.critic, xs)
            return {"x": xs[:, 0], "f": f[:, 0], "df": df[:, 0]}

        self.critic_grid = critic_grid

    def record(self, step, logs):
        self.latest = {k: np.asarray(v) for k, v in self.critic_grid().items()}
        x, f, df = (self.latest[k].astype(np.float64) for k in ("x", "f", "df"))
        out, d_out = plotted_output(f, df, self.model.method.wasserstein)
        grid = self.cfg.record.grid
        return grid_metrics(x, out, d_out, grid.fit_lo, grid.fit_hi)
