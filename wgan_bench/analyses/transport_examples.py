"""The Earth-Mover distance as a transport plan: the classic box example, and a joint table's marginals."""

from __future__ import annotations

import numpy as np

from ..metrics.transport import emd_plan, marginals, plan_cost, random_coupling

BOXES_FROM = np.array([1, 1, 1, 2, 3, 3], dtype=float)
BOXES_TO = np.array([7, 8, 9, 9, 10, 10], dtype=float)
# The example's plan: boxes 1→7, 2→10, 3→10, 4→8, 5→9, 6→9 (as target slot indices).
EXAMPLE_SLOTS = [0, 4, 5, 1, 2, 3]
JOINT = np.array([[1 / 8, 1 / 16, 1 / 32, 1 / 32],   # rows y = 1..4, columns x = 1..4
                  [1 / 16, 1 / 8, 1 / 32, 1 / 32],
                  [1 / 16, 1 / 16, 1 / 16, 1 / 16],
                  [1 / 4, 0, 0, 0]])
JOINT_P_X = np.array([1 / 2, 1 / 4, 1 / 8, 1 / 8])
JOINT_P_Y = np.array([1 / 4, 1 / 4, 1 / 4, 1 / 4])


def box_transport(cfg, seed: int):
    n = len(BOXES_FROM)
    ones = np.ones(n)
    plan, cost = emd_plan(BOXES_FROM, BOXES_TO, ones, ones)
    example = np.zeros((n, n))
    example[np.arange(n), EXAMPLE_SLOTS] = 1.0
    rng = np.random.default_rng(seed)
    randoms = [random_coupling(n, rng) * n for _ in range(cfg.random_plans)]  # unit mass per box
    plans = [plan, example, *randoms]
    costs = np.array([plan_cost(p, BOXES_FROM, BOXES_TO) for p in plans])
    marginal_err = max(max(np.abs(p.sum(axis=1) - 1).max(), np.abs(p.sum(axis=0) - 1).max()) for p in plans)
    p_y, p_x = marginals(JOINT)
    scalars = {"emd_cost": cost, "example_plan_cost": costs[1], "plan_cost_spread": costs.max() - costs.min(),
               "plan_marginal_error": marginal_err,
               "joint_marginal_x_error": float(np.abs(p_x - JOINT_P_X).max()),
               "joint_marginal_y_error": float(np.abs(p_y - JOINT_P_Y).max())}
    return scalars, {"plan": plan, "example_plan": example, "x": BOXES_FROM, "y": BOXES_TO, "joint": JOINT}
