"""The --jobs driver: batches, a dead worker, stale events; stand-in pools except where noted."""

import multiprocessing as mp
import queue
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import SimpleNamespace

import pytest

from wgan_bench.runner import pool_executor
from wgan_bench.runner.result import RunResult
from wgan_bench.runner.worker import Workspace

from .conftest import REPO, run_without_tensorflow


class _Progress:
    def __init__(self):
        self.started = []

    def start(self, spec):
        self.started.append(spec.run_id)

    def advance(self, spec, n):
        pass


def _spec(run_id, experiment="exp"):
    return SimpleNamespace(run_id=run_id, variant=run_id[:-3], seed=int(run_id[-1]), experiment=experiment,
                           key=f"{experiment}/{run_id}")


def _ok(spec):
    return RunResult(spec.run_id, spec.variant, spec.seed, "ok", 10, 1.0)


def _future(exc=None):
    fut = Future()
    fut.set_exception(exc) if exc else fut.set_result(None)
    return fut


class _FakePool:
    """Runs a batch at submit: emits start/result events for the runs it `finishes`, a start
    only for those it `dies_in` (then every future fails, as when a real worker dies)."""

    def __init__(self, events, finishes=(), dies_in=None):
        self.events, self.finishes, self.dies_in = events, set(finishes), dies_in
        self.submitted = []

    def submit(self, fn, batch, token):
        self.submitted.append([s.run_id for s in batch])
        for spec in batch:
            if spec.run_id in self.finishes:
                self.events.put((token, spec.key, "start", None))
                self.events.put((token, spec.key, "result", _ok(spec)))
            elif spec.run_id == self.dies_in:
                self.events.put((token, spec.key, "start", None))
        return _future(BrokenProcessPool("a worker died") if self.dies_in else None)

    def shutdown(self, wait=True, cancel_futures=False):
        pass


def _worker_pool(monkeypatch, pools, events):
    pools = iter(pools)
    monkeypatch.setattr(pool_executor.WorkerPool, "_start", lambda self: next(pools))
    monkeypatch.setattr(pool_executor, "batches_for_workers", lambda todo, jobs: [todo[:2], todo[2:]])
    return pool_executor.WorkerPool(None, 2, 1, events, None)


def test_a_dead_worker_fails_the_run_it_was_training_and_the_unstarted_runs_go_to_a_fresh_pool(monkeypatch):
    a0, a1, b0, b1 = (_spec(r) for r in ("a-s0", "a-s1", "b-s0", "b-s1"))
    events = queue.Queue()
    dying = _FakePool(events, finishes={"a-s0"}, dies_in="b-s0")
    fresh = _FakePool(events, finishes={"a-s1", "b-s1"})
    workers = _worker_pool(monkeypatch, [dying, fresh], events)
    progress = _Progress()
    got = {spec.run_id: r for spec, r in workers.run_all([a0, a1, b0, b1], progress)}
    assert {k: r.status for k, r in got.items()} == {"a-s0": "ok", "b-s0": "failed", "a-s1": "ok", "b-s1": "ok"}
    assert got["b-s0"].error.startswith("worker crashed: BrokenProcessPool")
    assert [sorted(b) for b in fresh.submitted] == [["a-s1", "b-s1"], []] and workers.pool is fresh


def test_workers_that_never_start_a_run_fail_the_sweep_instead_of_looping(monkeypatch):
    events = queue.Queue()
    dead, fresh = _FakePool(events, dies_in="none"), _FakePool(events)
    workers = _worker_pool(monkeypatch, [dead, fresh], events)
    got = list(workers.run_all([_spec("a-s0"), _spec("a-s1")], _Progress()))
    assert [r.status for _, r in got] == ["failed", "failed"]
    assert fresh.submitted == [] and workers.pool is fresh  # ready for the next experiment


def test_events_of_an_earlier_sweep_or_a_finished_run_are_dropped():
    a0 = _spec("a-s0")
    events = queue.Queue()
    events.put((0, "exp/a-s0", "result", _ok(a0)))  # a straggler from the pool of an earlier sweep
    events.put((1, "exp/a-s0", "start", None))
    events.put((1, "exp/a-s0", "result", _ok(a0)))
    events.put((1, "exp/a-s0", "result", _ok(a0)))  # reported twice: stored once
    collector = pool_executor.Collector(1, events, [a0], _Progress())
    assert [spec.run_id for spec, _ in collector.collect({_future(): [a0]})] == ["a-s0"]


def test_runs_of_two_experiments_with_one_run_id_are_told_apart():
    """One sweep holds every experiment's runs, and run ids are unique only within one."""
    one, two = _spec("gp-s0", "one"), _spec("gp-s0", "two")
    events = queue.Queue()
    for spec in (two, one):
        events.put((1, spec.key, "start", None))
        events.put((1, spec.key, "result", RunResult(spec.run_id, "gp", 0, "ok", 10, 1.0, device=spec.experiment)))
    collector = pool_executor.Collector(1, events, [one, two], _Progress())
    got = [(spec.experiment, r.device) for spec, r in collector.collect({_future(): [one, two]})]
    assert got == [("two", "two"), ("one", "one")]


def test_the_pool_starts_every_worker_at_once():
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager:
        workers = pool_executor.WorkerPool(ctx, 2, 1, manager.Queue(), None)
        try:
            assert len(workers.pool._processes) == 2
        finally:
            workers.terminate()


def test_the_driver_plans_worker_batches_without_tensorflow():
    """A --jobs driver must not pay TensorFlow's start-up (~4 s on 2 cores) next to its workers."""
    code = ("from wgan_bench.config.loader import load_experiment\n"
            "from wgan_bench.commands import run as execute\nfrom wgan_bench.runner import pool_executor\n"
            "runs = load_experiment('benchmarks/sweep12.yaml').resolve('quick')\n"
            "print(sorted(len(b) for b in pool_executor.batches_for_workers(runs, 2)))\n")
    proc = run_without_tensorflow(code, REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "[3, 3, 3, 3]"


def test_worker_batches_keep_runs_of_one_compiled_graph_together():
    """--jobs: runs that share a compiled model go to one worker (one XLA compile, not one per
    worker); a single group is split so that every worker has work."""
    from wgan_bench.config.loader import load_experiment
    from wgan_bench.runner.scheduling import batches_for_workers

    runs = load_experiment(REPO / "benchmarks" / "sweep12.yaml").resolve("quick")
    batches = batches_for_workers(runs, 2)
    assert sorted(len(b) for b in batches) == [3, 3, 3, 3]
    assert all(len({s.variant for s in b}) == 1 for b in batches)
    one_graph = [s for s in runs if s.variant == "gp"]
    assert sorted(len(b) for b in batches_for_workers(one_graph, 2)) == [1, 2]
    # A sweep whose arms share one graph is split to each worker's share, not left to one worker.
    sweep = load_experiment(REPO / "experiments" / "clip_sensitivity.yaml").resolve("quick")
    assert sorted(len(b) for b in batches_for_workers(sweep, 2)) == [3, 3, 3, 7, 8]


@pytest.mark.slow
def test_killing_a_real_worker_fails_only_the_runs_in_flight(tiny_yaml, tmp_path):
    """A worker process is killed as soon as a run starts: the runs then training are stored as
    failed, the others train in a fresh pool, and every run reports exactly once."""
    import os
    import signal

    from wgan_bench.config.loader import load_experiment

    runs = load_experiment(tiny_yaml).resolve("quick")

    class KillOnFirstStart(_Progress):
        def start(self, spec):
            if not self.started:
                os.kill(next(iter(workers.pool._processes)), signal.SIGKILL)
            super().start(spec)

    with pool_executor.pool_runs(2, 1, Workspace(str(tmp_path / "cache"))) as run_all:
        workers = run_all.__self__
        got = [(spec.run_id, r) for spec, r in run_all(runs, KillOnFirstStart())]
        procs = list(workers.pool._processes.values())
    # Idle workers are terminated at the end: a graceful exit of a TensorFlow process costs ~1 s.
    assert _exit_codes(procs, timeout=10) == [-signal.SIGTERM] * 2
    ids = [run_id for run_id, _ in got]
    assert sorted(ids) == sorted(s.run_id for s in runs)
    statuses = [r.status for _, r in got]
    failed = [r for _, r in got if r.status == "failed"]
    assert 1 <= len(failed) <= 2 and all(r.error.startswith("worker crashed") for r in failed)
    assert statuses.count("ok") == len(runs) - len(failed)


def _exit_codes(procs, timeout: float) -> list:
    """The processes' exit codes once all have one (None for any still running after `timeout` s).
    Polled, not joined: the pool's own thread reaps them too, and a losing `join` reads None."""
    import time

    deadline = time.monotonic() + timeout
    while any(p.exitcode is None for p in procs) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [p.exitcode for p in procs]


def test_the_manifest_names_a_device_without_tensorflow():
    """A --jobs driver whose runs were all stored already (or only analyses ran) names the device
    from the stored manifest, else this host's CPU, without importing TensorFlow."""
    code = ("from wgan_bench.runner.provenance import manifest_device\n"
            "print(manifest_device({'GPU:1', 'GPU:0'}, 'old'))\n"
            "print(manifest_device(set(), 'CPU (stored)'))\n"
            "print(manifest_device(set(), None))\n")
    proc = run_without_tensorflow(code, REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    trained, stored, host = proc.stdout.splitlines()
    assert (trained, stored) == ("GPU:0, GPU:1", "CPU (stored)")
    assert host.startswith("CPU (") and host.endswith(" cores)")


def _descendants(pid: int) -> set[int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found.update(kids)
        todo += kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has stopped; its parent (init) reaps it


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")
def test_sigterm_to_the_driver_stops_its_workers(tmp_path):
    """A CI timeout or `kill` must not leave --jobs workers training as orphans."""
    import signal
    import subprocess
    import sys
    import textwrap
    import time

    from .conftest import TINY_EXPERIMENT

    (tmp_path / "tiny.yaml").write_text(textwrap.dedent(TINY_EXPERIMENT))
    driver = subprocess.Popen([sys.executable, "-m", "wgan_bench", "run", "tiny.yaml", "--jobs", "2", "--results", "r",
                               "--set", "train.steps=1000000"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(_descendants(driver.pid)) < 3 and time.monotonic() < deadline:  # a manager and 2 workers
            time.sleep(0.5)
        time.sleep(15)  # the workers import TensorFlow and start training
        children = _descendants(driver.pid)
        assert len(children) >= 3 and driver.poll() is None
        driver.send_signal(signal.SIGTERM)
        assert driver.wait(timeout=60) == 130
        assert "interrupted" in driver.stderr.read()
        time.sleep(2)
        assert not [pid for pid in children if _alive(pid)], "workers outlived the driver"
    finally:
        driver.kill()
