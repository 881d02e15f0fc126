"""Runs without training (`task: analysis`): closed forms and exact optimal transport.

Each analysis takes an `AnalysisConfig` and a seed and returns (scalar metrics, artifacts);
the runner stores the scalars as history at step 0, like any other run. No TensorFlow.
"""

from __future__ import annotations

import time

from ..runner.result import RunResult
from .divergence_curves import gaussian_divergences
from .parallel_lines import parallel_lines
from .transport_examples import box_transport

ANALYSES = {"box_transport": box_transport, "gaussian_divergences": gaussian_divergences,
            "parallel_lines": parallel_lines}


def run_analysis(spec) -> RunResult:
    t0 = time.perf_counter()
    scalars, artifacts = ANALYSES[spec.config.analysis](spec.config, spec.seed)
    rows = [{"run_id": spec.run_id, "variant": spec.variant, "seed": spec.seed, "step": 0, "metric": name,
             "value": float(value), "layer": None} for name, value in scalars.items()]
    return RunResult(spec.run_id, spec.variant, spec.seed, "ok", 1, time.perf_counter() - t0, rows,
                     {"analysis": artifacts})
