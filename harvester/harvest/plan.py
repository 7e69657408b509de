"""Which window a list asks for: resume the pending one, restart it, or open a new one.

Pure functions over the stored state row, so the rules of docs/architecture.md are testable alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class HarvestOptions:
    """What this run asks for: incremental (default), everything, or a manual window."""

    full: bool = False
    from_: str | None = None
    until: str | None = None

    @property
    def manual(self) -> bool:
        return bool(self.from_ or self.until)


@dataclass(frozen=True)
class Plan:
    """The window to page through, and where in it to start."""

    from_: str | None
    until: str | None
    token: str | None = None
    first_response_date: str | None = None
    received: int = 0
    expected: int | None = None

    @property
    def has_seconds(self) -> bool:
        return any(s and len(s) > 10 for s in (self.from_, self.until))


def plan_window(
    state: Mapping[str, Any], options: HarvestOptions, day_only: bool, now: datetime | None = None
) -> Plan:
    """Resume the pending list when this run asks for the same kind of window, else open one.

    A token past its expirationDate is not tried: its window restarts from the stored `from`.
    """
    wanted = (at_granularity(options.from_, day_only), at_granularity(options.until, day_only))
    pending = (state.get("window_from"), state.get("window_until"))
    same_kind = (
        bool(state.get("manual")) == options.manual
        and (not options.manual or pending == wanted)
        and (not options.full or pending[0] is None)
    )
    if state.get("resumption_token") and same_kind:
        if expired(state.get("expiration_date"), now):
            return Plan(*pending)
        return Plan(
            *pending,
            token=state["resumption_token"],
            first_response_date=state.get("first_response_date"),
            received=state.get("received") or 0,
            expected=state.get("complete_list_size"),
        )
    if options.manual:
        return Plan(*wanted)
    watermark = None if options.full else state.get("watermark")
    return Plan(at_granularity(watermark, day_only), None)


def at_granularity(stamp: str | None, day_only: bool) -> str | None:
    """Format a datestamp for from/until: day-only endpoints get YYYY-MM-DD."""
    if not stamp:
        return None
    stamp = stamp.strip()
    if day_only:
        return stamp[:10]
    if len(stamp) == 10:
        return stamp
    return stamp if stamp.endswith("Z") else stamp + "Z"


def expired(expiration_date: str | None, now: datetime | None = None) -> bool:
    """Whether a token's expirationDate has passed (an unreadable date is trusted)."""
    if not expiration_date:
        return False
    try:
        when = datetime.fromisoformat(expiration_date.replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when <= (now or datetime.now(UTC))
