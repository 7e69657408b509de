"""The one OAI-PMH test server: on 127.0.0.1, for the tests, the offline demo and the benchmarks.

Each repository is served at http://127.0.0.1:PORT/<name>/oai from its catalogue: a list of
records built in Python or loaded from captured pages (tests, demo), or a synthetic catalogue
of millions of generated records served from a cache (benchmarks; see synthetic.py).
`Fault`s let a test replace any response with a canned one: an HTTP error, an HTML page, a
captured error document, a dropped connection or a slow answer. `rendezvous` holds the first
requests until they are all in flight at once, so a test can see parallel clients without
timing anything. Control URLs for benchmark runs in another process: /_admin/stats (requests
per repository and verb), /_admin/reset, /_admin/change?repo=NAME&percent=1.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from harvester.demo.protocol import Fault, Repository, respond
from harvester.demo.records import ServedRecord, dc_metadata, load_records

__all__ = [
    "DevServer",
    "Fault",
    "Repository",
    "ServedRecord",
    "dc_metadata",
    "load_records",
    "respond",
]

log = logging.getLogger(__name__)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # a benchmark's eight parallel clients never see a refused connect

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that left mid-answer (killed, timed out) is expected here, not a traceback.

        socketserver prints a traceback to stderr for it; anything else is logged.
        """
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return
        log.warning("error answering %s: %r", client_address, error)


class DevServer:
    """Serves repositories at http://127.0.0.1:PORT/<name>/oai in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.repositories: dict[str, Repository] = {}
        self._httpd = _HTTPServer((host, port), self._handler_class())
        self._thread: threading.Thread | None = None
        self.release = threading.Event()  # set on stop, so hanging handlers return
        self._count_lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # most requests served at the same moment, for parallelism tests
        self._barrier: threading.Barrier | None = None
        self._held = 0

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, repository: Repository) -> str:
        self.repositories[repository.name] = repository
        return self.url(repository.name)

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}/oai"

    def rendezvous(self, parties: int, timeout: float = 30.0) -> None:
        """Hold the next `parties` requests until all of them are in flight at once.

        Parallel clients pass at once; a client that sends one request at a time waits out
        `timeout` and gets a 503, so a test of parallelism fails instead of depending on timing.
        """
        self._barrier = threading.Barrier(parties, timeout=timeout)
        self._held = 0

    def start(self) -> DevServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until stop() is called from another (the benchmarks' process)."""
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self.release.set()
        if self._barrier is not None:
            self._barrier.abort()
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
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if name == "_admin":
            _send(handler, 200, self._admin(parts.path, params), "application/json")
            return
        repository = self.repositories.get(name)
        if repository is None:
            _send(handler, 404, b"<html><body>Not found</body></html>", "text/html")
            return
        with self._count_lock:
            repository.requests.append(params)
            repository.user_agents.append(handler.headers.get("User-Agent", ""))
            repository.in_flight += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if not self._meet():
                _send(handler, 503, b"rendezvous not reached", "text/plain")
                return
            if repository.latency:
                self.release.wait(repository.latency)
            fault = repository.take_fault(params)
            if fault is not None:
                self._send_fault(handler, fault, params)
                return
            body = respond(repository, params, f"{self.base_url}/{name}/oai")
            _send(handler, 200, body, "text/xml; charset=utf-8")
        finally:
            with self._count_lock:
                repository.in_flight -= 1
                self.in_flight -= 1

    def _meet(self) -> bool:
        """Wait at the rendezvous if this request is one of those it holds; False if broken."""
        with self._count_lock:
            barrier = self._barrier
            if barrier is None or self._held >= barrier.parties:
                return True
            self._held += 1
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return False
        return True

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

    def _admin(self, path: str, params: dict[str, str]) -> bytes:
        """Benchmark controls: request counts, resetting them, changing synthetic records."""
        if path.endswith("/change"):
            catalogue = self.repositories[params["repo"]].catalogue
            change = getattr(catalogue, "change", None)
            if change is None:
                return json.dumps({"error": "this catalogue cannot change"}).encode()
            return json.dumps({"changed": change(float(params.get("percent", "1")))}).encode()
        with self._count_lock:
            if path.endswith("/reset"):
                for repository in self.repositories.values():
                    repository.requests.clear()
                    repository.user_agents.clear()
            counts = {n: r.requests_by_verb() for n, r in self.repositories.items()}
        return json.dumps(counts).encode()


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
