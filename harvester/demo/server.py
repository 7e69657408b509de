"""A small OAI-PMH 2.0 data provider on 127.0.0.1 for the demo and the tests.

It serves records (loaded from captured ListRecords pages or built in Python) with real
paging, from/until/set selection, deletions and resumption tokens that contain '+' and '/'.
`Fault`s let a test replace any response with a canned one: an HTTP error, an HTML page,
a captured error document, a dropped connection or a slow answer.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_O = "{" + OAI_NS + "}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


@dataclass
class ServedRecord:
    identifier: str
    datestamp: str
    metadata: str = ""  # serialised <metadata> child, e.g. <oai_dc:dc ...>...</oai_dc:dc>
    set_specs: tuple[str, ...] = ()
    deleted: bool = False


@dataclass
class Fault:
    """A canned answer served instead of the normal one while `times` lasts (None: always)."""

    status: int = 200
    body: bytes | Callable[[dict[str, str]], bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    when: Callable[[dict[str, str]], bool] | None = None
    times: int | None = 1
    drop_after: int | None = None  # send only this many body bytes, then close the socket
    hang: float = 0.0  # seconds to stall before answering (for client timeouts)


@dataclass
class Repository:
    """One endpoint: its records and how it pages them."""

    name: str
    records: list[ServedRecord] = field(default_factory=list)
    repository_name: str = ""
    granularity: str = "YYYY-MM-DDThh:mm:ssZ"
    earliest_datestamp: str = "1990-01-01T00:00:00Z"
    deleted_record: str = "persistent"
    page_size: int = 50
    formats: tuple[str, ...] = ("oai_dc",)
    set_names: dict[str, str] = field(default_factory=dict)
    token_ttl: timedelta | None = None
    complete_list_size: bool = True
    latency: float = 0.0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    in_flight: int = 0

    @property
    def day_granularity(self) -> bool:
        return self.granularity == "YYYY-MM-DD"

    def stamp(self, moment: datetime) -> str:
        if self.day_granularity:
            return moment.strftime("%Y-%m-%d")
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def get(self, identifier: str) -> ServedRecord:
        return next(r for r in self.records if r.identifier == identifier)

    def list_requests(self) -> list[dict[str, str]]:
        return [r for r in self.requests if r.get("verb") == "ListRecords"]


def load_records(path: Path | str) -> list[ServedRecord]:
    """Read the <record>s of a captured ListRecords page (or any OAI-PMH document)."""
    root = etree.parse(str(path), _PARSER).getroot()
    return [_served(record) for record in root.iter(_O + "record")]


def _served(record: Any) -> ServedRecord:
    header = record.find(_O + "header")
    metadata = record.find(_O + "metadata")
    payload = ""
    if metadata is not None and len(metadata):
        payload = etree.tostring(metadata[0], encoding="unicode", with_tail=False)
    return ServedRecord(
        identifier=(header.findtext(_O + "identifier") or "").strip(),
        datestamp=(header.findtext(_O + "datestamp") or "").strip(),
        metadata=payload,
        set_specs=tuple(dict.fromkeys((s.text or "").strip() for s in header.iter(_O + "setSpec"))),
        deleted=header.get("status") == "deleted",
    )


def dc_metadata(**elements: str | Iterable[str]) -> str:
    """Build an oai_dc payload from keyword arguments, e.g. dc_metadata(title="...")."""
    parts = []
    for name, values in elements.items():
        for value in [values] if isinstance(values, str) else values:
            parts.append(f"<dc:{name}>{escape(value)}</dc:{name}>")
    return (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">' + "".join(parts) + "</oai_dc:dc>"
    )


class _OAIError(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


class DevServer:
    """Serves repositories at http://127.0.0.1:PORT/<name>/oai in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.repositories: dict[str, Repository] = {}
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.release = threading.Event()  # set on stop, so hanging handlers return
        self._count_lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # most requests served at the same moment, for parallelism tests

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, repository: Repository) -> str:
        self.repositories[repository.name] = repository
        return self.url(repository.name)

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}/oai"

    def start(self) -> DevServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        name = parts.path.strip("/").split("/")[0]
        repository = self.repositories.get(name)
        if repository is None:
            _send(handler, 404, b"<html><body>Not found</body></html>", "text/html")
            return
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self._count_lock:
            repository.requests.append(params)
            repository.user_agents.append(handler.headers.get("User-Agent", ""))
            repository.in_flight += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if repository.latency:
                self.release.wait(repository.latency)
            fault = _take_fault(repository, params)
            if fault is not None:
                self._send_fault(handler, fault, params)
                return
            body = respond(repository, params, f"{self.base_url}/{name}/oai")
            _send(handler, 200, body, "text/xml; charset=utf-8")
        finally:
            with self._count_lock:
                repository.in_flight -= 1
                self.in_flight -= 1

    def _send_fault(
        self, handler: BaseHTTPRequestHandler, fault: Fault, params: dict[str, str]
    ) -> None:
        if fault.hang:
            self.release.wait(fault.hang)
        body = fault.body(params) if callable(fault.body) else fault.body
        if fault.drop_after is not None:
            handler.send_response(fault.status)
            handler.send_header("Content-Type", "text/xml")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body[: fault.drop_after])
            handler.wfile.flush()
            handler.close_connection = True
            return
        content_type = fault.headers.get("Content-Type", "text/xml; charset=utf-8")
        extra = {k: v for k, v in fault.headers.items() if k != "Content-Type"}
        _send(handler, fault.status, body, content_type, extra)


def _take_fault(repository: Repository, params: dict[str, str]) -> Fault | None:
    for fault in repository.faults:
        if fault.times == 0 or (fault.when is not None and not fault.when(params)):
            continue
        if fault.times is not None:
            fault.times -= 1
        return fault
    return None


def _send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


# -- the protocol ---------------------------------------------------------------------------


def respond(repository: Repository, params: dict[str, str], base_url: str) -> bytes:
    """The OAI-PMH document answering `params`."""
    now = repository.clock()
    verb = params.get("verb", "")
    request = _request_element(params, base_url)
    try:
        if verb == "Identify":
            body = _identify(repository, base_url)
        elif verb == "ListMetadataFormats":
            body = "".join(
                f"<metadataFormat><metadataPrefix>{p}</metadataPrefix>"
                f"<schema>http://www.openarchives.org/OAI/2.0/{p}.xsd</schema>"
                f"<metadataNamespace>http://www.openarchives.org/OAI/2.0/{p}/</metadataNamespace>"
                "</metadataFormat>"
                for p in repository.formats
            )
            body = f"<ListMetadataFormats>{body}</ListMetadataFormats>"
        elif verb == "ListSets":
            body = _list_sets(repository)
        elif verb in ("ListRecords", "ListIdentifiers"):
            body = _list(repository, params, now, headers_only=verb == "ListIdentifiers")
        else:
            raise _OAIError("badVerb", f"Illegal OAI verb: {verb}")
    except _OAIError as error:
        body = f'<error code="{error.code}">{escape(error.text)}</error>'
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<responseDate>{stamp}</responseDate>{request}{body}</OAI-PMH>"
    )
    return document.encode("utf-8")


def _request_element(params: dict[str, str], base_url: str) -> str:
    attributes = "".join(f' {k}="{escape(v, {chr(34): "&quot;"})}"' for k, v in params.items())
    return f"<request{attributes}>{escape(base_url)}</request>"


def _identify(repository: Repository, base_url: str) -> str:
    return (
        "<Identify>"
        f"<repositoryName>{escape(repository.repository_name or repository.name)}</repositoryName>"
        f"<baseURL>{escape(base_url)}</baseURL><protocolVersion>2.0</protocolVersion>"
        "<adminEmail>oai@example.org</adminEmail>"
        f"<earliestDatestamp>{repository.earliest_datestamp}</earliestDatestamp>"
        f"<deletedRecord>{repository.deleted_record}</deletedRecord>"
        f"<granularity>{repository.granularity}</granularity></Identify>"
    )


def _list_sets(repository: Repository) -> str:
    specs = dict.fromkeys(s for r in repository.records for s in r.set_specs)
    specs.update(dict.fromkeys(repository.set_names))
    if not specs:
        raise _OAIError("noSetHierarchy", "This repository does not support sets")
    items = "".join(
        f"<set><setSpec>{escape(s)}</setSpec>"
        f"<setName>{escape(repository.set_names.get(s, s))}</setName></set>"
        for s in specs
    )
    return f"<ListSets>{items}</ListSets>"


def _list(
    repository: Repository, params: dict[str, str], now: datetime, *, headers_only: bool
) -> str:
    if "resumptionToken" in params:
        selection, offset = _decode_token(repository, params["resumptionToken"], now)
    else:
        selection = _selection(repository, params)
        offset = 0
    matching = [r for r in repository.records if _matches(r, selection)]
    if not matching:
        raise _OAIError("noRecordsMatch", "No records match the request")
    page = matching[offset : offset + repository.page_size]
    items = "".join(_render(r, headers_only) for r in page)
    token = ""
    next_offset = offset + len(page)
    size = f' completeListSize="{len(matching)}"' if repository.complete_list_size else ""
    if next_offset < len(matching):
        expiry = ""
        if repository.token_ttl is not None:
            expires = (now + repository.token_ttl).strftime("%Y-%m-%dT%H:%M:%SZ")
            expiry = f' expirationDate="{expires}"'
        value = _encode_token(selection, next_offset, now)
        token = f'<resumptionToken cursor="{offset}"{size}{expiry}>{value}</resumptionToken>'
    elif offset:
        token = f'<resumptionToken cursor="{offset}"{size}/>'
    element = "ListIdentifiers" if headers_only else "ListRecords"
    return f"<{element}>{items}{token}</{element}>"


def _selection(repository: Repository, params: dict[str, str]) -> dict[str, str]:
    prefix = params.get("metadataPrefix", "")
    if not prefix:
        raise _OAIError("badArgument", "metadataPrefix is required")
    if prefix not in repository.formats:
        raise _OAIError("cannotDisseminateFormat", f"{prefix} is not supported")
    selection = {"prefix": prefix, "set": params.get("set", "")}
    for key in ("from", "until"):
        value = params.get(key, "")
        if value and repository.day_granularity and len(value) != 10:
            raise _OAIError("badArgument", f"{key} must be YYYY-MM-DD")
        if value and not _valid_stamp(value):
            raise _OAIError("badArgument", f"bad {key} value {value!r}")
        selection[key] = value
    return selection


def _valid_stamp(value: str) -> bool:
    for pattern in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            datetime.strptime(value, pattern)
            return True
        except ValueError:
            continue
    return False


def _full(stamp: str, end: bool) -> str:
    if len(stamp) == 10:
        return stamp + ("T23:59:59Z" if end else "T00:00:00Z")
    return stamp


def _matches(record: ServedRecord, selection: dict[str, str]) -> bool:
    stamp = _full(record.datestamp, False)
    if selection.get("from") and stamp < _full(selection["from"], False):
        return False
    if selection.get("until") and stamp > _full(selection["until"], True):
        return False
    wanted = selection.get("set")
    return not wanted or any(s == wanted or s.startswith(wanted + ":") for s in record.set_specs)


def _render(record: ServedRecord, headers_only: bool) -> str:
    status = ' status="deleted"' if record.deleted else ""
    specs = "".join(f"<setSpec>{escape(s)}</setSpec>" for s in record.set_specs)
    header = (
        f"<header{status}><identifier>{escape(record.identifier)}</identifier>"
        f"<datestamp>{record.datestamp}</datestamp>{specs}</header>"
    )
    if headers_only:
        return header
    metadata = (
        "" if record.deleted or not record.metadata else f"<metadata>{record.metadata}</metadata>"
    )
    return f"<record>{header}{metadata}</record>"


def _encode_token(selection: dict[str, str], offset: int, now: datetime) -> str:
    state = dict(selection, offset=offset, issued=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    # The '+' and '/' prefix makes every token need URL encoding, as real ones often do.
    return "+/" + base64.b64encode(json.dumps(state).encode()).decode()


def _decode_token(repository: Repository, token: str, now: datetime) -> tuple[dict[str, str], int]:
    try:
        if not token.startswith("+/"):
            raise ValueError(token)
        state = json.loads(base64.b64decode(token[2:]))
        offset = int(state.pop("offset"))
        issued = datetime.strptime(state.pop("issued"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (ValueError, KeyError, TypeError):
        raise _OAIError("badResumptionToken", "The resumptionToken is invalid") from None
    if repository.token_ttl is not None and now > issued + repository.token_ttl:
        raise _OAIError("badResumptionToken", "The resumptionToken has expired")
    return state, offset
