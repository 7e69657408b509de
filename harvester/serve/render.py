"""OAI-PMH responses as XML text, built from strings: the shapes are few and fixed, and a
record's Dublin Core is written from the stored JSON text (serve/dublincore.py).

Every text passes through `text()` (escaped, characters XML cannot carry removed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harvester.serve.dates import datestamp
from harvester.serve.dublincore import dc_elements
from harvester.serve.errors import OAIError

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
OAI_ID_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"

_ILLEGAL_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text(value: Any) -> str:
    """Element or attribute content: escaped, without characters XML 1.0 forbids."""
    escaped = (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )
    return _ILLEGAL_XML.sub("", escaped)


def element(tag: str, value: Any) -> str:
    return f"<{tag}>{text(value)}</{tag}>"


def envelope(
    response_date: str,
    base_url: str,
    arguments: Mapping[str, str] | None,
    body: str,
) -> bytes:
    """The OAI-PMH document around a verb's element or errors.

    `arguments` are echoed as attributes of <request>; None after badVerb or badArgument,
    where the spec wants the base URL alone.
    """
    attrs = "".join(f' {name}="{text(value)}"' for name, value in (arguments or {}).items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI_NS}" '
        f'xsi:schemaLocation="{OAI_NS} {OAI_SCHEMA}">\n'
        f"<responseDate>{response_date}</responseDate>\n"
        f"<request{attrs}>{text(base_url)}</request>\n"
        f"{body}\n</OAI-PMH>\n"
    ).encode()


def errors(found: Sequence[OAIError]) -> str:
    return "\n".join(f'<error code="{e.code}">{text(e.message)}</error>' for e in found)


def header(identifier: str, item: Mapping[str, Any], set_specs: Iterable[str]) -> str:
    status = ' status="deleted"' if item["deleted"] else ""
    sets = "".join(f"<setSpec>{text(spec)}</setSpec>" for spec in set_specs)
    return (
        f"<header{status}><identifier>{text(identifier)}</identifier>"
        f"<datestamp>{datestamp(item['changed_at'])}</datestamp>{sets}</header>"
    )


def oai_dc(item: Mapping[str, Any], member: Sequence[str]) -> str:
    """The record as oai_dc, from its normalised fields, then dc:source values naming the
    member and the record's page there."""
    landing = item.get("landing_url")
    sources = "".join(
        f"<dc:source>{text(value)}</dc:source>"
        for value in [*member, *([landing] if landing else [])]
    )
    return (
        f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" '
        f'xsi:schemaLocation="{OAI_DC_NS} {OAI_DC_SCHEMA}">{dc_elements(item)}{sources}</oai_dc:dc>'
    )


def record(
    identifier: str, item: Mapping[str, Any], sets: Iterable[str], member: Sequence[str]
) -> str:
    head = header(identifier, item, sets)
    if item["deleted"]:
        return f"<record>{head}</record>"
    return f"<record>{head}<metadata>{oai_dc(item, member)}</metadata></record>"


def resumption_token(
    token: str | None, cursor: int, complete_list_size: int, expiration: str | None
) -> str:
    attrs = f' completeListSize="{complete_list_size}" cursor="{cursor}"'
    if token is None:
        return f"<resumptionToken{attrs}/>"
    return f'<resumptionToken expirationDate="{expiration}"{attrs}>{text(token)}</resumptionToken>'


def oai_identifier_description(repository_identifier: str, sample: str) -> str:
    return (
        f'<description><oai-identifier xmlns="{OAI_ID_NS}" '
        f'xsi:schemaLocation="{OAI_ID_NS} {OAI_ID_SCHEMA}">'
        f"<scheme>oai</scheme>{element('repositoryIdentifier', repository_identifier)}"
        f"<delimiter>:</delimiter>{element('sampleIdentifier', sample)}"
        "</oai-identifier></description>"
    )


OAI_DC_FORMAT = (
    "<metadataFormat><metadataPrefix>oai_dc</metadataPrefix>"
    f"<schema>{OAI_DC_SCHEMA}</schema><metadataNamespace>{OAI_DC_NS}</metadataNamespace>"
    "</metadataFormat>"
)
