"""OAI-PMH 2.0 answers of one test or demo repository, whatever catalogue holds its records.

Real paging with from/until/set selection, deletions and resumption tokens that contain '+'
and '/' (as real ones often do, so every client must URL-encode them), completeListSize,
token expiry, and the protocol's error codes.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

from harvester.demo.records import OAI_NS, Catalogue, ListCatalogue, ServedRecord, Window


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

    def applies(self, params: dict[str, str]) -> bool:
        return self.times != 0 and (self.when is None or self.when(params))


@dataclass
class Repository:
    """One endpoint: its records and how it pages them.

    The records are `records` (a list a test may change at any time) unless a `catalogue`
    is given, e.g. a synthetic one of a million records for the benchmarks.
    """

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
    catalogue: Catalogue | None = None

    @property
    def day_granularity(self) -> bool:
        return self.granularity == "YYYY-MM-DD"

    @property
    def served(self) -> Catalogue:
        return self.catalogue if self.catalogue is not None else ListCatalogue(self.records)

    def stamp(self, moment: datetime) -> str:
        if self.day_granularity:
            return moment.strftime("%Y-%m-%d")
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def get(self, identifier: str) -> ServedRecord:
        return next(r for r in self.records if r.identifier == identifier)

    def list_requests(self) -> list[dict[str, str]]:
        return [r for r in self.requests if r.get("verb") == "ListRecords"]

    def take_fault(self, params: dict[str, str]) -> Fault | None:
        """The first fault that applies to this request, used up by one."""
        for fault in self.faults:
            if fault.applies(params):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def requests_by_verb(self) -> dict[str, int]:
        """Requests per verb, and all of them under "*"."""
        counts: dict[str, int] = {"*": len(self.requests)}
        for request in self.requests:
            verb = request.get("verb", "")
            counts[verb] = counts.get(verb, 0) + 1
        return counts


class _OAIError(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def respond(repository: Repository, params: dict[str, str], base_url: str) -> bytes:
    """The OAI-PMH document answering `params`."""
    now = repository.clock()
    verb = params.get("verb", "")
    request = _request_element(params, base_url)
    body: bytes
    try:
        if verb == "Identify":
            body = _identify(repository, base_url).encode()
        elif verb == "ListMetadataFormats":
            formats = "".join(
                f"<metadataFormat><metadataPrefix>{p}</metadataPrefix>"
                f"<schema>http://www.openarchives.org/OAI/2.0/{p}.xsd</schema>"
                f"<metadataNamespace>http://www.openarchives.org/OAI/2.0/{p}/</metadataNamespace>"
                "</metadataFormat>"
                for p in repository.formats
            )
            body = f"<ListMetadataFormats>{formats}</ListMetadataFormats>".encode()
        elif verb == "ListSets":
            body = _list_sets(repository).encode()
        elif verb in ("ListRecords", "ListIdentifiers"):
            body = _list(repository, params, now, headers_only=verb == "ListIdentifiers")
        else:
            raise _OAIError("badVerb", f"Illegal OAI verb: {verb}")
    except _OAIError as error:
        body = f'<error code="{error.code}">{escape(error.text)}</error>'.encode()
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<responseDate>{stamp}</responseDate>{request}"
    )
    return head.encode() + body + b"</OAI-PMH>"


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
    specs = dict.fromkeys(repository.served.set_specs())
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
) -> bytes:
    if "resumptionToken" in params:
        selection, offset = _decode_token(repository, params["resumptionToken"], now)
    else:
        selection = _selection(repository, params)
        offset = 0
    window = Window(selection.get("from", ""), selection.get("until", ""), selection.get("set", ""))
    catalogue = repository.served
    total = catalogue.count(window)
    if not total:
        raise _OAIError("noRecordsMatch", "No records match the request")
    items = catalogue.page(window, offset, repository.page_size, headers_only)
    token = ""
    next_offset = offset + max(0, min(repository.page_size, total - offset))
    size = f' completeListSize="{total}"' if repository.complete_list_size else ""
    if next_offset < total:
        expiry = ""
        if repository.token_ttl is not None:
            expires = (now + repository.token_ttl).strftime("%Y-%m-%dT%H:%M:%SZ")
            expiry = f' expirationDate="{expires}"'
        value = _encode_token(selection, next_offset, now)
        token = f'<resumptionToken cursor="{offset}"{size}{expiry}>{value}</resumptionToken>'
    elif offset:
        token = f'<resumptionToken cursor="{offset}"{size}/>'
    element = "ListIdentifiers" if headers_only else "ListRecords"
    return f"<{element}>".encode() + items + f"{token}</{element}>".encode()


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
