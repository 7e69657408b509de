"""Search finds a record however the reader types its words, and only that record.

One table of query/record pairs across the alliance's scripts: for each query, the records it
must find and the false friends it must not (a stem reaching a different word, a
transliteration swamping native-script results, a folding that makes unrelated words equal).
Plus properties: folding is idempotent, and every record is found by its own exact title.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvester.models import Checkpoint, Header, Record
from harvester.normalise.fold import fold
from harvester.normalise.record import normalise_dc
from harvester.normalise.searchtext import index_form, query_form
from harvester.store import Store
from harvester.store.reads import SearchFilters
from harvester.store.search import search, search_page

# id -> (title, language, creator)
CORPUS: dict[str, tuple[str, str, str]] = {
    # Persian, Arabic, Urdu
    "fa_kitab": ("کتاب تاریخ ایران", "per", "عباس اقبال آشتیانی"),
    "fa_qabus": ("قابوس‌نامه", "per", "عنصرالمعالی کیکاووس"),
    "fa_tatweel": ("دانشـــگاه تهران", "per", ""),
    "fa_digits": ("گزارش سال ۱۳۹۹", "per", ""),
    "fa_kutub": ("کتب خطی", "per", ""),
    "ar_kitab": ("الكتاب العربي", "ara", ""),
    "ar_madrasa": ("المدرسة الإسلامية في بخارى", "ara", ""),
    "ar_harakat": ("مُحَمَّد بن مُوسَى الخَوارِزمي", "ara", ""),
    "ur_kahani": ("پاکستان کی کہانی", "urd", ""),
    "ur_adab": ("اردو ادب کی تاریخ", "urd", ""),
    # Chinese, both forms
    "zh_trade_t": ("國際貿易研究", "chi", "王明"),
    "zh_trade_s": ("国际贸易概论", "chi", ""),
    "zh_law": ("国际法概论", "chi", ""),
    "zh_silk_t": ("絲綢之路經濟帶", "chi", ""),
    "zh_dunhuang": ("敦煌石窟艺术", "chi", "段文杰"),
    "zh_taiwan": ("臺灣歷史", "chi", ""),
    # Russian, Ukrainian, Mongolian Cyrillic
    "ru_mongolia": ("Монголия и Россия", "rus", ""),
    "ru_mongol_lang": ("Монгольский язык", "rus", ""),
    "ru_library": ("Российская государственная библиотека", "rus", ""),
    "ru_library_science": ("Библиотековедение", "rus", ""),
    "ru_samarkand": ("Самарканд и Бухара", "rus", "Пугаченкова, Галина"),
    "ru_uchet": ("Учёт книг", "rus", ""),
    "uk_library": ("Українська бібліотека", "ukr", ""),
    "uk_zangezur": ("Зангезурський хребет", "ukr", ""),
    "mn_history": ("Монгол улсын түүх", "mon", ""),
    # Uzbek, Latin and Cyrillic
    "uz_latin": ("Oʻzbekiston tarixi", "uzb", ""),
    "uz_cyrillic": ("Ўзбекистон тарихи", "uzb", ""),
    "uz_tashkent": ("Тошкент шаҳри", "uzb", ""),
    "en_uzbekistan": ("Uzbekistan today", "eng", ""),
    # Vietnamese
    "vi_hanoi": ("Đại học Quốc gia Hà Nội", "vie", ""),
    "vi_hainam": ("Hải Nam và biển Đông", "vie", ""),
    # Thai, Lao, Myanmar
    "th_ayutthaya": ("ประวัติศาสตร์กรุงศรีอยุธยา", "tha", ""),
    "th_sukhothai": ("ศิลปะสุโขทัย", "tha", ""),
    "lo_history": ("ປະຫວັດສາດລາວ", "lao", ""),
    "my_history": ("မြန်မာနိုင်ငံသမိုင်း", "mya", ""),
    # English
    "en_libraries": ("Libraries of Central Asia", "eng", ""),
    "en_librarian": ("The librarian's handbook", "eng", ""),
    "en_samarkand": ("Samarkand: a travel guide", "eng", "Smith, John"),
    "en_dunhuang": ("Dunhuang manuscripts", "eng", ""),
}

# (query, records that must be found, records that must not be found)
CASES: list[tuple[str, set[str], set[str]]] = [
    # Persian typed on an Arabic keyboard, and the reverse
    ("كتاب", {"fa_kitab"}, {"fa_kutub"}),
    ("کتاب", {"fa_kitab", "ar_kitab"}, {"fa_kutub"}),
    ("تاريخ", {"fa_kitab", "ur_adab"}, {"fa_qabus"}),  # Arabic yeh
    ("تاریخ", {"fa_kitab", "ur_adab"}, set()),
    ("قابوسنامه", {"fa_qabus"}, {"fa_kitab"}),  # without the ZWNJ
    ("قابوس‌نامه", {"fa_qabus"}, set()),
    ("کيکاووس", {"fa_qabus"}, set()),  # creator, Arabic yeh
    ("دانشگاه", {"fa_tatweel"}, set()),  # tatweel in the record
    ("1399", {"fa_digits"}, set()),  # Persian digits in the record
    ("۱۳۹۹", {"fa_digits"}, set()),
    ("كتب", {"fa_kutub"}, {"fa_kitab"}),
    # Arabic: teh marbuta, hamza carriers, alef maksura, harakat
    ("المدرسه", {"ar_madrasa"}, set()),
    ("الاسلامية", {"ar_madrasa"}, set()),
    ("بخارى", {"ar_madrasa"}, set()),
    ("بخاری", {"ar_madrasa"}, set()),
    ("محمد", {"ar_harakat"}, set()),
    ("الخوارزمي", {"ar_harakat"}, set()),
    ("موسی", {"ar_harakat"}, {"ru_mongolia"}),
    ("العربى", {"ar_kitab"}, set()),
    # Urdu heh forms
    ("کهانی", {"ur_kahani"}, set()),
    ("کہانی", {"ur_kahani"}, set()),
    ("اردو", {"ur_adab"}, {"ur_kahani"}),
    # Chinese, both forms, both directions
    ("国际贸易", {"zh_trade_t", "zh_trade_s"}, {"zh_law"}),
    ("國際貿易", {"zh_trade_t", "zh_trade_s"}, {"zh_law"}),
    ("貿易", {"zh_trade_t", "zh_trade_s"}, {"zh_law"}),  # two characters
    ("际贸", {"zh_trade_t", "zh_trade_s"}, {"zh_law"}),  # inside the word
    ("国际法", {"zh_law"}, {"zh_trade_t", "zh_trade_s"}),
    ("丝绸之路", {"zh_silk_t"}, set()),
    ("絲綢之路", {"zh_silk_t"}, set()),
    ("台湾", {"zh_taiwan"}, set()),
    ("歷史", {"zh_taiwan"}, set()),
    ("史", {"zh_taiwan"}, {"zh_trade_t"}),  # one character, at the end of the title
    ("敦煌", {"zh_dunhuang", "en_dunhuang"}, set()),  # the English title by its romanised form
    ("王明", {"zh_trade_t"}, set()),
    # Russian inflection, and stems that must not reach other words
    ("Монголии", {"ru_mongolia"}, {"ru_mongol_lang", "mn_history"}),
    ("Монголия", {"ru_mongolia"}, {"ru_mongol_lang"}),
    ("библиотеки", {"ru_library"}, {"ru_library_science"}),
    ("библиотекой", {"ru_library"}, {"ru_library_science"}),
    ("учет", {"ru_uchet"}, set()),  # ё typed as е
    ("Самарканда", {"ru_samarkand"}, set()),
    ("Пугаченкова", {"ru_samarkand"}, set()),
    # Ukrainian (a light stemmer), Mongolian Cyrillic (not stemmed)
    ("бібліотеки", {"uk_library"}, set()),
    ("української", {"uk_library"}, set()),  # the light Ukrainian stemmer; Russian's misses it
    ("Зангезурський", {"uk_zangezur"}, set()),
    ("түүх", {"mn_history"}, set()),
    ("улсын", {"mn_history"}, {"ru_mongolia"}),
    ("Mongol", {"mn_history"}, set()),  # romanised
    # Uzbek, Latin and Cyrillic
    ("Ozbekiston", {"uz_latin", "uz_cyrillic"}, {"en_uzbekistan"}),
    ("O'zbekiston", {"uz_latin", "uz_cyrillic"}, {"en_uzbekistan"}),
    ("Oʻzbekiston", {"uz_latin", "uz_cyrillic"}, {"en_uzbekistan"}),
    ("O‘zbekiston", {"uz_latin", "uz_cyrillic"}, set()),
    ("Ўзбекистон", {"uz_cyrillic", "uz_latin"}, {"en_uzbekistan"}),
    ("Toshkent", {"uz_tashkent"}, set()),
    ("Uzbekistan", {"en_uzbekistan"}, {"uz_latin"}),
    # Vietnamese
    ("Ha Noi", {"vi_hanoi"}, {"vi_hainam"}),
    ("Hà Nội", {"vi_hanoi"}, {"vi_hainam"}),
    ("dai hoc", {"vi_hanoi"}, set()),
    ("đại học", {"vi_hanoi"}, set()),
    ("quoc gia", {"vi_hanoi"}, set()),
    ("Hai Nam", {"vi_hainam"}, {"vi_hanoi"}),
    # Thai, Lao, Myanmar: substrings of unsegmented text
    ("อยุธยา", {"th_ayutthaya"}, {"th_sukhothai"}),
    ("กรุงศรี", {"th_ayutthaya"}, set()),
    ("สุโขทัย", {"th_sukhothai"}, {"th_ayutthaya"}),
    ("ລາວ", {"lo_history"}, set()),
    ("ປະຫວັດສາດ", {"lo_history"}, set()),
    ("သမိုင်း", {"my_history"}, set()),
    # English: stems, and transliteration that must not swamp native results
    ("library", {"en_libraries"}, {"en_librarian"}),
    ("libraries", {"en_libraries"}, {"en_librarian"}),
    ("librarian", {"en_librarian"}, {"en_libraries"}),
    ("Samarkand", {"en_samarkand", "ru_samarkand"}, set()),
    ("Dunhuang", {"en_dunhuang", "zh_dunhuang"}, set()),
    ("Bukhara", {"ru_samarkand"}, set()),
]


def _records(corpus: dict[str, tuple[str, str, str]]) -> list[Record]:
    records = []
    for key, (title, language, creator) in corpus.items():
        dc = {"title": [title], "language": [language], "creator": [creator] if creator else []}
        fields = normalise_dc(dc, None)
        header = Header(f"oai:t:{key}", "2024-01-01T00:00:00Z")
        records.append(Record("t", header, f"<record>{key}</record>", fields))
    return records


def _build(path: Path, corpus: dict[str, tuple[str, str, str]]) -> Store:
    store = Store(path)
    checkpoint = Checkpoint(None, None, "2024-01-01T00:00:00Z", None)
    store.save_page("t", _records(corpus), ("", "oai_dc"), checkpoint)
    return store


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = _build(tmp_path_factory.mktemp("folding") / "index.db", CORPUS)
    yield store
    store.close()


def found(store: Store, query: str) -> list[str]:
    hits = search(store.db, query, SearchFilters(), limit=100)
    return [hit["identifier"].removeprefix("oai:t:") for hit in hits]


def test_the_table_covers_at_least_sixty_pairs():
    assert len(CASES) >= 60


@pytest.mark.parametrize(("query", "must", "must_not"), CASES, ids=[c[0] for c in CASES])
def test_query_finds_its_records_and_not_the_false_friends(
    corpus: Store, query: str, must: set[str], must_not: set[str]
):
    hits = set(found(corpus, query))
    assert must <= hits, f"{query!r} missed {must - hits}"
    assert not (must_not & hits), f"{query!r} also found {must_not & hits}"


@pytest.mark.parametrize(
    ("query", "first", "then", "how"),
    [
        ("Samarkand", "en_samarkand", "ru_samarkand", "romanised"),
        ("Dunhuang", "en_dunhuang", "zh_dunhuang", "romanised"),
        ("敦煌", "zh_dunhuang", "en_dunhuang", "romanised"),
        ("library", "en_libraries", None, "stem"),
        ("Монголии", "ru_mongolia", None, "stem"),
        ("Ozbekiston", "uz_latin", "uz_cyrillic", "romanised"),
    ],
)
def test_own_script_and_exact_forms_rank_first_and_say_how_they_matched(
    corpus: Store, query: str, first: str, then: str | None, how: str
):
    hits = search(corpus.db, query, SearchFilters(), limit=100)
    names = [hit["identifier"].removeprefix("oai:t:") for hit in hits]
    assert names[0] == first
    if then is None:
        assert hits[0]["matched"] == how
    else:
        assert names.index(then) > 0
        assert hits[0]["matched"] == "exact"
        assert hits[names.index(then)]["matched"] == how


def test_pages_and_total(corpus: Store):
    whole = search_page(corpus.db, "Ozbekiston", SearchFilters(), limit=10)
    assert whole.total == 2 and whole.total_exact
    first = search_page(corpus.db, "Ozbekiston", SearchFilters(), limit=1)
    second = search_page(corpus.db, "Ozbekiston", SearchFilters(), limit=1, offset=1)
    assert [h["identifier"] for h in first.hits + second.hits] == [
        h["identifier"] for h in whole.hits
    ]
    assert second.total == 2


# --- properties ----------------------------------------------------------------------------------

# Letters and marks of the alliance's scripts, and the characters folding treats specially.
ALPHABET = st.sampled_from(
    list(
        "abcdefghijklmnopqrstuvwxyzÀÉÎÕÜàéîõüđĐłŁøØßæœıİ ʻʼ'‘’`-.,;:!?\"[]()*"
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяЁЙЇЄІҐўғқҳЎҒҚҲөүҮӨ"
        "كکيیىةهۀہھےأإآٱؤئءـًٌٍَُِّْ٠١٢٣۴۵۶۷ابتثجحخدذرزسشصضطظعغفقلمنوپچژگ"
        "國際貿易臺灣歷史丝绸之路敦煌后後髮发乾干"
        "ประวัติศาสตร์กรุงศรีอยุธยาໍ່້ລາວမြန်မာ"
        "ÅﾊﾝｶｸＡＢＣ１２３ﬁ①\u200c\u200d\u00ad\ufeff\u0301\u0306\u0308"
    )
)
TEXTS = st.lists(ALPHABET, max_size=40).map("".join) | st.text(max_size=40)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_folding_is_idempotent(text: str):
    once = fold(text)
    assert fold(once) == once


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_index_and_query_forms_agree_with_folding(text: str):
    # Chinese pairs are a tokenization, not a folding: writing them twice pairs them again.
    # What must hold is that both forms start from the folded text, so folding the text first
    # (as a query typed in a folded form) changes nothing.
    assert index_form(fold(text)) == index_form(text)
    assert query_form(fold(text)) == query_form(text)


TITLES = st.lists(ALPHABET, min_size=1, max_size=30).map("".join)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(TITLES, min_size=1, max_size=4))
def test_every_record_is_found_by_its_own_exact_title(tmp_path: Path, titles: list[str]):
    corpus = {f"r{i}": (title, "", "") for i, title in enumerate(titles)}
    path = tmp_path / f"p{abs(hash(tuple(titles)))}.db"
    store = _build(path, corpus)
    try:
        stored = {
            row[0].removeprefix("oai:t:"): row[1]
            for row in store.db.execute("SELECT identifier, title FROM records")
        }
        for key, title in stored.items():
            if title and search_page(store.db, title, SearchFilters(), limit=1).total:
                assert key in found(store, title), (title, found(store, title))
            elif title:
                # a title of syntax characters only: nothing is searchable in it
                assert not any(c.isalnum() for c in fold(title)), title
    finally:
        store.close()
        for suffix in ("", "-wal", "-shm", ".lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
