"""Raw XML is stored deflated and read back exactly, old uncompressed rows included."""

from __future__ import annotations

import random

from conftest import Clock, book, repository, rows, source_for
from hypothesis import given
from hypothesis import strategies as st

from harvester.demo import library
from harvester.demo.server import DevServer
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.models import Settings
from harvester.store import Store, rawxml


@given(st.text())
def test_any_text_comes_back_unchanged(text: str):
    assert rawxml.unpack(rawxml.pack(text)) == text


def test_a_library_record_takes_well_under_half_its_size():
    rng = random.Random(3)
    records = [library.render_record(rng, "nlc", i, "2024-01-01T00:00:00Z")[0] for i in range(50)]
    xml = [r.decode() for r in records]
    packed = sum(len(rawxml.pack(x)) for x in xml)
    assert packed < 0.45 * sum(len(x.encode()) for x in xml)


def test_rows_written_before_compression_read_the_same(
    server: DevServer, clock: Clock, settings: Settings
):
    source = source_for(server, repository("lib", [book(1), book(2)], clock))
    harvest_all(settings, [source], HarvestOptions())
    [first, second] = rows(settings)
    store = Store(settings.database)
    try:  # an index from before: the text itself in the column
        store.db.execute(
            "UPDATE records SET raw_xml = ? WHERE identifier = ?",
            [first["raw_xml"], first["identifier"]],
        )
        store.db.conn.commit()
        assert [r["raw_xml"] for r in rows(settings)] == [first["raw_xml"], second["raw_xml"]]
        assert (store.record_row("lib", "oai:test:1") or {})["raw_xml"] == first["raw_xml"]
        assert [x for batch in store.iter_raw("lib") for _, x in batch] == [
            first["raw_xml"],
            second["raw_xml"],
        ]
    finally:
        store.close()
    assert "<dc:title>Book number 1</dc:title>" in first["raw_xml"]
