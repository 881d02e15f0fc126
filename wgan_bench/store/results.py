"""The result store (DESIGN §4): results/<experiment>/<profile>/{runs,history,claims}.csv, manifest.json.

Every write goes to a temporary file in the same folder and is renamed into place, so a
crash or Ctrl-C never leaves a half-written table, and runs already stored are never lost.
No TensorFlow here.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UserError, problem

RUN_COLUMNS = ["run_id", "variant", "seed", "status", "steps", "wall_s"]
HISTORY_COLUMNS = ["run_id", "variant", "seed", "step", "metric", "value", "layer"]
FINISHED = ("ok", "diverged")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_csv(path: Path, df: pd.DataFrame) -> None:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")  # repr floats: exact round trip
    atomic_write_bytes(path, buf.getvalue().encode())


def atomic_write_json(path: Path, obj) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n").encode())


def atomic_write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())


def flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in d.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list):
            out[name] = ",".join(map(str, value))
        else:
            out[name] = value
    return out


class ResultStore:
    """One experiment × profile folder."""

    def __init__(self, root: str | Path, experiment: str, profile: str):
        self.root = Path(root)
        self.dir = self.root / experiment / profile
        self.experiment, self.profile = experiment, profile

    # ---- paths
    @property
    def runs_path(self) -> Path:
        return self.dir / "runs.csv"

    @property
    def history_path(self) -> Path:
        return self.dir / "history.csv"

    @property
    def claims_path(self) -> Path:
        return self.dir / "claims.csv"

    @property
    def manifest_path(self) -> Path:
        return self.dir / "manifest.json"

    def artifact_path(self, run_id: str, name: str) -> Path:
        return self.dir / "artifacts" / run_id / f"{name}.npz"

    def exists(self) -> bool:
        return self.runs_path.is_file()

    # ---- reading
    def runs(self) -> pd.DataFrame:
        if not self.runs_path.is_file():
            return pd.DataFrame(columns=RUN_COLUMNS)
        return pd.read_csv(self.runs_path)

    def history(self) -> pd.DataFrame:
        if not self.history_path.is_file():
            return pd.DataFrame(columns=HISTORY_COLUMNS)
        return pd.read_csv(self.history_path, dtype={"layer": "Int64"})

    def claims(self) -> pd.DataFrame:
        return pd.read_csv(self.claims_path) if self.claims_path.is_file() else pd.DataFrame()

    def manifest(self) -> dict:
        return json.loads(self.manifest_path.read_text()) if self.manifest_path.is_file() else {}

    def artifact(self, run_id: str, name: str) -> dict[str, np.ndarray] | None:
        path = self.artifact_path(run_id, name)
        if not path.is_file():
            return None
        with np.load(path) as data:
            return {k: data[k] for k in data.files}

    # ---- writing
    def add_run(self, row: dict, history: list[dict], artifacts: dict[str, dict[str, np.ndarray]]) -> None:
        """Store one finished run, replacing any earlier row of the same run_id."""
        run_id = row["run_id"]
        for name, arrays in artifacts.items():
            atomic_write_npz(self.artifact_path(run_id, name), arrays)
        hist = self.history()
        new_hist = pd.DataFrame(history, columns=HISTORY_COLUMNS)
        hist = pd.concat([hist[hist["run_id"] != run_id], new_hist], ignore_index=True) if len(hist) else new_hist
        hist["layer"] = hist["layer"].astype("Int64")
        runs = self.runs()
        runs = runs[runs["run_id"] != run_id] if len(runs) else runs
        runs = pd.concat([runs, pd.DataFrame([row])], ignore_index=True) if len(runs) else pd.DataFrame([row])
        # history first: a runs.csv row is only ever present when its history is complete
        atomic_write_csv(self.history_path, hist.sort_values(["run_id", "step", "metric", "layer"],
                                                             kind="stable"))
        atomic_write_csv(self.runs_path, runs.sort_values("run_id", kind="stable"))

    def write_claims(self, df: pd.DataFrame) -> None:
        atomic_write_csv(self.claims_path, df)

    def write_manifest(self, manifest: dict) -> None:
        atomic_write_json(self.manifest_path, manifest)


def run_row(result, config: dict) -> dict:
    """The runs.csv row: identity, status, final value of every scalar metric, flattened config."""
    row = {"run_id": result.run_id, "variant": result.variant, "seed": result.seed, "status": result.status,
           "steps": result.steps, "wall_s": round(result.wall_s, 3)}
    final: dict[str, float] = {}
    for rec in result.history:
        if rec["layer"] is None:
            final[rec["metric"]] = rec["value"]  # history is in step order: the last one wins
    row.update(dict(sorted(final.items())))
    if result.error:
        row["error"] = result.error.strip().splitlines()[0][:300]
    row.update(flatten(config, "config."))
    return row


def require_results(root: str | Path) -> Path:
    root = Path(root)
    if not root.is_dir():
        raise UserError(problem(str(root), None, "results folder not found; run `wgan-bench run` first "
                                                 "or pass --results DIR"))
    return root


def writable_folder(path: str | Path, flag: str) -> Path:
    """Create the output folder `path` (given as `flag`) now, so a path that cannot hold output is
    reported before any work, not as a traceback when the first file is written."""
    root = Path(path)
    if root.exists() and not root.is_dir():
        raise UserError(problem(flag, str(path), "is a file; must be a folder (created if missing)"))
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(problem(flag, str(path), f"cannot create the folder: {exc.strerror or exc}")) from None
    if not os.access(root, os.W_OK | os.X_OK):
        raise UserError(problem(flag, str(path), "is not writable"))
    return root


def stored_profiles(root: Path, experiment: str) -> list[str]:
    base = root / experiment
    return sorted(p.name for p in base.iterdir() if (p / "runs.csv").is_file()) if base.is_dir() else []
