"""The search page's URL parameters, named like `harvester search`'s options, checked.

Every page of results is a plain link: q, source (repeatable), country, language, type,
script, year_from, year_to, page, limit, and lang for the interface language. An empty value
counts as absent (a submitted form sends every field). Anything out of bounds is a
BadParameter with one line that says what is wrong; the page shows it with status 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from harvester.normalise.dcmitype import dcmi_type
from harvester.normalise.languages import normalise_language
from harvester.store.reads import SearchFilters

MAX_QUERY = 500  # characters
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_RESULTS = 1000  # search ranks its first matches; deep pages are neither useful nor cheap
MAX_SOURCES = 20
YEARS = (-5000, 3000)
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_SCRIPT = re.compile(r"[A-Za-z]{4}")
_NAME = re.compile(r"[\w.:-]{1,100}")
SINGLE = ("q", "country", "language", "type", "script", "year_from", "year_to", "page", "limit")


class BadParameter(ValueError):
    """A parameter the page cannot use; the message is shown to the reader."""


@dataclass(frozen=True)
class SearchParams:
    """A checked search request, and the links that change one part of it."""

    q: str = ""
    sources: tuple[str, ...] = ()
    country: str | None = None
    language: str | None = None
    type: str | None = None
    script: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    page: int = 1
    limit: int = DEFAULT_LIMIT
    lang: str | None = None

    @property
    def filters(self) -> SearchFilters:
        return SearchFilters(
            sources=self.sources,
            language=self.language,
            year_from=self.year_from,
            year_to=self.year_to,
            type=self.type,
            country=self.country,
            script=self.script,
        )

    @property
    def filtered(self) -> bool:
        return self.filters != SearchFilters()

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def pairs(self) -> list[tuple[str, str]]:
        """The parameters as they go into a link, defaults left out."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        out += [("source", name) for name in self.sources]
        for name in ("country", "language", "type", "script", "year_from", "year_to"):
            value = getattr(self, name)
            if value is not None:
                out.append((name, str(value)))
        if self.page != 1:
            out.append(("page", str(self.page)))
        if self.limit != DEFAULT_LIMIT:
            out.append(("limit", str(self.limit)))
        if self.lang:
            out.append(("lang", self.lang))
        return out

    def url(self, **changes: object) -> str:
        """This search with some parameters changed; a changed filter starts at page 1."""
        if "page" not in changes:
            changes["page"] = 1
        changed = replace(self, **changes)  # type: ignore[arg-type]
        query = urlencode(changed.pairs())
        return "/?" + query if query else "/"

    def adding_source(self, name: str) -> str:
        return self.url(sources=tuple(dict.fromkeys((*self.sources, name))))

    def removing_source(self, name: str) -> str:
        return self.url(sources=tuple(s for s in self.sources if s != name))

    def hidden_fields(self) -> list[tuple[str, str]]:
        """The filters a new query from the search box keeps (as hidden form fields)."""
        keep = ("source", "country", "language", "type", "script", "limit", "lang")
        return [(name, value) for name, value in self.pairs() if name in keep]


def parse(args: Mapping[str, Sequence[str]], locales: Sequence[str]) -> SearchParams:
    """Check the query string (each name -> its values) and build the request."""
    values = {name: [v.strip() for v in found if v.strip()] for name, found in args.items()}
    for name in SINGLE:
        if len(values.get(name, [])) > 1:
            raise BadParameter(f"give {name} only once")

    def one(name: str) -> str | None:
        found = values.get(name)
        return found[0] if found else None

    q = " ".join((one("q") or "").split())
    if len(q) > MAX_QUERY:
        raise BadParameter(f"the query is longer than {MAX_QUERY} characters")
    sources = tuple(dict.fromkeys(values.get("source", [])))
    if len(sources) > MAX_SOURCES:
        raise BadParameter(f"at most {MAX_SOURCES} members at once")
    for name in sources:
        if not _NAME.fullmatch(name):
            raise BadParameter(f"source {name[:40]!r} is not a member name")
    country = one("country")
    if country is not None:
        if not _COUNTRY.fullmatch(country):
            raise BadParameter("country must be a two-letter ISO 3166 code, such as TH or UZ")
        country = country.upper()
    script = one("script")
    if script is not None:
        if not _SCRIPT.fullmatch(script):
            raise BadParameter("script must be a four-letter ISO 15924 code, such as Arab or Hani")
        script = script.title()
    language = one("language")
    if language is not None:
        code = normalise_language(language[:100])
        if code is None:
            raise BadParameter(f"unknown language {language[:40]!r}: use a code or a name")
        language = code
    type_ = one("type")
    if type_ is not None:
        dcmi = dcmi_type(type_[:100])
        if dcmi is None:
            raise BadParameter(f"unknown type {type_[:40]!r}: use a DCMI type such as Text")
        type_ = dcmi
    year_from = _integer(one("year_from"), "year_from", *YEARS)
    year_to = _integer(one("year_to"), "year_to", *YEARS)
    if year_from is not None and year_to is not None and year_from > year_to:
        raise BadParameter("year_from is later than year_to")
    limit = _integer(one("limit"), "limit", 1, MAX_LIMIT) or DEFAULT_LIMIT
    page = _integer(one("page"), "page", 1, MAX_RESULTS // limit) or 1
    lang = one("lang")
    return SearchParams(
        q=q,
        sources=sources,
        country=country,
        language=language,
        type=type_,
        script=script,
        year_from=year_from,
        year_to=year_to,
        page=page,
        limit=limit,
        lang=lang if lang in locales else None,
    )


def _integer(value: str | None, name: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number, not {value[:40]!r}") from None
    if not low <= number <= high:
        raise BadParameter(f"{name} must be between {low} and {high}")
    return number
