"""The Earth-Mover distance as a transport plan: the classic box example, a "W is the cheapest
plan" example whose plans differ in cost, and a joint table's marginals."""

from __future__ import annotations

import itertools

import numpy as np

from ..metrics.transport import emd_plan, marginals, plan_cost, random_coupling

BOXES_FROM = np.array([1, 1, 1, 2, 3, 3], dtype=float)
BOXES_TO = np.array([7, 8, 9, 9, 10, 10], dtype=float)
# The example's plan: boxes 1→7, 2→10, 3→10, 4→8, 5→9, 6→9 (as target slot indices).
EXAMPLE_SLOTS = [0, 4, 5, 1, 2, 3]
# Unit boxes whose plans cost 2 to 14: the optimum, 2, is POT's LP and the cheapest of all 5!
# one-to-one plans (the LP's optimum lies at a vertex of the plan polytope, a permutation).
CHEAPEST_FROM = np.array([0, 0, 1, 3, 4], dtype=float)
CHEAPEST_TO = np.array([0, 1, 1, 3, 5], dtype=float)
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
    cheapest, cheapest_cost = emd_plan(CHEAPEST_FROM, CHEAPEST_TO, np.ones(5), np.ones(5))
    enumerated = np.array([np.abs(CHEAPEST_FROM - CHEAPEST_TO[list(p)]).sum()
                           for p in itertools.permutations(range(5))])
    scalars = {"emd_cost": cost, "example_plan_cost": costs[1], "plan_cost_spread": costs.max() - costs.min(),
               "plan_marginal_error": marginal_err,
               "joint_marginal_x_error": float(np.abs(p_x - JOINT_P_X).max()),
               "joint_marginal_y_error": float(np.abs(p_y - JOINT_P_Y).max()),
               "cheapest_emd_cost": cheapest_cost, "cheapest_enumerated_min": float(enumerated.min()),
               "cheapest_enumerated_max": float(enumerated.max()),
               "cheapest_optimal_plans": float((enumerated == enumerated.min()).sum())}
    return scalars, {"plan": plan, "example_plan": example, "x": BOXES_FROM, "y": BOXES_TO, "joint": JOINT,
                     "cheapest_plan": cheapest, "cheapest_x": CHEAPEST_FROM, "cheapest_y": CHEAPEST_TO,
                     "cheapest_costs": enumerated}
