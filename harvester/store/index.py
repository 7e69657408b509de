"""The Store: one connection, one-transaction page saves, harvest state, runs, quarantine.

Each thread opens its own Store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlite_utils

from harvester.errors import IndexUnusable
from harvester.models import (
    NORMALISED_FIELDS,
    Checkpoint,
    Record,
    RepositoryInfo,
    RunResult,
    Source,
)
from harvester.normalise.searchtext import SearchRow
from harvester.store import dcjson, jsonlines, links, opening, rawxml, reads, searchindex
from harvester.store import search as searching
from harvester.store.reads import ExportSelection, SearchFilters
from harvester.store.schema import JSON_FIELDS, RECORD_COLUMNS, migrations

# SQLite (>= 3.32) accepts 32766 bound variables per statement.
_MAX_VARIABLES = 32000


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now_precise() -> str:
    """Microsecond timestamps for changed_at, so `--since` can follow runs a moment apart."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def raw_hash(raw_xml: str) -> str:
    return hashlib.blake2b(raw_xml.encode("utf-8"), digest_size=16).hexdigest()


# Text as UTF-8, not \u escapes (readable in any SQLite tool), no spaces. orjson writes
# exactly what this encoder writes (checked on 160,000 library-shaped values, and by a
# test) in a third of the time; the encoder stays for what orjson refuses (an integer
# beyond 64 bits, a lone surrogate).
_fallback_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _encode(value: Any) -> str:
    try:
        return orjson.dumps(value).decode("utf-8")
    except orjson.JSONEncodeError:
        return _fallback_encode(value)


def _json(value: Any) -> str:
    if not value:  # most list fields are empty: skip the encoder
        return "{}" if isinstance(value, dict) else "[]"
    return _encode(value)


# `Store.bulk_writes`: the page cache in KiB (negative, as PRAGMA cache_size takes it) and
# the WAL pages between checkpoints.
BULK_CACHE_KIB = -32768
BULK_CHECKPOINT_PAGES = 10000

_WRITE_LOCKS: dict[Path, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(path: Path) -> threading.Lock:
    key = path.resolve()
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.Lock())


class Store:
    """One connection to the index; open one per thread."""

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        """Open the index at `path`.

        For writing (the default) a new or empty file becomes an index and an older index is
        upgraded. `read_only=True` needs an index that exists, never writes to it and works in
        a read-only directory; use it for commands that only read. Either way a file that is
        not an index raises IndexUnusable and is left unchanged.
        """
        self.path = Path(path)
        self.read_only = read_only
        conn = self._open_read_only() if read_only else self._open_for_writing()
        # No plugin discovery: it scans every installed distribution, costing time and memory.
        self.db = sqlite_utils.Database(conn, execute_plugins=False)

    def _open_read_only(self) -> sqlite3.Connection:
        conn = opening.open_read_only(self.path)
        if opening.needs_upgrade(conn):
            # An index from an earlier version: upgrade it once if it can be written here.
            conn.close()
            try:
                Store(self.path).close()
            except (IndexUnusable, sqlite3.Error) as exc:
                raise IndexUnusable(
                    f"the index {self.path} was written by an earlier version of harvester "
                    f"and cannot be upgraded here ({exc}); run `harvester link` where it is "
                    "writable"
                ) from None
            conn = opening.open_read_only(self.path)
        return conn

    def _open_for_writing(self) -> sqlite3.Connection:
        conn, _ = opening.connect_for_writing(self.path)
        try:
            conn.execute("PRAGMA busy_timeout = 60000")
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = wal")
            conn.execute("PRAGMA synchronous = NORMAL")
            migrations.apply(sqlite_utils.Database(conn, execute_plugins=False))
            opening.stamp(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise IndexUnusable(f"cannot write the index {self.path}: {exc}") from None
        return conn

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE: take the write lock up front so parallel writers wait, not fail.

        Threads of this process first queue on a Python lock: SQLite's busy handler sleeps
        1 to 100 ms between tries, leaving the write lock idle between eight source threads
        (a quarter of their time in benchmarks/RESULTS.md). Other processes still get SQLite's
        own locking.
        """
        with _write_lock(self.path):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.rollback()
                raise
            self.db.execute("COMMIT")

    @contextlib.contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """Room for transactions that dirty pages all over an index (linking a harvest).

        Keys land at random places of the (kind, key) index: with SQLite's 2 MB page cache a
        batch spilled its pages to the WAL while still writing them, and every commit of more
        than 1,000 pages (16 MB) ran a checkpoint with its fsyncs. A 32 MB cache and a
        checkpoint every 10,000 pages took linking 100,000 new records from 7.7 to 4.5 s.
        Commits stay as durable as before (WAL, synchronous=NORMAL): a power cut can lose the
        last commits, as it could, and linking resumes from the queue they had not emptied.
        """
        cache = self.db.execute("PRAGMA cache_size").fetchone()[0]
        checkpoint = self.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        self.db.execute(f"PRAGMA cache_size = {BULK_CACHE_KIB}")
        self.db.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
        try:
            yield
        finally:
            self.db.execute(f"PRAGMA cache_size = {int(cache)}")
            self.db.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")

    # sources --------------------------------------------------------------------------
    def save_source(self, source: Source, info: RepositoryInfo | None = None) -> None:
        row: dict[str, Any] = {
            "name": source.name,
            "title": source.title,
            "institution": source.institution,
            "country": source.country,
            "endpoint": source.endpoint,
            "metadata_prefix": source.metadata_prefix,
            "default_language": source.default_language,
        }
        if info is not None:
            row.update(
                repository_name=info.repository_name,
                granularity=info.granularity,
                earliest_datestamp=info.earliest_datestamp,
                deleted_record=info.deleted_record,
                admin_emails=", ".join(info.admin_emails),
                identified_at=utc_now(),
            )
        with self.transaction():
            self.db.table("sources").upsert(row, pk="name")

    def source_row(self, name: str) -> dict[str, Any] | None:
        rows = list(self.db.table("sources").rows_where("name = ?", [name]))
        return rows[0] if rows else None

    def save_default_language(self, name: str, default_language: str | None) -> None:
        """Record the default language the source's records are now normalised with."""
        with self.transaction():
            self.db.execute(
                "UPDATE sources SET default_language = ? WHERE name = ?", [default_language, name]
            )

    def set_day_granularity_only(self, name: str) -> None:
        """Remember that this endpoint rejects seconds in from/until."""
        with self.transaction():
            self.db.execute("UPDATE sources SET day_granularity_only = 1 WHERE name = ?", [name])

    # records --------------------------------------------------------------------------
    def save_page(
        self,
        source: str,
        records: Sequence[Record] | PreparedPage,
        state_key: tuple[str, str],
        checkpoint: Checkpoint,
        *,
        manual: bool = False,
    ) -> tuple[int, int, int]:
        """Upsert a page's records and its checkpoint in ONE transaction.

        Returns (added, updated, deleted). Rows whose raw XML did not change are not rewritten,
        so overlapping incremental windows cost no FTS work.
        """
        page = records if isinstance(records, PreparedPage) else prepare_page(source, records)
        with self.transaction():
            known = self._known_hashes(source, list(page.rows))
            rows, added, updated, deleted = [], 0, 0, 0
            for identifier, (digest, is_deleted, row) in page.rows.items():
                before = known.get(identifier)
                if before is not None and before[0] == digest:
                    continue
                rows.append(row)
                if is_deleted:
                    deleted += before is None or not before[1]
                elif before is None:
                    added += 1
                else:
                    updated += 1
            rowids = self._upsert_records(rows)
            searchindex.write_rows(
                self.db, [(rowid, page.search.get(identifier)) for identifier, rowid in rowids]
            )
            links.enqueue(
                self.db,
                [(source, row[1]) for row in rows],
                [page.keys.get(row[1]) for row in rows],
            )
            self._save_checkpoint(source, state_key, checkpoint, page.received, manual)
        return added, updated, deleted

    def _known_hashes(self, source: str, identifiers: list[str]) -> dict[str, tuple[str, bool]]:
        found: dict[str, tuple[str, bool]] = {}
        for start in range(0, len(identifiers), 900):
            chunk = identifiers[start : start + 900]
            marks = ",".join("?" * len(chunk))
            cursor = self.db.execute(
                f"SELECT identifier, raw_hash, deleted FROM records "
                f"WHERE source = ? AND identifier IN ({marks})",
                [source, *chunk],
            )
            for identifier, digest, deleted in cursor:
                found[identifier] = (digest, bool(deleted))
        return found

    def _upsert_records(self, rows: list[tuple[Any, ...]]) -> list[tuple[str, int]]:
        """One multi-row INSERT .. ON CONFLICT per chunk: FTS5 flushes once per statement.

        Returns (identifier, rowid) of the rows written, for the search index.
        """
        if not rows:
            return []
        written: list[tuple[str, int]] = []
        columns = RECORD_COLUMNS
        update = ", ".join(
            f"{c} = excluded.{c}"
            for c in columns
            if c not in ("source", "identifier", "harvested_at")
        )
        per_row = "(" + ",".join("?" * len(columns)) + ")"
        chunk_size = max(1, _MAX_VARIABLES // len(columns))
        for start in range(0, len(rows), chunk_size):
            chunk = rows[start : start + chunk_size]
            sql = (
                f"INSERT INTO records ({', '.join(columns)}) VALUES "
                + ",".join([per_row] * len(chunk))
                + f" ON CONFLICT(source, identifier) DO UPDATE SET {update}"
                + " RETURNING identifier, rowid"
            )
            written += self.db.execute(sql, [value for row in chunk for value in row]).fetchall()
        return written

    # harvest state --------------------------------------------------------------------
    def get_state(self, source: str, set_spec: str, prefix: str) -> dict[str, Any] | None:
        rows = list(
            self.db.table("state").rows_where(
                "source = ? AND set_spec = ? AND metadata_prefix = ?", [source, set_spec, prefix]
            )
        )
        return rows[0] if rows else None

    def _save_checkpoint(
        self,
        source: str,
        state_key: tuple[str, str],
        checkpoint: Checkpoint,
        received: int,
        manual: bool,
    ) -> None:
        set_spec, prefix = state_key
        previous = self.get_state(source, set_spec, prefix) or {}
        same_window = previous.get("first_response_date") == checkpoint.first_response_date
        row = {
            "source": source,
            "set_spec": set_spec,
            "metadata_prefix": prefix,
            "window_from": checkpoint.window_from,
            "window_until": checkpoint.window_until,
            "manual": int(manual),
            "first_response_date": checkpoint.first_response_date,
            "resumption_token": checkpoint.resumption_token,
            "cursor": checkpoint.cursor,
            "complete_list_size": checkpoint.complete_list_size,
            "expiration_date": checkpoint.expiration_date,
            "received": (previous.get("received") or 0) * same_window + received,
            "pages": (previous.get("pages") or 0) * same_window + 1,
            "updated_at": utc_now(),
        }
        self.db.table("state").upsert(row, pk=("source", "set_spec", "metadata_prefix"))

    def finish_window(self, source: str, set_spec: str, prefix: str, watermark: str | None) -> None:
        """Close the list: drop the token; move the watermark when one is given."""
        with self.transaction():
            updates: dict[str, Any] = {
                "source": source,
                "set_spec": set_spec,
                "metadata_prefix": prefix,
                "resumption_token": None,
                "expiration_date": None,
                "first_response_date": None,
                "received": 0,
                "pages": 0,
                "manual": 0,
                "updated_at": utc_now(),
            }
            if watermark is not None:
                updates["watermark"] = watermark
            self.db.table("state").upsert(updates, pk=("source", "set_spec", "metadata_prefix"))

    def clear_token(self, source: str, set_spec: str, prefix: str) -> None:
        """Forget a dead token but keep the window, so the list restarts from its `from`."""
        with self.transaction():
            self.db.execute(
                "UPDATE state SET resumption_token = NULL, expiration_date = NULL, "
                "first_response_date = NULL, received = 0, pages = 0 "
                "WHERE source = ? AND set_spec = ? AND metadata_prefix = ?",
                [source, set_spec, prefix],
            )

    def reset_state(self, source: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM state WHERE source = ?", [source])

    # runs and quarantine ----------------------------------------------------------------
    def save_run(self, result: RunResult) -> int:
        with self.transaction():
            table = self.db.table("runs")
            table.insert(asdict(result))
            return int(table.last_pk or 0)

    def quarantine(self, source: str, url: str, reason: str, body: bytes) -> None:
        with self.transaction():
            self.db.table("quarantine").insert(
                {"source": source, "url": url, "reason": reason, "body": body, "created": utc_now()}
            )

    # reads ------------------------------------------------------------------------------
    def status(self, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Per source: records, deleted, last run, watermark and pending resumptions.

        Sources that have only ever failed (Identify never answered) are shown too.
        """
        names = list(names) if names else self.source_names(with_failed=True)
        return [self._status_of(name) for name in names]

    def _status_of(self, name: str) -> dict[str, Any]:
        live, deleted = self.db.execute(
            "SELECT COALESCE(SUM(deleted = 0), 0), COALESCE(SUM(deleted = 1), 0) "
            "FROM records WHERE source = ?",
            [name],
        ).fetchone()
        runs = list(
            self.db.table("runs").rows_where("source = ?", [name], order_by="id desc", limit=1)
        )
        states = list(self.db.table("state").rows_where("source = ?", [name]))
        return {
            "source": name,
            "records": live,
            "deleted": deleted,
            "last_run": runs[0] if runs else None,
            "watermarks": {s["set_spec"] or "*": s["watermark"] for s in states},
            "pending": [
                {"set": s["set_spec"] or "*", "cursor": s["cursor"], "received": s["received"]}
                for s in states
                if s["resumption_token"]
            ],
        }

    def record_row(self, source: str, identifier: str) -> dict[str, Any] | None:
        rows = list(
            self.db.table("records").rows_where(
                "source = ? AND identifier = ?", [source, identifier]
            )
        )
        if not rows:
            return None
        rows[0]["raw_xml"] = rawxml.unpack(rows[0].get("raw_xml"))
        rows[0]["dc"] = dcjson.unpack(rows[0].get("dc"))
        return rows[0]

    def count_records(self, source: str | None = None) -> int:
        if source is None:
            return int(self.db.execute("SELECT COUNT(*) FROM records").fetchone()[0])
        return int(
            self.db.execute("SELECT COUNT(*) FROM records WHERE source = ?", [source]).fetchone()[0]
        )

    def iter_raw(self, source: str, batch: int = 1000) -> Iterator[list[tuple[str, str]]]:
        """(identifier, raw_xml) of live records in batches, for re-normalising offline."""
        last = ""
        while True:
            rows = self.db.execute(
                "SELECT identifier, raw_xml FROM records WHERE source = ? AND identifier > ? "
                "AND deleted = 0 ORDER BY identifier LIMIT ?",
                [source, last, batch],
            ).fetchall()
            if not rows:
                return
            yield [(identifier, rawxml.unpack(stored) or "") for identifier, stored in rows]
            last = rows[-1][0]

    def update_fields(
        self,
        source: str,
        updates: Sequence[tuple[str, Mapping[str, Any]]],
        field_counts: MutableMapping[str, int] | None = None,
    ) -> int:
        """Rewrite normalised fields; changed rows are stamped and queued for linking.

        With `field_counts`, each field whose stored value differs is counted in it (by
        field name), so that a renormalisation can say what it changed. `dc` is compared as
        JSON text: a row written before `dc` was packed is not changed by being packed.
        """
        names = list(NORMALISED_FIELDS)
        assignments = ", ".join(f"{n} = ?" for n in names)
        differs = " OR ".join(f"{_compared(n)} IS NOT ?" for n in names)
        now = utc_now_precise()
        changed = 0
        search_rows: list[searchindex.SearchRowOf] = []
        stored = (
            self._stored_fields(source, [identifier for identifier, _ in updates], names)
            if field_counts is not None
            else {}
        )
        queued: list[tuple[str, str]] = []
        with self.transaction():
            for identifier, fields in updates:
                texts = [_field_text(n, fields.get(n)) for n in names]
                values = [_stored(n, text) for n, text in zip(names, texts, strict=True)]
                if field_counts is not None:
                    old = stored.get(identifier)
                    if old is None:
                        continue  # gone (deleted meanwhile): nothing to update
                    for name, new, was in zip(names, texts, old, strict=True):
                        if new != was:
                            field_counts[name] = field_counts.get(name, 0) + 1
                cursor = self.db.execute(
                    f"UPDATE records SET {assignments}, changed_at = ? "
                    f"WHERE source = ? AND identifier = ? AND ({differs}) RETURNING rowid",
                    [*values, now, source, identifier, *texts],
                )
                for (rowid,) in cursor.fetchall():
                    changed += 1
                    queued.append((source, identifier))
                    search_rows.append((rowid, searchindex.row_for(fields)))
            searchindex.write_rows(self.db, search_rows)
            links.enqueue(self.db, queued)
        return changed

    def _stored_fields(
        self, source: str, identifiers: Sequence[str], names: Sequence[str]
    ) -> dict[str, tuple[Any, ...]]:
        """{identifier: stored values of `names`} of a batch of a source's records, `dc` as
        JSON text."""
        columns = ", ".join(_compared(n) for n in names)
        found: dict[str, tuple[Any, ...]] = {}
        for start in range(0, len(identifiers), 500):  # well under SQLite's variable limit
            chunk = identifiers[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for identifier, *values in self.db.execute(
                f"SELECT identifier, {columns} FROM records "
                f"WHERE source = ? AND identifier IN ({marks})",
                [source, *chunk],
            ):
                found[identifier] = tuple(values)
        return found

    # reads for the other stages ------------------------------------------------------
    def source_names(self, *, with_failed: bool = False) -> list[str]:
        """The sources the index holds, in the order they were first saved.

        `with_failed` adds sources that were tried but never reached (they have runs only).
        """
        names = [row["name"] for row in self.db.table("sources").rows]
        if with_failed:
            tried = self.db.execute("SELECT DISTINCT source FROM runs ORDER BY source")
            names += [name for (name,) in tried if name not in names]
        return names

    def search(
        self, query: str, filters: SearchFilters | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        """Ranked matches in any script (see store.search)."""
        return searching.search(self.db, query, filters or SearchFilters(), limit)

    def search_page(
        self, query: str, filters: SearchFilters | None = None, limit: int = 20, offset: int = 0
    ) -> searching.SearchResults:
        """A page of ranked hits and the total (see store.search.search_page)."""
        return searching.search_page(self.db, query, filters or SearchFilters(), limit, offset)

    def common_values(self, field: str, limit: int = 10) -> list[str]:
        """The most common values of a list field (languages, types) in live records.

        Scans the index: for explaining an empty result, not for every query.
        """
        if field not in ("languages", "types"):
            raise ValueError(field)
        rows = self.db.execute(
            f"SELECT value FROM records, json_each(records.{field}) WHERE deleted = 0 "
            "GROUP BY value ORDER BY COUNT(*) DESC, value LIMIT ?",
            [limit],
        )
        return [row[0] for row in rows]

    def has_value(self, field: str, value: str) -> bool:
        """Whether any live record carries `value` in a list field (languages, types)."""
        if field not in ("languages", "types"):
            raise ValueError(field)
        row = self.db.execute(
            f"SELECT 1 FROM records, json_each(records.{field}) WHERE deleted = 0 "
            "AND value = ? LIMIT 1",
            [value],
        ).fetchone()
        return row is not None

    def stats(self, source: str | None = None) -> dict[str, Any]:
        """Records, deletions, linking, languages, years and types of one source or all."""
        return reads.stats(self.db, source)

    def export_rows(
        self, selection: ExportSelection, fields: Sequence[str] = (), *, linked_only: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Stream the selected records, decoded, one at a time."""
        return reads.iter_export_rows(self.db, selection, fields=fields, linked_only=linked_only)

    def export_lines(self, selection: ExportSelection, *, merged: bool) -> Iterator[str]:
        """JSON Lines text of the selected records, built by SQLite (see store.jsonlines).

        Merged, only the records outside any cluster: their line is already their work's.
        """
        clauses, params = reads.export_where(selection)
        if merged:
            clauses.append("cluster_id IS NULL")  # of records LEFT JOIN record_links
        return jsonlines.iter_lines(self.db, reads.where_sql(clauses), params, merged=merged)

    # linking ----------------------------------------------------------------------------
    def mark_all_for_linking(self) -> None:
        """Queue every record for re-keying (`harvester link --full`)."""
        with self.transaction():
            links.enqueue_all(self.db)

    def pending_links(self, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` records changed since they were last linked, decoded."""
        return links.pending(self.db, limit)

    def link_lonely(self, after: links.Ref | None, limit: int) -> tuple[links.Ref | None, int]:
        """Link the queued records after `after` that are new and share no key, in SQL: the
        last record looked at (None: no more) and how many were linked (`links.link_lonely`)."""
        with self.transaction():
            return links.link_lonely(self.db, after, limit)

    def queued_link_count(self, most: int) -> int:
        """Records waiting to be linked, counted up to `most`."""
        return links.queued_count(self.db, most)

    def queue_spans_members(self) -> bool:
        """Whether the records waiting to be linked are of more than one member."""
        return links.queued_sources(self.db) > 1

    def pending_links_after(
        self, after: links.Ref | None, limit: int, *, unkeyed_only: bool = False
    ) -> list[dict[str, Any]]:
        """Queued records after `after` in key order, decoded; they stay queued.

        `unkeyed_only`: only those queued without their keys."""
        return links.pending_after(self.db, after, limit, unkeyed_only=unkeyed_only)

    def queued_links(self, limit: int) -> list[links.Ref]:
        """The first `limit` records waiting to be linked."""
        return links.queued_refs(self.db, limit)

    def staged_keys(self) -> contextlib.AbstractContextManager[None]:
        """A temporary table of the new keys of queued records (a long queue of members)."""
        return self._temporary(links.stage_begin, links.stage_end)

    def stage_keys(self, changes: Mapping[links.Ref, Sequence[links.Key]]) -> None:
        with self.transaction():
            links.stage(self.db, changes)

    def stage_queued_keys(self) -> None:
        """Stage the keys queued with the records, as they are (SQLite reads the JSON)."""
        with self.transaction():
            links.stage_queued(self.db)

    def staged_keys_indexed(self) -> None:
        links.stage_indexed(self.db)

    def staged_keys_of(self, refs: Collection[links.Ref]) -> dict[links.Ref, list[links.Key]]:
        return links.keys_of(self.db, refs, links.STAGED)

    def staged_sharing(
        self, keys: Collection[links.Key], limit: int
    ) -> dict[links.Key, list[links.Ref]]:
        """The still queued records of each key staged for 2 to `limit` - 1 records (a key
        staged for one is the asking record's own)."""
        counts = links.count_sharing(self.db, keys, limit, links.STAGED)
        few = [key for key, count in counts.items() if 1 < count < limit]
        return links.queued_sharing(self.db, few)

    def whole_staging(self) -> contextlib.AbstractContextManager[None]:
        """Temporary tables of every record's rowid, ref and new keys (`link --full`)."""
        return self._temporary(links.whole_begin, links.whole_end)

    @contextlib.contextmanager
    def _temporary(
        self,
        create: Callable[[sqlite_utils.Database], None],
        drop: Callable[[sqlite_utils.Database], None],
    ) -> Iterator[None]:
        """Temporary tables of this connection, dropped however the block ends."""
        create(self.db)
        try:
            yield
        finally:
            drop(self.db)

    def record_rowids(self) -> tuple[int, int] | None:
        """The smallest and largest rowid of the records (None: the index has none)."""
        return links.rowid_span(self.db)

    def keying_rows(self, low: int, high: int) -> list[dict[str, Any]]:
        """The records of rowids `low` to `high` as linking keys them, each with its `rid`."""
        return links.keying_rows(self.db, low, high)

    def stage_whole(
        self, refs: Sequence[tuple[int, str, str]], keys: Sequence[tuple[int, str, str]]
    ) -> None:
        """Stage records (rowid, source, identifier) and their new keys (rowid, kind, key)."""
        with self.transaction():
            links.stage_whole(self.db, refs, keys)

    def shared_whole_keys(self) -> Iterator[tuple[str, str, list[int]]]:
        """Each staged key of two records or more, with the rowids of its records."""
        return links.shared_whole_keys(self.db)

    def whole_keys_of(self, rids: Collection[int]) -> dict[links.Ref, list[links.Key]]:
        """The staged keys of the records of these rowids ([]: a record without keys)."""
        return links.whole_keys_of(self.db, rids)

    def match_keys_of(self, refs: Collection[links.Ref]) -> dict[links.Ref, list[links.Key]]:
        """The stored keys of the records that have any, in one query per few hundred."""
        return links.keys_of(self.db, refs)

    def count_sharing(self, keys: Collection[links.Key], limit: int) -> dict[links.Key, int]:
        return links.count_sharing(self.db, keys, limit)

    def records_sharing(self, keys: Collection[links.Key]) -> dict[links.Key, list[links.Ref]]:
        return links.records_sharing(self.db, keys)

    def key_reach(
        self, items: Collection[tuple[str, str, str]], limit: int
    ) -> dict[tuple[str, str, str], tuple[int, int]]:
        """Per (cluster id, kind, key): records with the key and those of them in the
        cluster, counted up to `limit` (see `harvester.link.steady`)."""
        return links.key_reach(self.db, items, limit)

    def cluster_sizes(self, cluster_ids: Collection[str], limit: int) -> dict[str, int]:
        """The records of each cluster, counted up to `limit`."""
        return links.cluster_sizes(self.db, cluster_ids, limit)

    def stored_clusters(self, refs: Collection[links.Ref]) -> dict[links.Ref, tuple[Any, ...]]:
        """The stored (cluster id, reason) of each record; (None, None): in no cluster."""
        return links.clusters_of(self.db, refs)

    def save_links(
        self,
        changes: Mapping[links.Ref, Sequence[links.Key]],
        old_keys: Mapping[links.Ref, Sequence[links.Key]],
        clusters: Mapping[links.Ref, links.ClusterLike | None],
        current: Mapping[links.Ref, tuple[Any, ...]],
    ) -> None:
        """New keys of the changed records and the clusters they touch, in one transaction.

        Writes only keys and clusters that differ from the stored ones (see `links.apply`).
        """
        with self.transaction():
            links.apply(self.db, changes, old_keys, clusters, current)

    def reindex(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the search index from the stored fields, one transaction per batch.

        Run after the folding, stemming or romanisation rules change; returns the records seen.
        """
        return searchindex.rebuild(self.db, self.transaction, progress=progress)


@dataclass(frozen=True)
class PreparedPage:
    """A page turned into index rows, ready to write: only strings and numbers, no objects.

    Building rows is Python work; doing it before the write hands the writer thread plain
    tuples and lets the records, their Dublin Core and normalised dicts go early.
    """

    rows: dict[str, tuple[str, bool, tuple[Any, ...]]]  # identifier -> (hash, deleted, row)
    received: int
    search: dict[str, SearchRow | None] = field(default_factory=dict)  # identifier -> its row
    keys: dict[str, str] = field(default_factory=dict)  # identifier -> its match keys, JSON


def prepare_page(
    source: str,
    records: Sequence[Record],
    link_keys: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> PreparedPage:
    """The page's rows; `link_keys` (identifier -> match keys) go into the link queue with them."""
    now = utc_now_precise()
    rows = {}
    search = {}
    for record in records:  # a page may repeat a record: the last one wins
        digest = raw_hash(record.raw_xml)
        row = _record_row(source, record, digest, now)
        rows[record.header.identifier] = (digest, record.header.deleted, row)
        search[record.header.identifier] = searchindex.row_for(record.fields, record.header.deleted)
    keys = {identifier: _json(k) for identifier, k in (link_keys or {}).items()}
    return PreparedPage(rows, len(records), search, keys)


def _record_row(source: str, record: Record, digest: str, now: str) -> tuple[Any, ...]:
    header = record.header
    values: list[Any] = [
        source,
        header.identifier,
        header.datestamp,
        int(header.deleted),
        _json(list(header.set_specs)),
    ]
    fields = record.fields
    values.extend(_field_value(name, fields.get(name)) for name in NORMALISED_FIELDS)
    values.extend((rawxml.pack(record.raw_xml), digest, now, now))
    return tuple(values)


def _field_value(name: str, value: Any) -> Any:
    """A normalised field as stored: JSON columns as text, `dc` packed (store.dcjson)."""
    return _stored(name, _field_text(name, value))


def _field_text(name: str, value: Any) -> Any:
    """A normalised field as it is compared: JSON columns, `dc` too, as text."""
    if name in JSON_FIELDS:
        return _json(value if value is not None else [])
    return int(value) if isinstance(value, bool) else value


def _stored(name: str, text: Any) -> Any:
    # Packing here puts it in the page workers, beside the normalising (harvest.work).
    return dcjson.pack(text) if name == "dc" else text


def _compared(name: str) -> str:
    """SQL for a stored field as `_field_text` gives it (dc unpacked, old text rows too)."""
    return f"{dcjson.SQL_FUNCTION}({name})" if name == "dc" else name
