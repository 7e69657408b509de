"""`from` and `until` arguments: checked against the granularity we declare, turned into bounds.

Datestamps are served at second granularity (`YYYY-MM-DDThh:mm:ssZ`); day granularity
(`YYYY-MM-DD`) is accepted too, as the spec requires. Bounds compare with the index's
microsecond `changed_at` strings: `from` inclusive, `until` inclusive to the end of its second
or day (so an exclusive bound one unit later).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from harvester.serve.errors import BAD_ARGUMENT, OAIError

GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_STAMP = "%Y-%m-%dT%H:%M:%S"


def parse_datestamp(name: str, value: str) -> tuple[datetime, bool] | OAIError:
    """(instant, is_day) or badArgument for any other form, finer ones included."""
    is_day = bool(_DAY.match(value))
    if not is_day and not _SECOND.match(value):
        return OAIError(
            BAD_ARGUMENT,
            f"'{name}' must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, not {value!r}",
        )
    try:
        parsed = datetime.strptime(
            value[:19] if not is_day else value, _STAMP[: 8 if is_day else 17]
        )
    except ValueError:
        return OAIError(BAD_ARGUMENT, f"'{name}' is not a valid date: {value!r}")
    return parsed.replace(tzinfo=UTC), is_day


def window(from_: str | None, until: str | None) -> tuple[str | None, str | None] | OAIError:
    """(inclusive lower bound, exclusive upper bound) as index timestamps, or badArgument."""
    start = parse_datestamp("from", from_) if from_ is not None else None
    end = parse_datestamp("until", until) if until is not None else None
    for parsed in (start, end):
        if isinstance(parsed, OAIError):
            return parsed
    assert not isinstance(start, OAIError) and not isinstance(end, OAIError)
    if start is not None and end is not None:
        if start[1] != end[1]:
            return OAIError(BAD_ARGUMENT, "'from' and 'until' must have the same granularity")
        if start[0] > end[0]:
            return OAIError(BAD_ARGUMENT, "'from' is later than 'until'")
    lower = start[0].strftime(_STAMP) if start else None
    upper = None
    if end is not None:
        step = timedelta(days=1) if end[1] else timedelta(seconds=1)
        try:
            upper = (end[0] + step).strftime(_STAMP)
        except OverflowError:  # until 9999-12-31: no upper bound at all
            upper = None
    return lower, upper


def datestamp(changed_at: str) -> str:
    """An index timestamp (microseconds) as a served datestamp (seconds)."""
    return changed_at[:19] + "Z"


def now_datestamp() -> str:
    return datetime.now(UTC).strftime(_STAMP) + "Z"
