"""What runs in a worker process (a `--jobs` pool worker or a Ray task): train one run.

Kept free of the driver's imports (pandas, SciPy, the claims engine): every worker imports this
module, and TensorFlow's start-up is already its largest fixed cost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..config.loader import RunSpec
from ..registry import ANALYSES
from .result import RunResult

_trainer = None  # per process: compiled models are reused by the runs it executes
_events = None  # a --jobs worker's progress queue to the driver


def run_one(trainer, spec: RunSpec, on_steps) -> RunResult:
    """Train, or evaluate an analysis (closed forms, exact OT), recording a crash as a failed run."""
    if spec.config.task != "analysis":
        return trainer.run(spec, on_steps=on_steps)
    try:
        result = run_analysis(spec)
    except Exception as exc:
        return RunResult(spec.run_id, spec.variant, spec.seed, "failed", 0, 0.0, error=f"{type(exc).__name__}: {exc}")
    on_steps(1)
    return result


def run_analysis(spec: RunSpec) -> RunResult:
    t0 = time.perf_counter()
    scalars, artifacts = ANALYSES.load(spec.config.analysis)(spec.config, spec.seed)
    rows = [{"run_id": spec.run_id, "variant": spec.variant, "seed": spec.seed, "step": 0, "metric": name,
             "value": float(value), "layer": None} for name, value in scalars.items()]
    return RunResult(spec.run_id, spec.variant, spec.seed, "ok", 1, time.perf_counter() - t0, rows,
                     {"analysis": artifacts})


@dataclass(frozen=True)
class Workspace:
    """Where runs write besides their results: the cache they share (the digit classifier), their
    checkpoints and, with `--tensorboard`, their live logs (absolute paths: Ray workers run elsewhere)."""

    cache_dir: str
    tensorboard: str | None = None
    checkpoints: str | None = None


def process_trainer(threads: int, workspace: Workspace):
    """This process's `Trainer`, set up with `threads` TensorFlow threads on first use; a reused
    Ray worker may serve another invocation, with another workspace."""
    global _trainer
    if _trainer is None:
        from ..tf_setup import configure_tensorflow

        configure_tensorflow(threads)
        from .train import Trainer

        _trainer = Trainer(workspace.cache_dir)
    _trainer.cache_dir, _trainer.tensorboard = Path(workspace.cache_dir), workspace.tensorboard
    _trainer.checkpoints = workspace.checkpoints
    return _trainer


def init_pool_worker(threads: int, events, workspace: Workspace, slots=None) -> None:
    """A `--jobs` worker: takes its GPU (if any) from `slots`, then starts TensorFlow."""
    global _events
    if slots is not None:
        from ..tf_setup import use_device

        use_device(slots.get_nowait() if not slots.empty() else None)
    process_trainer(threads, workspace)
    _events = events


def run_batch(specs: list[RunSpec], token: int) -> None:
    """Run a batch of runs that share a compiled model; progress and each result go back through
    the queue, tagged with the driver's `token` for this batch's sweep."""
    for spec in specs:
        _events.put((token, spec.key, "start", None))
        result = run_one(_trainer, spec, lambda n, s=spec: _events.put((token, s.key, "steps", n)))
        _events.put((token, spec.key, "result", result))
