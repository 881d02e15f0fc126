"""How long all the quick (or ci) profiles take with `--jobs N`, replayed from stored run times.

    python benchmarks/replay.py [--profile quick] [--jobs 2] [--results results]

Measuring the quick total takes over an hour of both cores; this replays each stored run's
`wall_s` (runs.csv) through the driver's own batching (`batches_for_workers`) on N workers that
take the next batch as they free up, as the pool does. It prints each experiment alone, the
total with a wait between experiments (wgan-bench before 2026-12-01), one sweep over every
experiment (since then), and a perfect split (CPU time / N). Stored times come from the machine
that wrote each store; the replay is an estimate, not a measurement (a measured 76.8 min run
replayed as 77.4 with waits).
"""

from __future__ import annotations

import argparse
import heapq

import pandas as pd

from wgan_bench.config.loader import discover
from wgan_bench.runner.scheduling import batches_for_workers
from wgan_bench.store.results import ResultStore


def makespan(batches, seconds: dict[str, float], jobs: int) -> float:
    """Wall time when `jobs` workers take `batches` in order, each as soon as it is free."""
    free = [0.0] * jobs
    for batch in batches:
        heapq.heappush(free, heapq.heappop(free) + sum(seconds[s.key] for s in batch))
    return max(free)


def replay(experiments, profile: str, jobs: int, results: str) -> tuple[pd.DataFrame, float, dict[str, float]]:
    """(a row per experiment, CPU-minutes in all, the totals in minutes)."""
    rows, everything, seconds = [], [], {}
    for exp in experiments:
        name = profile if profile in exp.spec.profiles else "quick"
        specs = exp.resolve(name, None, None, None)
        stored = ResultStore(results, exp.name, name).runs().set_index("run_id")["wall_s"]
        missing = [s.run_id for s in specs if s.run_id not in stored.index]
        if missing:
            raise SystemExit(f"{results}/{exp.name}/{name}: no stored time for {', '.join(missing)}")
        seconds.update({s.key: float(stored[s.run_id]) for s in specs})
        everything += specs
        rows.append({"experiment": exp.name, "runs": len(specs),
                     "cpu_min": sum(seconds[s.key] for s in specs) / 60,
                     "alone_min": makespan(batches_for_workers(specs, jobs), seconds, jobs) / 60})
    table = pd.DataFrame(rows)
    cpu = table["cpu_min"].sum()
    totals = {"with waits between experiments": table["alone_min"].sum(),
              "one sweep": makespan(batches_for_workers(everything, jobs), seconds, jobs) / 60,
              "perfect split": cpu / jobs}
    return table, cpu, totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--results", default="results")
    parser.add_argument("--experiments", default="experiments")
    args = parser.parse_args()
    table, cpu, totals = replay(discover(None, root=args.experiments), args.profile, args.jobs, args.results)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    print(f"\n{cpu:.1f} CPU-minutes with --jobs {args.jobs}:")
    for label, minutes in totals.items():
        print(f"  {label}: {minutes:.1f} min")


if __name__ == "__main__":
    main()
