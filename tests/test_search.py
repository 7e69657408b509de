"""Search finds substrings in Chinese, Thai, Cyrillic and Arabic script as well as Latin words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import Clock, repository, source_for

from harvester.cli import cli
from harvester.devserver import DevServer, ServedRecord, dc_metadata
from harvester.harvest import HarvestOptions, harvest_all
from harvester.models import Settings
from harvester.store import Store
from harvester.store.reads import SearchFilters, search

CATALOGUE = [
    (
        "zh1",
        dict(
            title="中国古代建筑史",
            creator="梁思成",
            date="1998",
            language="chi",
            type="图书",
            subject="建筑史",
        ),
    ),
    (
        "zh2",
        dict(
            title="中华人民共和国地图集",
            creator="国家测绘局",
            date="民國109年",
            language="zho",
            type="地图",
        ),
    ),
    (
        "th1",
        dict(
            title="ประวัติศาสตร์กรุงศรีอยุธยา",
            creator="สมชาย ใจดี",
            date="พ.ศ. 2563",
            language="tha",
            type="หนังสือ",
        ),
    ),
    (
        "ru1",
        dict(
            title="История государства Российского",
            creator="Карамзин, Николай Михайлович",
            date="1998",
            language="rus",
            type="Книга",
        ),
    ),
    (
        "fa1",
        dict(
            title="دیوان حافظ",
            creator="حافظ، شمس‌الدین محمد",
            date="۱۳۹۹",
            language="per",
            type="کتاب",
        ),
    ),
    (
        "en1",
        dict(
            title="A history of the Silk Road",
            creator="Hansen, Valerie",
            date="2012",
            language="eng",
            type="Text",
            description="Trade routes across <b>Asia</b>.",
        ),
    ),
    (
        "en2",
        dict(
            title="Silk and paper", creator="Smith, John", date="1975", language="en", type="Image"
        ),
    ),
]


@pytest.fixture
def index(server: DevServer, settings: Settings, clock: Clock) -> Store:
    records = [
        ServedRecord(f"oai:lib:{key}", "2024-01-01T00:00:00Z", dc_metadata(**fields))
        for key, fields in CATALOGUE
    ]
    other = repository(
        "other",
        [
            ServedRecord(
                "oai:other:x",
                "2024-01-01T00:00:00Z",
                dc_metadata(title="Silk Road atlas", date="2001"),
            )
        ],
        clock,
    )
    harvest_all(
        settings,
        [source_for(server, repository("lib", records, clock)), source_for(server, other)],
        HarvestOptions(),
    )
    store = Store(settings.database)
    yield store  # type: ignore[misc]
    store.close()


def found(store: Store, query: str, **filters: object) -> list[str]:
    hits = search(store.db, query, SearchFilters(**filters))  # type: ignore[arg-type]
    return [hit["identifier"].rsplit(":", 1)[1] for hit in hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("建筑", ["zh1"]),  # a Chinese word inside an unsegmented title
        ("古代建筑史", ["zh1"]),
        ("อยุธยา", ["th1"]),  # a Thai word inside an unsegmented title
        ("государства", ["ru1"]),
        ("ГОСУДАРСТВА", ["ru1"]),  # case-insensitive in Cyrillic too
        ("حافظ", ["fa1"]),
        ("Карамзин", ["ru1"]),  # creators are searched
        ("Asia", ["en1"]),  # descriptions, HTML stripped
    ],
)
def test_substrings_in_every_script(index: Store, query: str, expected: list[str]):
    assert found(index, query) == expected


def test_latin_words_ranked_and_anded(index: Store):
    assert set(found(index, "silk")) == {"en1", "en2", "x"}
    assert set(found(index, "silk road")) == {"en1", "x"}


def test_short_queries_fall_back_to_like(index: Store):
    assert found(index, "中国") == ["zh1"]  # two characters: below the trigram minimum
    assert found(index, "地图") == ["zh2"]


def test_filters(index: Store):
    assert found(index, "silk", sources=("other",)) == ["x"]
    assert set(found(index, "silk", language="eng")) == {"en1", "en2"}
    assert set(found(index, "silk", year_from=2000)) == {"en1", "x"}
    assert found(index, "silk", year_to=1980) == ["en2"]
    assert found(index, "silk", type="Image") == ["en2"]
    assert found(index, "中华", year_from=2020, year_to=2020) == ["zh2"]  # Minguo 109 = 2020


def test_cli_search_with_normalised_language_filter(index: Store, settings: Settings):
    result = CliRunner().invoke(
        cli, ["search", "Silk", "--language", "English", "--db", str(settings.database), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert {hit["identifier"] for hit in json.loads(result.output)} == {
        "oai:lib:en1",
        "oai:lib:en2",
    }
    text = CliRunner().invoke(cli, ["search", "อยุธยา", "--db", str(settings.database)])
    assert "ประวัติศาสตร์กรุงศรีอยุธยา" in text.output and "2020" in text.output


def test_index_is_set_up_the_way_sqlite_utils_and_datasette_expect(
    index: Store, settings: Settings
):
    db = sqlite_utils.Database(settings.database)
    records = db.table("records")
    assert records.detect_fts() == "records_fts"
    assert "tokenize='trigram'" in db.table("records_fts").schema.replace('"', "'")
    # Datasette's search box runs an FTS query through the content table like this one:
    hits = list(records.search("อยุธยา", columns=["identifier"]))
    assert hits == [{"identifier": "oai:lib:th1"}]


def test_search_on_missing_index_is_a_clear_error(tmp_path: Path):
    result = CliRunner().invoke(cli, ["search", "x", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "no index at" in result.output


def test_ranking_cap_never_hides_matches_the_filters_keep(
    index: Store, monkeypatch: pytest.MonkeyPatch
):
    import harvester.store.reads as reads

    monkeypatch.setattr(reads, "RANKED_MATCHES", 1)  # rank only the first match...
    # ...which comes from "lib"; the filter keeps only "other", found by the uncapped retry.
    assert found(index, "silk", sources=("other",)) == ["x"]
    assert set(found(index, "silk")) == {"en1", "en2", "x"}
