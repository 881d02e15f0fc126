"""The registries are the single source of names: every entry loads, the schema accepts exactly
the registered names, tagged models carry their entry's name, and diagnostics record exactly
the metrics they declare."""

import textwrap

import numpy as np
import pytest
import yaml

from wgan_bench import registry
from wgan_bench.config.loader import load_experiment
from wgan_bench.config.schema import RunConfig
from wgan_bench.errors import UserError

from .conftest import TINY_EXPERIMENT

NO_IMPLEMENTATION = {("norm", "none")}  # "no normalisation layer"


@pytest.mark.parametrize("kind", list(registry.REGISTRIES))
def test_every_entry_loads(kind, tf_ready):
    for entry in registry.REGISTRIES[kind].entries():
        target = entry.load()
        if (kind, entry.name) not in NO_IMPLEMENTATION:
            assert target is not None, (kind, entry.name)


@pytest.mark.parametrize("kind", ["generator", "critic", "check", "figure"])
def test_tagged_models_carry_their_entry_name(kind):
    reg = registry.REGISTRIES[kind]
    for entry in reg.entries():
        field = entry.config.model_fields[reg.key]
        assert field.annotation.__args__ == (entry.name,), (kind, entry.name)


def test_every_method_model_is_a_method_record():
    from wgan_bench.config.schema import MethodConfig

    assert all(issubclass(e.config, MethodConfig) for e in registry.METHODS.entries())


def _base():
    return yaml.safe_load(textwrap.dedent(TINY_EXPERIMENT))


def _problems(tmp_path, mutate) -> list[str]:
    data = _base()
    mutate(data)
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(UserError) as exc:
        load_experiment(path)
    return exc.value.problems


@pytest.mark.parametrize("kind,field,mutate", [
    ("dataset", "defaults.dataset.name", lambda d, v: d["defaults"]["dataset"].update(name=v)),
    ("method", "defaults.method.name", lambda d, v: d["defaults"]["method"].update(name=v)),
    ("critic", "defaults.critic.kind", lambda d, v: d["defaults"]["critic"].update(kind=v)),
    ("activation", "defaults.critic.activation", lambda d, v: d["defaults"]["critic"].update(activation=v)),
    ("diagnostic", "defaults.record.diagnostics.0", lambda d, v: d["defaults"]["record"].update(diagnostics=[v])),
    ("reducer", "claims.0.check.reduce", lambda d, v: d["claims"][0]["check"].update(reduce=v)),
    ("aggregate", "claims.0.check.aggregate", lambda d, v: d["claims"][0]["check"].update(aggregate=v)),
    ("check", "claims.0.check.kind", lambda d, v: d["claims"][0]["check"].update(kind=v)),
    ("figure", "report.figures.0.kind", lambda d, v: d["report"]["figures"][0].update(kind=v)),
])
def test_the_schema_allows_exactly_the_registered_names(tmp_path, kind, field, mutate):
    reg = registry.REGISTRIES[kind]
    problems = _problems(tmp_path, lambda d: mutate(d, "no_such_name"))
    assert any(f"{field}: unknown {reg.what} 'no_such_name'; allowed: {reg.allowed()}" in p for p in problems), \
        problems
    reg.register("no_such_name", "x:y", reg.get(reg.names()[-1]).config)
    try:
        assert not any("unknown" in p and "no_such_name" in p for p in _problems_or_none(tmp_path, mutate))
    finally:
        reg.unregister("no_such_name")


def _problems_or_none(tmp_path, mutate) -> list[str]:
    try:
        return _problems(tmp_path, lambda d: mutate(d, "no_such_name"))
    except pytest.fail.Exception:
        return []


@pytest.mark.parametrize("mutate,expected", [
    (lambda d: d["claims"][0]["check"].update(metric="grad_log_ration"),
     "claims.0.check.metric: unknown metric 'grad_log_ration'; allowed: accuracy, "),
    (lambda d: d["regression"][0].update(metric="grad_norm"),
     "regression.0.metric: metric 'grad_norm' is recorded per layer: give `layer`"),
    (lambda d: d["claims"][1]["check"].update(metric="w_dual"),
     "claims.1.check.metric: variant clip does not record 'w_dual'; it comes from dual_estimate (add it to the "
     "variant's record.diagnostics)"),
    (lambda d: d["report"]["figures"][2].update(metric="w_estimat"),
     "report.figures.2.metric: unknown metric 'w_estimat'"),
    (lambda d: d["report"]["tables"][0]["rows"][0].update(layer=2),
     "report.tables.0.rows.0.metric: metric 'clip_fraction' is not recorded per layer: drop `layer`"),
])
def test_metric_names_are_checked_against_what_diagnostics_declare(tmp_path, mutate, expected):
    problems = _problems(tmp_path, mutate)
    assert any(expected in p for p in problems), problems


def _run_cfg(**over):
    base = dict(dataset={"name": "8gaussians"}, generator={"depth": 2, "width": 16}, critic={"depth": 2, "width": 16},
                method={"name": "wgan", "clip": 0.05, "n_critic": 1},
                optimizer={"name": "rmsprop", "learning_rate": 1e-3},
                train={"steps": 4, "batch_size": 16},
                record={"every": 2, "quality_samples": 64, "w1_samples": 32, "eval_samples": 64,
                        "retrain": {"steps": 8, "points": 4},
                        "diagnostics": ["layer_grad_norms", "dual_estimate", "disc_stats", "sample_quality",
                                        "value_surface", "retrained_critic", "weight_stats", "weight_hist",
                                        "optimizer_step", "dual_convergence", "interp_grad_norms"]})
    base.update(over)
    return RunConfig.model_validate(base)


@pytest.mark.parametrize("cfg", [
    _run_cfg(),
    _run_cfg(dataset={"name": "gaussian_1d"}, generator={"kind": "shift", "theta": 1.0},
             train={"steps": 4, "batch_size": 16, "train_generator": False},
             record={"every": 2, "grad_batches": 2, "eval_samples": 64,
                     "diagnostics": ["theta_grads", "critic_grid", "dual_estimate"]}),
], ids=["2-d", "1-d shift"])
def test_diagnostics_record_exactly_what_they_declare(tmp_path, tf_ready, cfg):
    from wgan_bench.config.loader import RunSpec
    from wgan_bench.runner.train import Trainer

    result = Trainer(tmp_path).run(RunSpec("t", "quick", "v", 0, cfg))
    assert result.status == "ok", result.error
    recorded = {r["metric"] for r in result.history}
    declared = {m for name in cfg.diagnostics for m in registry.DIAGNOSTICS.meta(name, "metrics")}
    # Declared but not recorded here: what a BCE discriminator, a trained generator or a theta
    # gradient of the other loss would add.
    conditional = {"js_retrained", "g_loss", *(f"grad_theta_{c}{s}" for c in ("minimax", "ns")
                                               for s in ("", "_std", "_rel_std"))}
    assert recorded <= declared
    assert declared - recorded <= conditional
    per_layer = {r["metric"] for r in result.history if r["layer"] is not None and not np.isnan(r["layer"])}
    assert per_layer == {m for m in declared if registry.metric_names()[m]["per_layer"]} & recorded


def _targets(reg) -> set[str]:
    return {e.target for e in reg.entries() if isinstance(e.target, str)}


def test_no_implementation_exists_without_its_registration(tf_ready):
    """A diagnostic, a method or a figure written but not registered (or registered under another
    module path) is a name in one place only."""
    import importlib
    import inspect
    import pkgutil

    import wgan_bench.diagnostics
    import wgan_bench.methods
    from wgan_bench.diagnostics.base import Diagnostic
    from wgan_bench.methods.base import Method
    from wgan_bench.report import figures

    for package, base, reg in ((wgan_bench.diagnostics, Diagnostic, registry.DIAGNOSTICS),
                               (wgan_bench.methods, Method, registry.METHODS)):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, base) and cls is not base and not name.startswith("_") \
                        and cls.__module__ == module.__name__:
                    assert f"{module.__name__}:{name}" in _targets(reg), (reg.kind, module.__name__, name)
    public = {f"wgan_bench.report.figures:{n}" for n, f in inspect.getmembers(figures, inspect.isfunction)
              if not n.startswith("_") and f.__module__ == figures.__name__}
    assert public == _targets(registry.FIGURES)
