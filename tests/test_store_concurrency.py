"""Concurrent writers to one store never lose or duplicate a run (issue #19's lost-run race)."""

import subprocess
import sys
import textwrap

import pytest

from wgan_bench.store.results import ResultStore

from .conftest import REPO

WRITER = textwrap.dedent("""
    import sys
    from wgan_bench.store.results import ResultStore
    root, worker, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = ResultStore(root, "exp", "quick")
    for i in range(n):
        rid = f"w{worker}r{i:03d}-s0"
        hist = [{"run_id": rid, "variant": f"w{worker}r{i:03d}", "seed": 0, "step": s, "metric": "m",
                 "value": worker * 1000 + i + s / 10, "layer": None} for s in range(5)]
        store.add_run({"run_id": rid, "variant": f"w{worker}r{i:03d}", "seed": 0, "status": "ok", "steps": 4,
                       "wall_s": 0.1, "m": worker * 1000 + i + 0.4}, hist, {})
        if i % 7 == 6:
            store.consolidate()  # writers fold pending runs in while others are still writing
    store.consolidate()
""")


def test_concurrent_processes_store_every_run_exactly_once(tmp_path):
    workers, per_worker = 4, 40
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(w), str(per_worker)], cwd=REPO)
             for w in range(workers)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    store = ResultStore(tmp_path, "exp", "quick")
    runs, history = store.load()
    expected = {f"w{w}r{i:03d}-s0" for w in range(workers) for i in range(per_worker)}
    assert len(runs) == workers * per_worker and set(runs["run_id"]) == expected
    assert len(history) == 5 * workers * per_worker
    assert history.groupby("run_id").size().eq(5).all()
    assert not list(store.pending_dir.iterdir())  # everything consolidated
    assert runs["run_id"].tolist() == sorted(expected)


@pytest.mark.slow
def test_two_cli_sweeps_into_one_folder_keep_every_run(tmp_path):
    """Two `wgan-bench run` processes store different variants of one experiment at the same time."""
    seeds = ",".join(map(str, range(8)))
    cmd = [sys.executable, "-m", "wgan_bench", "run", "experiments/divergences.yaml", "--profile", "quick",
           "--seeds", seeds, "--results", str(tmp_path)]
    a = subprocess.Popen([*cmd, "--variant", "box", "--variant", "lines"], cwd=REPO,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen([*cmd, "--variant", "bce-mu1"], cwd=REPO,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for p in (a, b):
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
    runs = ResultStore(tmp_path, "divergences", "quick").runs()
    assert len(runs) == 24 and runs["run_id"].is_unique
    assert runs.groupby("variant").size().to_dict() == {"bce-mu1": 8, "box": 8, "lines": 8}
