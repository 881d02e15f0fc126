"""Execute experiments: resume, run (in-process, in a process pool or on Ray), store, evaluate claims.

The driver process owns the result store: workers only return `RunResult`s, so a pool or a
cluster never writes tables concurrently.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

from ..claims.engine import evaluate_claims, outcomes_frame
from ..config.hashing import config_hash
from ..config.loader import LoadedExperiment, RunSpec
from ..data.image_files import locate
from ..errors import UserError, problem
from ..runner.progress import RunProgress
from ..runner.provenance import git_commit, manifest, manifest_device, now, stored_provenance
from ..store.freshness import describe_stale, stale_run_ids, stored_specs
from ..store.integrity import StoreDamaged
from ..store.results import FINISHED, ResultStore, run_row, writable_folder


@dataclass
class RunRequest:
    # None: `quick`, or the file as written when it declares no profiles; a function picks one per
    # experiment (check: each one's check profile)
    profile: str | Callable[[LoadedExperiment], str] | None = None
    seeds: list[int] | Callable[[LoadedExperiment], list[int]] | None = None  # a function: per experiment
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


def profile_for(exp: LoadedExperiment, requested) -> str:
    if callable(requested):
        return requested(exp)
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
    resolved = [(exp, profile, exp.resolve(profile, req.seeds(exp) if callable(req.seeds) else req.seeds,
                                           req.variants, req.overrides))
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


def store_result(store: ResultStore, spec: RunSpec, result, results: str, experiment_sha256: str) -> None:
    cfg = spec.config.model_dump()
    row = run_row(result, cfg)
    # Per run, not per manifest: a later invocation that trains nothing rewrites the manifest.
    row["config_hash"], row["experiment_sha256"] = config_hash(cfg), experiment_sha256
    store.add_run(row, result.history, result.artifacts, result.files)
    if result.status != "failed":  # stored: its checkpoints have served (a failed run resumes from them)
        remove_checkpoints(checkpoint_root(results), spec)


def remove_checkpoints(root: Path, spec: RunSpec) -> None:
    from ..runner.checkpoint import remove, run_folder

    if spec.config.task == "train" and spec.config.record.checkpoint_every:
        remove(run_folder(root, spec, config_hash(spec.config.model_dump())))


@dataclass
class _Sweep:
    """One experiment's part of an invocation: its store and the runs it still waits for."""

    experiment: LoadedExperiment
    profile: str
    runs: list[RunSpec]
    store: ResultStore
    todo: list[RunSpec]
    skipped: int
    started: str
    failed: list[str] = field(default_factory=list)
    devices: set[str] = field(default_factory=set)

    def __post_init__(self):
        self.left = len(self.todo)  # runs not yet stored


def run_experiments(experiments: list[LoadedExperiment], req: RunRequest, console=None) -> list[ExperimentOutcome]:
    """Train every experiment's pending runs in one sweep: no barrier between experiments, so a
    worker that runs out of one experiment's runs takes the next one's. Each experiment's claims
    and manifest are written as soon as its last run is stored."""
    plans = plan(experiments, req)
    jobs = req.jobs or 1
    from ..tf_setup import configure_tensorflow, tensorflow_settings, usable_cpus

    # Each worker (or Ray task) runs with `threads` TensorFlow threads; the manifest records its settings.
    threads = req.cpus_per_run if req.executor == "ray" else max(1, usable_cpus() // jobs)

    if req.executor == "local" and jobs == 1:
        tf_settings = configure_tensorflow(threads)
    else:  # runs train in worker processes: the driver never imports TensorFlow (~4 s on 2 cores)
        tf_settings = tensorflow_settings(threads)
    with _executor(req, threads) as run_all:
        commit = git_commit(ignore=req.results)  # the code these runs use, before they write the store
        sweeps = {exp.name: _prepare(exp, profile, runs, req, console) for exp, profile, runs in plans}
        outcomes = {name: _finish(s, req, tf_settings, commit, console) for name, s in sweeps.items() if not s.left}
        todo = [spec for s in sweeps.values() for spec in s.todo]
        title = plans[0][0].name if len(plans) == 1 else f"{len(plans)} experiments"
        with RunProgress(title, todo, console) as progress:
            for spec, result in run_all(todo, progress):
                sweep = sweeps[spec.experiment]
                sweep.devices.update([result.device] if result.device else [])
                store_result(sweep.store, spec, result, req.results, sweep.experiment.sha256)
                progress.finish(spec, result)
                if result.status == "failed":
                    sweep.failed.append(f"{spec.run_id}: {result.error.splitlines()[0]}")
                sweep.left -= 1
                if not sweep.left:
                    outcomes[spec.experiment] = _finish(sweep, req, tf_settings, commit, console)
    return [outcomes[exp.name] for exp, *_ in plans]


def _prepare(exp: LoadedExperiment, profile: str, runs: list[RunSpec], req: RunRequest, console) -> _Sweep:
    store = ResultStore(req.results, exp.name, store_profile(profile, req.overrides))
    todo = pending_runs(store, runs, req.force, console)
    if req.force:  # a forced rerun starts afresh, not from an earlier attempt's checkpoint
        for spec in todo:
            remove_checkpoints(checkpoint_root(req.results), spec)
    skipped = len(runs) - len(todo)
    if console is not None and skipped:
        console.print(f"[dim]{exp.name}/{store.profile}: {skipped} finished run(s) already stored, skipped "
                      f"(--force reruns them)[/dim]")
    return _Sweep(exp, profile, runs, store, todo, skipped, now())


def _finish(sweep: _Sweep, req: RunRequest, tf_settings: dict, commit: str, console=None) -> ExperimentOutcome:
    """Consolidate the experiment's tables, evaluate its claims and write its manifest."""
    exp, store = sweep.experiment, sweep.store
    store.consolidate()
    # Runs of other seeds or variants stored before an edit of the file: left out of the claims.
    stale = stale_run_ids(exp, store, list(req.overrides or []))
    if stale and console is not None:
        console.print(f"[yellow]{exp.name}/{store.profile}: {describe_stale(stale)}; left out of the claims. Running "
                      "their variants and seeds again replaces them; a variant the file no longer has stays until "
                      "its folder is removed.[/yellow]")
    current = store.leaving_out(stale)
    claims = evaluate_claims(exp.spec, current.runs(), current.history(), sweep.profile)
    store.write_claims(outcomes_frame(claims))
    stored = store.manifest()
    trained_on = manifest_device(sweep.devices, stored.get("device") if sweep.skipped else None)
    # The manifest describes the runs the claims read: this invocation's and those stored before it.
    described = stored_specs(exp, current, list(req.overrides or [])) or sweep.runs
    written = manifest(exp, sweep.profile, described, tf_settings, sweep.started, list(req.overrides or []),
                       trained_on, commit)
    runs = store.runs()
    unversioned = "experiment_sha256" not in runs or runs["experiment_sha256"].isna().any()
    store.write_manifest(written | stored_provenance(stored, trained=bool(sweep.todo), unversioned=unversioned))
    return ExperimentOutcome(exp, store, claims, sweep.failed)


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
