"""Bring your own method: a package outside the repo registers a Lipschitz method and a loss
(examples/my_method/my_method.py, the README's example) and uses them by name in its own YAML."""

import sys
import textwrap

import pytest

from wgan_bench import registry
from wgan_bench.config.loader import load_experiment
from wgan_bench.errors import UserError

from .conftest import REPO

PLUGIN_YAML = """
name: mine
title: The LP penalty and the hinge loss against the gradient penalty
source: tests
defaults:
  dataset: {name: 8gaussians}
  generator: {depth: 2, width: 16}
  critic: {depth: 3, width: 16}
  method: {name: wgan_lp, lp_weight: 10, n_critic: 2}
  optimizer: {name: adam, learning_rate: 1.0e-3}
  train: {steps: 20, batch_size: 32}
  record: {every: 10, diagnostics: [layer_grad_norms]}
variants:
  lp: {}
  hinge: {method: {name: gan, gan_loss: hinge, n_critic: 1}}
seeds: [0]
claims:
  - id: lp-flat
    statement: the LP critic's gradients stay within 3 decades across layers
    source: tests
    check: {kind: threshold, variant: lp, metric: grad_log_ratio, abs: true, op: "<=", value: 3}
"""


@pytest.fixture
def plugin(monkeypatch):
    """examples/my_method/my_method.py importable as `my_method`, its entries removed afterwards."""
    monkeypatch.syspath_prepend(str(REPO / "examples" / "my_method"))
    yield
    registry.METHODS.unregister("wgan_lp")
    registry.LOSSES.unregister("hinge")
    sys.modules.pop("my_method", None)


def _write(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(textwrap.dedent(PLUGIN_YAML))
    return path


def test_unregistered_names_are_errors_that_list_the_registry(tmp_path):
    with pytest.raises(UserError) as exc:
        load_experiment(_write(tmp_path))
    assert any("defaults.method.name: unknown method 'wgan_lp'; allowed: gan, wgan, wgan_gp, wgan_sn" in p
               for p in exc.value.problems), exc.value.problems


def test_a_registered_method_and_loss_validate_and_train(tmp_path, plugin, tf_ready):
    import my_method

    my_method.register()
    exp = load_experiment(_write(tmp_path))
    runs = {r.variant: r for r in exp.resolve("default")}
    assert runs["lp"].config.method.lp_weight == 10 and runs["hinge"].config.method.gan_loss == "hinge"
    with pytest.raises(UserError, match="method.gp_weight: unknown field; allowed: burst_every, burst_first, "
                                        "lp_weight"):
        exp.resolve("default", overrides=["method.gp_weight=1"])

    from wgan_bench.runner.train import Trainer

    trainer = Trainer(tmp_path / "cache")
    result = trainer.run(runs["lp"])
    assert result.status == "ok", result.error
    penalty = [r["value"] for r in result.history if r["metric"] == "penalty"]
    assert len(penalty) == 2 and all(p >= 0 for p in penalty)  # the method's own penalty is recorded
    assert trainer.compiled(runs["lp"].config).method.penalty_weight == 10
    hinge = trainer.run(runs["hinge"])
    assert hinge.status == "ok", hinge.error
    metrics = {r["metric"] for r in hinge.history}
    assert "w_estimate" not in metrics  # a hinge critic is not a Wasserstein critic


def test_an_entry_point_plugin_is_loaded_on_first_use(monkeypatch, plugin, tmp_path):
    from importlib import metadata

    calls = []

    def entry_points(group):
        calls.append(group)
        return [metadata.EntryPoint("my_method", "my_method:register", group)]

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    monkeypatch.setitem(registry._state, "plugins", False)
    assert "wgan_lp" in registry.METHODS.names()
    assert calls == [registry.PLUGIN_GROUP]
    assert load_experiment(_write(tmp_path)).spec.name == "mine"


def test_registering_twice_or_into_an_unknown_registry_is_an_error(plugin):
    import wgan_bench

    with pytest.raises(ValueError, match="method 'wgan_gp' is already registered"):
        wgan_bench.register("method", "wgan_gp", "x:y")
    with pytest.raises(ValueError, match="unknown registry 'regulariser'; allowed: dataset, generator"):
        wgan_bench.register("regulariser", "x", "x:y")
