"""Recognise an index by its own marker and open it for reading or for writing.

An index carries `PRAGMA application_id = APPLICATION_ID` and `PRAGMA user_version` = the
number of harvester migrations applied. Only a new or empty file becomes an index; any other
file is refused before a single byte of it is written, so someone else's database is left
exactly as it was. Read-only opens never write either, and work in a read-only directory.
Every connection opened here, for reading or writing, has the SQL function dc_json (the JSON
text of the packed `dc` column, see store.dcjson).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from harvester.errors import IndexUnusable
from harvester.store import dcjson
from harvester.store.schema import migrations

APPLICATION_ID = 0x53524841  # "SRHA": Silk Road harvester
_SQLITE_MAGIC = b"SQLite format 3\x00"
# A record row is about 3 KB (raw XML deflated, JSON columns): with SQLite's default 4 KB pages
# each row took a page of its own and a quarter of the file was empty space. 16 KB pages hold
# five or six: 6,821 -> 5,865 bytes per library-shaped record (benchmarks/RESULTS.md), and
# FTS5's segments and the page cache read fewer, larger pages. Existing indexes keep theirs.
PAGE_SIZE = 16384
_HEADER_BYTES = 100  # the SQLite file header; application_id at 68, user_version at 60


def schema_version() -> int:
    """The user_version an index has once every migration of this version is applied."""
    return len(migrations._migrations)


def is_new(path: Path) -> bool:
    """A file that does not exist yet, or is empty: the only files that may become an index."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True
    except OSError as exc:
        raise IndexUnusable(f"cannot open the index {path}: {exc.strerror}") from None


def check_index(path: Path) -> None:
    """Raise IndexUnusable unless `path` is new, empty or a harvester index. Writes nothing."""
    if is_new(path):
        return
    header = _read_header(path)
    if not header.startswith(_SQLITE_MAGIC) or len(header) < _HEADER_BYTES:
        raise IndexUnusable(f"{path} is not a harvester index (not an SQLite database)")
    application_id = int.from_bytes(header[68:72], "big", signed=True)
    if application_id == APPLICATION_ID:
        return
    # Marker 0: an index made before the marker existed (recognised by its migrations), or a
    # freshly stamped one whose header still sits in the write-ahead log, or a foreign file.
    if application_id != 0 or not _has_our_migrations(path):
        raise IndexUnusable(
            f"{path} is an SQLite database but not a harvester index; it was left unchanged"
        )


def _read_header(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_HEADER_BYTES)
    except IsADirectoryError:
        raise IndexUnusable(f"{path} is a directory, not an index") from None
    except OSError as exc:
        raise IndexUnusable(f"cannot read the index {path}: {exc.strerror}") from None


def _has_our_migrations(path: Path) -> bool:
    try:
        conn = connect_read_only(path)
    except IndexUnusable:
        return False
    try:
        marker = conn.execute("PRAGMA application_id").fetchone()[0]
        if marker == APPLICATION_ID:
            return True
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            [migrations.migrations_table],
        ).fetchone()
        if not found:
            return False
        row = conn.execute(
            f"SELECT 1 FROM {migrations.migrations_table} WHERE migration_set = ? LIMIT 1",
            [migrations.name],
        ).fetchone()
        return row is not None
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write, even where the directory or the file is read-only.

    `mode=ro` reads a write-ahead-logged index as it is being written. Where SQLite cannot
    create the shared-memory file beside it (a read-only directory or medium), the file is
    opened as immutable instead: nothing there can be writing to it.
    """
    uri = "file:" + quote(str(path.absolute()))
    last: sqlite3.Error | None = None
    for options in ("?mode=ro", "?immutable=1"):
        conn = sqlite3.connect(uri + options, uri=True, check_same_thread=False)
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            dcjson.register(conn)
            return conn
        except sqlite3.DatabaseError as exc:
            conn.close()
            last = exc
            if not isinstance(exc, sqlite3.OperationalError):
                break  # not a database at all: immutable will not help
    raise IndexUnusable(f"cannot read the index {path}: {last}")


def open_read_only(path: Path) -> sqlite3.Connection:
    """An existing index for reading; IndexUnusable with one line otherwise."""
    if is_new(path):
        raise IndexUnusable(
            f"no index at {path}; run `harvester harvest` or `harvester demo` first"
        )
    check_index(path)
    return connect_read_only(path)


def needs_upgrade(conn: sqlite3.Connection) -> bool:
    """Whether an index lacks the marker or migrations of this version."""
    marker = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return bool(marker != APPLICATION_ID or version < schema_version())


def connect_for_writing(path: Path) -> tuple[sqlite3.Connection, bool]:
    """A read-write connection to an index, or a new one; (connection, whether it is new).

    A new index is stamped with the marker before anything else, in rollback-journal mode,
    so that the marker sits in the file header from the first byte written.
    """
    check_index(path)
    new = is_new(path)
    try:
        conn = sqlite3.connect(str(path), timeout=60, check_same_thread=False)
        dcjson.register(conn)
        if new:
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # only before the first write
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.commit()
    except sqlite3.Error as exc:
        raise IndexUnusable(f"cannot write the index {path}: {exc}") from None
    return conn, new


def stamp(conn: sqlite3.Connection) -> None:
    """Mark an index as ours and as current, once its migrations are applied."""
    if needs_upgrade(conn):
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {schema_version()}")
        conn.commit()
