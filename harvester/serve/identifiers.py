"""Served identifiers: `oai:<repository identifier>:<source>:<original identifier>`.

The original identifier is percent-encoded where the oai-identifier scheme does not allow a
character (spaces, non-ASCII letters, `%` itself), so the mapping is reversible.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

# Allowed in an oai-identifier's local part besides letters, digits and `_.-~` (never quoted).
_SAFE = "!*'();/?:@&=+$,"


def oai_identifier(repository_identifier: str, source: str, identifier: str) -> str:
    return f"oai:{repository_identifier}:{source}:{quote(identifier, safe=_SAFE)}"


def parse_oai_identifier(repository_identifier: str, value: str) -> tuple[str, str] | None:
    """(source, original identifier), or None when the value is not one of ours."""
    prefix = f"oai:{repository_identifier}:"
    if not value.startswith(prefix):
        return None
    source, sep, local = value[len(prefix) :].partition(":")
    if not sep or not source or not local:
        return None
    original = unquote(local, errors="strict") if "%" in local else local
    if quote(original, safe=_SAFE) != local:  # not in the form we issue
        return None
    return source, original
