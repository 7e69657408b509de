"""How a record's raw Dublin Core (the `dc` column) is kept: its JSON text, deflated.

`dc` is the JSON of every raw dc:* value (`{"title":["..."],"creator":["..."],...}`), about
1,000 bytes a library-shaped record and the largest column after the raw XML. Deflated against
a dictionary of its keys and common values it takes about 500 bytes (600 without the
dictionary) and comes back in a few microseconds. Rows written before hold the JSON text;
`unpack` reads both, so an index never needs rewriting.

Python readers go through `unpack`; SQL through `dc_json(dc)`, which `register` adds to every
connection the store opens (other SQLite programs see a blob, as for raw_xml).
"""

from __future__ import annotations

import sqlite3

from harvester.store.packing import Packing

SQL_FUNCTION = "dc_json"

# Format byte of a packed value (raw XML's is 1). A new dictionary or codec gets a new byte;
# old rows keep theirs, so this one's dictionary must never change. zlib finds the strings
# nearest the end in the fewest bits: the keys every record has come last.
_V1 = 0x02
_DICTIONARY_V1 = (
    b'"],"coverage":["'
    b'"],"relation":["info:eu-repo/semantics/'
    b'"],"source":["'
    b'"],"rights":["info:eu-repo/semantics/openAccess",'
    b'"https://creativecommons.org/licenses/by/4.0/","All rights reserved'
    b'"],"contributor":["'
    b'"],"language":["eng","rus","chi","ara","tha","fre","ger","en'
    b'"],"format":["application/pdf","text/html'
    b'"],"type":["Text","info:eu-repo/semantics/article'
    b'"],"date":["T00:00:00Z'
    b'"],"publisher":["'
    b"&lt;p&gt;&lt;/p&gt;<p></p>"
    b'"],"description":["'
    b'"],"subject":["'
    b'{"title":["'
    b'"],"creator":["'
    b'"],"identifier":["oai:","ISBN ","urn:nbn:","https://doi.org/10.","http://hdl.handle.net/'
)
_PACKING = Packing("raw Dublin Core", {_V1: _DICTIONARY_V1}, current=_V1)
pack = _PACKING.pack
unpack = _PACKING.unpack


def register(conn: sqlite3.Connection) -> None:
    """Give SQL on `conn` dc_json(dc): the JSON text of a packed or text value, NULL for NULL."""
    conn.create_function(SQL_FUNCTION, 1, unpack, deterministic=True)
