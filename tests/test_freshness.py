"""Stale results: stored runs that the experiment file no longer describes are named, left out of
claims, figures and tables, and refused as a check baseline."""

import textwrap

import pytest
from rich.console import Console

from wgan_bench.commands.gate import run_check
from wgan_bench.config.hashing import config_hash
from wgan_bench.config.loader import load_experiment
from wgan_bench.errors import UserError
from wgan_bench.report.build import build_report
from wgan_bench.runner.result import RunResult
from wgan_bench.store.freshness import stale_run_ids
from wgan_bench.store.results import ResultStore, run_row

from .conftest import TINY_EXPERIMENT

# The tiny experiment without figures: these stores hold made-up scalars, not a trained run's artifacts.
PLAIN = textwrap.dedent(TINY_EXPERIMENT).split("report:")[0]


def _write(tmp_path, text: str):
    folder = tmp_path / "experiments"
    folder.mkdir(exist_ok=True)
    (folder / "tiny.yaml").write_text(text)
    return load_experiment(folder / "tiny.yaml")


def _store_runs(store: ResultStore, specs, overrides=(), hashed=True) -> None:
    """Store each spec as a finished run with the configuration hash `run` gives it."""
    for spec in specs:
        history = [{"run_id": spec.run_id, "variant": spec.variant, "seed": spec.seed, "step": step,
                    "metric": metric, "value": 0.5, "layer": None}
                   for step in (0, 20) for metric in ("grad_log_ratio", "clip_fraction")]
        result = RunResult(spec.run_id, spec.variant, spec.seed, "ok", 20, 1.0, history, {})
        cfg = spec.config.model_dump()
        row = {**run_row(result, cfg), **({"config_hash": config_hash(cfg)} if hashed else {})}
        store.add_run(row, history, {})
    store.consolidate()
    store.write_manifest({"experiment": "tiny", "overrides": list(overrides)})


def test_runs_of_an_edited_variant_or_a_removed_one_are_stale(tmp_path):
    exp = _write(tmp_path, PLAIN)
    store = ResultStore(tmp_path / "results", "tiny", "quick")
    _store_runs(store, exp.resolve("quick") + exp.resolve("quick", seeds=[5], variants=["gp"]))
    assert stale_run_ids(exp, store) == []  # an extra seed with the file's configuration is current

    edited = _write(tmp_path, PLAIN.replace("optimizer: {name: adam, learning_rate: 1.0e-3}",
                                            "optimizer: {name: adam, learning_rate: 2.0e-3}"))
    assert stale_run_ids(edited, store) == ["gp-s0", "gp-s1", "gp-s5"]
    no_clip = _write(tmp_path, PLAIN.replace("  clip: {}\n", "").split("  - id: clip-at-bound")[0])
    assert stale_run_ids(no_clip, store) == ["clip-s0", "clip-s1"]

    # reading leaves them out; the tables on disk keep them
    view = store.leaving_out(["gp-s0"])
    assert "gp-s0" not in set(view.runs()["run_id"]) and "gp-s0" not in set(view.history()["run_id"])
    assert len(store.runs()) == 5 and len(ResultStore(tmp_path / "results", "tiny", "quick").runs()) == 5


def test_a_profile_the_file_no_longer_has_leaves_every_run_stale(tmp_path):
    exp = _write(tmp_path, PLAIN)
    store = ResultStore(tmp_path / "results", "tiny", "smoke")
    _store_runs(store, exp.resolve("quick"))
    assert stale_run_ids(exp, store) == ["clip-s0", "clip-s1", "gp-s0", "gp-s1"]  # named, not a crash


def test_runs_stored_with_overrides_are_resolved_with_them(tmp_path):
    exp = _write(tmp_path, PLAIN)
    overrides = ["train.steps=10"]
    store = ResultStore(tmp_path / "results", "tiny", "quick+0123abcd")
    _store_runs(store, exp.resolve("quick", overrides=overrides), overrides)
    assert stale_run_ids(exp, store) == []  # the manifest's overrides
    assert stale_run_ids(exp, store, []) == ["clip-s0", "clip-s1", "gp-s0", "gp-s1"]


def test_a_store_from_before_config_hashes_has_no_stale_runs(tmp_path):
    exp = _write(tmp_path, PLAIN)
    store = ResultStore(tmp_path / "results", "tiny", "quick")
    _store_runs(store, exp.resolve("quick"), hashed=False)
    assert stale_run_ids(_write(tmp_path, PLAIN.replace("batch_size: 32", "batch_size: 16")), store) == []


def test_report_names_stale_runs_and_leaves_them_out(tmp_path, monkeypatch):
    exp = _write(tmp_path, PLAIN)
    _store_runs(ResultStore(tmp_path / "results", "tiny", "quick"), exp.resolve("quick"))
    _write(tmp_path, PLAIN.replace("learning_rate: 1.0e-3}}", "learning_rate: 2.0e-3}}"))
    monkeypatch.chdir(tmp_path)
    build_report("results", "rep", None)
    readme = (tmp_path / "rep" / "README.md").read_text()
    findings = readme.split("## Findings", 1)[1].split("\n## ", 1)[0]
    assert ("⚠️ `tiny` (quick): 2 stored run(s) trained with a configuration the experiment file no longer "
            "gives (gp-s0, gp-s1): left out") in findings
    assert "| `gp-flat` | GP keeps gradients flat | ⚠️ INCONCLUSIVE |" in readme
    assert "| `clip-at-bound` | clipped weights sit at the bound | ✅ PASS |" in readme
    assert "2 runs: 2 ok" in readme


def test_check_refuses_a_stale_baseline_before_training(tmp_path, monkeypatch):
    def train(*args, **kwargs):
        raise AssertionError("check trained before refusing its baseline")

    monkeypatch.setattr("wgan_bench.commands.gate.run_experiments", train)
    exp = _write(tmp_path, PLAIN)
    _store_runs(ResultStore(tmp_path / "results", "tiny", "ci"), exp.resolve("ci"))
    _write(tmp_path, PLAIN.replace("batch_size: 32", "batch_size: 16"))
    with pytest.raises(UserError) as err:
        run_check(None, str(tmp_path / "results"), None, Console(), str(tmp_path / "experiments"))
    (message,) = err.value.problems
    assert "tiny/ci" in message and "(clip-s0, gp-s0)" in message and "a stale baseline" in message
