"""Run the application under waitress, a production WSGI server, until Ctrl-C or SIGTERM.

On either signal the server stops accepting connections, lets the requests in flight finish
and send their responses, then returns.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

DRAIN_SECONDS = 30.0
THREADS = 4
LOOP_SECONDS = 0.5  # longest a stop request waits for select() without the trigger


def serve(
    app: WSGIApplication,
    host: str,
    port: int,
    on_start: Callable[[str], None],
    *,
    threads: int = THREADS,
) -> None:
    """Serve until interrupted; `on_start` receives the base URL once the socket listens."""
    server: Any = create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="silkroad-harvester",
        max_request_body_size=1024 * 1024,
        max_request_header_size=64 * 1024,
        clear_untrusted_proxy_headers=True,
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        # No exception from here: raised inside a waitress callback it would be logged and
        # swallowed. The flag ends the loop below; the trigger wakes it from select().
        stop.set()
        server.pull_trigger()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        shown = f"[{host}]" if ":" in host else host
        on_start(f"http://{shown}:{server.effective_port}/")
        while not stop.is_set():
            wasyncore.loop(timeout=LOOP_SECONDS, map=server._map, count=1)
        _drain(server)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=DRAIN_SECONDS)
        server.close()


def _drain(server: Any) -> None:
    """Stop listening, then run the loop until no connection has work or output pending."""
    server.accepting = False
    server.del_channel()
    server.socket.close()
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        busy = [
            channel
            for channel in list(server._map.values())
            if isinstance(channel, HTTPChannel) and (channel.requests or channel.total_outbufs_len)
        ]
        if not busy:
            return
        wasyncore.loop(timeout=LOOP_SECONDS, map=server._map, count=1)


@contextlib.contextmanager
def running(app: WSGIApplication, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve in a background thread (tests, benchmarks); yields the base URL."""
    server: Any = create_server(app, host=host, port=port, threads=THREADS)
    stopped = threading.Event()

    def loop() -> None:
        while not stopped.is_set():
            wasyncore.loop(timeout=LOOP_SECONDS, map=server._map, count=1)

    thread = threading.Thread(target=loop, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.effective_port}/"
    finally:
        stopped.set()
        server.pull_trigger()
        thread.join()
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=5)
        for channel in list(server._map.values()):
            channel.close()
