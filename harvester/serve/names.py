"""Human-readable names for setName: countries (ISO 3166-1) and languages (ISO 639-3)."""

from __future__ import annotations

import functools

from harvester.normalise.isodata import read_entries


@functools.cache
def _countries() -> dict[str, str]:
    return dict(read_entries("iso3166-1.json", "3166-1", ("alpha_2", "name")))  # type: ignore[arg-type]


@functools.cache
def _languages() -> dict[str, str]:
    return dict(read_entries("iso639-3.json", "639-3", ("alpha_3", "name")))  # type: ignore[arg-type]


def country_name(code: str) -> str:
    return _countries().get(code, code)


def language_name(code: str) -> str:
    return _languages().get(code, code)
