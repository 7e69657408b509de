"""The reader's web page as a WSGI application: routing, headers, errors, connections.

Each server thread keeps its own read-only connection. Every response carries a
Content-Security-Policy without inline script and X-Content-Type-Options; no traceback ever
reaches the browser (errors are logged, the reader gets a short page).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from harvester.serve.web import views
from harvester.serve.web.i18n import LOCALES, negotiate, translations
from harvester.serve.web.params import BadParameter
from harvester.serve.web.wholeindex import WholeIndexCounts
from harvester.store.facets import generation
from harvester.store.readonly import QueryTimeout, ReadOnlyIndex

log = logging.getLogger(__name__)
SERVE_DIR = Path(__file__).resolve().parents[1]
TEMPLATES = SERVE_DIR / "templates"
STATIC = SERVE_DIR / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
        "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
URLS = Map(
    [
        Rule("/", endpoint="search"),
        Rule("/record/<source>/<path:identifier>", endpoint="record_page"),
        Rule("/members", endpoint="members"),
        Rule("/about", endpoint="members"),
        Rule("/stats", endpoint="stats"),
        Rule("/static/<path:filename>", endpoint="static"),
    ],
    strict_slashes=False,
)
QUERY_SECONDS = 2.0  # a request's queries together
FACET_SECONDS = 1.0  # counting facets, within that; past it the results come without counts


class WebApp:
    """Search, record, members and statistics pages over one index, read-only."""

    def __init__(
        self,
        db_path: Path | str,
        *,
        query_seconds: float = QUERY_SECONDS,
        facet_seconds: float = FACET_SECONDS,
    ) -> None:
        self.db_path = Path(db_path)
        self.query_seconds = query_seconds
        self.facet_seconds = facet_seconds
        self.whole_index = WholeIndexCounts(self.db_path)
        self._local = threading.local()
        self.cache = views.Cache()
        self.environments = {locale: _environment(locale) for locale in LOCALES}

    def index(self) -> ReadOnlyIndex:
        """This thread's connection, opened on first use."""
        index: ReadOnlyIndex | None = getattr(self._local, "index", None)
        if index is None:
            index = self._local.index = ReadOnlyIndex(self.db_path)
        return index

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        response = self.respond(request)
        response.headers.update(SECURITY_HEADERS)
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        locale = negotiate(request.args.get("lang"), list(request.accept_languages))
        page = views.Page(self, request, locale)
        try:
            endpoint, arguments = URLS.bind_to_environ(request.environ).match()
            if endpoint == "static":
                return send_from_directory(STATIC, arguments["filename"], request.environ)
            with self.index().deadline(self.query_seconds) as db:
                return getattr(views, endpoint)(page, db, **arguments)
        except BadParameter as exc:
            return page.error(400, str(exc))
        except QueryTimeout:
            return page.error(503, page.gettext("This search took too long. Narrow it down."))
        except NotFound:
            return page.error(404, page.gettext("There is no such page."))
        except HTTPException as exc:
            return page.error(exc.code or 500, exc.description or "")
        except Exception:
            log.exception("error serving %s", request.path)
            return page.error(500, page.gettext("Something went wrong on our side."))

    def render(self, locale: str, template: str, context: dict[str, Any]) -> str:
        return self.environments[locale].get_template(template).render(context)


def _environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def create_web_app(
    db_path: Path | str,
    *,
    query_seconds: float = QUERY_SECONDS,
    facet_seconds: float = FACET_SECONDS,
    warm: bool = True,
) -> WebApp:
    """The web page over the index at `db_path`, as a WSGI application.

    `warm` starts counting the whole index at once, so the first visitor gets facets.
    """
    app = WebApp(db_path, query_seconds=query_seconds, facet_seconds=facet_seconds)
    if warm:
        with app.index().deadline(None) as db:
            app.whole_index.get(generation(db))
    return app
