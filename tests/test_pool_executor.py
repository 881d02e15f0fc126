"""The --jobs driver with stand-in futures: a dead worker costs only its own runs."""

import queue
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from types import SimpleNamespace

from wgan_bench.runner import pool_executor
from wgan_bench.runner.result import RunResult


class _Progress:
    def __init__(self):
        self.started = []

    def start(self, spec):
        self.started.append(spec.run_id)

    def advance(self, spec, n):
        pass


def _spec(run_id):
    return SimpleNamespace(run_id=run_id, variant=run_id[:-3], seed=int(run_id[-1]))


def _done(exc=None):
    fut = Future()
    fut.set_exception(exc) if exc else fut.set_result(None)
    return fut


def test_a_dead_worker_fails_its_unfinished_runs_and_the_others_arrive():
    a0, a1, b0 = _spec("a-s0"), _spec("a-s1"), _spec("b-s0")
    events = queue.Queue()
    for spec in (a0, b0):  # a-s0 finished before its worker died; a-s1 never reported
        events.put((spec.run_id, "start", None))
        events.put((spec.run_id, "result", RunResult(spec.run_id, spec.variant, spec.seed, "ok", 10, 1.0)))
    futures = {_done(BrokenProcessPool("killed")): [a0, a1], _done(): [b0]}
    progress = _Progress()
    got = {spec.run_id: r for spec, r in pool_executor.collect(futures, events, [a0, a1, b0], progress)}
    assert {k: r.status for k, r in got.items()} == {"a-s0": "ok", "a-s1": "failed", "b-s0": "ok"}
    assert got["a-s1"].error.startswith("worker crashed: BrokenProcessPool")
    assert sorted(progress.started) == ["a-s0", "b-s0"]


def test_a_broken_pool_is_restarted_for_the_next_experiment(monkeypatch):
    class FakePool:
        def __init__(self, broken):
            self.broken, self.submitted, self.shut = broken, [], False

        def submit(self, fn, batch):
            if self.broken:
                raise BrokenProcessPool("a worker died earlier")
            self.submitted.append(batch)
            return _done()

        def shutdown(self, cancel_futures):
            self.shut = True

    pools = iter([FakePool(broken=True), FakePool(broken=False)])
    monkeypatch.setattr(pool_executor.WorkerPool, "_start", lambda self: next(pools))
    monkeypatch.setattr(pool_executor, "batches_for_workers", lambda todo, jobs: [todo])
    workers = pool_executor.WorkerPool(None, 2, (1, queue.Queue(), None))
    first = workers.pool
    spec = _spec("a-s0")
    results = list(workers.run_all([spec], _Progress()))
    assert first.shut and workers.pool is not first and workers.pool.submitted == [[spec]]
    assert [r.status for _, r in results] == ["failed"]  # the fake worker never reported a result


def test_the_driver_plans_worker_batches_without_tensorflow():
    """A --jobs driver must not pay TensorFlow's start-up (~4 s on 2 cores) next to its workers."""
    import subprocess
    import sys

    from .conftest import REPO

    code = ("import sys; sys.modules['tensorflow'] = None; sys.modules['keras'] = None\n"
            "from wgan_bench.config.loader import load_experiment\n"
            "from wgan_bench.runner import execute, pool_executor\n"
            "runs = load_experiment('benchmarks/sweep12.yaml').resolve('quick')\n"
            "print(sorted(len(b) for b in pool_executor.batches_for_workers(runs, 2)))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "[3, 3, 3, 3]"


def test_worker_batches_keep_runs_of_one_compiled_graph_together():
    """--jobs: runs that share a compiled model go to one worker (one XLA compile, not one per
    worker); a single group is split so that every worker has work."""
    from wgan_bench.config.loader import load_experiment
    from wgan_bench.runner.scheduling import batches_for_workers

    from .conftest import REPO

    runs = load_experiment(REPO / "benchmarks" / "sweep12.yaml").resolve("quick")
    batches = batches_for_workers(runs, 2)
    assert sorted(len(b) for b in batches) == [3, 3, 3, 3]
    assert all(len({s.variant for s in b}) == 1 for b in batches)
    one_graph = [s for s in runs if s.variant == "gp"]
    assert sorted(len(b) for b in batches_for_workers(one_graph, 2)) == [1, 2]
