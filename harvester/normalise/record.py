"""Assemble the normalised record from raw Dublin Core values."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any


def clean_text(value: str) -> str:
    """NFC and collapsed whitespace."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def _clean_all(values: Sequence[str]) -> list[str]:
    cleaned = (clean_text(v) for v in values)
    return list(dict.fromkeys(v for v in cleaned if v))


def normalise_dc(dc: Mapping[str, Sequence[str]], default_language: str | None) -> dict[str, Any]:
    """Map raw dc:* values to the normalised fields (a simple first mapping)."""
    titles = _clean_all(dc.get("title", ()))
    dates = _clean_all(dc.get("date", ()))
    languages = _clean_all(dc.get("language", ()))
    inferred = not languages and default_language is not None
    if inferred and default_language:
        languages = [default_language]
    return {
        "title": titles[0] if titles else None,
        "titles": titles,
        "creators": _clean_all(dc.get("creator", ())),
        "contributors": _clean_all(dc.get("contributor", ())),
        "subjects": _clean_all(dc.get("subject", ())),
        "publishers": _clean_all(dc.get("publisher", ())),
        "descriptions": _clean_all(dc.get("description", ())),
        "formats": _clean_all(dc.get("format", ())),
        "relations": _clean_all(dc.get("relation", ())),
        "coverage": _clean_all(dc.get("coverage", ())),
        "sources": _clean_all(dc.get("source", ())),
        "date_raw": dates[0] if dates else None,
        "date": None,
        "year": None,
        "calendar": None,
        "languages": languages,
        "language_inferred": inferred,
        "types": [],
        "types_raw": _clean_all(dc.get("type", ())),
        "identifiers": {"other": _clean_all(dc.get("identifier", ()))},
        "rights": "; ".join(_clean_all(dc.get("rights", ()))) or None,
        "license": None,
        "scripts": [],
        "dc": {k: list(v) for k, v in dc.items()},
    }
