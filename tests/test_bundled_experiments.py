"""The experiments ship with the package: `list`, `validate` and `run` by name work from any folder."""

import subprocess
import sys

from wgan_bench.cli import BUNDLED_EXPERIMENTS, _experiment_paths, experiments_dir

from .conftest import REPO


def test_bundled_experiments_are_the_repository_ones():
    assert sorted(p.name for p in BUNDLED_EXPERIMENTS.glob("*.yaml")) == sorted(
        p.name for p in (REPO / "experiments").glob("*.yaml"))
    assert len(list(BUNDLED_EXPERIMENTS.glob("*.yaml"))) == 12


def test_names_resolve_in_the_working_folder_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert experiments_dir() == BUNDLED_EXPERIMENTS  # no ./experiments here
    assert _experiment_paths(["clip_sweep", "mine.yaml"]) == [str(BUNDLED_EXPERIMENTS / "clip_sweep.yaml"), "mine.yaml"]
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments" / "clip_sweep.yaml").write_text("name: clip_sweep\n")
    assert _experiment_paths(["clip_sweep"]) == ["experiments/clip_sweep.yaml"]  # your own copy wins


def test_list_and_validate_by_name_from_another_folder(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "wgan_bench", "validate", "clip_sweep", "value_surface"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(": ok") == 2
