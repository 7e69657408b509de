"""Properties that must hold for any input: no exception, fixed shape, determinism, idempotence."""

from __future__ import annotations

import datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from harvester.models import DC_ELEMENTS, IDENTIFIER_KINDS, NORMALISED_FIELDS
from harvester.normalise.languages import normalise_language
from harvester.normalise.record import normalise_dc
from harvester.normalise.text import clean_description, clean_name, clean_text, clean_title

TODAY = datetime.date(2026, 6, 30)

# Any Unicode text, control characters included; lone surrogates cannot be XML text.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
# Text salted with the characters the rules react to, so the interesting paths are reached.
SALT = st.sampled_from(
    [
        "&lt;p&gt;",
        "&amp;",
        "<b>",
        "</p>",
        " /",
        " :",
        ".",
        "ISBN 0306406152",
        "10.1000/x",
        "hdl:1765/3",
        "urn:nbn:de:1",
        "พ.ศ. 2563",
        "۱۳۹۹",
        "1441 هـ",
        "民國109年",
        "2019-05-03",
        "c1998",
        "cc-by",
        "http://x.org/",
        "\u0301",
        "\x00",
        "\ufeff",
        "\u00ad",
        "U.S.",
        "Smith, J.",
    ]
)
VALUE = st.lists(st.one_of(TEXT, SALT), max_size=4).map("".join)
DC = st.dictionaries(st.sampled_from(DC_ELEMENTS), st.lists(VALUE, max_size=3), max_size=8)
DEFAULT = st.one_of(st.none(), TEXT, st.sampled_from(["th", "fa", "zh-Hans", "ภาษาไทย", "xx"]))

LIST_FIELDS = [name for name, kind in NORMALISED_FIELDS.items() if kind == "JSON"]
LIST_FIELDS.remove("identifiers")
LIST_FIELDS.remove("dc")


def check_shape(out: dict[str, Any]) -> None:
    assert set(out) == set(NORMALISED_FIELDS)
    for name in LIST_FIELDS:
        assert isinstance(out[name], list) and all(isinstance(v, str) for v in out[name]), name
        assert len(out[name]) == len(set(out[name])), f"{name} has duplicates"
    for name in ("title", "date_raw", "date", "calendar", "rights", "license"):
        assert out[name] is None or isinstance(out[name], str), name
    assert out["year"] is None or isinstance(out["year"], int)
    assert isinstance(out["language_inferred"], bool)
    assert list(out["identifiers"]) == list(IDENTIFIER_KINDS)
    assert all(isinstance(v, list) for v in out["identifiers"].values())
    assert isinstance(out["dc"], dict)
    if out["year"] is not None:
        assert 1 <= out["year"] <= TODAY.year
        assert out["date"][:4] == f"{out['year']:04d}"
    assert (out["date"] is None) == (out["year"] is None) == (out["calendar"] is None)


@settings(max_examples=200, deadline=None)
@given(DC, DEFAULT)
def test_any_record_normalises_to_the_fixed_shape_deterministically(
    dc: dict[str, list[str]], default: str | None
) -> None:
    out = normalise_dc(dc, default, today=TODAY)
    check_shape(out)
    assert out["dc"] == dc and out["dc"] is not dc
    assert normalise_dc(dc, default, today=TODAY) == out


@settings(max_examples=200, deadline=None)
@given(DC)
def test_normalising_the_cleaned_values_changes_nothing(dc: dict[str, list[str]]) -> None:
    out = normalise_dc(dc, None, today=TODAY)
    again = normalise_dc(
        {
            "title": out["titles"],
            "creator": out["creators"],
            "contributor": out["contributors"],
            "subject": out["subjects"],
            "publisher": out["publishers"],
            "description": out["descriptions"],
            "format": out["formats"],
            "relation": out["relations"],
            "coverage": out["coverage"],
            "source": out["sources"],
            "type": out["types_raw"],
        },
        None,
        today=TODAY,
    )
    for name in (
        "titles",
        "creators",
        "contributors",
        "subjects",
        "publishers",
        "descriptions",
        "formats",
        "relations",
        "coverage",
        "sources",
        "types_raw",
        "types",
        "scripts",
    ):
        assert again[name] == out[name], name


@settings(max_examples=200, deadline=None)
@given(VALUE)
def test_every_cleaner_is_idempotent(value: str) -> None:
    for clean in (clean_text, clean_title, clean_name, clean_description):
        once = clean(value)
        assert clean(once) == once, clean.__name__
        assert once == once.strip() and "  " not in once


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_a_language_code_normalises_to_itself(value: str) -> None:
    code = normalise_language(value)
    assert code is None or normalise_language(code) == code


def test_bare_strings_and_stray_values_do_not_break_a_record() -> None:
    dc: Any = {"title": "A bare string", "creator": [None, 3, "Smith, J."], "date": None}
    out = normalise_dc(dc, None, today=TODAY)
    check_shape(out)
    assert out["title"] == "A bare string"
    assert out["creators"] == ["Smith, J."]
