"""DESIGN §5: a claim's check must be written before the runs that test it. Git history gives back
the experiment file a store's runs used, so a check changed or added since is named."""

import json
import shutil
import subprocess

import pytest

from wgan_bench.claims.registration import ADDED, CHANGED, committed_version, registration
from wgan_bench.config.loader import discover
from wgan_bench.report.build import build_report
from wgan_bench.runner.provenance import stored_provenance
from wgan_bench.store.results import ResultStore

from .conftest import REPO
from .test_freshness import PLAIN, _store_runs, _write

NEW_CLAIM = """  - id: gp-moves
    statement: added after the runs
    source: tests
    check: {kind: threshold, variant: gp, metric: clip_fraction, op: ">=", value: 0.0}
"""
# After the runs: gp-flat's threshold moves and a claim is added.
EDITED = PLAIN.replace('op: "<=", value: 5', 'op: "<=", value: 4').replace("regression:", NEW_CLAIM + "regression:")


def _git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args],
                   cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_check_changed_or_added_after_the_runs_is_named(tmp_path, monkeypatch):
    _git(tmp_path, "init", "-q")
    exp = _write(tmp_path, PLAIN)
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "the experiment")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    store = ResultStore(tmp_path / "results", "tiny", "quick")
    _store_runs(store, exp.resolve("quick"))
    manifest = {"experiment": "tiny", "experiment_sha256": exp.sha256}
    store.write_manifest(manifest)
    assert registration(exp, manifest).known and not registration(exp, manifest).late

    edited = _write(tmp_path, EDITED)
    reg = registration(edited, manifest)
    assert (reg.known, reg.commits, reg.late) == (True, (commit,), {"gp-flat": CHANGED, "gp-moves": ADDED})
    assert registration(_write(tmp_path, "# a note\n" + PLAIN), manifest).late == {}  # a comment moves no check

    # a version never committed: unknown, not "before"
    assert not registration(edited, {"experiment_sha256": "0" * 64}).known
    # each run keeps the version it was trained under: a later invocation that trains nothing
    # rewrites the manifest with today's file, and the runs still tell
    runs = store.runs().assign(experiment_sha256=exp.sha256)
    assert registration(edited, {"experiment_sha256": edited.sha256}, runs).late == reg.late
    assert not registration(edited, manifest, runs.assign(experiment_sha256=edited.sha256)).edited
    # a claim is held to the runs it reads: gp rerun after the edit, clip's runs older
    mixed = runs.assign(experiment_sha256=[exp.sha256 if v == "clip" else edited.sha256 for v in runs["variant"]])
    assert registration(edited, manifest, mixed).late == {} and registration(edited, manifest, mixed).edited
    # rows stored before runs kept their version take the one the manifest kept for them
    legacy = {"experiment_sha256": edited.sha256, "legacy_experiment_sha256": exp.sha256}
    assert registration(edited, legacy, store.runs()).late == reg.late

    _write(tmp_path, EDITED)
    monkeypatch.chdir(tmp_path)
    build_report("results", "rep", None)
    readme = (tmp_path / "rep" / "README.md").read_text()
    assert (f"⚠️ `tiny` / `gp-flat` (quick): PASS, but its check was {CHANGED} that test it (they used the "
            f"experiment file of commit `{commit[:12]}`)") in readme
    assert f"✅ PASS (check {ADDED})" in readme
    assert "2 claim(s) changed or added since (Findings)" in readme


def test_without_git_history_the_answer_is_unknown(tmp_path):
    exp = _write(tmp_path, PLAIN)
    assert committed_version(str(exp.path), exp.sha256) is None
    assert not registration(exp, {"experiment_sha256": "0" * 64}).known


def test_committed_verdicts_were_registered_before_their_runs():
    """Every committed store's claims are checked as the file had them when its runs started: the
    quick stores are the report's evidence, the ci stores check's baselines (a threshold moved
    later needs a rerun)."""
    experiments = {e.name: e for e in discover(root=REPO / "experiments")}
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=REPO, capture_output=True, text=True)
    if shallow.returncode or shallow.stdout.strip() != "false":
        pytest.skip("no full git history in this checkout (not a repository, or a shallow clone)")
    for manifest_path in sorted((REPO / "results").glob("*/*/manifest.json")):
        manifest = json.loads(manifest_path.read_text())
        reg = registration(experiments[manifest["experiment"]], manifest)
        assert reg.known and not reg.late, f"{manifest_path}: {reg}"



def test_a_new_manifest_keeps_the_stored_runs_provenance():
    stored = {"experiment_sha256": "old", "git_commit": "c1"}
    assert stored_provenance(stored, trained=False, unversioned=True) == {
        "experiment_sha256": "old", "git_commit": "c1", "legacy_experiment_sha256": "old"}
    # the unversioned rows keep the version first kept for them, across later runs that train
    assert stored_provenance({**stored, "legacy_experiment_sha256": "older"}, trained=True,
                             unversioned=True) == {"legacy_experiment_sha256": "older"}
    assert stored_provenance(stored, trained=True, unversioned=False) == {}
