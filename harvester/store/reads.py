"""Read queries over the index: search filters, streamed export rows, statistics.

The search itself is in store.search.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from harvester.store import dcjson
from harvester.store.jsonlines import LANDING_URL
from harvester.store.schema import JSON_FIELDS, LINKS, RECORDS_WITH_LINKS

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


@dataclass(frozen=True)
class SearchFilters:
    sources: tuple[str, ...] = ()
    language: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    type: str | None = None
    country: str | None = None  # ISO 3166 code of the member's country
    script: str | None = None  # ISO 15924 code, e.g. Arab, Hani, Thai


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for name, value in row.items():
        if name == "dc":  # packed; older rows hold the text
            value = dcjson.unpack(value)
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
    if filters.country:
        clauses.append("r.source IN (SELECT name FROM sources WHERE country = ?)")
        params.append(filters.country)
    if filters.script:
        clauses.append("EXISTS (SELECT 1 FROM json_each(r.scripts) WHERE value = ?)")
        params.append(filters.script)
    if filters.year_from is not None:
        clauses.append("r.year >= ?")
        params.append(filters.year_from)
    if filters.year_to is not None:
        clauses.append("r.year <= ?")
        params.append(filters.year_to)
    return " AND ".join(clauses), params


_RESULT_COLUMNS = "r.source, r.identifier, r.title, r.creators, r.year, r.languages, r.types"


def _like_patterns(terms: Sequence[str], repeat: int = 1) -> list[str]:
    """`%term%` for LIKE ... ESCAPE '\\', each repeated (once per column it is tried on)."""
    patterns = [
        "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        for term in terms
    ]
    return [pattern for pattern in patterns for _ in range(repeat)]


def _like_anywhere(terms: int) -> str:
    """Each of `terms` patterns in one of the four searched columns."""
    return " AND ".join(
        "(r.title LIKE ? ESCAPE '\\' OR r.creators LIKE ? ESCAPE '\\' "
        "OR r.subjects LIKE ? ESCAPE '\\' OR r.descriptions LIKE ? ESCAPE '\\')"
        for _ in range(terms)
    )


def _rows(cursor: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [_decode(dict(zip(names, row, strict=True))) for row in cursor]


@dataclass(frozen=True)
class ExportSelection:
    """Which records an export takes.

    With `by_cluster`, members of one cluster come together, and `since` keeps every cluster
    with a member changed since that time, so a merged feed carries whole works.
    """

    sources: tuple[str, ...] = ()
    since: str | None = None
    include_deleted: bool = False
    by_cluster: bool = False


def export_where(selection: ExportSelection) -> tuple[list[str], list[Any]]:
    """The WHERE clauses and parameters of an export, shared by every export path."""
    clauses: list[str] = []
    params: list[Any] = []
    if selection.sources:
        clauses.append(f"source IN ({','.join('?' * len(selection.sources))})")
        params += list(selection.sources)
    if not selection.include_deleted:
        clauses.append("deleted = 0")
    since = selection.since
    if since:
        if selection.by_cluster:
            clauses.append(
                "(changed_at >= ? OR cluster_id IN "
                f"(SELECT l.cluster_id FROM {LINKS} l JOIN records c "
                "ON c.source = l.source AND c.identifier = l.identifier WHERE c.changed_at >= ?))"
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
    selection: ExportSelection,
    *,
    fields: Sequence[str] = (),
    linked_only: bool = False,
) -> Iterator[dict[str, Any]]:
    """Stream records for export, one at a time (the cursor is never fetched whole).

    `linked_only` keeps the records that belong to a cluster. Rows grouped by cluster carry
    the record's `landing_url` for the member list of their work.
    """
    clauses, params = export_where(selection)
    if linked_only:
        clauses.append("cluster_id IS NOT NULL")
    order = "cluster_id, source, identifier" if selection.by_cluster else "source, identifier"
    landing = [f"{LANDING_URL} AS landing_url"] if selection.by_cluster else []
    columns = ", ".join([*EXPORT_COLUMNS, *fields, *landing])
    cursor = db.conn.execute(
        f"SELECT {columns} FROM {RECORDS_WITH_LINKS} {where_sql(clauses)} ORDER BY {order}",
        params,
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
        f"FROM {RECORDS_WITH_LINKS} {where}",
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
