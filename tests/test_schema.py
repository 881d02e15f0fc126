"""Strict validation: each bad input gives one line naming file, field and what is allowed."""

import textwrap

import pytest
import yaml

from wgan_bench.cli import main
from wgan_bench.config.loader import load_experiment
from wgan_bench.errors import UserError

from .conftest import TINY_EXPERIMENT

BASE = yaml.safe_load(textwrap.dedent(TINY_EXPERIMENT))


def _write(tmp_path, data, name="tiny"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def _errors(tmp_path, mutate, base=None) -> list[str]:
    """The problems loading `base` (default: the tiny experiment) after `mutate` gives."""
    data = yaml.safe_load(yaml.safe_dump(BASE if base is None else base))
    mutate(data)
    with pytest.raises(UserError) as exc:
        load_experiment(_write(tmp_path, data))
    return exc.value.problems


def test_valid_file_loads(tmp_path):
    exp = load_experiment(_write(tmp_path, BASE))
    runs = exp.resolve("quick")
    assert [r.run_id for r in runs] == ["clip-s0", "clip-s1", "gp-s0", "gp-s1"]
    gp = runs[2].config
    # A method is a record: the GP variant does not inherit the clipping default's `clip`.
    assert gp.method.name == "wgan_gp" and "clip" not in gp.method.model_dump()
    assert runs[0].config.method.clip == 0.1 and "gp_weight" not in runs[0].config.method.model_dump()


@pytest.mark.parametrize("mutate,field,allowed", [
    (lambda d: d["defaults"]["method"].update(clip=0), "variants.clip.method.clip", "greater than 0"),
    (lambda d: d["defaults"]["method"].update(clip=-0.5), "method.clip", "greater than 0"),
    (lambda d: d["defaults"]["method"].update(n_critic=0), "method.n_critic", "greater than or equal to 1"),
    (lambda d: d["defaults"]["train"].update(batch_size=0), "train.batch_size", "greater than or equal to 1"),
    (lambda d: d["defaults"]["dataset"].update(name="lsun"), "dataset.name", "unknown data set 'lsun'; allowed: 8gaussians, 25gaussians, swissroll, spiral, parallel_lines, gaussian_1d, digits, mnist, fashion_mnist, cifar10, image_folder"),
    (lambda d: d["defaults"]["method"].update(name="lsgan"), "method.name", "unknown method 'lsgan'; allowed: gan, wgan, wgan_gp, wgan_sn"),
    (lambda d: d["defaults"]["critic"].update(kind="resnet"), "critic.kind", "unknown critic kind 'resnet'; allowed: mlp, dcgan"),
    (lambda d: d["defaults"]["train"].update(steps="many"), "train.steps", "valid integer"),
    (lambda d: d["defaults"]["method"].update(clipp=0.1), "method.clipp", "unknown field; allowed: burst_every, burst_first, clip, n_critic, n_critic_burst, name"),
    # A method is a record: a field of another method is an error, naming the chosen method's fields.
    (lambda d: d["variants"]["clip"].update(method={"gp_weight": 5}), "variants.clip.method.gp_weight", "unknown field; allowed: burst_every, burst_first, clip, n_critic"),
    (lambda d: d["variants"]["gp"]["method"].update(clip=0.01), "variants.gp.method.clip", "unknown field; allowed: burst_every, burst_first, gp_one_sided, gp_weight"),
    (lambda d: d["variants"]["gp"]["method"].update(name="gan", gan_loss="wasserstein"), "method.gan_loss", "a Wasserstein loss; method gan takes one of minimax, non_saturating"),
    (lambda d: d["variants"]["gp"]["method"].update(name="gan", gan_loss="hinge"), "method.gan_loss", "unknown loss 'hinge'; allowed: minimax, non_saturating, wasserstein"),
    (lambda d: d["defaults"]["critic"].update(activation="gelu"), "critic.activation", "unknown activation 'gelu'; allowed: relu, leaky_relu, tanh, elu"),
    (lambda d: d["variants"]["gp"].update(optimiser={}), "variants.gp.optimiser", "unknown field; allowed: critic"),
    (lambda d: d["profiles"]["quick"].update(train={"stepz": 3}), "profiles.quick.train.stepz", "unknown field"),
    (lambda d: d["profiles"]["quick"].update(variants=["nope"]), "profiles.quick.variants.0", "unknown variant 'nope'"),
    (lambda d: d.update(colour="red"), "colour", "unknown field; allowed: architectures, claims"),
    (lambda d: d["claims"][0]["check"].update(variant="nope"), "claims.0.check.variant", "unknown variant 'nope'; allowed: clip, gp"),
    (lambda d: d["claims"][0]["check"].update(op="=="), "claims.0.check.op", "'<', '<=', '>', '>=' or '~='"),
    (lambda d: d["claims"][0]["check"].update(kind="vibes"), "claims.0.check.kind", "unknown check kind 'vibes'; allowed: threshold, comparison, order, success_count, relation, any_of, all_of"),
    # The error lists the fields of the member the input's kind chose, not the union's first member.
    (lambda d: d["claims"][0].update(check={"kind": "comparison", "a": "clip", "b": "gp", "metric": "d_loss", "op": "<", "factr": 2}), "claims.0.check.factr", "unknown field; allowed: a, aggregate, b, factor, kind, layer, margin, metric, min_seeds, op, per_seed, reduce, step"),
    (lambda d: d.update(report={"figures": [{"kind": "metric_curve", "metric": "d_loss", "lgo": True}]}), "report.figures.0.lgo", "unknown field; allowed: caption, kind, layer, lines, log, median_filter, metric, rho_from, rho_with, title, variants, x"),
    (lambda d: d.update(report={"figures": [{"kind": "theta_grad_curves", "variantz": []}]}), "report.figures.0.variantz", "unknown field; allowed: caption, kind, title, variants"),
    (lambda d: d["defaults"]["train"].update(steps=25), "train.steps", "multiple of record.every"),
])
def test_bad_values_name_file_field_and_allowed(tmp_path, mutate, field, allowed):
    problems = _errors(tmp_path, mutate)
    assert any(p.startswith(str(tmp_path / "tiny.yaml")) and field in p and allowed in p for p in problems), problems


def test_name_must_match_file(tmp_path):
    with pytest.raises(UserError) as exc:
        load_experiment(_write(tmp_path, BASE, name="other"))
    assert "name: must equal the file name stem 'other'" in exc.value.problems[0]


def test_malformed_yaml_is_one_line(tmp_path):
    path = _write(tmp_path, "name: tiny\nvariants: {a: [1, 2\n")
    with pytest.raises(UserError) as exc:
        load_experiment(path)
    (only,) = exc.value.problems
    assert "malformed YAML" in only and "line" in only


def test_unknown_profile_and_set(tmp_path):
    exp = load_experiment(_write(tmp_path, BASE))
    with pytest.raises(UserError, match="profiles: no profile 'huge'; allowed: default, "):
        exp.resolve("huge")
    with pytest.raises(UserError, match="method.clip"):
        exp.resolve("quick", overrides=["method.clip=-1"])
    assert exp.resolve("quick", overrides=["train.steps=40"])[0].config.train.steps == 40


def test_cli_validate_exit_codes(tmp_path, capsys):
    good = _write(tmp_path, BASE)
    assert main(["validate", str(good)]) == 0
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data["defaults"]["method"]["clip"] = -1
    bad = tmp_path / "bad" / "tiny.yaml"
    bad.parent.mkdir()
    bad.write_text(yaml.safe_dump(data))
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "method.clip" in err and str(bad) in err


def test_cli_missing_file_and_results(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "none.yaml")]) == 2
    assert main(["report", "--results", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "no such experiment file" in err and "results folder not found" in err and "Traceback" not in err


def test_shipped_experiments_validate():
    from pathlib import Path

    for path in sorted(Path(__file__).resolve().parents[1].glob("experiments/*.yaml")):
        load_experiment(path)


def test_analysis_variants_do_not_inherit_training_fields(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data["variants"]["ot"] = {"task": "analysis", "analysis": "box_transport"}
    data["profiles"]["quick"]["train"] = {"steps": 40}
    exp = load_experiment(_write(tmp_path, data))
    runs = {r.variant: r.config for r in exp.resolve("quick", overrides=["train.steps=60"])}
    assert runs["ot"].task == "analysis" and runs["ot"].total_steps == 1
    assert runs["clip"].train.steps == 60
    data["variants"]["ot"]["analysis"] = "tea_leaves"
    with pytest.raises(UserError) as exc:
        load_experiment(_write(tmp_path, data))
    assert any("variants.ot.analysis: unknown analysis 'tea_leaves'; allowed: gaussian_divergences, parallel_lines, "
               "box_transport" in p for p in exc.value.problems), exc.value.problems


def test_fixed_generator_rules(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data["defaults"]["generator"] = {"kind": "shift", "theta": 2.0}
    problems = _errors(tmp_path, lambda d: d.update(defaults={**data["defaults"]}))
    assert any("train_generator: false" in p for p in problems)
    data["defaults"]["train"]["train_generator"] = False
    data["defaults"]["record"]["diagnostics"] = ["critic_grid"]
    problems = _errors(tmp_path, lambda d: d.update(defaults={**data["defaults"]}))
    assert any("critic_grid needs 1-D data" in p for p in problems)
    data["defaults"]["generator"]["depth"] = 3
    problems = _errors(tmp_path, lambda d: d.update(defaults={**data["defaults"]}))
    assert any("generator.depth: unknown field" in p for p in problems)


def _image_base():
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data["defaults"].update(dataset={"name": "digits", "size": 16},
                            generator={"kind": "constant_filter", "filters": 8, "kernel_size": 3},
                            critic={"kind": "dcgan", "filters": 8, "kernel_size": 3},
                            record={"every": 10, "diagnostics": ["digit_scores"]})
    data["variants"]["mlp"] = {"generator": {"kind": "mlp", "depth": 4, "width": 64}}
    data["claims"], data["regression"] = [], []  # their metrics are not recorded by digit_scores
    return data


def test_variant_switching_net_kind_drops_the_defaults_other_kind_fields(tmp_path):
    runs = load_experiment(_write(tmp_path, _image_base())).resolve("quick", variants=["mlp", "clip"])
    mlp = next(r for r in runs if r.variant == "mlp").config.generator
    assert mlp.kind == "mlp" and mlp.width == 64 and not hasattr(mlp, "filters")
    assert next(r for r in runs if r.variant == "clip").config.generator.filters == 8


@pytest.mark.parametrize("mutate,field,msg", [
    (lambda d: d["variants"]["mlp"]["generator"].update(filters=8), "variants.mlp.generator.filters", "unknown field"),
    (lambda d: d["defaults"]["dataset"].update(size=12), "dataset", "power of two"),
    (lambda d: d["defaults"]["dataset"].update(name="image_folder"), "dataset", "needs the folder"),
    (lambda d: d["defaults"].update(dataset={"name": "8gaussians", "size": 16}), "dataset", "for image data sets"),
    (lambda d: d["defaults"]["dataset"].update(synthetic=100), "dataset", "dataset.synthetic is for cifar10 only"),
    (lambda d: d["defaults"]["dataset"].update(name="cifar10", synthetic=100, root="x"), "dataset",
     "give root (the real files) or synthetic, not both"),
    (lambda d: d.update(claims=[{"id": "c", "statement": "s", "source": "s", "profiles": ["huge"],
                                 "check": {"kind": "threshold", "variant": "clip", "metric": "d_loss", "op": "<",
                                           "value": 1}}]),
     "claims.0.profiles.0", "unknown profile 'huge'; allowed: ci, quick"),
    (lambda d: d["defaults"].update(critic={"kind": "mlp"}), "variants.clip", "critic.kind mlp does not take image data; allowed: dcgan"),
    (lambda d: d["defaults"]["dataset"].update(name="image_folder", root="x"), "variants.clip",
     "streamed in training batches"),
    (lambda d: d["defaults"]["dataset"].update(name="fashion_mnist") or d["defaults"]["record"].update(
        diagnostics=["sample_quality"]), "variants.clip", "record.diagnostics sample_quality needs 2-D toy data"),
])
def test_image_config_errors(tmp_path, mutate, field, msg):
    problems = _errors(tmp_path, mutate, _image_base())
    assert any(field in p and msg in p for p in problems), problems
