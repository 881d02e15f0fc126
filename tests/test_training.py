"""The train step: clipping bounds, layer-gradient diagnostics, seeds, diverged runs."""

import numpy as np
import pytest

from wgan_bench.config.loader import RunSpec
from wgan_bench.config.schema import RunConfig


def _cfg(**over):
    base = dict(dataset={"name": "8gaussians"}, generator={"depth": 2, "width": 16},
                critic={"depth": 3, "width": 16}, method={"name": "wgan", "clip": 0.05, "n_critic": 2},
                optimizer={"name": "rmsprop", "learning_rate": 1e-2}, train={"steps": 10, "batch_size": 32},
                record={"every": 5, "diagnostics": ["layer_grad_norms", "weight_stats", "weight_hist"]})
    for key, value in over.items():
        # A method record is replaced when it names another method, merged otherwise.
        base[key] = value if key == "method" and value.get("name", base[key]["name"]) != base[key]["name"] \
            else {**base[key], **value}
    return RunConfig.model_validate(base)


@pytest.fixture(scope="module")
def trainer(tf_ready):
    from wgan_bench.runner.train import Trainer

    return Trainer()


def test_clip_keeps_every_critic_parameter_in_bounds(trainer):
    cfg = _cfg()
    result = trainer.run(RunSpec("t", "quick", "clip", 0, cfg))
    assert result.status == "ok", result.error
    model = trainer.compiled(cfg).model
    values = np.concatenate([np.asarray(v).ravel() for v in model.critic.trainable_variables])
    assert np.abs(values).max() <= 0.05 + 1e-7
    assert np.mean(np.abs(values) >= 0.95 * 0.05) > 0.3  # lr 1e-2 drives many weights to the bound
    stats = {r["metric"]: r["value"] for r in result.history if r["step"] == 10 and r["layer"] is None}
    assert stats["clip_fraction"] == pytest.approx(np.mean(np.abs(np.concatenate(
        [np.asarray(k).ravel() for k in model.critic.kernels()])) >= 0.95 * 0.05))


def test_compiled_metric_reset_and_results_match_the_trackers(trainer):
    """The model resets and reads its loss trackers in one compiled call each (Keras does it with
    eager ops per metric): same values, and a reset zeroes every tracker."""
    model = trainer.compiled(_cfg()).model
    for tracker, values in zip(model.metrics, ([1.0, 2.0], [4.0], [-3.0, 0.5, 1.0]), strict=True):
        tracker.reset_state()
        for v in values:
            tracker.update_state(v)
    got = {k: float(v) for k, v in model.get_metrics_result().items()}
    assert got == pytest.approx({"d_loss": 1.5, "penalty": 4.0, "g_loss": -0.5})
    model.reset_metrics()
    assert all(float(v) == 0.0 for m in model.metrics for v in m.variables)


def test_clip_constraint_rejects_non_positive(tf_ready):
    from wgan_bench.methods.constraints import Clip

    with pytest.raises(ValueError):
        Clip(0.0)
    assert np.array_equal(np.asarray(Clip(0.5)(np.array([-2.0, 0.1, 3.0]))), [-0.5, 0.1, 0.5])


def test_layer_gradient_norms_match_a_manual_tape(trainer, tf_ready):
    tf = tf_ready
    cfg = _cfg(method={"name": "wgan_gp", "gp_weight": 10}, optimizer={"name": "adam", "learning_rate": 1e-3})
    trainer.run(RunSpec("t", "quick", "gp", 0, cfg))
    compiled = trainer.compiled(cfg)
    model, layer_grads = compiled.model, compiled.diagnostics["layer_grad_norms"].layer_grads
    state = model.diag_seed_generator.state.numpy().copy()
    _, norms = layer_grads()
    model.diag_seed_generator.state.assign(state)  # replay the same batch by hand
    gen = model.diag_seed_generator
    real = model.sample_real(32, gen)
    fake = model.generator(model.sample_z(32, gen))
    with tf.GradientTape(persistent=True) as tape:
        r_out, r_acts = model.critic.call_with_activations(real)
        f_out, f_acts = model.critic.call_with_activations(fake)
        loss = tf.reduce_mean(f_out) - tf.reduce_mean(r_out)
    want = [np.sqrt(np.sum(tape.gradient(loss, ra) ** 2) + np.sum(tape.gradient(loss, fa) ** 2))
            for ra, fa in zip(r_acts, f_acts, strict=True)]
    assert np.asarray(norms) == pytest.approx(want, rel=1e-4)
    assert len(want) == 3


def test_same_seed_same_history_even_after_other_runs(trainer):
    from wgan_bench.runner.train import Trainer

    cfg = _cfg()
    a = trainer.run(RunSpec("t", "quick", "v", 3, cfg))
    trainer.run(RunSpec("t", "quick", "v", 4, cfg))  # the cached model moves on
    b = trainer.run(RunSpec("t", "quick", "v", 3, cfg))
    c = Trainer().run(RunSpec("t", "quick", "v", 3, cfg))  # a fresh model and compile
    assert [r["value"] for r in a.history] == [r["value"] for r in b.history] == [r["value"] for r in c.history]
    d = trainer.run(RunSpec("t", "quick", "v", 5, cfg))
    assert [r["value"] for r in a.history] != [r["value"] for r in d.history]


def test_nan_run_is_diverged_not_crashed(trainer):
    cfg = _cfg(method={"name": "wgan_gp", "gp_weight": 10, "n_critic": 1},
               optimizer={"name": "sgd", "learning_rate": 1e30})
    result = trainer.run(RunSpec("t", "quick", "gp", 0, cfg))
    assert result.status == "diverged", (result.status, result.error)
    assert result.steps < 10


def test_variants_differing_in_clip_and_lr_share_one_compiled_model(tf_ready):
    from wgan_bench.runner.train import Trainer

    trainer = Trainer()
    a = trainer.run(RunSpec("t", "quick", "a", 0, _cfg()))
    b = trainer.run(RunSpec("t", "quick", "b", 0, _cfg(method={"clip": 0.01}, optimizer={"learning_rate": 1e-4},
                                                      critic={"init": "uniform_half_clip"})))
    assert len(trainer._cache) == 1
    fresh = Trainer().run(RunSpec("t", "quick", "b", 0, _cfg(method={"clip": 0.01}, optimizer={"learning_rate": 1e-4},
                                                             critic={"init": "uniform_half_clip"})))
    assert [r["value"] for r in b.history] == [r["value"] for r in fresh.history]
    first = {r["metric"]: r["value"] for r in b.history if r["step"] == 0 and r["layer"] is None}
    assert first["clip_fraction"] == 0.0 and first["weight_abs_max"] <= 0.005  # started inside ±c/2
    assert a.history != b.history


def test_grid_metrics_on_known_functions():
    from wgan_bench.diagnostics.critic_probe import grid_metrics

    x = np.linspace(-2, 6, 801)
    lin = grid_metrics(x, 3 * x + 1, np.full_like(x, 3.0), 0, 4)
    assert lin["linear_r2"] == pytest.approx(1.0) and lin["slope_ratio"] == pytest.approx(1.0)
    step = np.tanh(10 * (x - 2))
    sat = grid_metrics(x, step, 10 / np.cosh(10 * (x - 2)) ** 2, 0, 4)
    assert sat["linear_r2"] < 0.9 and sat["slope_ratio"] < 0.01


def test_a_discriminator_is_judged_on_d_not_its_logit():
    """A saturated discriminator's logit is a line; D = σ(logit), what WGAN Fig. 2 plots, is a step."""
    from wgan_bench.diagnostics.critic_probe import grid_metrics, plotted_output

    x = np.linspace(-2, 6, 801)
    logit, slope = -12.0 * (x - 2), np.full_like(x, -12.0)
    as_critic = grid_metrics(x, *plotted_output(logit, slope, wasserstein=True), 0, 4)
    as_disc = grid_metrics(x, *plotted_output(logit, slope, wasserstein=False), 0, 4)
    assert as_critic["linear_r2"] == pytest.approx(1.0) and as_critic["slope_ratio"] == pytest.approx(1.0)
    # a unit step centred in the window has R² 0.75; a steep logistic comes close to it
    assert 0.75 < as_disc["linear_r2"] < 0.85 and as_disc["slope_ratio"] < 1e-3
    d, d_slope = plotted_output(logit, slope, wasserstein=False)
    assert d[400] == pytest.approx(0.5) and d_slope[400] == pytest.approx(-3.0)  # σ′(0)·(−12)


def _shift_cfg(**over):
    base = dict(dataset={"name": "parallel_lines"}, generator={"kind": "shift", "theta": 1.0},
                critic={"depth": 2, "width": 32, "init": "glorot_uniform"},
                method={"name": "wgan_gp", "gp_weight": 10, "n_critic": 1},
                optimizer={"name": "adam", "learning_rate": 2e-3, "beta_2": 0.9},
                train={"steps": 400, "batch_size": 64, "train_generator": False},
                record={"every": 100, "diagnostics": ["dual_estimate", "theta_grads"], "eval_samples": 2048})
    for key, value in over.items():
        # A method record is replaced when it names another method, merged otherwise.
        base[key] = value if key == "method" and value.get("name", base[key]["name"]) != base[key]["name"] \
            else {**base[key], **value}
    return RunConfig.model_validate(base)


def test_gp_critic_on_parallel_lines_gives_unit_theta_gradient(trainer):
    """W(P0, Pθ) = |θ|: a trained GP critic's E f has slope ≈ 1 in θ, its dual estimate ≈ 1, and
    its gradient norm ≈ 1 at the interpolates (WGAN-GP Prop. 1)."""
    cfg = _shift_cfg(record={"diagnostics": ["dual_estimate", "theta_grads", "interp_grad_norms"]})
    result = trainer.run(RunSpec("t", "quick", "gp", 0, cfg))
    assert result.status == "ok", result.error
    final = {r["metric"]: r["value"] for r in result.history if r["step"] == 400}
    assert final["interp_grad_median"] == pytest.approx(1.0, abs=0.15)
    assert final["interp_grad_p10"] <= final["interp_grad_median"] <= final["interp_grad_p90"]
    assert final["interp_grad_spread"] == pytest.approx(
        (final["interp_grad_p90"] - final["interp_grad_p10"]) / final["interp_grad_median"])
    assert 0.8 < final["grad_theta_w"] < 1.2
    assert final["grad_theta_w_std"] < 0.1 * final["grad_theta_w"]
    assert final["w_dual_normalized"] == pytest.approx(1.0, abs=0.15)
    model = trainer.compiled(cfg).model
    assert float(model.generator.theta) == 1.0  # the fixed generator never moved


def test_bce_discriminator_separates_shifted_gaussians(trainer):
    cfg = _shift_cfg(dataset={"name": "gaussian_1d", "std": 0.5}, generator={"theta": 4.0},
                     method={"name": "gan"}, optimizer={"learning_rate": 1e-3, "beta_2": 0.999},
                     train={"steps": 300}, record={"every": 100, "diagnostics": ["disc_stats", "critic_grid"]})
    result = trainer.run(RunSpec("t", "quick", "bce", 0, cfg))
    final = {r["metric"]: r["value"] for r in result.history if r["step"] == 300}
    assert final["accuracy"] > 0.99 and final["js_bound"] > 0.6
    grid = result.artifacts["grid"]
    d = 1 / (1 + np.exp(-grid["f"]))
    assert d[grid["x"] < 0.5].min() > 0.9 and d[grid["x"] > 3.5].max() < 0.1  # D ≈ 1 on real, 0 on fake


def test_noise_generator_blurs_real_data_and_value_surface_metrics(trainer):
    cfg = RunConfig.model_validate(dict(
        dataset={"name": "8gaussians"}, generator={"kind": "noise", "std": 1.0},
        critic={"depth": 2, "width": 32}, method={"name": "wgan_gp", "gp_weight": 10, "n_critic": 1},
        optimizer={"name": "adam", "learning_rate": 1e-3},
        train={"steps": 1000, "batch_size": 128, "train_generator": False},
        record={"every": 500, "diagnostics": ["value_surface", "sample_quality"], "quality_samples": 2000,
                "w1_samples": 500}))
    result = trainer.run(RunSpec("t", "quick", "surf", 0, cfg))
    assert result.status == "ok", result.error
    fake, real = result.artifacts["samples"]["fake"], result.artifacts["samples"]["real"]
    # fake = (an independent real draw) + N(0, I): per coordinate, var(fake) = var(real) + 1
    assert np.var(fake, axis=0) == pytest.approx(np.var(real, axis=0) + 1.0, rel=0.1)
    final = {r["metric"]: r["value"] for r in result.history if r["step"] == 1000}
    assert result.artifacts["surface"]["values"].shape == (128, 128)
    assert 0 <= final["peaks"] <= 8 and 0 < final["grad_compliance"] <= 1
    assert 0 < final["dual_ratio"] < 1.2 and final["w1_exact"] > 0.5
    assert final["modes_relaxed"] == 8 and final["hq_relaxed"] < 0.2  # N(0, I) blur covers but is not sharp


def test_critic_burst_schedule_counts_critic_updates(trainer):
    """WGAN's schedule: 100 critic steps for the first 25 generator iterations and every 500th."""
    cfg = _cfg(method={"n_critic": 2, "n_critic_burst": 7, "burst_first": 3, "burst_every": 4},
               train={"steps": 10}, record={"every": 10, "diagnostics": []})
    trainer.run(RunSpec("t", "quick", "burst", 0, cfg))
    model = trainer.compiled(cfg).model
    # generator iterations 0-9: bursts at 0, 1, 2 (first 3), 4 and 8 (every 4th) -> 5 x 7 + 5 x 2
    assert int(model.d_optimizer.iterations) == 5 * 7 + 5 * 2
    assert int(model.g_optimizer.iterations) == 10


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_normalised_nets_train_and_clip_every_parameter(trainer, norm):
    cfg = _cfg(critic={"norm": norm}, generator={"norm": "batch"})
    result = trainer.run(RunSpec("t", "quick", f"norm-{norm}", 0, cfg))
    assert result.status == "ok", result.error
    critic = trainer.compiled(cfg).model.critic
    names = [v.path for v in critic.trainable_variables]
    assert any("gamma" in n for n in names) and any("beta" in n for n in names)
    values = np.concatenate([np.asarray(v).ravel() for v in critic.trainable_variables])
    assert np.abs(values).max() <= 0.05 + 1e-7  # gamma/beta are clipped too, as in the reference code


def test_retrained_critic_estimates_w1_of_a_frozen_shift(trainer):
    """Parallel lines shifted by θ = 1: W1 = 1. A critic retrained from scratch at each quality
    step reads off ≈ 1 whatever the running critic has learnt (here: nothing yet at step 0)."""
    cfg = _shift_cfg(train={"steps": 100}, record={"every": 50, "diagnostics": ["retrained_critic"],
                                                   "quality_at": [0, 100], "retrain": {"steps": 400}})
    result = trainer.run(RunSpec("t", "quick", "retrain", 0, cfg))
    assert result.status == "ok", result.error
    got = {(r["metric"], r["step"]): r["value"] for r in result.history}
    for step in (0, 100):
        assert got["w_retrained_normalized", step] == pytest.approx(1.0, abs=0.1)
        assert got["w_retrained", step] == pytest.approx(1.0, abs=0.15)
    assert ("w_retrained", 50) not in got  # only at quality_at steps


def test_retrained_critic_never_changes_the_training_path(trainer):
    plain = trainer.run(RunSpec("t", "quick", "a", 0, _cfg(record={"diagnostics": []})))
    probed = trainer.run(RunSpec("t", "quick", "b", 0, _cfg(record={"diagnostics": ["retrained_critic"],
                                                                      "retrain": {"steps": 20}})))
    losses = [[(r["step"], r["metric"], r["value"]) for r in res.history if r["metric"] in ("d_loss", "g_loss")]
              for res in (plain, probed)]
    assert losses[0] == losses[1] and len(losses[0]) == 4
    assert sum(r["metric"] == "w_retrained" for r in probed.history) == 3  # steps 0, 5, 10


def test_retrained_discriminator_saturates_on_separated_gaussians(trainer):
    cfg = _shift_cfg(dataset={"name": "gaussian_1d", "std": 0.5}, generator={"theta": 4.0},
                     method={"name": "gan"}, optimizer={"learning_rate": 1e-3, "beta_2": 0.999},
                     train={"steps": 10}, record={"every": 10, "diagnostics": ["retrained_critic"],
                                                  "retrain": {"steps": 300}})
    result = trainer.run(RunSpec("t", "quick", "bce", 0, cfg))
    js = [r["value"] for r in result.history if r["metric"] == "js_retrained"]
    assert len(js) == 2 and min(js) > 0.6  # JS(N(0, .25), N(4, .25)) ≈ log 2 = 0.693


@pytest.mark.parametrize("record,msg", [({"every": 10, "quality_at": [0, 15]}, "multiples of record.every"),
                                        ({"every": 10, "quality_at": [10], "quality_every": 20}, "not both")])
def test_quality_at_is_validated(record, msg):
    with pytest.raises(ValueError, match=msg):
        _cfg(record=record)


@pytest.mark.parametrize("init", ["he_uniform", "glorot_uniform", "uniform_half_clip"])
def test_every_layer_draws_its_own_initial_weights(tf_ready, init):
    """One unseeded Keras initializer shared by layers returns the same values for every layer of
    one shape; each layer must draw its own."""
    import keras

    from wgan_bench.config.schema import MLPCriticConfig
    from wgan_bench.nets.factory import CriticOptions, mlp_critic

    keras.utils.set_random_seed(0)
    critic = mlp_critic(MLPCriticConfig(depth=4, width=8, init=init), (2,), CriticOptions(init_scale=0.02))
    hidden = [np.asarray(k) for k in critic.kernels()[1:4]]  # three 8 x 8 kernels
    assert not np.array_equal(hidden[0], hidden[1]) and not np.array_equal(hidden[1], hidden[2])
    if init == "uniform_half_clip":
        assert max(np.abs(k).max() for k in hidden) <= 0.01


def test_weight_stats_per_layer_edge_share():
    from wgan_bench.diagnostics.weights import weight_stats

    rng = np.random.default_rng(0)
    uniform = rng.uniform(-1, 1, (256, 256))
    piled = np.where(rng.random((64, 64)) < 0.5, 0.01, rng.uniform(-0.005, 0.005, (64, 64)))
    s = weight_stats([uniform, piled], clip=0.01)
    assert weight_stats([uniform], clip=None)["edge_fraction_layers"] == pytest.approx(0.05, abs=0.005)
    assert s["edge_fraction_layers"] == pytest.approx(0.5, abs=0.03)  # the piled layer, not the pooled share
    # pooled, the share at the largest |w| (the uniform layer's 1) misses the piled layer entirely
    assert s["edge_fraction"] == pytest.approx(0.05 * 65536 / (65536 + 4096), abs=0.005)
    assert weight_stats([piled], clip=0.01)["clip_fraction"] == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize("norm, coupled", [("batch", True), ("layer", False), ("none", False)])
def test_batch_dependence_finds_batch_norm_and_leaves_its_statistics_alone(trainer, norm, coupled):
    """WGAN-GP Sec. 4: only a batch-norm critic's per-sample gradient depends on the other samples."""
    cfg = RunConfig.model_validate(dict(
        dataset={"name": "8gaussians"}, generator={"kind": "mlp", "depth": 2, "width": 16},
        critic={"depth": 2, "width": 16, "norm": norm}, method={"name": "wgan_gp", "gp_weight": 10, "n_critic": 1},
        optimizer={"name": "adam", "learning_rate": 1e-3}, train={"steps": 20, "batch_size": 64},
        record={"every": 10, "diagnostics": ["batch_dependence"]}))
    result = trainer.run(RunSpec("t", "quick", norm, 0, cfg))
    assert result.status == "ok", result.error
    dependence = [r["value"] for r in result.history if r["metric"] == "grad_batch_dependence"]
    assert len(dependence) == 3
    assert (min(dependence) > 0.01) if coupled else (max(dependence) < 1e-5)
    critic = trainer.compiled(cfg).model.critic
    before = [v.numpy().copy() for v in critic.non_trainable_variables]
    trainer.compiled(cfg).diagnostics["batch_dependence"].record(20, {})
    assert all(np.array_equal(b, v.numpy()) for b, v in zip(before, critic.non_trainable_variables, strict=True))


def _gp_cfg(optimizer, **over):
    return RunConfig.model_validate(dict(
        dataset={"name": "8gaussians"}, generator={"kind": "mlp", "depth": 2, "width": 16},
        critic={"depth": 2, "width": 16}, method={"name": "wgan_gp", "gp_weight": 10, "n_critic": 1},
        optimizer=optimizer, train={"steps": 20, "batch_size": 64},
        record={"every": 10, "diagnostics": ["optimizer_step"]}, **over))


@pytest.mark.parametrize("optimizer", [{"name": "sgd", "learning_rate": 1e-2},
                                       {"name": "rmsprop", "learning_rate": 1e-3},
                                       {"name": "adam", "learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999}])
def test_optimizer_step_cosine_in_closed_form(trainer, tf_ready, optimizer):
    """SGD steps along −g (cosine 1). Adam and RMSProp from zero state step along −sign(g), whose
    cosine with −g is ‖g‖₁ / (√N ‖g‖₂). After Adam (β1 = 0.9) has followed −g for 200 updates its
    momentum outweighs a new g nine to one: the step climbs, cosine −‖g‖₁ / (√N ‖g‖₂)."""
    from wgan_bench.methods.optimizers import reset_optimizer

    compiled = trainer.compiled(_gp_cfg(optimizer))
    model, diag = compiled.model, compiled.diagnostics["optimizer_step"]
    reset_optimizer(model.d_optimizer)
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=v.shape).astype(np.float32) for v in model.critic.trainable_variables]
    flat = np.concatenate([g.ravel() for g in grads])
    sign_cos = np.abs(flat).sum() / (np.sqrt(flat.size) * np.linalg.norm(flat))
    expected = 1.0 if optimizer["name"] == "sgd" else sign_cos
    assert float(diag.cosine(grads)) == pytest.approx(expected, abs=2e-3)
    if optimizer["name"] != "adam":
        return
    for _ in range(200):
        model.d_optimizer.apply([-g for g in grads], model.critic.trainable_variables)
    weights = [v.numpy().copy() for v in model.critic.trainable_variables]
    state = [v.numpy().copy() for v in model.d_optimizer.variables]
    assert float(diag.cosine(grads)) == pytest.approx(-sign_cos, abs=2e-3)
    # the probe moved shadow copies only
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(weights, model.critic.trainable_variables, strict=True))
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(state, model.d_optimizer.variables, strict=True))


def test_optimizer_step_never_changes_the_training_path(trainer):
    plain = trainer.run(RunSpec("t", "quick", "a", 0, _cfg(record={"diagnostics": []})))
    probed = trainer.run(RunSpec("t", "quick", "b", 0, _cfg(record={"diagnostics": ["optimizer_step"]})))
    losses = [[(r["step"], r["metric"], r["value"]) for r in res.history if r["metric"] in ("d_loss", "g_loss")]
              for res in (plain, probed)]
    assert losses[0] == losses[1] and len(losses[0]) == 4
    cosines = [r["value"] for r in probed.history if r["metric"] == "step_grad_cosine"]
    assert len(cosines) == 3 and all(0 < c <= 1 for c in cosines)  # RMSProp: a positive diagonal scaling of g


def test_steps_to_fraction_reads_the_first_crossing():
    from wgan_bench.diagnostics.retrained_critic import reading_steps, steps_to_fraction

    assert reading_steps(2048, 12).tolist() == [2 ** k for k in range(12)]
    assert reading_steps(10, 20).tolist() == list(range(1, 11))  # no repeats

    steps = np.arange(1, 9) * 10
    assert steps_to_fraction(steps, np.array([0.1, 0.5, 0.95, 0.8, 0.95, 1.0, 1.0, 1.0])) == (30.0, 1.0)
    assert steps_to_fraction(steps, np.full(8, 2.0)) == (10.0, 2.0)
    to_90, final = steps_to_fraction(steps, -np.ones(8))
    assert np.isnan(to_90) and final == -1.0


def test_dual_convergence_takes_longer_with_a_larger_clip(trainer):
    """WGAN Sec. 3: RMSProp moves each weight by about its learning rate per update, so a clipped
    critic needs more updates to reach its optimum the larger c is (about c / lr once c is well
    above the first steps' size)."""
    def steps(clip):
        cfg = _shift_cfg(method={"name": "wgan", "clip": clip}, optimizer={"name": "rmsprop", "learning_rate": 1e-3},
                         train={"steps": 10}, record={"every": 10, "diagnostics": ["dual_convergence"],
                                                      "quality_at": [0], "retrain": {"steps": 2000, "points": 40}})
        result = trainer.run(RunSpec("t", "quick", f"c{clip}", 0, cfg))
        assert result.status == "ok", result.error
        return {r["metric"]: r["value"] for r in result.history if r["metric"].startswith("dual_")}

    runs = [steps(c) for c in (0.01, 0.1, 1.0)]
    assert all(r["dual_w_final"] > 0 for r in runs)
    counts = [r["dual_steps_to_90"] for r in runs]
    assert counts[0] < counts[1] < counts[2] and counts[2] >= 5 * counts[0], counts
