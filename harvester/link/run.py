"""Link the same work across members: keys and clusters from this package, links in the store.

Only records flagged as changed since the last linking are re-keyed, so the link step at the
end of a nightly harvest costs what the harvest changed, not what the index holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harvester.link.clusters import Cluster, link_closed, relink
from harvester.link.keys import DEFAULT_MAX_KEY_RECORDS, MatchKey, RecordRef, record_keys
from harvester.link.steady import steady_changes
from harvester.link.whole import Works, stage_every_record
from harvester.store import Store
from harvester.workers import default_workers


@dataclass(frozen=True)
class LinkResult:
    rekeyed: int
    affected: int
    clusters: int


# Records linked per transaction. A harvested record comes with its keys, a few hundred
# bytes: linking 100,000 new records took 4.5 s in batches of 5,000 (90 MB with the bulk
# page cache) and 5.3 s in batches of 2,000, 7.7 s in batches of 500 with the default cache
# (each batch's random key inserts dirty about one index page per key, written at commit).
LINK_BATCH = 2000
# A long queue of several members is linked taking in the queued records of the works it
# links: its batches stay small (`link --full` peaked at 97 MB with 500 and EXPAND_LIMIT 20).
FULL_BATCH = 500
# A queue longer than this, of several members, is linked work by work (`_link_all`, with
# the keys queued): the first harvest of members holding the same works queues every
# member of every work, and batch after batch in queue order formed each cluster again as
# each member joined it (1M records of 10 members: 533 s and 269 MB, 112 s now). One
# member's records are linked in queue order: its works are its own (1M: 87 s, 108 s staged).
STAGE_ABOVE = 50_000
# Queued records looked at per statement when taking lonely new records off the queue.
LONELY_CHUNK = 20_000
# `--full` over every record links whole works, about this many records a batch.
WHOLE_BATCH = 2000
# `_link_all` takes into a batch the records of the works it links, up to this many times its
# size.
EXPAND_LIMIT = 20


def link_index(
    store: Store,
    batch: int | None = None,
    *,
    full: bool = False,
    max_key_records: int = DEFAULT_MAX_KEY_RECORDS,
    workers: int | None = None,
) -> LinkResult:
    """Re-key pending records in batches and recompute the clusters they touch.

    A record whose keys came out as stored leaves the key graph as it was, so every cluster
    stays as stored: it is only taken off the queue (most records a harvest rewrites). `full`
    recomputes the cluster of every record instead (`harvester link --full`, after the rules
    changed), keyed again by `workers` processes (default: all cores); see `_link_whole`.
    """
    with store.bulk_writes():
        if full:
            whole = _link_whole(store, batch or WHOLE_BATCH, max_key_records, workers)
            # What the queue still holds is of no record (not through the harvester).
            return _link_changed(store, batch or LINK_BATCH, max_key_records, whole)
        if store.queued_link_count(STAGE_ABOVE + 1) > STAGE_ABOVE and store.queue_spans_members():
            return _link_all(store, batch or FULL_BATCH, max_key_records)
        return _link_changed(store, batch or LINK_BATCH, max_key_records)


def _link_changed(
    store: Store, batch: int, max_key_records: int, result: _Tally | None = None
) -> LinkResult:
    result = result or _Tally()
    result.rekeyed += _link_lonely(store)
    while rows := store.pending_links(batch):
        current, changes = _decode(rows)
        old_keys = store.match_keys_of(list(changes))
        relinked = {
            ref: keys for ref, keys in changes.items() if set(keys) != set(old_keys.get(ref, ()))
        }
        clusters, known = _relink_unsteady(store, relinked, old_keys, current, max_key_records)
        store.save_links(changes, old_keys, clusters, known)
        result.add(changes, clusters)
    return result.total()


def _link_lonely(store: Store) -> int:
    """Take the records new to linking that share no key off the queue first, in SQL (the
    first harvest of a member: 33 us a record through `relink`); the records linked."""
    linked, after = 0, None
    while True:
        after, count = store.link_lonely(after, LONELY_CHUNK)
        linked += count
        if after is None:
            return linked


def _relink_unsteady(
    store: Store,
    relinked: dict[RecordRef, list[MatchKey]],
    old_keys: Mapping[RecordRef, Sequence[MatchKey]],
    current: Mapping[RecordRef, tuple[Any, ...]],
    max_key_records: int,
) -> tuple[dict[RecordRef, Cluster | None], Mapping[RecordRef, tuple[Any, ...]]]:
    """Form the clusters the changes touch, but those proven steady (`link.steady`); with
    them, the stored clusters known so far (`current`, and what the check read).

    Should a change formed as usual reach a cluster proven steady, the proof does not hold
    (it assumed that cluster untouched by the others): everything is formed again.
    """
    steady = steady_changes(relinked, old_keys, current, store, max_key_records)
    unsteady = {ref: keys for ref, keys in relinked.items() if ref not in steady}
    clusters = relink(unsteady, store, max_key_records=max_key_records, old_keys=old_keys)
    if not steady:
        return clusters, current
    known = {**store.stored_clusters([ref for ref in clusters if ref not in current]), **current}
    if any(known[ref][0] in set(steady.values()) for ref in clusters):
        clusters = relink(relinked, store, max_key_records=max_key_records, old_keys=old_keys)
    return clusters, known


def _link_whole(store: Store, batch: int, max_key_records: int, workers: int | None) -> _Tally:
    """Key every record on all cores, find the works at once and link them batch by batch
    (`link.whole`). The queue is emptied only as clusters are saved, so an interrupted run
    leaves the rest queued."""
    result = _Tally()
    with store.whole_staging():
        staged = stage_every_record(store, workers or default_workers())
        works = Works(store, staged, max_key_records)
        for changes in works.batches(batch):
            old_keys = store.match_keys_of(list(changes))
            clusters = link_closed(changes, max_key_records=max_key_records, common=works.common)
            store.save_links(changes, old_keys, clusters, {})
            result.add(changes, clusters)
    return result


def _link_all(store: Store, batch: int, max_key_records: int) -> LinkResult:
    """Stage the keys of every queued record first, then link them, the queued records of a
    work together.

    The members of one work sit far apart in the queue (one per member library); linked in
    queue order, each batch would form again the clusters the earlier ones formed, ten times
    over for a work held by ten members. The new keys wait in a temporary table: those queued
    with a record as they are, the others computed from its row. The queue is emptied only as
    clusters are saved, so an interrupted run leaves the rest queued.
    """
    result = _Tally()
    with store.staged_keys():
        store.stage_queued_keys()
        after: RecordRef | None = None
        while rows := store.pending_links_after(after, batch, unkeyed_only=True):
            after = (rows[-1]["source"], rows[-1]["identifier"])
            store.stage_keys(_decode(rows)[1])
        store.staged_keys_indexed()
        while refs := store.queued_links(batch):
            changes = _with_their_works(store, refs, batch * EXPAND_LIMIT, max_key_records)
            old_keys = store.match_keys_of(list(changes))
            clusters = relink(changes, store, max_key_records=max_key_records, old_keys=old_keys)
            store.save_links(changes, old_keys, clusters, {})
            result.add(changes, clusters)
    return result.total()


def _with_their_works(
    store: Store, refs: list[RecordRef], most: int, max_key_records: int
) -> dict[RecordRef, list[MatchKey]]:
    """The staged keys of `refs` and of the queued records that share keys with them, up to
    about `most` records (keys held by more than `max_key_records` link nothing: not
    followed; the records stored around them are `relink`'s to read)."""
    changes: dict[RecordRef, list[MatchKey]] = {ref: [] for ref in refs}
    changes.update(store.staged_keys_of(refs))
    frontier = set(changes)
    while frontier and len(changes) < most:
        keys = {key for ref in frontier for key in changes[ref]}
        sharing = store.staged_sharing(keys, max_key_records + 1)
        frontier = {ref for found in sharing.values() for ref in found if ref not in changes}
        changes.update(store.staged_keys_of(frontier))
    return changes


class _Tally:
    def __init__(self) -> None:
        self.rekeyed = self.affected = 0
        self.touched: set[str] = set()

    def add(self, changes: Mapping[RecordRef, Any], clusters: Mapping[RecordRef, Any]) -> None:
        self.rekeyed += len(changes)
        self.affected += len(clusters)
        self.touched.update(c.cluster_id for c in clusters.values() if c is not None)

    def total(self) -> LinkResult:
        return LinkResult(rekeyed=self.rekeyed, affected=self.affected, clusters=len(self.touched))


def _decode(
    rows: list[dict[str, Any]],
) -> tuple[dict[RecordRef, tuple[Any, ...]], dict[RecordRef, list[MatchKey]]]:
    """The stored cluster of each pending record and its keys now (as queued, or computed)."""
    current = {(r["source"], r["identifier"]): r.pop("cluster") for r in rows}
    return current, {(r["source"], r["identifier"]): _keys(r) for r in rows}


def _keys(row: dict[str, Any]) -> list[MatchKey]:
    if (queued := row.get("keys")) is not None:
        return queued  # type: ignore[no-any-return]
    return record_keys(row, row["deleted"])
