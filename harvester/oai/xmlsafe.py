"""Strict, hostile-safe XML parsing for OAI-PMH responses, with a deliberate repair step.

Never parses in a mode that silently drops content: a page either parses completely (after a
counted repair of characters XML forbids) or it is reported as unparsable with its bytes kept.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, AnyStr

from lxml import etree

log = logging.getLogger(__name__)

_local = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's parser: lxml parsers must not be shared between threads.

    No entity expansion, no DTD, no network: a response can neither read local files nor
    explode in memory. huge_tree lifts libxml2's 10 MB text limit; our own size cap bounds input.
    """
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=True,
            recover=False,
            remove_blank_text=False,
        )
        _local.parser = parser
    return parser


_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")
# What may stand before a document type declaration or the root element.
_PROLOG_ITEM = re.compile(r"[ \t\r\n]+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_PROLOG_ITEM_BYTES = re.compile(rb"[ \t\r\n]+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_UTF8_BOM = b"\xef\xbb\xbf"
# Byte-order marks, then the bytes of "<?" or "<" without one; UTF-32 before UTF-16.
_WIDE_SIGNATURES = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
# XML 1.0 forbids C0 controls except tab, LF and CR, lone surrogates and U+FFFE/U+FFFF.
_ILLEGAL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ILLEGAL_CHAR_REFS = re.compile(
    r"&#(?:x0*(?:[0-8bcefBCEF]|1[0-9a-fA-F])|0*(?:[0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]));"
)


class HostileXML(ValueError):
    """The document carries a DTD or entity declarations, which OAI-PMH never needs."""


class BrokenXML(ValueError):
    """The document is not well-formed even after repairing forbidden characters."""


@dataclass(frozen=True)
class ParsedXML:
    root: Any
    repairs: int


def looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:200]


def parse_document(body: bytes) -> ParsedXML:
    """Parse strictly; on failure repair forbidden characters (counted) and try once more."""
    _refuse_doctype(body)
    try:
        return ParsedXML(etree.fromstring(body, _parser()), 0)
    except etree.XMLSyntaxError as first_error:
        text, repairs = repair_text(body)
        if repairs == 0:
            raise BrokenXML(_describe(first_error)) from None
        log.warning("repaired %d invalid XML characters or byte sequences", repairs)
        # The text is Unicode now: drop the declaration's encoding so lxml does not re-decode.
        data = text.encode("utf-8")
        data = re.sub(rb"^(\s*<\?xml[^>]*?)\s+encoding=[\"'][^\"']*[\"']", rb"\1", data)
        try:
            return ParsedXML(etree.fromstring(data, _parser()), repairs)
        except etree.XMLSyntaxError as second_error:
            raise BrokenXML(_describe(second_error)) from None


def repair_text(body: bytes) -> tuple[str, int]:
    """Decode with replacement of invalid byte sequences and drop forbidden characters."""
    match = _DECLARED_ENCODING.match(body)
    encoding = match.group(1).decode("ascii") if match else "utf-8"
    try:
        text = body.decode(encoding, errors="replace")
    except LookupError:
        encoding = "utf-8"
        text = body.decode(encoding, errors="replace")
    repairs = text.count("\ufffd") - body.decode(encoding, errors="ignore").count("\ufffd")
    text, removed = _ILLEGAL_CHARS.subn("", text)
    text, removed_refs = _ILLEGAL_CHAR_REFS.subn("", text)
    return text, repairs + removed + removed_refs


def _refuse_doctype(body: bytes) -> None:
    """Refuse a document type declaration before the parser ever sees the document.

    The prolog is read item by item as XML defines it (declaration, comments, processing
    instructions, white space), so a comment holding "<a" cannot end the search early, and in
    the encoding the document is written in, so a UTF-16 or UTF-32 body is read as well.
    """
    wide = _wide_encoding(body)
    if wide is None:
        head = _after_prolog(_PROLOG_ITEM_BYTES, body, 3 if body.startswith(_UTF8_BOM) else 0)
        declares = head[:9].upper() == b"<!DOCTYPE" or head[:8].upper() == b"<!ENTITY"
    else:
        text = body.decode(wide, errors="replace").removeprefix("\ufeff")
        rest = _after_prolog(_PROLOG_ITEM, text, 0)
        declares = rest[:9].upper() == "<!DOCTYPE" or rest[:8].upper() == "<!ENTITY"
    if declares:
        raise HostileXML("the response declares a DTD or entities, which OAI-PMH never uses")


def _wide_encoding(body: bytes) -> str | None:
    """The codec of a UTF-16 or UTF-32 body, told by its first bytes (XML 1.0, appendix F)."""
    for signature, codec in _WIDE_SIGNATURES:
        if body.startswith(signature):
            return codec
    return None


def _after_prolog(item: re.Pattern[AnyStr], text: AnyStr, position: int) -> AnyStr:
    """What follows the white space, declaration, comments and processing instructions."""
    while match := item.match(text, position):
        position = match.end()
    return text[position : position + 16]


def _describe(error: etree.XMLSyntaxError) -> str:
    return f"not well-formed XML: {error.msg} (line {error.lineno})"
