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
import unicodedata
from collections.abc import Iterable

import pycountry

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
    """{upper-case name prefix: ISO 15924 code}, from pycountry's script names."""
    prefixes: dict[str, str | None] = {}
    for script in pycountry.scripts:
        name: str = script.name
        if "variant" in name or "alias" in name or "private use" in name:
            continue
        for part in name.replace(")", "").replace(" (", ", ").split(", "):
            prefixes.setdefault(part.upper(), script.alpha_4)
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


def detect_scripts(texts: Iterable[str]) -> list[str]:
    """ISO 15924 codes of the letters in the texts, in order of first appearance."""
    found: dict[str, None] = {}
    for text in texts:
        if text.isascii():
            if "Latn" not in found and any(c.isalpha() for c in text):
                found["Latn"] = None
            continue
        for char in dict.fromkeys(text):
            code = script_of(char)
            if code is not None:
                found[code] = None
    return list(found)
