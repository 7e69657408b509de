"""Text columns kept deflated against a preset dictionary, behind a format byte.

A record's raw XML and its raw Dublin Core JSON repeat the same markup in every row; zlib
given that markup as a preset dictionary stores only what differs. The first byte of a
packed value names the dictionary it was packed with, so a new dictionary gets a new byte
and old rows stay readable. Rows written before packing hold the text itself (SQLite TEXT,
never a blob): `unpack` returns it as it is, so an index never needs rewriting.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

_LEVEL = 6
_WBITS = -15  # raw deflate: no zlib header or checksum (SQLite pages are checksummed enough)
# zlib's default. 9 gave the same bytes (6,008,215 for 10,000 library records' raw XML)
# at three times the time: 150 us a record against 50, a fifth of a page worker's time.
_MEMLEVEL = 8


class Packing:
    """One column's codec: packs with the current dictionary, unpacks with any it ever had."""

    def __init__(self, what: str, dictionaries: Mapping[int, bytes], current: int) -> None:
        """`dictionaries` maps each format byte to its dictionary; neither may ever change."""
        self.what = what
        self._dictionaries = {bytes([byte]): d for byte, d in dictionaries.items()}
        self._format = bytes([current])
        self._dictionary = dictionaries[current]

    def pack(self, text: str) -> bytes:
        """The stored form of `text`."""
        deflate = zlib.compressobj(
            _LEVEL, zlib.DEFLATED, _WBITS, _MEMLEVEL, zlib.Z_DEFAULT_STRATEGY, self._dictionary
        )
        return self._format + deflate.compress(text.encode("utf-8")) + deflate.flush()

    def unpack(self, stored: str | bytes | None) -> str | None:
        """The text of a stored value: packed (bytes) or, from older rows, the text itself."""
        if stored is None or isinstance(stored, str):
            return stored
        dictionary = self._dictionaries.get(stored[:1])
        if dictionary is None:
            raise ValueError(f"{self.what} stored in an unknown format")
        inflate = zlib.decompressobj(_WBITS, dictionary)
        return (inflate.decompress(stored[1:]) + inflate.flush()).decode("utf-8")
