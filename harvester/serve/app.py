"""The application factory: OAI-PMH at /oai, the reader's web page everywhere else."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from harvester.models import ServeSettings
from harvester.serve.provider import OAIProvider

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

OAI_PATH = "/oai"


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
    """The reader's web page (search, records, members, statistics) at every other path."""
    from harvester.serve.web import create_web_app

    return create_web_app(db_path)
