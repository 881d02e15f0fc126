"""What shorter quick profiles would conclude and cost, from the stored tables alone.

    python benchmarks/budget.py [--fractions 0.5,0.6,0.75] [--jobs 2] [--plan dcgan_no_bn=0.75,...]

A run of N generator iterations is the first N iterations of a longer run with the same seed
(same random streams, same record steps), so the claims of a shorter profile are the claims
evaluated on the stored histories cut at N. Cuts snap down to a step where the shorter run
would record what the longer one did (a multiple of `record.every`, and of `quality_every`
where quality is recorded every so often), and a run that diverged after the cut counts as
finished. For each experiment and fraction it prints the claims whose status would change and
the CPU time saved (each run's stored `wall_s` scaled by the share of iterations kept); with
`--plan`, the `--jobs N` total of the whole quick sweep under that plan (replayed as
`replay.py` does). Claims that name a step (`step:` in a check) keep it, as written for the
full length; a shorter profile might move it.
"""

from __future__ import annotations

import argparse
import math

import pandas as pd
from replay import makespan

from wgan_bench.claims.engine import evaluate_claims
from wgan_bench.config.loader import discover
from wgan_bench.runner.scheduling import batches_for_workers
from wgan_bench.store.results import ResultStore

PROFILE = "quick"


def cut_step(cfg, fraction: float) -> int:
    """The last step a run of `fraction` of `cfg`'s iterations records exactly as the full run."""
    rec = cfg.record
    unit = rec.every if rec.quality_at is not None else math.lcm(rec.every, rec.quality_every or rec.every)
    return int(fraction * cfg.train.steps) // unit * unit


def truncate(runs: pd.DataFrame, history: pd.DataFrame, cuts: dict[str, int]):
    """(runs, history) as runs stopped at `cuts[run_id]` would have stored them; run ids without a
    cut (analyses) are kept whole. `wall_s` is scaled by the share of steps kept."""
    runs = runs.copy()
    keep = pd.Series(True, index=history.index)
    for run_id, cut in cuts.items():
        keep &= ~((history["run_id"] == run_id) & (history["step"] > cut))
        row = runs["run_id"] == run_id
        full = runs.loc[row, "steps"].astype(float)
        if runs.loc[row, "status"].eq("diverged").any() and (full > cut).all():
            runs.loc[row, "status"] = "ok"  # it diverged after the cut: the shorter run finished
        runs.loc[row, "wall_s"] = runs.loc[row, "wall_s"] * (min(cut, full.max()) / full.max() if full.max() else 1)
        runs.loc[row, "steps"] = full.clip(upper=cut)
    return runs, history[keep]


class Stored:
    """One experiment's quick store, its run configs and its full-length claim statuses."""

    def __init__(self, exp, results: str):
        self.exp = exp
        self.specs = exp.resolve(PROFILE)
        self.runs, self.history = ResultStore(results, exp.name, PROFILE).load()
        missing = sorted({s.run_id for s in self.specs} - set(self.runs["run_id"]))
        if missing:
            raise SystemExit(f"{results}/{exp.name}/{PROFILE}: no stored run {', '.join(missing)}")
        self.full = self.statuses(self.runs, self.history)
        stored = ResultStore(results, exp.name, PROFILE).claims()
        written = dict(zip(stored["claim_id"], stored["status"], strict=True)) if len(stored) else {}
        self.stale = sorted(cid for cid, status in written.items() if self.full.get(cid, status) != status)

    def statuses(self, runs, history) -> dict[str, str]:
        return {o.claim_id: o.status for o in evaluate_claims(self.exp.spec, runs, history, PROFILE)}

    def cut(self, fraction: float):
        cuts = {s.run_id: cut_step(s.config, fraction) for s in self.specs if s.config.task != "analysis"}
        runs, history = truncate(self.runs, self.history, cuts)
        changed = {cid: (was, now) for cid, now in self.statuses(runs, history).items()
                   if (was := self.full[cid]) != now}
        return runs, changed

    def seconds(self, runs) -> dict[str, float]:
        wall = runs.set_index("run_id")["wall_s"]
        return {s.key: float(wall[s.run_id]) for s in self.specs}


def parse_plan(text: str | None) -> dict[str, float]:
    plan = {}
    for item in filter(None, (text or "").split(",")):
        name, _, fraction = item.partition("=")
        plan[name.strip()] = float(fraction)
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fractions", default="0.5,0.6,0.75")
    parser.add_argument("--plan", help="experiment=fraction,...: the quick total with these cuts")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--results", default="results")
    parser.add_argument("--experiments", default="experiments")
    args = parser.parse_args()
    fractions = [float(f) for f in args.fractions.split(",")]
    plan = parse_plan(args.plan)
    stores = [Stored(exp, args.results) for exp in discover(None, root=args.experiments)]
    unknown = sorted(set(plan) - {s.exp.name for s in stores})
    if unknown:
        raise SystemExit(f"--plan: no experiment {', '.join(unknown)}")

    seconds, specs = {}, []
    for store in stores:
        full_cpu = store.runs["wall_s"].sum() / 60
        print(f"{store.exp.name}: {full_cpu:.1f} CPU-min, {len(store.full)} claims")
        if store.stale:
            print(f"  (claims.csv differs from these claims evaluated now: {', '.join(store.stale)})")
        for fraction in fractions:
            runs, changed = store.cut(fraction)
            saved = full_cpu - runs["wall_s"].sum() / 60
            what = "; ".join(f"{cid} {was}->{now}" for cid, (was, now) in changed.items()) or "no status changes"
            print(f"  at {fraction:.0%}: saves {saved:.1f} CPU-min; {what}")
        runs = store.cut(plan[store.exp.name])[0] if store.exp.name in plan else store.runs
        seconds.update(store.seconds(runs))
        specs += store.specs
    total = makespan(batches_for_workers(specs, args.jobs), seconds, args.jobs) / 60
    label = f"with the plan {args.plan}" if plan else "as stored"
    print(f"\nquick, one sweep with --jobs {args.jobs}, {label}: {total:.1f} min "
          f"({sum(seconds.values()) / 60:.1f} CPU-min)")


if __name__ == "__main__":
    main()
