"""ISO 15924 codes of the scripts a title is written in.

A union catalogue of Asian national libraries needs to know whether a title is in Han,
Cyrillic, Thai or Arabic script (to pick fonts, transliteration and search analysers), and
dc:language does not say it (Uzbek and Mongolian are written in two scripts each). The
script of a letter is read from its Unicode character name ("CYRILLIC SMALL LETTER A"),
which the standard library has, and matched to pycountry's ISO 15924 script names. Digits,
punctuation, symbols and combining marks belong to no script and are ignored.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from harvester.normalise.isodata import read_entries
from harvester.normalise.text import character_class

# Unicode name prefixes that differ from the ISO 15924 English name.
_SPECIAL_PREFIXES: dict[str, str | None] = {
    "CJK": "Hani",
    "IDEOGRAPHIC": "Hani",  # 々 ideographic iteration mark
    "KANGXI": "Hani",
    "FULLWIDTH LATIN": "Latn",
    "HALFWIDTH KATAKANA": "Kana",
    "HALFWIDTH HANGUL": "Hang",
    "MODIFIER": None,  # modifier letters (ʻ in Oʻzbek) are Common
    "MATHEMATICAL": None,
    "NKO": "Nkoo",
    "CANADIAN SYLLABICS": "Cans",
    "YI": "Yiii",
    "OLD TURKIC": "Orkh",
    "COPTIC": "Copt",
}


@functools.cache
def _prefixes() -> dict[str, str | None]:
    """{upper-case name prefix: ISO 15924 code}, from pycountry's script names.

    Read from pycountry's iso15924.json (see isodata), not through its object database.
    """
    prefixes: dict[str, str | None] = {}
    for code, name in read_entries("iso15924.json", "15924", ("alpha_4", "name")):
        if "variant" in name or "alias" in name or "private use" in name:
            continue
        for part in name.replace(")", "").replace(" (", ", ").split(", "):
            prefixes.setdefault(part.upper(), code)
    prefixes.update(_SPECIAL_PREFIXES)
    return prefixes


@functools.lru_cache(maxsize=16384)
def script_of(char: str) -> str | None:
    """ISO 15924 code of one letter, or None for Common/unknown characters."""
    if not char.isalpha():
        return None
    if char.isascii():
        return "Latn"
    name = unicodedata.name(char, "")
    if not name:
        return None
    words = name.split()
    prefixes = _prefixes()
    for length in (3, 2, 1):
        prefix = " ".join(words[:length])
        if prefix in prefixes:
            return prefixes[prefix]
    return None


_ASCII_LETTER = re.compile("[A-Za-z]")


@functools.cache
def _bmp_letters() -> dict[str, list[int]]:
    """{script: code points of its letters} over the Basic Multilingual Plane.

    Built once, on first use, from script_of (65,536 characters, about 0.3 s).
    """
    letters: dict[str, list[int]] = {}
    for code_point in range(0x10000):
        code = script_of.__wrapped__(chr(code_point))  # uncached: keep the cache for real text
        if code is not None:
            letters.setdefault(code, []).append(code_point)
    return letters


@functools.cache  # one per script: 70 or so at most
def _letter_outside(script: str | None) -> re.Pattern[str]:
    """A pattern matching a BMP letter of any script but `script` (of any script if None)."""
    code_points = [
        code_point
        for code, group in _bmp_letters().items()
        if code != script
        for code_point in group
    ]
    return re.compile(character_class(sorted(code_points)))


def _scripts_by_character(text: str) -> list[str]:
    """Scripts of the letters in a text, in order of first appearance, character by character."""
    return list(dict.fromkeys(c for c in map(script_of, dict.fromkeys(text)) if c))


def _scripts_of(text: str) -> list[str]:
    """Scripts of the letters in a non-ASCII text, in order of first appearance.

    Looking each character up costs a string object, a hash and a cache look-up per
    character, more than the rest of a title's normalisation. Most titles are in one
    script: a regex finds the first letter, a second one any letter of another script,
    both in C. Text in several scripts or beyond the BMP (rare) takes the plain route.
    """
    try:
        beyond_bmp = len(text.encode("utf-16")) != 2 * len(text) + 2  # BOM + surrogate pairs
    except UnicodeEncodeError:  # a lone surrogate
        beyond_bmp = True
    if beyond_bmp:
        return _scripts_by_character(text)
    first = _letter_outside(None).search(text)
    if first is None:
        return []
    code = script_of(first.group())
    if code is None or _letter_outside(code).search(text, first.end()) is not None:
        return _scripts_by_character(text)
    return [code]


def detect_scripts(texts: Iterable[str]) -> list[str]:
    """ISO 15924 codes of the letters in the texts, in order of first appearance."""
    found: dict[str, None] = {}
    for text in texts:
        if text.isascii():
            if "Latn" not in found and _ASCII_LETTER.search(text):
                found["Latn"] = None
            continue
        found.update(dict.fromkeys(_scripts_of(text)))
    return list(found)
