"""Advisory locks between processes that share a result store.

POSIX record locks (fcntl), which Linux also honours across nodes on NFS v4 and most cluster
file systems; `flock` is not reliable there.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from ..errors import problem
from .atomic import StoreWriteError


@contextlib.contextmanager
def locked(path: Path, exclusive: bool):
    """Hold `path` locked (exclusive for writers, shared for readers) for the block. A reader of a
    store it cannot write (a read-only checkout) reads without the lock: nobody writes it either."""
    path = Path(path)
    if exclusive:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise StoreWriteError(problem(str(path.parent), None, f"cannot write here: {exc.strerror or exc}; "
                                                                  "nothing was changed")) from exc
    else:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            yield
            return
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing releases the lock
