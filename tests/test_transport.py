"""Exact optimal transport (POT) on hand-checked cases, the box example and the parallel lines."""

import numpy as np
import pytest

from wgan_bench.analyses.parallel_lines import _lines, histogram_js_tv
from wgan_bench.analyses.transport_examples import BOXES_FROM, BOXES_TO, JOINT, box_transport
from wgan_bench.config.schema import AnalysisConfig
from wgan_bench.metrics.transport import emd_plan, marginals, plan_cost, random_coupling, w1_samples


def test_two_point_plans_by_hand():
    # 1-D: {0, 1} -> {0.5, 3}: the monotone plan 0→0.5, 1→3 costs (0.5 + 2)/2
    plan, cost = emd_plan([0.0, 1.0], [0.5, 3.0])
    assert cost == pytest.approx(1.25) and np.allclose(plan, [[0.5, 0], [0, 0.5]])
    # 2-D: unit square corners swapped across: each point moves 1
    _, cost = emd_plan([[0, 0], [0, 1]], [[1, 0], [1, 1]])
    assert cost == pytest.approx(1.0)
    # unequal weights: mass 0.75 at 0 and 0.25 at 2 -> all to 1: cost 0.75·1 + 0.25·1
    _, cost = emd_plan([0.0, 2.0], [1.0], a=[0.75, 0.25], b=[1.0])
    assert cost == pytest.approx(1.0)


def test_w1_samples_matches_sorted_coupling_and_lp():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=300), rng.normal(2, 1, size=300)
    assert w1_samples(x, y) == pytest.approx(np.mean(np.abs(np.sort(x) - np.sort(y))))
    x2, y2 = np.stack([x, np.zeros(300)], 1), np.stack([y, np.zeros(300)], 1)
    assert w1_samples(x2, y2) == pytest.approx(w1_samples(x, y), rel=1e-9)  # 2-D LP path


def test_box_example():
    ones = np.ones(6)
    plan, cost = emd_plan(BOXES_FROM, BOXES_TO, ones, ones)
    assert cost == pytest.approx(42)
    assert np.allclose(plan.sum(1), 1) and np.allclose(plan.sum(0), 1)
    rng = np.random.default_rng(1)
    for _ in range(50):
        p = random_coupling(6, rng) * 6
        assert np.allclose(p.sum(1), 1) and np.allclose(p.sum(0), 1)
        assert plan_cost(p, BOXES_FROM, BOXES_TO) == pytest.approx(42)
    scalars, artifacts = box_transport(AnalysisConfig(task="analysis", analysis="box_transport"), 0)
    assert scalars["emd_cost"] == pytest.approx(42) and scalars["example_plan_cost"] == pytest.approx(42)
    assert scalars["plan_cost_spread"] < 1e-9 and artifacts["plan"].shape == (6, 6)


def test_joint_table_marginal_is_exact():
    p_y, p_x = marginals(JOINT)
    assert p_x.tolist() == [0.5, 0.25, 0.125, 0.125]
    assert p_y.tolist() == [0.25, 0.25, 0.25, 0.25]


def test_parallel_lines_divergences():
    rng = np.random.default_rng(0)
    for theta in (-1.0, -0.1, 0.5):
        a, b = _lines(theta, 1000, rng)
        js, tv = histogram_js_tv(a, b)
        assert js == pytest.approx(np.log(2), abs=1e-12) and tv == pytest.approx(1.0, abs=1e-12)
        assert w1_samples(a, b) == pytest.approx(abs(theta), abs=0.01)
    js0, tv0 = histogram_js_tv(*_lines(0.0, 1000, rng))
    assert js0 < 0.02 and tv0 < 0.15  # same line: only sampling noise
