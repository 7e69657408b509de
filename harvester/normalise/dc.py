"""Pull the raw Dublin Core values out of an OAI-PMH <record> element."""

from __future__ import annotations

from typing import Any

from lxml import etree

from harvester.models import DC_ELEMENTS

DC_NS = "http://purl.org/dc/elements/1.1/"
_DC_PREFIX_LEN = len(DC_NS) + 2  # "{" + namespace + "}"
_WANTED = frozenset(DC_ELEMENTS)


def extract_dc(record: Any) -> dict[str, list[str]]:
    """Return {element: [raw values]} for the dc:* elements under the record's metadata.

    Values are kept exactly as sent (no trimming); empty elements are skipped.
    Elements in no namespace or another one are ignored: oai_dc defines only dc:*.
    """
    values: dict[str, list[str]] = {}
    for element in record.iter(etree.Element):
        tag = element.tag
        if not tag.startswith("{" + DC_NS):
            continue
        name = tag[_DC_PREFIX_LEN:]
        if name not in _WANTED:
            continue
        text = "".join(element.itertext())
        if text.strip():
            values.setdefault(name, []).append(text)
    return values


def parse_record_xml(raw_xml: str | bytes) -> Any:
    """Parse one stored <record> back into an element, safely (no entities, no network)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    )
    data = raw_xml.encode("utf-8") if isinstance(raw_xml, str) else raw_xml
    return etree.fromstring(data, parser)
