"""An image run end to end: digits, conv critic with layer norm, WGAN-GP, digit_scores."""

import numpy as np
import pytest

from wgan_bench.config.loader import RunSpec
from wgan_bench.config.schema import RunConfig


def _cfg(generator, method, critic_norm="layer"):
    return RunConfig.model_validate({
        "dataset": {"name": "digits", "size": 8},
        "generator": generator,
        "critic": {"kind": "dcgan", "filters": 4, "kernel_size": 3, "norm": critic_norm},
        "method": method, "optimizer": {"name": "adam", "learning_rate": 1e-3},
        "train": {"steps": 4, "batch_size": 16, "jit_compile": False},
        "record": {"every": 2, "diagnostics": ["digit_scores"], "quality_samples": 200}})


@pytest.mark.slow
def test_image_runs_score_samples_with_a_cached_classifier(tf_ready, tmp_path):
    from wgan_bench.runner.train import Trainer

    trainer = Trainer(tmp_path / "cache")
    cfg = _cfg({"kind": "constant_filter", "filters": 4, "kernel_size": 3, "z_dim": 8},
               {"name": "wgan_gp", "gp_weight": 10, "n_critic": 2})
    result = trainer.run(RunSpec("t", "quick", "gp", 0, cfg))
    assert result.status == "ok", result.error
    got = {(r["metric"], r["step"]): r["value"] for r in result.history}
    assert got["classifier_accuracy", 0] >= 0.9  # 8 x 8 digits: the classifier is still accurate
    assert got["real_digit_is", 0] > 7  # real held-out digits are confidently and evenly classified
    for step in (0, 2, 4):
        assert 1.0 <= got["digit_is", step] <= 10.0 and 0 <= got["classes_covered", step] <= 10
        assert got["digit_is_ratio", step] == pytest.approx(got["digit_is", step] / got["real_digit_is", 0])
    images = result.artifacts["images"]["fake"]
    assert images.shape == (64, 8, 8, 1) and np.abs(images).max() <= 1.0
    by_step = result.artifacts["images"]
    assert list(by_step["steps"]) == [0, 2, 4] and by_step["by_step"].shape == (3, 16, 8, 8, 1)
    assert np.array_equal(by_step["by_step"][-1], images[:16])  # the last step's are the final images
    assert (tmp_path / "cache" / "classifier-digits-8.json").is_file()  # cached for the next run

    mlp = _cfg({"kind": "mlp", "depth": 2, "width": 32, "z_dim": 8},
               {"name": "wgan", "clip": 0.01, "n_critic": 2}, critic_norm="batch")
    result = trainer.run(RunSpec("t", "quick", "clip", 0, mlp))
    assert result.status == "ok", result.error
    critic = trainer.compiled(mlp).model.critic
    assert max(float(np.abs(v.numpy()).max()) for v in critic.trainable_variables) <= 0.01 + 1e-7
    assert len(critic.trainable_variables) == 4  # 8 x 8 input: one conv block (kernel, bias) and the dense


@pytest.mark.slow
def test_image_folder_run_streams_from_disk(tf_ready, tmp_path):
    from PIL import Image

    from wgan_bench.runner.train import Trainer

    rng = np.random.default_rng(0)
    for i in range(12):
        Image.fromarray(rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)).save(tmp_path / f"{i}.png")
    cfg = RunConfig.model_validate({
        "dataset": {"name": "image_folder", "size": 8, "root": str(tmp_path)},
        "generator": {"kind": "dcgan", "filters": 4, "kernel_size": 3, "z_dim": 8},
        "critic": {"kind": "dcgan", "filters": 4, "kernel_size": 3, "norm": "layer"},
        "method": {"name": "wgan_gp", "n_critic": 2}, "optimizer": {"name": "adam", "learning_rate": 1e-3},
        "train": {"steps": 4, "batch_size": 4, "jit_compile": False}, "record": {"every": 2}})
    result = Trainer(tmp_path / "cache", tensorboard=str(tmp_path / "tb")).run(RunSpec("t", "quick", "lsun", 0, cfg))
    assert result.status == "ok", result.error
    assert result.artifacts["images"]["fake"].shape == (64, 8, 8, 3)
    assert sum(r["metric"] == "d_loss" for r in result.history) == 2

    # --tensorboard: the 8 x 8 grid of 64 samples (one pixel apart) at every quality step
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(tmp_path / "tb" / "t" / "quick" / "lsun-s0"), size_guidance={"tensors": 0})
    acc.Reload()
    grids = acc.Tensors("samples")
    assert [e.step for e in grids] == [0, 2, 4]
    width, height = (int(v) for v in tf_ready.make_ndarray(grids[-1].tensor_proto)[:2])
    assert (width, height) == (8 * 9 - 1, 8 * 9 - 1)


def test_image_steps_figure_draws_a_variant_by_step_grid(tmp_path):
    """The report's step-by-variant grid from stored per-step images (no TensorFlow needed)."""
    from wgan_bench.config.schema import ImageStepsFigure
    from wgan_bench.report.figures import image_steps
    from wgan_bench.store.results import ResultStore

    store = ResultStore(tmp_path, "t", "quick")
    rng = np.random.default_rng(0)
    for variant in ("a", "b"):
        steps = np.arange(0, 110, 10)
        images = {"fake": rng.uniform(-1, 1, (64, 8, 8, 1)), "steps": steps,
                  "by_step": rng.uniform(-1, 1, (len(steps), 16, 8, 8, 1))}
        store.add_run({"run_id": f"{variant}-s0", "variant": variant, "seed": 0, "status": "ok", "steps": 100,
                       "wall_s": 1.0},
                      [{"run_id": f"{variant}-s0", "variant": variant, "seed": 0, "step": 0, "metric": "d_loss",
                        "value": 0.0, "layer": None}], {"images": images})
    store.consolidate()
    fig = image_steps(ImageStepsFigure(kind="image_steps", max_steps=4), store)
    axes = np.array(fig.axes).reshape(2, 4)
    assert [ax.get_title() for ax in axes[0]] == ["step 0", "step 30", "step 70", "step 100"]  # evenly spaced
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["a-s0", "b-s0"]


@pytest.mark.slow
def test_cifar10_pipeline_on_the_synthetic_set_with_the_stand_in_network(tf_ready, tmp_path):
    """cifar10_scores' ci pipeline in small: CIFAR-format files -> reader -> training -> inception
    metrics on the stand-in network, with the wall-clock axis."""
    from wgan_bench.runner.train import Trainer

    cfg = RunConfig.model_validate({
        "dataset": {"name": "cifar10", "size": 8, "synthetic": 120},
        "generator": {"kind": "dcgan", "filters": 4, "kernel_size": 3, "z_dim": 8},
        "critic": {"kind": "dcgan", "filters": 4, "kernel_size": 3},
        "method": {"name": "wgan_gp", "gp_weight": 10, "n_critic": 2},
        "optimizer": {"name": "adam", "learning_rate": 1e-3},
        "train": {"steps": 4, "batch_size": 16, "jit_compile": False},
        "record": {"every": 2, "diagnostics": ["inception_scores", "train_clock"], "quality_samples": 40,
                   "inception_network": "stand_in"}})
    result = Trainer(tmp_path / "cache").run(RunSpec("t", "ci", "gp", 0, cfg))
    assert result.status == "ok", result.error
    got = {(r["metric"], r["step"]): r["value"] for r in result.history}
    assert 1.0 < got["real_inception_score", 0] <= 10.0  # ten stand-in classes at most
    assert got["fid_ratio", 0] == 1.0 and got["fid", 4] == pytest.approx(got["fid_ratio", 4] * got["fid", 0])
    assert all(got["kid", s] == got["kid", s] for s in (0, 2, 4))  # recorded, finite
    clock = [got["train_seconds", s] for s in (0, 2, 4)]
    assert clock[0] == 0.0 and clock[0] < clock[1] < clock[2] <= result.wall_s
