"""Local parallel sweeps (`--jobs N`): N worker processes, each with its own TensorFlow.

One pool serves the whole invocation, so a worker's start-up (TensorFlow, compiled graphs) is
paid once even when several experiments run. Workers send progress and results through a
queue; the driver alone writes the result store.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from .result import RunResult
from .scheduling import batches_for_workers
from .worker import init_pool_worker, run_batch

POLL_S = 0.25  # how often the driver refreshes progress while runs train


@contextlib.contextmanager
def pool_runs(jobs: int, threads: int, cache_dir):
    """Yields run_all(todo, progress) -> (spec, RunResult) as runs finish, for the whole invocation."""
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager:
        workers = WorkerPool(ctx, jobs, (threads, manager.Queue(), cache_dir))
        try:
            yield workers.run_all
        finally:
            workers.pool.shutdown(cancel_futures=True)


class WorkerPool:
    """A process pool that is started at once (TensorFlow's start-up in the workers overlaps the
    driver's work) and restarted if a worker died, so one crash costs only its own runs."""

    def __init__(self, ctx, jobs: int, initargs: tuple):
        self.ctx, self.jobs, self.initargs = ctx, jobs, initargs
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(self.jobs, mp_context=self.ctx, initializer=init_pool_worker,
                                   initargs=self.initargs)
        pool.submit(int)  # spawns every worker now (a spawn pool starts all of them on first submit)
        return pool

    def run_all(self, todo, progress):
        try:
            futures = {self.pool.submit(run_batch, b): b for b in batches_for_workers(todo, self.jobs)}
        except BrokenProcessPool:  # a worker died in an earlier experiment of this invocation
            self.pool.shutdown(cancel_futures=True)
            self.pool = self._start()
            futures = {self.pool.submit(run_batch, b): b for b in batches_for_workers(todo, self.jobs)}
        yield from collect(futures, self.initargs[1], todo, progress)


def collect(futures: dict, events, todo, progress):
    """Yield (spec, RunResult) as the batches in `futures` (future -> batch) report them."""
    by_id = {s.run_id: s for s in todo}
    pending = set(by_id)

    def arrived():
        for run_id, result in _drain(events, by_id, progress):
            pending.discard(run_id)
            yield by_id[run_id], result

    while futures:
        done, _ = wait(futures, timeout=POLL_S, return_when=FIRST_COMPLETED)
        yield from arrived()
        for fut in done:
            batch = futures.pop(fut)
            exc = fut.exception()  # set when the worker process died; its other runs go on elsewhere
            why = f"worker crashed: {type(exc).__name__}: {exc}" if exc else "the worker returned no result"
            yield from arrived()
            for spec in [s for s in batch if s.run_id in pending]:
                pending.discard(spec.run_id)
                yield spec, RunResult(spec.run_id, spec.variant, spec.seed, "failed", 0, 0.0, error=why)
    yield from arrived()


def _drain(events, by_id, progress) -> list:
    """Apply queued progress events; return the (run_id, RunResult) pairs that arrived."""
    results = []
    while True:
        try:
            run_id, kind, payload = events.get_nowait()
        except queue.Empty:
            return results
        if kind == "start":
            progress.start(by_id[run_id])
        elif kind == "steps":
            progress.advance(by_id[run_id], payload)
        else:
            results.append((run_id, payload))
