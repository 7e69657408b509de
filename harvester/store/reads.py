"""Read queries over the index: full-text search, streamed export rows, statistics."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from harvester.store.schema import JSON_FIELDS

# Columns an export row carries (raw_xml stays in the index).
EXPORT_COLUMNS = (
    "source",
    "identifier",
    "datestamp",
    "deleted",
    "set_specs",
    "cluster_id",
    "cluster_reason",
    "harvested_at",
    "changed_at",
)
TRIGRAM = 3  # the trigram tokenizer cannot match fewer characters


@dataclass(frozen=True)
class SearchFilters:
    sources: tuple[str, ...] = ()
    language: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    type: str | None = None


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for name, value in row.items():
        if (name in JSON_FIELDS or name == "set_specs") and isinstance(value, str):
            row[name] = json.loads(value)
    if "deleted" in row:
        row["deleted"] = bool(row["deleted"])
    if row.get("language_inferred") is not None:
        row["language_inferred"] = bool(row["language_inferred"])
    return row


def _filter_sql(filters: SearchFilters) -> tuple[str, list[Any]]:
    clauses: list[str] = ["r.deleted = 0"]
    params: list[Any] = []
    if filters.sources:
        clauses.append(f"r.source IN ({','.join('?' * len(filters.sources))})")
        params += list(filters.sources)
    if filters.language:
        clauses.append("EXISTS (SELECT 1 FROM json_each(r.languages) WHERE value = ?)")
        params.append(filters.language)
    if filters.type:
        clauses.append("EXISTS (SELECT 1 FROM json_each(r.types) WHERE value = ?)")
        params.append(filters.type)
    if filters.year_from is not None:
        clauses.append("r.year >= ?")
        params.append(filters.year_from)
    if filters.year_to is not None:
        clauses.append("r.year <= ?")
        params.append(filters.year_to)
    return " AND ".join(clauses), params


_RESULT_COLUMNS = "r.source, r.identifier, r.title, r.creators, r.year, r.languages, r.types"


def search(
    db: sqlite_utils.Database, query: str, filters: SearchFilters, limit: int = 20
) -> list[dict[str, Any]]:
    """Ranked matches in titles, creators, subjects and descriptions, in any script.

    Terms of three or more characters go through the FTS5 trigram index (substring matches, so
    Chinese and Thai words are found inside unsegmented text); shorter queries fall back to LIKE.
    """
    terms = query.split()
    if not terms:
        return []
    if all(len(term) >= TRIGRAM for term in terms):
        match = " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
        hits = _ranked(db, match, filters, limit, RANKED_MATCHES)
        if len(hits) < limit:  # the cap may have cut off matches the filters keep: look at all
            hits = _ranked(db, match, filters, limit, None)
        return hits
    return _scanned(db, terms, filters, limit)


# bm25 is computed for every match before sorting; a common term matches a large share of a big
# index. Ranking the first matches only keeps the answer under 100 ms at a million records.
RANKED_MATCHES = 2000


def _ranked(
    db: sqlite_utils.Database, match: str, filters: SearchFilters, limit: int, cap: int | None
) -> list[dict[str, Any]]:
    where, params = _filter_sql(filters)
    capped = "LIMIT ?" if cap is not None else ""
    sql = (
        f"SELECT {_RESULT_COLUMNS}, m.score FROM "
        f"(SELECT rowid, bm25(records_fts) AS score FROM records_fts "
        f"WHERE records_fts MATCH ? {capped}) AS m "
        f"JOIN records r ON r.rowid = m.rowid WHERE {where} ORDER BY m.score LIMIT ?"
    )
    args = [match, *([cap] if cap is not None else []), *params, limit]
    return _rows(db.execute(sql, args))


def _scanned(
    db: sqlite_utils.Database, terms: list[str], filters: SearchFilters, limit: int
) -> list[dict[str, Any]]:
    """Below three characters there is no trigram: scan, title matches first.

    Without ORDER BY the scan stops as soon as `limit` rows are found, which for a common
    two-character Chinese word is almost at once.
    """
    where, params = _filter_sql(filters)
    patterns = [
        "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        for term in terms
    ]
    in_title = " AND ".join("IFNULL(r.title, '') LIKE ? ESCAPE '\\'" for _ in terms)
    anywhere = " AND ".join(
        "(r.title LIKE ? ESCAPE '\\' OR r.creators LIKE ? ESCAPE '\\' "
        "OR r.subjects LIKE ? ESCAPE '\\' OR r.descriptions LIKE ? ESCAPE '\\')"
        for _ in terms
    )
    hits = _rows(
        db.execute(
            f"SELECT {_RESULT_COLUMNS}, 0 AS score FROM records r "
            f"WHERE {in_title} AND {where} LIMIT ?",
            [*patterns, *params, limit],
        )
    )
    if len(hits) < limit:
        found = {(h["source"], h["identifier"]) for h in hits}
        more = _rows(
            db.execute(
                f"SELECT {_RESULT_COLUMNS}, 1 AS score FROM records r "
                f"WHERE NOT ({in_title}) AND {anywhere} AND {where} LIMIT ?",
                [*patterns, *[p for p in patterns for _ in range(4)], *params, limit],
            )
        )
        hits += [h for h in more if (h["source"], h["identifier"]) not in found]
    return hits[:limit]


def _rows(cursor: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [_decode(dict(zip(names, row, strict=True))) for row in cursor]


def export_where(
    *,
    sources: Sequence[str] = (),
    since: str | None = None,
    include_deleted: bool = False,
    by_cluster: bool = False,
) -> tuple[list[str], list[Any]]:
    """The WHERE clauses and parameters of an export, shared by every export path.

    With `by_cluster`, `since` keeps every cluster with a member changed since that time, so a
    merged feed carries whole works.
    """
    clauses: list[str] = []
    params: list[Any] = []
    if sources:
        clauses.append(f"source IN ({','.join('?' * len(sources))})")
        params += list(sources)
    if not include_deleted:
        clauses.append("deleted = 0")
    if since:
        if by_cluster:
            clauses.append(
                "(changed_at >= ? OR cluster_id IN "
                "(SELECT cluster_id FROM records WHERE changed_at >= ? AND cluster_id IS NOT NULL))"
            )
            params += [since, since]
        else:
            clauses.append("changed_at >= ?")
            params.append(since)
    return clauses, params


def where_sql(clauses: Sequence[str]) -> str:
    return f"WHERE {' AND '.join(clauses)}" if clauses else ""


def iter_export_rows(
    db: sqlite_utils.Database,
    *,
    sources: Sequence[str] = (),
    since: str | None = None,
    include_deleted: bool = False,
    by_cluster: bool = False,
    fields: Sequence[str] = (),
    linked_only: bool = False,
) -> Iterator[dict[str, Any]]:
    """Stream records for export, one at a time (the cursor is never fetched whole).

    With `by_cluster`, members of one cluster come together (see export_where for `since`);
    `linked_only` keeps the records that belong to a cluster.
    """
    clauses, params = export_where(
        sources=sources, since=since, include_deleted=include_deleted, by_cluster=by_cluster
    )
    if linked_only:
        clauses.append("cluster_id IS NOT NULL")
    order = "cluster_id, source, identifier" if by_cluster else "source, identifier"
    columns = ", ".join([*EXPORT_COLUMNS, *fields])
    cursor = db.conn.execute(
        f"SELECT {columns} FROM records {where_sql(clauses)} ORDER BY {order}", params
    )
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield _decode(dict(zip(names, row, strict=True)))


def stats(db: sqlite_utils.Database, source: str | None = None) -> dict[str, Any]:
    """Records, deletions, linking, languages, year range and types for one source or all."""
    where, params = ("WHERE source = ?", [source]) if source else ("", [])
    live_where = f"{where} {'AND' if where else 'WHERE'} deleted = 0"
    live, deleted, linked, clusters, first, last = db.execute(
        "SELECT COALESCE(SUM(deleted = 0), 0), COALESCE(SUM(deleted = 1), 0), "
        "COALESCE(SUM(deleted = 0 AND cluster_id IS NOT NULL), 0), "
        "COUNT(DISTINCT cluster_id), MIN(year), MAX(year) "
        f"FROM records {where}",
        params,
    ).fetchone()
    return {
        "source": source or "*",
        "records": live,
        "deleted": deleted,
        "clusters": clusters,
        "linked_records": linked,
        "linked_share": round(linked / live, 4) if live else 0.0,
        "year_range": [first, last],
        "languages": _top(db, "languages", live_where, params),
        "types": _top(db, "types", live_where, params),
    }


def _top(
    db: sqlite_utils.Database, column: str, where: str, params: list[Any], limit: int = 10
) -> dict[str, int]:
    rows = db.execute(
        f"SELECT j.value, COUNT(*) FROM records, json_each(records.{column}) AS j {where} "
        "GROUP BY j.value ORDER BY COUNT(*) DESC, j.value LIMIT ?",
        [*params, limit],
    ).fetchall()
    return {value: count for value, count in rows}
