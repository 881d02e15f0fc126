"""The control of a claim about training: the untrained state, each run's step-0 record standing
in for every step. A claim that also passes there is not evidence of what training does."""

from __future__ import annotations

import pandas as pd

KEYS = ["run_id", "metric", "layer"]


def trained_variants(runs: pd.DataFrame) -> set[str]:
    """Variants whose runs train (analyses have no untrained state)."""
    if not len(runs):
        return set()
    task = runs["config.task"] if "config.task" in runs else pd.Series("train", index=runs.index)
    return set(runs.loc[task.fillna("train") == "train", "variant"])


def control_history(history: pd.DataFrame) -> pd.DataFrame:
    """Every record replaced by its series' step-0 value; series without a step-0 record drop out
    (their control is INCONCLUSIVE)."""
    h = history.assign(_layer=pd.to_numeric(history["layer"], errors="coerce").fillna(-1.0))
    first = h.loc[h["step"] == 0, ["run_id", "metric", "_layer", "value"]].drop_duplicates(
        ["run_id", "metric", "_layer"]).rename(columns={"value": "_initial"})
    merged = h.merge(first, on=["run_id", "metric", "_layer"], how="inner")
    merged["value"] = merged["_initial"]
    return merged.drop(columns=["_layer", "_initial"])
