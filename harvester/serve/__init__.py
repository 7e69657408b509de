"""`harvester serve`: the index as an OAI-PMH 2.0 data provider (/oai) and a web page (/).

`create_app(db_path, settings)` builds the WSGI application. For another WSGI server,
`make_app()` builds it from $HARVESTER_DB and $HARVESTER_CONFIG, as the command line does:

    waitress-serve --call harvester.serve:make_app
    gunicorn 'harvester.serve:make_app()'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harvester.config import load_config_or_defaults
from harvester.serve.app import create_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["create_app", "make_app"]


def make_app() -> WSGIApplication:
    """The application for the index and config named by the environment (or the defaults)."""
    config = load_config_or_defaults()
    return create_app(config.settings.database, config.serve)
