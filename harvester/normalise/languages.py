"""dc:language values to ISO 639-3 codes.

Catalogues send ISO 639-1 ("en"), 639-2/B ("fre", "chi"), 639-2/T and 639-3 ("fra", "zho"),
locale and BCP 47 tags ("en_US", "zh-Hans"), English names and names in the language itself
("Русский", "ภาษาไทย"). Codes and English names come from pycountry (ISO 639-3 tables);
endonyms come from the hand-written table in data.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from harvester.normalise.data import (
    DEPRECATED_LANGUAGE_CODES,
    GRANDFATHERED_TAGS,
    LANGUAGE_NAMES,
    LANGUAGE_WORD_PREFIXES,
    LANGUAGE_WORD_SUFFIXES,
    UNUSABLE_LANGUAGE_CODES,
)
from harvester.normalise.isodata import read_entries
from harvester.normalise.text import clean_text

# BCP 47 / POSIX locale: primary subtag, then region/script/variant subtags.
_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*(?:\.[a-z0-9-]+)?(?:@[a-z]+)?")
# A qualifier after the name: "Chinese (Simplified)", "Persian (Farsi)", "Uzbek [Latin]".
_QUALIFIED = re.compile(r"(.+?)\s*[(\[]([^()\[\]]+)[)\]]")
_SEPARATORS = re.compile(r"\s*(?:[;,/|+&]|\band\b|\bet\b|\bи\b|和)\s*")
# Apostrophes people type for the Uzbek oʻ/gʻ letters.
_APOSTROPHES = str.maketrans(dict.fromkeys("ʻʼ‘’`´ʹ", "'"))
# Arabic-script letter variants: Arabic kaf/yeh and Persian keheh/yeh are one letter to a reader.
_ARABIC_VARIANTS = str.maketrans({"ك": "ک", "ي": "ی", "ى": "ی"})


def lookup_key(value: str) -> str:
    """The form names are compared in: cleaned, case-folded, apostrophes and kaf/yeh unified."""
    key = clean_text(value).casefold().translate(_APOSTROPHES)
    if not key.isascii():
        key = key.translate(_ARABIC_VARIANTS)
    return key.replace("（", "(").replace("）", ")").strip(" .;:,")


# The fields of an ISO 639-3 entry that _tables reads, in the order it unpacks them.
_ISO_639_3_FIELDS = (
    "alpha_3",
    "alpha_2",
    "bibliographic",
    "name",
    "common_name",
    "inverted_name",
    "scope",
)


@functools.cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """Build {code: ISO 639-3} and {name: ISO 639-3} once, on first use.

    English names that ISO 639-3 qualifies ("Malay (macrolanguage)") are also entered bare;
    a bare name shared by a macrolanguage and one of its members goes to the macrolanguage.
    Read from pycountry's iso639-3.json (see isodata): its object database would cost 12 MB.
    """
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    qualified: dict[str, str] = {}
    for code, alpha_2, bibliographic, *spellings, scope in read_entries(
        "iso639-3.json", "639-3", _ISO_639_3_FIELDS
    ):
        codes[code] = code
        for other in (alpha_2, bibliographic):
            if other:
                codes.setdefault(other, code)
        for name in spellings:  # name, common_name, inverted_name
            if not name:
                continue
            key = lookup_key(name)
            names.setdefault(key, code)
            bare = key.split(" (", 1)[0]
            if bare != key and (bare not in qualified or scope == "M"):
                qualified[bare] = code
    for bare, code in qualified.items():
        names.setdefault(bare, code)
    for old, code in DEPRECATED_LANGUAGE_CODES.items():
        codes.setdefault(old, code)
    for name, code in LANGUAGE_NAMES.items():
        names[lookup_key(name)] = code
    return codes, names


@functools.cache
def _affixes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words for "language" in lookup form (Arabic-script letters unified)."""
    return (
        tuple(word.casefold().translate(_ARABIC_VARIANTS) for word in LANGUAGE_WORD_PREFIXES),
        tuple(word.casefold().translate(_ARABIC_VARIANTS) for word in LANGUAGE_WORD_SUFFIXES),
    )


def _lookup_one(key: str) -> str | None:
    """One language (already a lookup key) to its code, or None."""
    codes, names = _tables()
    if len(key) <= 3 and key in codes:
        return codes[key]
    if key in names:
        return names[key]
    tag = _TAG.fullmatch(key)
    if tag:
        return _tag_language(key, tag.group(1), codes)
    prefixes, suffixes = _affixes()
    for prefix in prefixes:
        if key.startswith(prefix) and key[len(prefix) :].strip() in names:
            return names[key[len(prefix) :].strip()]
    for suffix in suffixes:
        if key.endswith(suffix) and key[: -len(suffix)].strip() in names:
            return names[key[: -len(suffix)].strip()]
    qualified = _QUALIFIED.fullmatch(key)
    if qualified:  # the name, else the qualifier when it is the name ("(Farsi)")
        return _lookup_one(qualified[1]) or _lookup_one(qualified[2].strip())
    return None


def _tag_language(key: str, primary: str, codes: dict[str, str]) -> str | None:
    """The language of a BCP 47 tag: its primary subtag, or an extended language subtag
    ("zh-yue-HK" is Cantonese, RFC 5646 section 2.2.2), or a grandfathered tag's language."""
    if key.replace("_", "-") in GRANDFATHERED_TAGS:
        return GRANDFATHERED_TAGS[key.replace("_", "-")]
    subtags = key.replace("_", "-").split("-")
    if len(subtags) > 1 and len(subtags[1]) == 3 and subtags[1].isalpha():
        extended = codes.get(subtags[1])
        if extended is not None and len(primary) == 2:
            return extended
    return codes.get(primary)


@functools.lru_cache(maxsize=8192)
def language_codes(value: str) -> tuple[str, ...]:
    """All ISO 639-3 codes named in one dc:language value ("eng; rus" names two).

    "und" (undetermined) and "mis" (uncoded) are dropped: they tell a reader nothing.
    """
    key = lookup_key(value)
    if not key:
        return ()
    found = _lookup_one(key)
    if found is None and _SEPARATORS.search(key):
        parts = (_lookup_one(part) for part in _SEPARATORS.split(key) if part)
        return tuple(dict.fromkeys(p for p in parts if p and p not in UNUSABLE_LANGUAGE_CODES))
    if found is None or found in UNUSABLE_LANGUAGE_CODES:
        return ()
    return (found,)


def normalise_language(value: str | None) -> str | None:
    """The first ISO 639-3 code named in a value, or None (e.g. for a source's default)."""
    if not value or not isinstance(value, str):
        return None
    codes = language_codes(value)
    return codes[0] if codes else None


def normalise_languages(values: Iterable[str]) -> list[str]:
    """ISO 639-3 codes of all values, de-duplicated in order; unknown values are dropped."""
    result: dict[str, None] = {}
    for value in values:
        for code in language_codes(value):
            result[code] = None
    return list(result)
