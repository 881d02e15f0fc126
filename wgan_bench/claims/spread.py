"""Seed-to-seed spread of what `check` gates, measured on the check profile (`wgan-bench calibrate`).

Another CPU, library build or GPU changes the last bits of a training run, and training
amplifies them as a new seed would. So the gate is sized from the spread over seeds: each claim
and each `regression:` metric is evaluated on every seed group (the check profile's seeds count,
e.g. one seed for a one-seed ci profile) and summarised in `seed_spread.csv` beside the baseline.

A `regression:` tolerance must cover TOLERANCE_SD seed sd (4 sd of the difference of two seeds).
A claim is `stable` when it passes on every group with a mean margin of at least
`STABLE_MARGIN_SD` standard deviations; `check` then requires it to keep passing. Any other claim
that passes on some seeds is `fragile` at this scale: its verdict is a coin the machine tosses,
so `check` guards its measured value instead (within `BAND_SD` standard deviations of the
calibration mean, or the seeds' range). `fails` and `none` (INCONCLUSIVE) have nothing to keep.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .engine import FAIL, PASS, claims_for, evaluate_claims
from .select import aggregate, finished_history, per_seed

SPREAD_FILE = "seed_spread.csv"
STABLE_MARGIN_SD = 3.0  # a one-sided 3-sigma margin: a new machine flips it < 0.2 % of the time (normal)
BAND_SD = 4.0  # a fresh value this far from the calibration mean is a regression, not noise
# `check` compares a fresh value with the baseline's, two draws: their difference has sd·√2.
TOLERANCE_SD = BAND_SD * math.sqrt(2)
COLUMNS = ["item", "id", "groups", "seeds", "values", "statuses", "n_pass", "mean", "sd", "min", "max",
           "margin_mean", "margin_sd", "gate"]


def seed_groups(seeds: list[int], size: int) -> list[tuple[int, ...]]:
    """Consecutive groups of `size` seeds (the check profile's seed count); a short tail is dropped."""
    seeds = sorted(set(seeds))
    return [tuple(seeds[i:i + size]) for i in range(0, len(seeds) - size + 1, size)]


def _margin(outcome) -> float:
    """How far the measured value lies on the passing side of its threshold (negative: failing)."""
    if outcome.op in (">", ">="):
        return outcome.measured - outcome.threshold
    if outcome.op in ("<", "<="):
        return outcome.threshold - outcome.measured
    return math.nan  # ~= and any_of mixtures: judged by their pass count alone


def _sd(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def seed_spread(spec, runs: pd.DataFrame, history: pd.DataFrame, group_size: int,
                profile: str | None = None) -> pd.DataFrame:
    """One row per claim (of `profile`) and per regression metric of `spec` over every seed group
    in the tables."""
    claims: dict[str, list] = {c.id: [] for c in claims_for(spec, profile)}
    metrics: dict[str, list] = {r.id: [] for r in spec.regression}
    groups = seed_groups(runs["seed"].astype(int).tolist(), group_size) if len(runs) else []
    for group in groups:
        r, h = runs[runs["seed"].isin(group)], history[history["seed"].isin(group)]
        for o in evaluate_claims(spec, r, h, profile):
            claims[o.claim_id].append(o)
        fh = finished_history(r, h)
        for reg in spec.regression:
            metrics[reg.id].append(aggregate(per_seed(fh, reg.variant, reg), reg.aggregate))
    label = ";".join("+".join(map(str, g)) for g in groups)
    rows = [_claim_row(cid, outs, label) for cid, outs in claims.items()]
    rows += [_metric_row(mid, vals, label) for mid, vals in metrics.items()]
    return pd.DataFrame(rows, columns=COLUMNS)


def _summary(values: np.ndarray) -> dict:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return {"mean": math.nan, "sd": math.nan, "min": math.nan, "max": math.nan}
    return {"mean": float(np.mean(finite)), "sd": _sd(finite), "min": float(finite.min()), "max": float(finite.max())}


def _claim_row(cid: str, outcomes: list, label: str) -> dict:
    values = np.array([o.measured for o in outcomes], dtype=float)
    margins = np.array([_margin(o) for o in outcomes], dtype=float)
    n_pass = sum(o.status == PASS for o in outcomes)
    margin_mean = float(np.mean(margins)) if len(margins) else math.nan
    margin_sd = _sd(margins)
    stable = bool(outcomes) and n_pass == len(outcomes) and (
        math.isnan(margin_mean) or not margin_sd > 0 or margin_mean >= STABLE_MARGIN_SD * margin_sd)
    if not outcomes or all(o.status not in (PASS, FAIL) for o in outcomes):
        gate = "none"  # INCONCLUSIVE at this scale: nothing to gate
    elif n_pass == 0:
        gate = "fails"  # on every seed: a finding at this scale, nothing for check to keep
    else:
        gate = "stable" if stable else "fragile"
    return {"item": "claim", "id": cid, "groups": len(outcomes), "seeds": label,
            "values": ";".join(f"{v:.6g}" for v in values), "statuses": ";".join(o.status for o in outcomes),
            "n_pass": n_pass, **_summary(values), "margin_mean": margin_mean, "margin_sd": margin_sd, "gate": gate}


def _metric_row(mid: str, values: list[float], label: str) -> dict:
    arr = np.array(values, dtype=float)
    return {"item": "metric", "id": mid, "groups": len(arr), "seeds": label,
            "values": ";".join(f"{v:.6g}" for v in arr), "statuses": "", "n_pass": math.nan, **_summary(arr),
            "margin_mean": math.nan, "margin_sd": math.nan, "gate": "tolerance"}


def within_band(fresh: float, row) -> bool:
    """A fragile claim's fresh value is noise when it lies within BAND_SD sd of the calibration mean."""
    if math.isnan(fresh) or math.isnan(row["mean"]):
        return False
    sd = row["sd"] if row["sd"] > 0 else 0.0
    return abs(fresh - row["mean"]) <= BAND_SD * sd or row["min"] <= fresh <= row["max"]
