"""Whether each claim's check was written before the runs that test it (DESIGN §5).

Each stored run keeps the sha256 of the experiment file it was trained under (runs.csv; a store
from before that has only its manifest's, the last invocation's). When the file has changed since,
git history gives that version back; a claim whose check (or `profiles`, or
`holds_at_init`) differs there, or which it lacks, was set after the runs that test it, and its
verdict is not evidence until they are rerun. Without the history (an installed package, a
shallow clone) or for a version never committed, the answer is unknown.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..store.results import FINISHED

CHANGED, ADDED = "changed after the runs", "added after the runs"
FIXED = ("check", "profiles", "holds_at_init")  # what a verdict depends on besides the data


@dataclass(frozen=True)
class Registration:
    """`edited`: some run was trained under another version of the file than today's; `known`:
    every such version was found; `commits`: where; `late`: claim id → CHANGED or ADDED."""

    edited: bool
    known: bool
    commits: tuple[str, ...] = ()
    late: dict[str, str] = field(default_factory=dict)


def registration(exp, manifest: dict, runs=None) -> Registration:
    """Compare today's claims with the file version each finished run they read was trained
    under (`runs`; a row without a recorded version, or no `runs`: the manifest's)."""
    versions = run_versions(manifest, runs)
    older = sorted({sha for _, sha in versions} - {exp.sha256})
    if not older:
        return Registration(edited=False, known=bool(versions))
    found = {sha: committed_version(str(exp.path), sha) for sha in older}
    then = {sha: _claims(hit[1]) for sha, hit in found.items() if hit}
    late = {}
    for cid, claim in _claims(exp.raw or exp.path.read_bytes()).items():
        names = _variants(claim.get("check"))
        for sha in sorted({s for v, s in versions if v is None or not names or v in names} & set(then)):
            old = then[sha].get(cid)
            if old is None:
                late.setdefault(cid, ADDED)
            elif any(claim.get(k) != old.get(k) for k in FIXED):
                late.setdefault(cid, CHANGED)
    return Registration(edited=True, known=all(found.values()),
                        commits=tuple(hit[0] for hit in found.values() if hit), late=late)


def run_versions(manifest: dict, runs) -> list[tuple[str | None, str]]:
    """(variant, file sha256) of each finished run; (None, the manifest's) without runs. Rows
    stored before runs kept their version take the one the manifest kept for them."""
    legacy = manifest.get("legacy_experiment_sha256") or manifest.get("experiment_sha256")
    if runs is None or not len(runs):
        return [(None, legacy)] if legacy else []
    finished = runs[runs["status"].isin(FINISHED)]
    recorded = finished["experiment_sha256"] if "experiment_sha256" in finished else [None] * len(finished)
    pairs = [(v, s if isinstance(s, str) else legacy) for v, s in zip(finished["variant"], recorded, strict=True)]
    return [(v, s) for v, s in pairs if s]


def _variants(check) -> set[str]:
    """The variants a check reads (none named: all)."""
    out: set[str] = set()
    if isinstance(check, dict):
        for key, value in check.items():
            if key in ("variant", "a", "b") and isinstance(value, str):
                out.add(value)
            elif key == "variants" and isinstance(value, list):
                out |= {v for v in value if isinstance(v, str)}
            else:
                out |= _variants(value)
    elif isinstance(check, list):
        for item in check:
            out |= _variants(item)
    return out


def _claims(raw: bytes) -> dict:
    claims = (yaml.safe_load(raw) or {}).get("claims") or []
    return {c.get("id"): c for c in claims if isinstance(c, dict)}


@functools.cache
def committed_version(path: str, sha256: str) -> tuple[str, bytes] | None:
    """(commit, file bytes) of the newest commit whose version of `path` has this sha256; None
    when none has or git cannot tell. Follows a file that moved into the package (experiments/)."""
    file = Path(path).resolve()
    try:
        top = Path(_git(file.parent, "rev-parse", "--show-toplevel").decode().strip())
        names = sorted({file.relative_to(top).as_posix(), f"experiments/{file.name}"})
        commits = _git(top, "log", "--format=%H", "--", *names).decode().split()
        for commit in commits:
            for name in names:
                raw = _git(top, "show", f"{commit}:{name}", check=False)
                if raw is not None and hashlib.sha256(raw).hexdigest() == sha256:
                    return commit, raw
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    return None


def _git(cwd: Path, *args: str, check: bool = True) -> bytes | None:
    proc = subprocess.run(["git", *args], capture_output=True, cwd=cwd, timeout=20, check=False)
    if proc.returncode:
        if check:
            raise subprocess.SubprocessError(proc.stderr.decode(errors="replace"))
        return None
    return proc.stdout
