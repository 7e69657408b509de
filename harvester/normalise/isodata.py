"""Fields of pycountry's ISO tables, read straight from the JSON files pycountry ships.

pycountry turns each of ISO 639-3's 7,900 entries into an object with an index per field,
about 12 MB in all, when its database is first touched. The normaliser needs a few strings
of each entry, so it reads the same files (pycountry.DATABASE_DIR) and keeps only those:
pycountry stays the maintained source of the codes and names.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pycountry


def read_entries(filename: str, root_key: str, fields: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The given fields of every entry of one of pycountry's databases, in file order.

    A field an entry lacks is "". Each entry is cut down to a tuple as soon as the decoder
    has built it, so the whole decoded document is never in memory at once.
    """

    def keep(entry: dict[str, Any]) -> Any:
        if root_key in entry:  # the document itself: {"639-3": [entries]}
            return entry
        return tuple([entry.get(field, "") for field in fields])

    with open(os.path.join(pycountry.DATABASE_DIR, filename), encoding="utf-8") as file:
        entries: list[tuple[str, ...]] = json.load(file, object_hook=keep)[root_key]
    return entries
