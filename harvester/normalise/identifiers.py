"""Identifiers found in a record, classified: DOI, ISBN, ISSN, Handle, URN, URL, other.

Rules (decided here, relied on by the index):
- dc:identifier, dc:relation and dc:source values are classified whole; identifiers are also
  picked out of running text (citations in those fields, dc:description, dc:publisher) when
  they carry their own marker: "10.xxxx/..." for DOIs, "hdl:", "urn:nbn:", "ISBN"/"ISSN".
- Only dc:identifier values become `url` or `other`: a URL in dc:relation names another
  resource, not this record. Invalid ISBN/ISSN checksums never count as ISBN/ISSN; from
  dc:identifier the text goes to `other`, elsewhere it is dropped.
- DOIs are lower case without resolver ("https://doi.org/", "doi:"); ISBNs are ISBN-13
  digits without hyphens (ISBN-10 converted); ISSNs are NNNN-NNNC; handles are
  "prefix/suffix"; URNs keep their scheme ("urn:nbn:...").
- Crossref Funder Registry ids (DOI prefix 10.13039) identify funders, not works, and are
  skipped in running text (Zenodo writes one per grant into dc:description).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import unquote

from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn

IDENTIFIER_KINDS: tuple[str, ...] = ("doi", "isbn", "issn", "handle", "urn", "url", "other")

# Whole-value forms.
_DOI = re.compile(
    r"(?:doi\s*:?\s*|info:doi/|urn:doi:|(?:https?://)?(?:www\.|dx\.)?doi\.org/|"
    r"(?:https?://)?hdl\.handle\.net/)?(10\.\d{4,9}/\S+)",
    re.IGNORECASE,
)
_HANDLE = re.compile(
    r"(?:hdl\s*:\s*|info:hdl/|(?:https?://)?hdl\.handle\.net/)(\d[\d.]*/\S+)", re.IGNORECASE
)
_URN = re.compile(
    r"(?:https?://(?:www\.)?nbn-resolving\.(?:org|de)/)?(urn:[a-z0-9][a-z0-9-]{0,31}:\S+)",
    re.IGNORECASE,
)
_ISBN = re.compile(
    r"(?:isbn(?:-1[03])?\s*:?\s*)?([0-9][0-9 -]{8,15}[0-9xX])(?:\s*\([^)]*\))?\.?", re.IGNORECASE
)
_ISSN = re.compile(
    r"(?:e?-?issn(?:-l)?\s*:?\s*)?(\d{4}-\d{3}[\dxX])(?:\s*\([^)]*\))?\.?", re.IGNORECASE
)
_URL = re.compile(r"(?:https?|ftp)://\S+", re.IGNORECASE)

# Forms found inside running text; each starts with a literal the regex engine can scan for.
_DOI_IN_TEXT = re.compile(r"(?<![\w.])10\.\d{4,9}/[^\s\"<>]+")
_HANDLE_IN_TEXT = re.compile(r"(?:\bhdl:\s*|hdl\.handle\.net/)(\d[\d.]*/[^\s\"<>]+)", re.IGNORECASE)
_URN_IN_TEXT = re.compile(r"\burn:nbn:[^\s\"<>]+")
_ISBN_IN_TEXT = re.compile(r"\bISBN(?:-1[03])?\s*:?\s*([0-9][0-9 -]{8,15}[0-9X])(?![0-9])")
_ISSN_IN_TEXT = re.compile(r"\b(?:e-?)?ISSN(?:-L)?\s*:?\s*(\d{4}\s?-?\s?\d{3}[\dX])(?![0-9])")

_FUNDER_PREFIX = "10.13039/"
_TRAILING = ".,;:'\"]}>"


def _trim(value: str) -> str:
    """Drop sentence punctuation after an identifier, and a ")" that does not close one."""
    while value:
        last = value[-1]
        if last in _TRAILING or (last == ")" and value.count("(") < value.count(")")):
            value = value[:-1]
        else:
            break
    return value


def clean_doi(value: str) -> str:
    """A DOI in canonical form: "10.xxxx/suffix", lower case (DOIs are case-insensitive)."""
    if "%" in value:
        value = unquote(value)
    return _trim(value).lower()


@functools.lru_cache(maxsize=4096)
def valid_isbn13(value: str) -> str | None:
    """ISBN-13 digits for a valid ISBN-10 or ISBN-13 (checksum checked), else None."""
    try:
        number = stdnum_isbn.validate(value)
        return stdnum_isbn.compact(stdnum_isbn.to_isbn13(number))
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def valid_issn(value: str) -> str | None:
    """ISSN as NNNN-NNNC for a valid checksum, else None."""
    try:
        return str(stdnum_issn.format(stdnum_issn.validate(value)))
    except ValueError:
        return None


class _Found:
    """Identifiers collected for one record, each kind de-duplicated in order."""

    __slots__ = ("added", "kinds")

    def __init__(self) -> None:
        self.kinds: dict[str, dict[str, None]] = {kind: {} for kind in IDENTIFIER_KINDS}
        self.added = 0

    def add(self, kind: str, value: str) -> None:
        if value:
            self.kinds[kind][value] = None
            self.added += 1

    def result(self) -> dict[str, list[str]]:
        return {kind: list(values) for kind, values in self.kinds.items()}


def _classify_whole(value: str, found: _Found) -> bool:
    """Classify a value that is one identifier; True when it was recognised."""
    head = value[:24].casefold()
    if "10." in value and (match := _DOI.fullmatch(value)):
        found.add("doi", clean_doi(match[1]))
        return True
    if "hdl" in head and (match := _HANDLE.fullmatch(value)):
        found.add("handle", _trim(match[1]))
        return True
    if "urn:" in head and (match := _URN.fullmatch(value)):
        urn = match[1]
        scheme = urn[4:9].casefold()
        if scheme == "isbn:":
            return _add_isbn(urn[9:], found)
        if scheme == "issn:":
            return _add_issn(urn[9:], found)
        nid, _, rest = urn[4:].partition(":")
        found.add("urn", f"urn:{nid.casefold()}:{_trim(rest)}")
        return True
    if value[0].isdigit() or head.startswith(("isbn", "issn", "eissn", "e-issn")):
        if match := _ISSN.fullmatch(value):
            return _add_issn(match[1], found)
        if match := _ISBN.fullmatch(value):
            return _add_isbn(match[1], found)
    return False


def _add_isbn(text: str, found: _Found) -> bool:
    number = valid_isbn13(text)
    if number is None:
        return False
    found.add("isbn", number)
    return True


def _add_issn(text: str, found: _Found) -> bool:
    number = valid_issn(text)
    if number is None:
        return False
    found.add("issn", number)
    return True


def _scan_text(text: str, found: _Found) -> None:
    """Pick self-identifying identifiers out of running text.

    Each kind is looked for only when a cheap substring test finds its marker: "10." for
    DOIs, "hdl" for handles, "rn:" for URNs, "SN" for the printed labels ISBN and ISSN
    (running text is expected to print them in capitals, as ISBD and imprints do).
    """
    if "10." in text:
        for match in _DOI_IN_TEXT.finditer(text):
            doi = clean_doi(match[0])
            if not doi.startswith(_FUNDER_PREFIX):
                found.add("doi", doi)
    if "hdl" in text:
        for match in _HANDLE_IN_TEXT.finditer(text):
            if not match[1].startswith("10."):
                found.add("handle", _trim(match[1]))
    if "rn:" in text:
        for match in _URN_IN_TEXT.finditer(text):
            found.add("urn", "urn:nbn:" + _trim(match[0][8:]))
    if "SN" in text:
        for match in _ISBN_IN_TEXT.finditer(text):
            _add_isbn(match[1], found)
        for match in _ISSN_IN_TEXT.finditer(text):
            _add_issn(match[1].replace(" ", ""), found)


def classify_identifiers(
    dc: Mapping[str, Sequence[str]],
    whole_fields: Iterable[str] = ("identifier", "relation", "source"),
    text_fields: Iterable[str] = ("description", "publisher"),
) -> dict[str, list[str]]:
    """Identifiers of one record as {doi, isbn, issn, handle, urn, url, other: [values]}.

    `dc` holds cleaned values. dc:identifier is read first so the record's own identifiers
    lead each list.
    """
    found = _Found()
    for field in whole_fields:
        own = field == "identifier"
        for value in dc.get(field, ()):
            if not value:
                continue
            if _classify_whole(value, found):
                continue
            if own and _URL.fullmatch(value):
                found.add("url", value)
                continue
            before = found.added
            _scan_text(value, found)
            if own and before == found.added:
                found.add("other", value)
    for field in text_fields:
        for value in dc.get(field, ()):
            _scan_text(value, found)
    return found.result()


def own_identifiers(dc: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Only the identifiers the record gives for itself (dc:identifier).

    `identifiers` also holds DOIs and ISBNs found in relations, sources and descriptions: right
    for search and export, wrong for linking, where a cited DOI would merge two works.
    """
    values = [" ".join(value.split()) for value in dc.get("identifier", ())]
    return classify_identifiers({"identifier": values}, text_fields=())
