"""The one test server in its fast mode: a synthetic catalogue harvested for real, and changed."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from conftest import rows

from harvester.demo.records import Window
from harvester.demo.server import DevServer, Repository
from harvester.demo.synthetic import SyntheticCatalogue
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.models import Settings, Source


def admin(server: DevServer, path: str) -> Any:
    with urllib.request.urlopen(f"{server.base_url}/_admin/{path}", timeout=10) as answer:
        return json.loads(answer.read())


def test_a_synthetic_catalogue_is_harvested_whole_then_only_its_changes(
    server: DevServer, settings: Settings
) -> None:
    catalogue = SyntheticCatalogue("synth", 240)
    server.add(Repository(name="synth", catalogue=catalogue, page_size=50))
    source = Source(name="synth", endpoint=server.url("synth"))

    [result] = harvest_all(settings, [source], HarvestOptions(), link=False)
    assert result.status == "ok", result.error
    assert (result.pages, result.received) == (5, 240)
    stored = rows(settings)
    assert len(stored) == 240
    assert sum(r["deleted"] for r in stored) == sum(catalogue.deleted) > 0
    assert admin(server, "stats")["synth"]["ListRecords"] == 5

    admin(server, "reset")
    changed = admin(server, "change?repo=synth&percent=5")["changed"]
    [again] = harvest_all(settings, [source], HarvestOptions(), link=False)
    assert again.status == "ok" and (again.received, again.updated) == (changed, changed)
    revised = [r for r in rows(settings) if "(revised 1)" in str(r["raw_xml"])]
    assert len(revised) == changed > 0
    assert admin(server, "stats")["synth"] == {"*": 2, "Identify": 1, "ListRecords": 1}


def test_sets_and_the_disk_cache_give_the_same_records(tmp_path: Path) -> None:
    in_memory = SyntheticCatalogue("synth", 120, seed=3)
    cached = SyntheticCatalogue("synth", 120, seed=3, cache=tmp_path)
    reopened = SyntheticCatalogue("synth", 120, seed=3, cache=tmp_path)
    whole = Window()
    assert in_memory.page(whole, 0, 120, False) == cached.page(whole, 0, 120, False)
    assert reopened.page(whole, 0, 120, False) == cached.page(whole, 0, 120, False)
    per_set = [in_memory.count(Window(set_spec=name)) for name in in_memory.set_specs()]
    assert sum(per_set) == 120 and min(per_set) > 0
    books = in_memory.page(Window(set_spec="books"), 0, 200, True)
    assert books.count(b"<header") == per_set[0] and b"<metadata" not in books
    assert in_memory.count(Window(set_spec="no-such-set")) == 0
