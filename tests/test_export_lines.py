"""The JSON Lines export: what SQLite assembles is the row CSV and XML exports carry, as JSON.

`harvester export --format jsonl` is assembled by SQLite (store.jsonlines); the reference is
the JSON of export_rows' rows as writers.export_row shapes them for the other formats. Both
run over one index holding real captured records (Chinese, Cyrillic, Devanagari, emoji),
linked clusters, tombstones and awkward values.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import OAI_FIXTURES, Clock, repository, source_for
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree
from test_link_export_index import NLC, NLR

from harvester.demo.server import DevServer
from harvester.export import writers as export
from harvester.export.run import ExportRequest, export_rows, jsonl_lines, write_export
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.models import Checkpoint, Header, Record, Settings
from harvester.normalise import normalise_values
from harvester.normalise.dc import extract_dc
from harvester.store import Store, utc_now_precise

OAI = "{http://www.openarchives.org/OAI/2.0/}"
CAPTURED = [
    "zenodo/ListRecords_oai_dc_from-until_cyrillic_cjk.xml",
    "zenodo/ListRecords_oai_dc_from_cyrillic_devanagari_emoji.xml",
    "zenodo/ListRecords_oai_dc_resumed_deleted_with_metadata.xml",
    "dspace-mit/ListRecords_oai_dc_set.xml",
    "gallica-bnf/ListRecords_oai_dc_ns-on-root_no-decl.xml",
]
PRIORITY = {"nlc": 1, "nlr": 2}


def captured_records() -> Iterator[Record]:
    """Every record of the captured pages, normalised as a harvest would store it."""
    for relative in CAPTURED:
        source = relative.split("/")[0]
        root = etree.parse(str(OAI_FIXTURES / relative)).getroot()
        for element in root.iter(f"{OAI}record"):
            header = element.find(f"{OAI}header")
            assert header is not None
            deleted = header.get("status") == "deleted"
            oai_id = header.findtext(f"{OAI}identifier") or ""
            datestamp = header.findtext(f"{OAI}datestamp") or ""
            sets = tuple(s.text or "" for s in header.findall(f"{OAI}setSpec"))
            fields = {} if deleted else normalise_values(extract_dc(element))
            raw = etree.tostring(element, encoding="unicode")
            yield Record(source, Header(oai_id, datestamp, deleted, sets), raw, fields)


def save(store: Store, records: list[Record]) -> None:
    checkpoint = Checkpoint(None, None, "2025-01-01T00:00:00Z", None)
    by_source: dict[str, list[Record]] = {}
    for record in records:
        by_source.setdefault(record.source, []).append(record)
    for source, page in by_source.items():
        store.save_page(source, page, ("", "oai_dc"), checkpoint)


AWKWARD = [
    {"title": ["line\u2028break\x85and\u2029more"], "creator": ['Quote "Q" \\ back']},
    {"title": ["tab\there", "new\nline"], "description": ["\x01\x1fcontrol </script>"]},
    {"title": [""], "rights": [""], "identifier": ["http://example.org/x", "10.1/ABC"]},
    {"identifier": ["HTTPS://EXAMPLE.ORG/UPPER", "ftp://example.org/f"]},
    {"identifier": ["hdl:1765/123"], "language": ["tha"], "date": ["พ.ศ. 2563"]},
    {},  # a record with no metadata values at all: its language is the source default
]


@pytest.fixture
def index(server: DevServer, clock: Clock, settings: Settings) -> Store:
    """Two members harvested and linked (three clusters), plus captured and awkward records."""
    sources = [
        source_for(server, repository("nlc", copy.deepcopy(NLC), clock), priority=1),
        source_for(server, repository("nlr", copy.deepcopy(NLR), clock), priority=2),
    ]
    harvest_all(settings, sources, HarvestOptions())
    store = Store(settings.database)
    awkward = [
        Record("odd", Header(f"oai:odd:{n}", "2024-02-02"), "<record/>", normalise_values(dc, "th"))
        for n, dc in enumerate(AWKWARD)
    ]
    gone = Record("odd", Header("oai:odd:gone", "", True, ("a:b",)), "<record/>", {})
    save(store, [*captured_records(), *awkward, gone])
    return store


def reference(store: Store, request: ExportRequest) -> str:
    """Each exported row in its export shape, raw dc included, as compact JSON."""
    rows = export_rows(store, request, PRIORITY)
    return "".join(export.json_line(export.export_row(r, include_dc=True)) for r in rows)


REQUESTS = [
    ExportRequest(),
    ExportRequest(include_deleted=True),
    ExportRequest(merged=True),
    ExportRequest(merged=True, include_deleted=True),
    ExportRequest(sources=("zenodo", "odd")),
    ExportRequest(merged=True, sources=("nlr",)),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=repr)
def test_sql_lines_are_the_rows_of_the_other_formats(index: Store, request_: ExportRequest) -> None:
    expected = reference(index, request_)
    assert "".join(jsonl_lines(index, request_, PRIORITY)) == expected
    assert expected.count("\n") >= 5  # the comparison is over real output, not two empty ones


def test_the_comparison_covers_what_the_sql_builds(index: Store) -> None:
    """Clusters, tombstones, dc values, inferred languages and landing URLs all occur."""
    merged = [json.loads(line) for line in jsonl_lines(index, REQUESTS[3], PRIORITY)]
    assert {r.get("reason") for r in merged} >= {None, "isbn", "doi"}
    assert any(r["deleted"] for r in merged)
    landing = {m["landing_url"] for r in merged for m in r.get("members", [])}
    assert "https://hdl.handle.net/1765/123" in landing
    assert "http://example.org/x" in landing and None in landing
    plain = [json.loads(line) for line in jsonl_lines(index, REQUESTS[1], PRIORITY)]
    assert any(r.get("dc") for r in plain) and any(r.get("language_inferred") for r in plain)
    assert any(r.get("deleted") and r["source"] == "zenodo" for r in plain)


def test_since_gives_the_same_lines(index: Store, settings: Settings) -> None:
    since = utc_now_precise()
    record = Record("odd", Header("oai:odd:late", "2024-03-03"), "<r/>", normalise_values({}))
    save(index, [record])
    for merged in (False, True):
        request = ExportRequest(merged=merged, since=since, include_deleted=True)
        lines = "".join(jsonl_lines(index, request, PRIORITY))
        assert lines == reference(index, request)
        assert [json.loads(line)["identifier"] for line in lines.splitlines()] == ["oai:odd:late"]


def test_write_export_uses_the_sql_lines(index: Store, tmp_path: Path) -> None:
    output = tmp_path / "all.jsonl"
    count = write_export(index, ExportRequest(merged=True), PRIORITY, output)
    text = output.read_text(encoding="utf-8")
    assert count == len(text.splitlines()) > 7
    assert text == reference(index, ExportRequest(merged=True))


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.dictionaries(st.sampled_from(["title", "creator", "rights", "date"]), TEXT))
def test_any_text_gives_the_same_lines(
    tmp_path_factory: pytest.TempPathFactory, values: dict[str, str]
) -> None:
    store = Store(tmp_path_factory.mktemp("lines") / "index.db")
    fields = normalise_values({name: [value] for name, value in values.items()})
    save(store, [Record("s", Header("oai:s:1", "2024-01-01"), "<record/>", fields)])
    for request in (ExportRequest(), ExportRequest(merged=True)):
        assert "".join(jsonl_lines(store, request, {})) == reference(store, request)
    store.close()


def lines_of(store: Store, request: ExportRequest) -> list[dict[str, Any]]:
    return [json.loads(line) for line in "".join(jsonl_lines(store, request, {})).splitlines()]


def one_record(tmp_path: Path, dc: dict[str, list[str]], deleted: bool = False) -> Store:
    store = Store(tmp_path / "index.db")
    fields = {} if deleted else normalise_values(dc)
    save(store, [Record("s", Header("oai:s:1", "2024-01-01", deleted), "<record/>", fields)])
    return store


def test_a_line_carries_the_normalised_fields_and_the_raw_dc(tmp_path: Path) -> None:
    store = one_record(tmp_path, {"title": ["中国古代史"], "creator": ["王小明 著"]})
    [line] = lines_of(store, ExportRequest())
    assert list(line)[:5] == ["source", "identifier", "datestamp", "deleted", "cluster_id"]
    assert line["title"] == "中国古代史" and line["deleted"] is False
    assert line["dc"] == {"title": ["中国古代史"], "creator": ["王小明 著"]}
    assert "harvested_at" not in line and "set_specs" not in line
    text = "".join(jsonl_lines(store, ExportRequest(), {}))
    assert "中国古代史" in text  # not ASCII-escaped
    store.close()


def test_a_tombstone_line_has_the_header_only(tmp_path: Path) -> None:
    store = one_record(tmp_path, {}, deleted=True)
    assert lines_of(store, ExportRequest(include_deleted=True)) == [
        {
            "source": "s",
            "identifier": "oai:s:1",
            "datestamp": "2024-01-01",
            "deleted": True,
            "cluster_id": None,
        }
    ]
    store.close()


def test_unicode_line_separators_are_escaped(tmp_path: Path) -> None:
    title = "one\u2028two\x85three\u2029four"
    store = one_record(tmp_path, {"title": [title]})
    text = "".join(jsonl_lines(store, ExportRequest(), {}))
    assert len(text.splitlines()) == 1
    assert json.loads(text)["dc"] == {"title": [title]}  # the raw value keeps them
    store.close()


@pytest.mark.parametrize(
    ("identifiers", "landing"),
    [
        (["ftp://x.org/1", "https://a.org/1", "10.1000/x.1"], "https://a.org/1"),
        (["10.1000/x.1", "hdl:123/4"], "https://doi.org/10.1000/x.1"),
        (["hdl:123/4"], "https://hdl.handle.net/123/4"),
        (["urn:nbn:de:1-2"], None),
    ],
)
def test_a_members_landing_url_is_its_web_url_else_doi_else_handle(
    tmp_path: Path, identifiers: list[str], landing: str | None
) -> None:
    store = one_record(tmp_path, {"title": ["x"], "identifier": identifiers})
    [work] = lines_of(store, ExportRequest(merged=True))
    assert [m["landing_url"] for m in work["members"]] == [landing]
    store.close()
