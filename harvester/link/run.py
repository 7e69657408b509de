"""Link the same work across members: keys and clusters from this package, links in the store.

Only records flagged as changed since the last linking are re-keyed, so the link step at the
end of a nightly harvest costs what the harvest changed, not what the index holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harvester.link.clusters import relink
from harvester.link.keys import DEFAULT_MAX_KEY_RECORDS, MatchKey, RecordRef, match_keys
from harvester.normalise.identifiers import own_identifiers
from harvester.store import Store


@dataclass(frozen=True)
class LinkResult:
    rekeyed: int
    affected: int
    clusters: int


# Records re-keyed per transaction. Each holds its decoded row and keys until the batch is
# applied: `harvester link` of 100,000 records peaked at 97 MB with 5,000 per batch, 45 MB
# with 500, and took no longer (24.7 s and 22.2 s).
LINK_BATCH = 500
# `--full` takes at most this many times a batch's records from the clusters it forms.
EXPAND_LIMIT = 20


def link_index(
    store: Store,
    batch: int = LINK_BATCH,
    *,
    full: bool = False,
    max_key_records: int = DEFAULT_MAX_KEY_RECORDS,
) -> LinkResult:
    """Re-key pending records in batches and recompute the clusters they touch.

    A record whose keys came out as stored leaves the key graph as it was, so every cluster
    stays as stored: it is only taken off the queue (most records a harvest rewrites). `full`
    recomputes the cluster of every queued record instead (`harvester link --full`, after the
    rules changed), and takes the queued records of each cluster it forms into the same batch,
    so that a cluster is formed once rather than once for each of its members.
    """
    rekeyed = affected = 0
    touched: set[str] = set()
    while rows := store.pending_links(batch):
        current, changes = _decode(rows)
        old_keys = store.match_keys_of(list(changes))
        if not full:
            relinked = {
                ref: keys
                for ref, keys in changes.items()
                if set(keys) != set(old_keys.get(ref, ()))
            }
        else:
            relinked = changes
        clusters = relink(relinked, store, max_key_records=max_key_records, old_keys=old_keys)
        if full and (more := store.pending_links_of(_queued_others(store, clusters, changes))):
            extra_current, extra = _decode(more)
            current.update(extra_current)
            changes.update(extra)
            old_keys = {**old_keys, **store.match_keys_of(list(extra))}
            clusters = relink(changes, store, max_key_records=max_key_records, old_keys=old_keys)
        store.save_links(changes, old_keys, clusters, current)
        rekeyed += len(changes)
        affected += len(clusters)
        touched.update(c.cluster_id for c in clusters.values() if c is not None)
    return LinkResult(rekeyed=rekeyed, affected=affected, clusters=len(touched))


def _decode(
    rows: list[dict[str, Any]],
) -> tuple[dict[RecordRef, tuple[Any, ...]], dict[RecordRef, list[MatchKey]]]:
    """The stored cluster of each pending record and its keys now."""
    current = {(r["source"], r["identifier"]): r.pop("cluster") for r in rows}
    return current, {(r["source"], r["identifier"]): _keys(r) for r in rows}


def _queued_others(
    store: Store, clusters: Mapping[RecordRef, Any], changes: Mapping[RecordRef, Any]
) -> list[RecordRef]:
    """Records of the formed clusters, not in this batch, that wait in the queue (a bounded few)."""
    others = [ref for ref, cluster in clusters.items() if cluster and ref not in changes]
    return sorted(store.queued(others))[: EXPAND_LIMIT * len(changes)]


def _keys(row: dict[str, Any]) -> list[MatchKey]:
    # Link by the record's own identifiers only: a DOI it merely cites is another work.
    own = own_identifiers(row.pop("dc") or {})
    return match_keys({**row, "identifiers": own})
