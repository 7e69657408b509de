"""`link --full` over the whole index: every record keyed on all cores, works found at once.

Keying a million records (reading their rows, computing their keys) is pure work: worker
processes key spans of rowids, each from its own read-only connection, while this process
stages what they send. The works, the sets of records connected by keys that link (held by
two records up to the cap), are then the components of one union-find over rowids: one
sorted pass over the staged keys instead of following keys query after query, batch after
batch. Batches of whole works link in memory, as `link_records` would link everything.
"""

from __future__ import annotations

import logging
from array import array
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from harvester.link.keys import MatchKey, RecordRef, record_keys
from harvester.store import Store
from harvester.workers import process_pool

# Records keyed per task: about 0.5 s of a worker's time, a few MB to send back.
SPAN = 10_000
# The fork server's first import when `link --full` starts it: it ignores Ctrl-C.
FORK_SERVER_PRELOAD = "harvester.link.forkserver_init"

StagedRef = tuple[int, str, str]
StagedKey = tuple[int, str, str]

_STORES: dict[str, Store] = {}

log = logging.getLogger(__name__)


def key_span(path: str, low: int, high: int) -> tuple[list[StagedRef], list[StagedKey]]:
    """The records of rowids `low` to `high` and their keys, read by a worker with a
    read-only connection of its own (kept for its next span)."""
    store = _STORES.get(path)
    if store is None:
        store = _STORES[path] = Store(path, read_only=True)
    return _keyed(store, low, high)


def _keyed(store: Store, low: int, high: int) -> tuple[list[StagedRef], list[StagedKey]]:
    refs: list[StagedRef] = []
    keys: list[StagedKey] = []
    for row in store.keying_rows(low, high):
        rid = row["rid"]
        refs.append((rid, row["source"], row["identifier"]))
        keys.extend((rid, kind, key) for kind, key in record_keys(row, row["deleted"]))
    return refs, keys


def stage_every_record(store: Store, workers: int) -> array[int]:
    """Key every record into the store's staging tables; the rowids staged, ascending.

    Spans of rowids are keyed by up to `workers` processes (one span: by this one), a few
    spans ahead of the one being staged so that memory stays bounded, and staged in order.
    Should a worker die, this process keys the rest.
    """
    staged: array[int] = array("q")
    span = store.record_rowids()
    if span is None:
        return staged
    lows = list(range(span[0], span[1] + 1, SPAN))
    workers = min(workers, len(lows))
    done = _stage_in_pool(store, staged, lows, workers) if workers > 1 else 0
    for low in lows[done:]:
        _stage(store, staged, _keyed(store, low, low + SPAN - 1))
    return staged


def _stage_in_pool(store: Store, staged: array[int], lows: list[int], workers: int) -> int:
    """Stage the spans starting at `lows` as workers key them; how many were staged."""
    path = str(Path(store.path).resolve())
    done = 0
    pool = process_pool(workers, FORK_SERVER_PRELOAD)
    try:
        ahead: deque[Future[tuple[list[StagedRef], list[StagedKey]]]] = deque()
        for low in lows:
            ahead.append(pool.submit(key_span, path, low, low + SPAN - 1))
            if len(ahead) > 2 * workers:
                _stage(store, staged, ahead.popleft().result())
                done += 1
        while ahead:
            _stage(store, staged, ahead.popleft().result())
            done += 1
    except BrokenProcessPool:
        log.warning("a worker process died; keying the rest in this process")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return done


def _stage(store: Store, staged: array[int], span: tuple[list[StagedRef], list[StagedKey]]) -> None:
    refs, keys = span
    store.stage_whole(refs, keys)
    staged.extend(rid for rid, _, _ in refs)


class Works:
    """The works of the staged graph: union-find over rowids, by keys that may link."""

    def __init__(self, store: Store, staged: array[int], max_key_records: int) -> None:
        self.store = store
        self.staged = staged
        size = (staged[-1] + 1) if staged else 0
        self.parent = array("q", range(size))
        # The next record of the same work, after the work's smallest (its root); -1: none.
        self.next = array("q", [-1]) * size
        self.common: set[MatchKey] = set()  # staged for more records than the cap: link nothing
        for kind, key, rids in store.shared_whole_keys():
            if len(rids) > max_key_records:
                self.common.add((kind, key))
            else:
                self._join(rids)
        self._chain()

    def _find(self, rid: int) -> int:
        parent = self.parent
        while parent[rid] != rid:
            parent[rid] = parent[parent[rid]]  # path halving
            rid = parent[rid]
        return rid

    def _join(self, rids: list[int]) -> None:
        find, parent = self._find, self.parent
        root = find(rids[0])
        for rid in rids[1:]:
            other = find(rid)
            if other < root:
                parent[root], root = other, other
            elif other > root:
                parent[other] = root

    def _chain(self) -> None:
        """Link each work's records from its root (its smallest rowid), in rowid order."""
        parent, following = self.parent, self.next
        last: dict[int, int] = {}  # root -> last record chained so far
        for rid in self.staged:
            root = self._find(rid)
            parent[rid] = root
            if root != rid:
                following[last.get(root, root)] = rid
                last[root] = rid

    def batches(self, size: int) -> Iterator[dict[RecordRef, list[MatchKey]]]:
        """Whole works, about `size` records a batch, with their staged keys."""
        parent, following = self.parent, self.next
        batch: list[int] = []
        for rid in self.staged:
            if parent[rid] != rid:
                continue  # taken with its work's root
            while rid != -1:
                batch.append(rid)
                rid = following[rid]
            if len(batch) >= size:
                yield self.store.whole_keys_of(batch)
                batch = []
        if batch:
            yield self.store.whole_keys_of(batch)
