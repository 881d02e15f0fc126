"""`run --tensorboard DIR`: every recorded value is written live, equal to history.csv."""

import numpy as np
import pytest

from wgan_bench.cli import main

from .conftest import TINY_EXPERIMENT


def _scalars(folder, tf) -> dict:
    """{(tag, step): value} of the scalar summaries in an event folder."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    acc.Reload()
    return {(tag, e.step): float(tf.make_ndarray(e.tensor_proto)) for tag in acc.Tags()["tensors"]
            for e in acc.Tensors(tag)}


def test_tensorboard_logs_equal_the_history(tmp_path, tf_ready):
    import pandas as pd

    exp = tmp_path / "tiny.yaml"
    exp.write_text(TINY_EXPERIMENT)
    code = main(["run", str(exp), "--profile", "ci", "--results", str(tmp_path / "results"),
                 "--tensorboard", str(tmp_path / "tb")])
    assert code == 0
    history = pd.read_csv(tmp_path / "results" / "tiny" / "ci" / "history.csv")
    for run_id, rows in history.groupby("run_id"):
        logged = _scalars(tmp_path / "tb" / "tiny" / "ci" / run_id, tf_ready)
        want = {(m if np.isnan(layer) else f"{m}/layer_{int(layer)}", int(step)): v
                for m, layer, step, v in rows[["metric", "layer", "step", "value"]].itertuples(index=False)}
        assert set(logged) == set(want)
        for key, value in want.items():
            assert logged[key] == pytest.approx(value, rel=1e-6, abs=1e-30)  # TensorBoard stores float32


def test_without_tensorboard_installed_the_flag_is_one_clear_error(tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name, *a))
    assert main(["run", "clip_sweep", "--results", str(tmp_path), "--tensorboard", str(tmp_path / "tb")]) == 2
    err = capsys.readouterr().err
    assert "--tensorboard" in err and "pip install 'wgan-bench[tensorboard]'" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())
