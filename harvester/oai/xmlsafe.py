"""Strict, hostile-safe XML parsing for OAI-PMH responses, with a deliberate repair step.

Never parses in a mode that silently drops content: a page either parses completely (after a
counted repair of characters XML forbids) or it is reported as unparsable with its bytes kept.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

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
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
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
    first = _FIRST_ELEMENT.search(body)
    prolog = body[: first.start()] if first else body
    if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
        raise HostileXML("the response declares a DTD or entities, which OAI-PMH never uses")


def _describe(error: etree.XMLSyntaxError) -> str:
    return f"not well-formed XML: {error.msg} (line {error.lineno})"
