"""JSON Lines assembled by SQLite: the hot path of `harvester export --format jsonl`.

The list and mapping columns are stored as compact JSON already. Decoding them into Python
objects only to encode them again was about half the time of exporting a million records, so
here SQLite splices those columns into the line as they are and quotes the scalar columns
itself (json_quote); Python only writes the text. `dc` is stored packed: SQLite reads it
through dc_json (store.dcjson). Each line is the JSON of the row as
`harvester.export.writers.export_row` shapes it for CSV and XML (the tests compare the two),
and rows that need Python (members of a linked cluster, to be merged) are left to that path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlite_utils

from harvester.models import BOOLEAN_FIELDS, EXPORT_HEADER, NORMALISED_FIELDS
from harvester.store import dcjson
from harvester.store.schema import RECORDS_WITH_LINKS

# A merged row takes its single values from the first member where they are not empty.
_FIRST_NON_EMPTY = frozenset({"title", "rights", "license"})


def _key(name: str) -> str:
    return f"'\"{name}\":'"


def _boolean(column: str, *, null: bool) -> str:
    if null:
        return f"CASE WHEN {column} IS NULL THEN 'null' WHEN {column} THEN 'true' ELSE 'false' END"
    return f"CASE WHEN {column} THEN 'true' ELSE 'false' END"


def _value(name: str, *, merged: bool) -> str:
    """SQL for one field's JSON text, as export.export_row / merge_cluster shape it."""
    if name in BOOLEAN_FIELDS:
        # A merged row's language_inferred is all() over its members: never null.
        return _boolean(name, null=not (merged and name == "language_inferred"))
    if NORMALISED_FIELDS.get(name) == "JSON":
        return f"COALESCE({name}, 'null')"
    if merged and name == "datestamp":  # the latest member's; a tombstone keeps its own
        return (
            "CASE WHEN deleted THEN json_quote(datestamp) "
            "ELSE json_quote(NULLIF(datestamp, '')) END"
        )
    if merged and name in _FIRST_NON_EMPTY:
        return f"json_quote(NULLIF({name}, ''))"
    return f"json_quote({name})"


# Where a person can see a record (NULL when nowhere): its first web URL, else its first DOI,
# else its first handle, as a resolver URL. The one definition: merged JSON Lines, CSV and XML
# all take a member's landing URL from here.
LANDING_URL = (
    "COALESCE("
    "(SELECT value FROM json_each(identifiers, '$.url') "
    "WHERE type = 'text' AND (lower(substr(value, 1, 7)) = 'http://' "
    "OR lower(substr(value, 1, 8)) = 'https://') LIMIT 1), "
    "(SELECT 'https://doi.org/' || value FROM json_each(identifiers, '$.doi') "
    "WHERE value IS NOT NULL AND value != '' LIMIT 1), "
    "(SELECT 'https://hdl.handle.net/' || value "
    "FROM json_each(identifiers, '$.handle') WHERE value IS NOT NULL AND value != '' LIMIT 1))"
)


def _members(merged: bool) -> str:
    """The one-member summary of an unlinked record's merged row (export._member_summary)."""
    if not merged:
        return "''"
    return (
        '\',"reason":null,"members":[{"source":\' || json_quote(source) '
        "|| ',\"identifier\":' || json_quote(identifier) "
        "|| ',\"datestamp\":' || json_quote(datestamp) "
        f"|| ',\"landing_url\":' || json_quote({LANDING_URL}) || '}}]'"
    )


def line_sql(*, merged: bool) -> str:
    """The SQL expression of a whole line (without the newline) for one `records` row.

    A tombstone carries the header only. A live row carries the normalised fields; unmerged it
    ends with the raw ``dc`` values, merged (an unlinked record is a work of one member) with
    ``reason`` and ``members``.
    """
    header = " || ',' || ".join(
        f"{_key(name)} || {_value(name, merged=merged and name != 'deleted')}"
        for name in EXPORT_HEADER
    )
    body = " || ".join(
        f"',' || {_key(name)} || {_value(name, merged=merged)}"
        for name in NORMALISED_FIELDS
        if name != "dc"
    )
    tail = (
        _members(merged)
        if merged
        else f"CASE WHEN dc IS NULL THEN '' ELSE ',\"dc\":' || {dcjson.SQL_FUNCTION}(dc) END"
    )
    return f"'{{' || {header} || CASE WHEN deleted THEN '' ELSE {body} || {tail} END || '}}'"


def iter_lines(
    db: sqlite_utils.Database,
    where: str,
    params: Sequence[Any],
    *,
    merged: bool,
) -> Iterator[str]:
    """The JSON text of each row `where` selects, by source and identifier (no newline)."""
    sql = (
        f"SELECT {line_sql(merged=merged)} FROM {RECORDS_WITH_LINKS} {where} "
        "ORDER BY source, identifier"
    )
    for (line,) in db.conn.execute(sql, list(params)):
        yield line
