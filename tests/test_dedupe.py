"""Linking the same work across members: folding, match keys, clusters, incremental relinking."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from harvester.link.clusters import Cluster, cluster_id_for, link_records, relink
from harvester.link.keys import (
    DEFAULT_MAX_KEY_RECORDS,
    DOI,
    FUZZY,
    ISBN,
    MatchKey,
    RecordRef,
    family_name,
    fold_title,
    match_keys,
    normalise_isbn,
)
from harvester.store import Store


def record(
    source: str,
    identifier: str,
    title: str | None = None,
    creators: Sequence[str] = (),
    year: int | None = None,
    deleted: bool = False,
    **identifiers: list[str],
) -> dict[str, Any]:
    """A row as the store yields it (only the fields linking looks at)."""
    return {
        "source": source,
        "identifier": identifier,
        "deleted": deleted,
        "title": title,
        "titles": [title] if title else [],
        "creators": list(creators),
        "year": year,
        "identifiers": identifiers,
    }


def link(
    rows: Sequence[dict[str, Any]], max_key_records: int = DEFAULT_MAX_KEY_RECORDS
) -> dict[RecordRef, Cluster | None]:
    items = [((r["source"], r["identifier"]), match_keys(r)) for r in rows]
    return link_records(items, max_key_records=max_key_records)


def linked(result: dict[RecordRef, Cluster | None], one: RecordRef, other: RecordRef) -> bool:
    cluster = result[one]
    return cluster is not None and other in cluster.members


# --- folding ----------------------------------------------------------------------------------


def test_fold_title_keeps_thai_tone_marks_and_vowel_signs() -> None:
    white, news, rice = fold_title("ขาว"), fold_title("ข่าว"), fold_title("ข้าว")
    assert len({white, news, rice}) == 3
    assert fold_title("ประวัติศาสตร์ ไทย") == fold_title("ประวัติศาสตร์ไทย") == "ประวัติศาสตร์ไทย"
    assert fold_title("กาม") != fold_title("กม")


def test_fold_title_keeps_indic_and_sinhala_vowel_signs_and_kana_dakuten() -> None:
    assert fold_title("काम") != fold_title("कम")  # Devanagari vowel sign AA
    assert fold_title("কাল") != fold_title("কল")  # Bengali
    assert fold_title("කෑම") != fold_title("කම")  # Sinhala
    assert fold_title("がっこう") != fold_title("かっこう")  # gakkō vs kakkō


def test_fold_title_chinese_is_non_empty_and_discriminating() -> None:
    assert fold_title("《中国古代史》（上册）") == "中国古代史上册"
    assert fold_title("中国古代史") != fold_title("中国近代史")
    # Traditional and simplified Chinese are not unified.
    assert fold_title("中國古代史") != fold_title("中国古代史")


def test_fold_title_cyrillic_and_isbd_additions() -> None:
    assert fold_title("Война и мир [Текст] : роман / Л. Н. Толстой") == "воинаимирроман"
    assert fold_title("ВОЙНА И МИР : роман") == "воинаимирроман"
    assert fold_title("Монгол Улсын түүх") != fold_title("Монгол Улсын түх")
    assert fold_title("[Без названия]") == "безназвания"


def test_fold_title_folds_width_case_diacritics_and_script_variants() -> None:
    assert fold_title("Ｆｕｌｌ　Ｗｉｄｔｈ！") == "fullwidth"
    assert fold_title("Études sur l'économie") == fold_title("ETUDES SUR L’ECONOMIE")
    assert fold_title("Tiếng Việt") == "tiengviet"
    assert fold_title("تاريخ ايران") == fold_title("تاریخ ایران")  # Arabic vs Persian yeh
    assert fold_title("کتاب‌های فارسی") == fold_title("كتابهاي فارسي")  # ZWNJ, kaf
    assert fold_title("๒๕๕๐ ปี") == fold_title("2550 ปี")
    assert fold_title("— ... —") == ""


@pytest.mark.parametrize(
    ("creator", "family"),
    [
        ("Tolstoy, Leo, 1828-1910", "tolstoy"),
        ("Leo Tolstoy", "tolstoy"),
        ("L. N. Tolstoy", "tolstoy"),
        ("Толстой Л. Н.", "толстои"),
        ("Толстой, Лев Николаевич", "толстои"),
        ("Müller, Jürgen", "muller"),
        ("王小明", "王小明"),
        ("王 小明 著", "王小明"),
        ("王, 小明, 1960-", "王小明"),
        ("山田 太郎", "山田太郎"),
        ("สมชาย ใจดี", "ใจดี"),
        ("زرین‌کوب، عبدالحسین", "زرینکوب"),
        ("Smith J", "smith"),
        ("", ""),
    ],
)
def test_family_name(creator: str, family: str) -> None:
    assert family_name(creator) == family


# --- match keys -------------------------------------------------------------------------------


def test_match_keys_order_and_normalisation() -> None:
    row = record(
        "nlr",
        "oai:nlr:1",
        "Война и мир",
        ["Толстой, Лев Николаевич"],
        1869,
        doi=["doi:10.1000/ABC.1"],
        isbn=["5-8004-5223-7"],
        issn=["0317-8471"],
        handle=["hdl:11701/42"],
        url=["https://Lib.Example.RU/records/1/#top", "https://dx.doi.org/10.1000/abc.2"],
    )
    assert match_keys(row) == [
        ("doi", "10.1000/abc.1"),
        ("doi", "10.1000/abc.2"),
        ("isbn", "9785800452235"),
        ("issn+title", "0317-8471|воинаимир"),
        ("handle", "11701/42"),
        ("url", "lib.example.ru/records/1"),
        ("title+creator+year", "воинаимир|толстои|1869"),
    ]


def test_match_keys_none_for_deleted_and_no_fuzzy_without_year() -> None:
    assert match_keys(record("a", "1", "Title", ["Smith, J."], 2000, deleted=True)) == []
    assert match_keys(record("a", "1", "Title", ["Smith, J."], None)) == []
    assert match_keys(record("a", "1", "Title", [], 2000)) == []
    assert match_keys(record("a", "1", "Title", ["Smith"], 2000, isbn=["123"])) == [
        (FUZZY, "title|smith|2000")
    ]


def test_normalise_isbn_converts_isbn10_and_rejects_bad_check_digits() -> None:
    assert normalise_isbn("7-101-00306-0") == "9787101003062"
    assert normalise_isbn("978-7-101-00306-2") == "9787101003062"
    assert normalise_isbn("978-7-101-00306-3") is None
    assert normalise_isbn("7-101-00306-1") is None


# --- linking: true duplicates -----------------------------------------------------------------


def test_same_doi_in_different_case_and_prefix_links() -> None:
    rows = [
        record("nlc", "oai:nlc:1", "中国古代史", ["王小明"], 2001, doi=["10.1016/J.CHB.2020.106"]),
        record(
            "cnki",
            "oai:x:9",
            "中国古代史",
            [],
            None,
            url=["https://doi.org/10.1016/j.chb.2020.106"],
        ),
    ]
    result = link(rows)
    cluster = result[("nlc", "oai:nlc:1")]
    assert cluster is not None and cluster.reason == DOI
    assert cluster.members == (("cnki", "oai:x:9"), ("nlc", "oai:nlc:1"))
    assert cluster.cluster_id == cluster_id_for(cluster.members)


def test_isbn10_and_isbn13_link() -> None:
    rows = [
        record("thai-nl", "oai:tnl:5", "ประวัติศาสตร์ไทย", [], 1999, isbn=["974-13-5226-3"]),
        record("chula", "oai:chula:7", "ประวัติศาสตร์ ไทย", [], 2000, isbn=["9789741352265"]),
    ]
    cluster = link(rows)[("chula", "oai:chula:7")]
    assert cluster is not None and cluster.reason == ISBN and len(cluster.members) == 2


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            record("nlr", "1", "Война и мир [Текст] : роман", ["Толстой, Лев Николаевич"], 1869),
            record("rsl", "2", "ВОЙНА И МИР : роман", ["Л. Н. Толстой"], 1869),
        ),
        (
            record("tnl", "1", "ประวัติศาสตร์ไทย", ["สมชาย ใจดี"], 2005),
            record("tu", "2", "ประวัติศาสตร์ ไทย", ["สมชาย  ใจดี"], 2005),
        ),
        (
            record("nlai", "1", "تاریخ مردم ایران", ["زرین‌کوب، عبدالحسین"], 1985),
            record("ut", "2", "تاريخ مردم ايران", ["زرينكوب، عبدالحسين"], 1985),
        ),
        (
            record("bnf", "1", "Études sur l'économie mongole", ["Dupont, Jean"], 1998),
            record("ulb", "2", "Etudes sur l’economie mongole", ["Jean Dupont"], 1998),
        ),
        (
            record("nlc", "1", "中国古代史", ["王小明 著"], 2001),
            record("ncl", "2", "中国古代史", ["王, 小明"], 2001),
        ),
    ],
)
def test_same_folded_title_creator_year_links_across_sources(
    one: dict[str, Any], other: dict[str, Any]
) -> None:
    cluster = link([one, other])[(one["source"], one["identifier"])]
    assert cluster is not None and cluster.reason == FUZZY
    assert cluster.reasons == (FUZZY,)


def test_strong_and_fuzzy_reasons_are_listed_strongest_first() -> None:
    rows = [
        record("a", "1", "Mongolian steppe", ["Batbayar, D."], 2010, doi=["10.5/m"]),
        record("b", "2", "Mongolian steppe", ["Batbayar, D."], 2010, doi=["10.5/M"]),
        record("c", "3", "Mongolian Steppe.", ["D. Batbayar"], 2010),
    ]
    cluster = link(rows)[("c", "3")]
    assert cluster is not None and cluster.reasons == (DOI, FUZZY) and cluster.reason == DOI


def test_same_source_duplicates_link_by_strong_keys_only() -> None:
    by_doi = [
        record("a", "1", "X", [], None, doi=["10.1/x"]),
        record("a", "2", "Y", [], None, doi=["10.1/X"]),
    ]
    assert linked(link(by_doi), ("a", "1"), ("a", "2"))
    by_fuzzy = [record("a", "1", "Title", ["Li"], 2000), record("a", "2", "Title", ["Li"], 2000)]
    assert link(by_fuzzy) == {("a", "1"): None, ("a", "2"): None}


# --- linking: near misses ---------------------------------------------------------------------


def test_same_title_and_creator_in_different_years_stay_apart() -> None:
    rows = [
        record("nlr", "1", "Война и мир", ["Толстой, Лев"], 1869),
        record("rsl", "2", "Война и мир", ["Толстой, Лев"], 1957),
    ]
    assert set(link(rows).values()) == {None}


@pytest.mark.parametrize(
    "ids",
    [
        ({"doi": ["10.1/a"]}, {"doi": ["10.1/b"]}),
        ({"isbn": ["9787101003062"]}, {"isbn": ["9787300031583"]}),
    ],
)
def test_fuzzy_key_never_merges_different_dois_or_isbns(ids: tuple[dict[str, Any], ...]) -> None:
    rows = [
        record("nlc", "1", "中国古代史", ["王小明"], 2001, **ids[0]),
        record("ncl", "2", "中国古代史", ["王小明"], 2001, **ids[1]),
    ]
    assert set(link(rows).values()) == {None}


def test_fuzzy_key_is_all_or_nothing_when_ambiguous() -> None:
    """A third record between two conflicting ones joins neither, whatever the input order."""
    rows = [
        record("a", "1", "Report", ["Khan, A."], 2001, doi=["10.1/a"]),
        record("b", "2", "Report", ["Khan, A."], 2001),
        record("c", "3", "Report", ["Khan, A."], 2001, doi=["10.1/c"]),
    ]
    for order in (rows, rows[::-1], [rows[1], rows[0], rows[2]]):
        assert set(link(order).values()) == {None}


def test_shared_isbn_with_different_dois_does_not_link_chapters() -> None:
    rows = [
        record("a", "ch1", "Chapter one", [], 2010, isbn=["9780306406157"], doi=["10.1/ch1"]),
        record("b", "ch2", "Chapter two", [], 2010, isbn=["9780306406157"], doi=["10.1/ch2"]),
        record("c", "book", "The book", [], 2010, isbn=["9780306406157"]),
    ]
    assert set(link(rows).values()) == {None}


def test_key_shared_by_too_many_records_links_nothing() -> None:
    rows = [record(f"s{i}", "1", None, url=["http://repository.example.org/"]) for i in range(3)]
    assert set(link(rows, max_key_records=2).values()) == {None}
    assert all(c is not None for c in link(rows, max_key_records=3).values())


def test_cluster_id_does_not_depend_on_input_order() -> None:
    rows = [
        record("nlc", "1", "中国古代史", ["王小明"], 2001, doi=["10.7/zh"]),
        record("ncl", "2", "中国古代史", ["王, 小明"], 2001),
        record("nlk", "3", "中国古代史", ["王小明"], 2001, doi=["10.7/ZH"]),
        record("tnl", "4", "ประวัติศาสตร์ไทย", ["สมชาย ใจดี"], 2005),
        record("tu", "5", "ประวัติศาสตร์ ไทย", ["สมชาย ใจดี"], 2005),
        record("x", "6", "Alone", ["Nobody"], 1900),
    ]
    expected = link(rows)
    shuffled = rows[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert link(shuffled) == expected
    assert expected[("x", "6")] is None
    first = expected[("nlc", "1")]
    assert first is not None and first.cluster_id == cluster_id_for([("ncl", "2")])
    assert len({c.cluster_id for c in expected.values() if c}) == 2


# --- incremental relinking --------------------------------------------------------------------


class KeyTable:
    """What the store keeps: the match keys of every linked record, and its cluster."""

    def __init__(self) -> None:
        self.keys: dict[RecordRef, tuple[MatchKey, ...]] = {}
        self.clusters: dict[RecordRef, Cluster | None] = {}
        self.keys_of_calls: set[RecordRef] = set()
        self.queries = 0

    def match_keys_of(self, refs: Collection[RecordRef]) -> dict[RecordRef, list[MatchKey]]:
        self.queries += 1
        self.keys_of_calls.update(refs)
        return {ref: list(self.keys[ref]) for ref in refs if ref in self.keys}

    def count_sharing(self, keys: Collection[MatchKey], limit: int) -> dict[MatchKey, int]:
        self.queries += 1
        counts = {key: sum(key in held for held in self.keys.values()) for key in keys}
        return {key: min(count, limit) for key, count in counts.items() if count}

    def records_sharing(self, keys: Collection[MatchKey]) -> dict[MatchKey, list[RecordRef]]:
        self.queries += 1
        return {key: [ref for ref, held in self.keys.items() if key in held] for key in keys}

    def apply(self, changes: Mapping[RecordRef, Sequence[MatchKey]], cap: int) -> None:
        result = relink(changes, self, max_key_records=cap)
        for ref, keys in changes.items():
            if keys:
                self.keys[ref] = tuple(keys)
            else:
                self.keys.pop(ref, None)
        self.clusters.update(result)

    def linked_state(self) -> dict[RecordRef, Cluster | None]:
        return {ref: self.clusters.get(ref) for ref in self.keys}


def test_incremental_relinking_splits_a_cluster_when_a_doi_changes() -> None:
    table = KeyTable()
    a = record("a", "1", "X", [], None, doi=["10.1/x"])
    b = record("b", "2", "Y", [], None, doi=["10.1/x"], isbn=["9780306406157"])
    c = record("c", "3", "Z", [], None, isbn=["9780306406157"])
    table.apply({(r["source"], r["identifier"]): match_keys(r) for r in (a, b, c)}, cap=100)
    assert len({id(v) for v in table.clusters.values()}) == 1
    b["identifiers"] = {"doi": ["10.1/other"]}
    table.apply({("b", "2"): match_keys(b)}, cap=100)
    assert set(table.linked_state().values()) == {None}


def test_incremental_relinking_touches_only_the_affected_records() -> None:
    table = KeyTable()
    crowd = [record("big", str(i), f"Title {i}", ["Li"], 2000) for i in range(300)]
    pair = [record("nlc", "1", "中国古代史", ["王小明"], 2001)]
    table.apply({(r["source"], r["identifier"]): match_keys(r) for r in crowd + pair}, cap=100)
    table.keys_of_calls.clear()
    new = record("ncl", "2", "中国古代史", ["王, 小明"], 2001)
    table.apply({("ncl", "2"): match_keys(new)}, cap=100)
    assert table.keys_of_calls == {("nlc", "1"), ("ncl", "2")}
    cluster = table.clusters[("nlc", "1")]
    assert cluster is not None and cluster.members == (("ncl", "2"), ("nlc", "1"))


def _random_keys(rng: random.Random) -> list[MatchKey]:
    """Few key values so that records collide often, across every kind and the cap."""
    keys: list[MatchKey] = []
    if rng.random() < 0.3:
        keys.append(("doi", f"10.1/{rng.randrange(4)}"))
    if rng.random() < 0.3:
        keys.append(("isbn", f"isbn{rng.randrange(4)}"))
    if rng.random() < 0.3:
        keys.append(("url", f"u{rng.randrange(3)}"))
    if rng.random() < 0.6:
        keys.append((FUZZY, f"t{rng.randrange(5)}|f|2000"))
    return keys


@pytest.mark.parametrize("seed", range(12))
def test_incremental_relinking_equals_full_linking(seed: int) -> None:
    rng = random.Random(seed)
    refs = [(f"s{rng.randrange(5)}", str(i)) for i in range(40)]
    table, current, cap = KeyTable(), {}, 4
    for _step in range(15):
        changes = {ref: _random_keys(rng) for ref in rng.sample(refs, rng.randrange(1, 6))}
        for ref, keys in changes.items():
            if rng.random() < 0.15:
                changes[ref] = keys = []  # deleted
            current[ref] = keys
        table.apply(changes, cap)
        full = link_records(
            [(ref, keys) for ref, keys in current.items() if keys], max_key_records=cap
        )
        assert table.linked_state() == full


def test_an_index_from_before_m011_keeps_its_link_keys(tmp_path: Path) -> None:
    from harvester.store.schema import migrations

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m011_narrower_link_keys")
    db.execute(
        "INSERT INTO match_keys (source, identifier, kind, key) VALUES "
        "('a', 'oai:a:1', 'doi', '10.1/x'), ('b', 'oai:b:1', 'doi', '10.1/x')"
    )
    db.conn.commit()
    db.close()
    store = Store(path)
    try:
        schema = store.db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'match_keys'"
        ).fetchone()[0]
        assert "WITHOUT ROWID" in schema
        shared = store.records_sharing([("doi", "10.1/x")])
        assert sorted(shared[("doi", "10.1/x")]) == [("a", "oai:a:1"), ("b", "oai:b:1")]
        indexes = {row[0] for row in store.db.execute("SELECT name FROM sqlite_master")}
        assert "idx_match_keys_kind_key" in indexes
        assert "idx_records_changed_at" not in indexes  # the keyset index serves changed_at
    finally:
        store.close()
