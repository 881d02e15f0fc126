"""Wall time of a whole sweep with `wgan-bench run --jobs N`, from a cold and a warm XLA cache.

    python benchmarks/jobs.py [--jobs 1,2] [--sweep benchmarks/sweep12.yaml] [--profile quick] [--variant V]...
                              [--split]

Each N runs the whole sweep from a fresh process into a temporary result store, so start-up,
compilation and result writing are all counted. "cold" starts from an empty persistent XLA
cache (every graph compiles); "warm" then runs the sweep again into a fresh store with the
cache the cold run filled, as a second `run` or a `check` on the same machine does.

--split also times, for each N > 1, the ceiling of any executor made of processes: the sweep's
variants shared out among N independent `wgan-bench run` processes started together, each
pinned to its share of the cores (so it runs that many TensorFlow threads). No pool, queue or
driver, but each process still starts Python and TensorFlow and compiles its own graphs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def variant_shares(sweep: Path, profile: str, variants: list[str], n: int) -> list[list[str]]:
    """The sweep's variants in n groups with as equal run counts as whole variants allow."""
    from wgan_bench.config.loader import load_experiment

    runs = load_experiment(sweep).resolve(profile, None, variants or None)
    counts: dict[str, int] = {}
    for spec in runs:
        counts[spec.variant] = counts.get(spec.variant, 0) + 1
    if len(counts) < n:
        sys.exit(f"--split with {n} jobs needs at least {n} variants; the sweep has {len(counts)}")
    shares: list[list[str]] = [[] for _ in range(n)]
    for name in sorted(counts, key=counts.get, reverse=True):
        min(shares, key=lambda s: sum(counts[v] for v in s)).append(name)
    return shares


def timed_run(sweep: Path, profile: str, parts: list[tuple[list[str], int, set[int] | None]], cache: str) -> float:
    """Wall time until every part, a `wgan-bench run` of (variants, --jobs, cores or None), has ended."""
    with tempfile.TemporaryDirectory() as results:
        t = time.perf_counter()
        procs = []
        for i, (variants, jobs, cores) in enumerate(parts):
            chosen = [arg for v in variants for arg in ("--variant", v)]
            pin = (lambda c=cores: os.sched_setaffinity(0, c)) if cores else None
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "wgan_bench", "run", str(sweep), "--profile", profile, *chosen,
                 "--results", f"{results}/{i}", "--jobs", str(jobs)], stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, text=True, env={**os.environ, "WGAN_BENCH_XLA_CACHE": cache},
                preexec_fn=pin))
        errors = [p.communicate()[1] for p in procs]
        wall = time.perf_counter() - t
        for proc, err in zip(procs, errors, strict=True):
            if proc.returncode not in (0, 1):  # 1: a claim failed, which is not this benchmark's business
                sys.exit(f"{proc.args} failed:\n{err[-2000:]}")
        return wall


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", default="1,2")
    p.add_argument("--sweep", type=Path, default=HERE / "sweep12.yaml", help="an experiment YAML")
    p.add_argument("--profile", default="quick")
    p.add_argument("--variant", action="append", dest="variants", default=[], help="only this variant (repeatable)")
    p.add_argument("--split", action="store_true", help="also time N independent pinned processes (see above)")
    args = p.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    walls: dict[tuple[str, str, int], float] = {}
    for n in [int(j) for j in args.jobs.split(",")]:
        setups = {"--jobs": [(args.variants, n, None)]}
        if args.split and n > 1:
            shares = variant_shares(args.sweep, args.profile, args.variants, n)
            setups["split"] = [(share, 1, set(cores[i::n])) for i, share in enumerate(shares)]
        for how, parts in setups.items():
            with tempfile.TemporaryDirectory() as cache:
                for state in ("cold", "warm"):
                    walls[how, state, n] = wall = timed_run(args.sweep, args.profile, parts, cache)
                    first = walls["--jobs", state, min(j for h, s, j in walls if s == state)]
                    label = f"--jobs {n}" if how == "--jobs" else f"{n} pinned processes"
                    print(f"{args.sweep.name} {label}, {state} XLA cache: {wall:.1f} s "
                          f"({first / wall:.2f}x vs the fewest jobs, same cache state)", flush=True)


if __name__ == "__main__":
    main()
