"""Overlap network, parsing and SQLite with Python work, on plain threads.

A harvest is a chain: fetch + parse a page (network, libxml2), normalise it (Python), write it
(SQLite). libxml2, sockets and SQLite release the GIL, so running the ends of the chain in
their own threads lets a two-core machine do them while the middle runs. Order is kept: pages
are written one after another, each in its own transaction, exactly as without the threads.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()


class Prefetch(Generic[T]):
    """Iterate `source` in a background thread, at most `depth` items ahead of the consumer.

    The producer takes a slot *before* it computes the next item, so no more than `depth`
    finished items exist besides the one the consumer holds: memory stays flat.
    An exception raised by `source` is re-raised to the consumer at the point it happened.
    `close()` stops the producer early (for an interrupted or failed consumer).
    """

    def __init__(self, source: Iterator[T], depth: int = 1) -> None:
        self._source = source
        self._items: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._slots = threading.Semaphore(depth)
        self._cancelled = threading.Event()
        self._thread: threading.Thread | None = None
        if depth > 0:  # depth 0: no thread, the consumer iterates the source itself
            self._thread = threading.Thread(target=self._produce, name="prefetch", daemon=True)
            self._thread.start()

    def _produce(self) -> None:
        try:
            while self._take_slot():
                try:
                    item: object = next(self._source)
                except StopIteration:
                    item = _DONE
                self._items.put(item)
                if item is _DONE:
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            self._items.put(_Failure(exc))
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()

    def _take_slot(self) -> bool:
        while not self._cancelled.is_set():
            if self._slots.acquire(timeout=0.1):
                return not self._cancelled.is_set()
        return False

    def __iter__(self) -> Iterator[T]:
        if self._thread is None:
            yield from self._source
            return
        while True:
            item = self._items.get()
            self._slots.release()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]

    def close(self, wait: float = 1.0) -> None:
        """Stop producing; a request still in flight is left to finish on its own."""
        self._cancelled.set()
        if self._thread is not None:
            self._thread.join(wait)
        else:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Skipped(Exception):
    """A write not attempted because an earlier one failed."""


class OrderedWriter(Generic[R]):
    """Runs write calls one at a time, in submission order, in a background thread.

    At most `depth` writes wait at once, so memory stays bounded; `drain()` waits for all of
    them and returns their results in order, raising the first failure. Depth 0 writes inline.
    """

    def __init__(self, on_done: Callable[[R], None], depth: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer")
        self._pending: deque[Future[R]] = deque()
        self._on_done = on_done
        self._depth = depth
        self._failed = threading.Event()

    def submit(self, write: Callable[..., R], *args: object, **kwargs: object) -> None:
        if self._depth == 0:  # inline: write now, in the caller's thread
            self._on_done(self._run(write, *args, **kwargs))
            return
        self._pending.append(self._pool.submit(self._run, write, *args, **kwargs))
        while len(self._pending) > self._depth:
            self._finish_oldest()

    def _run(self, write: Callable[..., R], *args: object, **kwargs: object) -> R:
        # After a failed write nothing later may commit: a later page's checkpoint would
        # carry the list past records that were never stored.
        if self._failed.is_set():
            raise _Skipped()
        try:
            return write(*args, **kwargs)
        except BaseException:
            self._failed.set()
            raise

    def drain(self) -> None:
        while self._pending:
            self._finish_oldest()

    def _finish_oldest(self) -> None:
        self._on_done(self._pending.popleft().result())

    def close(self) -> None:
        """Wait for the writes already submitted (they commit and are counted), then stop."""
        try:
            while self._pending:
                future = self._pending.popleft()
                if future.exception() is None:
                    self._on_done(future.result())
        finally:
            self._pool.shutdown(wait=True)
