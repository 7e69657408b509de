"""The match set of a search, counted by facet, and the listing of a filtered browse.

Facet counts are exact for the current query: they are counted within the records the query
and filters match (one statement; the match set is materialised once and read by each
facet), never by scanning the whole table. Only the unfiltered browse counts the whole index,
and callers cache that answer per index generation (see `generation`).

`match_sql` (in store.search, beside the search it mirrors) must match exactly the records
`store.search` can return for the same query and filters: tests compare the two for queries
in every script.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from harvester.store.reads import _RESULT_COLUMNS, SearchFilters, _decode, _filter_sql, _rows
from harvester.store.search import match_sql
from harvester.store.search import text_match_rowids as text_match_rowids  # for the web page

FACETS = ("source", "language", "type", "script", "decade")


@dataclass(frozen=True)
class FacetCounts:
    """How many matched records carry each value of each facet, and how many matched."""

    total: int
    counts: dict[str, dict[Any, int]] = field(default_factory=dict)


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


def records_by_rowid(db: sqlite_utils.Database, rowids: Sequence[int]) -> list[dict[str, Any]]:
    """The result columns of these records, in the order given."""
    if not rowids:
        return []
    marks = ",".join("?" * len(rowids))
    rows = db.execute(
        f"SELECT r.rowid, {_RESULT_COLUMNS}, 0 AS score FROM records r WHERE r.rowid IN ({marks})",
        list(rowids),
    )
    names = [d[0] for d in rows.description][1:]
    found = {row[0]: row[1:] for row in rows}
    return [_decode(dict(zip(names, found[r], strict=True))) for r in rowids if r in found]


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
