"""Shared fixtures: a real OAI-PMH server on 127.0.0.1, zero-delay settings, captured responses."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harvester.demo.server import DevServer, Fault, Repository, ServedRecord, dc_metadata
from harvester.models import Settings, Source
from harvester.store import Store, dcjson, rawxml

FIXTURES = Path(__file__).parent / "fixtures"
OAI_FIXTURES = FIXTURES / "oai"


def hold_lock(database: Path) -> subprocess.Popen[str]:
    """Another process holding the index lock until a line arrives on its standard input."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys
            from pathlib import Path
            from harvester.store.lock import index_lock
            with index_lock(Path({str(database)!r})):
                print("locked", flush=True)
                sys.stdin.readline()
            """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def cli_demo(directory: Path) -> Path:
    """`harvester demo` run for real (a subprocess) into `directory`; its index's path."""
    database = directory / "harvest.db"
    result = subprocess.run(
        [sys.executable, "-m", "harvester", "demo", "--quiet", "--db", str(database)],
        capture_output=True,
        text=True,
        cwd=directory,
    )
    assert result.returncode == 0, result.stderr
    return database


def captured(relative: str) -> bytes:
    """The bytes of a captured real response under tests/fixtures/oai/."""
    return (OAI_FIXTURES / relative).read_bytes()


class Clock:
    """A settable clock for the test server's responseDate."""

    def __init__(self, start: str = "2025-01-10T12:00:00Z") -> None:
        self.now = datetime.fromisoformat(start.replace("Z", "+00:00"))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def server() -> Iterator[DevServer]:
    with DevServer() as running:
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No waiting anywhere: delays, backoff and Retry-After caps are zero."""
    return Settings(
        database=tmp_path / "index.db",
        timeout=5,
        max_retries=3,
        delay=0,
        backoff=0,
        max_retry_after=0,
        jobs=4,
    )


def book(n: int, datestamp: str = "2024-01-01T00:00:00Z", **extra: object) -> ServedRecord:
    sets = extra.pop("sets", ())
    deleted = bool(extra.pop("deleted", False))
    title = str(extra.pop("title", f"Book number {n}"))
    return ServedRecord(
        identifier=f"oai:test:{n}",
        datestamp=datestamp,
        metadata=dc_metadata(title=title, creator=f"Author {n}", date="2001"),
        set_specs=tuple(sets),  # type: ignore[arg-type]
        deleted=deleted,
    )


def repository(
    name: str, records: list[ServedRecord], clock: Clock, **kwargs: object
) -> Repository:
    return Repository(name=name, records=records, clock=clock, **kwargs)  # type: ignore[arg-type]


def source_for(server: DevServer, repo: Repository, **kwargs: object) -> Source:
    url = server.add(repo)
    return replace(Source(name=repo.name, endpoint=url), **kwargs)  # type: ignore[arg-type]


def rows(settings: Settings, source: str | None = None) -> list[dict[str, Any]]:
    store = Store(settings.database)
    try:
        where = "source = ?" if source else None
        args = [source] if source else []
        found = list(
            store.db.table("records").rows_where(where, args, order_by="source, identifier")
        )
        for row in found:  # stored deflated: read back as every reader does
            row["raw_xml"] = rawxml.unpack(row["raw_xml"])
            row["dc"] = dcjson.unpack(row["dc"])
        return found
    finally:
        store.close()


__all__ = [
    "Clock",
    "Fault",
    "book",
    "captured",
    "repository",
    "rows",
    "source_for",
]


# --- the web page's shared index and servers (one per test session) ----------------------------


@pytest.fixture(scope="session")
def landing_url() -> Iterator[str]:
    from web_support import landing_server

    with landing_server() as url:
        yield url


@pytest.fixture(scope="session")
def web_index(tmp_path_factory: pytest.TempPathFactory, landing_url: str) -> Path:
    from web_support import build_index

    return build_index(tmp_path_factory.mktemp("web") / "index.db", landing_url)


@pytest.fixture(scope="session")
def web_url(web_index: Path) -> Iterator[str]:
    """The web page served by waitress on a free port of 127.0.0.1."""
    from waitress.server import create_server

    from harvester.serve.web import create_web_app

    server = create_server(create_web_app(web_index), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    finally:
        server.close()
