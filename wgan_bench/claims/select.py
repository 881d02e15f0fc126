"""Turn a metric's stored history into one number per run (`Selector`), then one per variant."""

from __future__ import annotations

import numpy as np
import pandas as pd

AGGREGATORS = {"median": np.median, "mean": np.mean, "min": np.min, "max": np.max}


def finished_history(runs: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """History rows of runs that finished normally (`ok`); diverged and failed runs have no values."""
    if not len(runs) or not len(history):
        return history.iloc[0:0]
    ok = set(runs.loc[runs["status"] == "ok", "run_id"])
    return history[history["run_id"].isin(ok)]


def metric_series(history: pd.DataFrame, variant: str, metric: str, layer: int | None) -> pd.DataFrame:
    h = history[(history["variant"] == variant) & (history["metric"] == metric)]
    if layer is not None:
        h = h[h["layer"] == layer]
    elif "layer" in h and h["layer"].notna().any():
        raise ValueError(f"metric {metric!r} is recorded per layer: give `layer`")
    return h[["seed", "step", "value"]]


def reduce_one(steps: np.ndarray, values: np.ndarray, how: str, step: int | None = None) -> float:
    order = np.argsort(steps, kind="stable")
    steps, values = steps[order], values[order]
    if how == "final":
        return float(values[-1])
    if how == "initial":
        return float(values[0])
    if how == "at_step":
        return float(values[np.argmin(np.abs(steps - step))])
    if how in ("median_second_half", "mean_second_half"):
        half = values[(steps >= steps[-1] / 2) & (steps > 0)]
        half = half if len(half) else values[-1:]
        return float(np.median(half) if how.startswith("median") else np.mean(half))
    if how == "median":
        return float(np.median(values))
    if how == "min":
        return float(np.min(values))
    if how == "max":
        return float(np.max(values))
    if how == "max_until_step":
        return float(np.max(values[steps <= step])) if np.any(steps <= step) else float("nan")
    if how in ("min_from_step", "max_from_step"):
        window = values[steps >= step]
        if not len(window):
            return float("nan")
        return float(np.min(window) if how == "min_from_step" else np.max(window))
    raise KeyError(how)


def per_seed(history: pd.DataFrame, variant: str, sel) -> pd.Series:
    """One value per seed of `variant` (seeds without data are absent)."""
    h = metric_series(history, variant, sel.metric, sel.layer)
    out = {int(seed): reduce_one(g["step"].to_numpy(), g["value"].to_numpy(float), sel.reduce, sel.step)
           for seed, g in h.groupby("seed")}
    return pd.Series(out, dtype=float).sort_index()


def aggregate(values: pd.Series, how: str) -> float:
    return float(AGGREGATORS[how](values.to_numpy())) if len(values) else float("nan")
