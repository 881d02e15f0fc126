"""Provenance for manifest.json: versions, platform, device, git commit, command, times."""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from ..config.architectures import space_for

PACKAGES = ("wgan-bench", "tensorflow", "keras", "tensorflow-gan", "numpy", "scipy", "pandas", "pot",
            "pydantic", "scikit-learn")
SOURCE = Path(__file__).resolve().parents[1]  # the wgan_bench package folder


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(ignore: str | Path | None = None, src: Path = SOURCE) -> str:
    """The commit of the wgan-bench checkout that holds the package folder `src`, "+dirty" when a
    tracked file differs from it; changes under `ignore` (the result store, which runs rewrite
    themselves) do not count. "unknown" for an installed wheel (even inside another repository)
    or without git."""
    try:
        top = _git(src, "rev-parse", "--show-toplevel")
        if Path(top).resolve() != src.resolve().parent:
            return "unknown"
        rev = _git(src, "rev-parse", "HEAD")
        changed = _git(src, "diff", "HEAD", "--name-only", "-z").split("\0")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    skip = Path(ignore).resolve() if ignore is not None else None
    dirty = [f for f in changed if f and not (skip and Path(top, f).resolve().is_relative_to(skip))]
    return rev + ("+dirty" if dirty else "")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, cwd=cwd, timeout=5,
                          check=True).stdout.strip("\n")


@functools.cache
def device() -> str:
    """This process's compute device (imports TensorFlow)."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return ", ".join(d.name for d in gpus)
    return host_cpu()


ISA_LEVELS = (("avx512f", "AVX512"), ("avx2", "AVX2"), ("avx", "AVX"), ("sse4_2", "SSE4.2"))
ISA_CAPS = ("XLA_FLAGS", "ONEDNN_MAX_CPU_ISA")


def cpu_isa() -> dict:
    """The CPU's vector instruction-set level and any cap put on XLA's or oneDNN's code for it:
    tables from another level differ in their last bits, and through training like a new seed."""
    flags: set[str] = set()
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "flags" and not flags:
                flags = set(value.split())
            elif key.strip() == "model name":
                model = value.strip()
    level = next((name for flag, name in ISA_LEVELS if flag in flags), platform.machine())
    caps = {k: os.environ[k] for k in ISA_CAPS if k in os.environ and (k != "XLA_FLAGS" or "max_isa" in os.environ[k])}
    return {"level": level, "model": model, "caps": caps}


def host_cpu() -> str:
    return f"CPU ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)"


def manifest_device(trained_on: set[str], stored: str | None) -> str:
    """The manifest's device: where this invocation's runs trained. When none trained here, the
    stored manifest's (the runs were all stored already), else this host's CPU (only analyses
    ran, in NumPy). Never imports TensorFlow: a --jobs driver has none."""
    return ", ".join(sorted(trained_on)) or stored or host_cpu()


def stored_provenance(stored: dict, trained: bool, unversioned: bool) -> dict:
    """What a new manifest keeps of the stored one: when nothing trained, the stored runs' file
    hash and commit; while rows from before runs kept their file version remain, that version."""
    kept = {} if trained else {k: stored[k] for k in ("experiment_sha256", "git_commit") if k in stored}
    legacy = stored.get("legacy_experiment_sha256") or stored.get("experiment_sha256")
    return kept | ({"legacy_experiment_sha256": legacy} if unversioned and legacy else {})


def manifest(exp, profile: str, runs, tf_settings: dict, started: str, overrides: list[str],
             device_name: str, commit: str) -> dict:
    variants = {}
    for r in runs:
        variants.setdefault(r.variant, r.config.model_dump())
    drawn = {}  # random architectures: each run's generator and critic (resolved_config shows the first seed's)
    if space_for(exp.spec, profile) is not None:
        drawn = {r.run_id: {"generator": r.config.generator.model_dump(), "critic": r.config.critic.model_dump()}
                 for r in runs}
    return {
        "experiment": exp.name,
        "experiment_file": str(exp.path),
        "experiment_sha256": exp.sha256,
        "profile": profile,
        "seeds": sorted({r.seed for r in runs}),
        "overrides": overrides,
        "resolved_config": variants,
        **({"architectures": drawn} if drawn else {}),
        "deviations": exp.spec.deviations,
        "versions": versions(),
        "platform": {"system": platform.platform(), "machine": platform.machine(),
                     "cpu_count": os.cpu_count(), "cpu_isa": cpu_isa()},
        "device": device_name,
        "git_commit": commit,
        "command": " ".join(["wgan-bench", *sys.argv[1:]]),
        "started": started,
        "finished": now(),
        "determinism": {**tf_settings, "seeding": "keras.utils.set_random_seed(seed) + SeedGenerator(seed)",
                        "note": "same seed, same CPU instruction set and library versions -> identical tables; "
                                "another machine moves the numbers as another seed would"},
    }
