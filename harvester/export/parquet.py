"""Parquet for data engines (DuckDB, Spark, pandas): the JSON Lines fields as typed columns.

One row per record (or per work, merged); list fields are Parquet lists, `identifiers` a
struct of lists, the raw Dublin Core a map from element to values. Rows are written in row
groups of ROW_GROUP_ROWS, so memory stays flat however many records the index holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from harvester.models import BOOLEAN_FIELDS, EXPORT_HEADER, IDENTIFIER_KINDS, NORMALISED_FIELDS

ROW_GROUP_ROWS = 20_000
_TEXT_LIST = pa.list_(pa.string())
_MEMBER = pa.struct(
    [
        ("source", pa.string()),
        ("identifier", pa.string()),
        ("datestamp", pa.string()),
        ("landing_url", pa.string()),
    ]
)


def _column_type(name: str, kind: str) -> pa.DataType:
    if name in BOOLEAN_FIELDS:
        return pa.bool_()
    if name == "identifiers":
        return pa.struct([(k, _TEXT_LIST) for k in IDENTIFIER_KINDS])
    if name == "dc":
        return pa.map_(pa.string(), _TEXT_LIST)
    if kind == "JSON":
        return _TEXT_LIST
    if kind == "INTEGER":
        return pa.int64()
    return pa.string()


def parquet_schema(*, merged: bool) -> pa.Schema:
    """The columns, in JSON Lines order: header, normalised fields, raw dc (merged: works)."""
    header: list[tuple[str, pa.DataType]] = [
        (name, pa.bool_() if name == "deleted" else pa.string()) for name in EXPORT_HEADER
    ]
    fields = [
        (name, _column_type(name, kind))
        for name, kind in NORMALISED_FIELDS.items()
        if name not in EXPORT_HEADER and (name != "dc" or not merged)
    ]
    extra = [("reason", pa.string()), ("members", pa.list_(_MEMBER))] if merged else []
    return pa.schema([*header, *fields, *extra])


def _cell(field: pa.Field, value: Any) -> Any:
    """A decoded index value in the shape its Parquet column expects."""
    if value is None:
        return None
    if field.name == "identifiers":
        return {kind: list(value.get(kind) or []) for kind in IDENTIFIER_KINDS}
    if field.name == "dc":
        return [(element, list(values)) for element, values in value.items()]
    if field.name in BOOLEAN_FIELDS:
        return bool(value)
    if field.name == "members":
        return [{key: member.get(key) for key in _MEMBER.names} for member in value]
    return value


def write_parquet(rows: Iterable[Mapping[str, Any]], out: BinaryIO, *, merged: bool) -> int:
    """Write every row to `out` as Parquet; returns the number of rows."""
    schema = parquet_schema(merged=merged)
    count = 0
    batch: dict[str, list[Any]] = {name: [] for name in schema.names}
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for row in rows:
            for field in schema:
                batch[field.name].append(_cell(field, row.get(field.name)))
            count += 1
            if count % ROW_GROUP_ROWS == 0:
                writer.write_batch(pa.record_batch(batch, schema=schema))
                batch = {name: [] for name in schema.names}
        if batch[schema.names[0]] or count == 0:
            writer.write_batch(pa.record_batch(batch, schema=schema))
    return count
