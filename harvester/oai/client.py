"""The OAI-PMH adapter: sickle as the protocol layer, our own transport and strict parsing.

sickle 0.7 parses with recover=True (silently dropping broken content), re-parses on every
`.xml` access and retries only 503 with integer Retry-After. We keep its models (Identify,
sets, metadata formats) and replace its transport seam, `Sickle.harvest`, so every response
is fetched by `transport.Transport` and parsed exactly once by `xmlsafe.parse_document`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree
from sickle import Sickle
from sickle.app import DEFAULT_CLASS_MAP

from harvester import __version__
from harvester.errors import EndpointError, HarvestAborted, ProtocolError, UnparsableResponse
from harvester.models import (
    USER_AGENT_DEFAULT,
    Header,
    Page,
    RawRecord,
    RepositoryInfo,
    Settings,
)
from harvester.normalise.dc import extract_dc
from harvester.oai.transport import Sleep, Transport
from harvester.oai.xmlsafe import BrokenXML, HostileXML, looks_like_html, parse_document

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_O = "{" + OAI_NS + "}"
_RECORD = _O + "record"
_HEADER = _O + "header"


@dataclass
class OAIResponse:
    """A parsed response in the shape sickle's models expect (`.xml`, `.raw`, `.params`)."""

    url: str
    params: Mapping[str, str]
    xml: Any
    body: bytes
    repairs: int
    attempts: int

    @property
    def raw(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _SickleAdapter(Sickle):  # type: ignore[misc]
    """sickle with its transport seam pointed at our client."""

    def __init__(self, client: OAIClient) -> None:
        # A copy of the class mapping: sickle shares one dict between all instances.
        super().__init__(client.endpoint, class_mapping=dict(DEFAULT_CLASS_MAP))
        self._client = client

    def harvest(self, **params: str) -> OAIResponse:
        return self._client.request(params)


def default_user_agent() -> str:
    return USER_AGENT_DEFAULT.format(version=__version__)


class OAIClient:
    """Talks OAI-PMH 2.0 to one endpoint."""

    def __init__(self, endpoint: str, settings: Settings, sleep: Sleep = time.sleep) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self.transport = Transport(settings, settings.user_agent or default_user_agent(), sleep)
        self.sickle = _SickleAdapter(self)

    def close(self) -> None:
        self.transport.close()

    @property
    def requests_made(self) -> int:
        return self.transport.requests_made

    def request(self, params: Mapping[str, str]) -> OAIResponse:
        """One OAI-PMH request: the body is parsed whatever the HTTP status (errors come as
        200, 422, 400...), and an OAI <error> becomes a ProtocolError."""
        http = self.transport.get(self.endpoint, params)
        url = http.url
        if not http.body.strip():
            raise EndpointError(f"HTTP {http.status} with an empty body from {url}", url)
        if looks_like_html(http.body):
            raise EndpointError(
                f"HTTP {http.status}: {url} answered with an HTML page, not OAI-PMH", url
            )
        try:
            parsed = parse_document(http.body)
        except HostileXML as exc:
            raise UnparsableResponse(
                f"refused response from {url}: {exc}", url, http.body
            ) from None
        except BrokenXML as exc:
            raise UnparsableResponse(
                f"HTTP {http.status}: unparsable response from {url}: {exc}", url, http.body
            ) from None
        root = parsed.root
        if root.tag != _O + "OAI-PMH":
            raise EndpointError(
                f"HTTP {http.status}: {url} answered <{etree.QName(root).localname}>, "
                "not an OAI-PMH 2.0 response",
                url,
            )
        _raise_oai_error(root, url)
        if http.status >= 400:
            raise EndpointError(f"HTTP {http.status} from {url}", url)
        return OAIResponse(url, params, root, http.body, parsed.repairs, http.attempts)

    def identify(self) -> RepositoryInfo:
        """Identify: granularity, earliest datestamp and deleted-record policy."""
        identify = self.request({"verb": "Identify"}).xml.find(_O + "Identify")
        if identify is None:
            raise EndpointError(f"{self.endpoint} sent no <Identify> element", self.endpoint)

        def text(name: str, default: str = "") -> str:
            element = identify.find(_O + name)
            return (element.text or "").strip() if element is not None else default

        emails = tuple((e.text or "").strip() for e in identify.findall(_O + "adminEmail"))
        return RepositoryInfo(
            repository_name=text("repositoryName"),
            base_url=text("baseURL", self.endpoint),
            protocol_version=text("protocolVersion"),
            granularity=text("granularity", "YYYY-MM-DD"),
            earliest_datestamp=text("earliestDatestamp"),
            deleted_record=text("deletedRecord"),
            admin_emails=emails,
        )

    def metadata_formats(self) -> list[dict[str, str]]:
        """The formats the endpoint offers (prefix, schema, namespace)."""
        return [
            {
                "prefix": item.metadataPrefix,
                "schema": getattr(item, "schema", ""),
                "namespace": getattr(item, "metadataNamespace", ""),
            }
            for item in self.sickle.ListMetadataFormats()
        ]

    def sets(self, limit: int = 1000) -> list[tuple[str, str]]:
        """(setSpec, setName) pairs; an endpoint without sets gives an empty list."""
        found: list[tuple[str, str]] = []
        try:
            for item in self.sickle.ListSets():
                found.append((item.setSpec, getattr(item, "setName", "")))
                if len(found) >= limit:
                    break
        except ProtocolError as exc:
            if exc.code != "noSetHierarchy":
                raise
        return found

    def list_pages(
        self,
        metadata_prefix: str,
        *,
        set_spec: str | None = None,
        from_: str | None = None,
        until: str | None = None,
        resumption_token: str | None = None,
        records: bool = True,
    ) -> Iterator[Page]:
        """ListRecords page by page; a repeated token, a run of empty pages or too many
        requests abort the list instead of looping for ever.

        With `records=False` a page carries its body instead of its records, for a worker
        process to read with `read_body`: here only the envelope and the token are looked at.
        """
        if resumption_token:
            params = {"verb": "ListRecords", "resumptionToken": resumption_token}
        else:
            params = _list_params(metadata_prefix, set_spec, from_, until)
        seen_tokens: set[str] = set()
        empty_run = 0
        requests_at_start = self.requests_made
        while True:
            try:
                response = self.request(params)
            except ProtocolError as exc:
                if exc.code == "noRecordsMatch" and "resumptionToken" not in params:
                    # Success with zero records; its responseDate still moves the watermark.
                    yield Page(exc.url, exc.response_date, (), None)
                    return
                raise
            page = read_page(response, records)
            empty_run = empty_run + 1 if not _has_records(page, response) else 0
            del response  # the parsed tree goes before the next request
            yield page
            token = page.resumption_token
            if not token:
                return
            spent = self.requests_made - requests_at_start
            _guard_loop(token, seen_tokens, empty_run, self.settings, spent)
            seen_tokens.add(token)
            params = {"verb": "ListRecords", "resumptionToken": token}


def _guard_loop(
    token: str, seen: set[str], empty_run: int, settings: Settings, requests: int
) -> None:
    if token in seen:
        raise HarvestAborted(f"the endpoint sent the same resumption token twice ({token!r})")
    if empty_run >= settings.max_empty_pages:
        raise HarvestAborted(f"{empty_run} empty pages in a row; giving up on this list")
    if requests >= settings.max_requests_per_window:
        raise HarvestAborted(
            f"more than {settings.max_requests_per_window} requests in one window "
            "(max_requests_per_window)"
        )


def _list_params(
    metadata_prefix: str, set_spec: str | None, from_: str | None, until: str | None
) -> dict[str, str]:
    params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
    if set_spec:
        params["set"] = set_spec
    if from_:
        params["from"] = from_
    if until:
        params["until"] = until
    return params


def _raise_oai_error(root: Any, url: str) -> None:
    error = root.find(_O + "error")
    if error is not None:
        raise ProtocolError(
            error.get("code", "unknown"),
            " ".join((error.text or "").split()),
            url,
            (root.findtext(_O + "responseDate") or "").strip(),
        )


def _has_records(page: Page, response: OAIResponse) -> bool:
    if page.records:
        return True
    container = response.xml.find(_O + "ListRecords")
    return container is not None and container.find(_RECORD) is not None


def read_body(body: bytes, url: str) -> Page:
    """A page's records from its body: the half of `list_pages(records=False)` a worker does.

    The body was parsed once already (for its token and errors), so it parses here too.
    """
    root = parse_document(body).root
    return read_page(OAIResponse(url, {}, root, b"", 0, 1))


def read_page(response: OAIResponse, records: bool = True) -> Page:
    """Records and the resumption token of one ListRecords response.

    With `records=False`, the records stay unread and the page carries the body instead.
    """
    root = response.xml
    response_date = (root.findtext(_O + "responseDate") or "").strip()
    container = root.find(_O + "ListRecords")
    read: list[RawRecord] = []
    token_element = None
    if container is not None:
        if records:
            for record in container.iterchildren(_RECORD):
                read.append(_read_record(record, response.url))
        token_element = container.find(_O + "resumptionToken")
    token, cursor, size, expires = _read_token(token_element)
    return Page(
        url=response.url,
        response_date=response_date,
        records=tuple(read),
        resumption_token=token,
        cursor=cursor,
        complete_list_size=size,
        expiration_date=expires,
        repairs=response.repairs,
        requests=response.attempts,
        body=b"" if records else response.body,
    )


def _read_record(record: Any, url: str) -> RawRecord:
    header = record.find(_HEADER)
    if header is None:
        raise EndpointError(f"a <record> without <header> in {url}", url)
    identifier = (header.findtext(_O + "identifier") or "").strip()
    if not identifier:
        raise EndpointError(f"a <record> without an identifier in {url}", url)
    set_specs = dict.fromkeys(
        (s.text or "").strip() for s in header.iterchildren(_O + "setSpec") if s.text
    )
    parsed = Header(
        identifier=identifier,
        datestamp=(header.findtext(_O + "datestamp") or "").strip(),
        deleted=header.get("status") == "deleted",
        set_specs=tuple(set_specs),
    )
    raw_xml = etree.tostring(record, encoding="unicode", with_tail=False)
    return RawRecord(parsed, raw_xml, {} if parsed.deleted else extract_dc(record))


def _read_token(element: Any) -> tuple[str | None, int | None, int | None, str | None]:
    if element is None:
        return None, None, None, None
    token = (element.text or "").strip() or None
    return (
        token,
        _int_or_none(element.get("cursor")),
        _int_or_none(element.get("completeListSize")),
        element.get("expirationDate") or None,
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
