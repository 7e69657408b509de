"""A record's oai_dc elements, written straight from the JSON text the index stores.

Decoding a dozen JSON lists per record and re-encoding them cost more than listing ten
thousand records a second allows. Most stored lists are plain strings without escapes,
`["a","b"]`: for them the elements are the text with its `","` separators replaced (a quote
inside a value is always escaped, so `","` can only be a separator). A list holding any
backslash (an escape) is decoded with json. Values come from parsed XML (lxml refuses the
characters XML cannot carry), so escaping `&`, `<` and `>` is all they need.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from harvester.models import IDENTIFIER_KINDS

# dc:identifier prefixes that make an identifier actionable (as export.writers.dc_identifiers).
IDENTIFIER_PREFIXES = {
    "doi": "https://doi.org/",
    "isbn": "urn:isbn:",
    "issn": "urn:issn:",
    "handle": "https://hdl.handle.net/",
}
_KINDS = list(IDENTIFIER_KINDS)
# Dublin Core element <- stored list column, in Dublin Core order (title, date, type,
# identifier and rights are handled on their own).
_BEFORE_DATE = (
    ("creator", "creators"),
    ("subject", "subjects"),
    ("description", "descriptions"),
    ("publisher", "publishers"),
    ("contributor", "contributors"),
)
_AFTER_IDENTIFIERS = (
    ("source", "sources"),
    ("language", "languages"),
    ("relation", "relations"),
    ("coverage", "coverage"),
)


def escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _plain(stored: str) -> bool:
    """A list of non-empty strings without escapes: `","` only ever separates its values."""
    return (
        "\\" not in stored
        and stored.startswith('["')
        and stored.endswith('"]')
        and '""' not in stored
    )


def strings(stored: str | None) -> list[str]:
    """The non-empty strings of a stored JSON list."""
    if not stored or stored == "[]":
        return []
    if _plain(stored):
        return stored[2:-2].split('","')
    return [v for v in json.loads(stored) if isinstance(v, str) and v]


def elements(tag: str, stored: str | None, prefix: str = "") -> str:
    """`<dc:tag>` elements for a stored JSON list of strings."""
    if not stored or stored == "[]":
        return ""
    open_, close = f"<dc:{tag}>{prefix}", f"</dc:{tag}>"
    if _plain(stored):
        return open_ + escape(stored[2:-2]).replace('","', close + open_) + close
    return "".join(f"{open_}{escape(v)}{close}" for v in strings(stored))


def _single(tag: str, value: Any) -> str:
    return f"<dc:{tag}>{escape(str(value))}</dc:{tag}>" if value not in (None, "") else ""


def dc_elements(row: Mapping[str, Any]) -> str:
    """The oai_dc elements of a live record, from its stored columns (JSON text)."""
    titles = row["titles"]
    parts = [
        elements("title", titles) if titles and titles != "[]" else _single("title", row["title"])
    ]
    parts += [elements(tag, row[column]) for tag, column in _BEFORE_DATE]
    parts.append(_single("date", row["date"] or row["date_raw"]))
    parts.append(elements("type", row["types"]))
    types = set(strings(row["types"]))
    parts += [_single("type", v) for v in strings(row["types_raw"]) if v not in types]
    parts.append(elements("format", row["formats"]))
    parts += _identifiers(row["identifiers"])
    parts += [elements(tag, row[column]) for tag, column in _AFTER_IDENTIFIERS]
    parts += [_single("rights", row["rights"]), _single("rights", row["license"])]
    return "".join(parts)


def _identifiers(stored: str | None) -> Iterator[str]:
    if not stored or stored == "{}":
        return
    kinds: dict[str, Any] = json.loads(stored)
    if list(kinds) != _KINDS:  # stored in IDENTIFIER_KINDS order by the normaliser
        kinds = {k: kinds[k] for k in (*IDENTIFIER_KINDS, *sorted(kinds)) if k in kinds}
    for kind, values in kinds.items():
        if values:
            prefix = IDENTIFIER_PREFIXES.get(kind, "")
            yield "".join(
                f"<dc:identifier>{prefix}{escape(v)}</dc:identifier>"
                for v in values
                if isinstance(v, str) and v
            )


def set_specs(kind: str, stored: str | None) -> list[str]:
    """`kind:value` setSpecs for the values of a stored list that fit the setSpec pattern."""
    return [f"{kind}:{v}" for v in strings(stored) if _SET_SPEC_SAFE.issuperset(v)]


_SET_SPEC_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"
)
