"""Streaming writers (CSV, oai_dc XML) and merged cluster rows; JSON Lines: test_export_lines."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from harvester.export.writers import (
    CSV_COLUMNS,
    DC_NS,
    EXPORT_NS,
    MERGED_CSV_COLUMNS,
    OAI_DC_NS,
    iter_merged,
    merge_cluster,
    write_csv,
    write_oai_dc,
    xml_safe,
)
from harvester.models import NORMALISED_FIELDS

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"
NS = {"x": EXPORT_NS, "oai_dc": OAI_DC_NS, "dc": DC_NS}


def row(source: str, identifier: str, **fields: Any) -> dict[str, Any]:
    """A full row as the store yields it: every normalised field present."""
    base: dict[str, Any] = {
        name: ([] if kind == "JSON" else None) for name, kind in NORMALISED_FIELDS.items()
    }
    base.update(identifiers={}, dc={}, language_inferred=False)
    base.update(
        source=source,
        identifier=identifier,
        datestamp="2024-03-01",
        deleted=False,
        set_specs=[],
        cluster_id=None,
        harvested_at="2024-03-02T00:00:00Z",
    )
    base.update(fields)
    return base


NLC = row(
    "nlc",
    "oai:nlc.cn:0001",
    title="中国古代史",
    titles=["中国古代史", "Zhongguo gu dai shi"],
    creators=["王小明"],
    subjects=["历史", "中国"],
    publishers=["中华书局"],
    descriptions=['第一行\n第二行, with "quotes" and a | pipe'],
    date_raw="2001年",
    date="2001",
    year=2001,
    calendar="gregorian",
    languages=["zho"],
    types=["Text"],
    types_raw=["专著"],
    identifiers={"isbn": ["9787101003062"], "url": ["http://opac.nlc.cn/1"], "other": ["N1"]},
    landing_url="http://opac.nlc.cn/1",  # as the store computes it for merged exports
    rights="版权所有",
    scripts=["Hans"],
    cluster_id="c1",
    set_specs=["books"],
    dc={"title": ["中国古代史"], "creator": ["王小明 著"]},
)
NCL = row(
    "ncl",
    "oai:ncl.edu.tw:77",
    datestamp="2024-05-09",
    title="中國古代史",
    titles=["中國古代史"],
    creators=["王小明", "李四"],
    subjects=["中国", "歷史"],
    date_raw="民國90年",
    date="2001",
    year=2001,
    calendar="minguo",
    languages=["zho"],
    language_inferred=True,
    types=["Text"],
    identifiers={"isbn": ["9787101003062"], "doi": ["10.1234/abc"], "handle": ["11296/x"]},
    landing_url="https://doi.org/10.1234/abc",
    license="https://creativecommons.org/licenses/by/4.0/",
    scripts=["Hant"],
    cluster_id="c1",
)
TOMBSTONE = row("nlt", "oai:nlt:9", deleted=True, cluster_id=None, title="gone")


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def _lazy_rows(out: io.StringIO) -> Iterator[dict[str, Any]]:
    """Yields two rows and checks that the first was written before the second is asked for."""
    yield NLC
    assert "中国古代史" in out.getvalue()
    yield NCL


def test_writers_consume_rows_one_at_a_time() -> None:
    out = io.StringIO()
    assert write_csv(_lazy_rows(out), out) == 2


# --- CSV --------------------------------------------------------------------------------------


def test_csv_header_joins_identifier_columns_and_bom() -> None:
    out = io.StringIO()
    assert write_csv([NLC, TOMBSTONE], out) == 2
    first, tomb = read_csv(out.getvalue())
    assert list(first) == list(CSV_COLUMNS)
    assert "identifiers" not in CSV_COLUMNS and "dc" not in CSV_COLUMNS
    assert first["titles"] == "中国古代史 | Zhongguo gu dai shi"
    assert first["descriptions"] == NLC["descriptions"][0]  # newline, quotes and pipe survive
    assert first["isbn"] == "9787101003062" and first["url"] == "http://opac.nlc.cn/1"
    assert first["doi"] == "" and first["year"] == "2001" and first["deleted"] == "false"
    assert first["language_inferred"] == "false"
    assert tomb["deleted"] == "true" and tomb["title"] == "" and tomb["identifier"] == "oai:nlt:9"


def test_csv_file_opens_in_excel_encoding(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_csv([NLC], out)
    with path.open("w", encoding="utf-8-sig", newline="") as out:  # codec writes the BOM
        write_csv([NLC], out)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw[3:].startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        records = list(csv.DictReader(stream))
    assert records[0]["source"] == "nlc" and records[0]["descriptions"] == NLC["descriptions"][0]


# --- XML --------------------------------------------------------------------------------------


class LocalSchemas(etree.Resolver):
    """Maps every schemaLocation, URLs included, to the file of that name in fixtures/schemas."""

    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        return self.resolve_filename(str(SCHEMAS / Path(system_url).name), context)


@pytest.fixture(scope="module")
def oai_dc_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(LocalSchemas())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "oai_dc.xsd"), parser))


def parse_export(text: str) -> Any:
    return etree.fromstring(text.encode("utf-8"), etree.XMLParser(no_network=True))


def assert_valid_dc(root: Any, schema: etree.XMLSchema) -> int:
    elements = root.findall("x:record/x:metadata/oai_dc:dc", NS)
    for element in elements:
        schema.assertValid(etree.ElementTree(copy.deepcopy(element)))
    return len(elements)


def test_xml_records_validate_and_carry_every_field(oai_dc_schema: etree.XMLSchema) -> None:
    merged = merge_cluster([NLC, NCL], {"nlc": 1, "ncl": 0}, reason="isbn")
    out = io.StringIO()
    assert write_oai_dc([NLC, TOMBSTONE, merged], out) == 3
    root = parse_export(out.getvalue())
    assert root.tag == f"{{{EXPORT_NS}}}records"
    assert assert_valid_dc(root, oai_dc_schema) == 2
    first = root.find("x:record", NS)
    assert first.findtext("x:header/x:identifier", namespaces=NS) == "oai:nlc.cn:0001"
    assert first.findtext("x:header/x:source", namespaces=NS) == "nlc"
    assert first.findtext("x:header/x:setSpec", namespaces=NS) == "books"
    dc = first.find("x:metadata/oai_dc:dc", NS)
    values = [(etree.QName(el).localname, el.text) for el in dc]
    assert values[:2] == [("title", "中国古代史"), ("title", "Zhongguo gu dai shi")]
    assert ("date", "2001") in values and ("type", "Text") in values and ("type", "专著") in values
    assert ("identifier", "urn:isbn:9787101003062") in values
    assert ("identifier", "http://opac.nlc.cn/1") in values and ("identifier", "N1") in values
    assert ("language", "zho") in values and ("rights", "版权所有") in values
    last = root.findall("x:record", NS)[2]
    merged_ids = last.findall("x:metadata/oai_dc:dc/dc:identifier", NS)
    assert "https://doi.org/10.1234/abc" in [el.text for el in merged_ids]
    assert "https://hdl.handle.net/11296/x" in [el.text for el in merged_ids]
    assert last.findtext("x:header/x:reason", namespaces=NS) == "isbn"
    members = last.findall("x:header/x:member", NS)
    assert [m.get("source") for m in members] == ["ncl", "nlc"]
    assert members[0].get("landingUrl") == "https://doi.org/10.1234/abc"


def test_xml_tombstone_is_a_deleted_header_without_metadata() -> None:
    out = io.StringIO()
    write_oai_dc([TOMBSTONE], out)
    record = parse_export(out.getvalue()).find("x:record", NS)
    assert record.find("x:header", NS).get("status") == "deleted"
    assert record.find("x:metadata", NS) is None


def test_xml_strips_illegal_characters_and_falls_back_to_date_raw(
    oai_dc_schema: etree.XMLSchema,
) -> None:
    out = io.StringIO()
    bad = row("a", "oai:a:\x01", title="Bell\x07 \ufffe", date_raw="1990?", descriptions=["\x0b"])
    write_oai_dc([bad], out)
    root = parse_export(out.getvalue())
    assert_valid_dc(root, oai_dc_schema)
    assert root.findtext("x:record/x:header/x:identifier", namespaces=NS) == "oai:a:"
    dc = root.find("x:record/x:metadata/oai_dc:dc", NS)
    assert dc.findtext("dc:title", namespaces=NS) == "Bell "
    assert dc.findtext("dc:date", namespaces=NS) == "1990?"
    assert dc.find("dc:description", NS) is None


# --- merging ----------------------------------------------------------------------------------


def test_merge_cluster_value_by_value() -> None:
    merged = merge_cluster([NLC, NCL, TOMBSTONE], {"nlc": 0, "ncl": 1}, reason="isbn")
    assert merged == {
        "source": "nlc",
        "identifier": "oai:nlc.cn:0001",
        "datestamp": "2024-05-09",
        "deleted": False,
        "cluster_id": "c1",
        "title": "中国古代史",
        "titles": ["中国古代史", "Zhongguo gu dai shi", "中國古代史"],
        "creators": ["王小明", "李四"],
        "contributors": [],
        "subjects": ["历史", "中国", "歷史"],
        "publishers": ["中华书局"],
        "descriptions": NLC["descriptions"],
        "formats": [],
        "relations": [],
        "coverage": [],
        "sources": [],
        "date_raw": "2001年",
        "date": "2001",
        "year": 2001,
        "calendar": "gregorian",
        "languages": ["zho"],
        "language_inferred": False,
        "types": ["Text"],
        "types_raw": ["专著"],
        "identifiers": {
            "doi": ["10.1234/abc"],
            "isbn": ["9787101003062"],
            "issn": [],
            "handle": ["11296/x"],
            "urn": [],
            "url": ["http://opac.nlc.cn/1"],
            "other": ["N1"],
        },
        "rights": "版权所有",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "scripts": ["Hans", "Hant"],
        "reason": "isbn",
        "members": [
            {
                "source": "nlc",
                "identifier": "oai:nlc.cn:0001",
                "datestamp": "2024-03-01",
                "landing_url": "http://opac.nlc.cn/1",
            },
            {
                "source": "ncl",
                "identifier": "oai:ncl.edu.tw:77",
                "datestamp": "2024-05-09",
                "landing_url": "https://doi.org/10.1234/abc",
            },
        ],
    }


def test_merge_cluster_priority_ties_go_by_source_name() -> None:
    merged = merge_cluster([NLC, NCL], {"nlc": 0, "ncl": 0})
    assert merged["source"] == "ncl" and merged["title"] == "中國古代史"
    assert merged["calendar"] == "minguo" and merged["rights"] == "版权所有"
    with pytest.raises(ValueError):
        merge_cluster([TOMBSTONE], {})


def test_iter_merged_gives_one_row_per_work_and_passes_tombstones() -> None:
    single = row("x", "oai:x:1", title="Alone")
    rows = list(iter_merged([NLC, NCL, TOMBSTONE, single], {"nlc": 0, "ncl": 1}, {"c1": "isbn"}))
    assert [r["identifier"] for r in rows] == ["oai:nlc.cn:0001", "oai:nlt:9", "oai:x:1"]
    assert rows[0]["reason"] == "isbn" and len(rows[0]["members"]) == 2
    assert rows[1] == {k: TOMBSTONE[k] for k in rows[1]} and len(rows[1]) == 5
    assert rows[2]["members"][0]["identifier"] == "oai:x:1" and rows[2]["cluster_id"] is None
    out = io.StringIO()
    write_csv(rows, out, columns=MERGED_CSV_COLUMNS)
    cells = read_csv(out.getvalue())[0]
    assert cells["members"] == "nlc:oai:nlc.cn:0001 | ncl:oai:ncl.edu.tw:77"


# --- round trips of arbitrary text ------------------------------------------------------------

texts = st.text(max_size=40)


@settings(max_examples=150, deadline=None)
@given(title=texts, description=texts)
def test_any_scalar_text_round_trips_through_csv(title: str, description: str) -> None:
    out = io.StringIO()
    write_csv([row("s", "i", title=title, descriptions=[description])], out)
    (back,) = read_csv(out.getvalue())
    assert (back["title"], back["descriptions"]) == (title, description)


@settings(max_examples=150, deadline=None)
@given(title=texts, creator=texts, description=texts)
def test_any_text_round_trips_through_xml_after_stripping(
    title: str, creator: str, description: str
) -> None:
    out = io.StringIO()
    write_oai_dc([row("s", "i", title=title, creators=[creator], descriptions=[description])], out)
    dc = parse_export(out.getvalue()).find("x:record/x:metadata/oai_dc:dc", NS)
    for name, text in (("title", title), ("creator", creator), ("description", description)):
        assert [el.text or "" for el in dc.findall(f"dc:{name}", NS)] == (
            [xml_safe(text)] if xml_safe(text) else []
        )
