"""The `harvester` command: parse options, call one library function, report.

Library errors become one-sentence messages here, and only here; --verbose adds tracebacks.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from enum import IntEnum
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from harvester import __version__
from harvester.config import default_config_path, load_config
from harvester.errors import ConfigError, HarvesterError, LockHeld
from harvester.harvest import HarvestOptions, harvest_all
from harvester.lock import index_lock
from harvester.models import Config, RunResult, Settings, Source
from harvester.oai import OAIClient
from harvester.store import Store


class Exit(IntEnum):
    """Exit statuses cron jobs can rely on."""

    OK = 0
    FAILED = 1
    USAGE = 2
    LOCKED = 75
    INTERRUPTED = 130


F = TypeVar("F", bound=Callable[..., Any])


def config_options(func: F) -> F:
    """--config and --db: flag > HARVESTER_CONFIG / HARVESTER_DB > file > default."""
    func = click.option(
        "--db",
        "database",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Index file (default: $HARVESTER_DB, the config's `database`, or harvest.db).",
    )(func)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Config file (default: $HARVESTER_CONFIG or config/sources.toml).",
    )(func)


def output_options(func: F) -> F:
    func = click.option("-q", "--quiet", is_flag=True, help="Print only errors (for cron).")(func)
    return click.option(
        "-v", "--verbose", is_flag=True, help="Log every request; tracebacks on errors."
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harvester")
def cli() -> None:
    """Harvest OAI-PMH catalogues of the Silk Road library alliance into one SQLite index."""


def main() -> None:
    try:
        cli.main(standalone_mode=False, prog_name="harvester")
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(Exit.INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(Exit.USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(Exit.OK)


# -- helpers -----------------------------------------------------------------------------


def _fail(message: str, status: Exit, verbose: bool = False) -> NoReturn:
    if verbose:
        traceback.print_exc()
    click.echo(f"Error: {message}", err=True)
    sys.exit(status)


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)


def _load(config_path: Path | None, database: Path | None, *, required: bool = True) -> Config:
    """The config, or (for read-only commands without a config file) defaults."""
    path = config_path or default_config_path()
    if not required and config_path is None and not path.exists():
        settings = Settings()
        config = Config(settings=settings, sources=(), path=None)
        import os

        env_db = os.environ.get("HARVESTER_DB")
        db = database or (Path(env_db) if env_db else settings.database)
        return replace(config, settings=replace(settings, database=db))
    return load_config(path, database=database)


def _select(config: Config, names: Sequence[str]) -> list[Source]:
    if not names:
        return [s for s in config.sources if s.enabled]
    unknown = [n for n in names if config.source(n) is None]
    if unknown:
        known = ", ".join(s.name for s in config.sources) or "none"
        raise ConfigError(f"{config.path}: no source named {', '.join(unknown)} (known: {known})")
    return [s for s in config.sources if s.name in names]


@contextmanager
def _user_errors(verbose: bool) -> Iterator[None]:
    try:
        yield
    except ConfigError as exc:
        _fail(str(exc), Exit.USAGE, verbose)
    except LockHeld as exc:
        _fail(str(exc), Exit.LOCKED, verbose)
    except HarvesterError as exc:
        _fail(str(exc), Exit.FAILED, verbose)


class _ProgressLine:
    """A one-line live display of pages and records per source, for a terminal."""

    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, int]] = {}
        self.lock = threading.Lock()

    def __call__(self, source: str, pages: int, records: int) -> None:
        with self.lock:
            self.counts[source] = (pages, records)
            parts = [f"{n}: {r:,} records/{p} pages" for n, (p, r) in self.counts.items()]
            line = " | ".join(parts)
            width = 160
            click.echo("\r" + line[-width:].ljust(min(width, len(line))), nl=False, err=True)

    def close(self) -> None:
        if self.counts:
            click.echo("", err=True)


@contextmanager
def _stop_on_signal() -> Iterator[threading.Event]:
    """First Ctrl-C (or SIGTERM) asks workers to stop after the current page commits."""
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        click.echo("\nStopping after the current page; press Ctrl-C again to quit.", err=True)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _summary_line(result: RunResult) -> str:
    text = (
        f"{result.source}: {result.status}, {result.pages} pages, {result.received:,} received "
        f"({result.added:,} new, {result.updated:,} updated, {result.deleted:,} deleted)"
    )
    if result.repairs:
        text += f", {result.repairs} characters repaired"
    if result.error:
        text += f" - {result.error}"
    return text


def _exit_status(results: Sequence[RunResult]) -> Exit:
    if any(r.status == "interrupted" for r in results):
        return Exit.INTERRUPTED
    if any(r.status != "ok" for r in results):
        return Exit.FAILED
    return Exit.OK


# -- commands ----------------------------------------------------------------------------


@cli.command()
@click.argument("sources", nargs=-1)
@config_options
@click.option("--full", is_flag=True, help="Re-harvest everything, ignoring the watermark.")
@click.option("--from", "from_", metavar="DATE", help="Manual window start (keeps the watermark).")
@click.option("--until", metavar="DATE", help="Manual window end (keeps the watermark).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Sources harvested at once.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON run summary on stdout.")
@output_options
def harvest(
    sources: tuple[str, ...],
    config_path: Path | None,
    database: Path | None,
    full: bool,
    from_: str | None,
    until: str | None,
    jobs: int | None,
    as_json: bool,
    verbose: bool,
    quiet: bool,
) -> None:
    """Harvest every enabled source, or the named ones (incremental by default).

    \b
    Examples:
        harvester harvest                     # nightly: every enabled source
        harvester harvest nlt --full          # one member, from scratch
        harvester harvest nlt --from 2024-01-01 --until 2024-01-31
        harvester harvest --quiet --json > run.json
    """
    _setup_logging(verbose, quiet)
    if full and (from_ or until):
        _fail("--full cannot be combined with --from/--until", Exit.USAGE)
    with _user_errors(verbose):
        config = load_config(config_path or default_config_path(), database=database, jobs=jobs)
        selected = _select(config, sources)
        options = HarvestOptions(full=full, from_=from_, until=until)
        results = _run_harvest(config.settings, selected, options, jobs, quiet)
    _report(results, as_json, quiet)
    sys.exit(_exit_status(results))


def _run_harvest(
    settings: Settings,
    sources: Sequence[Source],
    options: HarvestOptions,
    jobs: int | None,
    quiet: bool,
) -> list[RunResult]:
    progress = _ProgressLine() if sys.stderr.isatty() and not quiet else None
    with index_lock(settings.database), _stop_on_signal() as stop:
        try:
            return harvest_all(settings, sources, options, jobs=jobs, progress=progress, stop=stop)
        finally:
            if progress is not None:
                progress.close()


def _report(results: Sequence[RunResult], as_json: bool, quiet: bool) -> None:
    if as_json:
        click.echo(json.dumps([_result_json(r) for r in results], indent=2, ensure_ascii=False))
    for result in results:
        if result.status != "ok":
            click.echo(_summary_line(result), err=True)
        elif not quiet and not as_json:
            click.echo(_summary_line(result))


def _result_json(result: RunResult) -> dict[str, Any]:
    from datetime import datetime

    data = asdict(result)
    started = datetime.fromisoformat(result.started.replace("Z", "+00:00"))
    finished = datetime.fromisoformat(result.finished.replace("Z", "+00:00"))
    data["duration_seconds"] = (finished - started).total_seconds()
    return data


@cli.command()
@click.argument("sources", nargs=-1)
@config_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(
    sources: tuple[str, ...], config_path: Path | None, database: Path | None, as_json: bool
) -> None:
    """Show records, deletions, the last run, watermarks and pending resumptions.

    \b
    Example:
        harvester status
        harvester status nlt --json
    """
    with _user_errors(False):
        config = _load(config_path, database, required=False)
        if not config.settings.database.exists():
            raise HarvesterError(f"no index at {config.settings.database}; run a harvest first")
        store = Store(config.settings.database)
        try:
            rows = store.status(list(sources) or None)
        finally:
            store.close()
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("The index holds no sources yet.")
    for row in rows:
        click.echo(_status_text(row))


def _status_text(row: dict[str, Any]) -> str:
    run = row["last_run"]
    lines = [f"{row['source']}: {row['records']:,} records, {row['deleted']:,} deleted"]
    if run:
        lines.append(
            f"  last run {run['finished']}: {run['status']}, {run['received']:,} received, "
            f"{run['added']:,} new, {run['updated']:,} updated, {run['deleted']:,} deleted"
        )
        if run["error"]:
            lines.append(f"  error: {run['error']}")
    for set_spec, watermark in sorted(row["watermarks"].items()):
        label = "" if set_spec == "*" else f" (set {set_spec})"
        lines.append(f"  watermark{label}: {watermark or 'none yet'}")
    for pending in row["pending"]:
        label = "" if pending["set"] == "*" else f" set {pending['set']}"
        lines.append(
            f"  pending resumption{label}: {pending['received'] or 0:,} records so far; "
            "the next harvest continues from the saved token"
        )
    return "\n".join(lines)


@cli.command()
@click.argument("url")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
@output_options
def identify(url: str, timeout: float, verbose: bool, quiet: bool) -> None:
    """Describe an endpoint (Identify, metadata formats, sets) to help write a config entry.

    \b
    Example:
        harvester identify https://zenodo.org/oai2d
    """
    _setup_logging(verbose, quiet)
    settings = Settings(timeout=timeout, max_retries=2, delay=0)
    client = OAIClient(url, settings)
    with _user_errors(verbose):
        info = client.identify()
        formats = client.metadata_formats()
        sets = client.sets(limit=50)
    click.echo(f"Repository:    {info.repository_name}")
    click.echo(f"Base URL:      {info.base_url}")
    click.echo(f"Granularity:   {info.granularity}")
    click.echo(f"Earliest:      {info.earliest_datestamp}")
    click.echo(f"Deleted:       {info.deleted_record}")
    click.echo(f"Admin email:   {', '.join(info.admin_emails)}")
    click.echo("Formats:       " + ", ".join(f["prefix"] for f in formats))
    click.echo(f"Sets (first {len(sets)}):" if sets else "Sets:          none")
    for spec, name in sets:
        click.echo(f"  {spec}  {name}")


@cli.command(name="sources")
@config_options
def list_sources(config_path: Path | None, database: Path | None) -> None:
    """Validate the config and list its sources.

    \b
    Example:
        harvester sources --config config/sources.toml
    """
    with _user_errors(False):
        config = load_config(config_path or default_config_path(), database=database)
    click.echo(f"{config.path}: {len(config.sources)} sources, index {config.settings.database}")
    for source in config.sources:
        flag = "" if source.enabled else "  (disabled)"
        sets = ", ".join(source.sets) if source.sets else "all"
        click.echo(
            f"  {source.name:<20} {source.country or '--'}  {source.metadata_prefix:<8} "
            f"sets: {sets:<20} {source.endpoint}{flag}"
        )


@cli.command()
@click.option(
    "--db",
    "database",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Index file to write (default: $HARVESTER_DB or harvest.db).",
)
@output_options
def demo(database: Path | None, verbose: bool, quiet: bool) -> None:
    """Harvest four bundled sample endpoints served on 127.0.0.1 (no network needed).

    \b
    Example:
        harvester demo && harvester status
    """
    from harvester.demo import serve_demo
    from harvester.devserver import DevServer

    _setup_logging(verbose, quiet)
    config = _load(None, database, required=False)
    settings = replace(config.settings, delay=0, max_retries=1, timeout=10)
    with _user_errors(verbose), DevServer() as server:
        sources = serve_demo(server)
        if not quiet:
            click.echo(f"Serving {len(sources)} sample endpoints at {server.base_url}")
        results = _run_harvest(settings, sources, HarvestOptions(), None, quiet)
    _report(results, False, quiet)
    if not quiet:
        db = settings.database
        click.echo(f"\nIndex written to {db}. Look at it with:")
        click.echo(f"  harvester status --db {db}")
        click.echo(f"  sqlite3 {db} 'select source, title, date_raw from records limit 5'")
    sys.exit(_exit_status(results))
