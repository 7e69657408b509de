"""How a record's raw XML is kept in the index: deflated against a dictionary of oai_dc markup.

A library-shaped <record> is about 1.8 KB of XML; half of it is the same markup in every
record (the envelope, namespace declarations, element names). zlib with that markup as a
preset dictionary keeps 600 bytes of it, and gives it back in about 15 us. Rows written before
compression hold the text itself; `unpack` reads both, so an index never needs rewriting.

Every reader of raw XML goes through `unpack` (SQL cannot read the compressed form). The
format byte and the codec are store.packing's, shared with the raw Dublin Core (store.dcjson).
"""

from __future__ import annotations

from harvester.store.packing import Packing

# Format byte of a packed value. A new dictionary or codec gets a new byte; old rows keep
# theirs, so this one's dictionary must never change.
_V1 = 0x01
_DICTIONARY_V1 = (
    b"<record><header><identifier>oai:</identifier><datestamp>T00:00:00Z</datestamp>"
    b"<setSpec></setSpec></header><metadata>"
    b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    b'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
    b'http://www.openarchives.org/OAI/2.0/oai_dc.xsd">'
    b'<dc:title xml:lang="en"></dc:title><dc:creator></dc:creator><dc:subject></dc:subject>'
    b"<dc:description></dc:description><dc:publisher></dc:publisher><dc:date></dc:date>"
    b"<dc:type>Text</dc:type><dc:format></dc:format><dc:source></dc:source>"
    b"<dc:contributor></dc:contributor><dc:relation></dc:relation><dc:coverage></dc:coverage>"
    b"<dc:language></dc:language><dc:rights></dc:rights>"
    b"<dc:identifier>http://hdl.handle.net/</dc:identifier>"
    b"<dc:identifier>https://doi.org/10.</dc:identifier>"
    b"</oai_dc:dc></metadata></record>"
)
_PACKING = Packing("raw XML", {_V1: _DICTIONARY_V1}, current=_V1)
pack = _PACKING.pack
unpack = _PACKING.unpack
