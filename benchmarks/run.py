"""Side-by-side speed benchmark: wgan-bench against a keras.io-style baseline, per workload.

    python benchmarks/run.py [--iters 200] [--repeats 3] [--chunk 50] [--workloads toy-gp,small-1d]

Every measurement is a fresh process, so start-up (process start to first step) and peak RSS
are per implementation; repeats are interleaved across implementations. The matmul rate of
this machine is measured in the same run, at each workload's batch shape, and turns the FLOPs
a workload needs into a floor. Results: a table on stdout and benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flops import executed_gflop
from workloads import WORKLOADS

HERE = Path(__file__).resolve().parent

IMPLS = ("wgan-bench", "keras.io baseline")


# ---------------------------------------------------------------- child processes
def _child_wgan_bench(workload, iters: int, chunk: int) -> tuple[list[float], Callable[[], float]]:
    """Chunk-end timestamps of a timed run, and a function counting one step's executed GFLOP."""
    from wgan_bench.tf_setup import configure_tensorflow

    configure_tensorflow()
    from wgan_bench.config.loader import RunSpec
    from wgan_bench.runner.train import Trainer

    stamps = []
    spec = RunSpec("bench", "bench", workload.name, 0, workload.config(iters + 2 * chunk, chunk))
    trainer = Trainer()
    result = trainer.run(spec, on_steps=lambda n: stamps.append(time.time()))
    if result.status != "ok":
        raise RuntimeError(result.error)
    model = trainer.compiled(spec.config).model
    return stamps, lambda: executed_gflop(lambda: model.train_step(None))


def _child_baseline(workload, iters: int, chunk: int) -> tuple[list[float], Callable[[], float]]:
    import keras
    import keras_io_baseline as base

    cfg = workload.config(chunk, chunk)
    model = base.build(cfg)
    stamps = []
    stamp = keras.callbacks.LambdaCallback(on_epoch_end=lambda *_: stamps.append(time.time()))
    x = base.real_data(cfg, workload.batch * chunk)
    model.fit(x, batch_size=workload.batch, epochs=iters // chunk + 2, verbose=0, callbacks=[stamp])
    return stamps, lambda: executed_gflop(model.train_step, x[:workload.batch])


def _child_matmul(sizes: list[int]) -> dict[str, dict[str, float]]:
    """GFLOP/s per shape class at batch m: m x 512 @ 512 x 512 ("other": forward passes and
    input gradients) and (m x 512)^T @ m x 512 ("batch_contracted": weight gradients); the best of
    5 timings of a dependent chain, compiled by XLA like wgan-bench's step."""
    from wgan_bench.tf_setup import configure_tensorflow

    configure_tensorflow()
    import tensorflow as tf

    rates = {}
    for m in sizes:
        a, b = tf.random.normal((m, 512)), tf.random.normal((512, 512))
        reps = max(20, 40_000 // m)

        @tf.function(jit_compile=True)
        def forward(a, reps=reps, b=b):
            for _ in range(reps):
                a = tf.matmul(a, b) * 0.04
            return a

        @tf.function(jit_compile=True)
        def weight_grad(a, reps=reps):
            w = tf.zeros((512, 512))
            for _ in range(reps):  # each product depends on the last, so none is hoisted
                w = tf.matmul(a, a + w[:1] * 1e-6, transpose_a=True)
            return w

        rates[str(m)] = {}
        for cls, fn in (("other", forward), ("batch_contracted", weight_grad)):
            fn(a).numpy()
            best = float("inf")
            for _ in range(5):
                t = time.perf_counter()
                fn(a).numpy()
                best = min(best, time.perf_counter() - t)
            rates[str(m)][cls] = reps * 2 * m * 512 * 512 / best / 1e9
    return rates


def child(args) -> None:
    import resource

    if args.child == "matmul":
        out = {"rates": _child_matmul([int(s) for s in args.sizes.split(",")])}
    else:
        run = _child_wgan_bench if args.child == "wgan-bench" else _child_baseline
        stamps, flops = run(WORKLOADS[args.workload], args.iters, args.chunk)
        warm = stamps[1]  # after two chunks: compiled and warmed up
        per_iter = (stamps[-1] - warm) / (args.chunk * (len(stamps) - 2))
        out = {"s_per_iter": per_iter, "startup_s": stamps[0] - args.t0 - args.chunk * per_iter}
        if args.flops:  # after timing: compiles the step again
            out["gflop_executed"] = flops()
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def spawn(*argv) -> dict:
    cmd = [sys.executable, str(Path(__file__)), "--t0", repr(time.time()), *argv]
    with tempfile.TemporaryDirectory() as cache:  # an empty XLA cache: start-up includes compiling
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "WGAN_BENCH_XLA_CACHE": cache})
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{' '.join(argv)} failed:\n{proc.stderr[-3000:]}")


# ---------------------------------------------------------------- the driver
def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iters", type=int, default=200, help="timed generator iterations after warm-up")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--chunk", type=int, default=50, help="iterations per compiled call / Keras epoch")
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--workload", help=argparse.SUPPRESS)
    p.add_argument("--sizes", help=argparse.SUPPRESS)
    p.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    p.add_argument("--flops", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args)
    names = args.workloads.split(",")
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        sys.exit(f"--workloads: unknown {unknown}; known: {', '.join(WORKLOADS)}")
    t_start = time.time()
    batches = sorted({WORKLOADS[n].batch for n in names})
    rates = spawn("--child", "matmul", "--sizes", ",".join(map(str, batches)))["rates"]
    runs = {(n, impl): [] for n in names for impl in IMPLS}
    for rep in range(args.repeats):
        for n in names:
            for impl in IMPLS:  # interleaved: every implementation once per repeat
                print(f"repeat {rep + 1}/{args.repeats}: {n} / {impl}", file=sys.stderr, flush=True)
                flops = ["--flops"] if rep == 0 else []
                runs[n, impl].append(spawn("--child", impl, "--workload", n, "--iters", str(args.iters),
                                           "--chunk", str(args.chunk), *flops))
    rows = summarise(names, runs, rates)
    meta = {"date": date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "versions": versions(), "iters": args.iters, "repeats": args.repeats, "chunk": args.chunk,
            "matmul_gflops": rates, "total_s": time.time() - t_start}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(markdown(meta, rows))


def summarise(names, runs, rates) -> list[dict]:
    rows = []
    for n in names:
        w = WORKLOADS[n]
        needed = w.needed_gflop()
        # The floor: each shape class's FLOPs at the rate this machine reaches on that class.
        floor = sum(g / rates[str(w.batch)][cls] for cls, g in needed.items()) if needed else None
        medians = {impl: statistics.median(r["s_per_iter"] for r in runs[n, impl]) for impl in IMPLS}
        for impl in IMPLS:
            r, t = runs[n, impl], medians[impl]
            executed = r[0].get("gflop_executed")
            # No hand count (conv nets): the work XLA counts in this implementation's step, at the
            # forward matmul rate.
            impl_floor = floor or (executed and executed / rates[str(w.batch)]["other"])
            rows.append({"workload": n, "impl": impl, "ms_per_iter": 1e3 * t,
                         "min_ms": 1e3 * min(x["s_per_iter"] for x in r),
                         "max_ms": 1e3 * max(x["s_per_iter"] for x in r),
                         "startup_s": statistics.median(x["startup_s"] for x in r),
                         "peak_rss_mib": max(x["peak_rss_mib"] for x in r),
                         "speedup_vs_baseline": medians["keras.io baseline"] / t,
                         "gflop_needed": sum(needed.values()) if needed else None,
                         "gflop_executed": executed, "gflop_per_s": executed and executed / t,
                         "floor_ms": floor and 1e3 * floor, "x_floor": floor and t / floor,
                         "matmul_fraction": impl_floor and impl_floor / t})
    return rows


def versions() -> dict:
    from importlib.metadata import version

    return {p: version(p) for p in ("tensorflow", "keras", "numpy")} | {"python": platform.python_version()}


def _fmt(value, spec: str, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:{spec}}{suffix}"


def markdown(meta, rows) -> str:
    rates = "; ".join(f"batch {k}: {v['other']:.0f} GFLOP/s forward/input-gradient, {v['batch_contracted']:.0f} "
                      "weight-gradient" for k, v in meta["matmul_gflops"].items())
    lines = [f"{meta['date']}, {meta['machine']}, TF {meta['versions']['tensorflow']}, Keras "
             f"{meta['versions']['keras']}; {meta['iters']} iterations x {meta['repeats']} interleaved repeats; "
             f"matmul rates (x 512 x 512, best of 5): {rates}.", "",
             "| workload | implementation | ms / gen. iter (median) | min–max | vs baseline | GFLOP needed "
             "| GFLOP executed (XLA) | GFLOP/s | FLOP floor ms | × floor | % of matmul rate | start-up s "
             "| peak RSS MiB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        pct = None if r["matmul_fraction"] is None else 100 * r["matmul_fraction"]
        lines.append(f"| {r['workload']} | {r['impl']} | {r['ms_per_iter']:.2f} | {r['min_ms']:.2f}–{r['max_ms']:.2f} "
                     f"| {r['speedup_vs_baseline']:.2f}× | {_fmt(r['gflop_needed'], '.3f')} "
                     f"| {_fmt(r['gflop_executed'], '.3f')} | {_fmt(r['gflop_per_s'], '.0f')} "
                     f"| {_fmt(r['floor_ms'], '.2f')} "
                     f"| {_fmt(r['x_floor'], '.2f')} | {_fmt(pct, '.0f', ' %')} | {r['startup_s']:.1f} "
                     f"| {r['peak_rss_mib']:.0f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
