"""East Asian years written in words: Chinese numerals, Minguo "元年" and Japanese eras.

Chinese and Japanese catalogues write imprint years in numerals ("二〇〇五年", "一九八七年版",
"民國六十五年") and Japanese ones in the era of the reigning emperor ("昭和50年", "平成元年",
where 元年 is the first year of an era). The numerals are read by kanjize and the era table
comes from japanera (both maintained on PyPI; japanera ships the Cabinet Office's era list
with the first day of each era). Only the eras since the Meiji restoration are recognised:
earlier Japanese era names are also Chinese reign names with other years ("建武", "大同"), and
a Chinese catalogue's reign year must not become a Japanese one.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from japanera import ERA_DATA_GENERAL
from kanjize import kanji2number

JAPANESE = "japanese"

# Numeral runs that stand before 年 (year), 月 (month) or 日/号/號 (day). ○ (white circle) is
# typed for 〇 and 两/兩 for 二; 廿 and 卅 are 20 and 30 in day numbers.
_NUMERAL_CHARS = "〇○零一二三四五六七八九十百千两兩廿卅"
_NUMERALS = re.compile(f"[{_NUMERAL_CHARS}]+(?=\\s*[年月日号號])")
_NUMERAL_FIXES = str.maketrans({"○": "〇", "两": "二", "兩": "二"})
_FIRST_YEAR = re.compile(r"(民[國国]|明治|大正|昭和|平成|令和)\s*元\s*年")
_ROMAN_MACRONS = str.maketrans({"ō": "o", "ū": "u", "Ō": "o", "Ū": "u"})


class Era(NamedTuple):
    """A Japanese era: its first Gregorian year and the last year it can be numbered."""

    name: str
    first: int
    last: int | None  # None while the era lasts


@functools.cache
def modern_eras() -> dict[str, Era]:
    """{kanji or romanised name (lower case): era} for the eras since Meiji (1868)."""
    eras: dict[str, Era] = {}
    for era in ERA_DATA_GENERAL:
        since = era.since
        if since is None or since.year < 1868 or not era.kanji:
            continue
        until = era.until
        entry = Era(era.kanji, since.year, until.year if until is not None else None)
        eras[era.kanji] = entry
        for roman in (era.english, era.english_vowel_shortened):
            if roman:
                eras[roman.casefold()] = entry
    return eras


@functools.cache
def _era_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    eras = modern_eras()
    kanji = "|".join(name for name in eras if not name.isascii())
    roman = "|".join(sorted((name for name in eras if name.isascii()), key=len, reverse=True))
    return (
        re.compile(f"({kanji})\\s*(\\d+)\\s*年"),
        re.compile(f"(?<![a-z])({roman})(?![a-z])\\s*(\\d*)", re.IGNORECASE),
    )


def _numeral(match: re.Match[str]) -> str:
    text = match[0].translate(_NUMERAL_FIXES)
    text = text.replace("廿", "二十").replace("卅", "三十")
    try:
        return str(kanji2number(text))
    except (ValueError, KeyError, IndexError):
        return match[0]


def words_to_digits(text: str) -> str:
    """Chinese-numeral years, months and days as ASCII digits; 元年 after an era as 1年."""
    if "元" in text:
        text = _FIRST_YEAR.sub(lambda m: f"{m[1]}1年", text)
    return _NUMERALS.sub(_numeral, text)


def has_numerals(text: str) -> bool:
    """Whether text may hold a year in Chinese numerals (cheap test before words_to_digits)."""
    return "年" in text or "月" in text


class EraYear(NamedTuple):
    """A Japanese era year found in text: the Gregorian year, or None when the era number is
    impossible (平成35年: Heisei ended in its 31st year), and where the number starts in
    text (-1 for a romanised era, which is not followed by a month in kanji)."""

    year: int | None
    start: int


@functools.cache
def _kanji_names() -> re.Pattern[str]:
    return re.compile("|".join(name for name in modern_eras() if not name.isascii()))


def japanese_era_year(text: str) -> EraYear | None:
    """The Japanese era year named in text (digits already ASCII), or None when no era is.

    An era named without a readable year ("昭和", "昭和末期") gives EraYear(None, ...): the
    value is in that calendar, so no Gregorian year may be read from its other numbers.
    """
    kanji, roman = _era_patterns()
    match = kanji.search(text) if "年" in text else None
    start = match.start(2) if match else -1
    if match is None:
        match = roman.search(text.translate(_ROMAN_MACRONS))
        if match is None:
            return EraYear(None, -1) if _kanji_names().search(text) else None
        if not match[2]:
            return EraYear(None, -1)
    era = modern_eras()[match[1] if not match[1].isascii() else match[1].casefold()]
    number = int(match[2])
    if number < 1 or (era.last is not None and era.first + number - 1 > era.last):
        return EraYear(None, start)
    return EraYear(era.first + number - 1, start)
