"""The index and servers the web page's tests share: the demo members harvested over HTTP,
plus two small members with records made for the page (a linked work, a hostile title,
a withdrawn record, a licence and a landing page served on 127.0.0.1)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from harvester.demo import serve_demo
from harvester.demo.server import DevServer, Repository, ServedRecord, dc_metadata
from harvester.harvest.run import harvest_all
from harvester.models import Settings, Source

HOSTILE_TITLE = "<script>alert('title')</script> Hostile & <b>bold</b>"
DOI = "10.5555/silkroad.1"


class _Landing(BaseHTTPRequestHandler):
    """A member's landing page: its title names the path asked for."""

    def do_GET(self) -> None:
        body = f"<!doctype html><title>Landing page {self.path}</title><h1>{self.path}</h1>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def landing_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Landing)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _record(n: str, **elements: str | list[str]) -> ServedRecord:
    return ServedRecord(f"oai:test:{n}", "2025-01-01T00:00:00Z", dc_metadata(**elements))


def sample_members(landing: str) -> list[tuple[Source, Repository]]:
    silk = Repository(
        name="test-silk",
        repository_name="Silk Road test library",
        records=[
            _record(
                "ru1",
                title="История государства Российского",
                creator="Карамзин, Николай Михайлович",
                date="1998",
                language="rus",
                type="Книга",
            ),
            _record(
                "zh1",
                title="中国古代建筑史",
                creator="梁思成",
                date="1998",
                language="chi",
                type="图书",
                subject="建筑史",
                identifier=[f"{landing}/item/zh1", f"https://doi.org/{DOI}"],
                rights="https://creativecommons.org/licenses/by/4.0/",
            ),
            ServedRecord("oai:test:gone", "2025-02-01T00:00:00Z", "", deleted=True),
        ],
    )
    archive = Repository(
        name="test-archive",
        repository_name="Silk Road test archive",
        records=[
            _record(
                "zh1",
                title="中国古代建筑史",
                creator="梁思成",
                date="1999",
                language="zho",
                type="Text",
                identifier=[f"doi:{DOI}"],
            ),
            _record(
                "x1",
                title=HOSTILE_TITLE,
                creator="<img src=x onerror=alert(1)>",
                description="</textarea><script>alert('description')</script>",
                date="2001",
                language="eng",
                type="Text",
            ),
        ],
    )
    return [
        (Source("test-silk", "", "Silk test library", "Test", "UZ"), silk),
        (Source("test-archive", "", "Silk test archive", "Test", "KZ"), archive),
    ]


def build_index(path: Path, landing: str) -> Path:
    """Harvest the demo members and the test members into `path` (linked), over HTTP."""
    settings = Settings(database=path, timeout=10, max_retries=1, delay=0, backoff=0, jobs=4)
    with DevServer() as server:
        sources = serve_demo(server)
        for source, repo in sample_members(landing):
            sources.append(replace(source, endpoint=server.add(repo)))
        results = harvest_all(settings, sources)
    failed = [r for r in results if not r.ok]
    assert not failed, failed
    return path
