"""The benchmark harness's FLOP accounting: the hand count against the issue's figures and
against the matrix products XLA actually executes."""

import sys
from types import SimpleNamespace

import pytest

from .conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from flops import dot_gflop, executed_gflop
from workloads import GP, WORKLOADS, MLPWorkload


def test_toy_gp_needs_the_issues_16_15_gflop():
    needed = WORKLOADS["toy-gp"].needed_gflop()
    assert sum(needed.values()) == pytest.approx(16.15, abs=0.005)
    # Weight gradients: 3 of the 8 batch-sized passes of a GP critic update, 1 of 5 for the generator.
    assert needed["batch_contracted"] / sum(needed.values()) == pytest.approx(0.267, abs=0.005)


def test_dot_gflop_counts_a_matmul_from_hlo_text():
    hlo = ("%a = f32[256,512]{1,0} parameter(0)\n%b = f32[512,64]{1,0} parameter(1)\n"
           "%d = f32[256,64]{1,0} dot(%a, %b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n")
    assert dot_gflop(hlo) == 2 * 256 * 512 * 64 / 1e9
    with pytest.raises(ValueError, match="only f32"):  # a bf16 product must not count as 0
        dot_gflop(hlo.replace("%d = f32", "%d = bf16"))


SMALL_2D_GP = MLPWorkload("small-2d-gp", "3 x 96 MLPs, batch 32, WGAN-GP", "8gaussians", 3, 96, 32, GP)


@pytest.mark.parametrize("workload", [WORKLOADS["small-1d"], SMALL_2D_GP], ids=lambda w: w.name)
def test_hand_count_matches_what_xla_executes(tf_ready, workload):
    from wgan_bench.runner.train import Trainer

    model = Trainer().compiled(workload.config(2, 1)).model
    executed = executed_gflop(lambda: model.train_step(None))
    # XLA lowers products with a contraction of size 1 (1-D data's first layer) as element-wise
    # multiplies, not dots: 1.4 % of small-1d's hand count. The penalty's wasted path would be +16 %.
    assert executed == pytest.approx(sum(workload.needed_gflop().values()), rel=0.02)


def test_convolution_flops_from_xla_match_the_closed_form(tf_ready):
    """A strided conv, its input gradient (XLA: an input-dilated conv, whose inserted zeros are no
    work) and its kernel gradient each cost 2 · N · Ho · Wo · Cout · k² · Cin."""
    import tensorflow as tf

    x, k = tf.random.normal((8, 16, 16, 3)), tf.random.normal((3, 3, 3, 5))

    def conv_and_grads():
        with tf.GradientTape() as tape:
            tape.watch([x, k])
            y = tf.nn.conv2d(x, k, 2, "SAME")
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, [x, k])

    one_conv = 2 * 8 * 8 * 8 * 5 * 3 * 3 * 3
    assert executed_gflop(lambda: tf.nn.conv2d(x, k, 2, "SAME")) * 1e9 == pytest.approx(one_conv)
    assert executed_gflop(conv_and_grads) * 1e9 == pytest.approx(3 * one_conv)


def test_replay_gives_each_batch_to_the_first_free_worker():
    from replay import makespan

    specs = {k: SimpleNamespace(key=k) for k in "abcde"}
    seconds = {"a": 3.0, "b": 2.0, "c": 2.0, "d": 0.5, "e": 0.5}
    batches = [[specs["a"]], [specs["b"]], [specs["c"]], [specs["d"], specs["e"]]]
    # a on one worker (0-3); b (0-2) then c (2-4) on the other; d+e go to the first free, at 3.
    assert makespan(batches, seconds, 2) == 4.0
    assert makespan(batches, seconds, 1) == 8.0


def test_budget_cuts_where_a_shorter_run_records_the_same():
    import pandas as pd
    from budget import cut_step, truncate

    from wgan_bench.config.schema import RecordConfig

    def cfg(steps, **record):
        return SimpleNamespace(train=SimpleNamespace(steps=steps), record=RecordConfig(**record))

    # 600 is not a quality step: a 600-step run would record quality at 600, which the stored
    # run never did, so the cut snaps down to 500.
    assert cut_step(cfg(1000, every=50, quality_every=250), 0.6) == 500
    assert cut_step(cfg(1000, every=50, quality_every=250), 0.75) == 750
    assert cut_step(cfg(2000, every=50, quality_at=[0, 1000, 2000]), 0.6) == 1200
    assert cut_step(cfg(1500, every=100), 0.5) == 700

    runs = pd.DataFrame({"run_id": ["a", "b", "c"], "status": ["diverged", "diverged", "ok"],
                         "steps": [900, 300, 1000], "wall_s": [90.0, 30.0, 100.0]})
    history = pd.DataFrame({"run_id": ["a"] * 3 + ["b"] * 2 + ["c"] * 3, "step": [0, 500, 900, 0, 300, 0, 500, 1000]})
    cut_runs, cut_history = truncate(runs, history, {"a": 500, "b": 500, "c": 500})
    assert cut_runs["status"].tolist() == ["ok", "diverged", "ok"]  # a diverged after the cut, b before it
    assert cut_runs["steps"].tolist() == [500, 300, 500]
    assert cut_runs["wall_s"].tolist() == pytest.approx([50.0, 30.0, 50.0])
    assert cut_history["step"].tolist() == [0, 500, 0, 300, 0, 500]
