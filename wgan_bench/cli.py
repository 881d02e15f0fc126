"""`wgan-bench` command line (DESIGN §2): list, validate, run, report, check, calibrate, sample.

Exit codes: 0 success; 1 a run crashed, a regression, or a failed check; 2 bad input.
User errors print one line per problem (file: field: message) and no traceback unless --debug.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import sys
from pathlib import Path

from .errors import UserError, problem

BUNDLED_EXPERIMENTS = Path(__file__).resolve().parent / "experiments"


def experiments_dir() -> Path:
    """`./experiments` when the working folder has one (a checkout, or your own experiments), else
    the experiments installed with the package."""
    local = Path("experiments")
    return local if local.is_dir() else BUNDLED_EXPERIMENTS


def _experiment_paths(files: list[str]) -> list[str]:
    """FILE arguments as given, or a bare experiment name (`clip_sweep`) looked up in experiments_dir()."""
    out = []
    for f in files:
        named = experiments_dir() / f"{f}.yaml"
        out.append(str(named) if not Path(f).exists() and "/" not in f and named.is_file() else f)
    return out


def _seeds(text: str) -> list[int]:
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("expected comma-separated integers, e.g. 0,1,2") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wgan-bench", description="Reproduce the WGAN papers' claims by running them.")
    p.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", help="experiments, their paper source, variants and claims")

    v = sub.add_parser("validate", help="check experiment files against the schema")
    v.add_argument("files", nargs="+", metavar="FILE", help="experiment files, or names of bundled experiments")

    r = sub.add_parser("run", help="train every variant x seed, store tables, print claims")
    r.add_argument("files", nargs="+", metavar="FILE",
                   help="experiment files, or names of bundled experiments (clip_sweep)")
    r.add_argument("--profile", default=None,
                   help="named scale profile (default: quick; a file without profiles runs as written)")
    r.add_argument("--seeds", type=_seeds, help="comma-separated seeds, overriding the profile's")
    r.add_argument("--variant", action="append", dest="variants", metavar="NAME",
                   help="run only this variant (repeatable)")
    r.add_argument("--set", action="append", dest="overrides", default=[], metavar="PATH=VALUE",
                   help="override a config field for every run, e.g. train.steps=20 (repeatable)")
    r.add_argument("--results", default="results", metavar="DIR", help="result store root (default: results)")
    r.add_argument("--jobs", type=int, metavar="N",
                   help="runs at once (default: 1 locally; with Ray all that fit, "
                        "a local Ray gets N x cpus-per-run CPUs)")
    r.add_argument("--executor", default="local", choices=["local", "ray"],
                   help="local: this machine; ray: one Ray task per run, results stored by this process")
    r.add_argument("--ray-address", metavar="ADDR",
                   help="Ray cluster to connect to (default: $RAY_ADDRESS, else a local Ray)")
    r.add_argument("--cpus-per-run", type=int, default=1, metavar="C",
                   help="Ray CPUs and TensorFlow threads per run (default: 1)")
    r.add_argument("--gpus-per-run", type=float, default=0.0, metavar="G",
                   help="Ray GPUs per run; a fraction shares a GPU (default: 0)")
    r.add_argument("--force", action="store_true", help="rerun runs already stored")
    r.add_argument("--inception", metavar="PATH",
                   help="the 2015-12-05 Inception graph (.pb) for the inception_scores diagnostic "
                        "(else $WGAN_BENCH_INCEPTION); never downloaded")
    r.add_argument("--deterministic", action="store_true",
                   help="TensorFlow op determinism (for GPUs; recorded in the manifest). Keras then "
                        "compiles without XLA, which costs speed; CPU runs are deterministic without it")
    r.add_argument("--tensorboard", metavar="DIR",
                   help="also log every recorded value (and image sample grids) live to TensorBoard under DIR")

    rep = sub.add_parser("report", help="figures and reports/README.md from stored tables (no training)")
    rep.add_argument("--results", default="results", metavar="DIR")
    rep.add_argument("--out", default="reports", metavar="DIR")
    rep.add_argument("--experiment", action="append", dest="experiments", metavar="NAME")

    c = sub.add_parser("check", help="CI regression gate: fresh results against committed baselines")
    c.add_argument("--results", default=None, metavar="DIR",
                   help="fresh results to check (default: run each experiment's ci/quick profile into a temp folder)")
    c.add_argument("--baseline", default="results", metavar="DIR")
    c.add_argument("--experiment", action="append", dest="experiments", metavar="NAME")
    c.add_argument("--jobs", type=int, metavar="N", help="runs at once (default: 1)")

    cal = sub.add_parser("calibrate", help="measure the seed-to-seed spread that sizes check's gate")
    cal.add_argument("--seeds", type=_seeds, default=None,
                     help="extra seeds to run the check profile with (default: five more groups of the "
                          "profile's seed count after its last seed: 1-5 for a one-seed profile)")
    cal.add_argument("--baseline", default="results", metavar="DIR",
                     help="baselines to calibrate; seed_spread.csv is written beside them")
    cal.add_argument("--results", default=None, metavar="DIR",
                     help="keep the extra runs here (resumable; default: a temp folder)")
    cal.add_argument("--jobs", type=int, metavar="N", help="runs at once (default: 1)")
    cal.add_argument("--experiment", action="append", dest="experiments", metavar="NAME")

    smp = sub.add_parser("sample", help="samples from a stored run's trained generator: PNG files or a CSV")
    smp.add_argument("store", metavar="RESULTS_DIR", help="the run's store, results/<experiment>/<profile>")
    smp.add_argument("run_id", metavar="RUN_ID", help="e.g. gp-s0 (runs.csv's run_id)")
    smp.add_argument("-n", type=int, default=1000, help="number of samples (default: 1000)")
    smp.add_argument("--out", required=True, metavar="DIR", help="folder for the PNG files or the CSV")
    smp.add_argument("--seed", type=int, default=0, help="seed of the noise (default: 0)")
    return p


def _experiment_files(names: list[str] | None) -> list[str] | None:
    if not names:
        return None
    files = []
    for name in names:
        path = experiments_dir() / f"{name}.yaml"
        if not path.is_file():
            raise UserError(problem("--experiment", name, f"no experiment file {path}"))
        files.append(str(path))
    return files


def cmd_list(args, console) -> int:
    from rich.table import Table

    from .config.loader import discover

    table = Table(title="wgan-bench experiments", show_lines=True)
    for col in ("experiment", "source", "variants", "profiles", "claims"):
        table.add_column(col)
    for exp in discover(root=experiments_dir()):
        s = exp.spec
        table.add_row(f"[bold]{s.name}[/bold]\n{s.title}", s.source, "\n".join(s.variants),
                      "\n".join(s.profiles), "\n".join(c.id for c in s.claims))
    console.print(table)
    return 0


def cmd_validate(args, console) -> int:
    from .config.loader import load_experiment

    problems = []
    for f in _experiment_paths(args.files):
        try:
            load_experiment(f)
            console.print(f"{f}: ok")
        except UserError as err:
            problems += err.problems
    if problems:
        raise UserError(problems)
    return 0


def cmd_run(args, console) -> int:
    from .claims.table import print_claims
    from .commands.run import RunRequest, run_experiments
    from .config.loader import discover

    if args.tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise UserError(problem("--tensorboard", args.tensorboard, "needs the tensorboard package: "
                                "pip install 'wgan-bench[tensorboard]'"))
    if args.deterministic:
        from .tf_setup import DETERMINISTIC_ENV

        os.environ[DETERMINISTIC_ENV] = "1"  # this process and every worker it starts
    if args.inception:
        from .metrics.inception import INCEPTION_ENV, inception_path

        os.environ[INCEPTION_ENV] = str(inception_path(args.inception).resolve())  # workers inherit it
    experiments = discover(_experiment_paths(args.files))
    req = RunRequest(profile=args.profile, seeds=args.seeds, variants=args.variants, overrides=args.overrides,
                     results=args.results, jobs=args.jobs, executor=args.executor, force=args.force,
                     ray_address=args.ray_address, cpus_per_run=args.cpus_per_run, gpus_per_run=args.gpus_per_run,
                     tensorboard=args.tensorboard)
    outcomes = run_experiments(experiments, req, console)
    code = 0
    for out in outcomes:
        print_claims(console, out.experiment.spec, out.claims, f"{out.store.dir}")
        for line in out.failed_runs:
            console.print(f"[red]run failed[/red] {out.experiment.name}/{line}")
            code = 1
    return code


def cmd_report(args, console) -> int:
    from .report.build import build_report

    written = build_report(args.results, args.out, args.experiments, experiments_dir=experiments_dir())
    for path in written:
        console.print(f"wrote {path}")
    return 0


def cmd_check(args, console) -> int:
    from .commands.gate import run_check

    return run_check(_experiment_files(args.experiments), args.baseline, args.results, console,
                     experiments_dir=experiments_dir(), jobs=args.jobs)


def cmd_sample(args, console) -> int:
    from .commands.sample import write_samples

    paths = write_samples(args.store, args.run_id, args.n, args.out, args.seed)
    console.print(f"wrote {len(paths)} file(s) to {args.out}" if len(paths) > 1 else f"wrote {paths[0]}")
    return 0


def cmd_calibrate(args, console) -> int:
    from .commands.gate import run_calibrate

    return run_calibrate(_experiment_files(args.experiments), args.seeds, args.baseline, args.results, args.jobs,
                         console, experiments_dir=experiments_dir())


COMMANDS = {"list": cmd_list, "validate": cmd_validate, "run": cmd_run, "report": cmd_report, "check": cmd_check,
            "calibrate": cmd_calibrate, "sample": cmd_sample}


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.markup import escape

    args = build_parser().parse_args(argv)
    # Logs (CI, redirected output) get wide tables instead of the 80-column default.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
    err_console = Console(stderr=True, highlight=False)
    try:
        return COMMANDS[args.command](args, console)
    except UserError as err:
        if args.debug:
            raise
        for line in err.problems:
            err_console.print(f"[red]error:[/red] {escape(line)}", soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted: finished runs are stored; rerun the same command to resume")
        return 130


def stop_on_sigterm() -> None:
    """SIGTERM (`kill`, a CI job's timeout) ends a process at once by default, leaving `--jobs`
    workers training as orphans: raise KeyboardInterrupt instead, so the executors stop them."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def entry() -> None:
    """The console command: `main`, then exit. A process that imported TensorFlow spends 0.6-0.9 s
    tearing it down at a normal exit; by now every table is written and every executor closed."""
    stop_on_sigterm()
    code = main()
    if "tensorflow" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
