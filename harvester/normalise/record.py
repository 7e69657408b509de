"""Assemble the normalised record (NORMALISED_FIELDS) from raw Dublin Core values."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from harvester.normalise.dates import choose_date
from harvester.normalise.dcmitype import normalise_types
from harvester.normalise.identifiers import classify_identifiers
from harvester.normalise.languages import normalise_language, normalise_languages
from harvester.normalise.rights import find_licence
from harvester.normalise.scriptfit import fits
from harvester.normalise.scripts import detect_scripts
from harvester.normalise.text import (
    clean_description,
    clean_name,
    clean_text,
    clean_title,
    clean_values,
)

# Names, subjects and vocabulary values (types, formats, rights, languages) recur from
# record to record of a catalogue: their normalisation is cached, by value or, for the
# fields that are read as a whole, by the field's tuple of values. Titles, descriptions and
# identifiers are unique to a record and are cleaned afresh. Every cache is bounded, so a long
# harvest cannot grow them, and holds only immutable values (lists are built per record).
_clean_name = functools.lru_cache(maxsize=8192)(clean_name)
_clean_term = functools.lru_cache(maxsize=4096)(clean_text)
_is_str = str.__instancecheck__  # isinstance(value, str), as a C callable for filter()


@functools.lru_cache(maxsize=1024)
def _types(values: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(cleaned dc:type values, their DCMI Types)."""
    types_raw = clean_values(values, _clean_term)
    return tuple(types_raw), tuple(normalise_types(types_raw))


@functools.lru_cache(maxsize=1024)
def _rights(values: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(the cleaned dc:rights values joined with "; ", the licence URI found in them)."""
    rights = clean_values(values, _clean_term)
    return "; ".join(rights) or None, find_licence(rights)


@functools.lru_cache(maxsize=1024)
def _languages(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalise_languages(values))


def _copy(dc: Mapping[str, Any]) -> dict[str, list[str]]:
    """The raw values as sent, copied so the caller's mapping can change freely.

    Tolerates a bare string or stray non-strings in place of a list of strings.
    """
    raw: dict[str, list[str]] = {}
    for name, values in dc.items():
        if not isinstance(name, str):
            continue
        if isinstance(values, str):
            raw[name] = [values]
            continue
        try:
            raw[name] = [*filter(_is_str, values)]
        except TypeError:
            raw[name] = []
    return raw


def normalise_dc(
    dc: Mapping[str, Sequence[str]],
    default_language: str | None,
    *,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """Map raw dc:* values to the normalised fields; pure, and never raises on odd values.

    `default_language` (any form dc:language accepts) is used when the record names no
    usable language. `today` bounds plausible years; it defaults to the current date.
    """
    raw = _copy(dc)
    get = raw.get
    titles = clean_values(get("title"), clean_title)
    descriptions = clean_values(get("description"), clean_description)
    publishers = clean_values(get("publisher"), _clean_name)
    relations = clean_values(get("relation"))
    sources = clean_values(get("source"))

    values = get("language")
    languages = list(_languages(tuple(values))) if values else []
    default = normalise_language(default_language)
    inferred = False
    scripts = detect_scripts(titles)
    # The default is for records in a script the language is written in: a Latin-script
    # default does not label a Han or Cyrillic title. (It still hints at the calendar below:
    # a Thai library dates its English books in the Buddhist Era.)
    if not languages and default is not None and fits(default, scripts, titles):
        languages = [default]
        inferred = True
    # An unmarked 2563 or 1399 is read as Buddhist Era / Solar Hijri from the record's
    # languages and from the source's default: a Thai library dates its English books in BE.
    calendar_hints = [*languages, default] if default else languages

    date_raw, date = choose_date(get("date", ()), calendar_hints, today)
    values = get("type")
    types_raw, types = _types(tuple(values)) if values else ((), ())
    values = get("rights")
    rights, licence = _rights(tuple(values)) if values else (None, None)
    identifiers = classify_identifiers(
        {
            "identifier": clean_values(get("identifier")),
            "relation": relations,
            "source": sources,
            "description": descriptions,
            "publisher": publishers,
        }
    )
    return {
        "title": titles[0] if titles else None,
        "titles": titles,
        "creators": clean_values(get("creator"), _clean_name),
        "contributors": clean_values(get("contributor"), _clean_name),
        "subjects": clean_values(get("subject"), _clean_name),
        "publishers": publishers,
        "descriptions": descriptions,
        "formats": clean_values(get("format"), _clean_term),
        "relations": relations,
        "coverage": clean_values(get("coverage"), _clean_term),
        "sources": sources,
        "date_raw": date_raw,
        "date": date.date if date else None,
        "year": date.year if date else None,
        "calendar": date.calendar if date else None,
        "languages": languages,
        "language_inferred": inferred,
        "types": list(types),
        "types_raw": list(types_raw),
        "identifiers": identifiers,
        "rights": rights,
        "license": licence,
        "scripts": scripts,
        "dc": raw,
    }


__all__ = ["clean_text", "normalise_dc"]
