"""Export the index: stream rows from the store through a writer into a file, atomically."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from harvester.errors import BadArgument, HarvesterError
from harvester.export import writers as export
from harvester.models import EXPORT_FORMATS, NORMALISED_FIELDS
from harvester.store import ExportSelection, Store

FORMATS = EXPORT_FORMATS
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
    rows = store.export_rows(_selection(request), list(NORMALISED_FIELDS))
    if not request.merged:
        yield from rows
        return
    yield from export.iter_merged(rows, priority)


def _selection(request: ExportRequest) -> ExportSelection:
    """Which records an export takes, as the store's export queries are told."""
    return ExportSelection(
        sources=tuple(request.sources),
        since=request.since,
        include_deleted=request.include_deleted,
        by_cluster=request.merged,
    )


def jsonl_lines(store: Store, request: ExportRequest, priority: Mapping[str, int]) -> Iterator[str]:
    """The JSON Lines export, line by line: export_rows' rows in JSON, raw ``dc`` included.

    SQLite builds the lines of every record that needs no merging (see store.jsonlines); only
    the members of linked clusters go through Python to be merged. Merged output keeps the
    order of export_rows: unlinked records first, then clusters by id.
    """
    selection = _selection(request)
    for text in store.export_lines(selection, merged=request.merged):
        yield export.escape_line_breaks(text) + "\n"
    if request.merged:
        members = store.export_rows(selection, list(NORMALISED_FIELDS), linked_only=True)
        yield from map(export.json_line, export.iter_merged(members, priority))


def write_export(
    store: Store,
    request: ExportRequest,
    priority: Mapping[str, int],
    output: Path | None,
    progress: Callable[[int], None] | None = None,
    *,
    make_dirs: bool = False,
) -> int:
    """Write the export to `output` (atomically: a temporary file renamed at the end) or stdout."""
    if request.format == "parquet":
        return _write_parquet(store, request, priority, output, progress, make_dirs)
    write: Callable[[Iterator[Any], TextIO], int]
    if request.format == "jsonl":
        items: Iterator[Any] = jsonl_lines(store, request, priority)
        write = _write_lines
    else:
        write = _writer(request)
        items = export_rows(store, request, priority)
    if progress is not None:
        items = _counting(items, progress)
    if output is None:
        return write(items, sys.stdout)
    with _atomic_text(output, make_dirs) as out:
        return write(items, out)


def _write_parquet(
    store: Store,
    request: ExportRequest,
    priority: Mapping[str, int],
    output: Path | None,
    progress: Callable[[int], None] | None,
    make_dirs: bool,
) -> int:
    """Parquet rows: the JSON Lines shapes (tombstones too), written in row groups."""
    from harvester.export.parquet import write_parquet  # pyarrow loads only when asked for

    if output is None:
        raise HarvesterError("Parquet is a binary format: name the file with -o FILE")
    shaped = (
        export.export_row(row, include_dc=not request.merged)
        for row in export_rows(store, request, priority)
    )
    rows: Iterator[Any] = _counting(shaped, progress) if progress is not None else shaped
    with _atomic(output, binary=True, make_dirs=make_dirs) as out:
        return write_parquet(rows, out, merged=request.merged)


def _write_lines(lines: Iterator[str], out: TextIO) -> int:
    count = 0
    for line in lines:
        out.write(line)
        count += 1
    return count


def _writer(request: ExportRequest) -> Writer:
    if request.format == "xml":
        return export.write_oai_dc
    if request.format == "csv":
        columns = export.MERGED_CSV_COLUMNS if request.merged else export.CSV_COLUMNS
        return lambda rows, out: export.write_csv(rows, out, columns=columns)
    raise ValueError(f"unknown export format {request.format!r}; use one of {FORMATS}")


def _counting(items: Iterator[Any], progress: Callable[[int], None]) -> Iterator[Any]:
    for count, item in enumerate(items, start=1):
        if count % 10_000 == 0:
            progress(count)
        yield item


def _atomic_text(path: Path, make_dirs: bool) -> contextlib.AbstractContextManager[TextIO]:
    return _atomic(path, binary=False, make_dirs=make_dirs)


@contextlib.contextmanager
def _atomic(path: Path, *, binary: bool, make_dirs: bool = False) -> Iterator[Any]:
    """A file that appears under its final name only when complete.

    It gets the mode an ordinary new file would get (0666 less the umask), or the mode of the
    file it replaces: mkstemp's 0600 would lock a web server out of a published feed. A
    missing directory is created only when asked for: a typo should not grow a directory tree.
    """
    if not path.parent.is_dir():
        if not make_dirs:
            raise BadArgument(
                f"cannot write {path}: no directory {path.parent} (--mkdir creates it)"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".part", dir=path.parent
        )
    except OSError as exc:
        raise HarvesterError(f"cannot write {path}: {exc.strerror}") from None
    try:
        os.fchmod(handle, mode)
        opened = (
            os.fdopen(handle, "wb")
            if binary
            else os.fdopen(handle, "w", encoding="utf-8", newline="")
        )
        with opened as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise HarvesterError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def _mode_for(path: Path) -> int:
    """The existing file's permission bits, or those of a new file under the current umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)  # the only way to read it (before Python 3.13's os.getumask)
        os.umask(umask)
        return 0o666 & ~umask
