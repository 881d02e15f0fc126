"""`wgan-bench check` (fresh runs of each check profile against the committed baselines) and
`wgan-bench calibrate` (the seed-to-seed spread that sizes the gate, claims/spread.py).
"""

from __future__ import annotations

import math
import tempfile
from contextlib import nullcontext

import pandas as pd
from rich.markup import escape
from rich.table import Table

from ..claims.regression import Row, check_profile, compare
from ..claims.spread import SPREAD_FILE, TOLERANCE_SD, seed_spread
from ..claims.table import fmt_number
from ..config.loader import discover
from ..errors import UserError, problem
from ..store.freshness import describe_stale, stale_run_ids
from ..store.results import ResultStore, require_results
from .run import RunRequest, run_experiments


def run_check(files: list[str] | None, baseline_dir: str, results_dir: str | None, console,
              experiments_dir: str = "experiments", jobs: int | None = None) -> int:
    experiments = discover(files, root=experiments_dir)
    base_root = require_results(baseline_dir)
    missing = [f"{base_root}/{e.name}/{check_profile(e)}" for e in experiments
               if not ResultStore(base_root, e.name, check_profile(e)).exists()]
    if missing:
        raise UserError([problem(m, None, "no committed baseline; run `wgan-bench run` with this profile "
                                          "into the baseline folder and commit it") for m in missing])
    stale = []
    for e in experiments:
        base = ResultStore(base_root, e.name, check_profile(e))
        ids = stale_run_ids(e, base)
        if ids:
            stale.append(problem(str(base.dir), None, f"{describe_stale(ids)}: a stale baseline; run the profile "
                                                      f"into an empty folder (`wgan-bench run {e.path} --profile "
                                                      f"{base.profile} --results NEW`) and commit that in its place"))
    if stale:
        raise UserError(stale)
    if results_dir is not None:
        return _report(experiments, base_root, require_results(results_dir), console)
    with tempfile.TemporaryDirectory(prefix="wgan-bench-check-") as tmp:
        # One sweep over every experiment's check profile: workers never wait for each other.
        outcomes = run_experiments(experiments, RunRequest(profile=check_profile, results=tmp, jobs=jobs), console)
        failed = [f"{out.experiment.name}/{line}" for out in outcomes for line in out.failed_runs]
        for line in failed:
            console.print(f"[red]run failed[/red] {line}")
        return 1 if failed else _report(experiments, base_root, tmp, console)


def _report(experiments, base_root, fresh_root, console) -> int:
    rows: list[Row] = []
    for exp in experiments:
        profile = check_profile(exp)
        fresh = ResultStore(fresh_root, exp.name, profile)
        if not fresh.exists():
            raise UserError(problem(str(fresh.dir), None, "no fresh results to check"))
        rows += compare(exp, ResultStore(base_root, exp.name, profile), fresh)
    table = Table(title="wgan-bench check: fresh results vs committed baselines", title_justify="left")
    for col in ("experiment", "item", "baseline", "fresh", "allowed", "verdict"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.experiment, r.item, escape(r.baseline), escape(r.fresh), escape(r.allowed),
                      "[green]ok[/green]" if r.ok else "[bold red]REGRESSION[/bold red]")
    console.print(table)
    bad = [r for r in rows if not r.ok]
    console.print(f"[bold red]{len(bad)} regression(s)[/bold red]" if bad
                  else "[bold green]no regressions[/bold green]")
    return 1 if bad else 0


CALIBRATION_GROUPS = 5  # seed groups `calibrate` adds by default, each as large as the check profile's


def profile_seeds(exp, profile: str) -> list[int]:
    return sorted({r.seed for r in exp.resolve(profile, None, None, None)})


def run_calibrate(files: list[str] | None, seeds: list[int] | None, baseline_dir: str, results_dir: str | None,
                  jobs: int | None, console, experiments_dir: str = "experiments") -> int:
    """Run each experiment's check profile with `seeds` (default: five more groups of its own
    size), all in one sweep, then write the spread over those seeds and the baseline's own to
    `seed_spread.csv` in the baseline folder of each experiment whose runs all finished."""
    experiments = discover(files, root=experiments_dir)
    base_root = require_results(baseline_dir)
    extra, problems = {}, []
    for exp in experiments:
        profile = check_profile(exp)
        if not ResultStore(base_root, exp.name, profile).exists():
            problems.append(problem(f"{base_root}/{exp.name}/{profile}", None, "no committed baseline to calibrate"))
            continue
        own = profile_seeds(exp, profile)
        extra[exp.name] = seeds or list(range(max(own) + 1, max(own) + 1 + CALIBRATION_GROUPS * len(own)))
        clash = sorted(set(extra[exp.name]) & set(own))
        if clash:
            problems.append(problem("--seeds", ",".join(map(str, clash)),
                                    f"already {exp.name}'s {profile} profile's seeds; choose others"))
    if problems:
        raise UserError(sorted(set(problems), key=problems.index))
    keep = nullcontext(results_dir) if results_dir else tempfile.TemporaryDirectory(prefix="wgan-bench-calib-")
    with keep as root:
        request = RunRequest(profile=check_profile, seeds=lambda exp: extra[exp.name], results=root, jobs=jobs)
        failed = False
        for outcome in run_experiments(experiments, request, console):
            exp, profile = outcome.experiment, check_profile(outcome.experiment)
            if outcome.failed_runs:
                failed = True
                for line in outcome.failed_runs:
                    console.print(f"[red]run failed[/red] {exp.name}/{line}")
                continue
            base = ResultStore(base_root, exp.name, profile)
            (br, bh), (cr, ch) = base.load(), outcome.store.load()
            runs, history = pd.concat([br, cr], ignore_index=True), pd.concat([bh, ch], ignore_index=True)
            spread = seed_spread(exp.spec, runs, history, len(profile_seeds(exp, profile)), profile)
            base.write_table(SPREAD_FILE, spread)
            _print_spread(exp, spread, console)
            console.print(f"wrote {base.dir / SPREAD_FILE}")
    return 1 if failed else 0


def _print_spread(exp, spread: pd.DataFrame, console) -> None:
    tolerances = {r.id: r for r in exp.spec.regression}
    table = Table(title=f"{exp.name}: seed-to-seed spread of what check gates", title_justify="left")
    for col in ("item", "values over seed groups", "n pass", "mean", "sd", "gate"):
        table.add_column(col, overflow="fold")
    for r in spread.to_dict("records"):
        gate = r["gate"]
        if r["item"] == "metric":
            reg = tolerances[r["id"]]
            tol = reg.tolerance(r["mean"])
            short = not math.isnan(r["sd"]) and tol < TOLERANCE_SD * r["sd"]
            gate = f"tolerance {fmt_number(tol)}" + (f" [red]< {TOLERANCE_SD:.3g} sd[/red]" if short else "")
        n_pass = "" if r["item"] == "metric" else f"{int(r['n_pass'])}/{int(r['groups'])}"
        table.add_row(f"{r['item']} {r['id']}", escape(str(r["values"])), n_pass, fmt_number(r["mean"]),
                      fmt_number(r["sd"]), gate)
    console.print(table)
