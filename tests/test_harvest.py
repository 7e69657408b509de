"""Harvesting over real HTTP on 127.0.0.1: paging, incremental windows, deletions, sets."""

from __future__ import annotations

import json

from conftest import OAI_FIXTURES, Clock, book, captured, repository, rows, source_for

from harvester.demo.server import DevServer, Fault, load_records
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.models import Settings
from harvester.store import Store


def run(settings: Settings, *sources, **options):  # type: ignore[no-untyped-def]
    return harvest_all(settings, list(sources), HarvestOptions(**options))


def state(settings: Settings, source: str, set_spec: str = "") -> dict:  # type: ignore[type-arg]
    store = Store(settings.database)
    try:
        return store.get_state(source, set_spec, "oai_dc") or {}
    finally:
        store.close()


def test_multi_page_harvest_of_real_records(server: DevServer, settings: Settings, clock: Clock):
    records = load_records(OAI_FIXTURES / "zenodo/ListRecords_oai_dc_from-until_cyrillic_cjk.xml")
    repo = repository("zenodo", records, clock, page_size=7)
    source = source_for(server, repo)

    [result] = run(settings, source)

    assert result.status == "ok", result.error
    assert result.pages == 8  # 50 records, 7 per page
    assert result.added == 50
    stored = rows(settings)
    assert [r["identifier"] for r in stored] == sorted(r.identifier for r in records)
    # Raw XML is kept, and Cyrillic text survives the trip.
    titles = [str(r["title"]) for r in stored]
    assert any(t.startswith("Зангезурський коридор") for t in titles)
    assert any("Зангезурський" in str(r["raw_xml"]) for r in stored)
    # Every token the server issued carried '+' and '/', and was sent back intact.
    tokens = [p["resumptionToken"] for p in repo.list_requests() if "resumptionToken" in p]
    assert len(tokens) == 7 and all(t.startswith("+/") for t in tokens)


def test_second_run_asks_from_watermark_and_updates_only_changes(
    server: DevServer, settings: Settings, clock: Clock
):
    repo = repository("lib", [book(n) for n in range(1, 11)], clock, page_size=4)
    source = source_for(server, repo)
    run(settings, source)
    first_response = "2025-01-10T12:00:00Z"
    assert state(settings, "lib")["watermark"] == first_response
    before = {r["identifier"]: r for r in rows(settings)}

    clock.advance(days=1)
    changed = repo.get("oai:test:3")
    changed.datestamp = "2025-01-10T18:00:00Z"
    changed.metadata = changed.metadata.replace("Book number 3", "Book number three")
    repo.records.append(book(11, "2025-01-11T08:00:00Z"))
    repo.requests.clear()

    [result] = run(settings, source)

    list_requests = repo.list_requests()
    assert list_requests[0]["from"] == first_response
    assert (result.added, result.updated, result.deleted) == (1, 1, 0)
    after = {r["identifier"]: r for r in rows(settings)}
    assert len(after) == 11
    assert after["oai:test:3"]["title"] == "Book number three"
    assert after["oai:test:5"] == before["oai:test:5"]  # untouched rows are not rewritten
    assert state(settings, "lib")["watermark"] == "2025-01-11T12:00:00Z"


def test_rerun_of_same_window_leaves_identical_rows(
    server: DevServer, settings: Settings, clock: Clock
):
    repo = repository("lib", [book(n) for n in range(1, 8)], clock, page_size=3)
    source = source_for(server, repo)
    run(settings, source)
    first = rows(settings)
    [result] = run(settings, source, full=True)
    assert result.status == "ok"
    assert (result.added, result.updated, result.deleted) == (0, 0, 0)
    assert rows(settings) == first


def test_deleted_records_become_tombstones_even_with_metadata(
    server: DevServer, settings: Settings, clock: Clock
):
    # Zenodo sends a deleted header that still carries <metadata>; status wins.
    records = load_records(
        OAI_FIXTURES / "zenodo/ListRecords_oai_dc_resumed_deleted_with_metadata.xml"
    )
    repo = repository("zenodo", records, clock)
    source = source_for(server, repo)
    [result] = run(settings, source)
    assert result.deleted == 1
    stored = {r["identifier"]: r for r in rows(settings)}
    deleted = [r for r in stored.values() if r["deleted"]]
    assert len(deleted) == 1
    assert deleted[0]["title"] is None
    # A tombstone keeps its header with the deleted status; the stray metadata is not kept.
    assert 'status="deleted"' in deleted[0]["raw_xml"]
    assert "<metadata" not in deleted[0]["raw_xml"]

    # A record deleted later turns into a tombstone; it is never removed.
    clock.advance(days=1)
    live = next(r for r in repo.records if not r.deleted)
    live.deleted = True
    live.datestamp = "2025-01-10T13:00:00Z"
    [result] = run(settings, source)
    assert result.deleted == 1
    assert {r["identifier"] for r in rows(settings)} == set(stored)
    now_deleted = {r["identifier"] for r in rows(settings) if r["deleted"]}
    assert now_deleted == {deleted[0]["identifier"], live.identifier}


def test_day_granularity_endpoint_gets_day_dates(
    server: DevServer, settings: Settings, clock: Clock
):
    records = [book(n, datestamp=f"2024-02-0{n}") for n in range(1, 6)]
    repo = repository(
        "daily",
        records,
        clock,
        granularity="YYYY-MM-DD",
        earliest_datestamp="2024-01-01",
        page_size=2,
    )
    source = source_for(server, repo)
    run(settings, source)
    clock.advance(days=2)
    repo.requests.clear()
    [result] = run(settings, source)
    assert result.status == "ok"
    assert repo.list_requests()[0]["from"] == "2025-01-10"
    assert len(rows(settings)) == 5


def test_no_records_match_is_success_and_moves_the_watermark(
    server: DevServer, settings: Settings, clock: Clock
):
    repo = repository("lib", [book(1, "2024-01-01T00:00:00Z")], clock)
    source = source_for(server, repo)
    run(settings, source)
    clock.advance(hours=5)
    [result] = run(settings, source)  # nothing changed since the watermark: noRecordsMatch
    assert result.status == "ok" and result.received == 0
    assert state(settings, "lib")["watermark"] == "2025-01-10T17:00:00Z"


def test_captured_no_records_match_with_http_422_is_success(
    server: DevServer, settings: Settings, clock: Clock
):
    repo = repository("zenodo", [], clock)
    repo.faults.append(
        Fault(
            status=422,
            body=captured("zenodo/error_noRecordsMatch_empty_http422.xml"),
            when=lambda p: p.get("verb") == "ListRecords",
        )
    )
    [result] = run(settings, source_for(server, repo))
    assert result.status == "ok", result.error
    assert result.received == 0


def test_empty_list_records_without_error_is_success(
    server: DevServer, settings: Settings, clock: Clock
):
    # Mikromarc answers an empty <ListRecords/> instead of noRecordsMatch.
    repo = repository("mikromarc", [], clock)
    repo.faults.append(
        Fault(
            body=captured("mikromarc/ListRecords_empty_no-error.xml"),
            when=lambda p: p.get("verb") == "ListRecords",
        )
    )
    [result] = run(settings, source_for(server, repo))
    assert result.status == "ok", result.error
    assert (result.pages, result.received) == (1, 0)


def test_each_configured_set_is_its_own_list(server: DevServer, settings: Settings, clock: Clock):
    records = [
        book(1, sets=["books"]),
        book(2, sets=["books", "rare"]),
        book(3, sets=["maps"]),
        book(4, sets=["theses"]),
    ]
    repo = repository("lib", records, clock)
    source = source_for(server, repo, sets=("books", "maps"))
    [result] = run(settings, source)
    assert result.status == "ok"
    assert sorted(p["set"] for p in repo.list_requests()) == ["books", "maps"]
    stored = {r["identifier"]: json.loads(str(r["set_specs"])) for r in rows(settings)}
    assert stored == {
        "oai:test:1": ["books"],
        "oai:test:2": ["books", "rare"],
        "oai:test:3": ["maps"],
    }
    # Each set's watermark is the responseDate of its own list's first page.
    assert state(settings, "lib", "books")["watermark"] == "2025-01-10T12:00:00Z"
    assert state(settings, "lib", "maps")["watermark"] == "2025-01-10T12:00:00Z"


def test_manual_window_does_not_move_the_watermark(
    server: DevServer, settings: Settings, clock: Clock
):
    records = [book(n, f"2024-0{n}-01T00:00:00Z") for n in range(1, 6)]
    repo = repository("lib", records, clock)
    source = source_for(server, repo)
    run(settings, source)
    watermark = state(settings, "lib")["watermark"]
    assert watermark == "2025-01-10T12:00:00Z"
    clock.advance(days=1)
    repo.requests.clear()
    [result] = run(settings, source, from_="2024-02-01", until="2024-03-31")
    assert result.status == "ok"
    request = repo.list_requests()[0]
    assert (request["from"], request["until"]) == ("2024-02-01", "2024-03-31")
    assert result.received == 2
    assert state(settings, "lib")["watermark"] == watermark


def test_real_token_chain_is_followed_and_shortfall_reported(
    server: DevServer, settings: Settings, clock: Clock
):
    """Captured Zenodo pages: tokens are followed verbatim; the trimmed capture announces far
    more records than arrive, which is reported as incomplete, not ok."""
    repo = repository("zenodo", [], clock)
    first = captured("zenodo/ListRecords_oai_dc_from-until_cyrillic_cjk.xml")
    repo.faults += [
        Fault(
            body=first,
            when=lambda p: (
                p.get("verb") == "ListRecords" and "from" not in p and "resumptionToken" not in p
            ),
        ),
        Fault(
            body=captured("zenodo/ListRecords_oai_dc_resumed_deleted_with_metadata.xml"),
            when=lambda p: "resumptionToken" in p,
        ),
        Fault(
            body=captured("zenodo/ListRecords_oai_dc_set-software_last-page-no-token.xml"),
            when=lambda p: "resumptionToken" in p,
        ),
    ]
    [result] = run(settings, source_for(server, repo))
    assert result.pages == 3
    assert result.received == 56
    assert result.status == "incomplete"
    assert "completeListSize" in (result.error or "")
    token_sent = next(p["resumptionToken"] for p in repo.list_requests() if "resumptionToken" in p)
    assert token_sent.encode() in first
    assert state(settings, "zenodo").get("watermark") is None  # never moved on a shortfall


def test_run_rows_tell_what_happened(server: DevServer, settings: Settings, clock: Clock):
    repo = repository("lib", [book(1), book(2, deleted=True)], clock)
    run(settings, source_for(server, repo))
    store = Store(settings.database)
    [run_row] = list(store.db.table("runs").rows)
    store.close()
    assert run_row["status"] == "ok"
    assert (run_row["added"], run_row["deleted"], run_row["pages"]) == (1, 1, 1)
    assert run_row["started"] <= run_row["finished"]
