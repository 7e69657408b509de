"""Pure functions from a harvested <record> to the normalised fields of the index.

The record normaliser (dates, languages, identifiers, ...) is loaded on first use: the search
folding in this package is also needed by commands that only read the index, and they should
not pay for the rest at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["extract_dc", "normalise_dc", "normalise_record", "normalise_values", "parse_record_xml"]

_LAZY = {
    "extract_dc": "harvester.normalise.dc",
    "parse_record_xml": "harvester.normalise.dc",
    "normalise_dc": "harvester.normalise.record",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'harvester.normalise' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups (once per record in a harvest) find it directly
    return value


def normalise_record(record: Any, default_language: str | None = None) -> dict[str, Any]:
    """Normalise the Dublin Core of one <record> element (see NORMALISED_FIELDS)."""
    from harvester.normalise.dc import extract_dc
    from harvester.normalise.record import normalise_dc

    return normalise_dc(extract_dc(record), default_language)


def normalise_values(
    dc: Mapping[str, Sequence[str]], default_language: str | None = None
) -> dict[str, Any]:
    """Normalise already extracted values; handy from Python and in tests."""
    from harvester.normalise.record import normalise_dc

    return normalise_dc(dc, default_language)
