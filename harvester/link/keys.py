"""Match keys: what a record can be linked by (identifiers, folded title, creator and year).

Pure functions over a normalised record row; ``harvester.link.clusters`` turns shared keys into
clusters. Folding here is for matching only: it never changes a stored value.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlsplit

from harvester.normalise.identifiers import own_identifiers

RecordRef = tuple[str, str]  # (source, identifier)
MatchKey = tuple[str, str]  # (kind, value)


class StoredKeys(Protocol):
    """The keys of the previous linking, read many records or keys per call (one query each)."""

    def match_keys_of(self, refs: Collection[RecordRef]) -> Mapping[RecordRef, Sequence[MatchKey]]:
        """The stored keys of each record (absent or empty: none)."""
        ...

    def count_sharing(self, keys: Collection[MatchKey], limit: int) -> Mapping[MatchKey, int]:
        """How many records have each key, counted up to `limit` (absent: none)."""
        ...

    def records_sharing(self, keys: Collection[MatchKey]) -> Mapping[MatchKey, Sequence[RecordRef]]:
        """Every record having each key; asked only for keys known to have few."""
        ...


DOI, ISBN, ISSN_TITLE, HANDLE, URL = "doi", "isbn", "issn+title", "handle", "url"
FUZZY = "title+creator+year"
STRONG_KINDS: tuple[str, ...] = (DOI, ISBN, ISSN_TITLE, HANDLE, URL)
KEY_KINDS: tuple[str, ...] = (*STRONG_KINDS, FUZZY)  # strongest first
DEFAULT_MAX_KEY_RECORDS = 100


# --- folding ----------------------------------------------------------------------------------

# Scripts whose combining marks are optional diacritics (accents, harakat, niqqud), as code point
# ranges. Marks after any other base character are kept: in Thai, Lao, Myanmar, Devanagari,
# Bengali, Sinhala, Tibetan, Khmer, ... vowel signs and tone marks are part of the spelling, and
# in Japanese the dakuten distinguishes ka from ga.
_DIACRITIC_SCRIPT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x02FF),  # Basic Latin to Spacing Modifiers (incl. Latin Extended, IPA)
    (0x0370, 0x058F),  # Greek, Cyrillic (+ Supplement), Armenian
    (0x0590, 0x06FF),  # Hebrew, Arabic
    (0x0750, 0x077F),  # Arabic Supplement
    (0x08A0, 0x08FF),  # Arabic Extended-A
    (0x1C80, 0x1C8F),  # Cyrillic Extended-C
    (0x1E00, 0x1FFF),  # Latin Extended Additional (Vietnamese), Greek Extended
    (0x2C60, 0x2C7F),  # Latin Extended-C
    (0x2DE0, 0x2DFF),  # Cyrillic Extended-A
    (0xA640, 0xA69F),  # Cyrillic Extended-B
    (0xA720, 0xA7FF),  # Latin Extended-D
    (0xAB30, 0xAB6F),  # Latin Extended-E
    (0xFB1D, 0xFDFF),  # Hebrew and Arabic presentation forms
    (0xFE70, 0xFEFF),  # Arabic presentation forms-B
)
_RANGE_STARTS = [start for start, _ in _DIACRITIC_SCRIPT_RANGES]

# Arabic-script letters that Persian and Arabic catalogues spell interchangeably.
_ARABIC_VARIANTS = {"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه"}
_DROPPED_LETTERS = frozenset("ـ")  # Arabic tatweel only stretches a word
_BRACKETED = re.compile(r"\[[^\]]*\]")  # ISBD [electronic resource], [Текст], [1990]
_RESPONSIBILITY = re.compile(r"\s/\s")  # ISBD: title / statement of responsibility


def _marks_are_diacritics(char: str) -> bool:
    """True if combining marks after this base character may be dropped."""
    code = ord(char)
    index = bisect_right(_RANGE_STARTS, code) - 1
    return index >= 0 and code <= _DIACRITIC_SCRIPT_RANGES[index][1]


def fold_text(text: str) -> str:
    """Fold width, case, optional diacritics, digits and punctuation; drop all spacing.

    Only letters, marks that carry meaning and numbers survive, so titles spaced, punctuated or
    accented differently fold alike, in every script. Spaces are dropped rather than collapsed
    because Thai, Chinese and Japanese catalogues space words inconsistently.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    strip_marks = True
    for char in unicodedata.normalize("NFKD", folded):
        fold = _CHAR_FOLDS.get(char) or _fold_char(char)
        if fold.is_mark:
            if not strip_marks:
                out.append(char)
            continue
        strip_marks = fold.strips_marks
        out.append(fold.output)
    return unicodedata.normalize("NFC", "".join(out))


class _CharFold(NamedTuple):
    is_mark: bool
    output: str  # what the character becomes ("" to drop it)
    strips_marks: bool  # whether marks after it are optional diacritics


# Per-character answers, filled as characters are met: the alphabet of a catalogue is small,
# and looking a character up once beats asking unicodedata for every character of every title.
_CHAR_FOLDS: dict[str, _CharFold] = {}


def _fold_char(char: str) -> _CharFold:
    category = unicodedata.category(char)
    if category[0] == "M":
        fold = _CharFold(True, "", False)
    else:
        output = ""
        if category == "Nd":
            output = str(unicodedata.decimal(char))  # Thai, Persian, Arabic digits -> ASCII
        elif category[0] in "LN" and char not in _DROPPED_LETTERS:
            output = _ARABIC_VARIANTS.get(char, char)
        fold = _CharFold(False, output, _marks_are_diacritics(char))
    _CHAR_FOLDS[char] = fold
    return fold


def fold_title(text: str) -> str:
    """Fold a title for matching; see ``fold_text``.

    ISBD additions copied from MARC into dc:title are removed first: bracketed general material
    designations ("[electronic resource]", "[Текст]") and the statement of responsibility after
    " / ". Traditional and simplified Chinese are not unified.
    """
    text = unicodedata.normalize("NFKC", text)
    title_proper = _RESPONSIBILITY.split(text, maxsplit=1)[0]
    proper = fold_text(title_proper)
    if proper:
        text = title_proper
    unbracketed = _BRACKETED.sub(" ", text)
    if proper and unbracketed == text:  # nothing bracketed: folded already (most titles)
        return proper
    return fold_text(unbracketed) or fold_text(text)


# --- creators ---------------------------------------------------------------------------------

_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7AF),  # Hangul Syllables
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3FFFF),  # CJK Extensions B and later
)
_COMMAS = re.compile(r"[,،、]")
_PARENTHESISED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_CJK_ROLES = frozenset({"著", "编著", "編著", "主编", "主編", "编", "編", "译", "譯", "撰", "等"})


_CJK_CHAR = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _CJK_RANGES) + "]")


def _is_cjk(text: str) -> bool:
    return _CJK_CHAR.search(text) is not None


def _is_initial(token: str) -> bool:
    """Initials such as J., J, Л., Jr. or J.-P. cannot be a family name."""
    letters = sum(1 for char in token if char.isalpha())
    return letters <= 1 or (letters <= 2 and token.endswith("."))


def _cjk_family_name(name: str) -> str:
    """CJK names are written family name first: keep the whole name, minus dates and roles."""
    parts = [part for part in _COMMAS.split(name) if not any(c.isdigit() for c in part)]
    tokens = " ".join(parts).split()
    while len(tokens) > 1 and tokens[-1] in _CJK_ROLES:
        tokens.pop()
    return "".join(tokens)


def family_name(creator: str) -> str:
    """The folded family name of a creator, for the fuzzy key.

    "Family, Given" gives Family; "Given Family" (Latin, Cyrillic, Thai, ...) gives the last
    token that is not an initial ("Толстой Л. Н." -> толстои); a CJK name gives the whole name.
    Names written family-first without a comma in Latin script (Vietnamese, pinyin) give the
    given name instead; that only loses links between records that order the name differently.
    """
    name = _PARENTHESISED.sub(" ", unicodedata.normalize("NFKC", creator)).strip()
    if _is_cjk(name):
        return fold_text(_cjk_family_name(name))
    if _COMMAS.search(name):
        return fold_text(_COMMAS.split(name, maxsplit=1)[0])
    tokens = name.split()
    names = [token for token in tokens if not _is_initial(token)] or tokens
    return fold_text(names[-1]) if names else ""


# --- identifiers ------------------------------------------------------------------------------

_DOI_PREFIX = re.compile(r"^(?:doi:\s*|info:doi/|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_HANDLE_PREFIX = re.compile(r"^(?:hdl:\s*|info:hdl/|https?://hdl\.handle\.net/)", re.IGNORECASE)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def normalise_doi(value: str) -> str | None:
    """Bare lowercase DOI ("10.x/y"); DOIs are case-insensitive. None if it is not one."""
    doi = _DOI_PREFIX.sub("", value.strip()).strip().lower()
    return doi if doi.startswith("10.") and "/" in doi else None


def normalise_handle(value: str) -> str | None:
    """Bare lowercase handle ("prefix/suffix"); handles are case-insensitive in ASCII."""
    handle = _HANDLE_PREFIX.sub("", value.strip()).strip().lower()
    return handle if "/" in handle and " " not in handle else None


def normalise_isbn(value: str) -> str | None:
    """ISBN-13 digits with a valid check digit (ISBN-10 converted); None otherwise."""
    digits = re.sub(r"[\s-]", "", value).upper()
    if re.fullmatch(r"\d{9}[\dX]", digits):
        if sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits)) % 11:
            return None
        digits = "978" + digits[:9]
        return digits + str(-sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10)
    if re.fullmatch(r"97[89]\d{10}", digits):
        total = sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits))
        return digits if total % 10 == 0 else None
    return None


def normalise_issn(value: str) -> str | None:
    """ISSN as NNNN-NNNC with a valid check character; None otherwise."""
    chars = re.sub(r"[\s-]", "", value).upper()
    if not re.fullmatch(r"\d{7}[\dX]", chars):
        return None
    total = sum((8 - i) * int(c) for i, c in enumerate(chars[:7]))
    check = (11 - total % 11) % 11
    return f"{chars[:4]}-{chars[4:]}" if chars[7] == ("X" if check == 10 else str(check)) else None


def normalise_url(value: str) -> str | None:
    """URL without scheme, default port, fragment or trailing slash; lowercase host."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https", "ftp") or not parts.hostname:
        return None
    host = parts.hostname
    if port is not None and str(port) != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    url = host + parts.path.rstrip("/")
    return f"{url}?{parts.query}" if parts.query else url


# --- match keys -------------------------------------------------------------------------------


def _values(identifiers: Mapping[str, Any], kind: str) -> list[str]:
    values = identifiers.get(kind) or []
    return [str(v) for v in values] if isinstance(values, list | tuple) else [str(values)]


def _identifier_keys(identifiers: Mapping[str, Any], title: str) -> list[MatchKey]:
    """Strong keys, in KEY_KINDS order; DOI and handle URLs count as DOIs and handles."""
    found: dict[str, list[str]] = {kind: [] for kind in STRONG_KINDS}
    found[DOI] += [d for v in _values(identifiers, "doi") if (d := normalise_doi(v))]
    found[ISBN] += [i for v in _values(identifiers, "isbn") if (i := normalise_isbn(v))]
    if title:
        issns = (normalise_issn(v) for v in _values(identifiers, "issn"))
        found[ISSN_TITLE] += [f"{issn}|{title}" for issn in issns if issn]
    found[HANDLE] += [h for v in _values(identifiers, "handle") if (h := normalise_handle(v))]
    for value in _values(identifiers, "url"):
        url = normalise_url(value)
        if url is None:
            continue
        host = url.split("/", 1)[0]
        if host in ("doi.org", "dx.doi.org") and (doi := normalise_doi(value)):
            found[DOI].append(doi)
        elif host == "hdl.handle.net" and (handle := normalise_handle(value)):
            found[HANDLE].append(handle)
        else:
            found[URL].append(url)
    return [(kind, value) for kind in STRONG_KINDS for value in dict.fromkeys(found[kind])]


def _fuzzy_key(row: Mapping[str, Any], title: str) -> MatchKey | None:
    creators = row.get("creators") or []
    year = row.get("year")
    if not (title and creators and isinstance(year, int | str) and str(year).strip()):
        return None
    family = family_name(str(creators[0]))
    return (FUZZY, f"{title}|{family}|{str(year).strip()}") if family else None


def match_keys(row: Mapping[str, Any]) -> list[MatchKey]:
    """The keys a record can be linked by: strong identifier keys first, then the fuzzy key."""
    if row.get("deleted"):
        return []
    titles = [row.get("title"), *(row.get("titles") or [])]
    title = next((f for t in titles if t and (f := fold_title(str(t)))), "")
    keys = _identifier_keys(row.get("identifiers") or {}, title)
    fuzzy = _fuzzy_key(row, title)
    return [*keys, fuzzy] if fuzzy else keys


def record_keys(fields: Mapping[str, Any], deleted: bool) -> list[MatchKey]:
    """The keys of a record from its normalised fields and raw `dc` values.

    Only the record's own identifiers (dc:identifier) make keys: a DOI it merely cites is
    another work. The page workers call this as they normalise a page; the link step for
    records queued without keys.
    """
    if deleted:
        return []
    return match_keys({**fields, "identifiers": own_identifiers(fields.get("dc") or {})})
