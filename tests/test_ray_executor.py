"""`--executor ray` on a local Ray started here: same tables as the local executor, one retry per run."""

import os
import sys
import textwrap

import pandas as pd
import pytest

from wgan_bench.cli import main

from .conftest import TINY_EXPERIMENT

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, tf_ready):
    """experiments/tiny.yaml, and a 2-CPU Ray for the module (the executor leaves a running Ray up)."""
    root = tmp_path_factory.mktemp("ray_ws")
    (root / "experiments").mkdir()
    (root / "experiments" / "tiny.yaml").write_text(textwrap.dedent(TINY_EXPERIMENT))
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("RAY_ADDRESS", raising=False)  # never join a cluster from a developer's shell
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        yield root
        ray.shutdown()


def _run(ws, monkeypatch, *args):
    monkeypatch.chdir(ws)
    return main(["run", "experiments/tiny.yaml", *args])


@pytest.mark.slow
def test_ray_sweep_stores_the_same_tables_as_local(workspace, monkeypatch):
    assert _run(workspace, monkeypatch, "--seeds", "0", "--results", "local") == 0
    assert _run(workspace, monkeypatch, "--seeds", "0", "--results", "ray", "--executor", "ray") == 0
    assert ray.is_initialized()  # a Ray the executor did not start is left running
    local, remote = workspace / "local" / "tiny" / "quick", workspace / "ray" / "tiny" / "quick"
    pd.testing.assert_frame_equal(pd.read_csv(local / "history.csv"), pd.read_csv(remote / "history.csv"),
                                  check_exact=True)
    # Metric columns join runs.csv in the order runs finish (gp runs have no clip_fraction).
    pd.testing.assert_frame_equal(pd.read_csv(local / "runs.csv").drop(columns="wall_s"),
                                  pd.read_csv(remote / "runs.csv").drop(columns="wall_s"), check_exact=True,
                                  check_like=True)
    pd.testing.assert_frame_equal(pd.read_csv(local / "claims.csv"), pd.read_csv(remote / "claims.csv"))
    assert (remote / "artifacts" / "gp-s0" / "weights.npz").is_file()  # arrays came back by value


@pytest.mark.slow
def test_failed_task_is_retried_once_then_recorded(workspace, monkeypatch, capsys):
    from wgan_bench.runner import ray_executor

    attempts = workspace / "attempts"
    attempts.mkdir()
    real = ray_executor._attempt

    def flaky(spec, threads, workspace, events):  # runs in the Ray workers; counts attempts in files
        n = len(list(attempts.glob(f"{spec.run_id}.*")))
        (attempts / f"{spec.run_id}.{n}").touch()
        if spec.run_id == "gp-s0":
            raise RuntimeError("simulated crash")
        if spec.run_id == "clip-s0" and n == 0:
            os._exit(1)  # the worker process dies once
        return real(spec, threads, workspace, events)

    monkeypatch.setattr(ray_executor, "_attempt", flaky)
    assert _run(workspace, monkeypatch, "--results", "flaky", "--executor", "ray") == 1
    out = capsys.readouterr().out
    assert "retrying" in out and "run failed" in out and "simulated crash" in out
    tried = pd.Series([p.name.split(".")[0] for p in attempts.iterdir()]).value_counts().to_dict()
    assert tried == {"gp-s0": 2, "clip-s0": 2, "clip-s1": 1, "gp-s1": 1}
    runs = pd.read_csv(workspace / "flaky" / "tiny" / "quick" / "runs.csv").set_index("run_id")
    assert runs["status"].to_dict() == {"gp-s0": "failed", "clip-s0": "ok", "clip-s1": "ok", "gp-s1": "ok"}
    assert runs.loc["gp-s0", "error"].startswith("2 attempts; last: ray task failed")


@pytest.mark.slow
def test_a_retried_task_resumes_from_its_checkpoint(workspace, monkeypatch):
    """A run that crashes after its step-40 checkpoint is retried by the driver, and the retry
    starts from that checkpoint (a marker put into it shows in the stored history), ending with
    the uninterrupted run's history."""
    import pickle

    from wgan_bench.runner import ray_executor

    from .test_checkpoint import EXPERIMENT

    (workspace / "experiments" / "resumable.yaml").write_text(EXPERIMENT)
    monkeypatch.chdir(workspace)
    assert main(["run", "experiments/resumable.yaml", "--results", "whole"]) == 0
    attempts, checkpoints = workspace / "resume_attempts", workspace / "retried" / ".checkpoints"
    attempts.mkdir()
    real = ray_executor._attempt

    def crash_once_after_step_40(spec, threads, ws, events):  # runs in a Ray worker
        from wgan_bench.runner import train

        n = len(list(attempts.iterdir()))
        (attempts / str(n)).touch()
        if n:  # the retry: mark the checkpoint it must start from
            newest = sorted(checkpoints.rglob("step-*.pkl"))[-1]
            state = pickle.loads(newest.read_bytes())
            next(r for r in state["rows"] if r["metric"] == "w1_exact")["value"] += 1.0
            newest.write_bytes(pickle.dumps(state))
            return real(spec, threads, ws, events)
        original = train.Recorder.on_epoch_end

        def on_epoch_end(self, epoch, logs=None):
            original(self, epoch, logs)
            if self.step == 40:
                raise RuntimeError("simulated crash after the step-40 checkpoint")

        train.Recorder.on_epoch_end = on_epoch_end
        try:
            return real(spec, threads, ws, events)
        finally:
            train.Recorder.on_epoch_end = original

    monkeypatch.setattr(ray_executor, "_attempt", crash_once_after_step_40)
    assert main(["run", "experiments/resumable.yaml", "--results", "retried", "--executor", "ray"]) == 0
    assert len(list(attempts.iterdir())) == 2
    whole = pd.read_csv(workspace / "whole" / "resumable" / "default" / "history.csv")
    retried = pd.read_csv(workspace / "retried" / "resumable" / "default" / "history.csv")
    first = (whole["metric"] == "w1_exact") & (whole["step"] == 0)
    assert (retried.loc[first, "value"] - whole.loc[first, "value"]).tolist() == [1.0]  # it resumed
    pd.testing.assert_frame_equal(retried[~first], whole[~first], check_exact=True)


def test_ray_flags_need_the_ray_executor(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.yaml").write_text(textwrap.dedent(TINY_EXPERIMENT))
    assert main(["run", "tiny.yaml", "--gpus-per-run", "1"]) == 2
    assert "--gpus-per-run: only applies with --executor ray" in capsys.readouterr().err


def test_missing_ray_is_a_user_error(monkeypatch, tmp_path):
    from wgan_bench.errors import UserError
    from wgan_bench.runner.ray_executor import ray_runs

    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    with pytest.raises(UserError, match=r"pip install 'wgan-bench\[ray\]'"), ray_runs(None, None, 1, 0, tmp_path):
        pass


@pytest.fixture
def refused_port():
    """A port that is bound but not listening: connecting to it is refused."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


def test_unreachable_ray_address_is_a_quick_user_error(monkeypatch, refused_port, tmp_path):
    import time

    from wgan_bench.errors import UserError
    from wgan_bench.runner.ray_executor import ray_runs

    monkeypatch.setattr(ray, "is_initialized", lambda: False)  # as if no Ray were running here
    start = time.monotonic()
    address = f"127.0.0.1:{refused_port}"
    with pytest.raises(UserError, match=rf"--ray-address.*{address}.*nothing answers"), \
            ray_runs(address, None, 1, 0, tmp_path):
        pass
    assert time.monotonic() - start < 10


def test_a_task_caches_where_the_driver_does_on_its_machine_else_in_a_node_local_folder(tmp_path):
    import tempfile
    from pathlib import Path

    from wgan_bench.runner.ray_executor import _node_cache

    here = tmp_path / "results" / ".cache"
    (tmp_path / "results").mkdir()
    assert _node_cache(str(here)) == here
    elsewhere = _node_cache("/no/such/driver/results/.cache")  # a cluster node without that folder
    assert elsewhere.parent == Path(tempfile.gettempdir())
