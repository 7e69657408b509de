"""The match set of a search, counted by facet, and the listing of a filtered browse.

Facet counts are exact for the current query: they are counted within the records the query
and filters match (one statement; the match set is materialised once and read by each
facet), never by scanning the whole table. Only the unfiltered browse counts the whole index,
and callers cache that answer per index generation (see `generation`).

`match_sql` must match exactly the records `reads.search` can return for the same query and
filters: tests compare the two for queries in every script.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from harvester.store.reads import (
    _RESULT_COLUMNS,
    TRIGRAM,
    TRIGRAM_TABLE,
    SearchFilters,
    _filter_sql,
    _in_words,
    _like_anywhere,
    _like_patterns,
    _rows,
    _substring_match,
    _word_phrase,
)
from harvester.store.schema import WORDS_TABLE

FACETS = ("source", "language", "type", "script", "decade")


@dataclass(frozen=True)
class FacetCounts:
    """How many matched records carry each value of each facet, and how many matched."""

    total: int
    counts: dict[str, dict[Any, int]] = field(default_factory=dict)


def match_sql(query: str, filters: SearchFilters) -> tuple[str, list[Any]]:
    """SELECT of the rowids of the live records the query and filters match.

    An empty query matches every record the filters keep (browsing). Otherwise the terms go
    where `reads.search` sends them: word terms to the word index, other terms of three or
    more characters to the trigram index, shorter ones to LIKE; without word terms and with
    a short one, every term is a LIKE.
    """
    where, params = _filter_sql(filters)
    terms = query.split()
    if not terms:
        return f"SELECT r.rowid FROM records r WHERE {where}", params
    words = [term for term in terms if _in_words(term)]
    others = [term for term in terms if not _in_words(term)]
    substrings = [term for term in others if len(term) >= TRIGRAM]
    short = [term for term in others if len(term) < TRIGRAM]
    if not words and short:
        like = _like_anywhere(len(others))
        return (
            f"SELECT r.rowid FROM records r WHERE {like} AND {where}",
            [*_like_patterns(others, 4), *params],
        )
    if words:
        table, match = WORDS_TABLE, " AND ".join(_word_phrase(term) for term in words)
    else:
        table, match = TRIGRAM_TABLE, _substring_match(substrings)
    args: list[Any] = [match]
    restrict = ""
    if words and substrings:
        restrict = (
            f"AND +rowid IN (SELECT rowid FROM {TRIGRAM_TABLE} WHERE {TRIGRAM_TABLE} MATCH ?)"
        )
        args.append(_substring_match(substrings))
    if words and short:
        where += " AND " + _like_anywhere(len(short))
        params = [*params, *_like_patterns(short, 4)]
    return (
        f"SELECT r.rowid FROM (SELECT rowid FROM {table} WHERE {table} MATCH ? {restrict}) AS m "
        f"JOIN records r ON r.rowid = m.rowid WHERE {where}",
        [*args, *params],
    )


def text_match_rowids(db: sqlite_utils.Database, query: str) -> list[int] | None:
    """Rowids the query's terms match in the full-text indexes alone (live or not).

    None when the query needs a LIKE scan of the records (a short term), which is no cheaper
    than `match_sql`. Used with the in-memory facet columns, which apply the filters and drop
    deleted records themselves: the wide record rows are never read.
    """
    terms = query.split()
    words = [term for term in terms if _in_words(term)]
    others = [term for term in terms if not _in_words(term)]
    if not terms or any(len(term) < TRIGRAM for term in others):
        return None
    substrings = _substring_match(others) if others else None
    if words:
        sql = f"SELECT rowid FROM {WORDS_TABLE} WHERE {WORDS_TABLE} MATCH ?"
        args: list[Any] = [" AND ".join(_word_phrase(term) for term in words)]
        if substrings:
            sql += (
                f" AND +rowid IN (SELECT rowid FROM {TRIGRAM_TABLE} WHERE {TRIGRAM_TABLE} MATCH ?)"
            )
            args.append(substrings)
    else:
        sql = f"SELECT rowid FROM {TRIGRAM_TABLE} WHERE {TRIGRAM_TABLE} MATCH ?"
        args = [substrings]
    return [rowid for (rowid,) in db.execute(sql, args)]


def rowid_bound(db: sqlite_utils.Database) -> int:
    """One more than the largest rowid of the records."""
    (largest,) = db.execute("SELECT MAX(rowid) FROM records").fetchone()
    return (largest or 0) + 1


def iter_facet_rows(
    db: sqlite_utils.Database,
) -> Iterator[tuple[int, str, int | None, str, str, str, int]]:
    """(rowid, source, year, languages, types, scripts, deleted) of every record, JSON as text."""
    yield from db.execute(
        "SELECT rowid, source, year, languages, types, scripts, deleted FROM records"
    )


_LIST_FACETS = {"language": "languages", "type": "types", "script": "scripts"}


def facet_counts(db: sqlite_utils.Database, query: str, filters: SearchFilters) -> FacetCounts:
    """Counts per member, language, type, script and decade within the match set."""
    matched, params = match_sql(query, filters)
    joined = "FROM m JOIN records r ON r.rowid = m.rowid"
    parts = [
        "SELECT 'total', NULL, COUNT(*) FROM m",
        f"SELECT 'source', r.source, COUNT(*) {joined} GROUP BY 2",
        f"SELECT 'decade', r.year / 10 * 10, COUNT(*) {joined} WHERE r.year IS NOT NULL GROUP BY 2",
    ]
    parts += [
        f"SELECT '{facet}', j.value, COUNT(*) {joined}, json_each(r.{column}) AS j GROUP BY 2"
        for facet, column in _LIST_FACETS.items()
    ]
    sql = f"WITH m AS MATERIALIZED ({matched}) " + " UNION ALL ".join(parts)
    counts: dict[str, dict[Any, int]] = {facet: {} for facet in FACETS}
    total = 0
    for facet, value, count in db.execute(sql, params):
        if facet == "total":
            total = count
        else:
            counts[facet][value] = count
    return FacetCounts(total, counts)


def browse(
    db: sqlite_utils.Database, filters: SearchFilters, limit: int, offset: int = 0
) -> list[dict[str, Any]]:
    """Live records the filters keep, most recently harvested first (no query to rank by)."""
    where, params = _filter_sql(filters)
    return _rows(
        db.execute(
            f"SELECT {_RESULT_COLUMNS}, 0 AS score FROM records r WHERE {where} "
            "ORDER BY r.rowid DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
    )


def generation(db: sqlite_utils.Database) -> tuple[Any, ...]:
    """Changes whenever the index does (a record changed, a run finished): a cache key."""
    row = db.execute(
        "SELECT (SELECT MAX(changed_at) FROM records), (SELECT MAX(id) FROM runs), "
        "(SELECT COUNT(*) FROM sources)"
    ).fetchone()
    return tuple(row)


def result_details(
    db: sqlite_utils.Database, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Descriptions and scripts of a page of results (search returns the short columns)."""
    if not keys:
        return {}
    pairs = " OR ".join("(source = ? AND identifier = ?)" for _ in keys)
    params = [value for key in keys for value in key]
    rows = _rows(
        db.execute(
            f"SELECT source, identifier, descriptions, scripts FROM records WHERE {pairs}",
            params,
        )
    )
    return {(row["source"], row["identifier"]): row for row in rows}
