"""Orchestration: resume or open a window, pages -> normalise -> save, watermark, parallelism."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from harvester import normalise
from harvester.errors import (
    EndpointError,
    HarvestAborted,
    HarvesterError,
    ProtocolError,
    UnparsableResponse,
)
from harvester.linking import link_index
from harvester.models import (
    Checkpoint,
    Page,
    RawRecord,
    Record,
    RepositoryInfo,
    RunResult,
    Settings,
    Source,
)
from harvester.oai import OAIClient
from harvester.pipeline import OrderedWriter, Prefetch
from harvester.store import Store, utc_now
from harvester.transport import Sleep

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class HarvestOptions:
    """What this run asks for: incremental (default), everything, or a manual window."""

    full: bool = False
    from_: str | None = None
    until: str | None = None

    @property
    def manual(self) -> bool:
        return bool(self.from_ or self.until)


@dataclass
class _Tally:
    pages: int = 0
    received: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    repairs: int = 0
    expected: int | None = None
    shortfall: list[str] = field(default_factory=list)
    window: tuple[str | None, str | None] = (None, None)


class _Interrupted(Exception):
    """Stop requested (Ctrl-C); raised only after the current page committed."""


def harvest_all(
    settings: Settings,
    sources: Sequence[Source],
    options: HarvestOptions | None = None,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    sleep: Sleep = time.sleep,
    link: bool = True,
) -> list[RunResult]:
    """Harvest every given source, `jobs` at a time; one failing source never stops the rest.

    Then link the records that changed to the same works at other members (incrementally).
    """
    options = options or HarvestOptions()
    stop = stop or threading.Event()
    Store(settings.database).close()  # migrate once, before the workers open their connections
    workers = max(1, min(jobs or settings.jobs, len(sources) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="harvest") as pool:
        futures = [
            pool.submit(harvest_source, settings, source, options, progress, stop, sleep)
            for source in sources
        ]
        results = [future.result() for future in futures]
    if link and not stop.is_set() and any(r.added or r.updated or r.deleted for r in results):
        store = Store(settings.database)
        try:
            link_index(store)
        finally:
            store.close()
    return results


def harvest_source(
    settings: Settings,
    source: Source,
    options: HarvestOptions,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    sleep: Sleep = time.sleep,
) -> RunResult:
    """Harvest one source (all its sets) and record the run; never raises for endpoint trouble."""
    started = utc_now()
    tally = _Tally()
    store = Store(settings.database)
    client = OAIClient(source.endpoint, settings, sleep)
    status, error = "ok", None
    if stop is not None and stop.is_set():
        status, error = "interrupted", "interrupted before it started"
    else:
        try:
            _harvest_sets(store, client, source, options, tally, progress, stop)
            if tally.shortfall:
                status, error = "incomplete", "; ".join(tally.shortfall)
        except _Interrupted:
            status, error = "interrupted", "interrupted; the next run resumes after the last page"
        except UnparsableResponse as exc:
            store.quarantine(source.name, exc.url, str(exc), exc.body)
            status, error = "failed", f"{exc} (page quarantined)"
        except (EndpointError, ProtocolError, HarvestAborted, HarvesterError) as exc:
            status, error = "failed", str(exc)
        except Exception as exc:  # a bug must not hide the other sources' results
            log.exception("unexpected error while harvesting %s", source.name)
            status, error = "failed", f"unexpected {type(exc).__name__}: {exc}"
    result = RunResult(
        source=source.name,
        status=status,
        started=started,
        finished=utc_now(),
        window_from=tally.window[0],
        window_until=tally.window[1],
        pages=tally.pages,
        requests=client.requests_made,
        received=tally.received,
        added=tally.added,
        updated=tally.updated,
        deleted=tally.deleted,
        repairs=tally.repairs,
        expected=tally.expected,
        error=error,
    )
    try:
        store.save_run(result)
    finally:
        store.close()
        client.close()
    return result


def _harvest_sets(
    store: Store,
    client: OAIClient,
    source: Source,
    options: HarvestOptions,
    tally: _Tally,
    progress: Progress | None,
    stop: threading.Event | None,
) -> None:
    info = client.identify()
    store.save_source(source, info)
    for set_spec in source.sets or ("",):
        _harvest_list(store, client, source, info, set_spec, options, tally, progress, stop)


def _harvest_list(
    store: Store,
    client: OAIClient,
    source: Source,
    info: RepositoryInfo,
    set_spec: str,
    options: HarvestOptions,
    tally: _Tally,
    progress: Progress | None,
    stop: threading.Event | None,
) -> None:
    """One ListRecords list: resumed where a run stopped, restarted once on a dead token."""
    prefix = source.metadata_prefix
    for attempt in range(2):
        state = store.get_state(source.name, set_spec, prefix) or {}
        plan = _plan_window(state, options, _day_only(store, source, info))
        tally.window = (plan.from_, plan.until)
        try:
            _run_window(store, client, source, set_spec, plan, options, tally, progress, stop)
            return
        except ProtocolError as exc:
            if exc.code == "badResumptionToken" and attempt == 0:
                log.warning("%s: resumption token refused; restarting the window", source.name)
                store.clear_token(source.name, set_spec, prefix)
                continue
            if exc.code == "badArgument" and _has_seconds(plan) and attempt == 0:
                log.warning("%s: seconds refused in from/until; using days", source.name)
                store.set_day_granularity_only(source.name)
                store.clear_token(source.name, set_spec, prefix)
                continue
            if exc.code == "cannotDisseminateFormat":
                raise ProtocolError(exc.code, _format_hint(client, source), exc.url) from None
            raise


@dataclass(frozen=True)
class _Plan:
    from_: str | None
    until: str | None
    token: str | None
    first_response_date: str | None
    received: int
    expected: int | None


def _plan_window(state: dict[str, Any], options: HarvestOptions, day_only: bool) -> _Plan:
    """Resume the pending list when this run asks for the same kind of window, else open one."""
    token = state.get("resumption_token")
    pending_manual = bool(state.get("manual"))
    wanted_from = _at_granularity(options.from_, day_only)
    wanted_until = _at_granularity(options.until, day_only)
    same_kind = (
        pending_manual == options.manual
        and (
            not options.manual
            or (state.get("window_from"), state.get("window_until")) == (wanted_from, wanted_until)
        )
        and (not options.full or state.get("window_from") is None)
    )
    if token and same_kind and not _expired(state.get("expiration_date")):
        return _Plan(
            state.get("window_from"),
            state.get("window_until"),
            token,
            state.get("first_response_date"),
            state.get("received") or 0,
            state.get("complete_list_size"),
        )
    if token and same_kind:
        # An expired token: restart the unfinished window from its stored `from`.
        return _Plan(state.get("window_from"), state.get("window_until"), None, None, 0, None)
    if options.manual:
        return _Plan(wanted_from, wanted_until, None, None, 0, None)
    watermark = None if options.full else state.get("watermark")
    return _Plan(_at_granularity(watermark, day_only), None, None, None, 0, None)


def _run_window(
    store: Store,
    client: OAIClient,
    source: Source,
    set_spec: str,
    plan: _Plan,
    options: HarvestOptions,
    tally: _Tally,
    progress: Progress | None,
    stop: threading.Event | None,
) -> None:
    """Page through one list: fetch and parse ahead, normalise here, write behind, in order."""
    prefix = source.metadata_prefix
    first_response_date = plan.first_response_date
    received = plan.received
    expected = plan.expected

    def counted(done: tuple[Page, int, int, int]) -> None:
        _count(tally, *done)
        if progress is not None:
            progress(source.name, tally.pages, tally.received)

    pages = Prefetch(
        client.list_pages(
            prefix,
            set_spec=set_spec or None,
            from_=plan.from_,
            until=plan.until,
            resumption_token=plan.token,
        )
    )
    writer: OrderedWriter[tuple[Page, int, int, int]] = OrderedWriter(counted)
    try:
        for page in pages:
            first_response_date = first_response_date or page.response_date or utc_now()
            if page.complete_list_size is not None:
                expected = page.complete_list_size
            checkpoint = Checkpoint(
                window_from=plan.from_,
                window_until=plan.until,
                first_response_date=first_response_date,
                resumption_token=page.resumption_token,
                cursor=page.cursor,
                complete_list_size=expected,
                expiration_date=page.expiration_date,
            )
            records = [_to_record(source, raw) for raw in page.records]
            writer.submit(
                _save,
                store,
                source.name,
                page,
                records,
                (set_spec, prefix),
                checkpoint,
                options.manual,
            )
            received += len(page.records)
            if stop is not None and stop.is_set() and page.resumption_token:
                writer.drain()
                raise _Interrupted()
        writer.drain()
    finally:
        writer.close()
        pages.close()
    watermark = _complete_watermark(set_spec, received, expected, first_response_date, tally)
    if options.manual:
        watermark = None
    store.finish_window(source.name, set_spec, prefix, watermark)


def _save(
    store: Store,
    source: str,
    page: Page,
    records: list[Record],
    state_key: tuple[str, str],
    checkpoint: Checkpoint,
    manual: bool,
) -> tuple[Page, int, int, int]:
    added, updated, deleted = store.save_page(source, records, state_key, checkpoint, manual=manual)
    return page, added, updated, deleted


def _to_record(source: Source, raw: RawRecord) -> Record:
    # Status wins: a deleted header is a tombstone even when the endpoint still sends metadata.
    deleted = raw.header.deleted
    fields = {} if deleted else normalise.normalise_dc(raw.dc, source.default_language)
    return Record(source=source.name, header=raw.header, raw_xml=raw.xml, fields=fields)


def _count(tally: _Tally, page: Page, added: int, updated: int, deleted: int) -> None:
    tally.pages += 1
    tally.received += len(page.records)
    tally.added += added
    tally.updated += updated
    tally.deleted += deleted
    tally.repairs += page.repairs


def _complete_watermark(
    set_spec: str,
    received: int,
    expected: int | None,
    first_response_date: str | None,
    tally: _Tally,
) -> str | None:
    """The new watermark, or None when completeListSize shows records went missing."""
    if expected is not None:
        tally.expected = (tally.expected or 0) + expected
        if received < expected:
            where = f"set {set_spec!r}" if set_spec else "the list"
            tally.shortfall.append(
                f"{where} announced completeListSize={expected} but {received} records arrived"
            )
            return None
    return first_response_date


def _day_only(store: Store, source: Source, info: RepositoryInfo) -> bool:
    row = store.source_row(source.name) or {}
    return info.day_granularity or bool(row.get("day_granularity_only"))


def _at_granularity(stamp: str | None, day_only: bool) -> str | None:
    """Format a datestamp for from/until: day-only endpoints get YYYY-MM-DD."""
    if not stamp:
        return None
    stamp = stamp.strip()
    if day_only:
        return stamp[:10]
    if len(stamp) == 10:
        return stamp
    return stamp if stamp.endswith("Z") else stamp + "Z"


def _has_seconds(plan: _Plan) -> bool:
    return any(s and len(s) > 10 for s in (plan.from_, plan.until))


def _expired(expiration_date: str | None) -> bool:
    if not expiration_date:
        return False
    try:
        when = datetime.fromisoformat(expiration_date.replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when <= datetime.now(UTC)


def _format_hint(client: OAIClient, source: Source) -> str:
    try:
        offered = ", ".join(f["prefix"] for f in client.metadata_formats()) or "none"
    except HarvesterError:
        offered = "unknown (ListMetadataFormats failed)"
    return (
        f"source {source.name!r} cannot disseminate metadata_prefix "
        f"{source.metadata_prefix!r}; it offers: {offered}"
    )
