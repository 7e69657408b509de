"""Read-only connections for the server: no migrations, no writes, a deadline per query.

A harvest may write to the index while pages are served: WAL lets readers and the writer go
on side by side. A query that runs past its deadline is interrupted by SQLite's progress
handler (checked every few thousand virtual-machine steps) and raises QueryTimeout, so no
request can keep a worker busy for long.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from harvester.errors import HarvesterError, IndexUnusable
from harvester.store.opening import needs_upgrade, open_read_only

Database = sqlite_utils.Database  # what views receive, without importing sqlite_utils

# Virtual-machine instructions between two looks at the clock (about a millisecond's work).
_PROGRESS_STEPS = 10_000


class QueryTimeout(HarvesterError):
    """A query ran past its deadline and was interrupted."""


class ReadOnlyIndex:
    """One read-only connection to the index (one per thread), with per-query deadlines."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        conn = open_read_only(self.path)  # the read-only opening every reading command uses
        if needs_upgrade(conn):  # its tables are not what this version queries: say so now
            conn.close()
            raise IndexUnusable(
                f"the index {self.path} was written by an earlier version of harvester; "
                "run `harvester link` once where it is writable to upgrade it, then serve it"
            )
        conn.execute("PRAGMA query_only = 1")
        self.db = sqlite_utils.Database(conn, execute_plugins=False)
        self._deadline: float | None = None
        conn.set_progress_handler(self._expired, _PROGRESS_STEPS)

    def _expired(self) -> int:
        return int(self._deadline is not None and time.monotonic() > self._deadline)

    @contextmanager
    def deadline(self, seconds: float | None) -> Iterator[sqlite_utils.Database]:
        """Every query inside must finish within `seconds` of entering, or QueryTimeout.

        Nested, the earlier of the two deadlines holds inside and the outer one after. None
        sets no deadline of its own.
        """
        outer = self._deadline
        if seconds is not None:
            mine = time.monotonic() + seconds
            self._deadline = mine if outer is None else min(outer, mine)
        try:
            yield self.db
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise QueryTimeout(f"the query took longer than {seconds} s") from None
            raise
        finally:
            self._deadline = outer

    def close(self) -> None:
        self.db.close()
