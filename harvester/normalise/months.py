"""Month names of the alliance's calendars, and the calendar a month name implies.

A lunar Hijri month ("شوال", "ذو الحجة", "Ramadan") or a Solar Hijri one ("فروردین", Dari
"حمل") says which calendar the year beside it is in, even with no era marker; Gregorian
month names (English, Thai, Lao, Burmese, Arabic, Persian, Russian, Malay) leave that to the
marker or the record's languages. Myanmar-calendar months ("တန်ခူး") imply the Myanmar Era.

Sources: Hijri and Solar Hijri month names as the Library of Congress ALA-LC romanization
tables for Arabic and Persian list them; Dari zodiacal month names from the Afghan official
calendar; Thai, Lao and Burmese Gregorian month names and the twelve Myanmar-calendar
months from the Unicode CLDR calendar data (th, lo, my); Arabic (Egypt/Gulf and Levant),
Persian, Russian and Malay Gregorian month names from CLDR (ar, ar-SY, fa, ru, ms).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

from harvester.normalise.data import MONTH_NAMES

HIJRI = "hijri"
SOLAR_HIJRI = "solar_hijri"
MYANMAR = "myanmar"

_HIJRI_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("محرم", "محرم الحرام", "muharram", "moharram"),
    2: ("صفر", "safar"),
    3: ("ربيع الأول", "ربیع الاول", "ربیع‌الاول", "ربيع الاول", "rabi al-awwal", "rabi i"),
    4: (
        "ربيع الآخر",
        "ربيع الثاني",
        "ربیع الثانی",
        "ربیع‌الثانی",
        "ربیع الآخر",
        "rabi al-thani",
        "rabi al-akhir",
        "rabi ii",
    ),
    5: (
        "جمادى الأولى",
        "جمادى الاولى",
        "جمادی الاولی",
        "جمادی‌الاولی",
        "جمادی الاول",
        "جمادی‌الاول",
        "jumada al-ula",
        "jumada al-awwal",
        "jumada i",
    ),
    6: (
        "جمادى الآخرة",
        "جمادى الثانية",
        "جمادی الثانیه",
        "جمادی الثانی",
        "جمادی‌الثانی",
        "جمادی الآخر",
        "jumada al-akhirah",
        "jumada al-thani",
        "jumada ii",
    ),
    7: ("رجب", "rajab"),
    8: ("شعبان", "shaban", "shaaban"),
    9: ("رمضان", "ramadan", "ramazan"),
    10: ("شوال", "shawwal", "shawal"),
    11: (
        "ذو القعدة",
        "ذي القعدة",
        "ذی‌القعده",
        "ذیقعده",
        "ذی القعده",
        "dhu al-qadah",
        "dhul-qadah",
        "dhu al-qidah",
        "dhul qadah",
        "zulkaedah",
    ),
    12: (
        "ذو الحجة",
        "ذي الحجة",
        "ذی‌الحجه",
        "ذیحجه",
        "ذی الحجه",
        "dhu al-hijjah",
        "dhul-hijjah",
        "dhul hijjah",
        "zulhijjah",
    ),
}

_SOLAR_HIJRI_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("فروردین", "حمل", "farvardin"),
    2: ("اردیبهشت", "ثور", "ordibehesht"),
    3: ("خرداد", "جوزا", "جوزاء", "khordad"),
    4: ("تیر", "سرطان", "tir"),
    5: ("مرداد", "امرداد", "اسد", "mordad", "amordad"),
    6: ("شهریور", "سنبله", "shahrivar"),
    7: ("مهر", "میزان", "mehr"),
    8: ("آبان", "عقرب", "aban"),
    9: ("آذر", "قوس", "azar"),
    10: ("دی", "جدی", "dey"),
    11: ("بهمن", "دلو", "bahman"),
    12: ("اسفند", "حوت", "esfand"),
}

_MYANMAR_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("တန်ခူး",),
    2: ("ကဆုန်",),
    3: ("နယုန်",),
    4: ("ဝါဆို",),
    5: ("ဝါခေါင်",),
    6: ("တော်သလင်း",),
    7: ("သီတင်းကျွတ်",),
    8: ("တန်ဆောင်မုန်း",),
    9: ("နတ်တော်",),
    10: ("ပြာသို",),
    11: ("တပို့တွဲ",),
    12: ("တပေါင်း",),
}

_GREGORIAN_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("يناير", "كانون الثاني", "ژانویه", "ມັງກອນ", "ဇန်နဝါရီ", "январь", "января", "januari"),
    2: ("فبراير", "شباط", "فوریه", "ກຸມພາ", "ဖေဖော်ဝါရီ", "февраль", "февраля", "februari"),
    3: ("مارس", "آذار", "ມີນາ", "မတ်", "март", "марта", "mac", "maret"),
    4: ("أبريل", "ابريل", "نيسان", "آوریل", "ເມສາ", "ဧပြီ", "апрель", "апреля"),
    5: ("مايو", "أيار", "مه", "می", "ພຶດສະພາ", "မေ", "май", "мая", "mei"),
    6: ("يونيو", "يونيه", "حزيران", "ژوئن", "ມິຖຸນາ", "ဇွန်", "июнь", "июня", "juni"),
    7: ("يوليو", "يوليه", "تموز", "ژوئیه", "ກໍລະກົດ", "ဇူလိုင်", "июль", "июля", "julai", "juli"),
    8: ("أغسطس", "آب", "اوت", "آگوست", "ສິງຫາ", "ဩဂုတ်", "ဪဂုတ်", "август", "августа", "ogos"),
    9: ("سبتمبر", "أيلول", "سپتامبر", "ກັນຍາ", "စက်တင်ဘာ", "сентябрь", "сентября"),
    10: ("أكتوبر", "تشرين الأول", "اکتبر", "ຕຸລາ", "အောက်တိုဘာ", "октябрь", "октября"),
    11: ("نوفمبر", "تشرين الثاني", "نوامبر", "ພະຈິກ", "နိုဝင်ဘာ", "ноябрь", "ноября"),
    12: ("ديسمبر", "كانون الأول", "دسامبر", "ທັນວາ", "ဒီဇင်ဘာ", "декабрь", "декабря", "disember"),
}

# Arabic-script letters that spell one letter two ways (Arabic and Persian kaf and yeh, teh
# marbuta, hamza seats), tatweel, harakat and ZWNJ: month names are compared without them.
_ARABIC_FOLD_MAP: dict[str | int, str | int | None] = {
    "ي": "ی",
    "ى": "ی",
    "ك": "ک",
    "ة": "ه",
    "ۀ": "ه",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "\u200c": " ",
    "\u0640": None,
    **dict.fromkeys(range(0x064B, 0x0653)),
}
_ARABIC_FOLD = str.maketrans(_ARABIC_FOLD_MAP)
_APOSTROPHES = str.maketrans(dict.fromkeys("'ʿʾ‘’`´", None))


def fold(text: str) -> str:
    """The form dates are read in: case-folded, Arabic spellings and apostrophes unified."""
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_ARABIC_FOLD)
    return text.translate(_APOSTROPHES)


class Month(NamedTuple):
    number: int
    calendar: str | None  # None: a Gregorian month name, usable with any solar-year era


@functools.cache
def month_table() -> dict[str, Month]:
    """{folded month name: month}, the English and Thai names of data.py included."""
    table = {fold(name): Month(number, None) for name, number in MONTH_NAMES.items()}
    for calendar, months in (
        (None, _GREGORIAN_MONTHS),
        (HIJRI, _HIJRI_MONTHS),
        (SOLAR_HIJRI, _SOLAR_HIJRI_MONTHS),
        (MYANMAR, _MYANMAR_MONTHS),
    ):
        for number, names in months.items():
            for name in names:
                table[fold(name)] = Month(number, calendar)
    return table


def _pattern(name: str) -> str:
    """A name as a regex: spaces and hyphens optional, letters of its own script around it
    not allowed (Thai, Lao and Burmese are written without spaces, so no boundary there)."""
    body = r"[\s-]?".join(re.escape(part) for part in re.split(r"[\s-]+", name))
    if re.search("[\u0e00-\u0eff\u1000-\u109f]", name):
        return body
    return rf"(?<![^\W\d_]){body}(?![^\W\d_])"


@functools.cache
def month_regex() -> re.Pattern[str]:
    names = sorted(month_table(), key=len, reverse=True)
    return re.compile("|".join(_pattern(name) for name in names))


def _squeeze(name: str) -> str:
    return re.sub(r"[\s-]+", "", name)


@functools.cache
def _squeezed_table() -> dict[str, Month]:
    return {_squeeze(name): month for name, month in month_table().items()}


def month_of(name: str) -> Month | None:
    """The month a matched name (written with or without its spaces) stands for."""
    return _squeezed_table().get(_squeeze(name))
