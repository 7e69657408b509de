"""Commands over the index alone (no network): search, renormalise, reindex, link, export,
stats."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harvester.cli.common import cli, config_options, load_or_defaults, plural, user_errors
from harvester.cli.params import MOMENT, Country, DcmiType, Language, Query, Script
from harvester.errors import BadArgument, IndexUnusable
from harvester.models import EXPORT_FORMATS, Config, Source

if TYPE_CHECKING:
    from harvester.store import Store

# Stages are imported inside the commands that use them, so that each command loads only
# what it needs and `--help` loads none of them (benchmarks/startup).


@contextmanager
def open_index(config: Config, *, write: bool = False) -> Iterator[Store]:
    """The configured index, which must exist already (these commands never create one).

    Reading never waits for the index lock and never writes; writing holds the lock.
    """
    from harvester.store import Store
    from harvester.store.lock import index_lock
    from harvester.store.opening import is_new

    path = config.settings.database
    if is_new(path):
        raise IndexUnusable(f"no index at {path}; run `harvester harvest` or `harvester demo`")
    with index_lock(path) if write else nullcontext():
        store = Store(path, read_only=not write)
        try:
            yield store
        finally:
            store.close()


def _indexed_sources(config: Config, store: Store, names: tuple[str, ...]) -> list[Source]:
    """Sources named (or all in the index), with their config when the config has them."""
    in_index = store.source_names()
    wanted = list(names) or in_index
    check_sources(store, wanted)
    from harvester.harvest.renormalise import indexed_source

    return [config.source(name) or indexed_source(store, name) for name in wanted]


def check_sources(store: Store, names: Sequence[str], *, with_failed: bool = False) -> None:
    """A usage error for a source name the index does not hold, listing those it does."""
    in_index = store.source_names(with_failed=with_failed)
    unknown = [n for n in names if n not in in_index]
    if unknown:
        known = ", ".join(in_index) or "none yet"
        raise BadArgument(
            f"the index {store.path} has no source named {', '.join(unknown)} (it has: {known})"
        )


def _priority(config: Config) -> dict[str, int]:
    return {source.name: source.priority for source in config.sources}


@cli.command(name="search")
@click.argument("query", type=Query())
@config_options
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option(
    "--language", type=Language(), help="Language as an ISO 639 code or name, e.g. tha, ru."
)
@click.option("--year-from", type=int, help="Earliest year (Gregorian).")
@click.option("--year-to", type=int, help="Latest year (Gregorian).")
@click.option("--type", "type_", type=DcmiType(), help="DCMI type, e.g. Text, or a local term.")
@click.option("--country", type=Country(), help="Members in this country (ISO 3166 code, e.g. UZ).")
@click.option(
    "--script", type=Script(), help="Titles in this script (ISO 15924 code, e.g. Arab, Hani)."
)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option(
    "--offset", type=click.IntRange(min=0), default=0, help="Skip this many hits (paging)."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def search_command(
    query: str,
    config_path: Path | None,
    database: Path | None,
    sources: tuple[str, ...],
    language: str | None,
    year_from: int | None,
    year_to: int | None,
    type_: str | None,
    country: str | None,
    script: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """Full-text search in titles, creators, subjects and descriptions, in any script.

    Letter variants, Simplified and Traditional Chinese, diacritics and inflections are
    folded; a Latin query also finds romanised titles and names (ranked after). Quotes keep
    words together; other punctuation is plain text.

    \b
    Examples:
        harvester search 'Зангезурський'
        harvester search 'อยุธยา' --language tha
        harvester search 中国 --year-from 2000 --json
        harvester search Samarkand --offset 20
    """
    if year_from is not None and year_to is not None and year_to < year_from:
        raise click.UsageError(f"--year-to {year_to} is before --year-from {year_from}")
    with user_errors(False):
        config = load_or_defaults(config_path, database, required=False)
        from harvester.store import SearchFilters

        filters = SearchFilters(
            sources=sources,
            language=language,
            year_from=year_from,
            year_to=year_to,
            type=type_,
            country=country,
            script=script,
        )
        with open_index(config) as store:
            check_sources(store, sources)
            results = store.search_page(query, filters, limit, offset)
            if not results.hits:
                _check_filter_values(store, language, type_)
    hits = results.hits
    if as_json:
        click.echo(json.dumps(hits, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("No matches.", err=True)
    else:
        shown = f"{offset + 1}-{offset + len(hits)}"
        total = f"{results.total:,}" if results.total_exact else f"at least {results.total:,}"
        click.echo(f"{shown} of {total} matches", err=True)
    for hit in hits:
        creators = "; ".join(hit["creators"][:3]) or "-"
        languages = ",".join(hit["languages"]) or "-"
        click.echo(f"{hit['title'] or '(no title)'}")
        click.echo(
            f"    {creators} | {hit['year'] or '-'} | {languages} | "
            f"{hit['source']} {hit['identifier']}"
            + ("" if hit["matched"] == "exact" else f" | by its {hit['matched']} form")
        )


def _check_filter_values(store: Store, language: str | None, type_: str | None) -> None:
    """After an empty result: a usage error if a filter names a value no record carries."""
    for field, option, value in (("languages", "--language", language), ("types", "--type", type_)):
        if value is not None and not store.has_value(field, value):
            known = ", ".join(store.common_values(field)) or "none"
            raise BadArgument(
                f"{option} {value}: no record in the index has it (its most common: {known})"
            )


@cli.command()
@click.argument("sources", nargs=-1)
@config_options
def renormalise(sources: tuple[str, ...], config_path: Path | None, database: Path | None) -> None:
    """Rebuild every normalised field from the stored raw XML, offline.

    Run it after upgrading: improvements to the mapping reach records harvested long ago.
    Reports, per source, how many records changed and how many changed in each field.

    \b
    Example:
        harvester renormalise            # every source in the index
        harvester renormalise nlt nlai
    """
    with user_errors(False):
        config = load_or_defaults(config_path, database, required=False)
        with open_index(config, write=True) as store:
            from harvester.harvest.renormalise import renormalise_sources
            from harvester.link.run import link_index

            selected = _indexed_sources(config, store, sources)
            results = renormalise_sources(store, selected)
            linked = link_index(store)
    totals: dict[str, int] = {}
    for result in results:
        click.echo(f"{result.source}: {result.records:,} records, {result.changed:,} changed")
        if result.fields:
            click.echo(f"  {_field_counts(result.fields)}")
        for name, count in result.fields.items():
            totals[name] = totals.get(name, 0) + count
    if len(results) > 1 and totals:
        ordered = dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))
        click.echo(f"all sources: {_field_counts(ordered)}")
    click.echo(f"linked: {linked.rekeyed:,} records re-keyed, {linked.clusters:,} clusters touched")


def _field_counts(fields: dict[str, int]) -> str:
    """Records changed per field, most first: "year 1,204, calendar 1,204, types 310"."""
    return ", ".join(f"{name} {count:,}" for name, count in fields.items())


@cli.command()
@config_options
def reindex(config_path: Path | None, database: Path | None) -> None:
    """Rebuild the search index from the stored fields, one transaction per batch.

    Run it after an upgrade changes how search folds, stems or romanises text, or after
    editing records with another tool; searches keep working while it runs.

    \b
    Example:
        harvester reindex
    """
    with user_errors(False):
        config = load_or_defaults(config_path, database, required=False)
        with open_index(config, write=True) as store:
            records = store.reindex()
    click.echo(f"search index rebuilt: {records:,} records")


@cli.command()
@config_options
@click.option("--full", is_flag=True, help="Re-key every record, not only the changed ones.")
@click.option(
    "-w",
    "--workers",
    type=click.IntRange(min=1),
    help="Processes that key records for --full (default: one per core; 1: this process).",
)
def link(config_path: Path | None, database: Path | None, full: bool, workers: int | None) -> None:
    """Link records of different members that describe the same work.

    Runs by itself at the end of every harvest, for the records that changed.

    \b
    Example:
        harvester link
        harvester link --full
    """
    with user_errors(False):
        config = load_or_defaults(config_path, database, required=False)
        with open_index(config, write=True) as store:
            if full:
                store.mark_all_for_linking()
            from harvester.link.run import link_index

            result = link_index(store, full=full, workers=workers)
    click.echo(
        f"{result.rekeyed:,} records re-keyed; {result.clusters:,} clusters formed or changed"
    )


@cli.command(name="export")
@config_options
@click.option(
    "--format", "format_", type=click.Choice(EXPORT_FORMATS), default="jsonl", show_default=True
)
@click.option("--merged", is_flag=True, help="One row per linked work instead of per record.")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option(
    "--since", type=MOMENT, metavar="DATETIME", help="Only what changed since, e.g. 2025-01-31."
)
@click.option("--include-deleted", is_flag=True, help="Pass deletions on as tombstones.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (atomically); default standard output.",
)
@click.option("--mkdir", is_flag=True, help="Create the output file's directory if missing.")
def export_command(
    config_path: Path | None,
    database: Path | None,
    format_: str,
    merged: bool,
    sources: tuple[str, ...],
    since: str | None,
    include_deleted: bool,
    output: Path | None,
    mkdir: bool,
) -> None:
    """Export records as JSON Lines, CSV or oai_dc XML, streaming.

    \b
    Examples:
        harvester export -o records.jsonl
        harvester export --merged --format csv -o works.csv
        harvester export --format xml --since 2025-01-31 --include-deleted -o feed.xml
    """
    from harvester.export.run import ExportRequest, write_export

    request = ExportRequest(format_, merged, sources, since, include_deleted)
    progress = _export_progress if output is not None and sys.stderr.isatty() else None
    with user_errors(False):
        config = load_or_defaults(config_path, database, required=False)
        with open_index(config) as store:
            check_sources(store, sources)
            count = write_export(
                store, request, _priority(config), output, progress, make_dirs=mkdir
            )
    if output is not None:
        click.echo(f"{count:,} rows written to {output}", err=True)


def _export_progress(count: int) -> None:
    click.echo(f"\r{count:,} rows", nl=False, err=True)


@cli.command(name="stats")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def stats_command(config_path: Path | None, database: Path | None, as_json: bool) -> None:
    """Per member and for the whole index: records, deletions, linking, languages, years, types.

    \b
    Example:
        harvester stats
        harvester stats --json
    """
    with user_errors(False):
        config = load_or_defaults(config_path, database, required=False)
        with open_index(config) as store:
            names = store.source_names()
            report = [store.stats(name) for name in names] + [store.stats()]
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for entry in report:
        click.echo(_stats_text(entry))


def _stats_text(entry: dict[str, Any]) -> str:
    title = "whole index" if entry["source"] == "*" else entry["source"]
    first, last = entry["year_range"]
    languages = ", ".join(f"{k} {v:,}" for k, v in entry["languages"].items()) or "-"
    types = ", ".join(f"{k} {v:,}" for k, v in entry["types"].items()) or "-"
    return (
        f"{title}: {entry['records']:,} records, {entry['deleted']:,} deleted\n"
        f"  linked: {plural(entry['linked_records'], 'record')} in "
        f"{plural(entry['clusters'], 'cluster')} "
        f"({entry['linked_share']:.1%})\n"
        f"  years: {first or '-'} to {last or '-'}\n"
        f"  languages: {languages}\n"
        f"  types: {types}"
    )
