"""Evaluate an experiment's claims on its stored tables: PASS, FAIL or INCONCLUSIVE.

Each verdict carries its evidence (DESIGN §5): a 95 % interval of the measured aggregate over
seeds (`uncertainty`), an exact sign test for per-seed comparisons and orders, and the same check
evaluated on the untrained state (`control`), so a claim that passes without training shows it.
"""

from __future__ import annotations

import math
import operator
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..config.schema import sub_checks
from ..registry import AGGREGATES, CHECKS
from .control import control_history, trained_variants
from .select import aggregate, finished_history, metric_series, per_seed, running_median, stored_seeds
from .uncertainty import Evidence, interval, sign_test

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _compare(c, measured: float) -> bool:
    if c.op == "~=":
        return abs(measured - c.value) <= c.atol + c.rtol * abs(c.value)
    return OPS[c.op](measured, c.value)
PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"


@dataclass
class Outcome:
    claim_id: str
    status: str
    measured: float
    op: str
    threshold: float
    detail: str
    ci_low: float = math.nan
    ci_high: float = math.nan
    p_value: float = math.nan
    control_status: str = ""  # "" where there is no untrained state: analyses, relations over steps
    control_measured: float = math.nan
    holds_at_init: bool = False

    def as_row(self) -> dict:
        return asdict(self)

    @property
    def passes_untrained(self) -> bool:
        """PASS on the untrained network too, without saying it is a property at initialisation."""
        return self.control_status == PASS and not self.holds_at_init


def _fmt(x: float) -> str:
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.4g}"


def _seed_list(values: pd.Series) -> str:
    return ", ".join(f"s{s}={_fmt(v)}" for s, v in values.items())


def _required(min_seeds, n: int) -> int:
    return n if min_seeds == "all" else int(min_seeds)


# Each check kind is a `check` registry entry (wgan_bench.builtin): (config, history) ->
# (status, measured, threshold, detail, evidence[, op]).
def threshold(c, history) -> tuple:
    vals = per_seed(history, c.variant, c).dropna()
    if not len(vals):
        return INCONCLUSIVE, float("nan"), c.value, f"no finished runs of {c.variant}", Evidence()
    stat = _stat(c.aggregate, c.abs)
    measured = stat(vals.to_numpy())
    status = PASS if _compare(c, measured) else FAIL
    label = f"|{c.aggregate}|" if c.abs else c.aggregate
    tol = f"; tolerance {_fmt(c.atol + c.rtol * abs(c.value))}" if c.op == "~=" else ""
    return (status, measured, c.value, f"{label} over {len(vals)} seeds of {c.variant}: {_seed_list(vals)}{tol}",
            Evidence(vals.to_numpy(), stat))


def _stat(how: str, absolute: bool = False):
    """The seed aggregate as a function of the per-seed values (what the interval resamples)."""
    fn = AGGREGATES.load(how)
    return (lambda v: float(abs(fn(v)))) if absolute else (lambda v: float(fn(v)))


def comparison(c, history) -> tuple:
    a, b = per_seed(history, c.a, c).dropna(), per_seed(history, c.b, c).dropna()
    rhs = f"{_fmt(c.factor)}·{c.b}" + (f" + {_fmt(c.margin)}" if c.margin else "")
    if not c.per_seed:
        if not len(a) or not len(b):
            return INCONCLUSIVE, float("nan"), float("nan"), "missing runs", Evidence()
        va, vb = aggregate(a, c.aggregate), aggregate(b, c.aggregate)
        bound = c.factor * vb + c.margin
        status = PASS if OPS[c.op](va, bound) else FAIL
        return (status, va, bound, f"{c.aggregate} {c.a}={_fmt(va)} vs {rhs}={_fmt(bound)}",
                Evidence(a.to_numpy(), _stat(c.aggregate)))
    seeds = sorted(set(a.index) & set(b.index))
    if not seeds:
        return INCONCLUSIVE, float("nan"), float("nan"), "no paired seeds", Evidence()
    ok = [s for s in seeds if OPS[c.op](a[s], c.factor * b[s] + c.margin)]
    need = _required(c.min_seeds, len(seeds))
    detail = f"{c.a} {c.op} {rhs} in {len(ok)}/{len(seeds)} seeds; " + "; ".join(
        f"s{s}: {_fmt(a[s])} vs {_fmt(b[s])}" for s in seeds)
    return (PASS if len(ok) >= need else FAIL), float(len(ok)), float(need), detail, Evidence(k=len(ok), n=len(seeds))


def order(c, history) -> tuple:
    per = [per_seed(history, v, c).dropna() for v in c.variants]
    seeds = sorted(set.intersection(*(set(p.index) for p in per)))
    if not seeds:
        return INCONCLUSIVE, float("nan"), float("nan"), "no seed has every variant", Evidence()
    cmp = operator.lt if c.direction == "increasing" else operator.gt
    ok = [s for s in seeds if all(cmp(per[i][s], per[i + 1][s]) for i in range(len(per) - 1))]
    need = _required(c.min_seeds, len(seeds))
    sign = " < " if c.direction == "increasing" else " > "
    detail = f"{sign.join(c.variants)} in {len(ok)}/{len(seeds)} seeds; " + "; ".join(
        f"s{s}: " + sign.join(_fmt(p[s]) for p in per) for s in seeds)
    return (PASS if len(ok) >= need else FAIL), float(len(ok)), float(need), detail, Evidence(k=len(ok), n=len(seeds))


def success_count(c, history, runs) -> tuple:
    """Seeds (architectures) where both arms have a stored run, whatever its status: a run that
    diverged or failed, or whose metric is missing, is that arm's failure. A seed with only one
    arm's run is left out and named (an unfinished sweep), so it cannot count for either side."""
    seeds, unpaired = stored_seeds(runs, [c.a, c.b])
    if not seeds:
        return INCONCLUSIVE, float("nan"), c.margin, f"no seed has runs of both {c.a} and {c.b}", Evidence()
    a, b = per_seed(history, c.a, c), per_seed(history, c.b, c)

    def wins(values: pd.Series) -> np.ndarray:
        return np.array([s in values.index and bool(OPS[c.op](values[s], c.value)) for s in seeds])

    wa, wb = wins(a), wins(b)
    diff = wa.astype(float) - wb
    only_a, only_b = int(np.sum(wa & ~wb)), int(np.sum(~wa & wb))
    n = len(seeds)
    detail = (f"{c.metric} ({c.reduce}) {c.op} {_fmt(c.value)}: {c.a} on {wa.sum()}/{n}, {c.b} on {wb.sum()}/{n} "
              f"(only {c.a} {only_a}, only {c.b} {only_b}, both {int(np.sum(wa & wb))}, "
              f"neither {int(np.sum(~wa & ~wb))}); " + "; ".join(
                  f"s{s}: {_fmt(a.get(s, np.nan))} vs {_fmt(b.get(s, np.nan))}" for s in seeds))
    if unpaired:
        detail += f"; left out, one arm not stored: {', '.join(f's{s}' for s in unpaired)}"
    measured = float(diff.mean())
    return (PASS if measured >= c.margin else FAIL), measured, c.margin, detail, \
        Evidence(diff, _stat("mean"), k=only_a, n=only_a + only_b), ">="


def relation(c, history) -> tuple:
    x = metric_series(history, c.variant, c.metric, c.layer)
    stats = {}
    for seed, g in x.groupby("seed"):
        g = g.sort_values("step")
        if c.stat == "spearman":
            from scipy.stats import spearmanr  # ~0.5 s to import: only for the claims that need it

            g = g.assign(value=running_median(g["value"], c.median_filter))  # before any window is cut
            if c.step_from is not None:  # a window [step_from, step_to] of the history
                g = g[(g["step"] >= c.step_from) & (g["step"] <= (c.step_to if c.step_to is not None else np.inf))]
            y = metric_series(history, c.variant, c.metric_y, None)
            y = y[y["seed"] == seed].set_index("step")["value"]
            joined = g.set_index("step")["value"].to_frame("x").join(y.rename("y"), how="inner").dropna()
            if len(joined) >= 3:
                stats[int(seed)] = float(spearmanr(joined["x"], joined["y"]).statistic)
        else:
            steps, values = g["step"].to_numpy(), np.abs(g["value"].to_numpy(float))
            end = values[int(np.argmin(np.abs(steps - c.step_to)))]
            if c.stat == "log10_change_from_max":  # from the largest value over steps <= step_from
                start = np.max(values[steps <= c.step_from]) if np.any(steps <= c.step_from) else np.nan
            elif c.window is not None:  # medians over the first and last share of the records
                start, end = _window_ends(steps, values, c.step_from, c.step_to, c.window)
            else:
                start = values[int(np.argmin(np.abs(steps - c.step_from)))]
            with np.errstate(divide="ignore", invalid="ignore"):
                stats[int(seed)] = float(np.log10(end) - np.log10(start))
    vals = pd.Series(stats, dtype=float).dropna()
    if not len(vals):
        return INCONCLUSIVE, float("nan"), c.value, f"no finished runs of {c.variant}", Evidence()
    measured = aggregate(vals, c.aggregate)
    status = PASS if OPS[c.op](measured, c.value) else FAIL
    return (status, measured, c.value, f"{c.aggregate} {c.stat} over {len(vals)} seeds: {_seed_list(vals)}",
            Evidence(vals.to_numpy(), _stat(c.aggregate)))


def _window_ends(steps, values, step_from: int, step_to: int, share: float) -> tuple[float, float]:
    inside = values[(steps >= step_from) & (steps <= step_to)]
    if not len(inside):
        return np.nan, np.nan
    n = max(1, int(np.ceil(share * len(inside))))
    return float(np.median(inside[:n])), float(np.median(inside[-n:]))


def any_of(c, history, runs) -> tuple:
    """The first passing alternative's numbers, op and evidence; if none passes, the first failing one's."""
    return _compound(c, history, runs, (PASS, FAIL))


def all_of(c, history, runs) -> tuple:
    """PASS only when every part passes; the numbers of the first failing part, else of the first."""
    results = [_evaluate(sub, history, runs) for sub in c.checks]
    if any(r[0] == INCONCLUSIVE for r in results):
        return _compound(c, history, runs, (INCONCLUSIVE,), results)
    return _compound(c, history, runs, (FAIL, PASS), results)


def _compound(c, history, runs, order, results=None) -> tuple:
    results = results or [_evaluate(sub, history, runs) for sub in c.checks]
    detail = " | ".join(f"[{r[0]}] {r[3]}" for r in results)
    for status in order:
        for res in results:
            if res[0] == status:
                return status, res[1], res[2], detail, res[5], res[4]
    return INCONCLUSIVE, float("nan"), float("nan"), detail, Evidence(), results[0][4]


def _evaluate(c, history, runs) -> tuple:
    """(status, measured, threshold, detail, op, evidence) of one check. Checks that declare
    `needs_runs` (and compounds) also get the runs table: statuses, and runs without history."""
    op = ">=" if c.kind == "order" or getattr(c, "per_seed", False) else getattr(c, "op", None)
    extra = (runs,) if CHECKS.meta(c.kind, "needs_runs") else ()
    try:
        status, measured, threshold, detail, evidence, *decided = CHECKS.load(c.kind)(c, history, *extra)
    except ValueError as exc:
        return INCONCLUSIVE, float("nan"), float("nan"), str(exc), op, Evidence()
    if status != INCONCLUSIVE and (measured is None or math.isnan(measured)):
        status = INCONCLUSIVE
    return status, measured, threshold, detail, decided[0] if decided else op, evidence


def _variants(c) -> set[str]:
    if hasattr(c, "checks"):
        return set().union(*(_variants(sub) for sub in c.checks))
    return {c.variant} if hasattr(c, "variant") else {c.a, c.b} if hasattr(c, "a") else set(c.variants)


def _has_control(c, trained: set[str]) -> bool:
    """Claims about training have a control; relations over steps and analyses do not."""
    if any(CHECKS.meta(sub.kind, "over_steps") for sub in sub_checks(c)):
        return False
    return _variants(c) <= trained


def claims_for(spec, profile: str | None) -> list:
    """The claims of `spec` that profile `profile` evaluates (None: all of them)."""
    return [c for c in spec.claims if profile is None or c.profiles is None or profile in c.profiles]


def evaluate_claims(spec, runs: pd.DataFrame, history: pd.DataFrame, profile: str | None = None) -> list[Outcome]:
    """Evaluate the claims of experiment `spec` that `profile` evaluates on the stored tables, and
    on their control."""
    hist = finished_history(runs, history)
    trained = trained_variants(runs)
    control = None
    out = []
    for claim in claims_for(spec, profile):
        status, measured, threshold, detail, op, evidence = _evaluate(claim.check, hist, runs)
        ci_low, ci_high = interval(evidence.values, evidence.stat)
        outcome = Outcome(claim.id, status, measured, op, threshold, detail, ci_low, ci_high,
                          sign_test(evidence.k, evidence.n), holds_at_init=claim.holds_at_init)
        if _has_control(claim.check, trained):
            control = control_history(hist) if control is None else control
            c_status, c_measured, *_ = _evaluate(claim.check, control, runs)
            outcome.control_status, outcome.control_measured = c_status, c_measured
        out.append(outcome)
    return out


COLUMNS = ["claim_id", "status", "measured", "op", "threshold", "ci_low", "ci_high", "p_value",
           "control_status", "control_measured", "holds_at_init", "detail"]


def outcomes_frame(outcomes: list[Outcome]) -> pd.DataFrame:
    return pd.DataFrame([o.as_row() for o in outcomes], columns=COLUMNS)
