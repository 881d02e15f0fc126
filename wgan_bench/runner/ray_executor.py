"""Cluster sweeps on Ray (`--executor ray`): each run is one Ray task; the driver stores results.

A task returns its `RunResult` (tables and artifact arrays by value), so workers need no shared
file system and never touch the result store. Ray is imported only when this executor is chosen.

Retries are the driver's, not Ray's (tasks have `max_retries=0`): `Trainer.run` turns a crash
inside a run into a "failed" result that Ray cannot see as an error, and a worker or node that
dies raises in `ray.get`. The driver resubmits a run once after either, so a run gets at most
two attempts whatever went wrong (not Ray's default of up to four), and progress shows the retry.
"""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
import os
import socket
import tempfile
from functools import partial
from pathlib import Path

from ..errors import UserError, problem
from ..tf_setup import DETERMINISTIC_ENV, deterministic
from .progress import POLL_S
from .result import RunResult

RETRIES = 1


@contextlib.contextmanager
def ray_runs(address: str | None, jobs: int | None, cpus_per_run: int, gpus_per_run: float, workspace):
    """Connect to Ray (or start a local one) for the whole sweep; yields run_all(todo, progress).
    `workspace`: the driver's folders for what runs share (see `_node_cache`)."""
    ray = _import_ray()
    started = not ray.is_initialized()  # a caller that set Ray up (a notebook, a test) keeps it
    if started:
        _init(ray, address, jobs, cpus_per_run)
    events = ray.remote(num_cpus=0)(_Events).remote()
    # num_gpus in ray.remote (not .options) keeps Ray's max_calls=1 for GPU tasks: TensorFlow
    # neither frees GPU memory nor follows a new CUDA_VISIBLE_DEVICES inside a reused worker.
    # Tasks on other machines do not inherit this process's environment: pass --deterministic on.
    env = {DETERMINISTIC_ENV: "1"} if deterministic() else {}
    task = ray.remote(num_cpus=cpus_per_run, num_gpus=gpus_per_run, max_retries=0,
                      runtime_env={"env_vars": env} if env else None)(_attempt)
    try:
        yield partial(_run_all, ray, task, events, cpus_per_run, workspace, jobs)
    finally:
        ray.kill(events)
        if started:
            ray.shutdown()


def _import_ray():
    try:
        import ray
    except ImportError:
        raise UserError(problem("--executor", "ray", "Ray is not installed: pip install 'wgan-bench[ray]'")) from None
    return ray


def _init(ray, address: str | None, jobs: int | None, cpus_per_run: int) -> None:
    address = address or os.environ.get("RAY_ADDRESS")
    if address is None:  # a local Ray on this machine, sized by --jobs (default: every core)
        ray.init(num_cpus=jobs * cpus_per_run if jobs else None)
        return
    unreachable = _unreachable(address)
    if unreachable:  # ray.init would retry for minutes before saying so
        raise UserError(problem("--ray-address", address, f"cannot connect to a Ray cluster ({unreachable})"))
    try:
        ray.init(address=address)
    except (ConnectionError, TimeoutError) as exc:
        raise UserError(problem("--ray-address", address, f"cannot connect to a Ray cluster ({exc})")) from None


def _unreachable(address: str, timeout_s: float = 5.0) -> str | None:
    """Why nothing answers at a `host:port` or `ray://host:port` address, or None. Other forms
    ("auto", "local") are Ray's to resolve."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return None
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        return f"nothing answers at {host}:{port}: {exc.strerror or exc}"
    return None


def _run_all(ray, task, events, threads: int, workspace, jobs: int | None, todo, progress):
    """Yield (spec, RunResult) as runs finish, at most `jobs` in flight (default: all of them)."""
    by_key = {s.key: s for s in todo}
    waiting = [(spec, 0) for spec in todo]
    running: dict = {}  # ObjectRef -> (spec, attempt)
    try:
        while waiting or running:
            while waiting and len(running) < (jobs or len(todo)):
                spec, attempt = waiting.pop(0)
                running[task.remote(spec, threads, workspace, events)] = (spec, attempt)
            done, _ = ray.wait(list(running), num_returns=1, timeout=POLL_S)
            _drain(ray, events, by_key, progress)  # a finished task's events are all in by now
            for ref in done:
                spec, attempt = running.pop(ref)
                result = _result(ray, ref, spec)
                if result.status != "failed":
                    yield spec, result
                elif attempt < RETRIES:
                    progress.note(f"[yellow]retrying[/yellow] {spec.key}: {result.error.splitlines()[0]}")
                    waiting.insert(0, (spec, attempt + 1))
                else:
                    yield spec, dataclasses.replace(result, error=f"{attempt + 1} attempts; last: {result.error}")
    finally:  # Ctrl-C or an error in the driver: do not leave runs training on the cluster
        for ref in running:
            ray.cancel(ref)


def _result(ray, ref, spec) -> RunResult:
    try:
        return ray.get(ref)
    except ray.exceptions.RayError as exc:  # raised outside the run, or its worker/node died
        # A RayTaskError's own message starts with the task's name: report what the task raised.
        cause = (exc.cause if isinstance(exc, ray.exceptions.RayTaskError) else None) or exc
        return RunResult(spec.run_id, spec.variant, spec.seed, "failed", 0, 0.0,
                         error=f"ray task failed: {type(cause).__name__}: {cause}")


def _drain(ray, events, by_key, progress) -> None:
    steps: dict[str, int] = {}
    for key, kind, n in ray.get(events.drain.remote()):
        if kind == "start":
            progress.start(by_key[key])
        else:
            steps[key] = steps.get(key, 0) + n
    for key, n in steps.items():  # one advance per poll: a burst of events would fake the rate
        progress.advance(by_key[key], n)


class _Events:
    """A Ray actor holding the workers' progress events until the driver drains them."""

    def __init__(self):
        self._events: list[tuple] = []

    def put(self, event: tuple) -> None:
        self._events.append(event)

    def drain(self) -> list[tuple]:
        events, self._events = self._events, []
        return events


def _attempt(spec, threads: int, workspace, events) -> RunResult:
    """One Ray task: run `spec` in this worker process, reporting its start and steps."""
    import ray

    from .worker import process_trainer, run_one

    # Runs may share a GPU (fractional --gpus-per-run): take GPU memory as needed, not all of it.
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    trainer = process_trainer(threads, dataclasses.replace(workspace, cache_dir=str(_node_cache(workspace.cache_dir))))

    def report(kind: str, n: int = 0) -> None:
        ray.get(events.put.remote((spec.key, kind, n)))  # waited for: delivered before the result

    report("start")
    return run_one(trainer, spec, partial(report, "steps"))


def _node_cache(driver_cache: str) -> Path:
    """The driver's cache folder where this node sees the driver's results folder (a local Ray,
    a shared file system), else a per-user folder in this node's temporary folder."""
    path = Path(driver_cache)
    return path if path.parent.is_dir() else Path(tempfile.gettempdir()) / f"wgan-bench-cache-{getpass.getuser()}"
