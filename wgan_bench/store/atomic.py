"""Atomic file writes: a temporary file in the same folder, then a rename.

A crash, Ctrl-C or a full disk never leaves a half-written file: the old one stays as it was.
Files get the usual permissions (0666 less the umask), not the temporary file's 0600.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UserError, problem


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


class StoreWriteError(UserError):
    """The file system refused a write (disk full, read-only, permissions): nothing was replaced."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), _FILE_MODE)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise StoreWriteError(problem(str(path), None, f"cannot write: {exc.strerror or exc}; the file is as it "
                                                       "was and results stored before it are intact (free space "
                                                       "or fix permissions, then rerun the same command)")) from exc
    except BaseException:
        _discard(tmp)
        raise


def _discard(tmp: str | None) -> None:
    if tmp is not None:
        Path(tmp).unlink(missing_ok=True)


def csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")  # repr floats: exact round trip
    return buf.getvalue().encode()


def atomic_write_csv(path: Path, df: pd.DataFrame) -> None:
    atomic_write_bytes(path, csv_bytes(df))


def json_bytes(obj, sort_keys: bool = True) -> bytes:
    return (json.dumps(obj, indent=2, sort_keys=sort_keys, default=_plain) + "\n").encode()


def _plain(value):
    return value.item() if isinstance(value, np.generic) else str(value)


def atomic_write_json(path: Path, obj) -> None:
    atomic_write_bytes(path, json_bytes(obj))


def atomic_write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())
