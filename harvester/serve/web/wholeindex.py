"""The facet counts of the whole index, counted in the background.

Counting every record by member, language, type, script and decade reads the whole table:
seconds at a million records, far too long for a request. One background thread counts it
once per index generation (a harvest, a re-normalisation) with its own connection and no
deadline; requests use the last finished count and, until the first is ready, go without.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable
from pathlib import Path

from harvester.store.facets import FacetCounts, facet_counts, generation
from harvester.store.readonly import ReadOnlyIndex
from harvester.store.reads import SearchFilters

log = logging.getLogger(__name__)


class WholeIndexCounts:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._lock = threading.Lock()
        self._counts: FacetCounts | None = None
        self._generation: Hashable | None = None
        self._running: Hashable | None = None

    def get(self, current: Hashable, wait: bool = False) -> FacetCounts | None:
        """The counts of generation `current` if ready; else start counting it.

        Until the new count is done, the previous generation's counts are served (a harvest
        changes them little). `wait` blocks until the count is done (tests, benchmarks).
        """
        with self._lock:
            if self._generation == current:
                return self._counts
            start = self._running != current
            if start:
                self._running = current
        if start:
            thread = threading.Thread(target=self._count, name="whole-index-counts", daemon=True)
            thread.start()
            if wait:
                thread.join()
                return self.get(current)
        with self._lock:
            return self._counts

    def put(self, current: Hashable, counts: FacetCounts) -> None:
        """Counts of generation `current` made elsewhere (in time, during a request)."""
        with self._lock:
            self._counts, self._generation = counts, current

    def _count(self) -> None:
        try:
            index = ReadOnlyIndex(self.db_path)
            try:
                with index.deadline(None) as db:
                    counted = generation(db)
                    counts = facet_counts(db, "", SearchFilters())
            finally:
                index.close()
        except Exception:
            log.exception("counting the whole index failed")
            with self._lock:
                self._running = None
            return
        with self._lock:
            self._counts, self._generation = counts, counted
            if self._running == counted:
                self._running = None
