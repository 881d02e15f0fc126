"""Execute experiments: resume, run (in-process, in a process pool or on Ray), store, evaluate claims.

The driver process owns the result store: workers only return `RunResult`s, so a pool or a
cluster never writes tables concurrently.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ..claims.engine import evaluate_claims, outcomes_frame
from ..config.loader import LoadedExperiment, RunSpec
from ..data.image_files import locate
from ..errors import UserError, problem
from ..runner.progress import RunProgress
from ..runner.provenance import config_hash, git_commit, manifest, manifest_device, now
from ..store.integrity import StoreDamaged
from ..store.results import FINISHED, ResultStore, run_row, writable_folder


@dataclass
class RunRequest:
    profile: str | None = None  # None: `quick`, or the file as written when it declares no profiles
    seeds: list[int] | None = None
    variants: list[str] | None = None
    overrides: list[str] | None = None
    results: str = "results"
    jobs: int | None = None  # None: 1 locally; a local Ray takes every core, a cluster all it has
    executor: str = "local"
    force: bool = False
    ray_address: str | None = None
    cpus_per_run: int = 1  # Ray only; also each run's TensorFlow threads
    gpus_per_run: float = 0.0  # Ray only; a fraction lets runs share a GPU
    tensorboard: str | None = None  # a folder for live TensorBoard logs, one per run


@dataclass
class ExperimentOutcome:
    experiment: LoadedExperiment
    store: ResultStore
    claims: list
    failed_runs: list[str]


def profile_for(exp: LoadedExperiment, requested: str | None) -> str:
    if requested is not None:
        return requested
    return "quick" if exp.spec.profiles else "default"


def store_profile(profile: str, overrides: list[str] | None) -> str:
    """Where a profile's runs are stored: runs with --set overrides go beside the profile's own
    (`quick+1a2b3c4d`), so trying a setting never replaces its baselines."""
    if not overrides:
        return profile
    digest = hashlib.sha256("\n".join(overrides).encode()).hexdigest()
    return f"{profile}+{digest[:8]}"


def plan(experiments: list[LoadedExperiment], req: RunRequest) -> list[tuple[LoadedExperiment, str, list[RunSpec]]]:
    """Resolve every run first, so bad input is reported before any training starts."""
    if req.executor not in ("local", "ray"):
        raise UserError(problem("--executor", req.executor, "must be 'local' or 'ray'"))
    if req.jobs is not None and req.jobs < 1:
        raise UserError(problem("--jobs", str(req.jobs), "must be >= 1"))
    if req.cpus_per_run < 1:
        raise UserError(problem("--cpus-per-run", str(req.cpus_per_run), "must be >= 1"))
    if req.gpus_per_run < 0:
        raise UserError(problem("--gpus-per-run", str(req.gpus_per_run), "must be >= 0"))
    if req.executor == "local":
        for flag, value in (("--ray-address", req.ray_address), ("--cpus-per-run", req.cpus_per_run != 1),
                            ("--gpus-per-run", req.gpus_per_run)):
            if value:
                raise UserError(problem(flag, None, "only applies with --executor ray"))
    profiles = [profile_for(exp, req.profile) for exp in experiments]
    resolved = [(exp, profile, exp.resolve(profile, req.seeds, req.variants, req.overrides))
                for exp, profile in zip(experiments, profiles, strict=True)]
    writable_folder(req.results, "--results")  # now: Ray tasks on this machine look for it
    for name, root in sorted({(r.config.dataset.name, r.config.dataset.root) for *_, runs in resolved for r in runs
                              if hasattr(r.config, "dataset") and not r.config.dataset.synthetic}, key=str):
        locate(name, root)  # missing data is bad input, not a failure of every run
    if any("inception_scores" in r.config.diagnostics and r.config.record.inception_network == "file"
           for *_, runs in resolved for r in runs if hasattr(r.config, "diagnostics")):
        from ..metrics.inception import inception_path

        inception_path()  # a missing network is bad input, not a crash in every run
    return resolved


def pending_runs(store: ResultStore, runs: list[RunSpec], force: bool, console=None) -> list[RunSpec]:
    """The runs still to do. A damaged store stops here (StoreDamaged) before any training, unless
    --force, which moves its tables aside and starts the profile afresh."""
    try:
        stored = store.runs()
    except StoreDamaged:
        if not force:
            raise
        moved = store.quarantine()
        if console is not None:
            console.print(f"[yellow]{store.dir}: damaged tables moved aside ({', '.join(p.name for p in moved)}); "
                          "--force reruns every run of this profile[/yellow]")
        return runs
    if force:
        return runs
    if not len(stored) or "config_hash" not in stored:
        return runs
    done = {(r.run_id, r.config_hash) for r in stored.itertuples() if r.status in FINISHED}
    return [r for r in runs if (r.run_id, config_hash(r.config.model_dump())) not in done]


def checkpoint_root(results: str) -> Path:
    return Path(results) / ".checkpoints"


def store_result(store: ResultStore, spec: RunSpec, result, results: str) -> None:
    cfg = spec.config.model_dump()
    row = run_row(result, cfg)
    row["config_hash"] = config_hash(cfg)
    store.add_run(row, result.history, result.artifacts, result.files)
    if result.status != "failed":  # stored: its checkpoints have served (a failed run resumes from them)
        remove_checkpoints(checkpoint_root(results), spec)


def remove_checkpoints(root: Path, spec: RunSpec) -> None:
    from ..runner.checkpoint import remove, run_folder

    if spec.config.task == "train" and spec.config.record.checkpoint_every:
        remove(run_folder(root, spec, config_hash(spec.config.model_dump())))


def run_experiments(experiments: list[LoadedExperiment], req: RunRequest, console=None) -> list[ExperimentOutcome]:
    plans = plan(experiments, req)
    jobs = req.jobs or 1
    from ..tf_setup import configure_tensorflow, tensorflow_settings, usable_cpus

    # Each worker (or Ray task) runs with `threads` TensorFlow threads; the manifest records its settings.
    threads = req.cpus_per_run if req.executor == "ray" else max(1, usable_cpus() // jobs)

    if req.executor == "local" and jobs == 1:
        tf_settings = configure_tensorflow(threads)
    else:  # runs train in worker processes: the driver never imports TensorFlow (~4 s on 2 cores)
        tf_settings = tensorflow_settings(threads)
    outcomes = []
    with _executor(req, threads) as run_all:
        commit = git_commit(ignore=req.results)  # the code these runs use, before they write the store
        for exp, profile, runs in plans:
            store = ResultStore(req.results, exp.name, store_profile(profile, req.overrides))
            todo = pending_runs(store, runs, req.force, console)
            if req.force:  # a forced rerun starts afresh, not from an earlier attempt's checkpoint
                for spec in todo:
                    remove_checkpoints(checkpoint_root(req.results), spec)
            started = now()
            skipped = len(runs) - len(todo)
            if console is not None and skipped:
                console.print(f"[dim]{exp.name}/{store.profile}: {skipped} finished run(s) already stored, skipped "
                              f"(--force reruns them)[/dim]")
            failed: list[str] = []
            devices: set[str] = set()
            with RunProgress(exp.name, todo, console) as progress:
                for spec, result in run_all(todo, progress):
                    devices.update([result.device] if result.device else [])
                    store_result(store, spec, result, req.results)
                    progress.finish(spec, result)
                    if result.status == "failed":
                        failed.append(f"{spec.run_id}: {result.error.splitlines()[0]}")
            store.consolidate()
            claims = evaluate_claims(exp.spec, store.runs(), store.history(), profile)
            store.write_claims(outcomes_frame(claims))
            trained_on = manifest_device(devices, store.manifest().get("device") if skipped else None)
            store.write_manifest(manifest(exp, profile, runs, tf_settings, started, list(req.overrides or []),
                                          trained_on, commit))
            outcomes.append(ExperimentOutcome(exp, store, claims, failed))
    return outcomes


def _executor(req: RunRequest, threads: int):
    """A context (set up once per sweep) yielding run_all(todo, progress) -> (spec, RunResult) as runs finish."""
    from ..runner.worker import Workspace

    workspace = Workspace(str((Path(req.results) / ".cache").resolve()),  # shared by runs: the digit classifier
                          str(Path(req.tensorboard).resolve()) if req.tensorboard else None,
                          str(checkpoint_root(req.results).resolve()))
    if req.executor == "ray":
        from ..runner.ray_executor import ray_runs

        return ray_runs(req.ray_address, req.jobs, req.cpus_per_run, req.gpus_per_run, workspace)
    if req.jobs in (None, 1):
        return contextlib.nullcontext(partial(_run_local, workspace=workspace))
    from ..runner.pool_executor import pool_runs

    return pool_runs(req.jobs, threads, workspace)


def _run_local(todo, progress, workspace):
    from ..runner.train import Trainer
    from ..runner.worker import run_one

    trainer = Trainer(workspace.cache_dir, workspace.tensorboard, workspace.checkpoints)
    for spec in todo:
        progress.start(spec)
        yield spec, run_one(trainer, spec, lambda n, s=spec: progress.advance(s, n))
