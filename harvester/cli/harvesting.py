"""Commands that talk to endpoints: harvest, status, identify, sources, demo."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harvester.cli.common import (
    ProgressLine,
    cli,
    config_options,
    exit_status,
    load_or_defaults,
    output_options,
    select_sources,
    setup_logging,
    stop_on_signal,
    summary_line,
    user_errors,
)
from harvester.cli.indexing import check_sources
from harvester.cli.params import MOMENT, check_window
from harvester.config import default_config_path, load_config
from harvester.models import Config, RunResult, Settings, Source

if TYPE_CHECKING:
    from harvester.harvest.plan import HarvestOptions

# The harvest, the OAI client and the store are imported inside the commands that use them,
# so that `--version`, `--help` and the read-only commands start fast (benchmarks/startup).

# -- commands ----------------------------------------------------------------------------


@cli.command()
@click.argument("sources", nargs=-1)
@config_options
@click.option("--full", is_flag=True, help="Re-harvest everything, ignoring the watermark.")
@click.option("--from", "from_", type=MOMENT, help="Manual window start (keeps the watermark).")
@click.option("--until", type=MOMENT, help="Manual window end (keeps the watermark).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Sources harvested at once.")
@click.option(
    "-w",
    "--workers",
    type=click.IntRange(min=1),
    help="Processes that read and normalise pages (default: one per core; 1: this process).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON run summary on stdout.")
@click.option(
    "--no-link", is_flag=True, help="Skip linking the changed records (run `harvester link` later)."
)
@output_options
def harvest(
    sources: tuple[str, ...],
    config_path: Path | None,
    database: Path | None,
    full: bool,
    from_: str | None,
    until: str | None,
    jobs: int | None,
    workers: int | None,
    as_json: bool,
    no_link: bool,
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
    setup_logging(verbose, quiet)
    if full and (from_ or until):
        raise click.UsageError("--full cannot be combined with --from/--until")
    check_window(from_, until, "--from", "--until")
    with user_errors(verbose):
        config = load_config(config_path or default_config_path(), database=database, jobs=jobs)
        selected = select_sources(config, sources)
        if not selected:
            _warn_empty_plan(config)
            return
        from harvester.harvest.plan import HarvestOptions

        options = HarvestOptions(full=full, from_=from_, until=until)
        results = _run_harvest(
            config.settings, selected, options, jobs, quiet, link=not no_link, workers=workers
        )
    _report(results, as_json, quiet)
    sys.exit(exit_status(results))


def _write_demo_config(database: Path, sources: Sequence[Source]) -> Path | None:
    """The demo's config beside its index, so other commands can use its sources' settings.

    An existing file is never overwritten.
    """
    path = database.with_suffix(".toml")
    lines = [
        "# Written by `harvester demo`: the sample members it harvested into this index.",
        "# Their endpoints served on 127.0.0.1 only while the demo ran.",
        f"database = {json.dumps(str(database.resolve()))}",
    ]
    for source in sources:
        lines += ["", "[[sources]]"]
        for key in ("name", "endpoint", "title", "institution", "country", "default_language"):
            value = getattr(source, key)
            if value:
                lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        if source.sets:
            lines.append(f"sets = {json.dumps(list(source.sets))}")
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    except OSError:
        return None
    return path


def _warn_empty_plan(config: Config) -> None:
    """Nothing to do is said out loud, even with --quiet: cron should not hear "ok" for it."""
    disabled = [s.name for s in config.sources if not s.enabled]
    why = (
        f"every source is disabled ({', '.join(disabled)}); name one to harvest it anyway"
        if disabled
        else "it has no [[sources]]"
    )
    click.echo(f"Warning: nothing to harvest: {config.path}: {why}", err=True)


def _run_harvest(
    settings: Settings,
    sources: Sequence[Source],
    options: HarvestOptions,
    jobs: int | None,
    quiet: bool,
    link: bool = True,
    workers: int | None = None,
) -> list[RunResult]:
    progress = ProgressLine() if sys.stderr.isatty() and not quiet else None
    if options.full or not settings.database.exists():
        from harvester.harvest.pool import warm_up

        warm_up(workers)
    from harvester.harvest.run import harvest_all
    from harvester.store.lock import index_lock

    with index_lock(settings.database), stop_on_signal() as stop:
        try:
            return harvest_all(
                settings,
                sources,
                options,
                jobs=jobs,
                progress=progress,
                stop=stop,
                link=link,
                workers=workers,
            )
        finally:
            if progress is not None:
                progress.close()


def _report(results: Sequence[RunResult], as_json: bool, quiet: bool) -> None:
    if as_json:
        click.echo(json.dumps([_result_json(r) for r in results], indent=2, ensure_ascii=False))
    for result in results:
        if result.status != "ok":
            click.echo(summary_line(result), err=True)
        elif not quiet and not as_json:
            click.echo(summary_line(result))


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
    with user_errors(False):
        config = load_or_defaults(config_path, database, required=False)
        from harvester.store import Store

        store = Store(config.settings.database, read_only=True)
        try:
            check_sources(store, sources, with_failed=True)
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


SETS_SHOWN = 50


@cli.command()
@click.argument("url")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds per request.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@output_options
def identify(url: str, timeout: float, as_json: bool, verbose: bool, quiet: bool) -> None:
    """Describe an endpoint (Identify, metadata formats, sets) to help write a config entry.

    \b
    Example:
        harvester identify https://zenodo.org/oai2d
        harvester identify https://zenodo.org/oai2d --json
    """
    setup_logging(verbose, quiet)
    base, query = url.split("?", 1) if "?" in url else (url, "")
    if query:
        click.echo(f"Note: using the base URL {base} (dropped ?{query})", err=True)
    settings = Settings(timeout=timeout, max_retries=2, delay=0)
    from harvester.oai.client import OAIClient

    client = OAIClient(base, settings)
    with user_errors(verbose):
        info = client.identify()
        formats = client.metadata_formats()
        sets = client.sets(limit=SETS_SHOWN + 1)
    more = len(sets) > SETS_SHOWN
    sets = sets[:SETS_SHOWN]
    if as_json:
        report = {**asdict(info), "formats": formats, "sets": [list(s) for s in sets]}
        report["sets_truncated"] = more
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"Repository:    {info.repository_name}")
    click.echo(f"Base URL:      {info.base_url}")
    click.echo(f"Granularity:   {info.granularity}")
    click.echo(f"Earliest:      {info.earliest_datestamp}")
    click.echo(f"Deleted:       {info.deleted_record}")
    click.echo(f"Admin email:   {', '.join(info.admin_emails)}")
    click.echo("Formats:       " + ", ".join(f["prefix"] for f in formats))
    if not sets:
        click.echo("Sets:          none")
    elif more:
        click.echo(f"Sets (the first {SETS_SHOWN}; the endpoint has more):")
    else:
        click.echo(f"Sets ({len(sets)}):")
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
    with user_errors(False):
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
    from harvester.demo.server import DevServer

    setup_logging(verbose, quiet)
    config = load_or_defaults(None, database, required=False)
    settings = replace(config.settings, delay=0, max_retries=1, timeout=10)
    with user_errors(verbose), DevServer() as server:
        sources = serve_demo(server)
        if not quiet:
            click.echo(f"Serving {len(sources)} sample endpoints at {server.base_url}")
        from harvester.harvest.plan import HarvestOptions

        results = _run_harvest(settings, sources, HarvestOptions(), None, quiet)
    _report(results, False, quiet)
    written = _write_demo_config(settings.database, sources)
    if not quiet:
        db = settings.database
        click.echo(f"\nIndex written to {db}. Look at it with:")
        click.echo(f"  harvester status --db {db}")
        click.echo(f"  harvester search Buddhist --db {db}")
        click.echo(f"  harvester export --merged --db {db}     # works linked across members")
        click.echo(f"  sqlite3 {db} 'select source, title, date_raw from records limit 5'")
        if written is not None:
            click.echo(f"Its config is in {written}; reuse it with --config {written}")
            click.echo("  (its endpoints lived only while the demo ran: `harvester demo` again)")
        serve = config.serve
        click.echo("See it in a browser (search, facets, record pages):")
        click.echo(f"  harvester serve --db {db}")
        click.echo(f"  then open http://{serve.host}:{serve.port}/")
    sys.exit(exit_status(results))
