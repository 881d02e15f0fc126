"""The built-in registry entries (`wgan_bench.registry`). A plugin registers its own the same way.

Targets are "module:attr" strings, imported only when a run uses them, so validating a YAML
file never imports TensorFlow. Diagnostics and analyses declare the metrics they record;
claims, regression entries and figures may name only those.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from .config import schema as s
from .registry import (
    ACTIVATIONS,
    AGGREGATES,
    ANALYSES,
    CHECKS,
    CRITICS,
    DATASETS,
    DIAGNOSTICS,
    FIGURES,
    GENERATORS,
    LOSSES,
    METHODS,
    NORMS,
    REDUCERS,
)


def metrics(*names: str, per_layer: tuple[str, ...] = ()) -> dict[str, dict]:
    return {n: {"per_layer": n in per_layer} for n in (*names, *per_layer)}


# ---------------------------------------------------------------- data
for name in ("8gaussians", "25gaussians", "swissroll", "spiral", "parallel_lines"):
    DATASETS.register(name, "wgan_bench.data.toy:sampler", image=False, dim=2)
DATASETS.register("gaussian_1d", "wgan_bench.data.toy:sampler", image=False, dim=1)
for name, channels, size in (("digits", 1, 16), ("mnist", 1, 28), ("fashion_mnist", 1, 28), ("cifar10", 3, 32)):
    DATASETS.register(name, "wgan_bench.data.images:sampler", image=True, labelled=True, channels=channels,
                      size=size, loader=f"wgan_bench.data.images:load_{name}", synthetic=name == "cifar10")
DATASETS.register("image_folder", "wgan_bench.data.images:folder_sampler", image=True, labelled=False,
                  channels=3, size=64, loader="wgan_bench.data.images:load_image_folder", streamed=True)

# ---------------------------------------------------------------- networks
ACTIVATIONS.register("relu", "wgan_bench.nets.activations:masked_relu")
for name in ("leaky_relu", "tanh", "elu"):
    ACTIVATIONS.register(name, f"keras.activations:{name}")
ACTIVATIONS.register("scaled_softplus", "wgan_bench.nets.activations:scaled_softplus")
NORMS.register("none", None)
NORMS.register("batch", "keras.layers:BatchNormalization")
NORMS.register("layer", "keras.layers:LayerNormalization")

GENERATORS.register("mlp", "wgan_bench.nets.factory:mlp_generator", s.MLPGeneratorConfig, image=True, toy=True)
GENERATORS.register("shift", "wgan_bench.nets.factory:shift_generator", s.ShiftGeneratorConfig, toy=True,
                    fixed=True, theta=True)
GENERATORS.register("noise", "wgan_bench.nets.factory:noise_generator", s.NoiseGeneratorConfig, toy=True,
                    fixed=True)
GENERATORS.register("dcgan", "wgan_bench.nets.factory:dcgan_generator", s.DCGANGeneratorConfig, image=True)
GENERATORS.register("conv", "wgan_bench.nets.factory:dcgan_generator", s.ConvGeneratorConfig, image=True)
GENERATORS.register("constant_filter", "wgan_bench.nets.factory:constant_filter_generator",
                    s.ConstantFilterGeneratorConfig, image=True)
CRITICS.register("mlp", "wgan_bench.nets.factory:mlp_critic", s.MLPCriticConfig, toy=True)
CRITICS.register("dcgan", "wgan_bench.nets.factory:dcgan_critic", s.DCGANCriticConfig, image=True)
CRITICS.register("conv", "wgan_bench.nets.factory:dcgan_critic", s.ConvCriticConfig, image=True)

# ---------------------------------------------------------------- losses and methods
class GANMethod(s.MethodConfig):
    gan_loss: s.LossName = "non_saturating"
    instance_noise: float = Field(0.0, ge=0, description="std of Gaussian noise added to real and fake samples "
                                  "before the discriminator (Arjovsky & Bottou Sec. 4); 0: none")

    @field_validator("gan_loss")
    @classmethod
    def _a_gan_loss(cls, v):
        if LOSSES.meta(v, "wasserstein"):
            raise ValueError(f"{v!r} is a Wasserstein loss; method gan takes one of "
                             f"{', '.join(LOSSES.where(wasserstein=False))}")
        return v


class ClipMethod(s.MethodConfig):
    clip: float = Field(0.01, gt=0, description="weight-clipping bound c")


class GPMethod(s.MethodConfig):
    gp_weight: float = Field(10.0, ge=0)
    gp_one_sided: bool = False


class SNMethod(s.MethodConfig):
    power_iterations: int = Field(1, ge=1, description="power iterations per training call (Miyato et al.: 1)")


LOSSES.register("minimax", "wgan_bench.methods.losses:MINIMAX", wasserstein=False)
LOSSES.register("non_saturating", "wgan_bench.methods.losses:NON_SATURATING", wasserstein=False)
LOSSES.register("wasserstein", "wgan_bench.methods.losses:WASSERSTEIN", wasserstein=True)

METHODS.register("gan", "wgan_bench.methods.base:GAN", GANMethod, discriminator=True,
                 doc="a BCE discriminator, no Lipschitz control")
METHODS.register("wgan", "wgan_bench.methods.constraints:WeightClipping", ClipMethod, per_run=("clip",),
                 doc="Wasserstein loss, weights clipped into [-c, c] (WGAN Alg. 1)")
METHODS.register("wgan_gp", "wgan_bench.methods.penalties:GradientPenalty", GPMethod,
                 doc="Wasserstein loss plus a gradient penalty (WGAN-GP Alg. 1)")
METHODS.register("wgan_sn", "wgan_bench.methods.spectral_norm:SpectralNorm", SNMethod,
                 doc="Wasserstein loss, every critic layer spectrally normalised (Miyato et al. 2018)")


# ---------------------------------------------------------------- diagnostics (recorded in this order)
def _needs_1d(cfg):
    ok = not DATASETS.meta(cfg.dataset.name, "image") and DATASETS.meta(cfg.dataset.name, "dim") == 1
    return None if ok else f"needs 1-D data (dataset {', '.join(DATASETS.where(dim=1))})"


def _needs_shift(cfg):
    ok = GENERATORS.meta(cfg.generator.kind, "theta")
    return None if ok else f"needs a generator with a parameter theta (kind {', '.join(GENERATORS.where(theta=True))})"


def _needs_2d_toy(cfg):
    ok = not DATASETS.meta(cfg.dataset.name, "image") and DATASETS.meta(cfg.dataset.name, "dim") == 2
    return None if ok else "needs 2-D toy data"


def _needs_labels(cfg):
    return None if DATASETS.meta(cfg.dataset.name, "labelled") else \
        f"needs a labelled image data set ({', '.join(DATASETS.where(labelled=True))})"


def _only_images(cfg):
    return None if DATASETS.meta(cfg.dataset.name, "image") else "is for image data sets"


D = "wgan_bench.diagnostics."
DIAGNOSTICS.register("losses", D + "losses:Losses", always=True,
                     metrics=metrics("d_loss", "penalty", "g_loss", "w_estimate"),
                     doc="the critic loss, the penalty, the generator loss and -d_loss (Wasserstein critics)")
DIAGNOSTICS.register("train_clock", D + "losses:TrainClock", metrics=metrics("train_seconds"),
                     doc="seconds spent in training steps so far (WGAN-GP Fig. 3's wall-clock axis)")
DIAGNOSTICS.register("layer_grad_norms", D + "layer_grads:LayerGradNorms",
                     metrics=metrics("grad_log_ratio", per_layer=("grad_norm",)))
DIAGNOSTICS.register("dual_estimate", D + "critic_probe:DualEstimate",
                     metrics=metrics("w_dual", "max_slope", "w_dual_normalized"))
DIAGNOSTICS.register("disc_stats", D + "critic_probe:DiscStats",
                     metrics=metrics("accuracy", "js_bound", "minimax_input_grad"))
DIAGNOSTICS.register("theta_grads", D + "critic_probe:ThetaGrads", needs=_needs_shift,
                     metrics=metrics(*(f"grad_theta_{c}{s}" for c in ("minimax", "ns", "w")
                                       for s in ("", "_std", "_rel_std"))))
DIAGNOSTICS.register("interp_grad_norms", D + "critic_probe:InterpGradNorms",
                     metrics=metrics("interp_grad_median", "interp_grad_p10", "interp_grad_p90", "interp_grad_spread"),
                     doc="the critic's gradient norm at interpolates between real and fake samples (WGAN-GP Sec. 4)")
DIAGNOSTICS.register("optimizer_step", D + "optimizer_step:OptimizerStep", metrics=metrics("step_grad_cosine"),
                     doc="the cosine between the critic optimizer's next step and the gradient (WGAN Sec. 3)")
DIAGNOSTICS.register("batch_dependence", D + "critic_probe:BatchDependence", metrics=metrics("grad_batch_dependence"),
                     doc="how much a sample's training-mode input gradient depends on its batch (WGAN-GP Sec. 4)")
DIAGNOSTICS.register("critic_grid", D + "critic_probe:CriticGrid", needs=_needs_1d, artifacts=("grid",),
                     metrics=metrics("linear_r2", "slope_ratio"))
DIAGNOSTICS.register("sample_quality", D + "sample_quality:SampleQuality", needs=_needs_2d_toy, quality=True,
                     artifacts=("samples",),
                     metrics=metrics("w1_exact", "modes_3sigma", "hq_3sigma", "modes_relaxed", "hq_relaxed",
                                     "mode_rev_kl", "modes_learned"))
DIAGNOSTICS.register("value_surface", D + "value_surface:ValueSurface", needs=_needs_2d_toy, quality=True,
                     artifacts=("surface",),
                     metrics=metrics("grad_compliance", "dual_ratio", "w1_exact", "peaks", "max_grad_norm",
                                     "dual_raw_ratio"))
DIAGNOSTICS.register("digit_scores", D + "digit_scores:DigitScores", needs=_needs_labels, quality=True,
                     metrics=metrics("classifier_accuracy", "real_digit_is", "digit_is", "digit_is_ratio",
                                     "classes_covered", "class_reverse_kl", "classifier_fd", "classifier_kd"))
DIAGNOSTICS.register("inception_scores", D + "inception:InceptionScores", needs=_only_images, quality=True,
                     metrics=metrics("inception_score", "inception_score_std", "fid", "kid", "fid_ratio",
                                     "real_inception_score"),
                     doc="the papers' Inception score, FID and KID (the 2015-12-05 graph, from --inception PATH)")
DIAGNOSTICS.register("image_samples", D + "digit_scores:ImageSamples", needs=_only_images, quality=True,
                     auto=_only_images, artifacts=("images",), metrics={},
                     doc="64 generated images for the report's grids (added to every image run)")
DIAGNOSTICS.register("retrained_critic", D + "retrained_critic:RetrainedCritic", quality=True,
                     metrics=metrics("w_retrained", "w_retrained_normalized", "js_retrained"))
DIAGNOSTICS.register("dual_convergence", D + "retrained_critic:DualConvergence", quality=True,
                     metrics=metrics("dual_steps_to_90", "dual_w_final"),
                     doc="critic updates a fresh critic needs to reach 90 % of its final estimate (WGAN Sec. 3)")
DIAGNOSTICS.register("weight_stats", D + "weights:WeightStats",
                     metrics=metrics("edge_fraction", "edge_fraction_layers", "weight_abs_max", "clip_fraction"))
DIAGNOSTICS.register("weight_hist", D + "weights:WeightHist", artifacts=("weights",), metrics={})

# ---------------------------------------------------------------- analyses (no training)
A = "wgan_bench.analyses."
ANALYSES.register("gaussian_divergences", A + "divergence_curves:gaussian_divergences",
                  metrics=metrics("js_ratio_min_mu_ge_8", "djs_at_10", "djs_at_2", "js_at_2", "dw1_max_dev",
                                  "kl_rel_err_max", "pot_w1_rel_err_max", "pot_w1_err_max_se"))
ANALYSES.register("parallel_lines", A + "parallel_lines:parallel_lines",
                  metrics=metrics("lines_w_abs_err_max", "lines_w_abs_err_max_nonzero", "lines_js_min_nonzero",
                                  "lines_tv_min_nonzero", "lines_js_at_0"))
ANALYSES.register("box_transport", A + "transport_examples:box_transport",
                  metrics=metrics("emd_cost", "example_plan_cost", "plan_cost_spread", "plan_marginal_error",
                                  "joint_marginal_x_error", "joint_marginal_y_error", "cheapest_emd_cost",
                                  "cheapest_enumerated_min", "cheapest_enumerated_max", "cheapest_optimal_plans"))

# ---------------------------------------------------------------- claims
R = "wgan_bench.claims.select:"
for name in ("final", "initial", "median", "median_last_tenth", "median_second_half", "mean_second_half", "min", "max"):
    REDUCERS.register(name, R + f"reduce_{name}")
for name in ("at_step", "max_until_step", "min_from_step", "max_from_step"):
    REDUCERS.register(name, R + f"reduce_{name}", needs_step=True)
for name in ("median", "mean", "min", "max"):
    AGGREGATES.register(name, f"numpy:{name}")

E = "wgan_bench.claims.engine:"
CHECKS.register("threshold", E + "threshold", s.ThresholdCheck)
CHECKS.register("comparison", E + "comparison", s.ComparisonCheck)
CHECKS.register("order", E + "order", s.OrderCheck)
CHECKS.register("success_count", E + "success_count", s.SuccessCountCheck, needs_runs=True)
CHECKS.register("relation", E + "relation", s.RelationCheck, over_steps=True)
CHECKS.register("any_of", E + "any_of", s.AnyOfCheck, needs_runs=True)
CHECKS.register("all_of", E + "all_of", s.AllOfCheck, needs_runs=True)

# ---------------------------------------------------------------- report figures
F = "wgan_bench.report.figures:"
for model in (s.SampleGridFigure, s.ImageGridFigure, s.ImageStepsFigure, s.ValueSurfaceFigure, s.LayerProfileFigure,
              s.WeightHistFigure, s.MetricCurveFigure, s.CriticCurveFigure, s.ThetaGradFigure, s.DivergenceFigure,
              s.TransportPlanFigure, s.LineCurvesFigure, s.SweepFigure, s.SuccessCurveFigure):
    kind = model.model_fields["kind"].annotation.__args__[0]
    FIGURES.register(kind, F + kind, model, per_layer_metric=kind == "layer_profile")
