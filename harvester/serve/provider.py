"""The OAI-PMH endpoint as a WSGI application: request in, one verb, XML out.

Each server thread keeps its own read-only connection. Anything unexpected is logged and
answered with a bare 500: no traceback or internal detail reaches a client.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Request, Response

from harvester.models import ServeSettings
from harvester.serve import render
from harvester.serve.arguments import check_arguments
from harvester.serve.errors import OAIError
from harvester.serve.verbs import VERBS, Repository
from harvester.store import provider as store
from harvester.store.readonly import QueryTimeout

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/xml; charset=utf-8"
MAX_REQUEST_BYTES = 16 * 1024  # a POST body; URLs are bounded by the WSGI server
MAX_ARGUMENTS = 10
QUERY_SECONDS = 20.0  # a page of a list with a rare set may read far in the index
MEMBERS_TTL = 30.0  # seconds a snapshot of the members table serves before it is re-read


class OAIProvider:
    """The data provider over one index, opened read-only."""

    def __init__(self, db_path: Path | str, settings: ServeSettings) -> None:
        self.db_path = Path(db_path)
        self.settings = settings
        self._local = threading.local()
        store.check_provider_index(self.db_path)  # fail now, at start, on a foreign file
        stored = self.index().token_key()
        if stored is None:
            # An index from before the provider's migration: tokens last as long as the process.
            log.warning("%s has no token key yet; run any writing command to add one", db_path)
        self.token_key = stored.encode("ascii") if stored else secrets.token_bytes(32)
        self._members: tuple[float, dict[str, dict[str, Any]]] = (0.0, {})
        self._set_cache: dict[Any, list[tuple[str, str]]] = {}

    def index(self) -> store.ProviderIndex:
        """This thread's read-only view of the index."""
        index: store.ProviderIndex | None = getattr(self._local, "index", None)
        if index is None:
            index = store.connect(self.db_path)
            self._local.index = index
        return index

    def members(self, index: store.ProviderIndex) -> dict[str, dict[str, Any]]:
        loaded, members = self._members
        if time.monotonic() - loaded > MEMBERS_TTL:
            members = {m["name"]: m for m in index.members()}
            self._members = (time.monotonic(), members)
        return members

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_REQUEST_BYTES
        request.max_form_parts = MAX_ARGUMENTS * 2
        try:
            response = self.respond(request)
        except HTTPException as exc:
            response = exc.get_response(environ)
        except Exception:
            log.exception("OAI-PMH request failed: %s", request.full_path[:500])
            response = Response("Internal server error\n", 500, content_type="text/plain")
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.method not in ("GET", "POST", "HEAD"):
            raise MethodNotAllowed(["GET", "POST", "HEAD"])
        given = request.form if request.method == "POST" else request.args
        arguments: Mapping[str, list[str]] = {k: given.getlist(k) for k in given}
        base_url = self.settings.base_url or request.base_url
        now = datetime.now(UTC).replace(microsecond=0)
        response_date = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        checked = (
            check_arguments(arguments)
            if len(arguments) <= MAX_ARGUMENTS
            else OAIError("badArgument", "too many arguments")
        )
        if isinstance(checked, OAIError):
            return _xml(render.envelope(response_date, base_url, None, render.errors([checked])))
        verb, args = checked
        index = self.index()
        repo = Repository(
            index,
            self.settings,
            base_url,
            self.token_key,
            now,
            self.members(index),
            self._set_cache,
        )
        try:
            with index.deadline(QUERY_SECONDS):
                body = VERBS[verb](repo, args)
        except QueryTimeout:
            log.warning("OAI-PMH request over %s s: %s", QUERY_SECONDS, request.full_path[:500])
            busy = Response("The repository is busy; try again shortly.\n", 503)
            busy.headers["Retry-After"] = "10"
            return busy
        echoed = {"verb": verb, **args}
        if isinstance(body, OAIError):
            echo = echoed if body.echoes_arguments else None
            return _xml(render.envelope(response_date, base_url, echo, render.errors([body])))
        return _xml(render.envelope(response_date, base_url, echoed, body))


def _xml(document: bytes) -> Response:
    return Response(document, 200, content_type=CONTENT_TYPE)
