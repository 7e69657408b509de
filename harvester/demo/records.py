"""What a demo or test endpoint serves: records kept in a list, and the window a list asks for.

A repository's records come from a catalogue (`Catalogue`): `ListCatalogue` serves a Python list
that tests may change between requests; `synthetic.SyntheticCatalogue` serves millions of
generated records from a cache, for the benchmarks. The protocol (protocol.py) asks both the
same two questions: how many records a window holds, and the XML of one page of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import escape

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_O = "{" + OAI_NS + "}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


@dataclass
class ServedRecord:
    identifier: str
    datestamp: str
    metadata: str = ""  # serialised <metadata> child, e.g. <oai_dc:dc ...>...</oai_dc:dc>
    set_specs: tuple[str, ...] = ()
    deleted: bool = False


@dataclass(frozen=True)
class Window:
    """The records a list request selects: datestamps from/until (as sent, may be empty), set."""

    from_: str = ""
    until: str = ""
    set_spec: str = ""


class Catalogue(Protocol):
    """Where a repository's records come from."""

    def set_specs(self) -> Iterable[str]:
        """Every set a record belongs to, in a stable order."""
        ...

    def count(self, window: Window) -> int:
        """How many records the window selects."""
        ...

    def page(self, window: Window, offset: int, limit: int, headers_only: bool) -> bytes:
        """The <record> (or, headers_only, <header>) elements of records offset..offset+limit."""
        ...


class ListCatalogue:
    """Records in a list, read afresh on every request: a test may edit it between pages."""

    def __init__(self, records: list[ServedRecord]) -> None:
        self.records = records

    def set_specs(self) -> Iterable[str]:
        return dict.fromkeys(s for r in self.records for s in r.set_specs)

    def count(self, window: Window) -> int:
        return sum(1 for r in self.records if _matches(r, window))

    def page(self, window: Window, offset: int, limit: int, headers_only: bool) -> bytes:
        matching = [r for r in self.records if _matches(r, window)]
        items = "".join(render(r, headers_only) for r in matching[offset : offset + limit])
        return items.encode("utf-8")


def load_records(path: Path | str) -> list[ServedRecord]:
    """Read the <record>s of a captured ListRecords page (or any OAI-PMH document)."""
    root = etree.parse(str(path), _PARSER).getroot()
    return [_served(record) for record in root.iter(_O + "record")]


def _served(record: Any) -> ServedRecord:
    header = record.find(_O + "header")
    metadata = record.find(_O + "metadata")
    payload = ""
    if metadata is not None and len(metadata):
        payload = etree.tostring(metadata[0], encoding="unicode", with_tail=False)
    return ServedRecord(
        identifier=(header.findtext(_O + "identifier") or "").strip(),
        datestamp=(header.findtext(_O + "datestamp") or "").strip(),
        metadata=payload,
        set_specs=tuple(dict.fromkeys((s.text or "").strip() for s in header.iter(_O + "setSpec"))),
        deleted=header.get("status") == "deleted",
    )


def dc_metadata(**elements: str | Iterable[str]) -> str:
    """Build an oai_dc payload from keyword arguments, e.g. dc_metadata(title="...")."""
    parts = []
    for name, values in elements.items():
        for value in [values] if isinstance(values, str) else values:
            parts.append(f"<dc:{name}>{escape(value)}</dc:{name}>")
    return (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">' + "".join(parts) + "</oai_dc:dc>"
    )


def _full(stamp: str, end: bool) -> str:
    if len(stamp) == 10:
        return stamp + ("T23:59:59Z" if end else "T00:00:00Z")
    return stamp


def _matches(record: ServedRecord, window: Window) -> bool:
    stamp = _full(record.datestamp, False)
    if window.from_ and stamp < _full(window.from_, False):
        return False
    if window.until and stamp > _full(window.until, True):
        return False
    wanted = window.set_spec
    return not wanted or any(s == wanted or s.startswith(wanted + ":") for s in record.set_specs)


def render(record: ServedRecord, headers_only: bool) -> str:
    status = ' status="deleted"' if record.deleted else ""
    specs = "".join(f"<setSpec>{escape(s)}</setSpec>" for s in record.set_specs)
    header = (
        f"<header{status}><identifier>{escape(record.identifier)}</identifier>"
        f"<datestamp>{record.datestamp}</datestamp>{specs}</header>"
    )
    if headers_only:
        return header
    metadata = (
        "" if record.deleted or not record.metadata else f"<metadata>{record.metadata}</metadata>"
    )
    return f"<record>{header}{metadata}</record>"
