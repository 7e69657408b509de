"""Pure functions from a harvested <record> to the normalised fields of the index."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harvester.normalise.dc import extract_dc, parse_record_xml
from harvester.normalise.record import normalise_dc

__all__ = ["extract_dc", "normalise_dc", "normalise_record", "parse_record_xml"]


def normalise_record(record: Any, default_language: str | None = None) -> dict[str, Any]:
    """Normalise the Dublin Core of one <record> element (see NORMALISED_FIELDS)."""
    return normalise_dc(extract_dc(record), default_language)


def normalise_values(
    dc: Mapping[str, Sequence[str]], default_language: str | None = None
) -> dict[str, Any]:
    """Normalise already extracted values; handy from Python and in tests."""
    return normalise_dc(dc, default_language)
