"""Normalising whole real pages (tests/fixtures/oai/): what a cataloguer would check."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from stdnum import isbn, issn

from harvester.models import NORMALISED_FIELDS
from harvester.normalise import extract_dc
from harvester.normalise.record import normalise_dc

OAI = Path(__file__).parent / "fixtures" / "oai"
OAI_NS = "{http://www.openarchives.org/OAI/2.0/}"
TODAY = datetime.date(2026, 12, 31)


def records(relative: str) -> list[tuple[str, dict[str, list[str]], dict[str, Any]]]:
    """(OAI identifier, raw dc, normalised) for every record with metadata in a page."""
    tree = etree.parse(str(OAI / relative))
    found = []
    for record in tree.iter(f"{OAI_NS}record"):
        dc = extract_dc(record)
        if dc:
            identifier = record.findtext(f"{OAI_NS}header/{OAI_NS}identifier") or ""
            found.append((identifier, dc, normalise_dc(dc, None, today=TODAY)))
    return found


ZENODO = records("zenodo/ListRecords_oai_dc_from-until_cyrillic_cjk.xml")
MIT = records("dspace-mit/ListRecords_oai_dc_set.xml")
ERASMUS = records("dspace-erasmus/ListRecords_oai_dc_2004_large.xml")
GALLICA = records("gallica-bnf/ListRecords_oai_dc_ns-on-root_no-decl.xml")


@pytest.mark.parametrize(
    "page", [ZENODO, MIT, ERASMUS, GALLICA], ids=["zenodo", "mit", "erasmus", "gallica"]
)
def test_every_real_record_has_every_field(page: list[Any]) -> None:
    assert page
    for _, dc, out in page:
        assert set(out) == set(NORMALISED_FIELDS)
        assert out["dc"] == dc
        assert out["title"] == out["titles"][0]


def test_zenodo_descriptions_lose_their_escaped_html() -> None:
    descriptions = [d for _, _, out in ZENODO for d in out["descriptions"]]
    assert descriptions
    for text in descriptions:
        assert not re.search(r"</?(p|em|br|strong|a)\b|&lt;|&gt;|&amp;|&nbsp;", text), text


def test_zenodo_records_carry_their_doi_and_licence() -> None:
    for identifier, _, out in ZENODO:
        number = identifier.rsplit(":", 1)[1]
        dois = out["identifiers"]["doi"]
        assert dois and all(doi == doi.lower() and doi.startswith("10.") for doi in dois)
        # Zenodo mints 10.5281/zenodo.<record>, unless the record has a publisher's DOI
        assert f"10.5281/zenodo.{number}" in dois or not dois[0].startswith("10.5281/")
        assert out["identifiers"]["other"] == [identifier]
        # plain URLs only from dc:identifier, never a resolver URL of a DOI or handle
        assert not any("doi.org" in url or "handle.net" in url for url in out["identifiers"]["url"])
        assert not any(d.startswith("10.13039/") for d in dois)  # funder ids are not works
    licences = {out["license"] for _, _, out in ZENODO}
    assert "https://creativecommons.org/licenses/by/4.0/" in licences
    assert "https://creativecommons.org/publicdomain/zero/1.0/" in licences


def test_zenodo_scripts_follow_the_title() -> None:
    by_script = {tuple(out["scripts"]): out["title"] for _, _, out in ZENODO}
    assert ("Hani",) in by_script
    assert ("Cyrl",) in by_script
    assert all(out["scripts"] for _, _, out in ZENODO)


def test_dspace_dates_are_the_issue_date_not_the_accession_timestamp() -> None:
    checked = 0
    for _, dc, out in MIT + ERASMUS:
        issued = [d for d in dc.get("date", []) if "T" not in d]
        if issued:
            checked += 1
            assert out["year"] == min(
                int(d[-4:]) if not d[:4].isdigit() else int(d[:4]) for d in issued
            )
    assert checked > 20


def test_erasmus_isbns_and_issns_are_valid_and_canonical() -> None:
    isbns = [n for _, _, out in ERASMUS for n in out["identifiers"]["isbn"]]
    issns = [n for _, _, out in ERASMUS for n in out["identifiers"]["issn"]]
    assert isbns and issns
    assert all(len(n) == 13 and isbn.is_valid(n) for n in isbns)
    assert all(re.fullmatch(r"\d{4}-\d{3}[\dX]", n) and issn.is_valid(n) for n in issns)
    assert all(out["identifiers"]["handle"] for _, _, out in ERASMUS)


def test_erasmus_languages_and_initials() -> None:
    languages = {code for _, _, out in ERASMUS for code in out["languages"]}
    assert languages <= {"eng", "nld"}
    initials = [name for _, _, out in ERASMUS for name in out["creators"] if name.endswith(".")]
    assert initials and all(re.search(r"\b\w\.$", name) for name in initials)


def test_mit_free_text_rights_are_kept_but_name_no_licence() -> None:
    rights = [out for _, _, out in MIT if out["rights"]]
    assert rights
    for out in rights:
        assert out["rights"].startswith("These materials are made available for use in research")
        assert out["license"] is None


def test_gallica_record() -> None:
    [(_, _, out)] = GALLICA
    assert out["languages"] == ["fra"]
    assert out["types"] == ["Text"]
    assert out["date"] == "1889-04"
    assert out["license"] == "https://creativecommons.org/publicdomain/mark/1.0/"
    assert out["identifiers"]["url"] == ["http://gallica.bnf.fr/ark:/12148/bpt6k5440618t"]
    assert out["sources"] == [
        "Bibliothèque nationale de France, département Littérature et art, 8-YE-2446"
    ]
