"""The provider checked the way a validator checks it: every verb, argument combination and
error over a real socket, each response valid against OAI-PMH.xsd, oai_dc.xsd and
oai-identifier.xsd."""

from __future__ import annotations

import sqlite3
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from serving import (
    NS,
    build_demo_index,
    copy_index,
    get,
    oai_schema,
    post,
    provider,
)

from harvester.models import Header, Record
from harvester.store import Store

REPO = "silkroad-library-alliance.org"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return oai_schema()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_index(tmp_path_factory.mktemp("demo") / "demo.db")


@pytest.fixture(scope="module")
def oai(demo_db: Path) -> Iterator[str]:
    with provider(demo_db, page_size=25) as url:
        yield url


def index_rows(db: Path, where: str = "1", params: tuple[Any, ...] = ()) -> set[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(f"SELECT source, identifier FROM records WHERE {where}", params)
        return {(s, i) for s, i in rows}


def served_id(source: str, identifier: str) -> str:
    return f"oai:{REPO}:{source}:{identifier}"


def check(schema: etree.XMLSchema, body: bytes) -> etree._Element:
    """Parse, validate, and check what the XSD cannot: the namespace and UTF-8."""
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(body)
    if not schema.validate(root):
        raise AssertionError(str(schema.error_log) + "\n" + body.decode()[:2000])
    return root


def error_code(root: etree._Element) -> str | None:
    found = root.find("o:error", NS)
    return None if found is None else found.get("code")


def walk(
    schema: etree.XMLSchema, url: str, verb: str, **args: str
) -> tuple[list[etree._Element], list[etree._Element]]:
    """Every page of a list, following tokens; returns (items, token elements)."""
    items: list[etree._Element] = []
    tokens: list[etree._Element] = []
    params = {"verb": verb, **args}
    child = "o:record" if verb == "ListRecords" else "o:header"
    while True:
        root = check(schema, get(url, params))
        assert error_code(root) is None, etree.tostring(root)
        items += root.findall(f"o:{verb}/{child}", NS)
        token = root.find(f"o:{verb}/o:resumptionToken", NS)
        if token is None:
            return items, tokens
        tokens.append(token)
        if not token.text:
            return items, tokens
        params = {"verb": verb, "resumptionToken": token.text}


def identifiers_of(items: list[etree._Element]) -> list[str]:
    return [
        i.findtext(".//o:header/o:identifier", namespaces=NS)
        or i.findtext("o:identifier", namespaces=NS)
        for i in items
    ]


# -- Identify ---------------------------------------------------------------------------------


def test_identify_describes_the_aggregate(schema, oai, demo_db):
    root = check(schema, get(oai, {"verb": "Identify"}))
    request = root.find("o:request", NS)
    assert request.text == oai and dict(request.attrib) == {"verb": "Identify"}
    ident = root.find("o:Identify", NS)
    assert ident.findtext("o:baseURL", namespaces=NS) == oai
    assert ident.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert ident.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert ident.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    with sqlite3.connect(demo_db) as conn:
        earliest = conn.execute("SELECT MIN(changed_at) FROM records").fetchone()[0]
    assert ident.findtext("o:earliestDatestamp", namespaces=NS) == earliest[:19] + "Z"
    assert ident.findtext(".//id:repositoryIdentifier", namespaces=NS) == REPO


def test_identify_reports_the_configured_base_url_behind_a_proxy(schema, demo_db):
    with provider(demo_db, base_url="https://oai.example.org/oai") as url:
        root = check(schema, get(url, {"verb": "Identify"}))
    assert root.findtext("o:request", namespaces=NS) == "https://oai.example.org/oai"
    assert root.findtext("o:Identify/o:baseURL", namespaces=NS) == "https://oai.example.org/oai"


# -- ListMetadataFormats, ListSets, GetRecord ------------------------------------------------


def test_list_metadata_formats_with_and_without_identifier(schema, oai):
    for args in ({}, {"identifier": served_id("demo-thai", "oai:sample-th:b0001")}):
        root = check(schema, get(oai, {"verb": "ListMetadataFormats", **args}))
        prefixes = root.xpath("//o:metadataPrefix/text()", namespaces=NS)
        assert prefixes == ["oai_dc"], etree.tostring(root)


def test_list_sets_names_every_branch_and_leaf(schema, oai):
    root = check(schema, get(oai, {"verb": "ListSets"}))
    sets = dict(
        zip(
            root.xpath("//o:setSpec/text()", namespaces=NS),
            root.xpath("//o:setName/text()", namespaces=NS),
            strict=True,
        )
    )
    assert sets["member"] == "Members"
    assert sets["member:demo-thai"] == "Thai sample catalogue"
    assert sets["country:TH"] == "Thailand"
    assert sets["language:tha"] == "Thai"
    assert sets["type:Text"] == "Text"


def test_get_record_serves_the_normalised_record_as_oai_dc(schema, oai, demo_db):
    with sqlite3.connect(demo_db) as conn:
        source, identifier, title, _languages = conn.execute(
            "SELECT source, identifier, title, languages FROM records "
            "WHERE deleted = 0 AND source = 'demo-thai' ORDER BY identifier LIMIT 1"
        ).fetchone()
    root = check(
        schema,
        get(
            oai,
            {
                "verb": "GetRecord",
                "identifier": served_id(source, identifier),
                "metadataPrefix": "oai_dc",
            },
        ),
    )
    record = root.find("o:GetRecord/o:record", NS)
    assert record.findtext("o:header/o:identifier", namespaces=NS) == served_id(source, identifier)
    specs = record.xpath("o:header/o:setSpec/text()", namespaces=NS)
    assert {"member:demo-thai", "country:TH", "language:tha"} <= set(specs)
    assert record.findtext(".//dc:title", namespaces=NS) == title
    assert "tha" in record.xpath(".//dc:language/text()", namespaces=NS)
    assert "Thai sample catalogue (Synthetic, TH)" in record.xpath(
        ".//dc:source/text()", namespaces=NS
    )


def test_a_deleted_record_is_a_header_with_status_deleted(schema, oai, demo_db):
    (source, identifier), *_ = sorted(index_rows(demo_db, "deleted = 1"))
    root = check(
        schema,
        get(
            oai,
            {
                "verb": "GetRecord",
                "identifier": served_id(source, identifier),
                "metadataPrefix": "oai_dc",
            },
        ),
    )
    header = root.find("o:GetRecord/o:record/o:header", NS)
    assert header.get("status") == "deleted"
    assert root.find("o:GetRecord/o:record/o:metadata", NS) is None


# -- lists ------------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
def test_paging_to_the_end_serves_every_record_once(schema, oai, demo_db, verb):
    items, tokens = walk(schema, oai, verb, metadataPrefix="oai_dc")
    served = identifiers_of(items)
    expected = {served_id(s, i) for s, i in index_rows(demo_db)}
    assert len(served) == len(set(served)) == len(expected)
    assert set(served) == expected
    assert len(tokens) == -(-len(expected) // 25)  # every page, the last one's token empty
    # cursor: how many records came before this page (0 on the first, as in the spec)
    assert [int(t.get("cursor")) for t in tokens] == [25 * n for n in range(len(tokens))]
    assert {int(t.get("completeListSize")) for t in tokens} == {len(expected)}
    assert all(t.get("expirationDate") for t in tokens[:-1]) and not tokens[-1].text


def test_deleted_records_are_listed_as_deleted_headers(schema, oai, demo_db):
    items, _ = walk(schema, oai, "ListIdentifiers", metadataPrefix="oai_dc")
    deleted = {i.findtext("o:identifier", namespaces=NS) for i in items if i.get("status")}
    assert deleted == {served_id(s, i) for s, i in index_rows(demo_db, "deleted = 1")}


@pytest.mark.parametrize(
    ("set_spec", "where", "params"),
    [
        ("member:demo-thai", "source = ?", ("demo-thai",)),
        ("country:IR", "source = ?", ("demo-persian",)),
        ("language:tha", "EXISTS (SELECT 1 FROM json_each(languages) WHERE value = ?)", ("tha",)),
        ("type:Text", "EXISTS (SELECT 1 FROM json_each(types) WHERE value = ?)", ("Text",)),
        ("member", "1", ()),
    ],
)
def test_set_filters_are_exact(schema, oai, demo_db, set_spec, where, params):
    items, _ = walk(schema, oai, "ListIdentifiers", metadataPrefix="oai_dc", set=set_spec)
    expected = {served_id(s, i) for s, i in index_rows(demo_db, where, params)}
    assert set(identifiers_of(items)) == expected
    assert all(
        set_spec in i.xpath("o:setSpec/text()", namespaces=NS) for i in items if ":" in set_spec
    )


def test_from_and_until_select_exactly_the_changes_in_the_window(schema, tmp_path, demo_db):
    db = copy_index(demo_db, tmp_path / "window.db")
    with sqlite3.connect(db) as conn:  # spread the records over three days
        conn.execute("UPDATE records SET changed_at = '2026-01-01T10:00:00.000000Z'")
        conn.execute(
            "UPDATE records SET changed_at = '2026-01-02T10:00:00.500000Z' WHERE source = ?",
            ["demo-thai"],
        )
        conn.execute(
            "UPDATE records SET changed_at = '2026-01-03T00:00:00.000000Z' WHERE source = ?",
            ["demo-persian"],
        )
    thai = {served_id(s, i) for s, i in index_rows(db, "source = 'demo-thai'")}
    persian = {served_id(s, i) for s, i in index_rows(db, "source = 'demo-persian'")}
    cases = [
        ({"from": "2026-01-02", "until": "2026-01-02"}, thai),
        ({"from": "2026-01-02T10:00:00Z", "until": "2026-01-02T10:00:00Z"}, thai),
        ({"from": "2026-01-02T10:00:01Z"}, persian),
        ({"from": "2026-01-02"}, thai | persian),
        ({"until": "2026-01-02T09:59:59Z", "from": "2026-01-01T10:00:01Z"}, set()),
    ]
    with provider(db, page_size=10) as url:
        for args, expected in cases:
            if not expected:
                root = check(
                    schema,
                    get(url, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", **args}),
                )
                assert error_code(root) == "noRecordsMatch"
                continue
            items, _ = walk(schema, url, "ListIdentifiers", metadataPrefix="oai_dc", **args)
            assert set(identifiers_of(items)) == expected, args


def test_post_is_answered_like_get(schema, oai):
    args = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "member:demo-thai"}
    by_post = check(schema, post(oai, args))
    by_get = check(schema, get(oai, args))
    assert identifiers_of(by_post.findall(".//o:header", NS)) == identifiers_of(
        by_get.findall(".//o:header", NS)
    )
    assert dict(by_post.find("o:request", NS).attrib) == args


# -- errors -----------------------------------------------------------------------------------

THAI = served_id("demo-thai", "oai:sample-th:b0001")
ERRORS = [
    ({}, "badVerb"),
    ({"verb": "Frobnicate"}, "badVerb"),
    ([("verb", "Identify"), ("verb", "Identify")], "badVerb"),
    ({"verb": "Identify", "set": "member"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "bogus": "1"}, "badArgument"),
    (
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_dc")],
        "badArgument",
    ),
    (
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-01-01T00:00Z"},
        "badArgument",
    ),
    (
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-01-01T00:00:00.5Z"},
        "badArgument",
    ),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-13-01"}, "badArgument"),
    (
        {
            "verb": "ListRecords",
            "metadataPrefix": "oai_dc",
            "from": "2026-01-01",
            "until": "2026-01-02T00:00:00Z",
        },
        "badArgument",
    ),
    (
        {
            "verb": "ListRecords",
            "metadataPrefix": "oai_dc",
            "from": "2026-01-02",
            "until": "2026-01-01",
        },
        "badArgument",
    ),
    ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": ""}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "x" * 5000}, "badArgument"),
    ({"verb": "GetRecord", "identifier": THAI}, "badArgument"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListIdentifiers", "resumptionToken": "not-a-token"}, "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    (
        {"verb": "GetRecord", "identifier": THAI, "metadataPrefix": "marc21"},
        "cannotDisseminateFormat",
    ),
    (
        {"verb": "GetRecord", "identifier": "oai:other.org:x:y", "metadataPrefix": "oai_dc"},
        "idDoesNotExist",
    ),
    (
        {
            "verb": "GetRecord",
            "identifier": served_id("demo-thai", "nope"),
            "metadataPrefix": "oai_dc",
        },
        "idDoesNotExist",
    ),
    ({"verb": "ListMetadataFormats", "identifier": "nope"}, "idDoesNotExist"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "member:nosuch"}, "noRecordsMatch"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "shelf:1"}, "noRecordsMatch"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2000-01-01"}, "noRecordsMatch"),
]


@pytest.mark.parametrize(("args", "code"), ERRORS)
def test_every_error_of_the_spec(schema, oai, args, code):
    for body in (get(oai, args),) + ((post(oai, args),) if isinstance(args, dict) else ()):
        root = check(schema, body)
        assert error_code(root) == code, body.decode()
        request = root.find("o:request", NS)
        assert request.text == oai
        if code in ("badVerb", "badArgument"):
            assert dict(request.attrib) == {}  # the spec: base URL only
        else:
            assert dict(request.attrib) == dict(args)


def test_no_set_hierarchy_for_an_index_without_members(schema, tmp_path):
    Store(tmp_path / "empty.db").close()
    with provider(tmp_path / "empty.db") as url:
        root = check(schema, get(url, {"verb": "ListSets"}))
        assert error_code(root) == "noSetHierarchy"
        root = check(schema, get(url, {"verb": "Identify"}))
        assert error_code(root) is None


# -- tokens -----------------------------------------------------------------------------------


def first_token(url: str, verb: str = "ListIdentifiers") -> str:
    root = etree.fromstring(get(url, {"verb": verb, "metadataPrefix": "oai_dc"}))
    return root.findtext(f"o:{verb}/o:resumptionToken", namespaces=NS)


def test_a_tampered_token_is_a_bad_resumption_token(schema, oai):
    token = first_token(oai)
    payload, _, signature = token.partition(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    for bad in (f"{flipped}.{signature}", payload, token + "x", token[:-3], "é" + token):
        root = check(schema, get(oai, {"verb": "ListIdentifiers", "resumptionToken": bad}))
        assert error_code(root) == "badResumptionToken"


def test_a_token_is_bound_to_its_verb(schema, oai):
    token = first_token(oai, "ListIdentifiers")
    root = check(schema, get(oai, {"verb": "ListRecords", "resumptionToken": token}))
    assert error_code(root) == "badResumptionToken"


def test_tokens_survive_a_restart_of_the_server(schema, demo_db):
    with provider(demo_db, page_size=25) as url:
        token = first_token(url)
    with provider(demo_db, page_size=25) as url:
        root = check(schema, get(url, {"verb": "ListIdentifiers", "resumptionToken": token}))
    assert error_code(root) is None
    assert root.find("o:ListIdentifiers/o:resumptionToken", NS).get("cursor") == "25"
    assert len(root.findall("o:ListIdentifiers/o:header", NS)) == 25


def test_an_expired_token_is_refused(schema, oai, monkeypatch):
    from harvester.serve import tokens

    token = first_token(oai)
    state = tokens.decode_token(token, b"", tokens.datetime.now(tokens.UTC))
    assert isinstance(state, str)  # wrong key: refused before anything else is read
    monkeypatch.setattr(tokens, "TOKEN_LIFETIME", tokens.timedelta(seconds=-10))
    expired = first_token(oai)
    root = check(schema, get(oai, {"verb": "ListIdentifiers", "resumptionToken": expired}))
    assert error_code(root) == "badResumptionToken"
    assert "expired" in root.findtext("o:error", namespaces=NS)


# -- safety -----------------------------------------------------------------------------------


def test_a_harvest_writing_meanwhile_neither_blocks_nor_loses_records(schema, tmp_path, demo_db):
    db = copy_index(demo_db, tmp_path / "busy.db")
    before = {served_id(s, i) for s, i in index_rows(db)}
    store = Store(db)
    with provider(db, page_size=25) as url:
        root = check(schema, get(url, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}))
        token = root.findtext("o:ListIdentifiers/o:resumptionToken", namespaces=NS)
        seen = identifiers_of(root.findall(".//o:header", NS))
        # A harvest writes a new record and holds its write transaction open while the
        # client asks for the next page: the reader is not blocked.
        with store.transaction():
            new = Record("demo-thai", Header("oai:sample-th:new-1", "2026-12-01"), "<record/>")
            store.db.execute(
                "UPDATE records SET changed_at = '9999-01-01T00:00:00.000000Z' "
                "WHERE source = 'demo-mit'"
            )
            items, _ = walk(schema, url, "ListIdentifiers", resumptionToken=token)
            seen += identifiers_of(items)
        assert set(seen) == before  # a consistent snapshot: nothing lost, nothing invented
        from harvester.store import prepare_page

        page = prepare_page("demo-thai", [new])
        with store.transaction():
            store.db.execute("SELECT 1")
            store._upsert_records([row for _, _, row in page.rows.values()])
        items, _ = walk(schema, url, "ListIdentifiers", metadataPrefix="oai_dc")
    store.close()
    assert served_id("demo-thai", "oai:sample-th:new-1") in identifiers_of(items)


def test_the_index_is_opened_read_only(tmp_path, demo_db):
    db = copy_index(demo_db, tmp_path / "ro.db")
    db.chmod(0o444)
    before = db.read_bytes()
    with provider(db) as url:
        assert b"<Identify>" in get(url, {"verb": "Identify"})
    assert db.read_bytes() == before


def test_other_methods_and_paths_get_no_internals(oai):
    request = urllib.request.Request(oai, method="DELETE")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 405
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(oai.replace("/oai", "/nowhere"), timeout=10)
    assert caught.value.code == 404
    assert b"Traceback" not in caught.value.read()


def test_a_failure_inside_is_a_bare_500_and_logged(tmp_path, demo_db, caplog, monkeypatch):
    from harvester.serve import verbs

    def broken(repo: Any, args: Any) -> str:
        raise RuntimeError("secret internals")

    monkeypatch.setitem(verbs.VERBS, "Identify", broken)
    with provider(demo_db) as url, pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url + "?verb=Identify", timeout=10)
    assert caught.value.code == 500
    assert b"secret" not in caught.value.read()
    assert "secret internals" in caplog.text


# -- the Dublin Core the store builds -----------------------------------------------------

HOSTILE = [
    'a "quoted" title',
    "back\\slash",
    "<script>alert(1)</script> & more",
    'ends with a quote"',
    "line\nbreak\ttab",
    "中文 · ไทย · فارسی",
    '","',
]


def test_oai_dc_carries_every_value_exactly_as_the_export_does(schema, tmp_path):
    from harvester.export.writers import dc_values
    from harvester.models import Checkpoint

    fields = {
        "title": HOSTILE[0],
        "titles": HOSTILE,
        "creators": HOSTILE[1:4],
        "subjects": ["plain", *HOSTILE[4:]],
        "descriptions": [HOSTILE[2]],
        "languages": ["fas", "tha"],
        "types": ["Text"],
        "types_raw": ["Text", "Book & <more>"],
        "identifiers": {
            "doi": ["10.1/a&b"],
            "isbn": ["9780306406157"],
            "url": ['https://x.org/?a="1"'],
        },
        "date": "1399",
        "rights": "CC BY & co",
        "license": "https://creativecommons.org/licenses/by/4.0/",
    }
    store = Store(tmp_path / "hostile.db")
    record = Record("m", Header("oai:m:1", "2026-01-01"), "<record/>", fields)
    store.save_page(
        "m", [record], ("", "oai_dc"), Checkpoint(None, None, "2026-01-01T00:00:00Z", None)
    )
    store.close()
    with provider(tmp_path / "hostile.db") as url:
        root = check(
            schema,
            get(
                url,
                {
                    "verb": "GetRecord",
                    "identifier": served_id("m", "oai:m:1"),
                    "metadataPrefix": "oai_dc",
                },
            ),
        )
    dc = root.find(".//oai_dc:dc", NS)
    served = [
        (etree.QName(e).localname, e.text) for e in dc if etree.QName(e).localname != "source"
    ]
    assert served == [(name, value) for name, value in dc_values(fields) if name != "source"]


def test_list_sets_follows_the_index_as_it_changes(schema, tmp_path, demo_db):
    from harvester.models import Checkpoint

    db = copy_index(demo_db, tmp_path / "sets.db")
    with provider(db) as url:
        before = check(schema, get(url, {"verb": "ListSets"}))
        assert "language:uzb" not in before.xpath("//o:setSpec/text()", namespaces=NS)
        store = Store(db)
        record = Record(
            "demo-thai",
            Header("oai:sample-th:uz", "2026-01-01"),
            "<r/>",
            {"title": "Samarqand", "languages": ["uzb"]},
        )
        checkpoint = Checkpoint(None, None, "2026-01-01T00:00:00Z", None)
        store.save_page("demo-thai", [record], ("", "oai_dc"), checkpoint)
        store.close()
        after = check(schema, get(url, {"verb": "ListSets"}))
    assert "language:uzb" in after.xpath("//o:setSpec/text()", namespaces=NS)
