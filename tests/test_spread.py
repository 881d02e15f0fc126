"""The gate's calibration: seed groups, stable vs fragile claims, and check's verdict on each."""

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from wgan_bench.claims import spread as spread_mod
from wgan_bench.claims.engine import claims_for
from wgan_bench.claims.regression import _claim_verdict
from wgan_bench.claims.spread import SPREAD_FILE, seed_groups, seed_spread, within_band
from wgan_bench.config.loader import discover, load_experiment
from wgan_bench.store.results import ResultStore

from .conftest import REPO


def test_seed_groups_chunk_by_the_profile_seed_count():
    assert seed_groups([3, 0, 1, 2, 5, 4], 1) == [(0,), (1,), (2,), (3,), (4,), (5,)]
    assert seed_groups([0, 1, 2, 3, 4, 5, 6], 2) == [(0, 1), (2, 3), (4, 5)]  # the odd seed out is dropped


def _tables(gp_values, clip_values):
    runs, hist = [], []
    for seed, (g, c) in enumerate(zip(gp_values, clip_values, strict=True)):
        for variant, metric, value in (("gp", "grad_log_ratio", g), ("clip", "clip_fraction", c)):
            rid = f"{variant}-s{seed}"
            runs.append({"run_id": rid, "variant": variant, "seed": seed, "status": "ok", "steps": 20, "wall_s": 1})
            hist += [{"run_id": rid, "variant": variant, "seed": seed, "step": step, "metric": metric,
                      "value": value, "layer": pd.NA} for step in (0, 20)]
    return pd.DataFrame(runs), pd.DataFrame(hist)


def test_seed_spread_classifies_claims_by_pass_count_and_margin(tiny_yaml):
    spec = load_experiment(tiny_yaml).spec
    # gp-flat: |final grad_log_ratio| <= 5; seed 2 fails -> fragile. clip-at-bound: >= 0 on every seed.
    runs, hist = _tables([1, 2, 6, 1.5, 2.5, 1], [0.5] * 6)
    df = seed_spread(spec, runs, hist, group_size=1).set_index("id")
    gp = df.loc["gp-flat"]
    assert gp["statuses"] == "PASS;PASS;FAIL;PASS;PASS;PASS" and gp["n_pass"] == 5 and gp["gate"] == "fragile"
    assert gp["margin_mean"] == pytest.approx((4 + 3 - 1 + 3.5 + 2.5 + 4) / 6)
    assert gp["mean"] == pytest.approx(14 / 6) and gp["min"] == 1 and gp["max"] == 6
    assert df.loc["clip-at-bound", "gate"] == "stable"  # sd 0, margin 0.5 on every seed
    reg = df.loc["r-gp"]
    assert reg["item"] == "metric" and reg["sd"] == pytest.approx(pd.Series([1, 2, 6, 1.5, 2.5, 1]).std())


def test_a_thin_margin_is_fragile_even_when_every_seed_passes(tiny_yaml):
    spec = load_experiment(tiny_yaml).spec
    runs, hist = _tables([4.0, 4.9, 3.1, 4.5, 3.9, 4.2], [0.5] * 6)  # margins 0.1-1.9: mean < 3 sd
    gp = seed_spread(spec, runs, hist, group_size=1).set_index("id").loc["gp-flat"]
    assert gp["n_pass"] == 6 and gp["gate"] == "fragile"
    assert gp["margin_mean"] < spread_mod.STABLE_MARGIN_SD * gp["margin_sd"]


def test_check_verdicts_for_stable_and_fragile_claims():
    fragile = {"gate": "fragile", "n_pass": 5, "groups": 6, "mean": 2.33, "sd": 1.9, "min": 1.0, "max": 6.0}
    stable = {**fragile, "gate": "stable", "n_pass": 6}
    fail = SimpleNamespace(status="FAIL", measured=6.5)
    assert _claim_verdict("PASS", fail, fragile)[0]  # a machine's coin toss, inside the seeds' band
    assert not _claim_verdict("PASS", SimpleNamespace(status="FAIL", measured=40.0), fragile)[0]
    assert not _claim_verdict("PASS", fail, stable)[0]
    assert not _claim_verdict("PASS", fail, None)[0]  # uncalibrated: strict, as before
    assert not _claim_verdict("PASS", SimpleNamespace(status="INCONCLUSIVE", measured=math.nan), fragile)[0]
    assert _claim_verdict("FAIL", fail, None) == (True, "—")
    assert within_band(2.33 + 4 * 1.9, fragile) and not within_band(2.33 + 4.01 * 1.9, fragile)


def test_committed_tolerances_cover_the_measured_seed_spread():
    """Every regression tolerance covers 4 sd of the difference of two seeds and says what it was sized from,
    so a machine that differs from the baselines' does not read as a regression."""
    checked = 0
    for exp in discover(root=REPO / "experiments"):
        profile = "ci" if "ci" in exp.spec.profiles else "quick"
        df = ResultStore(REPO / "results", exp.name, profile).table(SPREAD_FILE, ["item", "id", "sd"])
        assert df is not None, f"{exp.name}/{profile}: no {SPREAD_FILE}; run `wgan-bench calibrate`"
        metrics = df[df["item"] == "metric"].set_index("id")  # a claim may share a metric's id
        for reg in exp.spec.regression:
            assert reg.basis, f"{exp.name}: regression {reg.id} has no basis"
            tol = reg.tolerance(metrics.loc[reg.id, "mean"])
            sd = metrics.loc[reg.id, "sd"]
            assert tol >= spread_mod.TOLERANCE_SD * sd, f"{exp.name}: {reg.id}: tolerance {tol} < 4√2 sd ({sd})"
            checked += 1
        assert set(df.loc[df["item"] == "claim", "id"]) == {c.id for c in claims_for(exp.spec, profile)}
    assert checked >= 15
