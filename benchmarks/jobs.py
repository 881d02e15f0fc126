"""Wall time of a whole sweep with `wgan-bench run --jobs N`, from a cold and a warm XLA cache.

    python benchmarks/jobs.py [--jobs 1,2] [--sweep benchmarks/sweep12.yaml] [--profile quick] [--variant V]...

Each N runs the whole sweep from a fresh process into a temporary result store, so start-up,
compilation and result writing are all counted. "cold" starts from an empty persistent XLA
cache (every graph compiles); "warm" then runs the sweep again into a fresh store with the
cache the cold run filled, as a second `run` or a `check` on the same machine does.
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


def timed_run(sweep: Path, profile: str, variants: list[str], jobs: int, cache: str) -> float:
    with tempfile.TemporaryDirectory() as results:
        t = time.perf_counter()
        chosen = [arg for v in variants for arg in ("--variant", v)]
        proc = subprocess.run([sys.executable, "-m", "wgan_bench", "run", str(sweep), "--profile", profile, *chosen,
                               "--results", results, "--jobs", str(jobs)], check=False, capture_output=True,
                              text=True, env={**os.environ, "WGAN_BENCH_XLA_CACHE": cache})
        if proc.returncode not in (0, 1):  # 1: a claim failed, which is not this benchmark's business
            sys.exit(f"--jobs {jobs} failed:\n{proc.stderr[-2000:]}")
        return time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", default="1,2")
    p.add_argument("--sweep", type=Path, default=HERE / "sweep12.yaml", help="an experiment YAML")
    p.add_argument("--profile", default="quick")
    p.add_argument("--variant", action="append", dest="variants", default=[], help="only this variant (repeatable)")
    args = p.parse_args()
    walls: dict[tuple[str, int], float] = {}
    for n in [int(j) for j in args.jobs.split(",")]:
        with tempfile.TemporaryDirectory() as cache:
            for state in ("cold", "warm"):
                walls[state, n] = wall = timed_run(args.sweep, args.profile, args.variants, n, cache)
                first = walls[state, min(j for s, j in walls if s == state)]
                print(f"{args.sweep.name} --jobs {n}, {state} XLA cache: {wall:.1f} s "
                      f"({first / wall:.2f}x vs the fewest jobs, same cache state)", flush=True)


if __name__ == "__main__":
    main()
