"""Export the index: stream rows from the store through a writer into a file, atomically."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from harvester import export
from harvester.models import NORMALISED_FIELDS
from harvester.store import Store
from harvester.store.reads import iter_export_rows

FORMATS = ("jsonl", "csv", "xml")
Writer = Callable[[Iterator[dict[str, Any]], TextIO], int]


@dataclass(frozen=True)
class ExportRequest:
    format: str = "jsonl"
    merged: bool = False
    sources: tuple[str, ...] = ()
    since: str | None = None
    include_deleted: bool = False


def export_rows(
    store: Store, request: ExportRequest, priority: Mapping[str, int]
) -> Iterator[dict[str, Any]]:
    """The rows to write: one per record, or one per work when merged."""
    rows = iter_export_rows(
        store.db,
        sources=request.sources,
        since=request.since,
        include_deleted=request.include_deleted,
        by_cluster=request.merged,
        fields=list(NORMALISED_FIELDS),
    )
    if not request.merged:
        yield from rows
        return
    yield from export.iter_merged(rows, priority)


def write_export(
    store: Store,
    request: ExportRequest,
    priority: Mapping[str, int],
    output: Path | None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the export to `output` (atomically: a temporary file renamed at the end) or stdout."""
    writer = _writer(request)
    rows = export_rows(store, request, priority)
    if progress is not None:
        rows = _counting(rows, progress)
    if output is None:
        return writer(rows, sys.stdout)
    with _atomic_text(output) as out:
        return writer(rows, out)


def _writer(request: ExportRequest) -> Writer:
    if request.format == "jsonl":
        return export.write_jsonl
    if request.format == "xml":
        return export.write_oai_dc
    if request.format == "csv":
        columns = export.MERGED_CSV_COLUMNS if request.merged else export.CSV_COLUMNS
        return lambda rows, out: export.write_csv(rows, out, columns=columns)
    raise ValueError(f"unknown export format {request.format!r}; use one of {FORMATS}")


def _counting(
    rows: Iterator[dict[str, Any]], progress: Callable[[int], None]
) -> Iterator[dict[str, Any]]:
    for count, row in enumerate(rows, start=1):
        if count % 10_000 == 0:
            progress(count)
        yield row


@contextlib.contextmanager
def _atomic_text(path: Path) -> Iterator[TextIO]:
    """A file that appears under its final name only when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
