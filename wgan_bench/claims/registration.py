"""Whether each claim's check was written before the runs that test it (DESIGN §5).

A store's manifest keeps the sha256 of the experiment file its runs started from. When the file
has changed since, git history gives that version back; a claim whose check (or `profiles`, or
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
    """`known`: the file the runs used was found (or is the current one); `commit`: where, when
    not current; `late`: claim id → CHANGED or ADDED."""

    known: bool
    commit: str | None = None
    late: dict[str, str] = field(default_factory=dict)


def registration(exp, manifest: dict) -> Registration:
    used = manifest.get("experiment_sha256")
    if used is None or used == exp.sha256:
        return Registration(known=used is not None)
    found = committed_version(str(exp.path), used)
    if found is None:
        return Registration(known=False)
    commit, raw = found
    then = {c.get("id"): c for c in (yaml.safe_load(raw) or {}).get("claims") or [] if isinstance(c, dict)}
    now = {c.get("id"): c for c in (yaml.safe_load(exp.path.read_bytes()) or {}).get("claims") or []}
    late = {}
    for cid, claim in now.items():
        if cid not in then:
            late[cid] = ADDED
        elif any(claim.get(k) != then[cid].get(k) for k in FIXED):
            late[cid] = CHANGED
    return Registration(known=True, commit=commit, late=late)


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
