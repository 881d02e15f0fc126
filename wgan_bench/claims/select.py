"""Turn a metric's stored history into one number per run (`Selector`), then one per variant."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry import AGGREGATES, REDUCERS


def finished_history(runs: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """History rows of runs that finished normally (`ok`); diverged and failed runs have no values."""
    if not len(runs) or not len(history):
        return history.iloc[0:0]
    ok = set(runs.loc[runs["status"] == "ok", "run_id"])
    return history[history["run_id"].isin(ok)]


def stored_seeds(runs: pd.DataFrame, variants: list[str]) -> tuple[list[int], list[int]]:
    """(seeds with a stored run of every one of `variants`, whatever its status; seeds with some)."""
    if not len(runs):
        return [], []
    arms = runs[runs["variant"].isin(variants)].groupby("seed")["variant"].nunique()
    return (sorted(int(s) for s, n in arms.items() if n == len(set(variants))),
            sorted(int(s) for s, n in arms.items() if n < len(set(variants))))


def metric_series(history: pd.DataFrame, variant: str, metric: str, layer: int | None) -> pd.DataFrame:
    h = history[(history["variant"] == variant) & (history["metric"] == metric)]
    if layer is not None:
        h = h[h["layer"] == layer]
    elif "layer" in h and h["layer"].notna().any():
        raise ValueError(f"metric {metric!r} is recorded per layer: give `layer`")
    return h.loc[h["value"].notna(), ["seed", "step", "value"]]  # NaN: undefined at that record


def running_median(values: pd.Series, n: int | None) -> pd.Series:
    """Centred running median over `n` records (ordered by step); unchanged when `n` is None."""
    return values.rolling(n, center=True, min_periods=1).median() if n else values


def reduce_one(steps: np.ndarray, values: np.ndarray, how: str, step: int | None = None) -> float:
    """One number from a run's (steps, values) by reducer `how` (a `reducer` registry entry)."""
    order = np.argsort(steps, kind="stable")
    return float(REDUCERS.load(how)(steps[order], values[order], step))


# Reducers: (steps ascending, values, step) -> one number. `step` bounds the *_step windows.
def reduce_final(steps, values, step):
    return values[-1]


def reduce_initial(steps, values, step):
    return values[0]


def reduce_at_step(steps, values, step):
    return values[np.argmin(np.abs(steps - step))]


def _second_half(steps, values):
    half = values[(steps >= steps[-1] / 2) & (steps > 0)]
    return half if len(half) else values[-1:]


def reduce_median_last_tenth(steps, values, step):
    """'At the end' as a window: the median over the last 10 % of the records (at least one)."""
    return np.median(values[-max(1, int(np.ceil(0.1 * len(values)))):])


def reduce_median_second_half(steps, values, step):
    return np.median(_second_half(steps, values))


def reduce_mean_second_half(steps, values, step):
    return np.mean(_second_half(steps, values))


def reduce_median(steps, values, step):
    return np.median(values)


def reduce_min(steps, values, step):
    return np.min(values)


def reduce_max(steps, values, step):
    return np.max(values)


def reduce_max_until_step(steps, values, step):
    return np.max(values[steps <= step]) if np.any(steps <= step) else np.nan


def reduce_min_from_step(steps, values, step):
    return np.min(values[steps >= step]) if np.any(steps >= step) else np.nan


def reduce_max_from_step(steps, values, step):
    return np.max(values[steps >= step]) if np.any(steps >= step) else np.nan


def per_seed(history: pd.DataFrame, variant: str, sel) -> pd.Series:
    """One value per seed of `variant` (seeds without data are absent)."""
    h = metric_series(history, variant, sel.metric, sel.layer)
    out = {int(seed): reduce_one(g["step"].to_numpy(), g["value"].to_numpy(float), sel.reduce, sel.step)
           for seed, g in h.groupby("seed")}
    return pd.Series(out, dtype=float).sort_index()


def aggregate(values: pd.Series, how: str) -> float:
    return float(AGGREGATES.load(how)(values.to_numpy())) if len(values) else float("nan")
