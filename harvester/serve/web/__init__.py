"""The reader's web page: search with facets, records, members and statistics, at `/`."""

from harvester.serve.web.app import WebApp, create_web_app

__all__ = ["WebApp", "create_web_app"]
