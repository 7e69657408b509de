"""One harvest per index at a time: an flock on `<index>.lock` that holds the owner's pid.

The kernel drops an flock when its process dies, so a lock left by a killed run is stale by
construction and the next run simply takes it over.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from harvester.errors import LockHeld


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def index_lock(database: Path) -> Iterator[None]:
    """Hold the index lock for the duration of the block, or raise LockHeld at once."""
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise LockHeld(
                f"another harvest (pid {holder}) is using {database}; lock file {path}"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()
