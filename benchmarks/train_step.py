"""Seconds per generator iteration of the compiled train step, side by side.

Compares wgan-bench's train function (all `steps_per_execution` iterations in one in-graph
XLA loop) with Keras' default train function on the same model (a host loop over the
iterator calling a compiled single step), interleaved, plus this machine's matmul rate.

    python benchmarks/train_step.py [--iters 200] [--repeats 3] [--workloads deep-clip,toy-gp]
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import time

WORKLOADS = {
    # name: (dataset, depth, width, batch, method)
    "deep-clip": ("swissroll", 12, 512, 64, "clip"),
    "toy-gp": ("8gaussians", 3, 512, 256, "gp"),
    "toy-clip": ("8gaussians", 3, 512, 256, "clip"),
}


def config(workload: str, iters_per_call: int):
    from wgan_bench.config.schema import RunConfig

    data, depth, width, batch, method = WORKLOADS[workload]
    m = {"name": "wgan", "clip": 0.01, "n_critic": 5} if method == "clip" else {"name": "wgan_gp", "gp_weight": 10}
    o = ({"name": "rmsprop", "learning_rate": 5e-5} if method == "clip"
         else {"name": "adam", "learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9})
    return RunConfig.model_validate(dict(
        dataset={"name": data}, generator={"depth": depth, "width": width}, critic={"depth": depth, "width": width},
        method=m, optimizer=o, train={"steps": iters_per_call, "batch_size": batch}, record={"every": iters_per_call}))


def matmul_gflops(tf, m=64, k=512, n=512, reps=200) -> float:
    a, b = tf.random.normal((m, k)), tf.random.normal((k, n))

    @tf.function(jit_compile=True)
    def chain(a):
        for _ in range(reps):
            a = tf.matmul(a, b) * 0.04
        return a

    chain(a).numpy()
    t = time.perf_counter()
    chain(a).numpy()
    return reps * 2 * m * k * n / (time.perf_counter() - t) / 1e9


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--iters", type=int, default=200, help="generator iterations per timing")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--chunk", type=int, default=10, help="iterations per compiled call (record.every)")
    p.add_argument("--workloads", default="deep-clip,toy-gp")
    args = p.parse_args()
    t_start = time.perf_counter()

    from wgan_bench.runner.tf_setup import configure_tensorflow

    configure_tensorflow()
    import keras
    import tensorflow as tf

    from wgan_bench.methods.adversarial import AdversarialModel
    from wgan_bench.runner.train import Trainer

    print(f"# {platform.processor() or platform.machine()}, TF {tf.__version__}, Keras {keras.__version__}")
    print(f"# matmul 64x512x512: {matmul_gflops(tf):.0f} GFLOP/s, 256x512x512: {matmul_gflops(tf, m=256):.0f} GFLOP/s")
    print("workload   implementation         ms/iter (median)  spread (min-max)  compile s")
    for workload in args.workloads.split(","):
        cfg = config(workload, args.chunk)
        impls = {}
        for name in ("wgan-bench in-graph loop", "keras default loop"):
            model = Trainer._build(cfg, seed=0).model
            if name == "keras default loop":
                keras.Model.make_train_function(model, force=True)
            else:
                AdversarialModel.make_train_function(model, force=True)
            data = iter(tf.data.Dataset.from_tensors(0.0).repeat())
            t = time.perf_counter()
            model.train_function(data)
            impls[name] = (model, data, time.perf_counter() - t, [])
        calls = max(1, args.iters // args.chunk)
        for _ in range(args.repeats):  # interleaved
            for model, data, _, times in impls.values():
                t = time.perf_counter()
                for _ in range(calls):
                    logs = model.train_function(data)
                float(logs["d_loss"])
                times.append((time.perf_counter() - t) / (calls * args.chunk))
        for name, (_, _, compile_s, times) in impls.items():
            print(f"{workload:10s} {name:22s} {1000 * statistics.median(times):10.1f}        "
                  f"{1000 * min(times):6.1f}-{1000 * max(times):6.1f}     {compile_s:6.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"# peak RSS {rss:.0f} MiB; total {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
