"""The refusal of document type declarations, whatever stands before them or however encoded."""

from __future__ import annotations

import pytest

from harvester.oai.xmlsafe import HostileXML, parse_document

OAI = (
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    "<responseDate>2025-01-10T12:00:00Z</responseDate><request>x</request></OAI-PMH>"
)
DOCTYPE = '<!DOCTYPE OAI-PMH [<!ENTITY e "expanded">]>'
# A declaration, a comment with markup inside and a processing instruction: all legal before it.
PROLOG = '<?xml version="1.0"?>\n<!-- mirrored from <a href="x">x</a> --><?render fast?>\n'


def test_a_plain_document_parses() -> None:
    assert parse_document((PROLOG + OAI).encode()).root.tag.endswith("OAI-PMH")


def test_a_doctype_after_a_comment_holding_markup_is_refused() -> None:
    with pytest.raises(HostileXML, match="DTD"):
        parse_document((PROLOG + DOCTYPE + OAI).encode())


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_a_doctype_in_a_wide_encoding_is_refused(codec: str) -> None:
    declaration = f'<?xml version="1.0" encoding="{codec.upper()[:6]}"?>'
    with pytest.raises(HostileXML, match="DTD"):
        parse_document((declaration + DOCTYPE + OAI).encode(codec))


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_document_without_doctype_still_parses(codec: str) -> None:
    declaration = '<?xml version="1.0" encoding="UTF-16"?>'
    parsed = parse_document((declaration + "<!-- <a> -->" + OAI).encode(codec))
    assert parsed.root.findtext("{http://www.openarchives.org/OAI/2.0/}request") == "x"


def test_a_doctype_after_a_utf8_byte_order_mark_is_refused() -> None:
    with pytest.raises(HostileXML):
        parse_document(b"\xef\xbb\xbf" + (DOCTYPE + OAI).encode())


def test_doctype_words_inside_a_comment_are_not_a_declaration() -> None:
    body = ("<!-- <!DOCTYPE html> was here -->" + OAI).encode()
    assert parse_document(body).repairs == 0
