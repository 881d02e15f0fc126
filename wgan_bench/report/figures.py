"""Figures drawn from stored tables and artifacts only (seaborn/matplotlib, no TensorFlow).

Each figure kind of the experiment YAML (`report.figures`) maps to one function here:
`draw(fig_spec, store) -> matplotlib Figure | None` (None when there is nothing to draw).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import textwrap  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from ..claims.select import finished_history, per_seed, reduce_one, running_median, stored_seeds  # noqa: E402
from ..config.schema import Selector  # noqa: E402
from ..data.images import mosaic_of
from ..registry import METHODS

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
    for colour, variant in zip(palette, [v for v in _variant_order(runs) if v in set(df["variant"])], strict=False):
        d = df[df["variant"] == variant].groupby("layer")["log10"]
        med, lo, hi = d.median(), d.min(), d.max()
        ax.plot(med.index, med.values, marker="o", ms=4, color=colour, label=variant)
        ax.fill_between(med.index, lo.values, hi.values, color=colour, alpha=0.2)
    ax.invert_xaxis()  # as in the paper: output side on the left, input layer 1 on the right
    ax.set_xlabel("critic layer (1 = nearest the input)")
    ax.set_ylabel("log10 gradient norm")
    _title(ax, spec.title or f"{spec.metric} by layer")
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
    for ax, (run_id, arrays, clip) in zip(axes[0], panels, strict=True):
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
    _title(fig, spec.title or "critic weights")
    fig.tight_layout()
    return fig


def _median_spearman(hist, variant: str, x: str, y: str, step_from: int) -> float:
    from scipy.stats import spearmanr

    h = hist[(hist["variant"] == variant) & (hist["step"] >= step_from)]
    rhos = []
    for _, g in h.groupby("seed"):
        pivot = g[g["metric"].isin([x, y])].pivot_table(index="step", columns="metric", values="value").dropna()
        if x in pivot and y in pivot and len(pivot) >= 3:
            rhos.append(spearmanr(pivot[x], pivot[y]).statistic)
    return float(np.median(rhos)) if rhos else float("nan")


def metric_curve(spec, store):
    runs, hist = store.runs(), finished_history(store.runs(), store.history())
    if spec.median_filter:  # per run, before anything is drawn or correlated
        layer = hist["layer"].isna() if spec.layer is None else hist["layer"] == spec.layer
        own = (hist["metric"] == spec.metric) & layer
        hist = hist.sort_values(["run_id", "step"])
        hist.loc[own, "value"] = hist[own].groupby("run_id")["value"].transform(
            lambda v: running_median(v, spec.median_filter))
    h = hist[hist["metric"] == spec.metric]
    if spec.layer is not None:
        h = h[h["layer"] == spec.layer]
    if spec.variants:
        h = h[h["variant"].isin(spec.variants)]
    if not len(h):
        return None
    fig, ax = plt.subplots(figsize=(9, 4))
    palette = sns.color_palette("deep", n_colors=h["variant"].nunique())
    for colour, variant in zip(palette, [v for v in _variant_order(runs) if v in set(h["variant"])], strict=False):
        g = h[h["variant"] == variant].groupby("step")["value"]
        med = g.median()
        label = variant
        if spec.rho_with:
            rho = _median_spearman(hist, variant, spec.metric, spec.rho_with, spec.rho_from)
            label += f" (ρ with {spec.rho_with} = {rho:.2f})" if np.isfinite(rho) else ""
        xs = med.index.to_numpy(float)
        if spec.x:
            at = hist[(hist["metric"] == spec.x) & (hist["variant"] == variant)].groupby("step")["value"].median()
            xs = at.reindex(med.index).to_numpy(float)
        ax.plot(xs, med.values, color=colour, label=label)
        ax.fill_between(xs, g.min().values, g.max().values, color=colour, alpha=0.2)
    for i, line in enumerate(spec.lines):
        level = line.value if line.value is not None else line.scale * float(
            hist.loc[hist["metric"] == line.metric, "value"].median())
        ax.axhline(level, ls=(":", "--", "-.")[i % 3], color="0.35", lw=1, label=f"{line.label} ({level:.3g})")
    if spec.log:
        _log_axis(ax, h["value"].to_numpy(float))
    ax.set_xlabel(spec.x or "generator iteration")
    ax.set_ylabel(spec.metric)
    _title(ax, spec.title or spec.metric)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the curves, not over them
    fig.tight_layout()
    return fig


def sweep(spec, store):
    runs, hist = store.runs(), finished_history(store.runs(), store.history())
    column = f"config.{spec.param}"
    if column not in runs or not len(hist):
        return None
    chosen = runs[runs[column].notna() & (runs["variant"].isin(spec.variants) if spec.variants else True)]
    at = chosen.set_index("run_id")[column].astype(float)
    fig, axes = plt.subplots(1, len(spec.metrics), figsize=(4.5 * len(spec.metrics), 4), squeeze=False)
    for ax, metric in zip(axes[0], spec.metrics, strict=True):
        h = hist[(hist["metric"] == metric) & hist["run_id"].isin(at.index)]
        per_run = pd.DataFrame([{"x": at[run_id], "value": reduce_one(g["step"].to_numpy(), g["value"].to_numpy(float),
                                                                     spec.reduce)}
                                for run_id, g in h.groupby("run_id")])
        if not len(per_run):
            ax.set_visible(False)
            continue
        by_x = per_run.groupby("x")["value"]
        ax.plot(by_x.median().index, by_x.median().values, marker="o", color="C0")
        ax.fill_between(by_x.min().index, by_x.min().values, by_x.max().values, color="C0", alpha=0.2)
        if spec.log_x:
            ax.set_xscale("log")
        if metric in spec.log_y:
            _log_axis(ax, per_run["value"].to_numpy(float))
        ax.set_xlabel(spec.param)
        ax.set_ylabel(metric)
    _title(fig, spec.title or f"{', '.join(spec.metrics)} ({spec.reduce} of each run) against {spec.param}")
    fig.tight_layout()
    return fig


def success_curve(spec, store):
    runs, hist = store.runs(), finished_history(store.runs(), store.history())
    sel = Selector(metric=spec.metric, reduce=spec.reduce)
    values = {v: per_seed(hist, v, sel) for v in spec.variants}  # as the claims reduce: NaN readings skipped
    seeds, _ = stored_seeds(runs, spec.variants)  # as success_count pairs them
    pairs = np.array([[values[v].get(s, np.nan) for v in spec.variants] for s in seeds])  # NaN: did not finish
    finite = pairs[np.isfinite(pairs)] if len(seeds) else pairs
    if not len(finite):
        return None
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    grid = np.linspace(min(finite.min(), 0.0), finite.max(), 200)
    for i, v in enumerate(spec.variants):
        with np.errstate(invalid="ignore"):
            left.plot(grid, [(pairs[:, i] >= t).sum() / len(seeds) for t in grid], label=v, color=f"C{i}")
    left.set_xlabel(f"success threshold on {spec.metric} ({spec.reduce})")
    left.set_ylabel(f"share of the {len(seeds)} architectures reaching it")
    right.scatter(pairs[:, 0], pairs[:, 1], color="C2")
    for s, (x, y) in zip(seeds, pairs, strict=True):
        right.annotate(str(s), (x, y), fontsize=7, xytext=(2, 2), textcoords="offset points")
    lo, hi = grid[0], grid[-1]
    right.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls=":")
    right.set_xlabel(f"{spec.variants[0]}: {spec.metric}")
    right.set_ylabel(f"{spec.variants[1]}: {spec.metric}")
    if spec.mark is not None:
        left.axvline(spec.mark, color="k", ls="--", lw=0.8, label=f"claim's threshold {spec.mark:g}")
        right.axvline(spec.mark, color="k", ls="--", lw=0.8)
        right.axhline(spec.mark, color="k", ls="--", lw=0.8)
    left.legend(fontsize=8)
    _title(fig, spec.title or f"Architectures trained to each {spec.metric} threshold")
    fig.tight_layout()
    return fig


def _title(target, text: str, width: int = 70) -> None:
    """A title wrapped to the figure's width instead of running off its edges."""
    wrapped = "\n".join(textwrap.wrap(text, width))
    (target.suptitle if hasattr(target, "suptitle") else target.set_title)(wrapped)


def _log_axis(ax, values: np.ndarray) -> None:
    """Log scale that shows decades: plain log for positive data; symlog (for data that reaches
    zero or below) with its linear band at the smallest magnitudes actually recorded."""
    finite = values[np.isfinite(values)]
    if len(finite) and (finite > 0).all():
        ax.set_yscale("log")
        if np.log10(finite.max() / finite.min()) < 1.5:  # under two decades: label 1-2-5 ticks, not one
            ax.yaxis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(mticker.NullFormatter())
        return
    nonzero = np.abs(finite[finite != 0])
    ax.set_yscale("symlog", linthresh=float(np.percentile(nonzero, 5)) if len(nonzero) else 1.0)


def _first_ok_run(runs: pd.DataFrame, variant: str):
    ok = runs[(runs["status"] == "ok") & (runs["variant"] == variant)].sort_values("seed")
    return ok.iloc[0] if len(ok) else None


def critic_curve(spec, store):
    """Each variant's critic on its 1-D grid (seed of the first finished run), over the two densities."""
    from scipy import stats

    runs = store.runs()
    variants = spec.variants or _variant_order(runs)
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    palette = sns.color_palette("deep", n_colors=len(variants))
    drawn = False
    for colour, variant in zip(palette, variants, strict=True):
        run = _first_ok_run(runs, variant)
        grid = store.artifact(run["run_id"], "grid") if run is not None else None
        if grid is None:
            continue
        x, f = grid["x"], grid["f"].astype(np.float64)
        if METHODS.meta(run.get("config.method.name"), "discriminator"):
            ax.plot(x, 1.0 / (1.0 + np.exp(-f)), color=colour, lw=2, label=f"{variant}: D(x)")
        else:
            span = f.max() - f.min()
            ax.plot(x, (f - f.min()) / span if span > 0 else f, color=colour, lw=2, label=f"{variant}: f(x), rescaled")
        if not drawn:
            std, theta = float(run["config.dataset.std"]), float(run["config.generator.theta"])
            for mean, name in ((0.0, "real"), (theta, "fake")):
                dens = stats.norm.pdf(x, mean, std)
                ax.fill_between(x, 0, dens / dens.max() * 0.5, alpha=0.15, color="0.3")
                ax.text(mean, 0.52, name, ha="center", fontsize=9)
            drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.set_xlabel("x")
    ax.set_ylim(-0.05, 1.1)
    _title(ax, spec.title or "critics on the grid")
    ax.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    return fig


THETA_METRICS = {"grad_theta_minimax": "minimax  E log(1 − D)", "grad_theta_ns": "−log D",
                 "grad_theta_w": "WGAN-GP critic  E f"}


def theta_grad_curves(spec, store):
    runs, hist = store.runs(), finished_history(store.runs(), store.history())
    variants = set(spec.variants or _variant_order(runs))
    h = hist[hist["variant"].isin(variants)]
    if not len(h):
        return None
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    palette = sns.color_palette("deep", n_colors=len(THETA_METRICS))
    for colour, (metric, label) in zip(palette, THETA_METRICS.items(), strict=True):
        mean = h[h["metric"] == metric].groupby("step")["value"].mean()
        if not len(mean):
            continue
        std = h[h["metric"] == f"{metric}_std"].groupby("step")["value"].mean().reindex(mean.index)
        ax.plot(mean.index, mean.values, color=colour, label=label)
        lo = np.clip(mean.values - std.values, mean.values * 1e-2, None)
        ax.fill_between(mean.index, lo, mean.values + std.values, color=colour, alpha=0.2)
    ax.set_yscale("log")
    ax.set_xlabel("discriminator / critic steps")
    ax.set_ylabel("|d cost / dθ|")
    _title(ax, spec.title or "generator gradients")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _analysis(store, variant: str):
    run = _first_ok_run(store.runs(), variant)
    return store.artifact(run["run_id"], "analysis") if run is not None else None


def divergence_curves(spec, store):
    a = _analysis(store, spec.variant)
    if a is None:
        return None
    mu, pos = a["mu"], a["mu"] > 0
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    pal = sns.color_palette("deep", n_colors=4)
    styles = ("-", "-", "--", "-")
    for (key, label), colour, ls in zip((("kl", "KL"), ("js", "JS"), ("tv", "TV"), ("w1", "W1")), pal, styles,
                                        strict=True):
        left.plot(mu[pos], a[key][pos], label=label, color=colour, lw=2, ls=ls)
    left.axhline(np.log(2), ls=":", color="0.4", lw=1)
    left.set_yscale("log")
    left.set_ylim(1e-2, 1e3)
    left.set_xlabel("μ")
    left.set_title("value (dotted: log 2)")
    left.legend(fontsize=8)
    for (key, label), colour, ls in zip((("dkl", "dKL/dμ"), ("djs", "dJS/dμ"), ("dtv", "dTV/dμ"), ("dw1", "dW1/dμ")),
                                        pal, styles, strict=True):
        y = np.abs(a[key])
        keep = (y > 0) & pos
        right.plot(mu[keep], y[keep], label=label, color=colour, lw=2, ls=ls)
    right.set_yscale("log")
    right.set_xlabel("μ")
    right.set_title("|derivative| (log scale)")
    right.legend(fontsize=8)
    _title(fig, spec.title or "divergences")
    fig.tight_layout()
    return fig


def transport_plan(spec, store):
    a = _analysis(store, spec.variant)
    if a is None:
        return None
    prefix = "" if spec.example == "boxes" else "cheapest_"
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    labels_x = [f"{i + 1} @ {v:g}" for i, v in enumerate(a[prefix + "x"])]
    labels_y = [f"{v:g}" for v in a[prefix + "y"]]
    sns.heatmap(a[prefix + "plan"], annot=True, fmt=".2g", cmap="Blues", cbar=False, ax=ax,
                xticklabels=labels_y, yticklabels=labels_x)
    ax.tick_params(axis="y", rotation=0)
    ax.set_xlabel("target position")
    ax.set_ylabel("box @ position")
    _title(ax, spec.title or "transport plan")
    fig.tight_layout()
    return fig


def line_curves(spec, store):
    a = _analysis(store, spec.variant)
    if a is None:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 4))
    pal = sns.color_palette("deep", n_colors=4)
    ax.plot(a["curve_theta"], a["curve_w"], color=pal[0], lw=2, label="W (exact OT on samples)")
    ax.plot(a["curve_theta"], a["curve_js"], color=pal[1], lw=2, label="JS (histograms)")
    ax.scatter(a["theta"], a["w"], color=pal[0], zorder=3, s=18)
    ax.axhline(np.log(2), ls=":", color="0.4", lw=1)
    ax.set_xlabel("θ")
    _title(ax, spec.title or "parallel lines")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _panels(n: int, columns: int, size: float = 3.2):
    rows = -(-n // columns)
    fig, axes = plt.subplots(rows, min(n, columns), figsize=(size * min(n, columns), size * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def _label_panel(ax, run) -> None:
    ax.set_title(run["run_id"], fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def _finish(fig, title: str):
    _title(fig, title, width=int(fig.get_figwidth() * 11))
    fig.tight_layout()
    return fig


def _artifact_panels(spec, store, name: str) -> list:
    """(run row, arrays) of artifact `name` for the first finished seed of each variant."""
    runs, panels = store.runs(), []
    for variant in spec.variants or _variant_order(runs):
        run = _first_ok_run(runs, variant)
        arrays = store.artifact(run["run_id"], name) if run is not None else None
        if arrays is not None:
            panels.append((run, arrays))
    return panels


def sample_grid(spec, store):
    from ..data.toy import MODES
    from ..metrics.modes import min_mode_distance

    panels = _artifact_panels(spec, store, "samples")
    if not panels:
        return None
    fig, axes = _panels(len(panels), 3)
    for ax, (run, arrays) in zip(axes, panels, strict=False):  # axes: whole rows
        centres, _ = MODES.get(run["config.dataset.name"], (None, None))
        ax.scatter(arrays["real"][:, 0], arrays["real"][:, 1], s=2, color="0.75", alpha=0.5)
        ax.scatter(arrays["fake"][:, 0], arrays["fake"][:, 1], s=2, color=sns.color_palette("deep")[0], alpha=0.5)
        if centres is not None:
            radius = 0.25 * min_mode_distance(centres)
            for c in centres:
                ax.add_patch(plt.Circle(c, radius, fill=False, color="0.4", lw=0.6))
            ax.scatter(centres[:, 0], centres[:, 1], marker="x", color="0.2", s=15)
        ax.set_xlim(-2.2, 2.2)
        ax.set_ylim(-2.2, 2.2)
        ax.set_aspect("equal")
        _label_panel(ax, run)
    return _finish(fig, spec.title or "samples")


def _show_mosaic(ax, images: np.ndarray) -> None:
    mosaic = mosaic_of(images)
    ax.imshow(mosaic[..., 0] if mosaic.shape[-1] == 1 else mosaic, cmap="gray", vmin=0, vmax=1)


def image_grid(spec, store):
    panels = _artifact_panels(spec, store, "images")
    if not panels:
        return None
    fig, axes = _panels(len(panels), spec.columns)
    for ax, (run, arrays) in zip(axes, panels, strict=False):  # axes: whole rows
        _show_mosaic(ax, arrays["fake"])
        _label_panel(ax, run)
    return _finish(fig, spec.title or "generated images")


def image_steps(spec, store):
    """Rows: variants (first seed); columns: the quality steps; each cell a mosaic of 16 samples."""
    panels = [(run, a) for run, a in _artifact_panels(spec, store, "images") if "by_step" in a]
    if not panels:
        return None  # runs stored before the per-step images were kept
    n = len(panels[0][1]["steps"])
    cols = [int(i) for i in np.unique(np.linspace(0, n - 1, min(n, spec.max_steps)).round())]  # first to last
    fig, axes = plt.subplots(len(panels), len(cols), figsize=(1.6 * len(cols) + 1, 1.6 * len(panels) + 0.6),
                             squeeze=False)
    for r, (run, arrays) in enumerate(panels):
        for c, i in enumerate(cols):
            ax = axes[r][c]
            if i < len(arrays["by_step"]):
                _show_mosaic(ax, arrays["by_step"][i])
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"step {int(arrays['steps'][i])}", fontsize=8)
            if c == 0:
                ax.set_ylabel(run["run_id"], fontsize=8)
    return _finish(fig, spec.title or "generated images during training")


def value_surfaces(spec, store):
    from ..metrics.surfaces import GRID_LIM

    panels = _artifact_panels(spec, store, "surface")
    if not panels:
        return None
    fig, axes = _panels(len(panels), spec.columns)
    axis = np.linspace(-GRID_LIM, GRID_LIM, panels[0][1]["values"].shape[0])
    for ax, (run, arrays) in zip(axes, panels, strict=False):  # axes: whole rows
        filled = ax.contourf(axis, axis, arrays["values"], levels=20, cmap="viridis")
        ax.scatter(arrays["real"][:, 0], arrays["real"][:, 1], s=1, color="orange", alpha=0.6)
        ax.set_aspect("equal")
        _label_panel(ax, run)
        fig.colorbar(filled, ax=ax, shrink=0.8, format="%.2g").ax.tick_params(labelsize=7)  # f per panel
    return _finish(fig, spec.title or "critic value surfaces")
