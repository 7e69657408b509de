"""The search page over HTTP: every parameter, facets that narrow with exact counts, the same
records as `harvester search`, clear 400s for bad parameters, escaping and headers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from web_support import HOSTILE_TITLE
from werkzeug.test import Client, TestResponse

from harvester.cli import cli
from harvester.serve.web import create_web_app
from harvester.store.facets import facet_counts
from harvester.store.readonly import ReadOnlyIndex
from harvester.store.reads import SearchFilters
from harvester.store.search import search

RECORD_LINK = re.compile(r'<a class="title" href="/record/([^/"]+)/([^"?]+)')


@pytest.fixture(scope="module")
def client(web_index: Path) -> Client:
    return Client(create_web_app(web_index))


def found(response: TestResponse) -> list[tuple[str, str]]:
    """(source, identifier) of each result, in page order."""
    assert response.status_code == 200, response.text
    return [(unquote(s), unquote(i)) for s, i in RECORD_LINK.findall(response.text)]


def total(response: TestResponse) -> int:
    match = re.search(r'<span id="total" hidden>(\d+)</span>', response.text)
    assert match, response.text
    return int(match.group(1))


def error_message(response: TestResponse) -> str:
    match = re.search(r'id="error-message">([^<]*)<', response.text)
    assert match, response.text
    return match.group(1)


def cli_search(db: Path, *args: str) -> list[tuple[str, str]]:
    result = CliRunner().invoke(cli, ["search", *args, "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    return [(hit["source"], hit["identifier"]) for hit in json.loads(result.output)]


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ("อยุธยา", []),
        ("حافظ", []),
        ("國際貿易", []),
        ("中国", []),
        ("государства", []),
        ("Зангезурський", []),
        ("music", []),
        ("the", ["--year-from", "1980", "--year-to", "2000"]),
        ("a", []),
        ("silk", ["--source", "test-silk"]),
        ("ประวัติศาสตร์", ["--language", "Thai"]),
        ("the", ["--type", "Text"]),
        ("中国", ["--country", "KZ"]),
        ("the", ["--script", "Latn", "--year-to", "1985"]),
    ],
)
def test_the_page_finds_what_harvester_search_finds(
    client: Client, web_index: Path, query: str, options: list[str]
):
    names = {"--year-from": "year_from", "--year-to": "year_to", "--source": "source"}
    names |= {"--language": "language", "--type": "type", "--country": "country"}
    names |= {"--script": "script"}
    params = {"q": query, "limit": "100"} | {
        names[options[i]]: options[i + 1] for i in range(0, len(options), 2)
    }
    expected = cli_search(web_index, query, *options, "--limit", "100")
    assert found(client.get("/", query_string=params)) == expected


@pytest.mark.parametrize(
    "query",
    ["อยุธยา", "حافظ", "中国", "государства", "music", "the", "a", "ab", "silk 中国", "1998"],
)
def test_the_counted_match_set_is_what_search_returns(web_index: Path, query: str):
    index = ReadOnlyIndex(web_index)
    try:
        hits = search(index.db, query, SearchFilters(), limit=100_000)
        assert facet_counts(index.db, query, SearchFilters()).total == len(hits)
    finally:
        index.close()


def test_browsing_without_a_query_lists_every_live_record(client: Client, web_index: Path):
    response = client.get("/")
    index = ReadOnlyIndex(web_index)
    live = index.db.execute("SELECT COUNT(*) FROM records WHERE deleted = 0").fetchone()[0]
    index.close()
    assert total(response) == live
    assert len(found(response)) == 20


def test_results_show_title_creators_year_type_language_member_and_country(client: Client):
    html = client.get("/", query_string={"q": "государства", "lang": "en"}).text
    assert "История государства Российского" in html
    assert "Карамзин, Николай Михайлович" in html
    assert "1998" in html
    assert "Russian" in html
    assert "Silk test library, Uzbekistan" in html
    assert 'lang="ru" dir="auto"' in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"source": "demo-thai"}, {"demo-thai"}),
        ({"source": ["demo-thai", "demo-persian"]}, {"demo-thai", "demo-persian"}),
        ({"country": "ir"}, {"demo-persian"}),
        ({"country": "UZ"}, {"test-silk"}),
        ({"language": "fas"}, {"demo-persian"}),
        ({"language": "Persian"}, {"demo-persian"}),
        ({"language": "فارسی"}, {"demo-persian"}),
        ({"script": "Thai"}, {"demo-thai"}),
        ({"script": "hani", "source": "test-archive"}, {"test-archive"}),
    ],
)
def test_each_filter_keeps_only_its_records(client: Client, params: dict, expected: set[str]):
    sources = {source for source, _ in found(client.get("/", query_string=params | {"limit": 100}))}
    assert sources == expected


def test_type_and_year_filters(client: Client, web_index: Path):
    index = ReadOnlyIndex(web_index)
    rows = index.db.execute(
        "SELECT source, identifier, year, types FROM records WHERE deleted = 0"
    ).fetchall()
    index.close()
    in_range = {(s, i) for s, i, year, _ in rows if year is not None and 1980 <= year <= 1989}
    response = client.get("/", query_string={"year_from": 1980, "year_to": 1989, "limit": 100})
    assert set(found(response)) == in_range and total(response) == len(in_range)
    texts = {(s, i) for s, i, _, types in rows if "Text" in json.loads(types)}
    response = client.get("/", query_string={"type": "Book", "limit": 100})  # a local term
    assert set(found(response)) == texts


def test_paging_walks_the_same_ranked_list(client: Client, web_index: Path):
    everything = cli_search(web_index, "the", "--limit", "100")
    assert len(everything) > 10
    first = found(client.get("/", query_string={"q": "the", "limit": 5}))
    second = found(client.get("/", query_string={"q": "the", "limit": 5, "page": 2}))
    assert first + second == everything[:10]
    html = client.get("/", query_string={"q": "the", "limit": 5, "page": 2}).text
    assert 'rel="next"' in html and 'rel="prev"' in html


def test_facet_links_narrow_to_their_count(client: Client):
    html = client.get("/", query_string={"q": "the"}).text
    facet = re.search(r'id="facet-language">.*?</section>', html, re.S)
    assert facet
    items = re.findall(
        r'<a href="([^"]+)" dir="auto">([^<]+)</a> <span class="count">([\d,]+)', facet.group(0)
    )
    assert items
    for href, _label, count in items:
        narrowed = client.get(href.replace("&amp;", "&"))
        assert total(narrowed) == int(count.replace(",", ""))
        assert "Remove this filter" in narrowed.text


def test_every_facet_is_shown_with_counts(client: Client):
    html = client.get("/", query_string={"lang": "en"}).text
    for key in ("source", "country", "language", "type", "script", "decade"):
        assert f'id="facet-{key}"' in html
    assert ">Persian</a>" in html and ">Iran</a>" in html and ">Arabic</a>" in html
    assert "1980–1989" in html


def test_active_filters_are_listed_and_removable(client: Client):
    html = client.get("/", query_string={"q": "the", "language": "eng", "year_from": 1980}).text
    assert "Remove all filters" in html
    removals = re.findall(r'<a class="remove" href="([^"]+)"', html)
    assert len(removals) == 2
    assert all("q=the" in href for href in removals)
    assert any("language" not in href for href in removals)
    assert any("year_from" not in href for href in removals)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year_from": "abc"}, "year_from must be a whole number"),
        ({"year_to": "1.5"}, "year_to must be a whole number"),
        ({"year_from": "2000", "year_to": "1990"}, "year_from is later than year_to"),
        ({"year_from": "99999"}, "year_from must be between"),
        ({"page": "0"}, "page must be between"),
        ({"page": "100000"}, "page must be between"),
        ({"limit": "1000"}, "limit must be between"),
        ({"country": "Uzbekistan"}, "country must be a two-letter"),
        ({"script": "Arabic"}, "script must be a four-letter"),
        ({"language": "Klingonese"}, "unknown language"),
        ({"type": "zzzz"}, "unknown type"),
        ({"q": ["a", "b"]}, "give q only once"),
        ({"q": "x" * 501}, "longer than 500"),
        ({"source": "no-such-member"}, "there is no member named"),
        ({"source": "<script>"}, "is not a member name"),
    ],
)
def test_bad_parameters_get_a_400_with_a_clear_message(client: Client, params: dict, message: str):
    response = client.get("/", query_string=params)
    assert response.status_code == 400
    assert message in error_message(response)
    assert "Traceback" not in response.text


def test_empty_form_fields_count_as_absent(client: Client):
    response = client.get("/?q=&year_from=&year_to=&language=")
    assert response.status_code == 200


def test_hostile_values_are_escaped(client: Client):
    html = client.get("/", query_string={"q": "Hostile"}).text
    assert HOSTILE_TITLE not in html
    assert (
        "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Hostile &amp; &lt;b&gt;bold&lt;/b&gt;"
        in html
    )
    assert "<img src=x" not in html
    reflected = client.get("/", query_string={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)" not in reflected
    assert "<script" not in html.lower()


@pytest.mark.parametrize("path", ["/", "/?q=the", "/members", "/stats", "/nothing", "/?page=0"])
def test_security_headers_on_every_response(client: Client, path: str):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "default-src 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in response.text.lower()


def test_an_unexpected_error_never_shows_a_traceback(web_index: Path, monkeypatch):
    from harvester.serve.web import views

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(views, "ranked_search", broken)
    response = Client(create_web_app(web_index)).get("/", query_string={"q": "never cached"})
    assert response.status_code == 500
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "Something went wrong" in response.text


def test_static_files_are_served_with_headers(client: Client):
    response = client.get("/static/site.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert "Noto Sans CJK SC" in response.text
    assert client.get("/static/../web/app.py").status_code == 404


def test_results_come_without_counts_when_counting_takes_too_long(web_index: Path, monkeypatch):
    from harvester.serve.web import views
    from harvester.store.readonly import QueryTimeout

    def too_slow(*args: object, **kwargs: object) -> None:
        raise QueryTimeout("the query took longer than 1.0 s")

    monkeypatch.setattr(views, "facet_counts", too_slow)
    client = Client(create_web_app(web_index, warm=False))
    response = client.get("/", query_string={"q": "the", "lang": "en"})
    assert response.status_code == 200
    assert len(found(response)) == 20
    assert "Too many records match to count them" in response.text
    assert 'id="facet-' not in response.text
    assert 'rel="next"' in response.text  # paging still goes on


def test_a_nested_deadline_gives_way_to_the_outer_one(web_index: Path):
    index = ReadOnlyIndex(web_index)
    with index.deadline(30):
        outer = index._deadline
        with index.deadline(0.5):
            assert index._deadline is not None and outer is not None
            assert index._deadline < outer
        assert index._deadline == outer
    assert index._deadline is None
    index.close()


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("", SearchFilters()),
        ("the", SearchFilters()),
        ("the", SearchFilters(language="eng", year_from=1980, year_to=1999)),
        ("古代建筑", SearchFilters(country="KZ")),
        ("ประวัติศาสตร์", SearchFilters(script="Thai")),
        ("", SearchFilters(sources=("demo-thai", "demo-persian"), type="Text")),
        ("", SearchFilters(country="IR", language="fas")),
        ("Hostile 古代建筑", SearchFilters()),
        ("the 1998", SearchFilters()),
        ("music", SearchFilters(year_to=1985)),
    ],
)
def test_counts_in_memory_equal_the_counts_in_sql(web_index: Path, query: str, filters):
    from harvester.serve.web.facetcolumns import FacetColumns
    from harvester.store.facets import iter_facet_rows, rowid_bound, text_match_rowids
    from harvester.store.webpage import sources

    index = ReadOnlyIndex(web_index)
    try:
        columns = FacetColumns.build(rowid_bound(index.db), iter_facet_rows(index.db))
        rowids = text_match_rowids(index.db, query) if query else range(len(columns.deleted))
        assert rowids is not None
        countries = {name: row["country"] for name, row in sources(index.db).items()}
        assert columns.count(rowids, filters, countries) == facet_counts(index.db, query, filters)
    finally:
        index.close()


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(),
        SearchFilters(country="IR"),
        SearchFilters(sources=("demo-thai", "test-silk"), year_from=1990),
        SearchFilters(language="eng", type="Text"),
        SearchFilters(script="Arab", year_to=2010),
    ],
)
def test_browsing_from_memory_lists_what_sql_lists(web_index: Path, filters: SearchFilters):
    from harvester.serve.web.facetcolumns import FacetColumns
    from harvester.store.facets import browse, iter_facet_rows, records_by_rowid, rowid_bound
    from harvester.store.webpage import sources

    index = ReadOnlyIndex(web_index)
    try:
        columns = FacetColumns.build(rowid_bound(index.db), iter_facet_rows(index.db))
        countries = {name: row["country"] for name, row in sources(index.db).items()}
        for offset in (0, 7):
            rowids = columns.newest(filters, countries, offset, 7)
            expected = browse(index.db, filters, 7, offset)
            assert records_by_rowid(index.db, rowids) == expected
    finally:
        index.close()
