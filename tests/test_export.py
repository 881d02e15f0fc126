"""The trained generator is a result: stored with its run, reloaded exactly, sampled by `wgan-bench sample`."""

import io

import numpy as np
import pandas as pd
import pytest

from wgan_bench.config.loader import RunSpec
from wgan_bench.config.schema import RunConfig
from wgan_bench.nets.export import CONFIG, WEIGHTS, latent, load_generator
from wgan_bench.store.results import ResultStore

TOY = dict(dataset={"name": "8gaussians"}, generator={"depth": 2, "width": 16, "z_dim": 3},
           critic={"depth": 2, "width": 16}, method={"name": "wgan", "clip": 0.05, "n_critic": 1},
           optimizer={"name": "rmsprop", "learning_rate": 1e-2}, train={"steps": 10, "batch_size": 32},
           record={"every": 5})
IMAGES = dict(dataset={"name": "digits", "size": 16}, generator={"kind": "constant_filter", "z_dim": 8, "filters": 4},
              critic={"kind": "dcgan", "filters": 4, "norm": "layer"},
              method={"name": "wgan_gp", "gp_weight": 10, "n_critic": 1},
              optimizer={"name": "adam", "learning_rate": 1e-3},
              train={"steps": 2, "batch_size": 8, "jit_compile": False}, record={"every": 1})


@pytest.fixture(scope="module")
def trainer(tf_ready):
    from wgan_bench.runner.train import Trainer

    return Trainer()


def _stored(trainer, tmp_path, raw: dict, save: bool = True):
    cfg = RunConfig.model_validate(raw)
    spec = RunSpec("t", "quick", "v", 0, cfg, save)
    result = trainer.run(spec)
    assert result.status == "ok", result.error
    store = ResultStore(tmp_path, "t", "quick")
    store.add_run({"run_id": spec.run_id, "variant": "v", "seed": 0, "status": "ok"}, result.history,
                  result.artifacts, result.files)
    store.consolidate()
    return store, result, trainer.compiled(cfg).model.generator


def test_toy_generator_reloads_exactly_and_samples_to_csv(trainer, tmp_path):
    from wgan_bench.cli import main

    store, result, trained = _stored(trainer, tmp_path, TOY)
    assert set(result.files) == {WEIGHTS, CONFIG}
    loaded, cfg = load_generator(store.dir / "artifacts" / "v-s0")
    z = latent(700, 3, seed=4)
    assert np.array_equal(np.asarray(loaded(z)), np.asarray(trained(z)))  # same noise, same samples
    assert cfg.generator.z_dim == 3

    assert main(["sample", str(store.dir), "v-s0", "-n", "700", "--seed", "4", "--out", str(tmp_path / "out")]) == 0
    csv = pd.read_csv(tmp_path / "out" / "v-s0.csv")
    assert list(csv.columns) == ["x0", "x1"] and len(csv) == 700  # drawn in batches of 500
    assert np.allclose(csv.to_numpy(), np.asarray(trained(z)), atol=1e-6)


def test_image_generator_samples_to_png_files(trainer, tmp_path):
    from PIL import Image

    from wgan_bench.cli import main

    store, _, trained = _stored(trainer, tmp_path, IMAGES)
    assert main(["sample", str(store.dir), "v-s0", "-n", "12", "--out", str(tmp_path / "png")]) == 0
    files = sorted((tmp_path / "png").glob("*.png"))
    assert [f.name for f in files[:2]] == ["v-s0-00.png", "v-s0-01.png"] and len(files) == 12
    pixels = np.asarray(Image.open(io.BytesIO(files[3].read_bytes())))
    expected = np.asarray(trained(latent(12, 8, seed=0)))[3, :, :, 0]
    assert pixels.shape == (16, 16) and pixels.dtype == np.uint8
    assert np.abs(pixels.astype(float) - (expected + 1) * 127.5).max() <= 0.5 + 1e-3  # 8-bit rounding only


def test_no_generator_is_kept_when_the_experiment_opts_out_or_nothing_was_trained(trainer, tmp_path):
    _, result, _ = _stored(trainer, tmp_path / "a", TOY, save=False)
    assert result.files == {}
    shift = {**TOY, "dataset": {"name": "parallel_lines"}, "generator": {"kind": "shift", "theta": 1.0},
             "train": {"steps": 10, "batch_size": 32, "train_generator": False}}
    _, result, _ = _stored(trainer, tmp_path / "b", shift)
    assert result.files == {}


def test_sample_errors_are_one_line(trainer, tmp_path, capsys):
    from wgan_bench.cli import main

    store, _, _ = _stored(trainer, tmp_path, TOY, save=False)
    assert main(["sample", str(tmp_path), "v-s0", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "not a result store" in err and "stores under it: t/quick" in err
    assert main(["sample", str(store.dir), "v-s0", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "v-s0: no stored generator for this run" in err and "Traceback" not in err
    assert main(["sample", str(store.dir), "v-s0", "-n", "0", "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()
