"""The result store (DESIGN §4): results/<experiment>/<profile>/{runs,history,claims}.csv, manifest.json.

Storing a run writes one file of its own (`.pending/`, atomically), so concurrent writers — two
terminals, or nodes sharing a file system — never lose or duplicate a run, and storing costs time
in proportion to the run. `consolidate` folds pending runs into the combined tables under an
exclusive lock, once per sweep; readers see the combined tables plus whatever is pending.
Every table is checked against `tables.json` when read (see `integrity`). No TensorFlow here.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UserError, problem
from .atomic import atomic_write_bytes, atomic_write_json, atomic_write_npz, csv_bytes, json_bytes
from .integrity import INDEX, damaged, next_index, read_index, read_table
from .lock import locked

RUN_COLUMNS = ["run_id", "variant", "seed", "status", "steps", "wall_s"]
HISTORY_COLUMNS = ["run_id", "variant", "seed", "step", "metric", "value", "layer"]
FINISHED = ("ok", "diverged")
PENDING = ".pending"


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

    def __init__(self, root: str | Path, experiment: str, profile: str, left_out: frozenset[str] = frozenset()):
        self.root = Path(root)
        self.dir = self.root / experiment / profile
        self.experiment, self.profile = experiment, profile
        self.left_out = frozenset(left_out)  # run_ids that reading leaves out (stale runs)
        self._cache: tuple | None = None

    def leaving_out(self, run_ids) -> ResultStore:
        """The same folder, read without `run_ids` (its tables on disk keep them)."""
        return ResultStore(self.root, self.experiment, self.profile, self.left_out | set(run_ids))

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

    @property
    def pending_dir(self) -> Path:
        return self.dir / PENDING

    @property
    def _lock_path(self) -> Path:
        return self.dir / ".lock"

    def artifact_path(self, run_id: str, name: str) -> Path:
        return self.dir / "artifacts" / run_id / f"{name}.npz"

    def exists(self) -> bool:
        return self.runs_path.is_file() or bool(self._pending())

    # ---- reading
    def load(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(runs, history): the combined tables, verified, with pending runs laid over them."""
        key = self._signature()
        if self._cache is None or self._cache[0] != key:
            with locked(self._lock_path, exclusive=False):
                runs, history = self._read_tables()
                runs, history, _ = _overlay(runs, history, self._pending())
            if self.left_out and "run_id" in runs:
                runs = runs[~runs["run_id"].isin(self.left_out)].reset_index(drop=True)
                history = history[~history["run_id"].isin(self.left_out)].reset_index(drop=True)
            self._cache = (key, runs, history)
        return self._cache[1].copy(), self._cache[2].copy()

    def runs(self) -> pd.DataFrame:
        return self.load()[0]

    def history(self) -> pd.DataFrame:
        return self.load()[1]

    def claims(self) -> pd.DataFrame:
        df = self.table(self.claims_path.name, ["claim_id", "status"])
        return pd.DataFrame() if df is None else df

    def manifest(self) -> dict:
        if not self.manifest_path.is_file():
            return {}
        try:
            return json.loads(self.manifest_path.read_text())
        except (ValueError, UnicodeDecodeError) as exc:
            raise damaged(self.manifest_path, f"not valid JSON ({exc})") from None

    def artifact(self, run_id: str, name: str) -> dict[str, np.ndarray] | None:
        path = self.artifact_path(run_id, name)
        if not path.is_file():
            return None
        with np.load(path) as data:
            return {k: data[k] for k in data.files}

    def _signature(self) -> tuple:
        files = [self.runs_path, self.history_path, self.dir / INDEX]
        stats = tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.is_file() else None for p in files)
        return stats, tuple(p.name for p in self._pending())

    def _pending(self) -> list[Path]:
        """Pending run files, oldest first (names start with a nanosecond time stamp)."""
        if not self.pending_dir.is_dir():
            return []
        return sorted(p for p in self.pending_dir.iterdir() if p.suffix == ".json")

    def _read_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        index = read_index(self.dir)
        if not self.runs_path.is_file():
            if self.history_path.is_file():
                raise damaged(self.runs_path, "missing while history.csv exists")
            return pd.DataFrame(columns=RUN_COLUMNS), pd.DataFrame(columns=HISTORY_COLUMNS)
        # Hashes are text: an all-digit column would otherwise read back as numbers.
        runs = read_table(self.runs_path, index, RUN_COLUMNS, numeric=("seed",),
                          dtype={"config_hash": str, "experiment_sha256": str})
        if self.history_path.is_file():
            history = read_table(self.history_path, index, HISTORY_COLUMNS, numeric=("seed", "step", "value"),
                                 dtype={"layer": "Int64"})
        else:
            history = pd.DataFrame(columns=HISTORY_COLUMNS)
        finished = set(runs.loc[runs["status"].isin(FINISHED), "run_id"])
        without = sorted(finished - set(history["run_id"]))
        if without:
            shown = ", ".join(without[:5]) + (f" and {len(without) - 5} more" if len(without) > 5 else "")
            raise damaged(self.history_path, f"runs.csv lists finished run(s) with no rows here: {shown}")
        return runs, history

    # ---- writing
    def add_run(self, row: dict, history: list[dict], artifacts: dict[str, dict[str, np.ndarray]],
                files: dict[str, bytes] | None = None) -> None:
        """Store one finished run (artifacts and files, then its own pending file); it replaces any
        earlier row of the same run_id when the store is consolidated."""
        for name, arrays in artifacts.items():
            atomic_write_npz(self.artifact_path(row["run_id"], name), arrays)
        for name, data in (files or {}).items():
            atomic_write_bytes(self.dir / "artifacts" / row["run_id"] / name, data)
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:12]}-{row['run_id']}.json"
        record = json_bytes({"run": row, "history": history}, sort_keys=False)  # keeps the column order
        atomic_write_bytes(self.pending_dir / name, record)

    def consolidate(self) -> None:
        """Fold pending runs into runs.csv and history.csv (exclusive lock; the index first, then
        history, then runs, then the pending files go: a crash anywhere loses nothing)."""
        with locked(self._lock_path, exclusive=True):
            pending = self._pending()
            if not pending:
                self._seal_legacy()
                return
            runs, history = self._read_tables()
            runs, history, merged = _overlay(runs, history, pending)
            history = history.sort_values(["run_id", "step", "metric", "layer"], kind="stable")
            runs = runs.sort_values("run_id", kind="stable")
            tables = {self.history_path.name: (csv_bytes(history), len(history)),
                      self.runs_path.name: (csv_bytes(runs), len(runs))}
            atomic_write_json(self.dir / INDEX, next_index(read_index(self.dir), tables))
            for name, (data, _) in tables.items():
                atomic_write_bytes(self.dir / name, data)
            for path in merged:
                path.unlink(missing_ok=True)

    def _seal_legacy(self) -> None:
        """Index a store written before tables were indexed, once its structure checks out."""
        if read_index(self.dir) is not None or not self.runs_path.is_file():
            return
        runs, history = self._read_tables()
        tables = {p.name: (p.read_bytes(), n) for p, n in ((self.runs_path, len(runs)),
                                                           (self.history_path, len(history))) if p.is_file()}
        if self.claims_path.is_file():
            tables[self.claims_path.name] = (self.claims_path.read_bytes(), len(pd.read_csv(self.claims_path)))
        atomic_write_json(self.dir / INDEX, next_index(None, tables))

    def quarantine(self) -> list[Path]:
        """Move damaged combined tables aside (`*.damaged`) so a --force rerun can start afresh;
        returns the new paths."""
        moved = []
        with locked(self._lock_path, exclusive=True):
            for path in (self.runs_path, self.history_path, self.claims_path, self.dir / INDEX):
                if path.is_file():
                    target = path.with_name(path.name + ".damaged")
                    os.replace(path, target)
                    moved.append(target)
        self._cache = None
        return moved

    def write_claims(self, df: pd.DataFrame) -> None:
        self.write_table(self.claims_path.name, df)

    def write_table(self, name: str, df: pd.DataFrame) -> None:
        """Write (and index) one more table of this folder: claims.csv, seed_spread.csv."""
        data = csv_bytes(df)
        with locked(self._lock_path, exclusive=True):
            atomic_write_json(self.dir / INDEX, next_index(read_index(self.dir), {name: (data, len(df))}))
            atomic_write_bytes(self.dir / name, data)

    def table(self, name: str, required: list[str]) -> pd.DataFrame | None:
        """A table written by `write_table`, verified; None when absent."""
        path = self.dir / name
        return read_table(path, read_index(self.dir), required) if path.is_file() else None

    def write_manifest(self, manifest: dict) -> None:
        atomic_write_json(self.manifest_path, manifest)


def _overlay(runs: pd.DataFrame, history: pd.DataFrame, pending: list[Path]):
    """Lay pending run files over the tables: the newest file of a run_id replaces its rows.
    Returns (runs, history, the pending files read)."""
    latest: dict[str, dict] = {}
    read = []
    for path in pending:
        try:
            record = json.loads(path.read_text())
        except FileNotFoundError:
            continue  # consolidated by another process meanwhile: its rows are in the tables now
        except (ValueError, UnicodeDecodeError) as exc:
            raise damaged(path, f"unreadable pending run ({exc})") from None
        latest[record["run"]["run_id"]] = record
        read.append(path)
    if not latest:
        return runs, history, read
    new_runs = pd.DataFrame([r["run"] for r in latest.values()])
    new_hist = pd.DataFrame([h for r in latest.values() for h in r["history"]], columns=HISTORY_COLUMNS)
    keep_runs = runs[~runs["run_id"].isin(latest)]
    keep_hist = history[~history["run_id"].isin(latest)]
    runs = pd.concat([keep_runs, new_runs], ignore_index=True) if len(keep_runs) else new_runs
    history = pd.concat([keep_hist, new_hist], ignore_index=True) if len(keep_hist) else new_hist
    history["layer"] = history["layer"].astype("Int64")
    return runs, history, read


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
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if ResultStore(root, experiment, p.name).exists())
