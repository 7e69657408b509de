"""Properties of the date rules: an era marker decides the calendar, no year lies in the future,
and a day number never becomes a year."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.normalise.dates import parse_date
from harvester.normalise.record import normalise_dc

TODAY = datetime.date(2026, 6, 30)

# Era markers as catalogues write them, with month names of the same calendar (a Hijri month
# is itself a marker). "{n}" is the era year where the marker carries it.
MARKERS: dict[str, list[str]] = {
    "hijri": ["هـ", "ه.ق", "AH", "A.H.", "هجري", "ق", "{n} هـ"],
    "solar_hijri": ["ه.ش", "ش", "شمسی", "SH", "خورشیدی", "{n} ه.ش"],
    "buddhist": ["พ.ศ.", "พุทธศักราช", "ພ.ສ.", "B.E.", "พ.ศ. {n}"],
    "myanmar": ["ME", "မြန်မာသက္ကရာဇ်", "{n} ME"],
    "minguo": ["民國{n}年", "中華民國{n}年", "民国{n}年", "民國元年"],
    "japanese": ["昭和{n}年", "平成{n}年", "令和{n}年", "明治{n}年", "平成元年", "Heisei {n}"],
}
MONTHS: dict[str, list[str]] = {
    "hijri": ["شوال", "ذو الحجة", "رمضان", "محرم", "ربيع الأول", "Rajab"],
    "solar_hijri": ["فروردین", "دی", "اسفند", "حمل", "مهر"],
    "buddhist": ["มกราคม", "ธันวาคม", "ม.ค.", "ມັງກອນ", ""],
    "myanmar": ["တန်ခူး", "တပေါင်း", ""],
    "minguo": ["", "五月"],
    "japanese": ["", "四月"],
}
DIGITS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "๐๑๒๓๔๕๖๗๘๙", "၀၁၂၃၄၅၆၇၈၉"]
# Noise that is no marker of any calendar: digits, spaces and bibliographic punctuation.
NOISE = st.text(st.sampled_from("0123456789 ,.;:-/()[]?"), max_size=8)


@st.composite
def marked_value(draw: st.DrawFn) -> tuple[str, str]:
    """(value, calendar): one era marker, maybe a month of that calendar, numbers, noise."""
    calendar = draw(st.sampled_from(sorted(MARKERS)))
    number = str(draw(st.integers(0, 3000)))
    marker = draw(st.sampled_from(MARKERS[calendar])).replace("{n}", number)
    parts = [marker, draw(st.sampled_from(MONTHS[calendar])), draw(NOISE)]
    if draw(st.booleans()):
        parts.append(str(draw(st.integers(0, 3000))))
    if draw(st.booleans()):
        parts.append(str(draw(st.integers(1, 31))))
    parts = draw(st.permutations(parts))
    digits = draw(st.sampled_from(DIGITS))
    value = " ".join(parts).translate(str.maketrans("0123456789", digits))
    return value, calendar


@settings(max_examples=400, deadline=None)
@given(marked_value())
def test_a_value_with_an_era_marker_yields_that_calendar_or_no_year(
    case: tuple[str, str],
) -> None:
    value, calendar = case
    for languages in ((), ("tha",), ("fas",)):
        parsed = parse_date(value, languages, today=TODAY)
        assert parsed is None or parsed.calendar == calendar, (value, parsed)


DATE_SALT = st.sampled_from(
    [
        "2027",
        "2099-01-01",
        "พ.ศ. 2600",
        "۱۴۳۰",
        "1460 هـ",
        "民國130年",
        "令和30年",
        "3 شوال 1450 هـ",
        "٢٠٣٠",
        "c2031",
        "2563",
        "1441 هـ / 2030 م",
    ]
)
DATE_VALUE = st.lists(st.one_of(DATE_SALT, NOISE, st.text(max_size=10)), max_size=3).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(DATE_VALUE, min_size=1, max_size=3),
    st.sampled_from([(), ("tha",), ("fas",), ("zho",)]),
    st.dates(datetime.date(1990, 1, 1), datetime.date(2100, 12, 31)),
)
def test_no_year_is_later_than_the_harvest_date(
    values: list[str], languages: tuple[str, ...], harvested: datetime.date
) -> None:
    out = normalise_dc({"date": values, "language": list(languages)}, None, today=harvested)
    assert out["year"] is None or out["year"] <= harvested.year
    for value in values:
        parsed = parse_date(value, languages, today=harvested)
        assert parsed is None or parsed.year <= harvested.year


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([m for months in MONTHS.values() for m in months if m and "月" not in m]),
    st.integers(1, 31),
    st.sampled_from(["", "هـ", "ه.ش", "พ.ศ.", "AH", "ME"]),
)
def test_a_day_beside_a_month_name_is_never_the_year(month: str, day: int, marker: str) -> None:
    for value in (f"{day} {month} {marker}", f"{month} {day} {marker}", f"{marker} {day} {month}"):
        assert parse_date(value, today=TODAY) is None, value
