"""Pull the raw Dublin Core values out of an OAI-PMH <record> element."""

from __future__ import annotations

from typing import Any

from lxml import etree

from harvester.models import DC_ELEMENTS

DC_NS = "http://purl.org/dc/elements/1.1/"
_ANY_DC = "{" + DC_NS + "}*"
# {"{namespace}title": "title", ...}: one dict lookup per element instead of slicing the tag.
_WANTED = {"{" + DC_NS + "}" + name: name for name in DC_ELEMENTS}


def extract_dc(record: Any) -> dict[str, list[str]]:
    """Return {element: [raw values]} for the dc:* elements under the record's metadata.

    Values are kept exactly as sent (no trimming); empty elements are skipped.
    Elements in no namespace or another one are ignored: oai_dc defines only dc:*.
    """
    values: dict[str, list[str]] = {}
    # lxml filters by namespace in C, so only dc:* elements get a Python object.
    for element in record.iter(_ANY_DC):
        name = _WANTED.get(element.tag)
        if name is None:
            continue
        # A leaf's text is all its text: itertext() costs a generator per element, five
        # times the rest; it is needed only around child elements, comments or entities.
        text = element.text if len(element) == 0 else "".join(element.itertext())
        if text and not text.isspace():
            values.setdefault(name, []).append(text)
    return values


def parse_record_xml(raw_xml: str | bytes) -> Any:
    """Parse one stored <record> back into an element, safely (no entities, no network)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    )
    data = raw_xml.encode("utf-8") if isinstance(raw_xml, str) else raw_xml
    return etree.fromstring(data, parser)
