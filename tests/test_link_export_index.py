"""Linking and exporting through the real index: harvest, link, export, read back."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, Clock, repository, source_for
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree

from harvester.cli import cli
from harvester.demo.server import DevServer, Repository, ServedRecord, dc_metadata
from harvester.export import writers as export
from harvester.export.run import ExportRequest, export_rows, jsonl_lines, write_export
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.link.run import link_index
from harvester.models import DC_ELEMENTS, Checkpoint, Header, Record, Settings, Source
from harvester.normalise import normalise_values
from harvester.store import Store, utc_now_precise


def served(oai_id: str, **dc: object) -> ServedRecord:
    return ServedRecord(oai_id, "2024-01-01T00:00:00Z", dc_metadata(**dc))  # type: ignore[arg-type]


NLC = [  # a national library catalogue
    served(
        "nlc:1",
        title="中国古代建筑史",
        creator="梁思成著",
        date="1998",
        identifier="ISBN 7-112-01234-1",
        language="chi",
    ),
    served(
        "nlc:2",
        title="История государства Российского",
        creator="Карамзин, Николай Михайлович",
        date="1998",
        language="rus",
    ),
    served(
        "nlc:3",
        title="Silk Road studies",
        creator="Hansen, Valerie",
        date="2012",
        identifier="https://doi.org/10.1000/SILK.1",
    ),
    served(
        "nlc:4",
        title="Annual report",
        creator="Smith, John",
        date="2001",
        identifier="doi:10.1000/report.2001",
    ),
    served("nlc:5", title="ประวัติศาสตร์กรุงศรีอยุธยา", creator="สมชาย ใจดี", date="2563", language="tha"),
]
NLR = [  # another member, cataloguing some of the same works
    served(
        "nlr:a",
        title="中国古代建筑史 /",
        creator="梁思成",
        date="1998",
        identifier="9787112012343",
        language="zho",
    ),
    served(
        "nlr:b",
        title="История государства российского.",
        creator="Карамзин, Н. М.",
        date="c1998",
        language="Русский",
    ),
    served(
        "nlr:c",
        title="Silk road studies",
        creator="Valerie Hansen",
        date="2013",
        identifier="10.1000/silk.1",
    ),
    # Same title, creator and year as nlc:4 but a different DOI: a different work.
    served(
        "nlr:d",
        title="Annual report",
        creator="Smith, John",
        date="2001",
        identifier="doi:10.1000/report.2001b",
    ),
    # Same title and creator as nlc:5 but another year: kept apart.
    served("nlr:e", title="ประวัติศาสตร์กรุงศรีอยุธยา", creator="สมชาย ใจดี", date="2565", language="tha"),
]


@pytest.fixture
def members(server: DevServer, clock: Clock) -> tuple[Repository, Repository, list[Source]]:
    nlc = repository("nlc", copy.deepcopy(NLC), clock)
    nlr = repository("nlr", copy.deepcopy(NLR), clock)
    sources = [
        source_for(server, nlc, priority=1),
        source_for(server, nlr, priority=2),
    ]
    return nlc, nlr, sources


def clusters(settings: Settings) -> dict[str, tuple[str | None, str | None]]:
    store = Store(settings.database)
    try:
        return {
            identifier: (cluster_id, reason)
            for identifier, cluster_id, reason in store.db.execute(
                "SELECT identifier, cluster_id, cluster_reason "
                "FROM records LEFT JOIN record_links USING (source, identifier)"
            )
        }
    finally:
        store.close()


def test_harvest_links_true_duplicates_across_members(members, settings: Settings):  # type: ignore[no-untyped-def]
    *_, sources = members
    harvest_all(settings, sources, HarvestOptions())
    found = clusters(settings)
    assert found["nlc:1"][0] == found["nlr:a"][0] is not None
    assert found["nlc:1"][1] == "isbn"  # ISBN-10 and ISBN-13 of the same book
    assert found["nlc:2"][0] == found["nlr:b"][0] is not None
    assert found["nlc:2"][1] == "title+creator+year"  # Cyrillic title folded, "c1998" = 1998
    assert found["nlc:3"][0] == found["nlr:c"][0] is not None
    assert found["nlc:3"][1] == "doi"  # DOI in another case and form, years differ
    # Near-misses stay apart.
    assert found["nlc:4"][0] != found["nlr:d"][0] or found["nlc:4"][0] is None
    assert found["nlc:5"][0] is None and found["nlr:e"][0] is None


def test_cluster_ids_are_stable_and_linking_is_incremental(members, settings, clock):  # type: ignore[no-untyped-def]
    _nlc, nlr, sources = members
    harvest_all(settings, sources, HarvestOptions())
    before = clusters(settings)

    # Nothing changed: a second harvest and a full re-link keep every cluster id.
    clock.advance(days=1)
    harvest_all(settings, sources, HarvestOptions())
    store = Store(settings.database)
    store.mark_all_for_linking()
    result = link_index(store)
    store.close()
    assert result.rekeyed == 10
    assert clusters(settings) == before

    # nlr:e is corrected to the right year: only it is re-keyed, and it joins nlc:5.
    clock.advance(days=1)
    record = nlr.get("nlr:e")
    record.metadata = record.metadata.replace("2565", "2563")
    record.datestamp = "2025-01-11T13:00:00Z"
    [_, second] = harvest_all(settings, sources, HarvestOptions())
    assert second.updated == 1
    after = clusters(settings)
    assert after["nlc:5"][0] == after["nlr:e"][0] is not None
    assert {k: v for k, v in after.items() if k not in ("nlc:5", "nlr:e")} == {
        k: v for k, v in before.items() if k not in ("nlc:5", "nlr:e")
    }


def test_merged_export_value_by_value(members, settings: Settings):  # type: ignore[no-untyped-def]
    *_, sources = members
    harvest_all(settings, sources, HarvestOptions())
    store = Store(settings.database)
    rows = list(export_rows(store, ExportRequest(merged=True), {"nlc": 1, "nlr": 2}))
    store.close()
    assert len(rows) == 7  # 10 records, three pairs linked
    book = next(r for r in rows if "nlc:1" in {m["identifier"] for m in r.get("members", [])})
    assert book["title"] == "中国古代建筑史"  # from nlc, the higher priority
    assert book["source"] == "nlc" and book["reason"] == "isbn"
    assert book["identifiers"]["isbn"] == ["9787112012343"]
    assert book["languages"] == ["zho"]
    assert book["year"] == 1998
    assert [(m["source"], m["identifier"]) for m in book["members"]] == [
        ("nlc", "nlc:1"),
        ("nlr", "nlr:a"),
    ]
    silk = next(r for r in rows if r.get("reason") == "doi")
    assert silk["title"] == "Silk Road studies"
    assert silk["members"][0]["landing_url"] == "https://doi.org/10.1000/silk.1"
    assert silk["creators"] == ["Hansen, Valerie", "Valerie Hansen"]


def test_since_passes_deletions_on_as_tombstones(members, settings, clock):  # type: ignore[no-untyped-def]
    nlc, _, sources = members
    harvest_all(settings, sources, HarvestOptions())
    clock.advance(days=1)
    cutoff = "9999-01-01"  # nothing changed after this
    gone = nlc.get("nlc:2")
    gone.deleted = True
    gone.datestamp = "2025-01-11T10:00:00Z"
    since = utc_now_precise()
    harvest_all(settings, sources, HarvestOptions())

    store = Store(settings.database)
    request = ExportRequest(since=since, include_deleted=True)
    lines = [json.loads(line) for line in jsonl_lines(store, request, {})]
    assert lines == [
        {
            "source": "nlc",
            "identifier": "nlc:2",
            "datestamp": "2025-01-11T10:00:00Z",
            "deleted": True,
            "cluster_id": None,
        }
    ]
    # Without --include-deleted the tombstone is not passed on.
    quiet = list(export_rows(store, ExportRequest(since=since), {}))
    store.close()
    assert quiet == []
    assert list(export_rows(Store(settings.database), ExportRequest(since=cutoff), {})) == []


def test_xml_export_validates_against_oai_dc_schema(members, settings: Settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    *_, sources = members
    harvest_all(settings, sources, HarvestOptions())
    output = tmp_path / "feed.xml"
    store = Store(settings.database)
    count = write_export(store, ExportRequest(format="xml", merged=True), {}, output)
    store.close()
    assert count == 7
    schema = _oai_dc_schema()
    tree = etree.parse(str(output))
    dcs = tree.findall(".//{http://www.openarchives.org/OAI/2.0/oai_dc/}dc")
    assert len(dcs) == 7
    for dc in dcs:
        schema.assertValid(etree.ElementTree(dc))


def _oai_dc_schema() -> etree.XMLSchema:
    schemas = FIXTURES / "schemas"

    class Local(etree.Resolver):
        def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
            return self.resolve_filename(str(schemas / url.rsplit("/", 1)[-1]), context)

    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(Local())
    return etree.XMLSchema(etree.parse(str(schemas / "oai_dc.xsd"), parser))


def test_interrupted_export_leaves_no_file_under_the_final_name(members, settings, tmp_path):  # type: ignore[no-untyped-def]
    *_, sources = members
    harvest_all(settings, sources, HarvestOptions())
    output = tmp_path / "out.jsonl"
    store = Store(settings.database)

    def explode(count: int) -> None:
        raise KeyboardInterrupt

    import harvester.export.run as exporting

    original = exporting._counting

    def every_row(rows, progress):  # type: ignore[no-untyped-def]
        for row in rows:
            progress(1)
            yield row

    exporting._counting = every_row  # type: ignore[assignment]
    try:
        with pytest.raises(KeyboardInterrupt):
            write_export(store, ExportRequest(), {}, output, explode)
    finally:
        exporting._counting = original  # type: ignore[assignment]
        store.close()
    assert not output.exists()
    assert not list(tmp_path.glob(".out.jsonl.*"))


def test_cli_export_stats_and_link(members, settings: Settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    *_, sources = members
    harvest_all(settings, sources, HarvestOptions())
    db = ["--db", str(settings.database)]
    output = tmp_path / "works.csv"
    result = CliRunner().invoke(
        cli, ["export", *db, "--merged", "--format", "csv", "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    text = output.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # spreadsheets then read it as UTF-8
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(table) == 7 and "members" in table[0]
    assert any(" | " in row["creators"] for row in table)

    stats = CliRunner().invoke(cli, ["stats", *db, "--json"])
    whole = json.loads(stats.output)[-1]
    assert whole["records"] == 10 and whole["clusters"] == 3
    assert whole["linked_records"] == 6 and whole["linked_share"] == 0.6
    assert whole["year_range"] == [1998, 2022]

    relinked = CliRunner().invoke(cli, ["link", *db, "--full"])
    assert relinked.exit_code == 0 and "10 records re-keyed" in relinked.output


TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40).filter(
    lambda s: s.strip()
)


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=TEXT, creator=TEXT, description=TEXT)
def test_arbitrary_unicode_round_trips_through_store_and_every_format(
    tmp_path_factory: pytest.TempPathFactory, title: str, creator: str, description: str
):
    path = tmp_path_factory.mktemp("rt") / "index.db"
    store = Store(path)
    fields = normalise_values(
        {"title": [title], "creator": [creator], "description": [description]}
    )
    record = Record("s", Header("oai:s:1", "2024-01-01"), "<record/>", fields)
    checkpoint = Checkpoint(None, None, "2024-01-01T00:00:00Z", None)
    store.save_page("s", [record], ("", "oai_dc"), checkpoint)
    [row] = export_rows(store, ExportRequest(), {})
    store.close()
    assert row["title"] == fields["title"] and row["creators"] == fields["creators"]

    out = io.StringIO()
    export.write_csv([row], out)
    [read] = list(csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert read["title"] == (fields["title"] or "")

    out = io.StringIO()
    export.write_oai_dc([row], out)
    parsed = etree.fromstring(out.getvalue().encode("utf-8"))
    titles = parsed.findall(".//{http://purl.org/dc/elements/1.1/}title")
    expected = export.xml_safe(fields["title"] or "")
    assert [t.text for t in titles] == ([expected] if expected else [])
    assert set(DC_ELEMENTS) >= {
        etree.QName(e).localname for e in parsed.iter("{http://purl.org/dc/elements/1.1/}*")
    }
