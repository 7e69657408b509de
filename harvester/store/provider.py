"""Reads for the OAI-PMH provider: records in change order, one page at a time.

Every list is ordered by (changed_at, source, identifier) and paged by keyset: a page starts
after the last row of the one before, so a harvest writing between two pages never shifts it.
All values are bound as parameters.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harvester.store.index import Store
from harvester.store.jsonlines import LANDING_URL
from harvester.store.readonly import ReadOnlyIndex

# What a header needs, and what a record's oai_dc is written from: the stored columns as they
# are (JSON text, see serve/dublincore.py) and the landing page by the store's one rule.
HEADER_COLUMNS = ("source", "identifier", "changed_at", "deleted", "types", "languages")
METADATA_COLUMNS = (
    "title",
    "titles",
    "creators",
    "subjects",
    "descriptions",
    "publishers",
    "contributors",
    "date",
    "date_raw",
    "types_raw",
    "formats",
    "identifiers",
    "sources",
    "relations",
    "coverage",
    "rights",
    "license",
)
_HEADER_SQL = ", ".join(HEADER_COLUMNS)
_RECORD_SQL = f"{_HEADER_SQL}, {', '.join(METADATA_COLUMNS)}, {LANDING_URL} AS landing_url"

Position = tuple[str, str, str]  # (changed_at, source, identifier) of the last row sent


@dataclass(frozen=True)
class ItemFilter:
    """Which records a list holds: a change window and at most one set.

    `changed_from` is inclusive, `changed_before` exclusive (both ISO 8601 strings compared
    with changed_at). `set_kind` is member, country, type or language; without `set_value`
    the whole branch of the set hierarchy (every record that has such a value).
    """

    changed_from: str | None = None
    changed_before: str | None = None
    set_kind: str | None = None
    set_value: str | None = None


_SET_WHERE: dict[str, tuple[str, str]] = {
    # kind -> (one value, any value)
    "member": ("source = ?", "1"),
    "country": (
        "source IN (SELECT name FROM sources WHERE country = ?)",
        "source IN (SELECT name FROM sources WHERE IFNULL(country, '') != '')",
    ),
    "type": (
        "EXISTS (SELECT 1 FROM json_each(records.types) WHERE value = ?)",
        "json_array_length(records.types) > 0",
    ),
    "language": (
        "EXISTS (SELECT 1 FROM json_each(records.languages) WHERE value = ?)",
        "json_array_length(records.languages) > 0",
    ),
}
SET_KINDS = tuple(_SET_WHERE)


def check_provider_index(path: Path) -> None:
    """Refuse what is not an index (IndexUnusable); upgrade an older one once, where writable.

    The upgrade adds what the provider reads (migration m005); after it, every connection the
    server opens is read-only.
    """
    Store(path, read_only=True).close()


def connect(path: Path) -> ProviderIndex:
    """A read-only view of the index for one server thread."""
    return ProviderIndex(ReadOnlyIndex(path))


def _where(selection: ItemFilter, after: Position | None = None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if selection.changed_from is not None:
        clauses.append("changed_at >= ?")
        params.append(selection.changed_from)
    if selection.changed_before is not None:
        clauses.append("changed_at < ?")
        params.append(selection.changed_before)
    if selection.set_kind is not None:
        one, any_value = _SET_WHERE[selection.set_kind]
        if selection.set_value is None:
            clauses.append(any_value)
        else:
            clauses.append(one)
            params.append(selection.set_value)
    if after is not None:
        clauses.append("(changed_at, source, identifier) > (?, ?, ?)")
        params.extend(after)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _decode(names: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    item = dict(zip(names, row, strict=True))
    item["deleted"] = bool(item["deleted"])
    return item


class ProviderIndex:
    """What the provider reads, over one read-only connection (one per server thread)."""

    def __init__(self, index: ReadOnlyIndex) -> None:
        self._index = index
        self._conn: sqlite3.Connection = index.db.conn

    @contextlib.contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        """Every query inside must finish within `seconds`, or QueryTimeout."""
        with self._index.deadline(seconds):
            yield

    def count_items(self, selection: ItemFilter) -> int:
        where, params = _where(selection)
        return int(self._conn.execute(f"SELECT COUNT(*) FROM records{where}", params).fetchone()[0])

    def page_items(
        self,
        selection: ItemFilter,
        *,
        after: Position | None,
        limit: int,
        metadata: bool,
    ) -> list[dict[str, Any]]:
        """The next `limit` records after `after`, with the fields oai_dc needs when `metadata`."""
        where, params = _where(selection, after)
        columns = _RECORD_SQL if metadata else _HEADER_SQL
        cursor = self._conn.execute(
            f"SELECT {columns} FROM records{where} ORDER BY changed_at, source, identifier LIMIT ?",
            [*params, limit],
        )
        names = [d[0] for d in cursor.description]
        return [_decode(names, row) for row in cursor]

    def get_item(self, source: str, identifier: str) -> dict[str, Any] | None:
        cursor = self._conn.execute(
            f"SELECT {_RECORD_SQL} FROM records WHERE source = ? AND identifier = ?",
            [source, identifier],
        )
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
        return _decode(names, row) if row else None

    def earliest_change(self) -> str | None:
        return self._conn.execute("SELECT MIN(changed_at) FROM records").fetchone()[0]  # type: ignore[no-any-return]

    def latest_change(self) -> str | None:
        """When the last record changed: what the sets depend on (an index lookup)."""
        return self._conn.execute("SELECT MAX(changed_at) FROM records").fetchone()[0]  # type: ignore[no-any-return]

    def members(self) -> list[dict[str, Any]]:
        """Every source of the index: name, title, institution, country, endpoint."""
        cursor = self._conn.execute(
            "SELECT name, title, institution, country, endpoint, repository_name "
            "FROM sources ORDER BY name"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def distinct_values(self, column: str) -> list[str]:
        """Distinct values of a JSON list column (`types` or `languages`) among live records."""
        if column not in ("types", "languages"):
            raise ValueError(column)
        rows = self._conn.execute(
            f"SELECT DISTINCT j.value FROM records, json_each(records.{column}) AS j "
            "WHERE records.deleted = 0 ORDER BY j.value"
        ).fetchall()
        return [str(row[0]) for row in rows if row[0]]

    def token_key(self) -> str | None:
        """The key that signs resumption tokens (see migration m005), or None in an older index."""
        try:
            row = self._conn.execute(
                "SELECT value FROM secrets WHERE name = 'resumption_token_key'"
            ).fetchone()
        except sqlite3.OperationalError:  # no secrets table: an index from before m005
            return None
        return str(row[0]) if row else None
