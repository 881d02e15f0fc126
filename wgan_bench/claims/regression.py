"""What `wgan-bench check` compares (DESIGN §2): fresh results against committed baselines.
Running the fresh results and `calibrate` live in `wgan_bench.commands.gate`.

A regression is a metric listed under `regression:` that moved by more than
atol + rtol·|baseline|, or a claim that passes in the baseline but not in the fresh results:
for a claim the calibration found `fragile` (it fails on some seeds at this scale), only when
its fresh value also leaves the band the seeds spanned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..store.results import ResultStore
from .engine import PASS, evaluate_claims
from .select import aggregate, finished_history, per_seed
from .spread import BAND_SD, SPREAD_FILE, within_band
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
    profiles = exp.spec.profiles
    return "ci" if "ci" in profiles else "quick" if "quick" in profiles else "default"


def compare(exp, baseline: ResultStore, fresh: ResultStore) -> list[Row]:
    spec, rows = exp.spec, []
    spread = _spread_rows(baseline)
    base_claims = {o.claim_id: o for o in evaluate_claims(spec, baseline.runs(), baseline.history(), baseline.profile)}
    for o in evaluate_claims(spec, fresh.runs(), fresh.history(), fresh.profile):
        b = base_claims.get(o.claim_id)
        was = b.status if b else "—"
        ok, allowed = _claim_verdict(was, o, spread.get(("claim", o.claim_id)))
        rows.append(Row(spec.name, f"claim {o.claim_id}", f"{was} {fmt_number(b.measured) if b else ''}",
                        f"{o.status} {fmt_number(o.measured)}", allowed, ok))
    bh = finished_history(baseline.runs(), baseline.history())
    fh = finished_history(fresh.runs(), fresh.history())
    for reg in spec.regression:
        bv = aggregate(per_seed(bh, reg.variant, reg), reg.aggregate)
        fv = aggregate(per_seed(fh, reg.variant, reg), reg.aggregate)
        tol = reg.tolerance(bv)
        ok = not math.isnan(bv) and not math.isnan(fv) and abs(fv - bv) <= tol
        sd = spread.get(("metric", reg.id), {}).get("sd", math.nan)
        seeds = f"; seed sd {fmt_number(sd)}" if not math.isnan(sd) else ""
        rows.append(Row(spec.name, f"metric {reg.id}", fmt_number(bv), fmt_number(fv),
                        f"|Δ| ≤ {fmt_number(tol)} (Δ = {fmt_number(fv - bv)}{seeds})", ok))
    return rows


def _claim_verdict(was: str, fresh, spread_row) -> tuple[bool, str]:
    if was != PASS:
        return True, "—"
    if fresh.status == PASS:
        return True, "must stay PASS"
    if spread_row is None or spread_row["gate"] != "fragile" or fresh.status != "FAIL":
        return False, "must stay PASS"
    n = f"PASS in {int(spread_row['n_pass'])}/{int(spread_row['groups'])} seed groups"
    band = f"{fmt_number(spread_row['mean'])} ± {BAND_SD:g} sd ({fmt_number(spread_row['sd'])})"
    return within_band(fresh.measured, spread_row), f"fragile ({n}): value within {band} or the seeds' range"


def _spread_rows(store: ResultStore) -> dict:
    df = store.table(SPREAD_FILE, ["item", "id", "gate"])
    return {} if df is None else {(r["item"], r["id"]): r for r in df.to_dict("records")}
