"""Evidence behind a verdict: the sign test, the bootstrap interval, and the untrained control."""

import math

import numpy as np
import pandas as pd
import pytest

from wgan_bench.claims.control import control_history, trained_variants
from wgan_bench.claims.engine import evaluate_claims, outcomes_frame
from wgan_bench.claims.uncertainty import interval, sign_test
from wgan_bench.config.loader import load_experiment


@pytest.mark.parametrize("k, n, p", [(3, 3, 0.125), (5, 5, 1 / 32), (4, 5, 6 / 32), (0, 4, 1.0), (7, 10, 176 / 1024)])
def test_sign_test_is_the_exact_binomial_tail(k, n, p):
    assert sign_test(k, n) == pytest.approx(p)
    assert math.isnan(sign_test(None, None))


def test_interval_is_the_range_below_five_seeds():
    assert interval(np.array([3.0, 1.0, 2.0]), np.median) == (1.0, 3.0)
    assert interval(np.array([-3.0, 1.0]), lambda v: abs(np.median(v))) == (1.0, 3.0)
    assert all(math.isnan(x) for x in interval(np.array([]), np.median))


def test_bootstrap_interval_of_a_mean_matches_the_normal_approximation():
    values = np.arange(20.0)  # mean 9.5, standard error 5.77 / sqrt(20) = 1.29
    low, high = interval(values, np.mean)
    half = 1.96 * values.std() / math.sqrt(len(values))
    assert low == pytest.approx(9.5 - half, abs=0.35) and high == pytest.approx(9.5 + half, abs=0.35)
    assert interval(values, np.mean) == (low, high)  # fixed resampling: same tables, same interval
    assert interval(np.full(6, 2.5), np.median) == (2.5, 2.5)


def _history(rows):
    return pd.DataFrame(rows, columns=["run_id", "variant", "seed", "step", "metric", "value", "layer"]).astype(
        {"layer": "Int64"})


def test_control_history_replays_the_step0_value_at_every_step():
    h = _history([("a-s0", "a", 0, 0, "m", 1.0, None), ("a-s0", "a", 0, 10, "m", 5.0, None),
                  ("a-s0", "a", 0, 0, "g", 2.0, 1), ("a-s0", "a", 0, 10, "g", 7.0, 1),
                  ("a-s0", "a", 0, 0, "g", 3.0, 2), ("a-s0", "a", 0, 10, "g", 8.0, 2),
                  ("a-s0", "a", 0, 10, "late", 9.0, None)])  # no step-0 record: no untrained state
    c = control_history(h)
    got = {(r.metric, r.layer if not pd.isna(r.layer) else None, r.step): r.value for r in c.itertuples()}
    assert got == {("m", None, 0): 1.0, ("m", None, 10): 1.0, ("g", 1, 0): 2.0, ("g", 1, 10): 2.0,
                   ("g", 2, 0): 3.0, ("g", 2, 10): 3.0}


def test_trained_variants_leave_out_analyses():
    runs = pd.DataFrame({"variant": ["a", "b"], "config.task": ["train", "analysis"]})
    assert trained_variants(runs) == {"a"}


def _tables(trained, initial, seeds=range(5)):
    runs, hist = [], []
    for seed in seeds:
        for variant, metric in (("gp", "grad_log_ratio"), ("clip", "clip_fraction")):
            rid = f"{variant}-s{seed}"
            runs.append({"run_id": rid, "variant": variant, "seed": seed, "status": "ok", "steps": 20,
                         "wall_s": 1.0, "config.task": "train"})
            hist += [(rid, variant, seed, 0, metric, initial[variant], None),
                     (rid, variant, seed, 20, metric, trained[variant] + seed / 100, None)]
    return pd.DataFrame(runs), _history(hist)


def test_claims_carry_interval_control_and_the_untrained_flag(tiny_yaml):
    spec = load_experiment(tiny_yaml).spec  # gp-flat: |final grad_log_ratio| <= 5; clip-at-bound: >= 0
    runs, hist = _tables(trained={"gp": 1.0, "clip": 0.5}, initial={"gp": 9.0, "clip": 0.2})
    out = {o.claim_id: o for o in evaluate_claims(spec, runs, hist)}
    gp = out["gp-flat"]
    assert gp.status == "PASS" and gp.measured == pytest.approx(1.02)
    assert gp.control_status == "FAIL" and gp.control_measured == 9.0 and not gp.passes_untrained
    assert gp.ci_low <= gp.measured <= gp.ci_high and gp.ci_low >= 1.0 and gp.ci_high <= 1.04
    clip = out["clip-at-bound"]
    assert clip.status == "PASS" and clip.control_status == "PASS" and clip.passes_untrained
    frame = outcomes_frame(list(out.values()))
    assert list(frame.columns[:5]) == ["claim_id", "status", "measured", "op", "threshold"]
    assert {"ci_low", "ci_high", "p_value", "control_status", "control_measured", "holds_at_init"} <= set(frame)


def test_holds_at_init_needs_a_reason(tiny_yaml, capsys):
    from wgan_bench.cli import main

    text = tiny_yaml.read_text().replace("    check: {kind: threshold, variant: clip,",
                                         "    holds_at_init: true\n    check: {kind: threshold, variant: clip,")
    tiny_yaml.write_text(text)
    assert main(["validate", str(tiny_yaml)]) == 2
    assert "holds_at_init: true needs a basis" in capsys.readouterr().err


def test_missing_runs_are_inconclusive_with_their_reason(tiny_yaml):
    spec = load_experiment(tiny_yaml).spec
    runs, hist = _tables(trained={"gp": 1.0, "clip": 0.5}, initial={"gp": 9.0, "clip": 0.2})
    keep = runs["variant"] == "clip"
    out = {o.claim_id: o for o in evaluate_claims(spec, runs[keep], hist[hist["variant"] == "clip"])}
    assert out["gp-flat"].status == "INCONCLUSIVE" and out["gp-flat"].detail == "no finished runs of gp"
    assert math.isnan(out["gp-flat"].ci_low) and out["gp-flat"].control_status == ""  # no runs, no control


def test_window_takes_medians_at_both_ends_of_a_relation():
    from wgan_bench.claims.engine import _window_ends

    steps = np.arange(0, 110, 10)
    values = np.array([5, 1, 100, 1, 1, 1, 1, 1, 1, 0.01, 0.001])  # spikes at single records
    assert _window_ends(steps, values, 10, 100, 0.3) == (1.0, 0.01)  # 3 records each end

