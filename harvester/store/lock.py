"""One writer per index at a time: an flock on `<index>.lock` that holds the owner's pid.

Every command that writes to the index takes it (harvest, renormalise, link, demo); commands
that only read never wait for it. The kernel drops an flock when its process dies, so a lock
left by a killed run is stale by construction and the next run simply takes it over.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from harvester.errors import IndexUnusable, LockHeld
from harvester.store.opening import check_index


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def index_lock(database: Path) -> Iterator[None]:
    """Hold the index lock for the block, or raise LockHeld at once.

    The file is checked first, so a foreign file never gets a lock file beside it; a lock
    file this call created is removed again if the index then cannot be opened.
    """
    check_index(database)
    path = lock_path(database)
    if not path.parent.is_dir():
        raise IndexUnusable(f"cannot create the index {database}: no directory {path.parent}")
    created = not path.exists()
    try:
        handle = path.open("a+")
    except OSError as exc:
        raise IndexUnusable(f"cannot write the index {database}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise LockHeld(
                f"another harvester command (pid {holder}) is writing to {database}; "
                f"try again when it has finished (lock file {path})"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        except IndexUnusable:
            if created:
                path.unlink(missing_ok=True)
            raise
    finally:
        handle.close()
