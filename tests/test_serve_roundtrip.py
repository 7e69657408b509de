"""Round trip: our own harvester harvests our own /oai into a second index and gets the same
records; after changes upstream, an incremental run transfers only what changed."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from serving import provider

from harvester.demo import serve_demo
from harvester.demo.server import DevServer, ServedRecord, dc_metadata
from harvester.harvest.run import harvest_all
from harvester.models import Settings, Source

REPO = "silkroad-library-alliance.org"
COMPARED = ("title", "titles", "creators", "date", "year", "languages", "identifiers", "deleted")


def settings_for(path: Path) -> Settings:
    return Settings(database=path, delay=0, backoff=0, max_retries=1, timeout=10)


def records(db: Path) -> dict[tuple[str, str], dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(f"SELECT source, identifier, {', '.join(COMPARED)} FROM records")
        found = {}
        for row in rows:
            item = dict(row)
            for name in ("titles", "creators", "languages", "identifiers"):
                item[name] = json.loads(item[name] or "[]")
            found[(item.pop("source"), item.pop("identifier"))] = item
        return found


def downstream_view(db: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """The second index's records keyed by the aggregate's (member, identifier)."""
    view = {}
    for (_, served), item in records(db).items():
        _, _, member, original = served.split(":", 3)
        view[(member, unquote(original))] = item
    return view


def comparable(item: dict[str, Any]) -> dict[str, Any]:
    """What must survive the trip (a tombstone carries only its deletion)."""
    if item["deleted"]:
        return {"deleted": 1}
    identifiers = {kind: values for kind, values in item["identifiers"].items() if values}
    return {**item, "identifiers": identifiers}


def test_our_harvester_rebuilds_the_aggregate_from_our_provider(tmp_path: Path):
    aggregate, downstream = tmp_path / "aggregate.db", tmp_path / "downstream.db"
    with DevServer() as members:
        sources = serve_demo(members)
        assert all(r.ok for r in harvest_all(settings_for(aggregate), sources))
        with sqlite3.connect(aggregate) as conn:  # as if harvested long ago
            conn.execute("UPDATE records SET changed_at = '2026-01-01T00:00:00.000000Z'")

        with provider(aggregate, page_size=20) as url:
            ours = Source("aggregate", url)
            [first] = harvest_all(settings_for(downstream), [ours], link=False)
            assert first.ok and first.pages > 1
            expected = {key: comparable(item) for key, item in records(aggregate).items()}
            assert {k: comparable(v) for k, v in downstream_view(downstream).items()} == expected
            assert first.received == len(expected)

            changed = _change_members(members, sources)
            assert all(r.ok for r in harvest_all(settings_for(aggregate), sources, link=False))
            [second] = harvest_all(settings_for(downstream), [ours], link=False)

    assert second.ok
    assert second.received == len(changed)  # only the changes travel
    assert (second.added, second.updated, second.deleted) == (1, 1, 1)
    expected = {key: comparable(item) for key, item in records(aggregate).items()}
    assert {k: comparable(v) for k, v in downstream_view(downstream).items()} == expected


def _change_members(members: DevServer, sources: list[Source]) -> list[str]:
    """At the members: a title corrected, a record withdrawn, a record added."""
    later = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    thai = members.repositories["demo-thai"]
    corrected = next(r for r in thai.records if not r.deleted)
    corrected.metadata = corrected.metadata.replace("<dc:title>", "<dc:title>Corrected: ", 1)
    corrected.datestamp = later
    zenodo = members.repositories["demo-zenodo"]
    withdrawn = next(r for r in zenodo.records if not r.deleted)
    withdrawn.deleted, withdrawn.metadata, withdrawn.datestamp = True, "", later
    mit = members.repositories["demo-mit"]
    mit.records.append(
        replace(
            ServedRecord("oai:dspace.mit.edu:1721.1/999999", later),
            metadata=dc_metadata(
                title="A new record",
                creator="Kim, Ji-woo",
                language="en",
                identifier="https://hdl.handle.net/1721.1/999999",
            ),
            set_specs=("col_1721.1_140682",),
        )
    )
    return [corrected.identifier, withdrawn.identifier, "oai:dspace.mit.edu:1721.1/999999"]
