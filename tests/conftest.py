"""Shared fixtures. TensorFlow is configured once per session, before any test imports Keras."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Compiled XLA loops go to a folder of this session, not the user's ~/.cache.
XLA_CACHE = os.environ.setdefault("WGAN_BENCH_XLA_CACHE", tempfile.mkdtemp(prefix="wgan-bench-xla-"))


@pytest.fixture(scope="session")
def tf_ready():
    from wgan_bench.tf_setup import configure_tensorflow

    configure_tensorflow()
    import tensorflow as tf

    return tf


def run_without_tensorflow(code: str, cwd, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run Python `code` in a fresh interpreter where importing TensorFlow or Keras fails."""
    blocked = "import sys; sys.modules['tensorflow'] = None; sys.modules['keras'] = None\n"
    return subprocess.run([sys.executable, "-c", blocked + code], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


TINY_EXPERIMENT = """
name: tiny
title: A tiny experiment for tests
source: tests
defaults:
  dataset: {name: 8gaussians}
  generator: {depth: 2, width: 16, z_dim: 2}
  critic: {depth: 3, width: 16}
  method: {name: wgan, clip: 0.1, n_critic: 2}
  optimizer: {name: rmsprop, learning_rate: 1.0e-3}
  train: {steps: 20, batch_size: 32}
  record: {every: 10, diagnostics: [layer_grad_norms, weight_stats, weight_hist]}
variants:
  clip: {}
  gp: {method: {name: wgan_gp, gp_weight: 10}, optimizer: {name: adam, learning_rate: 1.0e-3}}
seeds: [0]
profiles:
  quick: {seeds: [0, 1]}
  ci: {seeds: [0]}
claims:
  - id: gp-flat
    statement: GP keeps gradients flat
    source: tests
    check: {kind: threshold, variant: gp, metric: grad_log_ratio, reduce: final, abs: true, op: "<=", value: 5}
  - id: clip-at-bound
    statement: clipped weights sit at the bound
    source: tests
    check: {kind: threshold, variant: clip, metric: clip_fraction, reduce: final, op: ">=", value: 0.0}
regression:
  - {id: r-gp, variant: gp, metric: grad_log_ratio, reduce: final, atol: 2.0}
report:
  figures:
    - {kind: layer_profile}
    - {kind: weight_hist, variants: [clip]}
    - {kind: metric_curve, metric: w_estimate}
  tables:
    - rows: [{metric: clip_fraction, reduce: initial}, {metric: clip_fraction, reduce: final}]
"""


@pytest.fixture
def tiny_yaml(tmp_path) -> Path:
    exp_dir = tmp_path / "experiments"
    exp_dir.mkdir()
    path = exp_dir / "tiny.yaml"
    path.write_text(textwrap.dedent(TINY_EXPERIMENT))
    return path
