"""Checkpoints inside a run (`record.checkpoint_every`): everything it needs to continue exactly.

A checkpoint holds both networks' variables (batch-norm statistics and spectral-norm vectors
included), both optimisers' state, the random streams (training, diagnostics, a noise
generator's own), the rows recorded so far and the diagnostics' per-run state (`persist`). It
is one pickle per record step, written atomically; the last two are kept. The folder is named
by the run and its configuration's hash, so a changed configuration never resumes from another's
state. The driver deletes it once the finished run is stored.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from pathlib import Path

import numpy as np

KEEP = 2


def run_folder(root: str | Path, spec, cfg_hash: str) -> Path:
    return Path(root) / spec.experiment / f"{spec.run_id}-{cfg_hash}"


def _variables(model) -> list:
    streams = [model.seed_generator, model.diag_seed_generator]
    if hasattr(model.generator, "seed_generator"):
        streams.append(model.generator.seed_generator)
    return [*model.generator.weights, *model.critic.weights, *model.d_optimizer.variables,
            *model.g_optimizer.variables, *(s.state for s in streams)]


def save(folder: Path, step: int, model, rows: list[dict], diagnostics: dict) -> None:
    state = {"step": step, "rows": rows, "variables": [np.asarray(v) for v in _variables(model)],
             "diagnostics": {name: d.persistent_state() for name, d in diagnostics.items()}}
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)  # then a rename: a kill never leaves half a file
    with os.fdopen(fd, "wb") as fh:
        fh.write(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(tmp, folder / f"step-{step:09d}.pkl")
    for old in sorted(folder.glob("step-*.pkl"))[:-KEEP]:
        old.unlink(missing_ok=True)


def latest(folder: Path) -> dict | None:
    """The newest readable checkpoint in `folder` (a damaged newest one falls back to the one before)."""
    for path in sorted(folder.glob("step-*.pkl"), reverse=True):
        try:
            return pickle.loads(path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError):
            continue
    return None


def restore(state: dict, model, diagnostics: dict) -> None:
    variables = _variables(model)
    if len(variables) != len(state["variables"]):
        raise ValueError(f"checkpoint holds {len(state['variables'])} variables, the model {len(variables)}")
    for var, value in zip(variables, state["variables"], strict=True):
        var.assign(value)
    for name, values in state["diagnostics"].items():
        diagnostics[name].restore_state(values)


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
