"""Result store: atomic writes, replace-by-run_id, nothing lost on interruption."""

import os

import numpy as np
import pandas as pd
import pytest

from wgan_bench.runner.result import RunResult
from wgan_bench.store import atomic as store_mod_atomic
from wgan_bench.store.results import ResultStore, run_row


def _result(run_id="a-s0", value=1.0, status="ok"):
    hist = [{"run_id": run_id, "variant": run_id[:-3], "seed": 0, "step": s, "metric": "m", "value": value + s,
             "layer": None} for s in (0, 10)]
    hist.append({"run_id": run_id, "variant": run_id[:-3], "seed": 0, "step": 10, "metric": "g", "value": 3.0,
                 "layer": 2})
    return RunResult(run_id, run_id[:-3], 0, status, 10, 1.5, hist, {"weights": {"final": np.arange(4.0)}})


def test_run_row_has_final_values_and_flat_config():
    row = run_row(_result(), {"method": {"name": "wgan", "clip": 0.01}, "record": {"diagnostics": ["a", "b"]}})
    assert row["m"] == 11.0 and "g" not in row  # per-layer metrics stay in history only
    assert row["config.method.clip"] == 0.01 and row["config.record.diagnostics"] == "a,b"


def _store(store, run_id, value=1.0, artifacts=None):
    res = _result(run_id, value)
    store.add_run(run_row(res, {}), res.history, artifacts or {})


def test_add_run_replaces_same_run_and_keeps_others(tmp_path):
    store = ResultStore(tmp_path, "exp", "quick")
    _store(store, "a-s0", 1.0, _result().artifacts)
    _store(store, "b-s0", 5.0)
    _store(store, "a-s0", 2.0)
    pending = store.runs()  # readers see pending runs before they are consolidated
    assert sorted(pending["run_id"]) == ["a-s0", "b-s0"] and not store.runs_path.exists()
    store.consolidate()
    runs, hist = store.runs(), store.history()
    assert runs["run_id"].tolist() == ["a-s0", "b-s0"]
    assert list(runs.columns[:6]) == ["run_id", "variant", "seed", "status", "steps", "wall_s"]
    assert runs.set_index("run_id").loc["a-s0", "m"] == 12.0
    assert len(hist) == 6 and hist["layer"].dtype == "Int64"
    assert hist["run_id"].tolist() == ["a-s0"] * 3 + ["b-s0"] * 3
    assert set(runs["status"]) == {"ok"}
    assert np.array_equal(store.artifact("a-s0", "weights")["final"], np.arange(4.0))
    assert not list(tmp_path.rglob(".tmp-*")) and not list(store.pending_dir.iterdir())


def test_files_get_the_umask_permissions_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        store = ResultStore(tmp_path, "exp", "quick")
        _store(store, "a-s0")
        store.consolidate()
    finally:
        os.umask(old)
    expected = 0o666 & ~old
    for path in (store.runs_path, store.history_path, store.dir / "tables.json"):
        assert path.stat().st_mode & 0o777 == expected, path


def test_storing_a_run_does_not_rewrite_the_combined_tables(tmp_path):
    store = ResultStore(tmp_path, "exp", "quick")
    _store(store, "a-s0")
    store.consolidate()
    before = store.history_path.stat().st_mtime_ns, store.runs_path.stat().st_mtime_ns
    for i in range(5):
        _store(store, f"r{i}-s0")
    assert (store.history_path.stat().st_mtime_ns, store.runs_path.stat().st_mtime_ns) == before
    assert len(list(store.pending_dir.iterdir())) == 5
    store.consolidate()
    assert len(store.runs()) == 6


def test_interrupted_consolidation_loses_nothing(tmp_path, monkeypatch):
    store = ResultStore(tmp_path, "exp", "quick")
    _store(store, "a-s0")
    store.consolidate()
    before_runs, before_hist = store.runs_path.read_bytes(), store.history_path.read_bytes()
    _store(store, "b-s0")
    real_replace, calls = os.replace, []

    def crash(src, dst):
        calls.append(dst)
        if str(dst).endswith("history.csv"):  # after the index, before the tables
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(store_mod_atomic.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        store.consolidate()
    monkeypatch.undo()
    assert store.runs_path.read_bytes() == before_runs and store.history_path.read_bytes() == before_hist
    assert sorted(store.runs()["run_id"]) == ["a-s0", "b-s0"]  # the old tables still verify; b is pending
    store.consolidate()
    assert sorted(ResultStore(tmp_path, "exp", "quick").runs()["run_id"]) == ["a-s0", "b-s0"]
    assert not list(tmp_path.rglob(".tmp-*"))


@pytest.mark.parametrize("code, text", [("ENOSPC", "No space left on device"), ("EACCES", "Permission denied"),
                                        ("EROFS", "Read-only file system")])
def test_a_refused_write_is_a_clear_error_and_the_store_stays_as_it_was(tmp_path, monkeypatch, code, text):
    import errno

    store = ResultStore(tmp_path, "exp", "quick")
    _store(store, "a-s0")
    store.consolidate()
    snapshot = {p: p.read_bytes() for p in store.dir.rglob("*") if p.is_file()}

    def refuse(fd):
        raise OSError(getattr(errno, code), text)

    monkeypatch.setattr(store_mod_atomic.os, "fsync", refuse)
    with pytest.raises(store_mod_atomic.StoreWriteError) as err:
        _store(store, "b-s0")
    monkeypatch.undo()
    assert f"cannot write: {text}" in str(err.value) and "intact" in str(err.value)
    assert {p: p.read_bytes() for p in store.dir.rglob("*") if p.is_file()} == snapshot
    assert store.runs()["run_id"].tolist() == ["a-s0"]


def test_failed_write_midway_cleans_temp(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    store_mod_atomic.atomic_write_csv(path, pd.DataFrame({"a": [1]}))

    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr(store_mod_atomic.os, "fsync", boom)
    with pytest.raises(store_mod_atomic.StoreWriteError):
        store_mod_atomic.atomic_write_csv(path, pd.DataFrame({"a": [2]}))
    assert pd.read_csv(path)["a"].tolist() == [1]
    assert os.listdir(tmp_path) == ["t.csv"]


@pytest.mark.parametrize("target, says", [("afile", "is a file; must be a folder"),
                                          ("afile/out", "cannot create the folder")])
def test_unusable_results_folder_is_a_user_error_before_training(tmp_path, monkeypatch, capsys, target, says):
    from wgan_bench.cli import main

    from .conftest import TINY_EXPERIMENT

    (tmp_path / "tiny.yaml").write_text(TINY_EXPERIMENT)
    (tmp_path / "afile").write_text("not a folder")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "tiny.yaml", "--results", target]) == 2
    err = capsys.readouterr().err
    assert f"--results: {target}: {says}" in err and "Traceback" not in err
    assert (tmp_path / "afile").read_text() == "not a folder"


def test_report_into_a_file_is_a_user_error(tmp_path, monkeypatch, capsys):
    from wgan_bench.cli import main

    from .conftest import REPO

    (tmp_path / "afile").write_text("not a folder")
    monkeypatch.chdir(REPO)
    assert main(["report", "--out", str(tmp_path / "afile")]) == 2
    err = capsys.readouterr().err
    assert f"--out: {tmp_path / 'afile'}: is a file" in err and "Traceback" not in err


def test_manifest_commit_is_dirty_for_changed_code_but_not_for_the_result_store(tmp_path):
    import subprocess

    from wgan_bench.runner.provenance import SOURCE, git_commit

    assert (SOURCE / "cli.py").is_file()  # the default: this package's folder

    def git(*args):
        return subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, text=True).stdout.strip()

    pkg = tmp_path / "wgan_bench"
    pkg.mkdir()
    assert git_commit(src=pkg) == "unknown"  # not a checkout
    git("init", "-q")
    (pkg / "code.py").write_text("x = 1\n")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "runs.csv").write_text("a\n1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    sha = git("rev-parse", "HEAD")
    assert git_commit(src=pkg) == sha
    (tmp_path / "results" / "runs.csv").write_text("a\n2\n")  # a rerun rewrote the store
    assert git_commit(ignore=tmp_path / "results", src=pkg) == sha
    assert git_commit(src=pkg) == sha + "+dirty"
    (pkg / "code.py").write_text("x = 2\n")
    assert git_commit(ignore=tmp_path / "results", src=pkg) == sha + "+dirty"
    wheel = tmp_path / ".venv" / "site-packages" / "wgan_bench"  # installed inside someone's repository
    wheel.mkdir(parents=True)
    assert git_commit(src=wheel) == "unknown"


@pytest.mark.slow
def test_disk_full_during_a_sweep_stops_cleanly_and_the_rerun_resumes(tiny_yaml, tmp_path, monkeypatch, capsys):
    import errno

    from wgan_bench.cli import main

    results = tmp_path / "results"
    pending = results / "tiny" / "quick" / ".pending"
    real_fsync = store_mod_atomic.os.fsync

    def fill_up_after_one_run(fd):
        if pending.is_dir() and any(pending.glob("*.json")):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.chdir(tiny_yaml.parent.parent)
    monkeypatch.setattr(store_mod_atomic.os, "fsync", fill_up_after_one_run)
    assert main(["run", str(tiny_yaml), "--results", str(results)]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "intact" in err and "Traceback" not in err
    assert err.count("error:") == 1
    monkeypatch.undo()
    store = ResultStore(results, "tiny", "quick")
    assert len(store.runs()) == 1 and not list(results.rglob(".tmp-*"))  # the first run is kept
    assert main(["run", str(tiny_yaml), "--results", str(results)]) == 0
    assert "1 finished run(s) already stored, skipped" in capsys.readouterr().out
    assert sorted(ResultStore(results, "tiny", "quick").runs()["run_id"]) == ["clip-s0", "clip-s1", "gp-s0", "gp-s1"]


def test_a_folder_that_cannot_be_locked_is_a_clear_error(tmp_path, monkeypatch):
    from wgan_bench.store import lock

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    store = ResultStore(tmp_path, "exp", "quick")
    _store(store, "a-s0")
    monkeypatch.setattr(lock.os, "open", refuse)
    with pytest.raises(store_mod_atomic.StoreWriteError, match="quick: cannot write here: Permission denied"):
        store.consolidate()
    monkeypatch.undo()
    assert store.runs()["run_id"].tolist() == ["a-s0"]  # still pending, still read
