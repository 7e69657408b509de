"""The ISO tables read from pycountry's JSON files give what pycountry's own objects give.

The normaliser reads iso639-3.json and iso15924.json itself instead of loading pycountry's
object database (about 12 MB). Here, and only here, the objects are loaded, the tables are
built from them the way they used to be, and every code and name is looked up both ways.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pycountry
import pytest

from harvester.normalise import languages, scripts
from harvester.normalise.data import DEPRECATED_LANGUAGE_CODES, LANGUAGE_NAMES
from harvester.normalise.isodata import read_entries

LANGUAGE_SPELLINGS = ("alpha_2", "alpha_3", "bibliographic", "name", "common_name", "inverted_name")


def tables_from_objects() -> tuple[dict[str, str], dict[str, str]]:
    """languages._tables as computed from pycountry.languages."""
    lookup_key = languages.lookup_key
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    qualified: dict[str, str] = {}
    for language in pycountry.languages:
        code = language.alpha_3
        codes[code] = code
        for attribute in ("alpha_2", "bibliographic"):
            other = getattr(language, attribute, None)
            if other:
                codes.setdefault(other, code)
        for attribute in ("name", "common_name", "inverted_name"):
            name = getattr(language, attribute, None)
            if not name:
                continue
            key = lookup_key(name)
            names.setdefault(key, code)
            bare = key.split(" (", 1)[0]
            if bare != key and (bare not in qualified or getattr(language, "scope", "") == "M"):
                qualified[bare] = code
    for bare, code in qualified.items():
        names.setdefault(bare, code)
    for old, code in DEPRECATED_LANGUAGE_CODES.items():
        codes.setdefault(old, code)
    for name, code in LANGUAGE_NAMES.items():
        names[lookup_key(name)] = code
    return codes, names


def prefixes_from_objects() -> dict[str, str | None]:
    """scripts._prefixes as computed from pycountry.scripts."""
    prefixes: dict[str, str | None] = {}
    for script in pycountry.scripts:
        name: str = script.name
        if "variant" in name or "alias" in name or "private use" in name:
            continue
        for part in name.replace(")", "").replace(" (", ", ").split(", "):
            prefixes.setdefault(part.upper(), script.alpha_4)
    prefixes.update(scripts._SPECIAL_PREFIXES)
    return prefixes


def test_entries_are_pycountrys_fields() -> None:
    fields = languages._ISO_639_3_FIELDS
    assert read_entries("iso639-3.json", "639-3", fields) == [
        tuple(getattr(language, field, "") for field in fields) for language in pycountry.languages
    ]
    assert read_entries("iso15924.json", "15924", ("alpha_4", "name")) == [
        (script.alpha_4, script.name) for script in pycountry.scripts
    ]


def test_language_tables_equal_those_from_pycountry_objects() -> None:
    assert languages._tables() == tables_from_objects()


def test_every_iso_639_code_and_name_gets_the_same_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    values = {
        value
        for language in pycountry.languages
        for attribute in LANGUAGE_SPELLINGS
        if (value := getattr(language, attribute, None))
    }
    values |= {value.split(" (", 1)[0] for value in values}  # "Malay (macrolanguage)"
    lookup = languages.language_codes.__wrapped__  # uncached
    new = {value: lookup(value) for value in values}
    reference = tables_from_objects()
    monkeypatch.setattr(languages, "_tables", lambda: reference)
    old = {value: lookup(value) for value in values}
    assert new == old
    assert sum(1 for codes in new.values() if codes) > 7000


def test_script_prefixes_equal_those_from_pycountry_objects() -> None:
    new, old = scripts._prefixes(), prefixes_from_objects()
    assert new == old
    for script in pycountry.scripts:
        for part in script.name.replace(")", "").replace(" (", ", ").split(", "):
            assert new.get(part.upper()) == old.get(part.upper()), script


def test_normalising_does_not_load_pycountrys_object_database() -> None:
    program = textwrap.dedent(
        """
        import datetime, pycountry

        class Untouchable:
            # Stands in for pycountry's object databases: any use of one fails.

            def __getattr__(self, name):
                raise AssertionError(f"pycountry's object database was used ({name})")

            def __iter__(self):
                raise AssertionError("pycountry's object database was iterated")

        pycountry.languages = pycountry.scripts = Untouchable()
        from harvester.normalise.record import normalise_dc
        record = {"title": ["ภาษาไทย Русский"], "language": ["Thai", "fre"], "date": ["2563"]}
        out = normalise_dc(record, "fa", today=datetime.date(2026, 11, 25))
        assert out["languages"] == ["tha", "fra"], out["languages"]
        assert out["scripts"] == ["Thai", "Cyrl"], out["scripts"]
        """
    )
    subprocess.run([sys.executable, "-c", program], check=True)
