"""The search indexes, records_search and records_substrings: tables, rows, rebuilding.

records_search holds the folded, stemmed and romanised words of every record; records_substrings
the text as catalogued, cut into trigrams, of the values in scripts written without spaces and
in Arabic script only (``normalise.unspaced``), the only text that search matches as substrings.

Every write of a record's searched text goes through ``write_rows`` (page saves, renormalise,
reindex), so what the indexes hold is decided in one place: ``normalise.searchtext``. Their
rows are computed in Python, hence not by triggers; the triggers, on DELETE, are plain SQL, so
a record deleted by any tool (the sqlite3 shell, Datasette) leaves no row behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import sqlite_utils

from harvester.normalise.searchtext import SEARCH_COLUMNS, SearchRow, search_row, substring_row

SEARCH_TABLE = "records_search"
SUBSTRING_TABLE = "records_substrings"
SUBSTRING_COLUMNS = ("title", "creators", "subjects", "descriptions")
# The text is folded before it gets here; the tokenizer only cuts it into words. Letters,
# digits and combining marks make up words: without M*, unicode61 cuts Devanagari, Bengali or
# Thai words at every vowel sign.
SEARCH_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'"
REINDEX_BATCH = 1000

SearchRowOf = tuple[int, SearchRow | None]  # (records.rowid, its row; None: not searchable)


def create_table(db: sqlite_utils.Database) -> None:
    columns = ", ".join(f'"{c}"' for c in SEARCH_COLUMNS)
    tokenize = SEARCH_TOKENIZER.replace("'", "''")
    db.execute(
        f'CREATE VIRTUAL TABLE IF NOT EXISTS "{SEARCH_TABLE}" USING FTS5 ({columns}, '
        f"tokenize='{tokenize}')"
    )
    db.execute(
        f'CREATE TRIGGER IF NOT EXISTS "{SEARCH_TABLE}_ad" AFTER DELETE ON "records" BEGIN\n'
        f'  DELETE FROM "{SEARCH_TABLE}" WHERE rowid = old.rowid;\nEND'
    )


def create_substring_table(db: sqlite_utils.Database) -> None:
    """The trigram index: its own content (a phrase query and bm25 need no more), one trigger."""
    columns = ", ".join(f'"{c}"' for c in SUBSTRING_COLUMNS)
    db.execute(
        f'CREATE VIRTUAL TABLE IF NOT EXISTS "{SUBSTRING_TABLE}" USING FTS5 ({columns}, '
        "tokenize='trigram')"
    )
    db.execute(
        f'CREATE TRIGGER IF NOT EXISTS "{SUBSTRING_TABLE}_ad" AFTER DELETE ON "records" BEGIN\n'
        f'  DELETE FROM "{SUBSTRING_TABLE}" WHERE rowid = old.rowid;\nEND'
    )


def row_for(fields: Mapping[str, Any], deleted: bool = False) -> SearchRow | None:
    """The search row of a record's normalised fields (a mapping), None if it has nothing."""
    if deleted:
        return None
    title = fields.get("title")
    creators = fields.get("creators") or []
    subjects = fields.get("subjects") or []
    descriptions = fields.get("descriptions") or []
    if not (title or creators or subjects or descriptions):
        return None
    return search_row(title, creators, subjects, descriptions, fields.get("languages") or [])


def write_rows(db: sqlite_utils.Database, rows: Sequence[SearchRowOf]) -> None:
    """Replace the search rows of these records (inside the caller's transaction)."""
    if not rows:
        return
    rowids = [rowid for rowid, _ in rows]
    for table in (SEARCH_TABLE, SUBSTRING_TABLE):
        for start in range(0, len(rowids), 900):
            marks = ",".join("?" * len(rowids[start : start + 900]))
            db.execute(
                f'DELETE FROM "{table}" WHERE rowid IN ({marks})', rowids[start : start + 900]
            )
    _insert(
        db,
        SEARCH_TABLE,
        SEARCH_COLUMNS,
        [(rowid, *row.as_tuple()) for rowid, row in rows if row is not None],
    )
    _insert(
        db,
        SUBSTRING_TABLE,
        SUBSTRING_COLUMNS,
        [
            (rowid, *row.substrings)
            for rowid, row in rows
            if row is not None and any(row.substrings)
        ],
    )


def _insert(
    db: sqlite_utils.Database,
    table: str,
    columns: Sequence[str],
    values: Sequence[tuple[Any, ...]],
) -> None:
    """Multi-row INSERTs: FTS5 tokenizes and flushes once per statement, not once per row."""
    per_row = "(" + ",".join("?" * (len(columns) + 1)) + ")"
    names = ", ".join(columns)
    chunk_size = 32000 // (len(columns) + 1)
    for start in range(0, len(values), chunk_size):
        chunk = values[start : start + chunk_size]
        db.execute(
            f'INSERT INTO "{table}" (rowid, {names}) VALUES ' + ",".join([per_row] * len(chunk)),
            [value for row in chunk for value in row],
        )


def _batches(db: sqlite_utils.Database, batch: int) -> Iterator[list[tuple[Any, ...]]]:
    last = 0
    while True:
        rows = db.execute(
            "SELECT rowid, deleted, title, creators, subjects, descriptions, languages "
            "FROM records WHERE rowid > ? ORDER BY rowid LIMIT ?",
            [last, batch],
        ).fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _decoded(row: tuple[Any, ...]) -> SearchRowOf:
    rowid, deleted, title, creators, subjects, descriptions, languages = row
    fields = {
        "title": title,
        "creators": json.loads(creators or "[]"),
        "subjects": json.loads(subjects or "[]"),
        "descriptions": json.loads(descriptions or "[]"),
        "languages": json.loads(languages or "[]"),
    }
    return rowid, row_for(fields, bool(deleted))


def rebuild(
    db: sqlite_utils.Database,
    transaction: Callable[[], Any],
    batch: int = REINDEX_BATCH,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Recompute every record's search row, one transaction per batch; returns the records seen.

    Readers keep searching meanwhile: each batch replaces its rows at once. Rows of records
    that no longer exist go first.
    """
    with transaction():
        for table in (SEARCH_TABLE, SUBSTRING_TABLE):
            db.execute(f'DELETE FROM "{table}" WHERE rowid NOT IN (SELECT rowid FROM records)')
    seen = 0
    for rows in _batches(db, batch):
        search_rows = [_decoded(row) for row in rows]
        with transaction():
            write_rows(db, search_rows)
        seen += len(rows)
        if progress is not None:
            progress(seen)
    return seen


def rebuild_substrings(
    db: sqlite_utils.Database, transaction: Callable[[], Any], batch: int = REINDEX_BATCH
) -> int:
    """Fill records_substrings from the records, one transaction per batch (no folding needed)."""
    seen = 0
    for rows in _batches(db, batch):
        values = []
        for rowid, deleted, title, creators, subjects, descriptions, _ in rows:
            if deleted:
                continue
            texts = substring_row(
                title,
                json.loads(creators or "[]"),
                json.loads(subjects or "[]"),
                json.loads(descriptions or "[]"),
            )
            if any(texts):
                values.append((rowid, *texts))
        with transaction():
            _insert(db, SUBSTRING_TABLE, SUBSTRING_COLUMNS, values)
        seen += len(rows)
    return seen
