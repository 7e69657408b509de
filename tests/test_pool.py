"""Reading and normalising pages in worker processes changes nothing in the index."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from conftest import Clock, repository, source_for

from harvester.demo.library import served_records
from harvester.demo.server import DevServer
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.models import Settings
from harvester.store import Store

# Stamped with the time of the write, so they differ between any two harvests.
_CLOCK_COLUMNS = {"harvested_at", "changed_at"}


def _index(path: Path) -> dict[str, Any]:
    store = Store(path)
    try:
        db = store.db
        records = [
            {k: v for k, v in row.items() if k not in _CLOCK_COLUMNS}
            for row in db.table("records").rows_where(order_by="source, identifier")
        ]
        search = db.execute(
            "SELECT r.identifier, s.* FROM records_search s JOIN records r ON r.rowid = s.rowid "
            "ORDER BY r.identifier"
        ).fetchall()
        trigrams = db.execute(
            "SELECT r.identifier FROM records_substrings f JOIN records r ON r.rowid = f.rowid "
            "WHERE f.records_substrings MATCH 'อยุธยา' ORDER BY r.identifier"
        ).fetchall()
        keys = db.execute("SELECT * FROM match_keys ORDER BY 1, 2, 3, 4").fetchall()
        state = db.execute("SELECT watermark, received FROM state").fetchall()
        return {"records": records, "fts": (search, trigrams), "keys": keys, "state": state}
    finally:
        store.close()


def test_a_pooled_harvest_and_a_single_process_one_build_the_same_index(
    server: DevServer, clock: Clock, settings: Settings, tmp_path: Path
):
    sources = []
    for name in ("nlc", "nlt"):
        repo = repository(name, served_records(name, 230), clock, page_size=20)
        sources.append(source_for(server, repo))
    indexes = []
    for workers in (1, 2):
        path = tmp_path / f"workers-{workers}.db"
        results = harvest_all(
            replace(settings, database=path), sources, HarvestOptions(), workers=workers
        )
        assert [r.status for r in results] == ["ok", "ok"]
        assert sum(r.received for r in results) == 460
        indexes.append(_index(path))
    single, pooled = indexes
    assert len(single["records"]) == 460
    assert single["fts"][0] and single["fts"][1]  # the comparison below compares something
    assert pooled == single


def test_the_fork_server_warms_up_on_a_record_in_every_script_it_indexes() -> None:
    """The sample the fork server prepares before forking workers must stay a valid page
    that reaches every table built on first use: a broken sample would only make the first
    pages slow, silently."""
    from harvester.harvest import work
    from harvester.models import Source

    source = Source(name="warm", endpoint="http://localhost/oai")
    page = work.prepare_body(source, "warm", work._SAMPLE)
    assert page.received == len(work._SAMPLE_TITLES)
    for lang, title in work._SAMPLE_TITLES:
        row = page.search[f"oai:warm:{lang}"]
        assert row is not None and row.title, title
        assert row.latin or lang == "uz", title  # romanised unless in Latin script
        assert "10.1000/1" in page.keys[f"oai:warm:{lang}"]
    work.warm()
