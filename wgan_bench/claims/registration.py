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
    """Compare today's claims with the file version each run of `runs` was trained under (a
    store from before runs kept it: the version its manifest names)."""
    used = versions_used(manifest, runs)
    older = sorted(used - {exp.sha256})
    if not older:
        return Registration(edited=False, known=bool(used))
    now = _claims(exp.raw or exp.path.read_bytes())
    commits, late, known = [], {}, True
    for sha in older:
        found = committed_version(str(exp.path), sha)
        if found is None:
            known = False
            continue
        commits.append(found[0])
        then = _claims(found[1])
        for cid, claim in now.items():
            if cid not in then:
                late.setdefault(cid, ADDED)
            elif any(claim.get(k) != then[cid].get(k) for k in FIXED):
                late.setdefault(cid, CHANGED)
    return Registration(edited=True, known=known, commits=tuple(commits), late=late)


def versions_used(manifest: dict, runs) -> set[str]:
    if runs is not None and "experiment_sha256" in runs:
        column = runs["experiment_sha256"]
        shas = set(column.dropna())
        if not column.isna().any():
            return shas
    else:
        shas = set()
    return shas | ({manifest["experiment_sha256"]} if manifest.get("experiment_sha256") else set())


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
