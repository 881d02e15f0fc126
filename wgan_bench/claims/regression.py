"""`wgan-bench check`: fresh results against committed baselines (DESIGN §2).

A regression is a claim that passes in the baseline but not in the fresh results, or a
metric listed under `regression:` that moved by more than atol + rtol·|baseline|.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass

from rich.markup import escape
from rich.table import Table

from ..config.loader import discover
from ..errors import UserError, problem
from ..store.results import ResultStore, require_results
from .engine import PASS, evaluate_claims
from .select import aggregate, finished_history, per_seed
from .table import fmt_number


@dataclass
class Row:
    experiment: str
    item: str
    baseline: str
    fresh: str
    allowed: str
    ok: bool


def check_profile(exp) -> str:
    return "ci" if "ci" in exp.spec.profiles else "quick"


def compare(exp, baseline: ResultStore, fresh: ResultStore) -> list[Row]:
    spec, rows = exp.spec, []
    base_claims = {o.claim_id: o for o in evaluate_claims(spec, baseline.runs(), baseline.history())}
    for o in evaluate_claims(spec, fresh.runs(), fresh.history()):
        b = base_claims.get(o.claim_id)
        was = b.status if b else "—"
        ok = not (was == PASS and o.status != PASS)
        rows.append(Row(spec.name, f"claim {o.claim_id}", f"{was} {fmt_number(b.measured) if b else ''}",
                        f"{o.status} {fmt_number(o.measured)}", "must stay PASS" if was == PASS else "—", ok))
    bh = finished_history(baseline.runs(), baseline.history())
    fh = finished_history(fresh.runs(), fresh.history())
    for reg in spec.regression:
        bv = aggregate(per_seed(bh, reg.variant, reg), reg.aggregate)
        fv = aggregate(per_seed(fh, reg.variant, reg), reg.aggregate)
        tol = reg.atol + reg.rtol * abs(bv) if not math.isnan(bv) else float("nan")
        ok = not math.isnan(bv) and not math.isnan(fv) and abs(fv - bv) <= tol
        rows.append(Row(spec.name, f"metric {reg.id}", fmt_number(bv), fmt_number(fv),
                        f"|Δ| ≤ {fmt_number(tol)} (Δ = {fmt_number(fv - bv)})", ok))
    return rows


def run_check(files: list[str] | None, baseline_dir: str, results_dir: str | None, console,
              experiments_dir: str = "experiments") -> int:
    experiments = discover(files, root=experiments_dir)
    base_root = require_results(baseline_dir)
    missing = [f"{base_root}/{e.name}/{check_profile(e)}" for e in experiments
               if not ResultStore(base_root, e.name, check_profile(e)).exists()]
    if missing:
        raise UserError([problem(m, None, "no committed baseline; run `wgan-bench run` with this profile "
                                          "into the baseline folder and commit it") for m in missing])
    if results_dir is not None:
        return _report(experiments, base_root, require_results(results_dir), console)
    from ..runner.execute import RunRequest, run_experiments

    with tempfile.TemporaryDirectory(prefix="wgan-bench-check-") as tmp:
        for exp in experiments:
            outcome = run_experiments([exp], RunRequest(profile=check_profile(exp), results=tmp), console)[0]
            if outcome.failed_runs:
                for line in outcome.failed_runs:
                    console.print(f"[red]run failed[/red] {exp.name}/{line}")
                return 1
        return _report(experiments, base_root, tmp, console)


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
