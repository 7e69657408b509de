"""Worker processes for the pure work of a harvest, shared by every source, pages bounded.

Reading and normalising a page is pure Python work that holds the GIL: one process would use
one core however many threads it runs. The pool runs it in `workers` processes while each
source's thread fetches and one writer per source commits pages in order. A fixed number of
pages may be in flight at once (submitted and not yet committed) across *all* sources, so
memory stays flat whatever `--jobs` is.

The processes come from a fork server that imported the harvester once: starting them is
cheap, and no lock held by another thread of the parent can be copied into them. The pool
starts on the first page with records, so a run that finds nothing new starts no process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from harvester.workers import default_workers, process_pool, start_fork_server

T = TypeVar("T")

# Pages in flight across all sources, at least: each holds its body and rows (about 0.5 MB
# per 100 records), so 8 MB at most. Latency-bound sources answer at about the same moments;
# with fewer places than pages arriving together, a page waiting for a place holds back its
# source's next request. Eight sources at 250 ms a request took 2.57 s with 5 places (two
# per worker and one) and 2.28 s with 16, against 1.9 s for one of them alone.
IN_FLIGHT = 16
# The fork server's first import: it ignores Ctrl-C and warms the normaliser (forkserver_init).
FORK_SERVER_PRELOAD = "harvester.harvest.forkserver_init"

log = logging.getLogger(__name__)


class PagePool:
    """Runs page work in worker processes (or inline with one worker), bounding pages in flight."""

    def __init__(self, workers: int, in_flight: int | None = None) -> None:
        self.workers = max(1, workers)
        self.limit = in_flight or max(2 * self.workers + 1, IN_FLIGHT)
        self._slots = threading.BoundedSemaphore(self.limit)
        self._executor: ProcessPoolExecutor | None = None
        self._guard = threading.Lock()
        self._closed = False
        self._broken = False

    @property
    def inline(self) -> bool:
        """One worker: the page work runs in the calling thread, in this process."""
        return self.workers == 1

    def submit(self, work: Callable[..., T], *args: Any) -> Future[T]:
        if not self.inline and not self._broken:
            try:
                return self._pool().submit(work, *args)
            except (BrokenProcessPool, OSError, EOFError):
                # A worker died; the rest of the run works in this process, slower but whole.
                log.warning("a worker process died; reading pages in this process")
                self._broken = True
        future: Future[T] = Future()
        try:
            future.set_result(work(*args))
        except BaseException as exc:
            future.set_exception(exc)
        return future

    def _pool(self) -> ProcessPoolExecutor:
        with self._guard:
            if self._closed:
                raise RuntimeError("the page pool is closed")
            if self._executor is None:
                self._executor = process_pool(self.workers, FORK_SERVER_PRELOAD)
            return self._executor

    def try_slot(self) -> bool:
        """Take a place for one page in flight if one is free."""
        return self._slots.acquire(blocking=False)

    def wait_slot(self) -> None:
        """Wait for a place; call it only while holding none (or pages could wait in a ring)."""
        self._slots.acquire()

    def release(self, count: int = 1) -> None:
        for _ in range(count):
            self._slots.release()

    def close(self) -> None:
        """Stop the workers; pages not started are dropped (their sources stopped already)."""
        with self._guard:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def warm_up(workers: int | None) -> None:
    """Start the fork server now, for a run sure to read pages (a full or first harvest).

    It imports the harvester in its own process, about 0.3 s, while this one imports it
    too, reads the config and asks Identify; started with the first page, the pages waited
    for it. This module imports nothing heavy, so calling it first costs this process ~10 ms.
    """
    if (workers or default_workers()) > 1:
        start_fork_server(FORK_SERVER_PRELOAD)
