"""Each table's row count and SHA-256, recorded in `tables.json` when it is written and checked
when it is read, so a truncated, garbled or hand-edited table is an error, never silently trusted.

The index is written before the tables it describes and keeps the previous entry too, so a
crash between the two renames leaves a pair that still verifies.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pandas as pd

from ..errors import UserError, problem

INDEX = "tables.json"


class StoreDamaged(UserError):
    """A stored table does not match what was written, or cannot be read."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_index(folder: Path) -> dict | None:
    path = folder / INDEX
    if not path.is_file():
        return None  # a store written before tables were indexed: structure checks only
    try:
        index = json.loads(path.read_text())
        if not isinstance(index, dict):
            raise ValueError("not an object")
        return index
    except (ValueError, UnicodeDecodeError) as exc:
        raise damaged(path, f"unreadable index ({exc})") from None


def next_index(index: dict | None, tables: dict[str, tuple[bytes, int]]) -> dict:
    """The index after writing `tables` ({file name: (bytes, rows)}); other entries are kept."""
    out = dict(index or {})
    for name, (data, rows) in tables.items():
        old = out.get(name, {})
        out[name] = {"rows": rows, "sha256": sha256(data),
                     "previous": {"rows": old["rows"], "sha256": old["sha256"]} if old else None}
    return out


def damaged(path: Path, why: str) -> StoreDamaged:
    folder = path.parent
    return StoreDamaged(problem(str(path), None, f"damaged: {why}; recover by restoring the folder from git "
                                                 f"(git checkout -- {folder}) or by rerunning with --force"))


def read_table(path: Path, index: dict | None, required: list[str], numeric: tuple[str, ...] = (),
               dtype: dict | None = None) -> pd.DataFrame:
    """Read one CSV table, checking its checksum and row count against the index, its columns and
    the numeric type of `numeric` columns."""
    data = path.read_bytes()
    entry = (index or {}).get(path.name)
    if index is not None and entry is None:
        raise damaged(path, f"not listed in {INDEX}")
    if entry is not None:
        digest = sha256(data)
        known = [e for e in (entry, entry.get("previous")) if e and e.get("sha256") == digest]
        if not known:
            raise damaged(path, f"its checksum differs from the one recorded when it was written "
                                f"(truncated, hand-edited or overwritten; {INDEX} lists {entry.get('rows')} rows)")
    try:
        df = pd.read_csv(io.BytesIO(data), dtype=dtype)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise damaged(path, f"not a readable CSV table ({str(exc).splitlines()[0]})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise damaged(path, f"missing column(s) {', '.join(missing)}")
    for col in numeric:
        if df[col].notna().any() and not pd.api.types.is_numeric_dtype(df[col]):  # a header-only table is fine
            raise damaged(path, f"column {col!r} holds non-numbers")
    if entry is not None and len(df) != known[0]["rows"]:
        raise damaged(path, f"{len(df)} rows where {known[0]['rows']} were written")
    return df
