"""Assemble the normalised record (NORMALISED_FIELDS) from raw Dublin Core values."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from harvester.normalise.dates import choose_date
from harvester.normalise.dcmitype import normalise_types
from harvester.normalise.identifiers import classify_identifiers
from harvester.normalise.languages import normalise_language, normalise_languages
from harvester.normalise.rights import find_licence
from harvester.normalise.scripts import detect_scripts
from harvester.normalise.text import (
    clean_description,
    clean_name,
    clean_text,
    clean_title,
    clean_values,
)


def _strings(values: Any) -> list[str]:
    """The raw strings of one element; tolerates a bare string or stray non-strings."""
    if isinstance(values, str):
        return [values]
    try:
        return [value for value in values if isinstance(value, str)]
    except TypeError:
        return []


def _copy(dc: Mapping[str, Any]) -> dict[str, list[str]]:
    """The raw values as sent, copied so the caller's mapping can change freely."""
    return {name: _strings(values) for name, values in dc.items() if isinstance(name, str)}


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
    empty: list[str] = []
    titles = clean_values(raw.get("title", empty), clean_title)
    descriptions = clean_values(raw.get("description", empty), clean_description)
    publishers = clean_values(raw.get("publisher", empty), clean_name)
    relations = clean_values(raw.get("relation", empty))
    sources = clean_values(raw.get("source", empty))

    languages = normalise_languages(raw.get("language", empty))
    default = normalise_language(default_language)
    inferred = False
    if not languages and default is not None:
        languages = [default]
        inferred = True
    # An unmarked 2563 or 1399 is read as Buddhist Era / Solar Hijri from the record's
    # languages and from the source's default: a Thai library dates its English books in BE.
    calendar_hints = [*languages, default] if default else languages

    date_raw, date = choose_date(raw.get("date", empty), calendar_hints, today)
    types_raw = clean_values(raw.get("type", empty))
    rights = clean_values(raw.get("rights", empty))
    identifiers = classify_identifiers(
        {
            "identifier": clean_values(raw.get("identifier", empty)),
            "relation": relations,
            "source": sources,
            "description": descriptions,
            "publisher": publishers,
        }
    )
    return {
        "title": titles[0] if titles else None,
        "titles": titles,
        "creators": clean_values(raw.get("creator", empty), clean_name),
        "contributors": clean_values(raw.get("contributor", empty), clean_name),
        "subjects": clean_values(raw.get("subject", empty), clean_name),
        "publishers": publishers,
        "descriptions": descriptions,
        "formats": clean_values(raw.get("format", empty)),
        "relations": relations,
        "coverage": clean_values(raw.get("coverage", empty)),
        "sources": sources,
        "date_raw": date_raw,
        "date": date.date if date else None,
        "year": date.year if date else None,
        "calendar": date.calendar if date else None,
        "languages": languages,
        "language_inferred": inferred,
        "types": normalise_types(types_raw),
        "types_raw": types_raw,
        "identifiers": identifiers,
        "rights": "; ".join(rights) or None,
        "license": find_licence(rights),
        "scripts": detect_scripts(titles),
        "dc": raw,
    }


__all__ = ["clean_text", "normalise_dc"]
