"""The application factory: OAI-PMH at /oai, the reader's web page everywhere else."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from harvester.models import ServeSettings
from harvester.serve.provider import OAIProvider

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

OAI_PATH = "/oai"

_PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Silk Road Digital Library</title></head>
<body><h1>Silk Road Digital Library</h1>
<p>The alliance's records are served over OAI-PMH 2.0 at <a href="oai?verb=Identify">/oai</a>.</p>
</body></html>
"""


def create_app(db_path: Path | str, settings: ServeSettings | None = None) -> WSGIApplication:
    """The WSGI application over one index, opened read-only (checked here, at start)."""
    settings = settings or ServeSettings()
    provider = OAIProvider(db_path, settings)
    web = _web_app(db_path, settings)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") in (OAI_PATH, OAI_PATH + "/"):
            return provider(environ, start_response)
        return web(environ, start_response)

    return app


def _web_app(db_path: Path | str, settings: ServeSettings) -> WSGIApplication:
    """The page at / (issue 11); a short pointer to /oai until it is part of the package."""

    def placeholder(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "/") != "/":
            response = Response("Not found\n", 404, content_type="text/plain")
        else:
            response = Response(_PLACEHOLDER, content_type="text/html; charset=utf-8")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response(environ, start_response)

    return placeholder
