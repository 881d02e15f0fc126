"""End to end through the CLI on a tiny experiment: run, resume, determinism, report, check."""

import json

import pandas as pd
import pytest

from wgan_bench.cli import main
from wgan_bench.store.results import ResultStore

from .conftest import REPO, run_without_tensorflow

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, tf_ready):
    """A folder with experiments/tiny.yaml and two independent quick runs of it."""
    import textwrap

    from .conftest import TINY_EXPERIMENT

    root = tmp_path_factory.mktemp("ws")
    (root / "experiments").mkdir()
    (root / "experiments" / "tiny.yaml").write_text(textwrap.dedent(TINY_EXPERIMENT))
    return root


def _run(ws, monkeypatch, *args):
    monkeypatch.chdir(ws)
    return main(["run", "experiments/tiny.yaml", *args])


def test_run_resume_force_and_determinism(workspace, monkeypatch, capsys):
    assert _run(workspace, monkeypatch, "--results", "r1") == 0
    out = capsys.readouterr().out
    assert "gp-flat" in out and "PASS" in out
    store = workspace / "r1" / "tiny" / "quick"
    runs = pd.read_csv(store / "runs.csv")
    assert sorted(runs["run_id"]) == ["clip-s0", "clip-s1", "gp-s0", "gp-s1"]
    assert set(runs["experiment_sha256"]) == {json.loads((store / "manifest.json").read_text())["experiment_sha256"]}
    assert set(runs["status"]) == {"ok"} and (runs["steps"] == 20).all()
    claims = pd.read_csv(store / "claims.csv")
    assert list(claims.columns) == ["claim_id", "status", "measured", "op", "threshold", "ci_low", "ci_high", "p_value",
                                    "control_status", "control_measured", "holds_at_init", "detail"]
    manifest = (store / "manifest.json").read_text()
    assert '"tensorflow"' in manifest and '"experiment_sha256"' in manifest
    assert (store / "artifacts" / "clip-s0" / "weights.npz").is_file()

    # resume: nothing left to do; the manifest keeps the device the stored runs trained on
    stored = json.loads(manifest)
    (store / "manifest.json").write_text(json.dumps({**stored, "device": "GPU:7 (where they trained)"}))
    assert _run(workspace, monkeypatch, "--results", "r1") == 0
    assert "4 finished run(s) already stored" in capsys.readouterr().out.replace("\n", " ")
    assert json.loads((store / "manifest.json").read_text())["device"] == "GPU:7 (where they trained)"
    # a changed config reruns (config hash); --force reruns one variant only
    assert _run(workspace, monkeypatch, "--results", "r1", "--variant", "clip", "--force") == 0
    assert len(pd.read_csv(store / "runs.csv")) == 4
    stored = json.loads((store / "manifest.json").read_text())  # describes every run the claims read
    assert set(stored["resolved_config"]) == {"clip", "gp"} and stored["seeds"] == [0, 1]

    # determinism: same seeds in a fresh results folder -> identical tables (wall time aside)
    assert _run(workspace, monkeypatch, "--results", "r2") == 0
    other = workspace / "r2" / "tiny" / "quick"
    pd.testing.assert_frame_equal(pd.read_csv(store / "history.csv"), pd.read_csv(other / "history.csv"))
    pd.testing.assert_frame_equal(pd.read_csv(store / "runs.csv").drop(columns="wall_s"),
                                  pd.read_csv(other / "runs.csv").drop(columns="wall_s"))


def test_run_leaves_stale_runs_out_of_its_claims(workspace, monkeypatch, capsys):
    """A variant edited since its runs were stored, then a run of the other variant: nothing trains,
    and the edited variant's runs are named and left out of the claims (not judged as the new setting)."""
    import shutil

    shutil.copytree(workspace / "r1", workspace / "r_stale")
    manifest = workspace / "r_stale" / "tiny" / "quick" / "manifest.json"
    trained_under = json.loads(manifest.read_text())["experiment_sha256"]
    edited = workspace / "edited"
    edited.mkdir()
    (edited / "tiny.yaml").write_text((workspace / "experiments" / "tiny.yaml").read_text()
                                      .replace("learning_rate: 1.0e-3}}", "learning_rate: 2.0e-3}}"))
    monkeypatch.chdir(workspace)
    assert main(["run", "edited/tiny.yaml", "--variant", "clip", "--results", "r_stale"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "2 finished run(s) already stored" in out
    assert "2 stored run(s) trained with a configuration the experiment file no longer gives (gp-s0, gp-s1)" in out
    claims = pd.read_csv(workspace / "r_stale" / "tiny" / "quick" / "claims.csv").set_index("claim_id")
    assert claims.loc["gp-flat", "status"] == "INCONCLUSIVE" and claims.loc["clip-at-bound", "status"] == "PASS"
    written = json.loads(manifest.read_text())
    assert written["experiment_sha256"] == trained_under  # nothing trained under the edit
    assert set(written["resolved_config"]) == {"clip"}  # the runs the claims read


def test_report_without_tensorflow(workspace):
    code = ("import sys\n"
            "from wgan_bench.cli import main\n"
            "rc = main(['report', '--results', 'r1', '--out', 'rep'])\n"
            "assert 'tensorflow' not in sys.modules or sys.modules['tensorflow'] is None\n"
            "sys.exit(rc)\n")
    proc = run_without_tensorflow(code, workspace)
    assert proc.returncode == 0, proc.stderr
    readme = (workspace / "rep" / "README.md").read_text()
    assert "`gp-flat`" in readme and "fig1-layer_profile.png" in readme
    assert (workspace / "rep" / "tiny" / "fig2-weight_hist.png").stat().st_size > 5000


def test_check_passes_against_itself_and_flags_a_regression(workspace, monkeypatch, capsys):
    monkeypatch.chdir(workspace)
    # baseline for the ci profile
    assert main(["run", "experiments/tiny.yaml", "--profile", "ci", "--results", "base"]) == 0
    assert main(["check", "--baseline", "base", "--results", "base"]) == 0
    assert "no regressions" in capsys.readouterr().out
    # fresh ci run into a temp folder (the CI path), compared with the baseline
    assert main(["check", "--baseline", "base"]) == 0
    # tamper with the baseline: the guarded metric moves beyond its tolerance
    hist_path = workspace / "base" / "tiny" / "ci" / "history.csv"
    hist = pd.read_csv(hist_path)
    hist.loc[(hist["metric"] == "grad_log_ratio") & (hist["variant"] == "gp"), "value"] += 10
    hist.to_csv(hist_path, index=False)
    assert main(["check", "--baseline", "base", "--results", "base"]) == 2  # a hand edit reads as damage
    assert "history.csv: damaged" in capsys.readouterr().err
    (hist_path.parent / "tables.json").unlink()  # re-indexed as if the baseline had been written so
    ResultStore(workspace / "base", "tiny", "ci").consolidate()
    assert main(["check", "--baseline", "base", "--results", "r1"]) == 2  # r1 has no ci profile
    assert main(["run", "experiments/tiny.yaml", "--profile", "ci", "--results", "fresh"]) == 0
    capsys.readouterr()
    assert main(["check", "--baseline", "base", "--results", "fresh"]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out and "r-gp" in out


def test_calibrate_runs_every_experiment_in_one_sweep(workspace, monkeypatch, capsys):
    """Extra seeds per experiment, one sweep for all; each baseline gets its seed_spread.csv."""
    from wgan_bench.commands import gate

    cal = workspace / "cal"
    (cal / "experiments").mkdir(parents=True)
    tiny = (workspace / "experiments" / "tiny.yaml").read_text()
    for name in ("tiny", "tiny2"):
        (cal / "experiments" / f"{name}.yaml").write_text(tiny.replace("name: tiny", f"name: {name}"))
    monkeypatch.chdir(cal)
    files = ["experiments/tiny.yaml", "experiments/tiny2.yaml"]
    assert main(["run", *files, "--profile", "ci", "--results", "base"]) == 0
    sweeps = []
    real = gate.run_experiments
    monkeypatch.setattr(gate, "run_experiments", lambda exps, req, console: sweeps.append(
        {e.name: req.seeds(e) for e in exps}) or real(exps, req, console))
    assert main(["calibrate", "--baseline", "base", "--results", "extra", "--seeds", "3,4"]) == 0
    assert sweeps == [{"tiny": [3, 4], "tiny2": [3, 4]}]
    for name in ("tiny", "tiny2"):
        assert sorted(pd.read_csv(cal / "extra" / name / "ci" / "runs.csv")["seed"]) == [3, 3, 4, 4]
        spread = pd.read_csv(cal / "base" / name / "ci" / "seed_spread.csv")
        assert {"item", "id", "values", "mean", "sd"} <= set(spread.columns) and len(spread)
    capsys.readouterr()
    # a baseline seed: bad input, reported before any training
    assert main(["calibrate", "--baseline", "base", "--seeds", "0,5"]) == 2
    assert sweeps == [{"tiny": [3, 4], "tiny2": [3, 4]}]
    assert "already tiny's ci profile's seeds" in capsys.readouterr().err


def test_crashed_run_is_recorded_and_exits_1(workspace, monkeypatch, capsys):
    from wgan_bench.runner import train

    def crash(self, spec, on_steps, t0):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(train.Trainer, "_run", crash)
    assert _run(workspace, monkeypatch, "--results", "r3", "--variant", "gp", "--seeds", "7") == 1
    out = capsys.readouterr().out
    assert "run failed" in out and "simulated crash" in out
    runs = pd.read_csv(workspace / "r3" / "tiny" / "quick" / "runs.csv")
    assert runs["status"].tolist() == ["failed"]
    claims = pd.read_csv(workspace / "r3" / "tiny" / "quick" / "claims.csv")
    assert claims.set_index("claim_id").loc["gp-flat", "status"] == "INCONCLUSIVE"


def test_parallel_jobs_give_the_same_tables(workspace, monkeypatch):
    """Two experiments with the same run ids in one --jobs sweep: each store gets its own runs."""
    twin = workspace / "twin"
    (twin / "experiments").mkdir(parents=True)
    (twin / "experiments" / "tiny2.yaml").write_text(
        (workspace / "experiments" / "tiny.yaml").read_text().replace("name: tiny", "name: tiny2"))
    assert _run(workspace, monkeypatch, "twin/experiments/tiny2.yaml", "--results", "rj", "--jobs", "2") == 0
    serial = pd.read_csv(workspace / "r2" / "tiny" / "quick" / "history.csv")
    for name in ("tiny", "tiny2"):
        parallel = pd.read_csv(workspace / "rj" / name / "quick" / "history.csv")
        # workers use 1 thread each instead of 2, which may reorder float sums: compare closely, not bitwise
        pd.testing.assert_frame_equal(serial.drop(columns="value"), parallel.drop(columns="value"))
        assert parallel["value"].to_numpy() == pytest.approx(serial["value"].to_numpy(), rel=1e-3, abs=1e-6)
        assert (workspace / "rj" / name / "quick" / "claims.csv").is_file()


def test_report_of_the_committed_results_without_tensorflow(tmp_path):
    """Every figure kind the shipped experiments use must draw from tables alone."""
    code = ("import sys\n"
            "from wgan_bench.cli import main\n"
            f"sys.exit(main(['report', '--results', 'results', '--out', {str(tmp_path)!r}]))\n")
    proc = run_without_tensorflow(code, REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    readme = (tmp_path / "README.md").read_text()
    assert "no stored results" not in readme
    assert len(list(tmp_path.rglob("*.png"))) >= 10
    assert "- `gp-adam-reaches-table3` (paper):" in readme  # a paper-only claim is named, not evaluated
    # Findings: every FAIL with its cause, every holds-at-init claim with its reason, before any section
    findings = readme.split("## Findings", 1)[1].split("\n## ", 1)[0]
    for claims in sorted((REPO / "results").glob("*/quick/claims.csv")):
        table = pd.read_csv(claims)
        for row in table.itertuples():
            entry = f"`{claims.parts[-3]}` / `{row.claim_id}` (quick)"
            if row.status == "FAIL":
                assert f"❌ {entry}" in findings and "Cause:" in findings.split(entry, 1)[1].split("\n")[0]
            elif row.holds_at_init and row.control_status == "PASS":
                assert f"ℹ️ {entry}: holds at initialisation" in findings
            else:
                assert entry not in findings


def test_committed_verdicts_on_training_fail_on_their_control_unless_declared():
    """DESIGN §5: a claim that passes on the untrained networks is evidence only where it says it is
    a property at initialisation (holds_at_init, with its reason)."""
    for claims in sorted((REPO / "results").glob("*/*/claims.csv")):
        table = pd.read_csv(claims)
        loose = table[(table["control_status"] == "PASS") & ~table["holds_at_init"].astype(bool)]
        assert loose.empty, f"{claims}: {list(loose['claim_id'])} pass untrained"


def test_console_command_prints_every_line_and_stores_before_its_prompt_exit(workspace):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "wgan_bench", "run", "experiments/tiny.yaml", "--variant", "gp",
                           "--profile", "ci", "--results", "r_cmd"], cwd=workspace, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines()[-1] == "1 PASS 1 INCONCLUSIVE"  # the claims summary, printed last
    assert (workspace / "r_cmd" / "tiny" / "ci" / "manifest.json").is_file()

