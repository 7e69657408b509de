"""Persistence for linking: stored match keys, records waiting to be linked, cluster ids."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import orjson
import sqlite_utils

from harvester.store.schema import LINK_QUEUE, LINKS

Ref = tuple[str, str]
Key = tuple[str, str]


class ClusterLike(Protocol):
    @property
    def cluster_id(self) -> str: ...

    @property
    def reason(self) -> str: ...


_RECORD_COLUMNS = (
    "r.source, r.identifier, deleted, title, titles, creators, year, "
    "json_extract(dc_json(dc), '$.identifier')"
)
_QUEUE_WITH_CLUSTERS = (
    f"{LINK_QUEUE} q LEFT JOIN {LINKS} l ON l.source = q.source AND l.identifier = q.identifier"
)


def pending(db: sqlite_utils.Database, limit: int) -> list[dict[str, Any]]:
    """Records added, changed or re-normalised since they were last linked.

    A record queued with its keys (the harvest computed them) is not read at all: its row
    carries `keys` and `cluster`, its stored cluster id and reason, so that saving writes
    only clusters that change. The others are read as `pending_after` reads them.
    """
    queued = db.execute(
        f"SELECT q.source, q.identifier, q.keys, l.cluster_id, l.cluster_reason "
        f"FROM {_QUEUE_WITH_CLUSTERS} LIMIT ?",
        [limit],
    ).fetchall()
    rows: list[dict[str, Any]] = []
    unkeyed: dict[Ref, tuple[Any, ...]] = {}
    for source, identifier, keys, *cluster in queued:
        if keys is None:
            unkeyed[(source, identifier)] = tuple(cluster)
            continue
        rows.append(
            {
                "source": source,
                "identifier": identifier,
                "keys": [tuple(key) for key in orjson.loads(keys)],
                "cluster": tuple(cluster),
            }
        )
    for values, params in _in_chunks(unkeyed):
        for row in _decode(
            db.execute(
                f"SELECT {_RECORD_COLUMNS} FROM records r "
                f"WHERE (r.source, r.identifier) IN ({values})",
                params,
            )
        ):
            row["cluster"] = unkeyed.pop((row["source"], row["identifier"]))
            rows.append(row)
    # Queued but gone from `records` (cannot happen through the harvester): nothing to key.
    rows += [
        {"source": s, "identifier": i, "keys": [], "cluster": c} for (s, i), c in unkeyed.items()
    ]
    return rows


def pending_after(
    db: sqlite_utils.Database, after: Ref | None, limit: int, *, unkeyed_only: bool = False
) -> list[dict[str, Any]]:
    """Queued records in key order after `after`, read from `records` (`link --full` keys them
    again whatever the queue holds: the rules may have changed); the queue stays.
    `unkeyed_only` skips the records queued with their keys.

    Linking reads only the record's own dc:identifier values from `dc`: SQLite picks them out
    (decoding the whole `dc` was a fifth of `link --full`).
    """
    clauses, params = (["(q.source, q.identifier) > (?, ?)"], list(after)) if after else ([], [])
    if unkeyed_only:
        clauses.append("q.keys IS NULL")
    where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
    return _decode(
        db.execute(
            f"SELECT {_RECORD_COLUMNS}, l.cluster_id, l.cluster_reason "
            f"FROM {_QUEUE_WITH_CLUSTERS} JOIN records r "
            f"ON r.source = q.source AND r.identifier = q.identifier {where}"
            "ORDER BY q.source, q.identifier LIMIT ?",
            [*params, limit],
        )
    )


FRESH, FRESH_KEYS = "temp.link_fresh", "temp.link_fresh_keys"


def link_lonely(db: sqlite_utils.Database, after: Ref | None, limit: int) -> tuple[Ref | None, int]:
    """Link the lonely records among the `limit` queued after `after`: the last one looked at
    (None: the queue has no more after `after`) and how many were linked.

    A record with no stored keys (so in no cluster), queued with its keys, none of which a
    stored record or another of these holds, is in no cluster: its keys are stored and it
    leaves the queue, by SQLite alone (most records of a member's first harvest). A record
    linked later with one of its keys finds it stored and forms the cluster then: linking in
    any order forms what linking everything at once does. The caller holds the transaction.
    """
    clause, params = ("WHERE (source, identifier) > (?, ?) ", list(after)) if after else ("", [])
    db.execute(f"DROP TABLE IF EXISTS {FRESH}")
    db.execute(
        f"CREATE TABLE {FRESH} AS SELECT source, identifier, keys FROM {LINK_QUEUE} {clause}"
        "ORDER BY source, identifier LIMIT ?",
        [*params, limit],
    )
    last = db.execute(
        f"SELECT source, identifier FROM {FRESH} ORDER BY source DESC, identifier DESC LIMIT 1"
    ).fetchone()
    db.execute(
        f"DELETE FROM {FRESH} WHERE keys IS NULL "
        "OR EXISTS (SELECT 1 FROM match_keys m "
        f"WHERE m.source = {FRESH}.source AND m.identifier = {FRESH}.identifier)"
    )  # (a record in a cluster has keys: one stored without any is in none)
    db.execute(
        f"CREATE TABLE {FRESH_KEYS} AS SELECT f.source, f.identifier, "
        "json_extract(k.value, '$[0]') AS kind, json_extract(k.value, '$[1]') AS key "
        f"FROM {FRESH} f, json_each(f.keys) k"
    )
    db.execute(f"CREATE INDEX {FRESH_KEYS}_key ON link_fresh_keys (kind, key)")
    # Records with a key held by a stored record or by another fresh one are not lonely.
    db.execute(
        f"DELETE FROM {FRESH} WHERE (source, identifier) IN ("
        f"SELECT f.source, f.identifier FROM {FRESH_KEYS} f WHERE "
        "EXISTS (SELECT 1 FROM match_keys m WHERE m.kind = f.kind AND m.key = f.key) "
        f"OR EXISTS (SELECT 1 FROM {FRESH_KEYS} o WHERE o.kind = f.kind "
        "AND o.key = f.key AND (o.source <> f.source OR o.identifier <> f.identifier)))"
    )
    # Off the queue first: the keys then fill the pages the queue rows leave (the other
    # way round, the file kept the queue's pages free: 190 bytes a record more).
    db.execute(
        f"DELETE FROM {LINK_QUEUE} WHERE (source, identifier) IN "
        f"(SELECT source, identifier FROM {FRESH})"
    )
    db.execute(
        "INSERT OR IGNORE INTO match_keys (source, identifier, kind, key) "
        f"SELECT k.source, k.identifier, k.kind, k.key FROM {FRESH_KEYS} k "
        f"JOIN {FRESH} f ON f.source = k.source AND f.identifier = k.identifier "
        "ORDER BY 1, 2, 3, 4"
    )
    linked = db.execute(f"SELECT count(*) FROM {FRESH}").fetchone()[0]
    db.execute(f"DROP TABLE {FRESH}")
    db.execute(f"DROP TABLE {FRESH_KEYS}")
    return ((last[0], last[1]) if last else None), int(linked)


def queued_count(db: sqlite_utils.Database, most: int) -> int:
    """How many records wait in the queue, counted up to `most`."""
    found = db.execute(f"SELECT count(*) FROM (SELECT 1 FROM {LINK_QUEUE} LIMIT ?)", [most])
    return int(found.fetchone()[0])


def queued_sources(db: sqlite_utils.Database) -> int:
    """1 if every queued record is of one member (0: none), 2 if of several: two index reads."""
    first = db.execute(
        f"SELECT (SELECT min(source) FROM {LINK_QUEUE}), (SELECT max(source) FROM {LINK_QUEUE})"
    ).fetchone()
    return 0 if first[0] is None else 1 if first[0] == first[1] else 2


def queued_refs(db: sqlite_utils.Database, limit: int) -> list[Ref]:
    """The first `limit` records of the queue."""
    return [
        (source, identifier)
        for source, identifier in db.execute(
            f"SELECT source, identifier FROM {LINK_QUEUE} LIMIT ?", [limit]
        )
    ]


# A long queue of several members is keyed first, into this connection's own temporary table,
# so that it can link the records of one work together whatever their places in the queue.
STAGED = "temp.link_staged_keys"


def stage_begin(db: sqlite_utils.Database) -> None:
    db.execute(f"DROP TABLE IF EXISTS {STAGED}")
    db.execute(
        f"CREATE TABLE {STAGED} (source TEXT NOT NULL, identifier TEXT NOT NULL, "
        "kind TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (source, identifier, kind, key)) "
        "WITHOUT ROWID"
    )


def stage_indexed(db: sqlite_utils.Database) -> None:
    """Index the staged keys by key once all are in: one sort, not a random insert per key."""
    db.execute(f"CREATE INDEX {STAGED}_key ON link_staged_keys (kind, key)")


def stage_end(db: sqlite_utils.Database) -> None:
    db.execute(f"DROP TABLE IF EXISTS {STAGED}")


def stage(db: sqlite_utils.Database, changes: Mapping[Ref, Sequence[Key]]) -> None:
    db.conn.executemany(
        f"INSERT OR IGNORE INTO {STAGED} VALUES (?, ?, ?, ?)",
        sorted((*ref, kind, key) for ref, keys in changes.items() for kind, key in keys),
    )


def stage_queued(db: sqlite_utils.Database) -> None:
    """Stage every key queued with its record (the JSON `[[kind, key], ...]` of `enqueue`)."""
    db.execute(
        f"INSERT OR IGNORE INTO {STAGED} SELECT q.source, q.identifier, "
        "json_extract(k.value, '$[0]'), json_extract(k.value, '$[1]') "
        f"FROM {LINK_QUEUE} q, json_each(q.keys) k WHERE q.keys IS NOT NULL ORDER BY 1, 2, 3, 4"
    )


# `link --full` keys every record into these two tables of its connection, by the records'
# rowids: the works are then found by union-find over integers (`harvester.link.whole`),
# not by following keys query after query.
WHOLE_REFS, WHOLE_KEYS = "temp.link_whole_refs", "temp.link_whole_keys"


def whole_begin(db: sqlite_utils.Database) -> None:
    whole_end(db)
    db.execute(
        f"CREATE TABLE {WHOLE_REFS} (rid INTEGER PRIMARY KEY, source TEXT NOT NULL, "
        "identifier TEXT NOT NULL)"
    )
    db.execute(
        f"CREATE TABLE {WHOLE_KEYS} (rid INTEGER NOT NULL, kind TEXT NOT NULL, "
        "key TEXT NOT NULL, PRIMARY KEY (rid, kind, key)) WITHOUT ROWID"
    )


def whole_end(db: sqlite_utils.Database) -> None:
    db.execute(f"DROP TABLE IF EXISTS {WHOLE_REFS}")
    db.execute(f"DROP TABLE IF EXISTS {WHOLE_KEYS}")


def rowid_span(db: sqlite_utils.Database) -> tuple[int, int] | None:
    """The smallest and largest rowid of `records` (None: no record)."""
    low, high = db.execute("SELECT min(rowid), max(rowid) FROM records").fetchone()
    return None if low is None else (int(low), int(high))


def keying_rows(db: sqlite_utils.Database, low: int, high: int) -> list[dict[str, Any]]:
    """The records with rowids from `low` to `high`, decoded for keying, each with its `rid`."""
    found = db.execute(
        f"SELECT r.rowid, {_RECORD_COLUMNS} FROM records r WHERE r.rowid BETWEEN ? AND ? "
        "ORDER BY r.rowid",
        [low, high],
    ).fetchall()
    rows = _decode(row[1:] for row in found)
    for row, found_row in zip(rows, found, strict=True):
        row["rid"] = found_row[0]
    return rows


def stage_whole(
    db: sqlite_utils.Database,
    refs: Sequence[tuple[int, str, str]],
    keys: Sequence[tuple[int, str, str]],
) -> None:
    """Stage records (rowid, source, identifier) and their keys (rowid, kind, key)."""
    db.conn.executemany(f"INSERT OR REPLACE INTO {WHOLE_REFS} VALUES (?, ?, ?)", refs)
    db.conn.executemany(f"INSERT OR IGNORE INTO {WHOLE_KEYS} VALUES (?, ?, ?)", keys)


def shared_whole_keys(db: sqlite_utils.Database) -> Iterator[tuple[str, str, list[int]]]:
    """Each key staged for two records or more, with their rowids (one sort, in SQLite)."""
    for kind, key, rids in db.execute(
        f"SELECT kind, key, group_concat(rid) FROM {WHOLE_KEYS} "
        "GROUP BY kind, key HAVING count(*) > 1"
    ):
        yield kind, key, [int(rid) for rid in rids.split(",")]


def whole_keys_of(db: sqlite_utils.Database, rids: Collection[int]) -> dict[Ref, list[Key]]:
    """The staged keys of the records of these rowids, every record present ([]: no key)."""
    found: dict[Ref, list[Key]] = {}
    for values, params in _in_chunks([(rid,) for rid in rids]):
        for source, identifier, kind, key in db.execute(
            f"SELECT r.source, r.identifier, k.kind, k.key FROM {WHOLE_REFS} r "
            f"LEFT JOIN {WHOLE_KEYS} k ON k.rid = r.rid WHERE r.rid IN ({values}) "
            "ORDER BY r.rid",
            params,
        ):
            keys = found.setdefault((source, identifier), [])
            if kind is not None:
                keys.append((kind, key))
    return found


def queued_sharing(db: sqlite_utils.Database, keys: Collection[Key]) -> dict[Key, list[Ref]]:
    """The staged records of each key that still wait in the queue."""
    found: dict[Key, list[Ref]] = {}
    for values, params in _in_chunks(keys):
        for kind, key, source, identifier in db.execute(
            f"SELECT s.kind, s.key, s.source, s.identifier FROM {STAGED} s "
            f"JOIN {LINK_QUEUE} q ON q.source = s.source AND q.identifier = s.identifier "
            f"WHERE (s.kind, s.key) IN ({values})",
            params,
        ):
            found.setdefault((kind, key), []).append((source, identifier))
    return found


def _decode(cursor: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    rows = []
    for source, identifier, deleted, title, titles, creators, year, own, *cluster in cursor:
        row = {
            "source": source,
            "identifier": identifier,
            "deleted": bool(deleted),
            "title": title,
            "titles": orjson.loads(titles or "[]"),
            "creators": orjson.loads(creators or "[]"),
            "year": year,
            "dc": {"identifier": orjson.loads(own)} if own else {},
        }
        if cluster:
            row["cluster"] = tuple(cluster)
        rows.append(row)
    return rows


# Bound parameters per statement: SQLite before 3.32 allows 999.
_MAX_VARIABLES = 998


def _in_chunks(
    rows: Collection[tuple[Any, ...]], reserved: int = 1
) -> Iterator[tuple[str, list[Any]]]:
    """`SELECT column1, column2, ... FROM (VALUES ...)` over the rows (pairs, mostly), and its
    parameters, by chunk; `reserved` parameters of each statement are the caller's own.

    Written as a subquery, `(a, b) IN (...)` searches the index on (a, b); `(a, b) IN (VALUES
    ...)` scans the table. Sorted, neighbouring lookups share index pages: half the time of
    random order on a 100,000-record index.
    """
    items = sorted(rows)
    if not items:
        return
    width = len(items[0])
    columns = ", ".join(f"column{n}" for n in range(1, width + 1))
    row = f"({', '.join(['?'] * width)})"
    step = (_MAX_VARIABLES + 1 - reserved) // width
    for start in range(0, len(items), step):
        chunk = items[start : start + step]
        yield (
            f"SELECT {columns} FROM (VALUES {', '.join([row] * len(chunk))})",
            [value for item in chunk for value in item],
        )


def key_reach(
    db: sqlite_utils.Database, items: Collection[tuple[str, str, str]], limit: int
) -> dict[tuple[str, str, str], tuple[int, int]]:
    """For each (cluster id, kind, key): the records having the key and those of them in the
    cluster, each counted up to `limit`, by SQLite alone."""
    found: dict[tuple[str, str, str], tuple[int, int]] = {}
    for values, params in _in_chunks(items, reserved=2):
        for cluster_id, kind, key, total, inside in db.execute(
            "SELECT v.column1, v.column2, v.column3, "
            "(SELECT count(*) FROM (SELECT 1 FROM match_keys m "
            "WHERE m.kind = v.column2 AND m.key = v.column3 LIMIT ?)), "
            f"(SELECT count(*) FROM (SELECT 1 FROM match_keys m JOIN {LINKS} l "
            "ON l.source = m.source AND l.identifier = m.identifier "
            "WHERE m.kind = v.column2 AND m.key = v.column3 AND l.cluster_id = v.column1 "
            f"LIMIT ?)) FROM ({values}) v",
            [limit, limit, *params],
        ):
            found[(cluster_id, kind, key)] = (total, inside)
    return found


def cluster_sizes(
    db: sqlite_utils.Database, cluster_ids: Collection[str], limit: int
) -> dict[str, int]:
    """The records of each cluster, counted up to `limit`."""
    found: dict[str, int] = {}
    for values, params in _in_chunks([(cluster_id,) for cluster_id in cluster_ids]):
        found.update(
            db.execute(
                f"SELECT v.column1, (SELECT count(*) FROM (SELECT 1 FROM {LINKS} l "
                f"WHERE l.cluster_id = v.column1 LIMIT ?)) FROM ({values}) v",
                [limit, *params],
            )
        )
    return found


def keys_of(
    db: sqlite_utils.Database, refs: Collection[Ref], table: str = "match_keys"
) -> dict[Ref, list[Key]]:
    """The stored keys of each record that has any."""
    return _grouped(
        db, refs, f"SELECT source, identifier, kind, key FROM {table} WHERE (source, identifier) IN"
    )


def count_sharing(
    db: sqlite_utils.Database, keys: Collection[Key], limit: int, table: str = "match_keys"
) -> dict[Key, int]:
    """How many records have each key, counted up to `limit` (a common key costs no more)."""
    found: dict[Key, int] = {}
    for values, params in _in_chunks(keys):
        for kind, key, count in db.execute(
            f"SELECT v.column1, v.column2, (SELECT count(*) FROM (SELECT 1 FROM {table} m "
            f"WHERE m.kind = v.column1 AND m.key = v.column2 LIMIT ?)) FROM ({values}) v",
            [limit, *params],
        ):
            if count:
                found[(kind, key)] = count
    return found


def records_sharing(
    db: sqlite_utils.Database, keys: Collection[Key], table: str = "match_keys"
) -> dict[Key, list[Ref]]:
    """Every record having each key (asked only for keys counted few)."""
    return _grouped(
        db, keys, f"SELECT kind, key, source, identifier FROM {table} WHERE (kind, key) IN"
    )


def _grouped(
    db: sqlite_utils.Database, pairs: Collection[tuple[str, str]], select: str
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Rows of `select ... IN (pairs)` (four columns), the last two grouped by the first two."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for values, params in _in_chunks(pairs):
        for a, b, c, d in db.execute(f"{select} ({values})", params):
            found.setdefault((a, b), []).append((c, d))
    return found


def clusters_of(db: sqlite_utils.Database, refs: Collection[Ref]) -> dict[Ref, tuple[Any, ...]]:
    """The stored (cluster id, reason) of each record; (None, None) for one in no cluster."""
    found: dict[Ref, tuple[Any, ...]] = dict.fromkeys(refs, (None, None))
    for values, params in _in_chunks(refs):
        for source, identifier, *cluster in db.execute(
            f"SELECT source, identifier, cluster_id, cluster_reason FROM {LINKS} "
            f"WHERE (source, identifier) IN ({values})",
            params,
        ):
            found[(source, identifier)] = tuple(cluster)
    return found


def apply(
    db: sqlite_utils.Database,
    changes: Mapping[Ref, Sequence[Key]],
    old_keys: Mapping[Ref, Sequence[Key]],
    clusters: Mapping[Ref, ClusterLike | None],
    current: Mapping[Ref, tuple[Any, ...]],
) -> None:
    """Store the changed records' new keys and every affected record's cluster, in one go.

    Only what differs is written: keys that did not change (most of `link --full`) and
    clusters already right are left as they are. `old_keys` are the changed records' stored
    keys, `current` the (cluster id, reason) of those whose stored cluster the caller read.
    The caller holds a transaction, so keys and cluster ids never disagree.
    """
    removed: list[tuple[str, ...]] = []
    added: list[tuple[str, ...]] = []
    for ref, keys in changes.items():
        new, old = set(keys), set(old_keys.get(ref, ()))
        removed += sorted((*ref, *key) for key in old - new)
        added += sorted((*ref, *key) for key in new - old)
    # Only the keys that changed: a key rewritten as it was still dirties a page of each index.
    db.conn.executemany(
        "DELETE FROM match_keys WHERE source = ? AND identifier = ? AND kind = ? AND key = ?",
        removed,
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO match_keys (source, identifier, kind, key) VALUES (?, ?, ?, ?)",
        added,
    )
    now = {ref: (c.cluster_id, c.reason) if c else (None, None) for ref, c in clusters.items()}
    known = {**clusters_of(db, [ref for ref in now if ref not in current]), **current}
    changed = sorted((ref, cluster) for ref, cluster in now.items() if known[ref] != cluster)
    db.conn.executemany(
        f"INSERT INTO {LINKS} (source, identifier, cluster_id, cluster_reason) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (source, identifier) DO UPDATE SET "
        "cluster_id = excluded.cluster_id, cluster_reason = excluded.cluster_reason",
        [(*ref, *cluster) for ref, cluster in changed if cluster[0] is not None],
    )
    db.conn.executemany(
        f"DELETE FROM {LINKS} WHERE source = ? AND identifier = ?",
        [ref for ref, cluster in changed if cluster[0] is None],
    )
    for values, params in _in_chunks(changes):
        db.execute(f"DELETE FROM {LINK_QUEUE} WHERE (source, identifier) IN ({values})", params)


def enqueue(
    db: sqlite_utils.Database, refs: Sequence[Ref], keys: Sequence[str | None] | None = None
) -> None:
    """Queue records for (re)linking; the caller holds the transaction that changed them.

    `keys` are the records' match keys as JSON, computed where they were normalised (None:
    the link step computes them). A record queued again gets its latest keys.
    """
    if refs:
        db.conn.executemany(
            f"INSERT INTO {LINK_QUEUE} (source, identifier, keys) VALUES (?, ?, ?) "
            "ON CONFLICT (source, identifier) DO UPDATE SET keys = excluded.keys",
            [(*ref, key) for ref, key in zip(refs, keys or [None] * len(refs), strict=True)],
        )


def enqueue_all(db: sqlite_utils.Database) -> None:
    """Queue every record (`harvester link --full`), to be keyed again from `records`."""
    db.execute(
        f"INSERT INTO {LINK_QUEUE} (source, identifier) SELECT source, identifier FROM records "
        "WHERE true ON CONFLICT (source, identifier) DO UPDATE SET keys = NULL"
    )
