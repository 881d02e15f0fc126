"""Wall time of a 12-run toy sweep (benchmarks/sweep12.yaml) with `wgan-bench run --jobs N`.

    python benchmarks/jobs.py [--jobs 1,2]

Each N runs the whole sweep from a fresh process into a temporary result store, so start-up,
compilation (once per worker and graph) and result writing are all counted.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SWEEP = Path(__file__).resolve().parent / "sweep12.yaml"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--jobs", default="1,2")
    args = p.parse_args()
    walls = {}
    for n in [int(j) for j in args.jobs.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "wgan_bench", "run", str(SWEEP), "--results", tmp,
                                   "--jobs", str(n)], capture_output=True, text=True)
            if proc.returncode:
                sys.exit(f"--jobs {n} failed:\n{proc.stderr[-2000:]}")
            walls[n] = time.perf_counter() - t
        print(f"--jobs {n}: {walls[n]:.1f} s for 12 runs ({walls[min(walls)] / walls[n]:.2f}x vs --jobs {min(walls)})",
              flush=True)


if __name__ == "__main__":
    main()
