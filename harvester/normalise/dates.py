"""dc:date values to an ISO 8601 date, a Gregorian year and the calendar they were given in.

Catalogues of the alliance date books in the Gregorian, Buddhist (Thailand, Laos), Solar
Hijri (Iran, Afghanistan), lunar Hijri, Minguo (Taiwan), Japanese era and Myanmar calendars,
with the digits of their script or in words ("民國六十五年"), with month names
(months.py), and with MARC/ISBD conventions for uncertain dates ("c1998", "[1998?]",
"ca. 1900"). Year arithmetic is done here; day-exact conversions of the Hijri and Solar Hijri
calendars use hijridate (Umm al-Qura tables), convertdate (the tabular Islamic calendar
outside those tables) and jdatetime.

No year is better than a wrong one: an era marker or an era's month name anywhere in the
value decides the calendar, and a value carrying one never yields a Gregorian year unless
that year is marked Gregorian too ("1441 هـ / 2020 م"); a day or month number is never read
as the year; years after the current one are dropped.
"""

from __future__ import annotations

import calendar as _calendar
import contextlib
import datetime
import functools
import re
import time
import unicodedata
from collections.abc import Collection, Sequence
from typing import NamedTuple

import jdatetime
from convertdate import islamic
from hijridate import Hijri

from harvester.normalise import months
from harvester.normalise.eastasian import JAPANESE, has_numerals, japanese_era_year, words_to_digits
from harvester.normalise.text import clean_text

GREGORIAN = "gregorian"
BUDDHIST = "buddhist"
SOLAR_HIJRI = "solar_hijri"
HIJRI = "hijri"
MINGUO = "minguo"
MYANMAR = "myanmar"
__all__ = ["BUDDHIST", "GREGORIAN", "HIJRI", "JAPANESE", "MINGUO", "MYANMAR", "SOLAR_HIJRI"]


class ParsedDate(NamedTuple):
    """A date read from one dc:date value: ISO text, Gregorian year and source calendar."""

    date: str
    year: int
    calendar: str


# ISO 8601 / W3CDTF, the form OAI-PMH repositories mostly send: "2019", "2019-05",
# "2019-05-03", "2019-05-03T12:00:00Z", also an EDTF interval "2019-05-03/2019-06-01".
_ISO = re.compile(
    r"(\d{4})(?:-(\d\d)(?:-(\d\d)(?:[T ][0-9:.]*(?:Z|[+-]\d\d(?::?\d\d)?)?)?)?)?(?:/|$)"
)
_COMPACT = re.compile(r"(\d{4})(\d\d)(\d\d)")
# Calendar markers, searched in NFKC text with ASCII digits.
_MINGUO = re.compile(r"民[國国]\s*(?:前\s*)?(\d{1,3})\s*年")
_MINGUO_NAME = re.compile(r"民[國国]")
# Solar Hijri before lunar Hijri: "ه.ش" (hijri shamsi) contains the lunar marker "ه"; but
# "هـ شوال" is the lunar marker and a month starting with ش, so ش must end a word.
_SOLAR_HIJRI_MARK = re.compile(
    r"ه\s*[.‍ـ]?\s*ش(?![\u0600-\u06ff])|(?<![\u0600-\u06ff])ش(?![\u0600-\u06ff])|شمسی|خورشیدی|"
    r"\bS\.?\s?H\b|solar hijri",
    re.IGNORECASE,
)
_HIJRI_MARK = re.compile(
    r"هـ|ه\s*[.‍]?\s*ق(?![\u0600-\u06ff])|(?<![\u0600-\u06ff])[هق](?![\u0600-\u06ff])|هجري|هجری|"
    r"قمری|"
    r"\bA\.?\s?H\b\.?|(?<=\d)\s?H\b|\bhijri",
    re.IGNORECASE,
)
# Buddhist Era: Thai "พ.ศ." / "พุทธศักราช", Lao "ພ.ສ.", English "B.E.".
_BUDDHIST_MARK = re.compile(r"พ\s*\.\s*ศ|พุทธศักราช|ພ\s*\.\s*ສ|\bB\.\s?E\b|(?<=\d)\s?BE\b")
# Myanmar Era (Kawza): "ME 1382", "မြန်မာသက္ကရာဇ်".
_MYANMAR_MARK = re.compile(r"မြန်မာသက္ကရာဇ်|ကောဇာ|\bM\.?\s?E\b\.?")
# Explicitly Gregorian: Thai "ค.ศ.", Lao "ຄ.ສ.", Persian/Arabic "م"/"میلادی", Chinese "公元".
_GREGORIAN_MARK = re.compile(
    r"ค\s*\.\s*ศ|ຄ\s*\.\s*ສ|(?<![\u0600-\u06ff])م(?![\u0600-\u06ff])|میلادی|ميلادي|公元|西元|"
    r"\bA\.?\s?D\b\.?|\bC\.?E\b\.?",
    re.IGNORECASE,
)
_GREGORIAN_YEAR = re.compile(
    r"(?<!\d)(\d{3,4})\s*(?:ค\s*\.\s*ศ|ຄ\s*\.\s*ສ|م(?![\u0600-\u06ff])|میلادی|ميلادي|A\.?\s?D\b|C\.?E\b)"
    r"|(?:ค\s*\.\s*ศ\s*\.?|ຄ\s*\.\s*ສ\s*\.?|公元|西元|\bA\.?\s?D\b\.?)\s*(\d{3,4})(?!\d)",
    re.IGNORECASE,
)

# Date shapes in free text, all with ASCII digits.
_YMD = re.compile(r"(?<!\d)(\d{3,4})\s*[-/.]\s*(\d{1,2})(?:\s*[-/.]\s*(\d{1,2}))?(?!\d)")
_CJK = re.compile(
    r"(?<!\d)(\d{1,4})\s*[年년]\s*(?:(\d{1,2})\s*[月월]\s*(?:(\d{1,2})\s*[日号號일])?)?"
)
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*([./-])\s*(\d{1,2})\s*\2\s*(\d{3,4})(?!\d)")
_YEAR4 = re.compile(r"(?<!\d)(\d{4})(?!\d)")
# With a calendar marker a year may have three digits ("950 هـ"), and two only right before
# the marker ("95 هـ"): a lone small number is a day or a month, never a year.
_YEAR34 = re.compile(r"(?<!\d)(\d{3,4})(?!\d)")
_SHORT_MARKED = re.compile(
    r"(?<!\d)(\d{2})\s*(?:ه\s*[.‍ـ]?\s*[قش]|هـ|[هقش](?![\u0600-\u06ff])|"
    r"A\.?\s?H\b|B\.?\s?E\b|M\.?\s?E\b|S\.?\s?H\b)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<!\d)\d+(?!\d)")
_LETTER = re.compile(r"[^\W\d_]")
# OpenAIRE typed dates: "info:eu-repo/date/embargoEnd/2024-01-01" is not a publication date.
_EU_REPO_DATE = re.compile(r"info:eu-repo/date/([A-Za-z]+)/(.*)", re.IGNORECASE)

# Persian (Extended Arabic-Indic) digits: a strong sign of an Iranian (Solar Hijri) imprint.
_PERSIAN_DIGITS = re.compile("[\u06f0-\u06f9]")
# Thai or Lao letters or digits in the date itself ("3 พฤษภาคม 2563"): a Thai/Lao imprint.
_THAI_LAO = re.compile("[\u0e00-\u0eff]")


@functools.cache
def _digit_table() -> dict[int, int]:
    """Every Unicode decimal digit of the Basic Multilingual Plane -> its ASCII digit."""
    table: dict[int, int] = {}
    for code in range(0x80, 0x10000):
        digit = unicodedata.decimal(chr(code), None)
        if digit is not None:
            table[code] = 0x30 + digit
    return table


def fold_digits(value: str) -> str:
    """NFKC (full-width forms) and all decimal digits (Arabic-Indic, Thai, Myanmar...) to ASCII."""
    if value.isascii():
        return value
    return unicodedata.normalize("NFKC", value).translate(_digit_table())


# --- calendar arithmetic -------------------------------------------------------------------


_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid_gregorian(year: int, month: int, day: int) -> bool:
    if not (1 <= month <= 12 and 1 <= day <= _MONTH_DAYS[month]):
        return False
    return month != 2 or day < 29 or _calendar.isleap(year)


def _tabular_hijri(year: int, month: int = 1, day: int = 1) -> datetime.date:
    """Arithmetic (tabular) Islamic calendar, used outside hijridate's 1343-1500 AH range."""
    return datetime.date(*islamic.to_gregorian(year, month, day))


@functools.lru_cache(maxsize=2048)
def hijri_year_to_gregorian(year: int) -> int:
    """Gregorian year holding most of a Hijri year (its midpoint).

    A lunar year is 354 days, so it always straddles two Gregorian years: 1441 AH ran from
    2019-08-31 to 2020-08-19 and is dated 2020, the year in which most of it fell.
    """
    try:
        start = Hijri(year, 1, 1).to_gregorian().toordinal()
        end = Hijri(year + 1, 1, 1).to_gregorian().toordinal()
    except (ValueError, OverflowError):
        start = _tabular_hijri(year).toordinal()
        end = _tabular_hijri(year + 1).toordinal()
    return datetime.date.fromordinal((start + end) // 2).year


def _hijri_date(year: int, month: int, day: int) -> datetime.date | None:
    """Day-exact Hijri conversion: Umm al-Qura tables, tabular calendar outside their range."""
    try:
        y, m, d = Hijri(year, month, day).to_gregorian().datetuple()
    except OverflowError:
        if 1 <= month <= 12 and 1 <= day <= 30 and year > 0:
            with contextlib.suppress(ValueError):  # past Gregorian 9999: no date
                return _tabular_hijri(year, month, day)
        return None
    except ValueError:
        return None
    return datetime.date(y, m, d)


def _solar_hijri_date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        gregorian: datetime.date = jdatetime.date(year, month, day).togregorian()
    except (ValueError, OverflowError):
        return None
    return gregorian


class _Parts(NamedTuple):
    year: int
    month: int
    day: int


def _to_gregorian(calendar: str, parts: _Parts) -> _Parts | None:
    """Convert (year, month, day) of a calendar; month/day 0 mean "not given"."""
    year, month, day = parts
    if calendar == GREGORIAN:
        return parts
    if calendar == MINGUO:
        # Minguo year 1 = 1912; months and days are Gregorian.
        return _Parts(year + 1911, month, day)
    if calendar == BUDDHIST:
        # BE = CE + 543. Until 1941 the Thai year began on 1 April, so January-March of
        # BE 2483 and earlier belong to the next Gregorian year.
        if month and month <= 3 and year < 2484:
            return _Parts(year - 542, month, day)
        return _Parts(year - 543, month, day)
    if calendar == JAPANESE:
        return parts  # the era year was converted where the era was read
    if calendar == MYANMAR:
        # The Myanmar year starts in April: ME + 638 holds most of it, but its last two
        # months (Tabodwe, Tabaung) fall in the next Gregorian year.
        return _Parts(year + (639 if month in (11, 12) else 638), 0, 0)
    if calendar == SOLAR_HIJRI:
        if month:
            converted = _solar_hijri_date(year, month, day or 15)
            if converted is not None and day:
                return _Parts(converted.year, converted.month, converted.day)
            if converted is not None:  # a month only: its year, but no Gregorian month
                return _Parts(converted.year, 0, 0)
        # 1 Farvardin falls on 20/21 March: SH + 621 holds most of the year.
        return _Parts(year + 621, 0, 0)
    if calendar == HIJRI:
        if month:
            converted = _hijri_date(year, month, day or 15)
            if converted is not None and day:
                return _Parts(converted.year, converted.month, converted.day)
            if converted is not None:  # a lunar month straddles two Gregorian months
                return _Parts(converted.year, 0, 0)
        with contextlib.suppress(ValueError):  # past Gregorian 9999: no year
            return _Parts(hijri_year_to_gregorian(year), 0, 0)
    return None


def _iso(parts: _Parts) -> str:
    year, month, day = parts
    if month and day and _valid_gregorian(year, month, day):
        return f"{year:04d}-{month:02d}-{day:02d}"
    if month and 1 <= month <= 12:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


# --- reading the parts ---------------------------------------------------------------------


def _int(match: re.Match[str], group: int) -> int:
    text = match.group(group)
    return int(text) if text else 0


class _Shape(NamedTuple):
    """A date written with a month name: where it starts, its parts, the month's calendar."""

    start: int
    parts: _Parts
    calendar: str | None


def _adjacent(text: str) -> bool:
    """Whether the text between a month name and a number holds no other word.

    Era markers and the words for day, month and year ("ماه", "ခုနှစ်", "года") may stand
    there; any other word means the number belongs to something else.
    """
    return _LETTER.search(_FILLER.sub(" ", text)) is None


def _month_shape(text: str, match: re.Match[str]) -> _Shape | None:
    """A date with a month name in any of the alliance's calendars ("3 شوال 1430 هـ",
    "فروردین ۱۳۹۸", "May 3, 2019", "1430 هـ 3 شوال").

    The year is the three- or four-digit number nearest the name (after it first), with no
    other word between; the day is a number of one or two digits right beside the name. A
    day number is never taken for the year: without a year there is no date.
    """
    month = months.month_of(match[0])
    if month is None:
        return None
    numbers = [(m.start(), m.end(), m[0]) for m in _NUMBER.finditer(text)]
    after = [n for n in numbers if n[0] >= match.end()]
    before = [n for n in reversed(numbers) if n[1] <= match.start()]
    year = next(
        (
            n
            for n in after + before
            if len(n[2]) in (3, 4)
            and _adjacent(text[min(n[1], match.end()) : max(n[0], match.start())])
        ),
        None,
    )
    if year is None:
        return None
    day = next(
        (
            n
            for n in before[:1] + after[:1]
            if len(n[2]) <= 2
            and 1 <= int(n[2]) <= 31
            and _adjacent(text[min(n[1], match.end()) : max(n[0], match.start())])
        ),
        None,
    )
    start = min(match.start(), year[0], day[0] if day else year[0])
    parts = _Parts(int(year[2]), month.number, int(day[2]) if day else 0)
    return _Shape(start, parts, month.calendar)


def _read_parts(
    text: str, marked: bool, day_first: bool, shape: _Shape | None, named: bool
) -> _Parts | None:
    """Year, month and day written in free text (ASCII digits); month/day 0 when absent.

    The shape that starts first in the text wins ("2004, c1998" is dated 2004; MARC 260 $c
    gives the imprint date first). Years need four digits unless a calendar marker is present
    ("950 هـ", "民國9年"); a two-digit year must stand right before its marker, in a value
    with no month name (`named`): "شوال 10 هـ" is the 10th of Shawwal, not the year 10.
    """
    found: list[tuple[int, int, _Parts]] = []
    if match := _YMD.search(text):
        found.append((match.start(), 0, _Parts(int(match[1]), _int(match, 2), _int(match, 3))))
    if match := _CJK.search(text):
        found.append((match.start(), 0, _Parts(int(match[1]), _int(match, 2), _int(match, 3))))
    if shape is not None:
        found.append((shape.start, 0, shape.parts))
    if match := _DMY.search(text):
        first, separator, second, year = int(match[1]), match[2], int(match[3]), int(match[4])
        if separator == "." or first > 12 or day_first:  # 03.05.2019: day.month.year
            parts = _Parts(year, second, first)
        elif second > 12:  # 05/30/2019: US month/day/year
            parts = _Parts(year, first, second)
        else:  # 03/05/2019: ambiguous, keep the year only
            parts = _Parts(year, 0, 0)
        found.append((match.start(), 0, parts))
    if marked:
        match = _YEAR34.search(text) or (None if named else _SHORT_MARKED.search(text))
    else:
        match = _YEAR4.search(text)
    if match:
        found.append((match.start(), 1, _Parts(int(match[1]), 0, 0)))
    found = [item for item in found if marked or item[2].year >= 1000]
    return min(found)[2] if found else None


_MARKS = (
    (_SOLAR_HIJRI_MARK, SOLAR_HIJRI),
    (_HIJRI_MARK, HIJRI),
    (_BUDDHIST_MARK, BUDDHIST),
    (_MYANMAR_MARK, MYANMAR),
    (_GREGORIAN_MARK, GREGORIAN),
)
# Between a month name and its day or year: era markers, ordinal suffixes and the words for
# day, month and year in the alliance's languages ("12 رجب سنة 1420", "ဇန်နဝါရီလ ၁၅ ရက်").
_FILLER = re.compile(
    "|".join(mark.pattern for mark, _ in _MARKS)
    + r"|ه\.?ش|ه\.?ق|\b(?:st|nd|rd|th|de|of|the|year|g|goda|года|год|г|năm|tháng|ngày)\b"
    r"|ماه|سال|سنه|سنة|عام|لسنه|في|الموافق|ปี|เดือน|วันที่|ที่|ວັນທີ|ເດືອນ|ປີ|လ|ရက်|ခုနှစ်|ခု",
    re.IGNORECASE,
)
# Which eras a month name can be used with: Gregorian months serve every solar-year era.
_MONTH_COMPATIBLE: dict[str | None, frozenset[str]] = {
    None: frozenset({GREGORIAN, BUDDHIST, MINGUO, JAPANESE}),
    HIJRI: frozenset({HIJRI}),
    SOLAR_HIJRI: frozenset({SOLAR_HIJRI}),
    MYANMAR: frozenset({MYANMAR}),
}


def _detect_calendar(text: str) -> str | None:
    """The calendar a marker in the text names, or None when there is none."""
    if "民" in text and _MINGUO_NAME.search(text):
        return MINGUO
    if japanese_era_year(text) is not None:
        return JAPANESE
    for mark, calendar in _MARKS:
        if mark.search(text):
            return calendar
    return None


# What the record's languages tell about an unmarked year (see _by_language): whether they
# include Thai or Lao, and Persian. A plain tuple: it is part of the date caches' keys.
_Hints = tuple[bool, bool]


def _hints(languages: Collection[str]) -> _Hints:
    return ("tha" in languages or "lao" in languages, "fas" in languages or "pes" in languages)


def _by_language(year: int, hints: _Hints, persian_digits: bool = False, thai: bool = False) -> str:
    """The calendar an unmarked year is in, judged from the record's languages.

    A year above 2400 in a Thai or Lao record (or written in Thai/Lao script) is Buddhist
    Era; 1300-1420 in a Persian record (or written with Persian digits) is Solar Hijri.
    Neither range can be a Gregorian year of such a record.
    """
    if year > 2400 and (thai or hints[0]):
        return BUDDHIST
    if 1300 <= year <= 1420 and (persian_digits or hints[1]):
        return SOLAR_HIJRI
    return GREGORIAN


def _finish(parts: _Parts, calendar: str, marked: bool) -> ParsedDate | None:
    """The parsed date, or None for a misreading: a year before 1 or, with no calendar
    marker, before 1000. Years in the future are left to _within (they depend on today)."""
    converted = _to_gregorian(calendar, parts)
    if converted is None or converted.year < 1 or not (marked or converted.year >= 1000):
        return None
    return ParsedDate(_iso(converted), converted.year, calendar)


def _within(parsed: ParsedDate | None, year: int) -> ParsedDate | None:
    """None for a date after the current year: a year in the future is a misreading."""
    return parsed if parsed is None or parsed.year <= year else None


def parse_date(
    value: str, languages: Collection[str] = (), today: datetime.date | None = None
) -> ParsedDate | None:
    """Read one dc:date value; None when no plausible date is in it.

    `languages` are the record's ISO 639-3 codes (they decide whether an unmarked 2563 is
    Buddhist Era); `today` bounds plausible years (injectable for tests).
    """
    if today is None:
        today = datetime.date.today()
    return _within(_parse(clean_text(value), _hints(languages)), today.year)


# Catalogues repeat their date strings ("2019", "c1998", "พ.ศ. 2563") from record to record,
# and reading an unusual one takes a dozen regex searches: results are cached. They do not
# depend on today, which only bounds them afterwards (_within).
@functools.lru_cache(maxsize=4096)
def _parse(text: str, hints: _Hints) -> ParsedDate | None:
    """parse_date on cleaned text, without the bound on future years."""
    if not text:
        return None
    # Fast path: ISO 8601 as almost every OAI-PMH repository sends it.
    match = text.isascii() and (_ISO.match(text) or _COMPACT.fullmatch(text))
    if match:
        parts = _Parts(int(match.group(1)), _int(match, 2), _int(match, 3))
        return _finish(parts, _by_language(parts.year, hints), marked=False)
    ascii_text = text.isascii()
    persian_digits = not ascii_text and _PERSIAN_DIGITS.search(text) is not None
    thai = not ascii_text and _THAI_LAO.search(text) is not None
    text = fold_digits(text)
    eu_repo = _EU_REPO_DATE.match(text)
    if eu_repo:
        if eu_repo.group(1).casefold() == "embargoend":
            return None
        return _parse(eu_repo.group(2).strip(), hints)
    if not ascii_text and has_numerals(text):  # "二〇〇五年", "民國六十五年", "平成元年"
        text = words_to_digits(text)
    calendar = _detect_calendar(text)
    if calendar == MINGUO:  # "民國" anywhere: a Minguo year or none
        minguo = _MINGUO.search(text)
        if minguo is None or "前" in minguo.group(0):  # 民國前 = years before 1912
            return None
        rest = _CJK.match(text, minguo.start(1))
        parts = (
            _Parts(int(rest[1]), _int(rest, 2), _int(rest, 3))
            if rest
            else _Parts(int(minguo[1]), 0, 0)
        )
        return _finish(parts, MINGUO, marked=True)
    if calendar == JAPANESE:
        return _japanese(text)
    if calendar is not None and calendar != GREGORIAN:
        gregorian = _GREGORIAN_YEAR.search(text)
        if gregorian:  # dual dating "1441 هـ / 2020 م": the Gregorian year is given, use it
            year = int(gregorian.group(1) or gregorian.group(2))
            return _finish(_Parts(year, 0, 0), GREGORIAN, marked=True)
    folded = months.fold(text)
    named = months.month_regex().search(folded) if _LETTER.search(folded) else None
    shape = _month_shape(folded, named) if named else None
    if calendar is None and shape is not None and shape.calendar is not None:
        calendar = shape.calendar  # "ذو الحجة 1399": a Hijri month names its calendar
    day_first = calendar in (BUDDHIST, HIJRI)
    found = _read_parts(folded, calendar is not None, day_first, shape, named is not None)
    if found is None:
        return None
    if (
        shape is not None
        and found == shape.parts
        and calendar is not None
        and calendar not in _MONTH_COMPATIBLE[shape.calendar]
    ):
        found = _Parts(found.year, 0, 0)  # a month of another calendar: the marker decides
    if calendar is None:
        calendar = _by_language(found.year, hints, persian_digits, thai)
        if shape is not None and found == shape.parts and calendar not in _MONTH_COMPATIBLE[None]:
            found = _Parts(found.year, 0, 0)  # "می ۱۳۹۸": a Gregorian month, a Solar Hijri year
        return _finish(found, calendar, marked=False)
    return _finish(found, calendar, marked=True)


def _japanese(text: str) -> ParsedDate | None:
    """A date in a Japanese era: "昭和50年", "平成31年4月30日", "Heisei 2"."""
    era = japanese_era_year(text)
    if era is None or era.year is None:
        return None
    month = day = 0
    if era.start >= 0 and (rest := _CJK.match(text, era.start)):
        month, day = _int(rest, 2), _int(rest, 3)
    return _finish(_Parts(era.year, month, day), JAPANESE, marked=True)


class _Read(NamedTuple):
    """One raw dc:date value read: its cleaned text, the date in it and that date's sort key."""

    text: str
    parsed: ParsedDate | None
    key: tuple[int, int, int]


@functools.lru_cache(maxsize=4096)
def _read(raw: str, hints: _Hints) -> _Read:
    """clean_text, _parse and the sort key of one raw value, cached together."""
    text = clean_text(raw)
    parsed = _parse(text, hints) if text else None
    if parsed is None:
        return _Read(text, None, (0, 0, 0))
    key = (parsed.year, int(parsed.date[5:7] or 0), int(parsed.date[8:10] or 0))
    return _Read(text, parsed, key)


def choose_date(
    values: Sequence[str], languages: Collection[str] = (), today: datetime.date | None = None
) -> tuple[str | None, ParsedDate | None]:
    """Pick the record's date among its dc:date values: (raw value used, parsed date).

    The earliest readable date wins: DSpace sends accession and availability timestamps
    before dc.date.issued ("2022-02-24T20:48:40Z", ..., "1985"), and a digitised book's
    original imprint date precedes its scan date. Embargo end dates are skipped. When no
    value can be read the first one is returned as the raw date.
    """
    if not values:
        return None, None
    year = today.year if today is not None else None
    hints = _hints(languages)
    best: _Read | None = None
    first: str | None = None
    for raw in dict.fromkeys(values):  # DSpace repeats accession = availability timestamps
        read = _read(raw, hints)
        text, parsed = read[0], read[1]
        if not text:
            continue
        if first is None:
            first = text
        if parsed is None:
            continue
        if year is None:
            year = _this_year()
        if parsed[1] > year:  # parsed.year, by index: this loop runs for every record
            continue
        if best is None or read[2] < best[2]:  # the sort keys
            best = read
    if best is None:
        return first, None
    return best[0], best[1]


_YEAR_MARGIN = 2 * 86400.0  # seconds: more than any time zone's offset from UTC
_year_cache: tuple[float, float, int] = (0.0, 0.0, 0)  # valid from, valid until, year


def _this_year() -> int:
    """datetime.date.today().year, without building a date for every record.

    Building the date costs about as much as reading a typical dc:date. The year is cached
    while the clock stays more than two days from a new year in UTC, where it is the same
    in every time zone (even one changed while running); a clock set back leaves the window.
    """
    global _year_cache
    now = time.time()
    start, end, year = _year_cache
    if start <= now < end:
        return year
    year = datetime.date.fromtimestamp(now).year
    utc = datetime.UTC
    start = datetime.datetime(year, 1, 1, tzinfo=utc).timestamp() + _YEAR_MARGIN
    end = datetime.datetime(year + 1, 1, 1, tzinfo=utc).timestamp() - _YEAR_MARGIN
    if start <= now < end:
        _year_cache = (start, end, year)
    return year
