"""KL, JS, TV and W1 between N(0, 1) and N(mu, 1) as mu grows, with sample-based W1 from POT."""

from __future__ import annotations

import numpy as np

from ..metrics import divergences as div
from ..metrics.transport import w1_samples

POT_MUS = (1.0, 2.0, 4.0, 8.0, 16.0, 35.0)  # mu >= 1, where the 5 % claim applies


def gaussian_divergences(cfg, seed: int):
    mus = np.linspace(0.0, cfg.mu_max, cfg.mu_points)
    table = div.gaussian_table(mus)
    rng = np.random.default_rng(seed)
    pot = np.array([w1_samples(rng.standard_normal(cfg.samples), mu + rng.standard_normal(cfg.samples))
                    for mu in POT_MUS])
    far, pos = mus >= 8, mus > 0.01
    scalars = {
        "js_ratio_min_mu_ge_8": float(np.min(table["js"][far] / div.LOG2)),
        "djs_at_10": abs(div.djs_dmu(10.0)),
        "djs_at_2": abs(div.djs_dmu(2.0)),
        "js_at_2": div.js(2.0),
        "dw1_max_dev": float(np.nanmax(np.abs(np.abs(table["dw1"][pos]) - 1.0))),
        "kl_rel_err_max": float(np.max(np.abs(table["kl"][pos] - table["kl_closed"][pos]) / table["kl_closed"][pos])),
        "pot_w1_rel_err_max": float(np.max(np.abs(pot - np.array(POT_MUS)) / np.array(POT_MUS))),
        # in standard errors: for shifted samples W1 ≈ the difference of two sample means, sd sqrt(2/n)
        "pot_w1_err_max_se": float(np.max(np.abs(pot - np.array(POT_MUS))) / np.sqrt(2.0 / cfg.samples)),
    }
    return scalars, {**table, "pot_mu": np.array(POT_MUS), "pot_w1": pot}
