"""Search finds words inside unsegmented Chinese and Thai text, and words (by prefix, diacritics
folded) in Latin, Cyrillic, Devanagari and the other scripts with spaces between words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import Clock, repository, source_for

from harvester.cli import cli
from harvester.demo.server import DevServer, ServedRecord, dc_metadata
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.models import Settings
from harvester.store import Store
from harvester.store.reads import SearchFilters
from harvester.store.schema import migrations
from harvester.store.search import search, search_page

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
    ("fa2", dict(title="فهرست الکتاب کتابخانه ملی", date="1390", language="per")),
    ("he1", dict(title="קטלוג הספרייה הלאומית", date="2001", language="heb")),
    ("ko1", dict(title="국립중앙도서관 고문헌", date="2005", language="kor")),
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
    (
        "uz1",
        dict(
            title="Ürümqi va Samarqand karvonsaroylari",
            creator="O'Brien, Máire",
            subject="al-Bīrūnī",
            description="Data: doi:10.5281/zenodo.1234567",
            date="2015",
            language="uzb",
            type="Text",
        ),
    ),
    ("pl1", dict(title="Dzieje miasta Łódź", date="1990", language="pol")),
    (
        "hi1",
        dict(title="हिन्दी साहित्य का इतिहास", creator="शुक्ल, रामचंद्र", date="1929", language="hin"),
    ),
    ("dh1", dict(title="敦煌写本 manuscripts in the British Library", date="2004", language="eng")),
    ("dh2", dict(title="敦煌石窟艺术", creator="段文杰", date="1990", language="chi")),
    ("en3", dict(title="Persian manuscripts", date="1999", language="eng")),
]


@pytest.fixture
def index(server: DevServer, settings: Settings, clock: Clock) -> Iterator[Store]:
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


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Urumqi", ["uz1"]),  # diacritics folded: Ü, á, ī, ū
        ("ÜRÜMQI", ["uz1"]),
        ("maire", ["uz1"]),
        ("łodz", ["pl1"]),  # ó folded; ł is a letter of its own, not l with a mark
        ("Samarq", ["uz1"]),  # a prefix
        ("karvon samarq", ["uz1"]),
        ("Карамз", ["ru1"]),  # Cyrillic prefix
        ("николай", ["ru1"]),  # Cyrillic, lower case
        ("साहित्य", ["hi1"]),  # Devanagari: vowel signs stay inside the word
        ("साहि", ["hi1"]),
        ("शुक्ल", ["hi1"]),
    ],
)
def test_words_by_prefix_with_diacritics_folded(index: Store, query: str, expected: list[str]):
    assert found(index, query) == expected


def test_words_match_at_their_start_only(index: Store):
    assert found(index, "ilk") == []  # not inside "Silk": Latin matches whole words or prefixes
    assert found(index, "Samarqandx") == []


@pytest.mark.parametrize(
    "query", ["O'Brien", "o’brien", "al-Biruni", "al-Bīrūnī", "10.5281/zenodo", "zenodo.1234567"]
)
def test_terms_with_punctuation_find_the_records_holding_them(index: Store, query: str):
    assert found(index, query) == ["uz1"]


def test_punctuated_terms_keep_their_words_together(index: Store):
    assert found(index, "O'Brian") == []
    assert found(index, "al-Samarqand") == []  # both words occur, but not side by side


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("敦煌写本 manuscripts", ["dh1"]),  # trigram term and a word
        ("manuscripts 敦煌写本", ["dh1"]),
        ("敦煌 manuscripts", ["dh1"]),  # a two-character Chinese term and a word
        ("敦煌 British library", ["dh1"]),
        ("敦煌石窟 manuscripts", []),
        ("敦煌 Persian", []),
    ],
)
def test_chinese_and_latin_in_one_query(index: Store, query: str, expected: list[str]):
    assert found(index, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("الدین", ["fa1"]),  # after a zero-width non-joiner: شمس‌الدین
        ("کتاب", ["fa2"]),  # the noun inside الکتاب and کتابخانه
        ("خانه", ["fa2"]),
        ("ספרייה", ["he1"]),  # Hebrew: inside הספרייה, the article attached
        ("도서관", ["ko1"]),  # Korean: inside the compound 국립중앙도서관
    ],
)
def test_arabic_hebrew_and_korean_match_inside_words(index: Store, query: str, expected: list[str]):
    assert found(index, query) == expected


def test_chinese_and_thai_still_match_inside_words(index: Store):
    assert set(found(index, "敦煌")) == {"dh1", "dh2"}
    assert found(index, "石窟艺") == ["dh2"]
    assert found(index, "ศาสตร์กรุง") == ["th1"]  # across two Thai words, no space between
    assert set(found(index, "manuscripts")) == {"dh1", "en3"}


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


@pytest.mark.parametrize(
    ("query", "filters", "expected"),
    [
        ("manuscripts", {"year_to": 2000}, ["en3"]),  # words
        ("manuscripts", {"language": "eng", "year_from": 2000}, ["dh1"]),
        ("敦煌写本 manuscripts", {"year_to": 2000}, []),  # words within trigrams
        ("敦煌 manuscripts", {"year_from": 2000, "sources": ("lib",)}, ["dh1"]),  # words and LIKE
        ("敦煌 manuscripts", {"sources": ("other",)}, []),
        ("敦煌石窟", {"language": "zho", "year_to": 1990}, ["dh2"]),  # trigrams
        ("敦煌石窟", {"type": "Text"}, []),
        ("敦煌", {"year_from": 2000}, ["dh1"]),  # LIKE
    ],
)
def test_filters_on_every_path(
    index: Store, query: str, filters: dict[str, object], expected: list[str]
):
    assert found(index, query, **filters) == expected


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


def test_trigram_index_holds_only_text_matched_as_substrings(index: Store, settings: Settings):
    db = sqlite_utils.Database(settings.database)
    assert "records_fts" not in db.table_names()  # replaced by records_substrings (m010)
    assert "records_words" not in db.table_names()  # replaced by the folded records_search
    assert "tokenize='trigram'" in db.table("records_substrings").schema.replace('"', "'")
    assert "remove_diacritics 0" in db.table("records_search").schema  # search() folds itself
    held = db.execute(
        "SELECT r.identifier FROM records_substrings s JOIN records r ON r.rowid = s.rowid"
    ).fetchall()
    assert ("oai:lib:th1",) in held  # Thai: written without spaces
    assert ("oai:lib:en1",) not in held  # Latin words: records_search finds them
    assert ("oai:lib:zh1",) not in held  # Chinese: records_search holds it as pairs


def test_datasette_search_box_uses_the_folded_word_index(index: Store):
    metadata = json.loads((Path(__file__).parents[1] / "docs" / "datasette.json").read_text())
    table = metadata["databases"]["harvest"]["tables"]["records"]
    assert (table["fts_table"], table["fts_pk"]) == ("records_search", "rowid")
    # The SQL Datasette runs for ?_search= on a table configured so:
    sql = (
        "SELECT identifier FROM records WHERE rowid IN "
        "(SELECT rowid FROM records_search WHERE records_search MATCH :search)"
    )
    assert index.db.execute(sql, {"search": '"silk"'}).fetchall()


def test_datasette_canned_query_finds_thai_inside_words(index: Store):
    metadata = json.loads((Path(__file__).parents[1] / "docs" / "datasette.json").read_text())
    sql = metadata["databases"]["harvest"]["queries"]["substring"]["sql"]
    rows = index.db.execute(sql, {"text": "อยุธยา"}).fetchall()
    assert [row[1] for row in rows] == ["oai:lib:th1"]
    assert index.db.execute(sql, {"text": ""}).fetchall() == []


def test_search_on_missing_index_is_a_clear_error(tmp_path: Path):
    result = CliRunner().invoke(cli, ["search", "x", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 2  # a missing index is a usage error, like a file that is not one
    assert "no index at" in result.output


def test_ranking_cap_never_hides_matches_the_filters_keep(
    index: Store, monkeypatch: pytest.MonkeyPatch
):
    import harvester.store.search as reads

    monkeypatch.setattr(reads, "RANKED_MATCHES", 1)  # rank only the first match...
    # ...which comes from "lib"; the filter keeps only "other", found by the uncapped retry.
    assert found(index, "silk", sources=("other",)) == ["x"]
    assert set(found(index, "silk")) == {"en1", "en2", "x"}


def test_ranking_cap_and_retry_with_words_and_like(index: Store, monkeypatch: pytest.MonkeyPatch):
    import harvester.store.search as reads

    monkeypatch.setattr(reads, "RANKED_MATCHES", 1)
    assert set(found(index, "manuscripts")) == {"dh1", "en3"}
    assert found(index, "manuscripts", year_to=2000) == ["en3"]
    assert found(index, "敦煌 manuscripts") == ["dh1"]


def fts_matches(store: Store, table: str, match: str) -> int:
    sql = f"SELECT count(*) FROM {table} WHERE {table} MATCH ?"
    return int(store.db.execute(sql, [match]).fetchone()[0])


def assert_indexes_match_records(store: Store) -> None:
    """FTS5's own checks of both search indexes, and no row left of a record that is gone."""
    for table in ("records_search", "records_substrings"):
        store.db.execute(f"INSERT INTO {table}({table}) VALUES('integrity-check')")
        orphans = store.db.execute(
            f"SELECT count(*) FROM {table} WHERE rowid NOT IN (SELECT rowid FROM records)"
        ).fetchone()[0]
        assert orphans == 0


def test_word_index_follows_updates_and_deletions(
    server: DevServer, settings: Settings, clock: Clock
):
    record = ServedRecord(
        "oai:lib:w1", "2024-01-01T00:00:00Z", dc_metadata(title="Caravanserai of Merv")
    )
    source = source_for(server, repository("lib", [record], clock))
    harvest_all(settings, [source], HarvestOptions())
    store = Store(settings.database)
    try:
        assert found(store, "caravanserai") == ["w1"]

        clock.advance(days=1)
        record.metadata = dc_metadata(title="Oasis towns of Khwārazm خوارزم", creator="Hansen")
        record.datestamp = "2025-01-10T13:00:00Z"
        harvest_all(settings, [source], HarvestOptions())
        assert found(store, "caravanserai") == []
        assert found(store, "khwarazm hansen") == ["w1"]
        assert fts_matches(store, "records_substrings", '"وارز"') == 1  # inside the word
        assert_indexes_match_records(store)

        clock.advance(days=1)
        record.deleted = True  # a tombstone: text columns emptied, the row kept
        record.datestamp = "2025-01-11T13:00:00Z"
        harvest_all(settings, [source], HarvestOptions())
        assert store.record_row("lib", "oai:lib:w1")["deleted"] == 1  # type: ignore[index]
        assert found(store, "khwarazm") == []
        assert fts_matches(store, "records_search", '"khwarazm"*') == 0
        assert fts_matches(store, "records_substrings", '"وارز"') == 0
        assert_indexes_match_records(store)
    finally:
        store.close()


def test_a_record_deleted_by_any_tool_leaves_no_search_row(index: Store):
    triggers = {
        name
        for (name,) in index.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'records'"
        )
    }
    assert triggers == {"records_search_ad", "records_substrings_ad"}  # no trigger on writes
    index.db.execute("DELETE FROM records WHERE identifier = 'oai:lib:en1'")
    assert set(found(index, "silk")) == {"en2", "x"}
    assert_indexes_match_records(index)


def test_text_changed_outside_the_harvester_is_searchable_after_reindex(
    index: Store, settings: Settings
):
    index.db.execute("UPDATE records SET title = 'Bukhara oasis' WHERE identifier = 'oai:lib:en2'")
    assert found(index, "bukhara") == []  # the folded index is written by the harvester only
    result = CliRunner().invoke(cli, ["reindex", "--db", str(settings.database)])
    assert result.exit_code == 0, result.output
    assert found(index, "bukhara") == ["en2"]
    assert_indexes_match_records(index)


def test_an_index_from_before_the_search_index_gets_it_on_open(tmp_path: Path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m004_word_index")
    assert "records_words" not in db.table_names()
    db.execute(
        "INSERT INTO records (source, identifier, deleted, title, creators, descriptions) "
        "VALUES ('old', 'oai:old:1', 0, 'Ürümqi caravanserai', '[\"Łukasz\"]', '[]'), "
        "('old', 'oai:old:2', 1, NULL, '[]', '[]')"
    )
    db.conn.commit()
    db.close()
    store = Store(path)
    try:
        assert found(store, "urumqi") == ["1"]
        assert found(store, "łukasz caravan") == ["1"]
        assert found(store, "lukasz") == ["1"]  # ł folded by records_search
        assert "records_words" not in store.db.table_names()
        assert_indexes_match_records(store)
    finally:
        store.close()


def test_datasette_canned_query_finds_two_character_chinese(index: Store):
    metadata = json.loads((Path(__file__).parents[1] / "docs" / "datasette.json").read_text())
    sql = metadata["databases"]["harvest"]["queries"]["contains"]["sql"]
    rows = index.db.execute(sql, {"text": "建筑"}).fetchall()
    assert [row[1] for row in rows] == ["oai:lib:zh1"]
    assert index.db.execute(sql, {"text": ""}).fetchall() == []


@pytest.mark.parametrize("query", ["[", '"', "*", "(", "-", "OR", "[]", '""', "* - (", ":"])
def test_query_syntax_is_never_a_match_all(index: Store, query: str):
    assert len(found(index, query)) <= 1  # at most a record holding the word itself ("or")


def test_cli_search_of_a_bracket_finds_nothing(index: Store, settings: Settings):
    result = CliRunner().invoke(cli, ["search", "[", "--db", str(settings.database)])
    assert result.exit_code == 0
    assert "No matches." in result.output


def test_an_index_with_untagged_stems_is_rebuilt_on_open(tmp_path: Path):
    path = tmp_path / "stems.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m008_search_stems_tagged")
    db.execute(
        "INSERT INTO records (source, identifier, deleted, title, creators, languages) "
        "VALUES ('old', 'oai:old:1', 0, 'Libraries of Asia', '[]', '[\"eng\"]')"
    )
    rowid = db.execute("SELECT rowid FROM records").fetchone()[0]
    db.execute(
        "INSERT INTO records_search (rowid, title, stems) VALUES (?, 'libraries of asia', "
        "'librari of asia')",
        [rowid],
    )
    db.conn.commit()
    db.close()
    store = Store(path)
    try:
        (stems,) = store.db.execute("SELECT stems FROM records_search").fetchone()
        assert stems.split()[0][:2].isdigit()
        assert found(store, "library") == ["1"]
    finally:
        store.close()


def test_an_index_with_the_whole_text_trigram_index_gets_the_substring_index(tmp_path: Path):
    path = tmp_path / "trigrams.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m010_substring_index")
    db.execute(
        "INSERT INTO records (source, identifier, deleted, title, creators, subjects, "
        "descriptions, languages) VALUES "
        "('old', 'oai:old:th', 0, 'ประวัติศาสตร์กรุงศรีอยุธยา', '[]', '[]', '[]', '[\"tha\"]'), "
        "('old', 'oai:old:fa', 0, 'Tarikh', '[\"الخوارزمی\"]', '[]', '[]', '[\"per\"]'), "
        "('old', 'oai:old:en', 0, 'Silk roads', '[]', '[]', '[\"A long history\"]', '[]')"
    )
    assert db.execute("SELECT count(*) FROM records_fts").fetchone()[0] == 3  # the old index
    db.conn.commit()
    db.close()
    store = Store(path)
    try:
        assert "records_fts" not in store.db.table_names()
        held = store.db.execute(
            "SELECT r.identifier FROM records_substrings s JOIN records r ON r.rowid = s.rowid "
            "ORDER BY 1"
        ).fetchall()
        assert held == [("oai:old:fa",), ("oai:old:th",)]
        assert found(store, "อยุธยา") == ["th"]
        assert found(store, "خوارزمی") == ["fa"]  # inside the word, after the article
        assert_indexes_match_records(store)
    finally:
        store.close()


LISTED_QUERIES = [
    "silk",
    "silk road",
    "manuscripts",
    "asia",  # in a description only
    "敦煌",
    "敦煌 manuscripts",
    "อยุธยา",
    "کتاب",  # Arabic script: words, then inside words
    "Samarkand",  # romanised tier
    "государство",  # stem tier
    "hansen silk",
]


@pytest.mark.parametrize("query", LISTED_QUERIES)
def test_a_query_too_common_to_rank_finds_the_same_records(
    index: Store, monkeypatch: pytest.MonkeyPatch, query: str
):
    import harvester.store.search as searching

    ranked = found(index, query)
    filtered = found(index, query, year_to=2005)
    monkeypatch.setattr(searching, "BM25_MATCHES", 0)  # every term counts as common
    assert sorted(found(index, query)) == sorted(ranked)
    assert sorted(found(index, query, year_to=2005)) == sorted(filtered)


def test_a_query_too_common_to_rank_lists_title_matches_first_and_pages(
    server: DevServer, settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
):
    import harvester.store.search as searching

    catalogue = [
        ("c1", dict(title="Atlas of Central Asia", description="Caravan routes and cities")),
        ("c2", dict(title="Caravan cities", date="1990")),
        ("c3", dict(title="Caravanserais of Iran", date="2001")),
        ("c4", dict(title="Oasis towns", subject="Caravan trade")),
    ]
    records = [
        ServedRecord(f"oai:lib:{key}", "2024-01-01T00:00:00Z", dc_metadata(**fields))
        for key, fields in catalogue
    ]
    harvest_all(settings, [source_for(server, repository("lib", records, clock))], HarvestOptions())
    store = Store(settings.database)
    try:
        monkeypatch.setattr(searching, "BM25_MATCHES", 0)  # every term counts as common
        listed = found(store, "caravan")
        assert listed[:2] == ["c2", "c3"]  # in the title (c3 by its prefix), in index order
        assert sorted(listed[2:]) == ["c1", "c4"]
        hits = search_page(store.db, "caravan", SearchFilters(), limit=1, offset=1)
        assert [h["identifier"] for h in hits.hits] == ["oai:lib:c3"]
        assert hits.total == 4
        assert all(h["score"] == 0.0 for h in search(store.db, "caravan", SearchFilters()))
        assert found(store, "caravan", year_from=2000) == ["c3"]  # filters before the limit
    finally:
        store.close()
