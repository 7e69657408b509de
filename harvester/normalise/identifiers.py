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
- A DOI sent percent-encoded ("10.1000%2Fabc", as URL-building systems write it) is decoded.
- ISBN and ISSN labels in the members' scripts count as "ISBN"/"ISSN": Persian شابک/شاپا,
  Arabic ردمك/ردمد, Chinese 书号/國際標準書號/国际标准刊号, with full-width colons and any
  script's digits; the checksum is checked all the same.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import unquote

from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn

from harvester.models import IDENTIFIER_KINDS
from harvester.normalise.dates import fold_digits

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

# Forms found inside running text. Each starts with a literal (or, for handles, a class of
# two letters) so that the regex engine skips to it: a pattern opening with \b, a lookbehind
# or re.IGNORECASE is tried at every position, 20 times slower on a 1 KB abstract. The word
# boundary is therefore checked by a lookbehind after the literal: "ISBN(?<!\wISBN)" is
# "\bISBN", and "10\.(?<![\w.]10\.)" is "(?<![\w.])10\.".
_DOI_IN_TEXT = re.compile(r"10\.(?<![\w.]10\.)\d{4,9}/[^\s\"<>]+")
_HANDLE_IN_TEXT = re.compile(
    r"[hH][dD][lL](?:(?<!\w[hH][dD][lL]):\s*|\.(?i:handle\.net)/)(\d[\d.]*/[^\s\"<>]+)"
)
_URN_IN_TEXT = re.compile(r"urn:nbn:(?<!\wurn:nbn:)[^\s\"<>]+")
_ISBN_IN_TEXT = re.compile(r"ISBN(?<!\wISBN)(?:-1[03])?\s*:?\s*([0-9][0-9 -]{8,15}[0-9X])(?![0-9])")
# "\b(?:e-?)?ISSN": "ISSN" after a non-word character ("e-" ends with one) or after a lone "e".
_ISSN_IN_TEXT = re.compile(
    r"ISSN(?:(?<!\wISSN)|(?<=eISSN)(?<!\weISSN))(?:-L)?\s*:?\s*(\d{4}\s?-?\s?\d{3}[\dX])(?![0-9])"
)

# ISBN and ISSN labels of the alliance's catalogues: Persian شابک (shābak, ISBN) and شاپا
# (shāpā, ISSN) as the National Library of Iran prints them; Arabic ردمك (ISBN) and ردمد (ISSN)
# as the Arab national libraries do; Chinese 书号 (GB/T 5795 "book number") and the full
# names of the ISBN and ISSN (国际标准书号, 国际标准连续出版物号, 国际标准刊号).
_ISBN_LABELS = re.compile(
    r"شابک|شابك|ردمك|ردمک|国际标准书号|國際標準書號|书号|書號|ＩＳＢＮ|ISBN\s*[-‐]?\s*(?:1[03])?\s*："
)
_ISSN_LABELS = re.compile(
    r"شاپا|ردمد|国际标准连续出版物号|國際標準連續出版品號|国际标准刊号|國際標準期刊號|ＩＳＳＮ|ISSN\s*："
)
_PERCENT_SLASH = re.compile("%2f", re.IGNORECASE)
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
    if value and (value[-1] in _TRAILING or value[-1] == ")"):
        value = _trim(value)
    return value.lower()


# python-stdnum validates any input (Unicode dashes, stray characters) but takes ~9 µs per
# call, as much as the rest of a record; ISBNs are unique per record, so caching cannot help.
# Values made only of digits, X, spaces and hyphens (what the regexes here capture) are
# checked by the same arithmetic below; anything else still goes to stdnum.
_NOT_NUMBER_CHAR = re.compile(r"[^0-9Xx -]")


def _compact(value: str) -> str | None:
    """stdnum's compact form of a plain number ("978-0-306..." -> "978030..."), else None."""
    if _NOT_NUMBER_CHAR.search(value):
        return None
    return value.replace(" ", "").replace("-", "").upper()


def _ean_check_digit(digits: str) -> str:
    """EAN-13 check digit of 12 digits (stdnum.ean.calc_check_digit)."""
    return str((10 - sum((3, 1)[i % 2] * int(n) for i, n in enumerate(reversed(digits)))) % 10)


def _isbn13_of_plain(number: str) -> str | None:
    """valid_isbn13 of a compacted plain number, exactly as stdnum decides it."""
    if len(number) == 9:
        number = "0" + number
    body = number[:-1]
    if not body.isdigit():
        return None
    if len(number) == 10:
        check = sum((i + 1) * int(n) for i, n in enumerate(body)) % 11
        if ("X" if check == 10 else str(check)) != number[-1]:
            return None
        return "978" + body + _ean_check_digit("978" + body)
    if len(number) == 13 and number[-1].isdigit() and number[:3] in ("978", "979"):
        return number if _ean_check_digit(body) == number[-1] else None
    return None


def _issn_of_plain(number: str) -> str | None:
    """valid_issn of a compacted plain number, exactly as stdnum decides it."""
    body = number[:-1]
    if len(number) != 8 or not body.isdigit():
        return None
    check = (11 - sum((8 - i) * int(n) for i, n in enumerate(body))) % 11
    if ("X" if check == 10 else str(check)) != number[-1]:
        return None
    return number[:4] + "-" + number[4:]


@functools.lru_cache(maxsize=4096)
def valid_isbn13(value: str) -> str | None:
    """ISBN-13 digits for a valid ISBN-10 or ISBN-13 (checksum checked), else None."""
    plain = _compact(value)
    if plain is not None:
        return _isbn13_of_plain(plain)
    try:
        number = stdnum_isbn.validate(value)
        return stdnum_isbn.compact(stdnum_isbn.to_isbn13(number))
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def valid_issn(value: str) -> str | None:
    """ISSN as NNNN-NNNC for a valid checksum, else None."""
    plain = _compact(value)
    if plain is not None:
        return _issn_of_plain(plain)
    try:
        return str(stdnum_issn.format(stdnum_issn.validate(value)))
    except ValueError:
        return None


# The identifiers of one record: {kind: {identifier: None}}, each kind de-duplicated in
# order. Only the kinds found get a dict: most records have two or three of the seven.
_Found = dict[str, dict[str, None]]


def _relabel(value: str) -> str:
    """ISBN/ISSN labels in other scripts as "ISBN "/"ISSN ", digits and colons folded."""
    if _ISBN_LABELS.search(value) or _ISSN_LABELS.search(value):
        value = _ISSN_LABELS.sub("ISSN ", _ISBN_LABELS.sub("ISBN ", value))
        return " ".join(fold_digits(value).replace("：", ":").split())
    return value


def _classify_whole(value: str) -> tuple[str, str] | None:
    """(kind, identifier) of a value that is one identifier; None when it is not one."""
    if not value.isascii():
        value = _relabel(value)
    if "%" in value and "10." in value:  # "10.1000%2Fabc": a DOI percent-encoded
        value = _PERCENT_SLASH.sub("/", value)
    if "10." in value and (match := _DOI.fullmatch(value)):
        return "doi", clean_doi(match[1])
    head = value[:24].casefold()
    if "hdl" in head and (match := _HANDLE.fullmatch(value)):
        return "handle", _trim(match[1])
    if "urn:" in head and (match := _URN.fullmatch(value)):
        urn = match[1]
        scheme = urn[4:9].casefold()
        if scheme == "isbn:":
            return _isbn(urn[9:])
        if scheme == "issn:":
            return _issn(urn[9:])
        nid, _, rest = urn[4:].partition(":")
        return "urn", f"urn:{nid.casefold()}:{_trim(rest)}"
    if head.startswith("isbn"):  # an ISSN needs "issn" or a digit first: skip its regex
        if match := _ISBN.fullmatch(value):
            return _isbn(match[1])
    elif value[0].isdigit() or head.startswith(("issn", "eissn", "e-issn")):
        if match := _ISSN.fullmatch(value):
            return _issn(match[1])
        if match := _ISBN.fullmatch(value):
            return _isbn(match[1])
    return None


def _isbn(text: str) -> tuple[str, str] | None:
    number = valid_isbn13(text)
    return None if number is None else ("isbn", number)


def _issn(text: str) -> tuple[str, str] | None:
    number = valid_issn(text)
    return None if number is None else ("issn", number)


def _scan_text(text: str, found: _Found) -> bool:
    """Pick self-identifying identifiers out of running text; True when any was found.

    Each kind is looked for only when a cheap substring test finds its marker: "10." for
    DOIs, "hdl" for handles, "rn:" for URNs, "BN"/"SN" for the printed labels ISBN and ISSN
    (running text is expected to print them in capitals, as ISBD and imprints do).

    A one-character test runs at memchr speed, a longer one ten times slower (1 µs on a
    1 KB abstract), so each marker test is preceded by one for a character every match of
    its kind contains: "/" (DOI and handle suffixes), ":" (URNs), "N" (ISBN and ISSN).
    """
    added = False  # even an identifier already in `found` counts
    if not text.isascii():
        text = _relabel(text)
    if "%" in text and "10." in text:
        text = _PERCENT_SLASH.sub("/", text)
    if "/" in text:
        if "10." in text:
            for match in _DOI_IN_TEXT.finditer(text):
                doi = clean_doi(match[0])
                if doi and not doi.startswith(_FUNDER_PREFIX):
                    found.setdefault("doi", {})[doi] = None
                    added = True
        if "hdl" in text:
            for match in _HANDLE_IN_TEXT.finditer(text):
                if not match[1].startswith("10."):
                    found.setdefault("handle", {})[_trim(match[1])] = None
                    added = True
    if ":" in text and "rn:" in text:
        for match in _URN_IN_TEXT.finditer(text):
            found.setdefault("urn", {})["urn:nbn:" + _trim(match[0][8:])] = None
            added = True
    if "N" in text and ("BN" in text or "SN" in text):  # ISBN, ISSN
        for match in _ISBN_IN_TEXT.finditer(text):
            if isbn := valid_isbn13(match[1]):
                found.setdefault("isbn", {})[isbn] = None
                added = True
        for match in _ISSN_IN_TEXT.finditer(text):
            if issn := valid_issn(match[1].replace(" ", "")):
                found.setdefault("issn", {})[issn] = None
                added = True
    return added


def classify_identifiers(
    dc: Mapping[str, Sequence[str]],
    whole_fields: Iterable[str] = ("identifier", "relation", "source"),
    text_fields: Iterable[str] = ("description", "publisher"),
) -> dict[str, list[str]]:
    """Identifiers of one record as {doi, isbn, issn, handle, urn, url, other: [values]}.

    `dc` holds cleaned values. dc:identifier is read first so the record's own identifiers
    lead each list.
    """
    found: _Found = {}
    for field in whole_fields:
        if field != "identifier":
            for value in dc.get(field, ()):
                if value:
                    _merge(found, _reference_identifiers(value))
            continue
        for value in dc.get(field, ()):
            if not value:
                continue
            pair = _classify_whole(value)
            if pair is None:
                if _URL.fullmatch(value):
                    pair = ("url", value)
                elif _scan_text(value, found):
                    continue
                else:
                    pair = ("other", value)
            if pair[1]:
                found.setdefault(pair[0], {})[pair[1]] = None
    for field in text_fields:
        if field == "publisher":
            for value in dc.get(field, ()):
                _merge(found, _text_identifiers(value))
            continue
        for value in dc.get(field, ()):
            _scan_text(value, found)
    return {kind: list(found[kind]) if kind in found else [] for kind in IDENTIFIER_KINDS}


# Relations, sources and publishers recur from record to record (a community, a series, a
# journal, a press): what they hold is cached, as (kind, identifiers) pairs to merge.
# Descriptions are unique to a record and are scanned afresh.
_Identifiers = tuple[tuple[str, tuple[str, ...]], ...]


def _merge(found: _Found, identifiers: _Identifiers) -> None:
    for kind, values in identifiers:
        found.setdefault(kind, {}).update(dict.fromkeys(values))


@functools.lru_cache(maxsize=4096)
def _text_identifiers(text: str) -> _Identifiers:
    """The identifiers _scan_text finds in a text."""
    found: _Found = {}
    _scan_text(text, found)
    return tuple((kind, tuple(values)) for kind, values in found.items())


@functools.lru_cache(maxsize=4096)
def _reference_identifiers(value: str) -> _Identifiers:
    """The identifiers of a dc:relation or dc:source value: itself, or those in its text."""
    pair = _classify_whole(value)
    if pair is None:
        return _text_identifiers(value)
    return ((pair[0], (pair[1],)),) if pair[1] else ()


def own_identifiers(dc: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Only the identifiers the record gives for itself (dc:identifier).

    `identifiers` also holds DOIs and ISBNs found in relations, sources and descriptions: right
    for search and export, wrong for linking, where a cited DOI would merge two works.
    """
    values = [" ".join(value.split()) for value in dc.get("identifier", ())]
    return classify_identifiers({"identifier": values}, text_fields=())
