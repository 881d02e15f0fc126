"""Checkpoints inside a run: a run killed with SIGKILL and resumed gives the uninterrupted run's tables."""

import pickle
import shutil
import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from .conftest import REPO

EXPERIMENT = """
name: resumable
title: A run that checkpoints
source: tests
defaults:
  dataset: {name: 8gaussians}
  generator: {depth: 2, width: 16, z_dim: 2}
  critic: {depth: 2, width: 16}
  method: {name: wgan_gp, gp_weight: 10, n_critic: 2}
  optimizer: {name: adam, learning_rate: 1.0e-3, beta_1: 0.5, beta_2: 0.9}
  train: {steps: 60, batch_size: 32}
  record:
    every: 10
    checkpoint_every: 20
    quality_every: 20
    quality_samples: 200
    w1_samples: 100
    diagnostics: [layer_grad_norms, weight_stats, weight_hist, sample_quality]
variants:
  gp: {}
seeds: [0]
"""

# Runs the CLI and kills its own process (SIGKILL: no clean-up of any kind) right after the
# checkpoint of step KILL_AT is written.
KILLER = textwrap.dedent("""
    import os, signal, sys
    from wgan_bench.runner import train
    original = train.Recorder.on_epoch_end
    def on_epoch_end(self, epoch, logs=None):
        original(self, epoch, logs)
        if self.step == {kill_at}:
            os.kill(os.getpid(), signal.SIGKILL)
    train.Recorder.on_epoch_end = on_epoch_end
    from wgan_bench.cli import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_uninterrupted_history(tmp_path, tf_ready):
    from wgan_bench.cli import main

    exp = tmp_path / "resumable.yaml"
    exp.write_text(EXPERIMENT)
    assert main(["run", str(exp), "--results", str(tmp_path / "whole")]) == 0

    args = ["run", str(exp), "--results", str(tmp_path / "killed")]
    killed = subprocess.run([sys.executable, "-c", KILLER.format(kill_at=40), *args], cwd=REPO,
                            capture_output=True, text=True, timeout=300, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    saved = sorted(p.name for p in (tmp_path / "killed" / ".checkpoints").rglob("step-*.pkl"))
    assert saved == ["step-000000020.pkl", "step-000000040.pkl"]  # the last two, atomically written
    assert not (tmp_path / "killed" / "resumable").exists() or not any(
        (tmp_path / "killed" / "resumable").rglob("runs.csv"))  # nothing stored for the killed run

    # A copy whose checkpoint carries a marker proves that the resumed run starts from it.
    shutil.copytree(tmp_path / "killed", tmp_path / "marked")
    newest = sorted((tmp_path / "marked" / ".checkpoints").rglob("step-*.pkl"))[-1]
    state = pickle.loads(newest.read_bytes())
    first = next(r for r in state["rows"] if r["metric"] == "w1_exact")
    first["value"] += 1.0
    newest.write_bytes(pickle.dumps(state))
    assert main(["run", str(exp), "--results", str(tmp_path / "marked")]) == 0
    marked = pd.read_csv(tmp_path / "marked" / "resumable" / "default" / "history.csv")

    assert main(args) == 0  # resumes at step 40
    whole = pd.read_csv(tmp_path / "whole" / "resumable" / "default" / "history.csv")
    resumed = pd.read_csv(tmp_path / "killed" / "resumable" / "default" / "history.csv")
    pd.testing.assert_frame_equal(resumed, whole, check_exact=True)
    is_first = (marked["metric"] == "w1_exact") & (marked["step"] == 0)
    assert (marked.loc[is_first, "value"] - whole.loc[is_first, "value"]).tolist() == [1.0]
    pd.testing.assert_frame_equal(marked[~is_first], whole[~is_first], check_exact=True)
    assert not any((tmp_path / "killed" / ".checkpoints").rglob("step-*.pkl"))  # removed once stored


def test_checkpoint_every_is_a_multiple_of_every_and_not_part_of_the_hash():
    from wgan_bench.config.hashing import config_hash
    from wgan_bench.config.schema import RecordConfig

    with pytest.raises(ValueError, match="checkpoint_every .* multiple of record.every"):
        RecordConfig(every=10, checkpoint_every=25)
    a = {"record": RecordConfig(every=10).model_dump(), "train": {"steps": 100}}
    b = {"record": RecordConfig(every=10, checkpoint_every=50).model_dump(), "train": {"steps": 100}}
    assert config_hash(a) == config_hash(b)  # a resumed run is the same run
    assert b["record"]["checkpoint_every"] == 50  # the caller's dict is left alone


def test_fields_added_later_change_the_hash_only_when_set():
    from wgan_bench.config.hashing import config_hash

    base = {"dataset": {"name": "cifar10", "size": 32, "root": None},
            "record": {"every": 10, "checkpoint_every": None}}
    with_defaults = {"dataset": {**base["dataset"], "synthetic": None},
                     "record": {**base["record"], "inception_network": "file"}}
    assert config_hash(with_defaults) == config_hash(base)  # stored runs keep their hash
    assert config_hash({**with_defaults, "dataset": {**base["dataset"], "synthetic": 600}}) != config_hash(base)
    assert config_hash({**with_defaults, "record": {**base["record"], "inception_network": "stand_in"}}) \
        != config_hash(base)
    nested = {**base, "record": {**base["record"], "retrain": {"steps": 1000}}}
    assert config_hash({**nested, "record": {**nested["record"], "retrain": {"steps": 1000, "points": 20}}}) \
        == config_hash(nested)
    points = {**nested, "record": {**nested["record"], "retrain": {"steps": 1000, "points": 10}}}
    assert config_hash(points) != config_hash(nested)
    assert points["record"]["retrain"]["points"] == 10  # the caller's dict is left alone
