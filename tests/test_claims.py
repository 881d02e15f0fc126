"""The claims engine on hand-made tables: PASS, FAIL and INCONCLUSIVE for every check kind."""

import math

import numpy as np
import pandas as pd
import pytest

from wgan_bench.claims.engine import evaluate_claims
from wgan_bench.config.schema import Experiment


def _tables(values: dict[tuple[str, int], list[float]], status: dict | None = None, metric="r"):
    """values[(variant, seed)] = metric history at steps 0, 10, 20, ..."""
    runs, hist = [], []
    for (variant, seed), vals in values.items():
        run_id = f"{variant}-s{seed}"
        runs.append({"run_id": run_id, "variant": variant, "seed": seed,
                     "status": (status or {}).get(run_id, "ok")})
        hist += [{"run_id": run_id, "variant": variant, "seed": seed, "step": 10 * i, "metric": metric,
                  "value": v, "layer": pd.NA} for i, v in enumerate(vals)]
    return pd.DataFrame(runs), pd.DataFrame(hist).astype({"layer": "Int64"})


def _spec(*checks):
    return Experiment.model_validate({
        "name": "t", "title": "t", "source": "s", "defaults": {}, "seeds": [0],
        "variants": {"a": {}, "b": {}, "c": {}},
        "claims": [{"id": f"c{i}", "statement": "s", "source": "s", "check": c} for i, c in enumerate(checks)]})


def _status(spec, runs, hist):
    return [(o.status, o.measured) for o in evaluate_claims(spec, runs, hist)]


def test_threshold_reducers_and_aggregates():
    # second half of steps 0..40 is steps 20, 30, 40
    runs, hist = _tables({("a", 0): [0, 0, -9, -10, -11], ("a", 1): [0, 0, -1, -2, -3], ("a", 2): [0, 0, -20, -20, -20]})
    spec = _spec({"kind": "threshold", "variant": "a", "metric": "r", "reduce": "median_second_half", "op": "<=", "value": -10},
                 {"kind": "threshold", "variant": "a", "metric": "r", "reduce": "final", "aggregate": "max", "op": "<=", "value": -10},
                 {"kind": "threshold", "variant": "a", "metric": "r", "reduce": "initial", "abs": True, "op": "<=", "value": 0},
                 {"kind": "threshold", "variant": "a", "metric": "r", "reduce": "at_step", "step": 20, "aggregate": "mean", "op": "<", "value": -9},
                 {"kind": "threshold", "variant": "a", "metric": "r", "reduce": "median", "aggregate": "min", "op": "<=", "value": -9})
    # whole-history medians per seed: -9, -1, -20
    assert _status(spec, runs, hist) == [("PASS", -10.0), ("FAIL", -3.0), ("PASS", 0.0), ("PASS", -10.0), ("PASS", -20.0)]


def test_undefined_readings_are_skipped_not_propagated():
    """A NaN record (a cosine without a gradient) is no reading: min over the rest; a seed with
    none left is absent, and the claim on it INCONCLUSIVE."""
    nan = float("nan")
    runs, hist = _tables({("a", 0): [0.3, -0.2, nan], ("a", 1): [0.3, 0.1, nan], ("b", 0): [nan, nan]})
    spec = _spec({"kind": "threshold", "variant": "a", "metric": "r", "reduce": "min", "aggregate": "max", "op": "<", "value": 0},
                 {"kind": "threshold", "variant": "a", "metric": "r", "reduce": "min", "aggregate": "min", "op": "<", "value": 0},
                 {"kind": "threshold", "variant": "b", "metric": "r", "op": ">", "value": 0})
    assert _status(spec, runs, hist)[:2] == [("FAIL", 0.1), ("PASS", -0.2)]
    assert _status(spec, runs, hist)[2][0] == "INCONCLUSIVE"


def test_inconclusive_when_every_seed_diverged_or_missing():
    runs, hist = _tables({("a", 0): [1, float("nan")], ("b", 0): [1, 2]}, status={"a-s0": "diverged"})
    spec = _spec({"kind": "threshold", "variant": "a", "metric": "r", "op": ">", "value": 0},
                 {"kind": "threshold", "variant": "c", "metric": "r", "op": ">", "value": 0},
                 {"kind": "comparison", "a": "a", "b": "b", "metric": "r", "op": ">", "per_seed": True})
    assert [s for s, _ in _status(spec, runs, hist)] == ["INCONCLUSIVE"] * 3


def test_diverged_seed_is_left_out_of_the_aggregate():
    runs, hist = _tables({("a", 0): [5], ("a", 1): [-100]}, status={"a-s1": "diverged"})
    spec = _spec({"kind": "threshold", "variant": "a", "metric": "r", "op": ">", "value": 0})
    assert _status(spec, runs, hist) == [("PASS", 5.0)]


def test_comparison_factor_margin_and_per_seed():
    runs, hist = _tables({("a", 0): [10], ("a", 1): [3], ("a", 2): [8], ("b", 0): [4], ("b", 1): [2], ("b", 2): [3]})
    spec = _spec({"kind": "comparison", "a": "a", "b": "b", "metric": "r", "op": ">=", "factor": 2},
                 {"kind": "comparison", "a": "a", "b": "b", "metric": "r", "op": ">=", "factor": 2, "per_seed": True},
                 {"kind": "comparison", "a": "a", "b": "b", "metric": "r", "op": ">=", "factor": 2, "per_seed": True, "min_seeds": 2},
                 {"kind": "comparison", "a": "a", "b": "b", "metric": "r", "op": ">", "margin": 5})
    # medians: a=8, b=3 -> 8 >= 6 PASS; per seed 10>=8, 3>=4 no, 8>=6 -> 2/3
    assert _status(spec, runs, hist) == [("PASS", 8.0), ("FAIL", 2.0), ("PASS", 2.0), ("FAIL", 8.0)]


def test_order_in_every_seed():
    runs, hist = _tables({("a", 0): [-20], ("b", 0): [-8], ("c", 0): [2],
                          ("a", 1): [-20], ("b", 1): [3], ("c", 1): [2]})
    spec = _spec({"kind": "order", "variants": ["a", "b", "c"], "metric": "r"},
                 {"kind": "order", "variants": ["a", "b", "c"], "metric": "r", "min_seeds": 1},
                 {"kind": "order", "variants": ["c", "a"], "metric": "r", "direction": "decreasing"})
    assert _status(spec, runs, hist) == [("FAIL", 1.0), ("PASS", 1.0), ("PASS", 2.0)]


def test_relations():
    runs, hist = _tables({("a", 0): [1e-1, 1e-2, 1e-3, 1e-4]})
    _, hist_y = _tables({("a", 0): [4, 3, 2, 1]}, metric="q")
    hist = pd.concat([hist, hist_y], ignore_index=True)
    spec = _spec({"kind": "relation", "variant": "a", "stat": "log10_change", "metric": "r", "step_from": 0, "step_to": 30, "op": "<=", "value": -3},
                 {"kind": "relation", "variant": "a", "stat": "spearman", "metric": "r", "metric_y": "q", "op": ">=", "value": 0.99},
                 {"kind": "relation", "variant": "a", "stat": "log10_change", "metric": "r", "step_from": 0, "step_to": 30, "op": "<=", "value": -3.5})
    got = _status(spec, runs, hist)
    assert got[0][0] == "PASS" and got[0][1] == pytest.approx(-3)
    assert got[1] == ("PASS", pytest.approx(1.0))
    assert got[2][0] == "FAIL"


def test_per_layer_metric_needs_layer():
    runs, hist = _tables({("a", 0): [1, 2]})
    hist["layer"] = pd.array([1, 1], dtype="Int64")
    spec = _spec({"kind": "threshold", "variant": "a", "metric": "r", "op": ">", "value": 0},
                 {"kind": "threshold", "variant": "a", "metric": "r", "layer": 1, "op": ">", "value": 0})
    out = evaluate_claims(spec, runs, hist)
    assert out[0].status == "INCONCLUSIVE" and "give `layer`" in out[0].detail
    assert out[1].status == "PASS" and out[1].measured == 2
    assert not math.isnan(out[1].threshold)


def test_windowed_reducers_approx_op_and_drop_from_max():
    runs, hist = _tables({("a", 0): [0.1, 0.5, 0.99, 1.0, 0.2], ("b", 0): [1e-2, 3e-1, 1e-2, 1e-3, 3e-4]})
    spec = _spec({"kind": "threshold", "variant": "a", "metric": "r", "reduce": "max_until_step", "step": 20, "op": ">=", "value": 0.99},
                 {"kind": "threshold", "variant": "a", "metric": "r", "reduce": "min_from_step", "step": 30, "op": ">=", "value": 0.5},
                 {"kind": "threshold", "variant": "a", "metric": "r", "reduce": "max_from_step", "step": 30, "op": "~=", "value": 1.05, "rtol": 0.05},
                 {"kind": "threshold", "variant": "a", "metric": "r", "reduce": "max_from_step", "step": 30, "op": "~=", "value": 1.1, "rtol": 0.05},
                 {"kind": "relation", "variant": "b", "stat": "log10_change_from_max", "metric": "r", "step_from": 20, "step_to": 40, "op": "<=", "value": -3},
                 {"kind": "relation", "variant": "b", "stat": "log10_change", "metric": "r", "step_from": 20, "step_to": 40, "op": "<=", "value": -2})
    got = _status(spec, runs, hist)
    assert [g[0] for g in got] == ["PASS", "FAIL", "PASS", "FAIL", "PASS", "FAIL"]
    assert got[0][1] == 0.99 and got[1][1] == 0.2
    assert got[4][1] == pytest.approx(np.log10(3e-4 / 3e-1))
    assert got[5][1] == pytest.approx(np.log10(3e-4 / 1e-2))


def test_approx_op_only_for_thresholds():
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        _spec({"kind": "comparison", "a": "a", "b": "b", "metric": "r", "op": "~="})


def test_spearman_over_a_window():
    runs, hist = _tables({("a", 0): [9, 1, 2, 3, 4, 5]})
    _, hist_y = _tables({("a", 0): [0, 10, 20, 30, 40, 50]}, metric="q")
    hist = pd.concat([hist, hist_y], ignore_index=True)
    spec = _spec({"kind": "relation", "variant": "a", "stat": "spearman", "metric": "r", "metric_y": "q", "op": ">=", "value": 0.99},
                 {"kind": "relation", "variant": "a", "stat": "spearman", "metric": "r", "metric_y": "q", "step_from": 10, "op": ">=", "value": 0.99})
    got = _status(spec, runs, hist)
    assert got[0][0] == "FAIL" and got[0][1] < 0.5  # the first point (a transient) spoils the whole-run ρ
    assert got[1] == ("PASS", pytest.approx(1.0))


def test_measured_and_threshold_are_printed_distinguishably():
    from wgan_bench.claims.table import fmt_pair

    assert fmt_pair(0.999865, 0.9999) == ("0.99987", "0.9999")
    assert fmt_pair(42.0, 42.0) == ("42", "42")
    assert fmt_pair(-19.77, -10) == ("-19.8", "-10")


def test_any_of_passes_when_one_alternative_passes():
    runs, hist = _tables({("a", 0): [1.5], ("a", 1): [2.5], ("a", 2): [1.0]})
    low = {"kind": "threshold", "variant": "a", "metric": "r", "op": "<=", "value": 2}
    high = {"kind": "threshold", "variant": "a", "metric": "r", "op": ">=", "value": 2}
    missing = {"kind": "threshold", "variant": "c", "metric": "r", "op": ">=", "value": 0}
    spec = _spec({"kind": "any_of", "checks": [high, low]},  # median 1.5: high fails, low passes
                 {"kind": "any_of", "checks": [high, {**low, "value": 1}]},
                 {"kind": "any_of", "checks": [missing, high]},
                 {"kind": "any_of", "checks": [missing, low]})
    outcomes = evaluate_claims(spec, runs, hist)
    assert [(o.status, o.measured, o.threshold) for o in outcomes] == [
        ("PASS", 1.5, 2.0), ("FAIL", 1.5, 2.0), ("FAIL", 1.5, 2.0), ("PASS", 1.5, 2.0)]
    assert [o.op for o in outcomes] == ["<=", ">=", ">=", "<="]  # the deciding alternative's
    assert "[FAIL]" in outcomes[0].detail and "[PASS]" in outcomes[0].detail


def test_all_of_passes_only_when_every_part_passes():
    runs, hist = _tables({("a", 0): [1.5], ("a", 1): [2.5], ("a", 2): [1.0]})
    low = {"kind": "threshold", "variant": "a", "metric": "r", "op": "<=", "value": 2}
    floor = {"kind": "threshold", "variant": "a", "metric": "r", "op": ">=", "value": 1}
    high = {"kind": "threshold", "variant": "a", "metric": "r", "op": ">=", "value": 2}
    missing = {"kind": "threshold", "variant": "c", "metric": "r", "op": ">=", "value": 0}
    spec = _spec({"kind": "all_of", "checks": [low, floor]},  # median 1.5 lies in [1, 2]
                 {"kind": "all_of", "checks": [low, high]},
                 {"kind": "all_of", "checks": [low, missing]})
    outcomes = evaluate_claims(spec, runs, hist)
    assert [(o.status, o.measured, o.threshold, o.op) for o in outcomes[:2]] == [
        ("PASS", 1.5, 2.0, "<="), ("FAIL", 1.5, 2.0, ">=")]  # a failure reports the failing part
    assert outcomes[2].status == "INCONCLUSIVE"


def test_compounds_do_not_nest():
    part = {"kind": "threshold", "variant": "a", "metric": "r", "op": ">=", "value": 1}
    with pytest.raises(ValueError, match="cannot hold another"):
        _spec({"kind": "all_of", "checks": [part, {"kind": "any_of", "checks": [part, part]}]})


def test_spearman_median_filter_removes_single_record_spikes():
    # x falls with y except for alternate-record spikes; a 3-record running median removes them
    x = [10, 9, 50, 7, 6, 50, 4, 3, 50, 1, 0]
    runs, hist = _tables({("a", 0): x})
    y = pd.DataFrame([{"run_id": "a-s0", "variant": "a", "seed": 0, "step": 10 * i, "metric": "y",
                       "value": float(10 - i), "layer": pd.NA} for i in range(len(x))]).astype({"layer": "Int64"})
    hist = pd.concat([hist, y], ignore_index=True)
    rel = {"kind": "relation", "variant": "a", "stat": "spearman", "metric": "r", "metric_y": "y", "op": ">=", "value": 0.9}
    raw, filtered = evaluate_claims(_spec(rel, {**rel, "median_filter": 3}), runs, hist)
    assert raw.status == "FAIL" and raw.measured < 0.7
    assert filtered.status == "PASS" and filtered.measured > 0.95
    with pytest.raises(ValueError, match="odd number"):
        _spec({**rel, "median_filter": 4})


def test_a_claim_is_evaluated_only_in_its_profiles():
    runs, hist = _tables({("a", 0): [1, 2]})
    spec = Experiment.model_validate({
        "name": "t", "title": "t", "source": "s", "defaults": {}, "seeds": [0], "variants": {"a": {}},
        "profiles": {"quick": {}, "paper": {}},
        "claims": [{"id": "everywhere", "statement": "s", "source": "s",
                    "check": {"kind": "threshold", "variant": "a", "metric": "r", "op": ">", "value": 0}},
                   {"id": "paper-only", "statement": "s", "source": "s", "profiles": ["paper"],
                    "check": {"kind": "threshold", "variant": "a", "metric": "r", "op": ">", "value": 5}}]})
    ids = lambda profile: [o.claim_id for o in evaluate_claims(spec, runs, hist, profile)]  # noqa: E731
    assert ids("quick") == ["everywhere"]
    assert ids("paper") == ids(None) == ["everywhere", "paper-only"]
