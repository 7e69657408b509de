"""Stateless, signed resumption tokens.

A token carries the whole query and the keyset position of the last record sent, so any
server process (after a restart too) can continue the list, and a harvest writing in between
shifts nothing. It is signed with HMAC-SHA256 under a key kept in the index: a token that was
altered, cut short, or made for another index fails the check and is answered with
badResumptionToken.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

TOKEN_LIFETIME = timedelta(days=1)
_SIGNATURE_BYTES = 16


@dataclass(frozen=True)
class ListState:
    """Where a list stands: its query, the last record sent, how far along, and until when."""

    verb: str
    metadata_prefix: str
    changed_from: str | None
    changed_before: str | None
    set_kind: str | None
    set_value: str | None
    position: tuple[str, str, str]  # (changed_at, source, identifier) of the last record sent
    cursor: int  # records sent before the next page
    complete_list_size: int
    expires: int  # Unix time


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()
    return _b64(digest[:_SIGNATURE_BYTES])


def expiry(now: datetime) -> int:
    return int((now + TOKEN_LIFETIME).timestamp())


def encode_token(state: ListState, key: bytes) -> str:
    payload = _b64(json.dumps(asdict(state), separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_sign(key, payload)}"


def decode_token(token: str, key: bytes, now: datetime) -> ListState | str:
    """The state the token carries, or why it is refused (one sentence)."""
    payload, _, signature = token.partition(".")
    try:
        valid = hmac.compare_digest(_sign(key, payload), signature)
    except (UnicodeEncodeError, TypeError):
        valid = False
    if not valid:
        return "the resumption token is not one this repository issued, or it was altered"
    try:
        data: dict[str, Any] = json.loads(_unb64(payload))
        data["position"] = tuple(data["position"])
        state = ListState(**data)
    except (ValueError, TypeError, KeyError, binascii.Error):
        return "the resumption token cannot be read"
    if state.expires < now.timestamp():
        return "the resumption token has expired; start the list again"
    return state


def expiration_date(state: ListState) -> str:
    return datetime.fromtimestamp(state.expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
