"""Frozen data shared by every layer: sources, settings, records, checkpoints, run results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The fifteen Dublin Core elements of oai_dc, in schema order.
DC_ELEMENTS: tuple[str, ...] = (
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "source",
    "language",
    "relation",
    "coverage",
    "rights",
)

# Normalised fields stored on each record and exported under these names.
# Value: the SQLite column type ("JSON" columns hold JSON text).
NORMALISED_FIELDS: dict[str, str] = {
    "title": "TEXT",
    "titles": "JSON",
    "creators": "JSON",
    "contributors": "JSON",
    "subjects": "JSON",
    "publishers": "JSON",
    "descriptions": "JSON",
    "formats": "JSON",
    "relations": "JSON",
    "coverage": "JSON",
    "sources": "JSON",
    "date_raw": "TEXT",
    "date": "TEXT",
    "year": "INTEGER",
    "calendar": "TEXT",
    "languages": "JSON",
    "language_inferred": "INTEGER",
    "types": "JSON",
    "types_raw": "JSON",
    "identifiers": "JSON",
    "rights": "TEXT",
    "license": "TEXT",
    "scripts": "JSON",
    "dc": "JSON",
}

# The kinds of identifier in a record's `identifiers` field, in this order (also CSV columns).
IDENTIFIER_KINDS: tuple[str, ...] = ("doi", "isbn", "issn", "handle", "urn", "url", "other")
# What every exported row starts with, and all a tombstone carries.
EXPORT_HEADER: tuple[str, ...] = ("source", "identifier", "datestamp", "deleted", "cluster_id")
# Stored as 0/1, exported as JSON booleans.
BOOLEAN_FIELDS = frozenset({"deleted", "language_inferred"})
EXPORT_FORMATS = ("jsonl", "csv", "xml", "parquet")  # what `harvester export --format` writes

USER_AGENT_DEFAULT = (
    "silkroad-harvester/{version} "
    "(+https://github.com/silkroad-library-alliance/silkroad-harvester)"
)


@dataclass(frozen=True)
class Source:
    """One member repository, as configured."""

    name: str
    endpoint: str
    title: str = ""
    institution: str = ""
    country: str = ""
    metadata_prefix: str = "oai_dc"
    sets: tuple[str, ...] = ()
    enabled: bool = True
    default_language: str | None = None
    priority: int = 0


@dataclass(frozen=True)
class Settings:
    """Global harvest settings; every delay is configurable so tests wait zero seconds."""

    database: Path = Path("harvest.db")
    user_agent: str = ""
    timeout: float = 60.0
    max_retries: int = 5
    delay: float = 1.0
    backoff: float = 2.0
    max_retry_after: float = 300.0
    max_response_bytes: int = 64 * 1024 * 1024
    max_requests_per_window: int = 100_000
    max_empty_pages: int = 20
    jobs: int = 4


@dataclass(frozen=True)
class ServeSettings:
    """The `[serve]` table: how `harvester serve` listens and describes the aggregate."""

    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str = ""  # what Identify reports; empty: the URL the request came in on
    repository_name: str = "Silk Road International Library Alliance"
    repository_identifier: str = "silkroad-library-alliance.org"
    admin_email: str = "admin@example.org"
    page_size: int = 100


MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Config:
    """A validated configuration file."""

    settings: Settings
    sources: tuple[Source, ...]
    path: Path | None = None
    serve: ServeSettings = field(default_factory=ServeSettings)

    def source(self, name: str) -> Source | None:
        return next((s for s in self.sources if s.name == name), None)


@dataclass(frozen=True)
class Header:
    """The OAI-PMH header of one record."""

    identifier: str
    datestamp: str
    deleted: bool = False
    set_specs: tuple[str, ...] = ()


@dataclass(frozen=True)
class RawRecord:
    """One <record> of a page as it arrived: header, serialised XML and raw Dublin Core values.

    Plain data only (no lxml elements), so a page can be parsed in one thread and
    normalised in another.
    """

    header: Header
    xml: str
    dc: Mapping[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """One ListRecords response, parsed; the token says where the list goes on."""

    url: str
    response_date: str
    records: tuple[RawRecord, ...]
    resumption_token: str | None
    cursor: int | None = None
    complete_list_size: int | None = None
    expiration_date: str | None = None
    repairs: int = 0
    requests: int = 1
    body: bytes = b""  # set instead of records when another process reads them (read_body)


@dataclass(frozen=True)
class Record:
    """A harvested record ready for the index: header, raw XML and normalised fields."""

    source: str
    header: Header
    raw_xml: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RepositoryInfo:
    """What an endpoint said about itself in Identify."""

    repository_name: str
    base_url: str
    protocol_version: str
    granularity: str
    earliest_datestamp: str
    deleted_record: str
    admin_emails: tuple[str, ...] = ()

    @property
    def day_granularity(self) -> bool:
        return self.granularity.upper() == "YYYY-MM-DD"


@dataclass(frozen=True)
class Checkpoint:
    """Where a list stands after a page: committed together with that page's records."""

    window_from: str | None
    window_until: str | None
    first_response_date: str
    resumption_token: str | None
    cursor: int | None = None
    complete_list_size: int | None = None
    expiration_date: str | None = None


@dataclass(frozen=True)
class RunResult:
    """The outcome of harvesting one source in one run."""

    source: str
    status: str  # ok, incomplete, failed, interrupted, skipped
    started: str
    finished: str
    window_from: str | None = None
    window_until: str | None = None
    pages: int = 0
    requests: int = 0
    received: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    repairs: int = 0
    expected: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"
