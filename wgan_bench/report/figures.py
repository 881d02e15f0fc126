"""Figures drawn from stored tables and artifacts only (seaborn/matplotlib, no TensorFlow).

Each figure kind of the experiment YAML (`report.figures`) maps to one function here:
`draw(fig_spec, store) -> matplotlib Figure | None` (None when there is nothing to draw).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from ..claims.select import finished_history, reduce_one  # noqa: E402

sns.set_theme(style="whitegrid", context="notebook")


def _variant_order(runs: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(runs["variant"]))


def layer_profile(spec, store):
    """log10 ‖∂L/∂h_l‖ against layer l: median over seeds of each run's second-half median."""
    runs, hist = store.runs(), finished_history(store.runs(), store.history())
    h = hist[hist["metric"] == spec.metric]
    if not len(h):
        return None
    rows = []
    for (variant, seed, layer), g in h.groupby(["variant", "seed", "layer"]):
        value = reduce_one(g["step"].to_numpy(), g["value"].to_numpy(float), "median_second_half")
        rows.append({"variant": variant, "seed": seed, "layer": int(layer),
                     "log10": np.log10(value) if value > 0 else np.nan})
    df = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    palette = sns.color_palette("deep", n_colors=df["variant"].nunique())
    for colour, variant in zip(palette, [v for v in _variant_order(runs) if v in set(df["variant"])]):
        d = df[df["variant"] == variant].groupby("layer")["log10"]
        med, lo, hi = d.median(), d.min(), d.max()
        ax.plot(med.index, med.values, marker="o", ms=4, color=colour, label=variant)
        ax.fill_between(med.index, lo.values, hi.values, color=colour, alpha=0.2)
    ax.invert_xaxis()  # as in the paper: output side on the left, input layer 1 on the right
    ax.set_xlabel("critic layer (1 = nearest the input)")
    ax.set_ylabel("log10 gradient norm")
    ax.set_title(spec.title or f"{spec.metric} by layer")
    ax.legend(title="variant", fontsize=8)
    fig.tight_layout()
    return fig


def weight_hist(spec, store):
    runs = store.runs()
    ok = runs[runs["status"] == "ok"]
    variants = [v for v in (spec.variants or _variant_order(ok)) if v in set(ok["variant"])]
    panels = []
    for variant in variants:
        run = ok[ok["variant"] == variant].sort_values("seed").iloc[0]
        arrays = store.artifact(run["run_id"], "weights")
        if arrays is not None:
            clip = run.get("config.method.clip")
            panels.append((run["run_id"], arrays, None if pd.isna(clip) else float(clip)))
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), squeeze=False)
    for ax, (run_id, arrays, clip) in zip(axes[0], panels):
        final = arrays["final"]
        # a few first-layer / output weights are large under GP: scale to the bulk, not the extremes
        lim = max(float(np.quantile(np.abs(final), 0.999)) * 1.2, (clip or 0) * 1.15)
        bins = np.linspace(-lim, lim, 81)
        ax.hist(np.clip(final, -lim, lim), bins=bins, color=sns.color_palette("deep")[0], alpha=0.8, label="final")
        if "initial" in arrays:
            ax.hist(np.clip(arrays["initial"], -lim, lim), bins=bins, histtype="step", color="0.25", lw=1.2,
                    label="step 0")
        if clip:
            for x in (-clip, clip):
                ax.axvline(x, ls="--", color="k", lw=1)
        ax.set_yscale("log")
        ax.set_title(run_id, fontsize=10)
        ax.set_xlabel("critic weight")
    axes[0][0].set_ylabel("count (log)")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(spec.title or "critic weights")
    fig.tight_layout()
    return fig


def metric_curve(spec, store):
    runs, hist = store.runs(), finished_history(store.runs(), store.history())
    h = hist[hist["metric"] == spec.metric]
    if spec.layer is not None:
        h = h[h["layer"] == spec.layer]
    if not len(h):
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    palette = sns.color_palette("deep", n_colors=h["variant"].nunique())
    for colour, variant in zip(palette, [v for v in _variant_order(runs) if v in set(h["variant"])]):
        g = h[h["variant"] == variant].groupby("step")["value"]
        med = g.median()
        ax.plot(med.index, med.values, color=colour, label=variant)
        ax.fill_between(med.index, g.min().values, g.max().values, color=colour, alpha=0.2)
    if spec.log:
        ax.set_yscale("symlog")
    ax.set_xlabel("generator iteration")
    ax.set_ylabel(spec.metric)
    ax.set_title(spec.title or spec.metric)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


FIGURES = {"layer_profile": layer_profile, "weight_hist": weight_hist, "metric_curve": metric_curve}
