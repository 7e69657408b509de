"""The raw Dublin Core (`dc`) is stored deflated, and reads back the same everywhere, rows
written before as JSON text included: exports, the record page, search, linking,
renormalise and SQL through dc_json."""

from __future__ import annotations

import io
import json
import random
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import Clock, repository, source_for
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from werkzeug.test import Client

from harvester.cli import cli
from harvester.demo import library
from harvester.demo.server import DevServer, ServedRecord, dc_metadata
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.link.run import link_index
from harvester.models import Settings
from harvester.normalise.dc import extract_dc
from harvester.serve.web import create_web_app
from harvester.store import Store, dcjson
from harvester.store.index import _json
from harvester.store.opening import connect_read_only
from harvester.store.readonly import ReadOnlyIndex
from harvester.store.schema import LINKS

DOI = "10.5555/silk.1"
# Normalising trims the " /" and folds the spaces: the record page shows the original too.
TITLE = "Caravanserais of the  Silk Road /"
DC = {
    "title": [TITLE],
    "creator": ["Nguyễn, Văn An", "王建国"],
    "identifier": [f"https://doi.org/{DOI}"],
    "date": ["2001"],
}


@given(st.text())
def test_any_json_text_comes_back_unchanged(text: str):
    assert dcjson.unpack(dcjson.pack(text)) == text


def test_empty_unicode_text_rows_and_null():
    for text in ("", "{}", "[]", json.dumps(DC, ensure_ascii=False), "ภาษา 國際 کتاب 🐫"):
        packed = dcjson.pack(text)
        assert isinstance(packed, bytes) and dcjson.unpack(packed) == text
        assert dcjson.unpack(text) == text  # a row written before packing
    assert dcjson.unpack(None) is None


def test_a_value_in_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format"):
        dcjson.unpack(b"\x7fnot deflate")


def test_a_library_record_takes_about_half_its_size():
    rng = random.Random(5)
    texts = [
        _json(extract_dc(etree.fromstring(library.render_record(rng, "nlc", i, "2024-01-01")[0])))
        for i in range(100)
    ]
    texts = [text for text in texts if text != "{}"]  # tombstones
    before = sum(len(text.encode()) for text in texts)
    after = sum(len(dcjson.pack(text)) for text in texts)
    assert after < 0.55 * before  # measured: 0.49 (0.59 deflated without the dictionary)


def _record(identifier: str) -> ServedRecord:
    return ServedRecord(identifier, "2024-01-01T00:00:00Z", dc_metadata(**DC))


@pytest.fixture
def index(server: DevServer, settings: Settings, clock: Clock) -> Path:
    """Two members with the same work: `old` holds `dc` as JSON text, as written before
    packing; `new` holds it packed."""
    sources = [
        source_for(server, repository(name, [_record(f"oai:{name}:1")], clock))
        for name in ("new", "old")
    ]
    harvest_all(settings, sources, HarvestOptions())
    store = Store(settings.database)
    try:
        with store.transaction():
            store.db.execute("UPDATE records SET dc = dc_json(dc) WHERE source = 'old'")
    finally:
        store.close()
    return settings.database


def _stored(database: Path) -> dict[str, object]:
    conn = sqlite3.connect(database)
    try:
        return dict(conn.execute("SELECT source, dc FROM records").fetchall())
    finally:
        conn.close()


def test_the_harvest_stores_dc_packed_and_sql_reads_both(index: Path):
    stored = _stored(index)
    assert isinstance(stored["new"], bytes) and isinstance(stored["old"], str)
    assert len(stored["new"]) < len(stored["old"].encode())
    assert json.loads(stored["old"]) == DC
    conn = connect_read_only(index)
    try:
        got = dict(conn.execute("SELECT source, dc_json(dc) FROM records").fetchall())
        assert {name: json.loads(text) for name, text in got.items()} == {"new": DC, "old": DC}
        assert conn.execute("SELECT dc_json(NULL)").fetchone() == (None,)
    finally:
        conn.close()
    served = ReadOnlyIndex(index)  # the web page's and the OAI provider's connections
    try:
        [(text,)] = served.db.execute("SELECT dc_json(dc) FROM records WHERE source = 'new'")
        assert json.loads(text) == DC
    finally:
        served.close()


def _export(index: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["export", "--db", str(index), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_exports_carry_the_same_dc_from_old_and_new_rows(index: Path, tmp_path: Path):
    lines = [json.loads(line) for line in _export(index, "--format", "jsonl").splitlines()]
    assert [(line["source"], line["dc"]) for line in lines] == [("new", DC), ("old", DC)]
    merged = [json.loads(line) for line in _export(index, "--merged").splitlines()]
    assert len(merged) == 1 and len(merged[0]["members"]) == 2  # one work: linked by the DOI
    csv = _export(index, "--format", "csv")
    assert len(csv.splitlines()) == 3 and csv.count("Caravanserais of the Silk Road") == 4
    out = tmp_path / "records.parquet"
    _export(index, "--format", "parquet", "-o", str(out))
    table = pq.read_table(io.BytesIO(out.read_bytes())).to_pylist()
    assert [dict(row["dc"]) for row in table] == [DC, DC]


def test_the_record_page_shows_the_originals_of_old_and_new_rows(index: Path):
    client = Client(create_web_app(index))
    for name in ("new", "old"):
        response = client.get(f"/record/{name}/oai:{name}:1", headers={"Accept-Language": "en"})
        assert response.status_code == 200
        assert "As the member wrote it:" in response.text and TITLE in response.text


def test_search_link_and_renormalise_read_old_rows(index: Path, settings: Settings):
    store = Store(index)
    try:
        hits = store.search("caravanserais")
        assert sorted(hit["source"] for hit in hits) == ["new", "old"]
        # Link again from nothing, keyed from the index: the DOI is read from both rows' `dc`.
        with store.transaction():
            store.db.execute(f"DELETE FROM {LINKS}")
            store.db.execute("DELETE FROM match_keys")
        store.mark_all_for_linking()
        link_index(store, full=True)
        clusters = store.db.execute(f"SELECT cluster_id, cluster_reason FROM {LINKS}").fetchall()
        assert len(clusters) == 2 and len(set(clusters)) == 1 and "doi" in clusters[0][1]
    finally:
        store.close()
    result = CliRunner().invoke(cli, ["renormalise", "--db", str(index)])
    assert result.exit_code == 0, result.output
    assert "new: 1 records, 0 changed" in result.output
    assert "old: 1 records, 0 changed" in result.output
    assert isinstance(_stored(index)["old"], str)  # the same JSON: left as it was
