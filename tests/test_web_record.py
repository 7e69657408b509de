"""The record page: every field with its original, identifier links, licence, the landing
page, the linked cluster, the harvested XML escaped, withdrawn records, i18n, members, stats."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from web_support import DOI
from werkzeug.test import Client

from harvester.serve.web import create_web_app
from harvester.store.readonly import QueryTimeout, ReadOnlyIndex


@pytest.fixture(scope="module")
def client(web_index: Path) -> Client:
    return Client(create_web_app(web_index))


def test_a_record_shows_every_field_and_the_originals(client: Client):
    response = client.get(
        "/record/demo-thai/oai:sample-th:b0001", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    html = response.text
    assert '<h1 class="record-title" dir="auto" lang="th">ประวัติศาสตร์กรุงศรีอยุธยา</h1>' in html
    for label in ("Title", "Creators", "Date", "Type", "Language", "Script", "Identifiers"):
        assert f"<dt>{label}</dt>" in html
    assert "2020" in html and "พ.ศ. 2563" in html  # the date as normalised and as written
    assert "As the member wrote it:" in html and "หนังสือ" in html  # the local type
    assert "Thai (tha)" in html
    assert "<dt>Sets</dt>" in html and "<code>books</code>" in html
    assert "harvested 20" in html


def test_identifiers_licence_landing_page_and_cluster(client: Client, landing_url: str):
    html = client.get("/record/test-silk/oai:test:zh1", headers={"Accept-Language": "en"}).text
    assert f'<a href="https://doi.org/{DOI}" rel="noopener">{DOI}</a>' in html
    landing = re.search(r'<a class="landing-link" id="landing" href="([^"]+)"', html)
    assert landing and landing.group(1) == f"{landing_url}/item/zh1"
    assert 'rel="license noopener">https://creativecommons.org/licenses/by/4.0/</a>' in html
    cluster = re.search(r'<section class="cluster">.*?</section>', html, re.S)
    assert cluster and "/record/test-archive/oai:test:zh1" in cluster.group(0)
    assert "Silk test archive" in cluster.group(0)
    assert "Linked as the same work by: doi" in cluster.group(0)
    other = client.get("/record/test-archive/oai:test:zh1").text
    assert "/record/test-silk/oai:test:zh1" in other


def test_the_harvested_xml_is_escaped_and_collapsible(client: Client):
    html = client.get("/record/test-archive/oai:test:x1").text
    raw = re.search(r'<details class="raw">.*?</details>', html, re.S)
    assert raw and "&lt;dc:title&gt;" in raw.group(0)
    assert "<script" not in html.lower() and "<img" not in html


def test_a_withdrawn_record_says_so_with_its_date(client: Client):
    html = client.get("/record/test-silk/oai:test:gone", headers={"Accept-Language": "en"}).text
    assert "Withdrawn by Silk test library on 2025-02-01" in html
    assert 'id="landing"' not in html


def test_an_unknown_record_is_a_404_page(client: Client):
    response = client.get("/record/test-silk/oai:test:nothing")
    assert response.status_code == 404
    assert "no such page" in response.text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.5", "丝绸之路数字图书馆"),
        ("ru-RU,ru;q=0.9", "Цифровая библиотека Шёлкового пути"),
        ("fr-FR,fr;q=0.9", "Silk Road Digital Library"),
        ("", "Silk Road Digital Library"),
    ],
)
def test_the_interface_language_follows_accept_language(client: Client, header: str, expected):
    html = client.get("/", headers={"Accept-Language": header}).text
    assert expected in html


def test_the_language_switcher_keeps_the_query_and_wins_over_the_header(client: Client):
    html = client.get("/?q=中国&source=test-silk", headers={"Accept-Language": "zh"}).text
    switch = re.search(r'<a href="([^"]+)" lang="ru"', html)
    assert switch
    href = switch.group(1).replace("&amp;", "&")
    assert "q=%E4%B8%AD%E5%9B%BD" in href and "source=test-silk" in href and "lang=ru" in href
    russian = client.get(href, headers={"Accept-Language": "zh"}).text
    assert '<html lang="ru"' in russian and 'value="中国"' in russian
    assert "Найдена 1 запись" in russian
    # links on the page keep the chosen language
    assert re.search(r'href="/record/[^"]+\?lang=ru"', russian)


def test_language_names_follow_the_interface_language(client: Client):
    assert ">波斯语</a>" in client.get("/?lang=zh").text
    assert ">персидский</a>" in client.get("/?lang=ru").text


def test_members_page_lists_every_member_with_counts_and_harvests(client: Client):
    html = client.get("/members", headers={"Accept-Language": "en"}).text
    for title in ("Thai sample catalogue", "Persian sample catalogue", "Silk test library"):
        assert title in html
    assert "Uzbekistan" in html and "Last successful harvest" in html
    assert client.get("/about").status_code == 200


def test_stats_page_draws_svg_charts_without_scripts(client: Client):
    html = client.get("/stats", headers={"Accept-Language": "en"}).text
    assert html.count("<svg") == 7
    for title in ("Records per member", "Records per decade", "Records added per harvest run"):
        assert title in html
    assert "<script" not in html and "http://cdn" not in html and "https://cdn" not in html


def test_the_index_is_opened_read_only(web_index: Path):
    index = ReadOnlyIndex(web_index)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        index.db.execute("DELETE FROM records")
    index.close()


def test_a_runaway_query_is_interrupted(web_index: Path):
    index = ReadOnlyIndex(web_index)
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT MAX(i) FROM n"
    with pytest.raises(QueryTimeout), index.deadline(0.05) as db:
        db.execute(endless).fetchone()
    assert index.db.execute("SELECT 1").fetchone() == (1,)  # the connection is still usable
    index.close()


@pytest.mark.parametrize("locale", ["zh", "ru"])
def test_each_catalogue_is_complete_and_compiled(locale: str):
    """A translator edits the .po file; the shipped .mo must say the same (pybabel compile)."""
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    from harvester.serve.web.i18n import LOCALE_DIR

    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as po, (folder / "messages.mo").open("rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}

    def table(catalog: Any) -> dict[str, tuple[str, ...]]:
        return {
            (m.id if isinstance(m.id, str) else m.id[0]): tuple(
                [m.string] if isinstance(m.string, str) else m.string
            )
            for m in catalog
            if m.id
        }

    strings = table(source)
    assert set(strings) >= wanted
    assert all(all(strings[key]) for key in wanted), "untranslated messages"
    assert table(compiled) == strings


def test_an_index_of_an_earlier_version_is_refused_with_one_line(web_index: Path, tmp_path: Path):
    import shutil

    from harvester.errors import IndexUnusable

    old = tmp_path / "old.db"
    shutil.copyfile(web_index, old)
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    with pytest.raises(IndexUnusable, match="earlier version of harvester"):
        ReadOnlyIndex(old)
