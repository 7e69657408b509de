"""Persistence for linking: stored match keys, records waiting to be linked, cluster ids."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import sqlite_utils

from harvester.store.schema import LINK_QUEUE

Ref = tuple[str, str]
Key = tuple[str, str]


class ClusterLike(Protocol):
    @property
    def cluster_id(self) -> str: ...

    @property
    def reason(self) -> str: ...


def pending(db: sqlite_utils.Database, limit: int) -> list[dict[str, Any]]:
    """Records added, changed or re-normalised since they were last linked.

    Linking reads only the record's own dc:identifier values from `dc`: SQLite picks them out
    (decoding the whole `dc` was a fifth of `link --full`). `identifiers` is not read: keys
    use the record's own identifiers only.
    """
    cursor = db.execute(
        "SELECT r.source, r.identifier, deleted, title, titles, creators, year, "
        "json_extract(dc, '$.identifier') "
        f"FROM {LINK_QUEUE} q JOIN records r "
        "ON r.source = q.source AND r.identifier = q.identifier LIMIT ?",
        [limit],
    )
    rows = []
    for source, identifier, deleted, title, titles, creators, year, own in cursor:
        rows.append(
            {
                "source": source,
                "identifier": identifier,
                "deleted": bool(deleted),
                "title": title,
                "titles": json.loads(titles or "[]"),
                "creators": json.loads(creators or "[]"),
                "year": year,
                "dc": {"identifier": json.loads(own)} if own else {},
            }
        )
    return rows


def keys_of(db: sqlite_utils.Database, ref: Ref) -> list[Key]:
    return [
        (kind, key)
        for kind, key in db.execute(
            "SELECT kind, key FROM match_keys WHERE source = ? AND identifier = ?", list(ref)
        )
    ]


def records_sharing(db: sqlite_utils.Database, key: Key, limit: int) -> list[Ref]:
    return [
        (source, identifier)
        for source, identifier in db.execute(
            "SELECT source, identifier FROM match_keys WHERE kind = ? AND key = ? LIMIT ?",
            [*key, limit],
        )
    ]


def apply(
    db: sqlite_utils.Database,
    changes: Mapping[Ref, Sequence[Key]],
    clusters: Mapping[Ref, ClusterLike | None],
) -> None:
    """Store the changed records' new keys and every affected record's cluster, in one go.

    The caller holds a transaction, so keys and cluster ids never disagree.
    """
    refs = list(changes)
    db.conn.executemany(
        "DELETE FROM match_keys WHERE source = ? AND identifier = ?", [list(r) for r in refs]
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO match_keys (source, identifier, kind, key) VALUES (?, ?, ?, ?)",
        [(*ref, kind, key) for ref, keys in changes.items() for kind, key in keys],
    )
    db.conn.executemany(
        "UPDATE records SET cluster_id = ?, cluster_reason = ? "
        "WHERE source = ? AND identifier = ? "
        "AND (cluster_id IS NOT ? OR cluster_reason IS NOT ?)",
        [
            (
                c.cluster_id if c else None,
                c.reason if c else None,
                *ref,
                c.cluster_id if c else None,
                c.reason if c else None,
            )
            for ref, c in clusters.items()
        ],
    )
    db.conn.executemany(
        f"DELETE FROM {LINK_QUEUE} WHERE source = ? AND identifier = ?", [list(r) for r in refs]
    )


def enqueue(db: sqlite_utils.Database, refs: Sequence[Ref]) -> None:
    """Queue records for (re)linking; the caller holds the transaction that changed them."""
    if refs:
        db.conn.executemany(
            f"INSERT OR IGNORE INTO {LINK_QUEUE} (source, identifier) VALUES (?, ?)", refs
        )


def enqueue_all(db: sqlite_utils.Database) -> None:
    """Queue every record (`harvester link --full`)."""
    db.execute(f"INSERT OR IGNORE INTO {LINK_QUEUE} SELECT source, identifier FROM records")
