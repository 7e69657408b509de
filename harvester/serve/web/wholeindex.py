"""The facet values of the whole index, read in the background once per index generation.

Counting every record by member, language, type, script and decade reads the whole table:
seconds at a million records, far too long for a request. One background thread reads the
facet values of every record into FacetColumns once per index generation (a harvest, a
re-normalisation), with its own connection and no deadline; from them come the counts of the
whole index and, in milliseconds, the counts of any search. Requests use the columns only
while they match the index's generation, and until the first read is done they go without.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable
from pathlib import Path

from harvester.serve.web.facetcolumns import FacetColumns
from harvester.store.facets import FacetCounts, generation, iter_facet_rows, rowid_bound
from harvester.store.readonly import ReadOnlyIndex
from harvester.store.reads import SearchFilters

log = logging.getLogger(__name__)


class WholeIndexCounts:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._lock = threading.Lock()
        self._counts: FacetCounts | None = None
        self._columns: FacetColumns | None = None
        self._generation: Hashable | None = None
        self._running: Hashable | None = None
        self._thread: threading.Thread | None = None

    def get(self, current: Hashable, wait: bool = False) -> FacetCounts | None:
        """The counts of generation `current` if ready; else start reading it.

        Until the new read is done, the previous generation's counts are served (a harvest
        changes them little). `wait` blocks until the read is done (benchmarks).
        """
        with self._lock:
            if self._generation == current:
                return self._counts
            if self._running != current:
                self._running = current
                self._thread = threading.Thread(
                    target=self._read, name="whole-index-counts", daemon=True
                )
                self._thread.start()
            thread = self._thread
        if wait and thread is not None:
            thread.join()
        with self._lock:
            return self._counts

    def columns(self, current: Hashable) -> FacetColumns | None:
        """The facet columns, if they were read at generation `current`."""
        with self._lock:
            return self._columns if self._generation == current else None

    def put(self, current: Hashable, counts: FacetCounts) -> None:
        """Counts of generation `current` made elsewhere (in time, during a request)."""
        with self._lock:
            if self._generation != current:
                self._counts, self._columns, self._generation = counts, None, current

    def _read(self) -> None:
        try:
            index = ReadOnlyIndex(self.db_path)
            try:
                with index.deadline(None) as db:
                    counted = generation(db)
                    columns = FacetColumns.build(rowid_bound(db), iter_facet_rows(db))
            finally:
                index.close()
            counts = columns.count(range(len(columns.deleted)), SearchFilters(), {})
        except Exception:
            log.exception("reading the facet values of the index failed")
            with self._lock:
                self._running = None
            return
        with self._lock:
            self._counts, self._columns, self._generation = counts, columns, counted
            if self._running == counted:
                self._running = None
