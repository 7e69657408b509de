"""Folding for search: one function for the indexed text and the query alike.

Readers type what their keyboard gives them: Arabic kaf for Persian keheh, no zero-width
non-joiner, no harakat, no Vietnamese tone marks, Simplified characters for a Traditional
title. ``fold`` maps all of these to one form, so a word matches however it was typed.
It never changes a stored value: it only builds what the search index holds and what a query
is compared with. ``fold(fold(x)) == fold(x)`` (a property test pins it).

- Unicode NFKC (full-width and half-width forms, ligatures, presentation forms) and case folding.
- Latin (and Greek) letters lose their diacritics, including letters that are not a base letter
  plus a mark: đ, ł, ø, æ, œ, ı, þ; ß becomes ss. Uzbek ʻ and ʼ vanish, and so does an
  apostrophe after o or g (O'zbekiston, Oʻzbekiston and Ozbekiston fold alike); any other
  apostrophe separates words (l'histoire).
- Cyrillic ё becomes е; й, ї, ў and the other letters stay (they are letters of their own).
- Arabic script: kaf/keheh, yeh/Farsi yeh/alef maksura, teh marbuta/heh, the hamza carriers
  (أ إ آ ٱ ؤ ئ) and Urdu heh forms fold to one letter each; tatweel and harakat go; Arabic-Indic
  and Persian digits (and every other decimal digit) become ASCII.
- ZWNJ, ZWJ, soft hyphen, BOM and word joiners go, so قابوسنامه meets قابوس‌نامه.
- Chinese: Traditional characters become Simplified with OpenCC's t2s conversion (phrases
  included), the maintained conversion used by the Chinese Wikipedia, not a table of our own.

Combining marks after Thai, Lao, Myanmar, Devanagari and the other Brahmic scripts are kept:
there they are vowels and tones, part of the spelling.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

import opencc

from harvester.normalise.text import character_class

# Arabic-script letters written interchangeably across Arabic, Persian and Urdu catalogues.
ARABIC_VARIANTS: dict[str, str] = {
    "ك": "ک",  # Arabic kaf -> keheh
    "ڪ": "ک",  # swash kaf
    "ي": "ی",  # Arabic yeh -> Farsi yeh
    "ى": "ی",  # alef maksura
    "ې": "ی",
    "ئ": "ی",  # hamza on yeh
    "ة": "ه",  # teh marbuta
    "ۃ": "ه",  # Urdu teh marbuta goal
    "ۀ": "ه",  # heh with yeh above
    "ہ": "ه",  # Urdu heh goal
    "ھ": "ه",  # heh doachashmee
    "ە": "ه",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ؤ": "و",
}
# Latin letters that Unicode does not decompose into a base letter and a mark.
_LATIN_LETTERS: dict[str, str] = {
    "đ": "d",
    "ð": "d",
    "ł": "l",
    "ŀ": "l",
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "ı": "i",
    "þ": "th",
    "ħ": "h",
    "ŧ": "t",
    "ƒ": "f",
    "ɨ": "i",
    "ʉ": "u",
    "ɛ": "e",
    "ɔ": "o",
    "ŋ": "ng",
    "ĸ": "q",
    "ſ": "s",
    "ё": "е",  # Cyrillic: readers type е for ё
}
# Removed for matching: the word-internal joiners and invisible characters, tatweel.
_REMOVED = "\u00ad\u200c\u200d\u2060\ufeff\u0640\u02bb\u02bc\u02bf\u02be"
# Marks dropped wherever they stand: the combining diacritics of Latin, Greek and Cyrillic
# (after NFKC only stray ones remain uncomposed), Hebrew points, Arabic harakat and Quranic marks.
_MARK_RANGES = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
    (0x0591, 0x05C7),
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0670, 0x0670),
    (0x06D6, 0x06ED),
    (0x08D3, 0x08FF),
)
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
# An apostrophe that is an Uzbek letter sign: after o or g, before a letter.
_UZBEK_APOSTROPHE = re.compile(r"(?<=[og])['‘’`](?=\w)")
_APOSTROPHES = str.maketrans({"'": " ", "‘": " ", "’": " ", "`": " "})


_MAPPED_LETTERS = {**ARABIC_VARIANTS, **_LATIN_LETTERS}
# Marks after these letters are optional diacritics: Latin and Greek, not Cyrillic (й is a letter).
# (the whole run of marks, harakat or Hebrew points among them: NFD may order them first)
_LATIN_MARKS = re.compile(
    "(?<=[a-z\u00c0-\u024f\u0370-\u03ff\u1e00-\u1fff])["
    + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _MARK_RANGES)
    + "]+"
)


def _char_class(chars: set[str]) -> re.Pattern[str]:
    return re.compile(character_class(sorted(map(ord, chars))))


class _Steps(NamedTuple):
    """Which characters need which step. A regex class finds them at C speed: most text needs
    few steps or none, and looking at each character in Python costs more than the folding."""

    mapped: dict[str, str]  # characters -> their fold ("" to drop them)
    needs_mapping: re.Pattern[str]
    needs_decomposing: re.Pattern[str]  # Latin and Greek letters with marks, stray marks
    traditional: re.Pattern[str]  # Han characters OpenCC's t2s changes


@functools.cache
def _steps() -> _Steps:
    """Built once, on first use, over the Basic Multilingual Plane (about 0.1 s)."""
    mapped = dict.fromkeys(_REMOVED, "") | _MAPPED_LETTERS
    decomposed = {chr(c) for c in range(0x300, 0x370)}
    han = []
    for code in range(0x80, 0x10000):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Nd":
            mapped[char] = str(unicodedata.decimal(char))
        elif category[0] == "M" and any(lo <= code <= hi for lo, hi in _MARK_RANGES):
            mapped[char] = ""  # after NFKC (and NFC below) only stray marks are left
        elif (
            category[0] == "L"
            and (0xC0 <= code <= 0x24F or 0x370 <= code <= 0x3FF or 0x1E00 <= code <= 0x1FFF)
            and unicodedata.normalize("NFD", char) != char
        ):
            decomposed.add(char)
        elif _HAN.match(char):
            han.append(char)
    simplified = _t2s().convert("".join(han))
    traditional = {t for t, s in zip(han, simplified, strict=False) if t != s}
    if len(simplified) != len(han):  # t2s is one character for one: check, never assume
        traditional = set(han)
    return _Steps(
        mapped, _char_class(set(mapped)), _char_class(decomposed), _char_class(traditional)
    )


def _mapped(match: re.Match[str]) -> str:
    return _steps().mapped[match.group()]


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def fold(text: str, depth: int = 0) -> str:
    """The search form of a text: see the module docstring for what folds to what."""
    if text.isascii():
        text = text.lower()
        if "'" in text or "`" in text:
            text = _UZBEK_APOSTROPHE.sub("", text).translate(_APOSTROPHES)
        return text
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
    steps = _steps()
    if steps.needs_decomposing.search(text):
        text = unicodedata.normalize(
            "NFC", _LATIN_MARKS.sub("", unicodedata.normalize("NFD", text))
        )
    text = steps.needs_mapping.sub(_mapped, text)
    if "'" in text or "`" in text or "‘" in text or "’" in text:
        text = _UZBEK_APOSTROPHE.sub("", text).translate(_APOSTROPHES)
    if steps.traditional.search(text):
        text = _t2s().convert(text)
    if depth < 3 and not unicodedata.is_normalized("NFKC", text):
        # A kept mark may now follow a new base letter (rare): settle it, so folding twice
        # gives what folding once gave.
        return fold(text, depth + 1)
    return text
