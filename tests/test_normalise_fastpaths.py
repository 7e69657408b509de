"""The fast paths of harvester.normalise give exactly what the plain computation gives."""

from __future__ import annotations

import datetime
import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn

from harvester.normalise import dates, dc, identifiers, scripts, text

# Numbers as catalogues write them, with the separators and check characters that matter.
NUMBER = st.text(st.sampled_from("0123456789Xx -"), max_size=18)
DIGITS = st.text(st.sampled_from("0123456789"), min_size=7, max_size=13)


def stdnum_isbn13(value: str) -> str | None:
    try:
        return str(stdnum_isbn.compact(stdnum_isbn.to_isbn13(stdnum_isbn.validate(value))))
    except ValueError:
        return None


def stdnum_issn_format(value: str) -> str | None:
    try:
        return str(stdnum_issn.format(stdnum_issn.validate(value)))
    except ValueError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.one_of(NUMBER, DIGITS, DIGITS.map(lambda d: d[:4] + "-" + d[4:])))
def test_isbn_and_issn_checks_agree_with_stdnum(value: str) -> None:
    assert identifiers.valid_isbn13.__wrapped__(value) == stdnum_isbn13(value)
    assert identifiers.valid_issn.__wrapped__(value) == stdnum_issn_format(value)


def test_valid_isbns_and_issns_are_recognised() -> None:
    assert identifiers.valid_isbn13.__wrapped__("0-306-40615-2") == "9780306406157"
    assert identifiers.valid_isbn13.__wrapped__("978 0 306 40615 7") == "9780306406157"
    assert identifiers.valid_issn.__wrapped__("2434 561x") == "2434-561X"
    assert identifiers.valid_issn.__wrapped__("0317-8471") == "0317-8471"


# The running-text patterns as first written, with a word boundary or lookbehind in front.
PLAIN_PATTERNS = {
    "_DOI_IN_TEXT": re.compile(r"(?<![\w.])10\.\d{4,9}/[^\s\"<>]+"),
    "_HANDLE_IN_TEXT": re.compile(
        r"(?:\bhdl:\s*|hdl\.handle\.net/)(\d[\d.]*/[^\s\"<>]+)", re.IGNORECASE
    ),
    "_URN_IN_TEXT": re.compile(r"\burn:nbn:[^\s\"<>]+"),
    "_ISBN_IN_TEXT": re.compile(r"\bISBN(?:-1[03])?\s*:?\s*([0-9][0-9 -]{8,15}[0-9X])(?![0-9])"),
    "_ISSN_IN_TEXT": re.compile(r"\b(?:e-?)?ISSN(?:-L)?\s*:?\s*(\d{4}\s?-?\s?\d{3}[\dX])(?![0-9])"),
}
PIECES = st.sampled_from(
    [
        *("10.", "1234", "5281", "/", "x", "e", "e-", "a", "_", ".", ":", " ", "\n", "<"),
        *("ISSN", "ISBN", "-L", "-13", "0317-8471", "978-0-306-40615-7", "urn:nbn:", "é", "٣"),
        *("hdl", "HDL", "hdl:", "handle.net/", "HANDLE.NET/", "1765/"),
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_text_patterns_find_what_the_plain_patterns_find(value: str) -> None:
    for name, plain in PLAIN_PATTERNS.items():
        fast = getattr(identifiers, name)
        # A match may start at "e-ISSN" or at "ISSN": where it ends and what it holds count.
        assert [(m.end(), m.groups()) for m in fast.finditer(value)] == [
            (m.end(), m.groups()) for m in plain.finditer(value)
        ], name


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=8),
            st.sampled_from(["abc", "Ωμέγα", "Жук", "ภาษา", "中文", "한국", "𝐀", "𠀀", "ـ"]),
        ),
        max_size=6,
    ).map("".join)
)
def test_scripts_are_those_of_the_letters_in_order(value: str) -> None:
    expected = [c for c in dict.fromkeys(map(scripts.script_of, value)) if c]
    assert scripts.detect_scripts([value]) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=100, max_size=300), st.sampled_from(["", "\n", "\x7f", "\u2028"]))
def test_long_printable_is_isprintable(value: str, extra: str) -> None:
    for candidate in (value, value + extra, "a" * 150 + extra):
        assert text._long_printable(candidate) == candidate.isprintable()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["&lt;", "&gt;", "&quot;", "&nbsp;", "&#39;", "&amp;", "&", "a"])))
def test_common_entities_are_replaced_as_html_unescape_does(parts: list[str]) -> None:
    """The fast path decodes these six entities exactly as the standard library does."""
    value = "".join(parts)
    assert text._replace_common_entities(value) == html.unescape(value)


def test_this_year_is_todays_year() -> None:
    assert dates._this_year() == datetime.date.today().year


def test_leaf_and_mixed_elements_give_all_their_text() -> None:
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    record = etree.fromstring(
        b'<!DOCTYPE r [<!ENTITY e "ent">]><record xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"<dc:title>A <i>b</i> c</dc:title><dc:creator>x<!-- c -->y</dc:creator>"
        b"<dc:subject><![CDATA[ s ]]></dc:subject><dc:type>a&e;b</dc:type>"
        b"<dc:date> </dc:date><dc:format/></record>",
        parser,
    )
    assert dc.extract_dc(record) == {
        "title": ["A b c"],
        "creator": ["xy"],
        "subject": [" s "],
        "type": ["a&e;b"],
    }


def test_hijri_dates_outside_the_umm_al_qura_tables_use_the_tabular_calendar() -> None:
    """1 Muharram of 1 AH, 1200 AH and 1300 AH, as historians date them."""
    assert dates._hijri_date(1, 1, 1) == datetime.date(622, 7, 19)
    assert dates._hijri_date(1200, 1, 1) == datetime.date(1785, 11, 4)
    assert dates._hijri_date(1300, 1, 1) == datetime.date(1882, 11, 12)
    assert dates.hijri_year_to_gregorian(1200) == 1786


def test_hijri_dates_past_the_gregorian_year_9999_give_no_date() -> None:
    assert dates._hijri_date(9670, 10, 1) is None
    assert dates._to_gregorian(dates.HIJRI, dates._Parts(9670, 0, 0)) is None
