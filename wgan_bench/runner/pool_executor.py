"""Local parallel sweeps (`--jobs N`): N worker processes, each with its own TensorFlow.

One pool serves the whole invocation, so a worker's start-up (TensorFlow, compiled graphs) is
paid once even when several experiments run. Workers send progress and results through a
queue; the driver alone writes the result store.

When a worker process dies, Python's pool fails every pending batch and stops the other
workers. The runs that were training then are stored as failed; the runs that had not started
go to a fresh pool.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing as mp
import queue
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ..tf_setup import visible_gpus, worker_devices
from .progress import POLL_S
from .result import RunResult
from .scheduling import batches_for_workers
from .worker import init_pool_worker, run_batch


@contextlib.contextmanager
def pool_runs(jobs: int, threads: int, workspace):
    """Yields run_all(todo, progress) -> (spec, RunResult) as runs finish, for the whole invocation."""
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager:
        workers = WorkerPool(ctx, jobs, threads, manager.Queue(), workspace, manager)
        try:
            yield workers.run_all
        finally:
            # Ctrl-C or a driver error: stop training now, not after the queued batches. After
            # the last result the workers are idle, and a graceful exit of a TensorFlow process
            # takes ~1 s.
            workers.terminate()


class WorkerPool:
    def __init__(self, ctx, jobs: int, threads: int, events, workspace, manager=None):
        self.ctx, self.jobs, self.events, self.manager = ctx, jobs, events, manager
        self.threads, self.workspace = threads, workspace
        self.devices = worker_devices(jobs, visible_gpus())  # one GPU per worker where there are GPUs
        self.calls = itertools.count()  # tags each run_all's events: a dead pool's stragglers are dropped
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        slots = None
        if self.manager is not None:
            slots = self.manager.Queue()  # each worker takes one device as it starts
            for device in self.devices:
                slots.put(device)
        pool = ProcessPoolExecutor(self.jobs, mp_context=self.ctx, initializer=init_pool_worker,
                                   initargs=(self.threads, self.events, self.workspace, slots))
        for _ in range(self.jobs):  # a spawn pool starts one worker per submit: start them all now,
            pool.submit(int)  # so TensorFlow's start-up in the workers overlaps the driver's work
        return pool

    def terminate(self) -> None:
        for proc in list((self.pool._processes or {}).values()):  # no public API before Python 3.14
            proc.terminate()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _restart(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._start()

    def run_all(self, todo, progress):
        waiting = list(todo)
        while waiting:
            token = next(self.calls)
            batches = batches_for_workers(waiting, self.jobs)
            try:
                futures = {self.pool.submit(run_batch, b, token): b for b in batches}
            except BrokenProcessPool:  # a worker died between experiments
                self._restart()
                futures = {self.pool.submit(run_batch, b, token): b for b in batches}
            collector = Collector(token, self.events, waiting, progress)
            yield from collector.collect(futures)
            if collector.broken:
                self._restart()
                if not collector.started:  # no run began: workers cannot start, do not loop
                    yield from collector.fail(collector.unstarted, collector.broken)
                    return
            waiting = collector.unstarted


class Collector:
    """Yields (spec, RunResult) as the batches in `futures` report them; after a pool broke,
    `unstarted` holds the runs that never began (to run again), the others are failed."""

    def __init__(self, token: int, events, todo, progress):
        self.token, self.events, self.progress = token, events, progress
        self.by_key = {s.key: s for s in todo}
        self.pending = set(self.by_key)
        self.started: set[str] = set()
        self.unstarted: list = []
        self.broken = ""

    def collect(self, futures: dict):
        while futures:
            done, _ = wait(futures, timeout=POLL_S, return_when=FIRST_COMPLETED)
            yield from self._arrived()
            for fut in done:
                batch = futures.pop(fut)
                exc = fut.exception()
                yield from self._arrived()  # a finished run's result is queued before its future completes
                left = [s for s in batch if s.key in self.pending]
                why = f"worker crashed: {type(exc).__name__}: {exc}" if exc else "the worker returned no result"
                if isinstance(exc, BrokenProcessPool):
                    self.broken = why
                    self.unstarted += [s for s in left if s.key not in self.started]
                    left = [s for s in left if s.key in self.started]
                yield from self.fail(left, why)
        yield from self._arrived()
        self.pending.difference_update(s.key for s in self.unstarted)

    def fail(self, specs, why: str):
        for spec in specs:
            self.pending.discard(spec.key)
            yield spec, RunResult(spec.run_id, spec.variant, spec.seed, "failed", 0, 0.0, error=why)

    def _arrived(self):
        while True:
            try:
                token, key, kind, payload = self.events.get_nowait()
            except queue.Empty:
                return
            if token != self.token or key not in self.pending:
                continue  # from a pool that died, or a run already reported failed
            spec = self.by_key[key]
            if kind == "start":
                self.started.add(key)
                self.progress.start(spec)
            elif kind == "steps":
                self.progress.advance(spec, payload)
            else:
                self.pending.discard(key)
                yield spec, payload
