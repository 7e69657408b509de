"""`harvester serve`: the index over OAI-PMH (/oai) and as a web page (/)."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import click

from harvester.cli.common import (
    cli,
    config_options,
    load_or_defaults,
    output_options,
    setup_logging,
    user_errors,
)
from harvester.errors import HarvesterError


@cli.command(name="serve")
@click.option("--host", help="Address to listen on (default: the config's, else 127.0.0.1).")
@click.option(
    "--port", type=click.IntRange(0, 65535), help="Port (default: the config's, else 8080)."
)
@config_options
@output_options
def serve_command(
    host: str | None,
    port: int | None,
    config_path: Path | None,
    database: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Serve the index: OAI-PMH 2.0 at /oai, the search page at /.

    The index is opened read-only, so a harvest can run at the same time. Ctrl-C or
    SIGTERM lets the requests in flight finish, then exits 0.

    \b
    Examples:
        harvester serve
        harvester serve --host 0.0.0.0 --port 8000 --db /srv/harvest.db
    """
    from harvester.serve import create_app
    from harvester.serve.server import serve

    setup_logging(verbose, quiet)
    if not verbose:
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    with user_errors(verbose):
        config = load_or_defaults(config_path, database, required=False)
        settings = replace(
            config.serve,
            host=host if host is not None else config.serve.host,
            port=port if port is not None else config.serve.port,
        )
        app = create_app(config.settings.database, settings)

        def started(url: str) -> None:
            click.echo(f"Serving {config.settings.database} at {url}oai (Ctrl-C to stop)")
            click.echo(f"The web page: {url}")

        try:
            serve(app, settings.host, settings.port, started)
        except OSError as exc:
            raise HarvesterError(
                f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}"
            ) from None
    click.echo("Stopped.", err=True)
