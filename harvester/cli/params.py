"""Option values checked as they are parsed: a bad one is a usage error (exit 2) in one line.

Each type says what it accepts, so `--since yesterday` is refused instead of matching nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import click


def _parse_moment(value: str) -> date | datetime | None:
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Moment(click.ParamType):
    """An ISO 8601 date or UTC date and time, in the form OAI-PMH and the index use.

    A date stays `YYYY-MM-DD`; a date and time becomes `YYYY-MM-DDThh:mm:ssZ` in UTC
    (`+02:00` offsets are converted, a time without an offset is read as UTC).
    """

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        moment = _parse_moment(str(value))
        if moment is None:
            self.fail(
                f"{value!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, e.g. 2025-01-31",
                param,
                ctx,
            )
        if isinstance(moment, datetime):
            return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return moment.isoformat()


MOMENT = Moment()


class Language(click.ParamType):
    """A language as a code or a name in any form dc:language accepts; becomes ISO 639-3."""

    name = "language"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from harvester.normalise.languages import normalise_language

        code = normalise_language(str(value))
        if code is None:
            self.fail(
                f"{value!r} is not a language; use an ISO 639 code or a name, "
                "e.g. rus, ru, Russian or Русский",
                param,
                ctx,
            )
        return code


class DcmiType(click.ParamType):
    """A DCMI Type term, or a local term that maps to one (Book, 图书)."""

    name = "type"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from harvester.normalise.dcmitype import DCMI_TYPES, dcmi_type

        term = dcmi_type(str(value))
        if term is None:
            self.fail(
                f"{value!r} is not a DCMI type or a term for one; use one of "
                f"{', '.join(sorted(DCMI_TYPES))}",
                param,
                ctx,
            )
        return term


class Country(click.ParamType):
    """An ISO 3166-1 alpha-2 country code, in either case."""

    name = "country"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from harvester.config import COUNTRY_CODES

        code = str(value).strip().upper()
        if code not in COUNTRY_CODES:
            self.fail(f"{value!r} is not an ISO 3166 country code; e.g. UZ, CN or TH", param, ctx)
        return code


class Script(click.ParamType):
    """An ISO 15924 script code, in any case (Arab, Hani, Cyrl, Thai)."""

    name = "script"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from harvester.normalise.isodata import read_entries

        code = str(value).strip().title()
        codes = {entry[0] for entry in read_entries("iso15924.json", "15924", ("alpha_4",))}
        if code not in codes:
            self.fail(
                f"{value!r} is not an ISO 15924 script code; e.g. Arab, Hani, Cyrl or Thai",
                param,
                ctx,
            )
        return code


class Query(click.ParamType):
    """A search query with at least one term."""

    name = "query"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if not text.split():
            self.fail("the query is empty; give at least one word to search for", param, ctx)
        return text


def check_window(start: str | None, end: str | None, first: str, second: str) -> None:
    """A usage error when a window ends before it starts; a bare date covers its whole day."""
    if not start or not end:
        return
    days_only = len(start) == 10 or len(end) == 10
    if (end[:10] < start[:10]) if days_only else (end < start):
        raise click.UsageError(f"{second} {end} is before {first} {start}")
