"""Helpers for tests of `harvester serve`: a demo index, a running provider, XSD checks."""

from __future__ import annotations

import shutil
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from lxml import etree

from harvester.demo import serve_demo
from harvester.demo.server import DevServer
from harvester.harvest.run import harvest_all
from harvester.models import ServeSettings, Settings
from harvester.serve import create_app
from harvester.serve.server import running

SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
NS = {
    "o": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "id": "http://www.openarchives.org/OAI/2.0/oai-identifier",
}
_DRIVER = b"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="http://www.openarchives.org/OAI/2.0/" schemaLocation="OAI-PMH.xsd"/>
  <xs:import namespace="http://www.openarchives.org/OAI/2.0/oai_dc/" schemaLocation="oai_dc.xsd"/>
  <xs:import namespace="http://www.openarchives.org/OAI/2.0/oai-identifier"
             schemaLocation="oai-identifier.xsd"/>
</xs:schema>"""


class _Local(etree.Resolver):
    """Every schemaLocation, URLs included, resolves to the file of that name in SCHEMAS."""

    def resolve(self, url: str, pubid: str, context: Any) -> Any:
        return self.resolve_filename(str(SCHEMAS / url.rsplit("/", 1)[-1]), context)


def oai_schema() -> etree.XMLSchema:
    parser = etree.XMLParser()
    parser.resolvers.add(_Local())
    driver = etree.fromstring(_DRIVER, parser, base_url=str(SCHEMAS / "driver.xsd"))
    return etree.XMLSchema(driver)


def build_demo_index(path: Path) -> Path:
    """Harvest the four demo members over HTTP into `path`, as `harvester demo` does."""
    settings = Settings(database=path, delay=0, backoff=0, max_retries=1, timeout=10)
    with DevServer() as server:
        sources = serve_demo(server)
        results = harvest_all(settings, sources)
    assert all(r.ok for r in results), results
    return path


def copy_index(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


@contextmanager
def provider(db: Path, **settings: Any) -> Iterator[str]:
    """A running provider over `db`; yields the /oai URL."""
    app = create_app(db, replace(ServeSettings(), **settings))
    with running(app) as base:
        yield base + "oai"


def get(url: str, data: dict[str, str] | list[tuple[str, str]] | None = None) -> bytes:
    query = urllib.parse.urlencode(data or {})
    with urllib.request.urlopen(f"{url}?{query}" if query else url, timeout=10) as response:
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        return bytes(response.read())


def post(url: str, data: dict[str, str]) -> bytes:
    body = urllib.parse.urlencode(data).encode("ascii")
    request = urllib.request.Request(
        url, body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return bytes(response.read())
