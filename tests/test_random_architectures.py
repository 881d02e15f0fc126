"""Random architectures (WGAN-GP Sec. 5.1): the seeded sampler, its YAML, the conv nets it
shapes, the success-count claim and its figure."""

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from wgan_bench.claims.engine import evaluate_claims
from wgan_bench.config import architectures
from wgan_bench.config.loader import load_experiment
from wgan_bench.config.schema import ArchitectureSpace, Experiment
from wgan_bench.errors import UserError

from .test_claims import _tables
from .test_schema import _errors, _image_base, _write

SPACE = {"generator": {"depth": [2, 3, 5], "activation": ["relu", "tanh"]},
         "critic": {"norm": {"gan": ["batch", "none"], "gp": ["layer", "none"]}, "filters": [4, 8]}}


def _random_base():
    data = _image_base()
    data["defaults"].update(generator={"kind": "conv", "filters": 4, "kernel_size": 3},
                            critic={"kind": "conv", "filters": 4, "kernel_size": 3})
    data["defaults"]["method"] = {"name": "wgan_gp", "gp_weight": 10, "n_critic": 5}
    data["variants"] = {"gan": {"method": {"name": "gan"}}, "gp": {}}
    data["report"] = {}
    data["architectures"] = yaml.safe_load(yaml.safe_dump(SPACE))
    data["profiles"] = {"quick": {"seeds": {"count": 6}}, "big": {"seeds": {"count": 3, "first": 10},
                                                                   "architectures": {"generator": {"depth": [7]}}}}
    return data


def test_a_seed_names_one_architecture_shared_by_the_variants_with_position_coupled_choices():
    space = ArchitectureSpace.model_validate(SPACE)
    gan, gp = architectures.draw(space, 3, "gan"), architectures.draw(space, 3, "gp")
    assert gan["generator"] == gp["generator"] and gan["critic"]["filters"] == gp["critic"]["filters"]
    # the same position of each variant's own list: batch norm for the GAN exactly where GP has layer norm
    for seed in range(40):
        pair = tuple(architectures.draw(space, seed, v)["critic"]["norm"] for v in ("gan", "gp"))
        assert pair in (("batch", "layer"), ("none", "none"))
    # a hash of (seed, field): fixed forever, not a library's random stream
    assert architectures.position(0, "generator.depth", 3) == int.from_bytes(
        __import__("hashlib").sha256(b"0:generator.depth").digest()[:8], "big") % 3
    draws = [architectures.draw(space, s, "gp")["generator"]["depth"] for s in range(300)]
    assert {d: draws.count(d) for d in (2, 3, 5)} == pytest.approx({2: 100, 3: 100, 5: 100}, abs=30)
    assert [architectures.nth(space, i, "gan")["generator"]["depth"] for i in range(3)] == [2, 3, 5]
    assert architectures.widest(space) == 3


def test_the_loader_draws_per_seed_and_a_profile_may_replace_the_space(tmp_path):
    exp = load_experiment(_write(tmp_path, _random_base()))
    runs = exp.resolve("quick")
    assert sorted({r.seed for r in runs}) == [0, 1, 2, 3, 4, 5] and len(runs) == 12  # seeds: {count: 6}
    space = exp.spec.architectures
    for r in runs:
        drawn = architectures.draw(space, r.seed, r.variant)
        assert r.config.generator.depth == drawn["generator"]["depth"]
        assert r.config.critic.norm == drawn["critic"]["norm"] and r.config.critic.filters == drawn["critic"]["filters"]
        assert r.config.generator.filters == 4  # fields outside the space keep the defaults
    big = exp.resolve("big")
    assert sorted({r.seed for r in big}) == [10, 11, 12] and {r.config.generator.depth for r in big} == {7}
    assert {r.config.critic.filters for r in big} == {4}  # the profile's space has no critic fields


@pytest.mark.parametrize("mutate,field,msg", [
    (lambda d: d["architectures"]["critic"].update(norm={"gan": ["batch", "none"], "gp": ["layer"]}),
     "architectures.critic", "same number of choices"),
    (lambda d: d["architectures"]["critic"].update(norm={"gan": ["batch"], "gpx": ["layer"]}),
     "architectures.critic.norm", "unknown variant(s) gpx"),
    (lambda d: d["architectures"]["critic"].update(norm={"gan": ["batch"]}),
     "architectures.critic.norm", "no choices for variant(s) gp"),
    (lambda d: d["architectures"]["generator"].update(depth=[2, 1]), "architectures",
     "generator.depth 1: a 16 x 16 image needs at least 2 conv layers"),
    (lambda d: d["architectures"]["generator"].update(activation=["relu", "swish"]),
     "architectures.generator.activation", "swish"),
    (lambda d: d["architectures"]["generator"].update(depth=[]), "architectures.generator", "at least one choice"),
    (lambda d: d["profiles"]["big"]["architectures"]["generator"].update(depth=[1]),
     "profiles.big.architectures", "generator.depth 1: a 16 x 16 image needs at least 2 conv layers"),
    (lambda d: d["profiles"]["quick"].update(seeds={"count": 0}), "profiles.quick.seeds", "greater than or equal to 1"),
])
def test_bad_spaces_name_the_field(tmp_path, mutate, field, msg):
    problems = _errors(tmp_path, mutate, _random_base())
    assert any(field in p and msg in p for p in problems), problems


def test_conv_nets_take_depth_and_nonlinearity_and_default_to_dcgan(tf_ready):
    import keras

    from wgan_bench.nets import dcgan

    g = dcgan.DCGANGenerator(16, 1, filters=4, kernel_size=3, batch_norm=False, depth=4, activation="tanh")
    g(keras.ops.zeros((2, 8)))
    convs = [b for b in g.blocks if isinstance(b, keras.layers.Conv2DTranspose)]
    assert [c.strides for c in convs] == [(1, 1), (1, 1), (2, 2), (2, 2)]  # 2 extra at 4x4, then 8x8, 16x16
    assert [c.filters for c in convs] == [8, 8, 4, 1]
    acts = [b for b in g.blocks if isinstance(b, keras.layers.Activation)]
    assert [a.activation.__name__ for a in acts] == ["tanh"] * 4 + ["tanh"]  # 4 hidden, then the output's tanh
    # z 8 -> 4x4x8 dense; two stride-1 3x3 8->8; 8->4; 4->1 (all with bias, no BN)
    assert g.count_params() == (8 * 128 + 128) + 2 * (9 * 64 + 8) + (9 * 8 * 4 + 4) + (9 * 4 + 1)
    d = dcgan.DCGANCritic(16, 1, filters=4, kernel_size=3, norm="layer", depth=3, activation="scaled_softplus")
    d(keras.ops.zeros((2, 16, 16, 1)))
    assert [tuple(k.shape) for k in d.kernels()] == [(3, 3, 1, 4), (3, 3, 4, 8), (3, 3, 8, 8), (128, 1)]
    assert len(d.block_ends) == 3
    assert [d.blocks[i].activation.__name__ for i in d.block_ends] == ["scaled_softplus"] * 3
    plain = dcgan.DCGANCritic(16, 1, filters=4, kernel_size=3)
    plain(keras.ops.zeros((2, 16, 16, 1)))
    assert [type(b).__name__ for b in plain.blocks] == ["Conv2D", "LeakyReLU"] * 2 + ["Flatten", "Dense"]
    with pytest.raises(ValueError, match="below the 2 stride-2 layers"):
        dcgan.DCGANCritic(16, 1, depth=1)


def test_the_factory_builds_each_drawn_architecture(tmp_path, tf_ready):
    import keras

    from wgan_bench.nets.factory import dcgan_critic, dcgan_generator

    name = {"relu": "masked_relu"}  # the registry's relu
    for run in load_experiment(_write(tmp_path, _random_base())).resolve("quick"):
        if run.variant != "gp":
            continue
        gen, crit = run.config.generator, run.config.critic
        g, d = dcgan_generator(gen, (16, 16, 1)), dcgan_critic(crit, (16, 16, 1))
        assert len(g.kernels()) == 1 + gen.depth and len(d.kernels()) == (crit.depth or 2) + 1  # dense in; dense out
        hidden = {b.activation.__name__ for b in g.blocks[:-1] if isinstance(b, keras.layers.Activation)}
        assert hidden == {name.get(gen.activation, gen.activation)}
        assert {d.blocks[i].activation.__name__ for i in d.block_ends} == {name.get(crit.activation, crit.activation)}
        assert any(isinstance(b, keras.layers.GroupNormalization) for b in d.blocks) == (crit.norm == "layer")


def test_a_profile_that_inherits_the_space_is_validated_with_it(tmp_path):
    data = _random_base()
    data["profiles"]["quick"]["dataset"] = {"size": 32}  # 32 x 32 needs 3 conv layers; the space offers 2
    with pytest.raises(UserError) as exc:
        load_experiment(_write(tmp_path, data))
    assert any("architectures" in p and "a 32 x 32 image needs at least 3" in p for p in exc.value.problems)
    data = _random_base()
    data["variants"]["gan"]["method"]["gan_loss"] = "hinge"  # the variant's own error, reported once, at its path
    with pytest.raises(UserError) as exc:
        load_experiment(_write(tmp_path, data))
    assert exc.value.problems and not any("architectures" in p for p in exc.value.problems)


def test_scaled_softplus_closed_form(tf_ready):
    from wgan_bench.nets.activations import scaled_softplus

    x = np.array([-30.0, -1.0, 0.0, 30.0], dtype="float32")
    want = np.log1p(np.exp(2 * x + 2)) / 2 - 1
    np.testing.assert_allclose(np.asarray(scaled_softplus(x)), want, rtol=1e-6, atol=1e-6)
    assert float(scaled_softplus(np.float32(-30.0))) == pytest.approx(-1.0)
    assert want[1] == pytest.approx(np.log(2) / 2 - 1)


def _success_spec(margin=0.25):
    return Experiment.model_validate({
        "name": "t", "title": "t", "source": "s", "defaults": {}, "seeds": [0], "variants": {"a": {}, "b": {}},
        "claims": [{"id": "more", "statement": "s", "source": "s",
                    "check": {"kind": "success_count", "a": "a", "b": "b", "metric": "r", "op": ">=", "value": 0.4,
                              "margin": margin}}]})


def test_success_count_counts_architectures_with_diverged_runs_as_failures():
    # final values; step 0 = untrained (0.1 everywhere): the control fails both arms alike
    a = {0: 0.5, 1: 0.6, 2: 0.45, 3: 0.2, 4: 0.7, 5: 0.9}
    b = {0: 0.5, 1: 0.1, 2: 0.2, 3: 0.41, 4: 0.0, 5: 0.3}
    values = {**{("a", s): [0.1, v] for s, v in a.items()}, **{("b", s): [0.1, v] for s, v in b.items()}}
    runs, hist = _tables(values, status={"b-s4": "diverged"})
    (o,) = evaluate_claims(_success_spec(), runs, hist)
    # a succeeds on 0, 1, 2, 4, 5 (5/6); b on 0, 3 (2/6; s4 diverged counts as a failure)
    assert o.status == "PASS" and o.measured == pytest.approx(3 / 6) and o.threshold == 0.25 and o.op == ">="
    assert "only a 4, only b 1, both 1, neither 0" in o.detail
    assert o.p_value == pytest.approx((math.comb(5, 4) + 1) / 2 ** 5)  # 4 of 5 discordant pairs favour a
    assert o.ci_low <= 0.5 <= o.ci_high and o.ci_high - o.ci_low > 0  # 6 seeds: a bootstrap interval
    assert o.control_status == "FAIL" and o.control_measured == 0.0
    (strict,) = evaluate_claims(_success_spec(margin=0.6), runs, hist)
    assert strict.status == "FAIL"
    runs_a, hist_a = _tables({("a", 0): [0.1, 0.9]})
    assert evaluate_claims(_success_spec(), runs_a, hist_a)[0].status == "INCONCLUSIVE"  # no runs of b


def test_success_count_keeps_every_stored_architecture_in_the_denominator():
    values = {**{("a", s): [0.1, 0.9 if s < 2 else 0.1] for s in range(8)}, **{("b", s): [0.1, 0.1] for s in range(8)}}
    # seeds 4-7: both arms diverged; a succeeds on 0 and 1 of 8 stored architectures: 0.25 - 0 = 0.25
    status = {f"{v}-s{s}": "diverged" for v in "ab" for s in range(4, 8)}
    runs, hist = _tables(values, status=status)
    (o,) = evaluate_claims(_success_spec(margin=0.3), runs, hist)
    assert o.status == "FAIL" and o.measured == pytest.approx(2 / 8)  # not 2/4
    # every run of b diverged: the most decisive outcome, a verdict rather than INCONCLUSIVE
    runs, hist = _tables(values, status={f"b-s{s}": "diverged" for s in range(8)})
    (o,) = evaluate_claims(_success_spec(), runs, hist)
    assert o.status == "PASS" and o.measured == pytest.approx(2 / 8)
    # an unfinished sweep: b stored for seeds 0-2 only; the rest are left out and named, not failures
    runs, hist = _tables({k: v for k, v in values.items() if k[0] == "a" or k[1] < 3})
    (o,) = evaluate_claims(_success_spec(), runs, hist)
    assert o.measured == pytest.approx(2 / 3) and "left out, one arm not stored: s3, s4, s5, s6, s7" in o.detail


def test_success_count_margin_must_leave_the_control_failing():
    with pytest.raises(ValueError, match="greater than 0"):
        _success_spec(margin=0.0)


def test_success_curve_counts_each_threshold_and_pairs_each_architecture():
    import matplotlib.pyplot as plt

    from wgan_bench.config.schema import SuccessCurveFigure
    from wgan_bench.report.figures import success_curve

    runs, hist = _tables({("gan", 0): [0.1, 0.2], ("gan", 1): [0.1, 0.6], ("gp", 0): [0.1, 0.5], ("gp", 1): [0.1, 0.7],
                          ("gan", 2): [0.1, 0.9], ("gp", 2): [0.1, 0.8]}, status={"gan-s2": "diverged"})
    store = type("Store", (), {"runs": lambda self: runs, "history": lambda self: hist})()
    fig = success_curve(SuccessCurveFigure(kind="success_curve", metric="r", variants=["gan", "gp"], mark=0.4), store)
    left, right = fig.axes
    gan, gp = left.get_lines()[:2]
    at = np.searchsorted(gan.get_xdata(), 0.4)
    assert gan.get_ydata()[at] == pytest.approx(1 / 3) and gp.get_ydata()[at] == pytest.approx(1.0)
    offsets = np.ma.filled(right.collections[0].get_offsets(), np.nan)
    assert np.isnan(offsets[2][0]) and list(offsets[1]) == [0.6, 0.7]  # seed 2's GAN run diverged: no point
    plt.close(fig)


def test_the_bundled_experiment_resolves_its_profiles():
    from wgan_bench.cli import BUNDLED_EXPERIMENTS

    exp = load_experiment(BUNDLED_EXPERIMENTS / "random_architectures.yaml")
    assert len(exp.resolve("quick")) == 24 and len(exp.resolve("paper")) == 400
    paper = exp.resolve("paper")
    assert {r.config.generator.depth for r in paper} == {4, 8, 12, 20}
    assert {r.config.critic.norm for r in paper if r.variant == "gan"} == {"batch", "none"}
    assert all(r.config.critic.norm in ("layer", "none") for r in paper if r.variant == "gp")
    assert pd.Series([r.config.critic.filters for r in paper]).isin([32, 64, 128]).all()
    ci = exp.resolve("ci")  # one fixed architecture over its seeds: the gate measures training's spread
    assert len({(r.config.generator, r.config.critic) for r in ci if r.variant == "gp"}) == 1 and len(ci) == 8
