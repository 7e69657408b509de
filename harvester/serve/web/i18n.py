"""The interface language: gettext catalogues read with Babel, and names of languages,
countries and scripts in the reader's language (from Babel's CLDR data).

A member adds a language by translating one file,
harvester/serve/locale/<code>/LC_MESSAGES/messages.po, compiling it (`pybabel compile -d
harvester/serve/locale`) and listing the code in LOCALES.
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

from babel import Locale
from babel.support import Translations

from harvester.normalise.isodata import read_entries

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
# Interface languages, each with its name in itself (for the switcher).
LOCALES: dict[str, str] = {"en": "English", "zh": "中文", "ru": "Русский"}
DEFAULT_LOCALE = "en"


@functools.cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalogue of an interface language (English needs none)."""
    if locale == DEFAULT_LOCALE:
        return gettext.NullTranslations()
    return Translations.load(str(LOCALE_DIR), [locale], domain="messages")


@functools.cache
def _alpha_2() -> dict[str, str]:
    """{ISO 639-3: ISO 639-1} for the languages that have a two-letter code."""
    return {a3: a2 for a3, a2 in read_entries("iso639-3.json", "639-3", ("alpha_3", "alpha_2"))}


@functools.cache
def _english_names() -> dict[str, str]:
    return {a3: name for a3, name in read_entries("iso639-3.json", "639-3", ("alpha_3", "name"))}


def language_tag(code: str | None) -> str | None:
    """The BCP 47 tag for an ISO 639-3 code (`fas` -> `fa`), for HTML `lang`."""
    if not code:
        return None
    return _alpha_2().get(code) or code


@functools.cache
def _babel_locale(locale: str) -> Locale:
    return Locale.parse(locale)


def language_name(code: str, locale: str) -> str:
    """`fas` -> Persian, персидский, 波斯语; the code itself when nothing knows it."""
    names = _babel_locale(locale).languages
    name = names.get(_alpha_2().get(code, "")) or names.get(code) or _english_names().get(code)
    return name or code


def country_name(code: str, locale: str) -> str:
    if not code:
        return ""
    return _babel_locale(locale).territories.get(code.upper()) or code


def script_name(code: str, locale: str) -> str:
    return _babel_locale(locale).scripts.get(code) or code


def negotiate(requested: str | None, accept: list[tuple[str, float]]) -> str:
    """The `lang` parameter if it names an interface language, else the best of Accept-Language.

    `accept` is the header's (tag, quality) list; `zh-CN` and `zh-Hant` fall back to `zh`.
    """
    if requested in LOCALES:
        return requested
    for tag, _quality in sorted(accept, key=lambda item: -item[1]):
        primary = tag.lower().replace("_", "-").split("-")[0]
        if primary in LOCALES:
            return primary
    return DEFAULT_LOCALE
