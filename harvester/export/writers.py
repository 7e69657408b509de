"""Pure streaming writers: index rows to CSV and oai_dc XML; the exported row; merged works.

Every writer consumes its rows one at a time and keeps nothing but the current row, so exporting
millions of records uses flat memory. A row is a mapping as the store yields it (JSON decoded).
JSON Lines is assembled by SQLite (store/jsonlines.py) in this same row shape; only the lines of
merged works of several members are encoded here (json_line).

Row shape (``EXPORT_FIELDS``): source, identifier, datestamp, deleted, cluster_id, then every
normalised field except ``dc``. JSON Lines adds ``reason`` and ``members`` for merged rows and
the raw ``dc`` values when the row has them; CSV never carries ``dc``. A deleted record is a
tombstone: only source, identifier, datestamp, deleted and cluster_id. A member's landing URL
is the one the store computed (its ``landing_url`` column of merged exports).

XML container (namespace ``EXPORT_NS``)::

    <records xmlns="https://silkroad-library-alliance.org/ns/export/1.0">
      <record>
        <header [status="deleted"]>
          <identifier>oai:...</identifier> <datestamp>...</datestamp> <source>member</source>
          <setSpec>...</setSpec>*  <clusterId>...</clusterId>?  <reason>doi</reason>?
          <member source=".." identifier=".." datestamp=".." [landingUrl=".."]/>*
        </header>
        <metadata><oai_dc:dc ...>dc:* elements</oai_dc:dc></metadata>   (absent if deleted)
      </record>
    </records>

Characters that XML 1.0 forbids (C0 controls other than tab, newline and carriage return, lone
surrogates, U+FFFE, U+FFFF) are removed from every value; values left empty are not written.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import groupby
from typing import Any, TextIO

from lxml import etree

from harvester.models import BOOLEAN_FIELDS, EXPORT_HEADER, IDENTIFIER_KINDS, NORMALISED_FIELDS

EXPORT_NS = "https://silkroad-library-alliance.org/ns/export/1.0"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_SCHEMA_LOCATION = f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

EXPORT_FIELDS: tuple[str, ...] = (
    *EXPORT_HEADER,
    *(name for name in NORMALISED_FIELDS if name != "dc"),
)
CSV_COLUMNS: tuple[str, ...] = tuple(
    column
    for name in EXPORT_FIELDS
    for column in (IDENTIFIER_KINDS if name == "identifiers" else (name,))
)
MERGED_CSV_COLUMNS: tuple[str, ...] = (*CSV_COLUMNS, "reason", "members")
CSV_JOIN = " | "

_DATE_FIELDS = ("date_raw", "date", "year", "calendar")
_LIST_FIELDS = tuple(
    name
    for name, kind in NORMALISED_FIELDS.items()
    if kind == "JSON" and name not in ("dc", "identifiers")
)
_ILLEGAL_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# --- row shapes -------------------------------------------------------------------------------


def _plain(name: str, value: Any) -> Any:
    """Booleans as booleans whatever SQLite handed back (0/1)."""
    return bool(value) if name in BOOLEAN_FIELDS and value is not None else value


def export_row(row: Mapping[str, Any], *, include_dc: bool = False) -> dict[str, Any]:
    """The exported shape of a row, in a fixed key order; a tombstone for a deleted row."""
    fields = EXPORT_HEADER if row.get("deleted") else EXPORT_FIELDS
    shaped = {name: _plain(name, row.get(name)) for name in fields}
    if row.get("deleted"):
        return shaped
    for extra in ("reason", "members"):
        if extra in row:
            shaped[extra] = row[extra]
    if include_dc and row.get("dc") is not None:
        shaped["dc"] = row["dc"]
    return shaped


# --- JSON Lines -------------------------------------------------------------------------------


# Compact, as SQLite writes the lines of store.jsonlines (and as the JSON columns are stored).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def json_line(value: Mapping[str, Any]) -> str:
    """One JSON Lines line (with its newline) for an exported row, e.g. a merged work."""
    return escape_line_breaks(_encode(value)) + "\n"


def escape_line_breaks(text: str) -> str:
    """JSON text with U+0085, U+2028 and U+2029 escaped.

    json.dumps and SQLite's json_quote leave them raw (they only occur inside strings), but
    str.splitlines() and some JSON Lines readers split lines on them.
    """
    if text.isascii() or not ("\x85" in text or "\u2028" in text or "\u2029" in text):
        return text
    text = text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028")
    return text.replace("\u2029", "\\u2029")


# --- CSV --------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return CSV_JOIN.join(_cell(item) for item in value)
    return str(value)


def _member_cell(members: Sequence[Mapping[str, Any]]) -> str:
    return CSV_JOIN.join(f"{m.get('source')}:{m.get('identifier')}" for m in members)


def csv_record(row: Mapping[str, Any], columns: Sequence[str] = CSV_COLUMNS) -> list[str]:
    """The CSV cells of a row: lists joined with " | ", identifiers one column per kind."""
    shaped = export_row(row)
    identifiers = shaped.get("identifiers") or {}
    cells: list[str] = []
    for column in columns:
        if column in IDENTIFIER_KINDS:
            cells.append(_cell(identifiers.get(column)))
        elif column == "members":
            cells.append(_member_cell(shaped.get("members") or []))
        else:
            cells.append(_cell(shaped.get(column)))
    return cells


def write_csv(
    rows: Iterable[Mapping[str, Any]],
    out: TextIO,
    *,
    columns: Sequence[str] = CSV_COLUMNS,
    bom: bool = True,
) -> int:
    """A header row then one line per row; returns the number of records written.

    Open the file with ``newline=""`` (the csv module writes CRLF and quotes embedded line
    breaks itself) and ``encoding="utf-8"``. The writer adds the byte order mark Excel needs to
    read Chinese or Thai as UTF-8, unless ``bom`` is false or the stream's own codec is
    ``utf-8-sig`` (which writes it already). Merged rows: pass ``columns=MERGED_CSV_COLUMNS``;
    members are "source:identifier" joined with " | ".
    """
    if bom and codecs.lookup(getattr(out, "encoding", None) or "utf-8").name != "utf-8-sig":
        out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(csv_record(row, columns))
        count += 1
    return count


# --- oai_dc XML -------------------------------------------------------------------------------


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 cannot carry, so the output always parses."""
    return _ILLEGAL_XML.sub("", text)


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [str(item) for item in items if item is not None and str(item) != ""]


def dc_identifiers(identifiers: Mapping[str, Any]) -> list[str]:
    """Every identifier as a dc:identifier value: DOIs and handles as URLs, URNs for ISBN/ISSN."""
    prefixes = {"doi": "https://doi.org/", "isbn": "urn:isbn:", "issn": "urn:issn:"}
    prefixes["handle"] = "https://hdl.handle.net/"
    kinds = [*IDENTIFIER_KINDS, *sorted(set(identifiers) - set(IDENTIFIER_KINDS))]
    values = [
        prefixes.get(kind, "") + value
        for kind in kinds
        for value in _strings(identifiers.get(kind))
    ]
    return list(dict.fromkeys(values))


def dc_values(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(dc element, value) pairs built from the normalised fields, in Dublin Core order."""
    pairs = {
        "title": [*_strings(row.get("title")), *_strings(row.get("titles"))],
        "creator": _strings(row.get("creators")),
        "subject": _strings(row.get("subjects")),
        "description": _strings(row.get("descriptions")),
        "publisher": _strings(row.get("publishers")),
        "contributor": _strings(row.get("contributors")),
        "date": _strings(row.get("date") or row.get("date_raw")),
        "type": [*_strings(row.get("types")), *_strings(row.get("types_raw"))],
        "format": _strings(row.get("formats")),
        "identifier": dc_identifiers(row.get("identifiers") or {}),
        "source": _strings(row.get("sources")),
        "language": _strings(row.get("languages")),
        "relation": _strings(row.get("relations")),
        "coverage": _strings(row.get("coverage")),
        "rights": [*_strings(row.get("rights")), *_strings(row.get("license"))],
    }
    return [
        (name, value)
        for name, values in pairs.items()
        for value in dict.fromkeys(xml_safe(v) for v in values)
        if value
    ]


class _TextSink:
    """Lets lxml's byte-writing xmlfile write into a text stream."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def write(self, data: bytes) -> None:
        self.out.write(self.decoder.decode(data))


def _write_text_element(xf: Any, tag: str, value: Any) -> None:
    text = xml_safe("" if value is None else str(value))
    if text:
        with xf.element(tag):
            xf.write(text)


def _write_header(xf: Any, row: Mapping[str, Any]) -> None:
    attrib = {"status": "deleted"} if row.get("deleted") else {}
    with xf.element(f"{{{EXPORT_NS}}}header", attrib):
        for name in ("identifier", "datestamp", "source"):
            _write_text_element(xf, f"{{{EXPORT_NS}}}{name}", row.get(name))
        for set_spec in _strings(row.get("set_specs")):
            _write_text_element(xf, f"{{{EXPORT_NS}}}setSpec", set_spec)
        _write_text_element(xf, f"{{{EXPORT_NS}}}clusterId", row.get("cluster_id"))
        _write_text_element(xf, f"{{{EXPORT_NS}}}reason", row.get("reason"))
        for member in row.get("members") or []:
            with xf.element(f"{{{EXPORT_NS}}}member", _member_attributes(member)):
                pass


def _member_attributes(member: Mapping[str, Any]) -> dict[str, str]:
    names = {"source": "source", "identifier": "identifier", "datestamp": "datestamp"}
    names["landing_url"] = "landingUrl"
    return {
        attr: xml_safe(str(member[key]))
        for key, attr in names.items()
        if member.get(key) is not None
    }


def _write_record(xf: Any, row: Mapping[str, Any]) -> None:
    with xf.element(f"{{{EXPORT_NS}}}record"):
        _write_header(xf, row)
        if row.get("deleted"):
            return
        with (
            xf.element(f"{{{EXPORT_NS}}}metadata"),
            xf.element(
                f"{{{OAI_DC_NS}}}dc", {f"{{{XSI_NS}}}schemaLocation": OAI_DC_SCHEMA_LOCATION}
            ),
        ):
            for name, value in dc_values(row):
                _write_text_element(xf, f"{{{DC_NS}}}{name}", value)


def write_oai_dc(rows: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    """A ``<records>`` document (see the module docstring), written record by record.

    The XML declaration says UTF-8: open a file with ``encoding="utf-8"``.
    """
    nsmap = {None: EXPORT_NS, "oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}
    count = 0
    with etree.xmlfile(_TextSink(out), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{EXPORT_NS}}}records", nsmap=nsmap):
            xf.write("\n")
            for row in rows:
                _write_record(xf, row)
                xf.write("\n")
                count += 1
    return count


# --- merging clusters -------------------------------------------------------------------------


def _member_order(
    priority: Mapping[str, int],
) -> Callable[[Mapping[str, Any]], tuple[int, str, str]]:
    """Sort key: priority (lower first; unknown sources last), then source, then identifier."""
    unknown = max(priority.values(), default=0) + 1

    def key(row: Mapping[str, Any]) -> tuple[int, str, str]:
        source = str(row.get("source"))
        return (priority.get(source, unknown), source, str(row.get("identifier")))

    return key


def _union(rows: Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    values = (value for row in rows for value in (row.get(name) or []))
    return list(dict.fromkeys(values))


def _merged_identifiers(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    kinds = dict.fromkeys(IDENTIFIER_KINDS)
    for row in rows:
        kinds.update(dict.fromkeys(row.get("identifiers") or {}))
    merged = {kind: _union([r.get("identifiers") or {} for r in rows], kind) for kind in kinds}
    return {kind: values for kind, values in merged.items() if values or kind in IDENTIFIER_KINDS}


def _first(rows: Sequence[Mapping[str, Any]], name: str) -> Any:
    return next((row[name] for row in rows if row.get(name) not in (None, "")), None)


def merge_cluster(
    rows: Sequence[Mapping[str, Any]],
    priority: Mapping[str, int],
    *,
    cluster_id: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """One row for a cluster: lists united, single values from the highest-priority member.

    Members are ordered by ``priority`` (lower number first), then source and identifier; list
    fields and each identifier kind are united in that order without duplicates. title, rights
    and license are the first non-empty value in that order; date_raw, date, year and calendar
    come together from the first member that has any of them. source and identifier are the
    first member's, datestamp the latest. Deleted members are left out; ``dc`` is not merged.
    """
    members = sorted((row for row in rows if not row.get("deleted")), key=_member_order(priority))
    if not members:
        raise ValueError("merge_cluster needs at least one record that is not deleted")
    dated = next((r for r in members if any(r.get(f) is not None for f in _DATE_FIELDS)), {})
    merged: dict[str, Any] = {
        "source": members[0].get("source"),
        "identifier": members[0].get("identifier"),
        "datestamp": max(str(r.get("datestamp") or "") for r in members) or None,
        "deleted": False,
        "cluster_id": cluster_id or _first(members, "cluster_id"),
    }
    for name in EXPORT_FIELDS[len(EXPORT_HEADER) :]:
        if name in _LIST_FIELDS:
            merged[name] = _union(members, name)
        elif name in _DATE_FIELDS:
            merged[name] = dated.get(name)
        elif name == "identifiers":
            merged[name] = _merged_identifiers(members)
        elif name == "language_inferred":
            merged[name] = all(bool(r.get(name)) for r in members)
        else:
            merged[name] = _first(members, name)
    merged["reason"] = reason
    merged["members"] = [_member_summary(row) for row in members]
    return merged


def _member_summary(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "source": row.get("source"),
        "identifier": row.get("identifier"),
        "datestamp": row.get("datestamp"),
        "landing_url": row.get("landing_url"),
    }


def iter_merged(
    rows: Iterable[Mapping[str, Any]],
    priority: Mapping[str, int],
    reasons: Mapping[str, str] | None = None,
) -> Iterator[dict[str, Any]]:
    """One row per work from rows ordered so that members of a cluster are adjacent.

    Unlinked records become one-member merged rows; tombstones pass through. Holds one cluster in
    memory at a time. ``reasons`` maps cluster_id to its reason when the caller has it.
    """
    for cluster_id, group in groupby(rows, key=lambda row: row.get("cluster_id")):
        if cluster_id is None:  # unlinked records: stream them, there may be millions
            for row in group:
                yield export_row(row) if row.get("deleted") else merge_cluster([row], priority)
            continue
        cluster = list(group)
        yield from (export_row(row) for row in cluster if row.get("deleted"))
        live = [row for row in cluster if not row.get("deleted")]
        if live:
            reason = (reasons or {}).get(cluster_id) or live[0].get("cluster_reason")
            yield merge_cluster(live, priority, cluster_id=cluster_id, reason=reason)
